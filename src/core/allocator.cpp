#include "core/allocator.h"

#include <atomic>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

#include "ingot/memory.h"

namespace ingot {
namespace {
std::atomic<size_t> g_active{0};
std::atomic<size_t> g_peak{0};

void note_alloc(size_t n) {
  size_t now = g_active.fetch_add(n) + n;
  size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}
}  // namespace

std::shared_ptr<void> allocate(size_t nbytes) {
  size_t rounded = (nbytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  if (rounded == 0) rounded = kBufferAlignment;
  void* p = std::aligned_alloc(kBufferAlignment, rounded);
  if (!p) throw std::runtime_error("[allocate] out of memory allocating " + std::to_string(nbytes) + " bytes.");
  note_alloc(rounded);
  return std::shared_ptr<void>(p, [rounded](void* q) {
    std::free(q);
    g_active.fetch_sub(rounded);
  });
}

size_t get_active_memory() { return g_active.load(); }
size_t get_peak_memory() { return g_peak.load(); }
void reset_peak_memory() { g_peak.store(g_active.load()); }
}  // namespace ingot
