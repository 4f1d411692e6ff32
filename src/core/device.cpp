#include "ingot/device.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

#include "core/utils.h"

namespace ingot {

namespace {
std::atomic<int> next_stream{1};  // 0 is the CPU's default stream
// The default stream's index: its device is always the CPU (set_default_stream refuses others). An atomic, not
// a mutex, since every op reads it (to_stream).
std::atomic<int> default_cpu_stream{0};

void check_device(const Device& d, const char* op) {
  if (d.type == Device::gpu)
    fail(op, "there is no GPU: ingot computes on the CPU (is_available(gpu) is false), so work cannot be sent to "
             "the GPU.");
  if (d.index != 0) fail(op, "there is one CPU device (index 0), got index ", d.index, ".");
}
}  // namespace

Device default_device() { return Device::cpu; }

void set_default_device(const Device& d) { check_device(d, "set_default_device"); }

bool is_available(const Device& d) { return d.type == Device::cpu && d.index == 0; }

int device_count(Device::DeviceType type) { return type == Device::cpu ? 1 : 0; }

std::map<std::string, std::variant<std::string, size_t>> device_info(const Device& d) {
  check_device(d, "device_info");
  std::string name = "cpu";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      name = line.substr(line.find(':') + 2);
      break;
    }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const size_t memory = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
#if defined(__x86_64__)
  const std::string arch = "x86_64";
#elif defined(__aarch64__)
  const std::string arch = "arm64";
#else
  const std::string arch = "unknown";
#endif
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return {{"device_name", name}, {"architecture", arch}, {"memory_size", memory},
          {"num_cores", static_cast<size_t>(cores > 0 ? cores : 1)}};
}

Stream default_stream(const Device& d) {
  check_device(d, "default_stream");
  return Stream{default_cpu_stream.load(std::memory_order_relaxed), d};
}

void set_default_stream(const Stream& s) {
  check_device(s.device, "set_default_stream");
  default_cpu_stream.store(s.index, std::memory_order_relaxed);
}

Stream new_stream(const Device& d) {
  check_device(d, "new_stream");
  return Stream{next_stream++, d};
}

void synchronize() {}
void synchronize(const Stream& s) { check_device(s.device, "synchronize"); }

Stream to_stream(const StreamOrDevice& s, const char* op) {
  if (const auto* st = std::get_if<Stream>(&s)) {
    check_device(st->device, op);
    return *st;
  }
  if (const auto* d = std::get_if<Device>(&s)) {
    check_device(*d, op);
    return default_stream(*d);
  }
  return default_stream(default_device());
}

}  // namespace ingot
