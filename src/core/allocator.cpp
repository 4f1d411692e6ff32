#include "core/allocator.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/graph.h"
#include "ingot/array.h"
#include "ingot/memory.h"

namespace ingot {
namespace {
std::atomic<size_t> g_active{0};
std::atomic<size_t> g_peak{0};
std::atomic<size_t> g_limit{SIZE_MAX};

void note_alloc(size_t n) {
  size_t now = g_active.fetch_add(n) + n;
  size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}

// Freed buffers by exact size: large ones are what the system would unmap and fault in again, and small
// ones cost an aligned malloc and a free (with its consolidation) per array otherwise.
class BufferCache {
 public:
  void* take(size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(n);
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= n;
    return p;
  }
  void give(void* p, size_t n) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + n <= limit_) {
        free_[n].push_back(p);
        cached_ += n;
        return;
      }
    }
    std::free(p);
  }
  size_t cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }
  size_t set_limit(size_t limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t old = limit_;
    limit_ = limit;
    trim(limit);
    return old;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    trim(0);
  }

 private:
  void trim(size_t to) {  // under the lock
    for (auto it = free_.begin(); it != free_.end() && cached_ > to;) {
      while (!it->second.empty() && cached_ > to) {
        std::free(it->second.back());
        it->second.pop_back();
        cached_ -= it->first;
      }
      it = it->second.empty() ? free_.erase(it) : std::next(it);
    }
  }
  static size_t default_limit() {  // a quarter of the machine's memory
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 4 : size_t{1} << 30;
  }
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
  size_t limit_ = default_limit();
};

BufferCache& cache() {
  static BufferCache* c = new BufferCache;  // never destroyed: buffers may be freed during exit
  return *c;
}

// Named, so that donatable() can tell the library's buffers from mappings and lent memory.
struct BufferDeleter {
  size_t rounded;
  void operator()(void* q) const {
    g_active.fetch_sub(rounded);
    cache().give(q, rounded);
  }
};
}  // namespace

std::shared_ptr<void> allocate(size_t nbytes) {
  size_t rounded = (nbytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  if (rounded == 0) rounded = kBufferAlignment;
  const size_t limit = g_limit.load();
  if (limit != SIZE_MAX && (rounded > limit || g_active.load() > limit - rounded))
    throw std::runtime_error("[allocate] " + std::to_string(nbytes) + " more bytes would take the arrays' memory to " +
                             std::to_string(g_active.load() + rounded) + " bytes, over the memory limit of " +
                             std::to_string(limit) + " bytes (set_memory_limit).");
  void* p = cache().take(rounded);
  if (!p) p = std::aligned_alloc(kBufferAlignment, rounded);
  if (!p) {
    clear_cache();  // the cache's buffers may be what the system is missing
    p = std::aligned_alloc(kBufferAlignment, rounded);
  }
  if (!p) throw std::runtime_error("[allocate] out of memory allocating " + std::to_string(nbytes) + " bytes.");
  note_alloc(rounded);
  return std::shared_ptr<void>(p, BufferDeleter{rounded});
}

bool donatable(const array& a) {
  const auto& d = a.desc_ptr();
  // While eval keeps the graph (inside a transform), nodes still reach their outputs through it.
  return !KeepGraph::active() && d.use_count() == 1 && a.is_evaluated() && d->buffer.use_count() == 1 &&
         std::get_deleter<BufferDeleter>(d->buffer) != nullptr && a.flags().row_contiguous &&
         a.data_size() == a.size();
}

size_t get_active_memory() { return g_active.load(); }
size_t get_peak_memory() { return g_peak.load(); }
void reset_peak_memory() { g_peak.store(0); }
size_t set_memory_limit(size_t limit) { return g_limit.exchange(limit); }
size_t get_memory_limit() { return g_limit.load(); }
size_t get_cache_memory() { return cache().cached(); }
size_t set_cache_limit(size_t limit) { return cache().set_limit(limit); }
void clear_cache() { cache().clear(); }
size_t set_wired_limit(size_t limit) {
  static std::atomic<size_t> wired{0};
  return wired.exchange(limit);
}
}  // namespace ingot
