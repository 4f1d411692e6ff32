// Devices and streams with MLX's names. ingot computes on the CPU: the GPU device exists so that code
// written for MLX can name it, is reported unavailable, and asking to run on it is an error.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <variant>

namespace ingot {

struct Device {
  enum class DeviceType { cpu = 0, gpu = 1 };
  static constexpr DeviceType cpu = DeviceType::cpu;
  static constexpr DeviceType gpu = DeviceType::gpu;
  Device(DeviceType type, int index = 0) : type(type), index(index) {}  // NOLINT: MLX converts implicitly
  DeviceType type;
  int index;
  bool operator==(const Device&) const = default;
};

// The device ops run on unless told otherwise (the CPU). Setting the GPU, or a CPU index other than 0,
// is refused with std::invalid_argument naming the function.
Device default_device();
void set_default_device(const Device& d);
bool is_available(const Device& d);
int device_count(Device::DeviceType type);
// Facts about a device: "device_name", "architecture", "memory_size" (bytes), "num_cores".
std::map<std::string, std::variant<std::string, size_t>> device_info(const Device& d);

// A stream is an ordered queue of work on a device. CPU streams run on the calling thread, so work is
// done when eval returns and synchronize has nothing to wait for.
struct Stream {
  int index;
  Device device;
  bool operator==(const Stream&) const = default;
};
Stream default_stream(const Device& d);
void set_default_stream(const Stream& s);
Stream new_stream(const Device& d);
void synchronize();
void synchronize(const Stream& s);

// What MLX ops take as their last argument: nothing (the default stream), a stream, or a device.
using StreamOrDevice = std::variant<std::monostate, Stream, Device>;
// The stream `s` names, checked: a GPU is refused with an error naming `op`.
Stream to_stream(const StreamOrDevice& s, const char* op = "stream");

}  // namespace ingot
