// Devices and streams (ingot/device.h) with MLX's Python names: mx.cpu, mx.gpu, mx.Device, mx.Stream,
// mx.stream(...) as a context manager, and the checks behind every op's `stream=` keyword.
#include <nanobind/stl/map.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/variant.h>

#include "convert.h"

namespace ingot::py {

namespace {
std::string device_str(const Device& d) {
  return std::string("Device(") + (d.type == Device::cpu ? "cpu" : "gpu") + ", " + std::to_string(d.index) + ")";
}

// A Device, DeviceType or Stream from Python, as the stream its holder names (a GPU is refused).
Stream stream_of(nb::handle h, const char* op) {
  if (nb::isinstance<Stream>(h)) return to_stream(nb::cast<Stream>(h), op);
  if (nb::isinstance<Device>(h)) return to_stream(nb::cast<Device>(h), op);
  if (nb::isinstance<Device::DeviceType>(h)) return to_stream(Device(nb::cast<Device::DeviceType>(h)), op);
  throw nb::value_error(("[" + std::string(op) + "] expected a Stream, Device or DeviceType, got " + type_name_of(h) +
                         ".").c_str());
}
Device device_of(nb::handle h, const char* op) {
  if (nb::isinstance<Device>(h)) return nb::cast<Device>(h);
  if (nb::isinstance<Device::DeviceType>(h)) return Device(nb::cast<Device::DeviceType>(h));
  throw nb::value_error(("[" + std::string(op) + "] expected a Device or DeviceType, got " + type_name_of(h) + ".").c_str());
}

// mx.stream(s): within the block, ops run on s (always the CPU here); the default stream comes back after.
struct StreamContext {
  Stream stream;
  Stream saved{0, Device::cpu};
};
}  // namespace

void init_device(nb::module_& m) {
  nb::class_<Device> device(m, "Device", "A device to run operations on (ingot has the CPU).");
  nb::enum_<Device::DeviceType>(m, "DeviceType", "The kinds of device: cpu, and gpu (never available in ingot).")
      .value("cpu", Device::cpu)
      .value("gpu", Device::gpu)
      .export_values()
      .def("__eq__", [](Device::DeviceType t, nb::handle o) {
        if (nb::isinstance<Device>(o)) return nb::cast<Device>(o) == Device(t);
        return nb::isinstance<Device::DeviceType>(o) && nb::cast<Device::DeviceType>(o) == t;
      })
      .def("__hash__", [](Device::DeviceType t) { return static_cast<int>(t); });
  device.def(nb::init<Device::DeviceType, int>(), "type"_a, "index"_a = 0)
      .def_ro("type", &Device::type)
      .def_ro("index", &Device::index)
      .def("__repr__", &device_str)
      .def("__eq__", [](const Device& d, nb::handle o) {
        if (nb::isinstance<Device::DeviceType>(o)) return d == Device(nb::cast<Device::DeviceType>(o));
        return nb::isinstance<Device>(o) && nb::cast<Device>(o) == d;
      })
      .def("__hash__", [](const Device& d) { return static_cast<int>(d.type) * 1000 + d.index; });
  nb::implicitly_convertible<Device::DeviceType, Device>();

  nb::class_<Stream>(m, "Stream", "An ordered queue of work on a device (CPU streams run on the calling thread).")
      .def_ro("device", &Stream::device)
      .def_ro("index", &Stream::index)
      .def("__repr__", [](const Stream& s) { return "Stream(" + device_str(s.device) + ", " + std::to_string(s.index) + ")"; })
      .def("__eq__", [](const Stream& s, nb::handle o) { return nb::isinstance<Stream>(o) && nb::cast<Stream>(o) == s; })
      .def("__hash__", [](const Stream& s) { return s.index; });

  m.def("default_device", &default_device, "The default device: the CPU.");
  m.def("set_default_device", [](nb::handle d) { set_default_device(device_of(d, "set_default_device")); }, "device"_a,
        "Sets the default device; the GPU is refused (ingot computes on the CPU).");
  m.def("is_available", [](nb::handle d) { return is_available(device_of(d, "is_available")); }, "device"_a,
        "Whether a device can run operations: true for the CPU, false for the GPU.");
  m.def("device_count", &device_count, "device_type"_a, "Devices of a type: 1 CPU, 0 GPUs.");
  m.def(
      "device_info",
      [](nb::handle d) { return device_info(d.is_none() ? default_device() : device_of(d, "device_info")); },
      "d"_a = nb::none(), "Facts about a device: device_name, architecture, memory_size, num_cores.");
  m.def("default_stream", [](nb::handle d) { return default_stream(device_of(d, "default_stream")); }, "device"_a,
        "The device's default stream.");
  m.def("set_default_stream", [](const Stream& s) { set_default_stream(s); }, "stream"_a,
        "Makes a stream the default one of its device.");
  m.def("new_stream", [](nb::handle d) { return new_stream(device_of(d, "new_stream")); }, "device"_a,
        "A new stream on the device.");
  m.def("clear_streams", [] {}, "Forgets the streams made on this thread (CPU streams hold nothing).");
  m.def(
      "synchronize",
      [](nb::handle s) {
        if (!s.is_none()) synchronize(stream_of(s, "synchronize"));
      },
      "stream"_a = nb::none(), "Waits for the work queued on a stream: CPU work is done when eval returns.");
  m.def("_check_stream", [](nb::handle s, const char* op) { return stream_of(s, op); }, "s"_a, "op"_a,
        "The stream an op's stream= argument names (a GPU is refused, naming the op).");
  nb::class_<StreamContext>(m, "StreamContext", "The context manager made by stream(s).")
      .def("__enter__",
           [](StreamContext& c) {
             c.saved = default_stream(default_device());
             set_default_stream(c.stream);
           })
      .def(
          "__exit__", [](StreamContext& c, nb::handle, nb::handle, nb::handle) { set_default_stream(c.saved); },
          "exc_type"_a.none(), "exc"_a.none(), "tb"_a.none());
  m.def("stream", [](nb::handle s) { return StreamContext{stream_of(s, "stream")}; }, "s"_a,
        "A context manager in which ops run on the given stream or device (a GPU is refused).");
  m.def("set_wired_limit", &set_wired_limit, "limit"_a,
        "MLX's limit on GPU-resident memory: recorded, with no effect on the CPU; returns the previous value.");
}

}  // namespace ingot::py
