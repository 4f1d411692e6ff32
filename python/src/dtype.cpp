// Dtypes as Python objects: one singleton per dtype (ingot.float32, ...), compared by identity.
#include <nanobind/operators.h>

#include <iterator>
#include <vector>

#include "convert.h"

namespace nanobind::detail {
struct DtypeBox {
  ingot::Dtype value;
};
}  // namespace nanobind::detail

namespace ingot::py {

using nb::detail::DtypeBox;

namespace {
// Plain handles holding one reference each for the whole process: no destructor runs at exit.
nb::handle& dtype_slot(Dtype t) {
  static nb::handle slots[16];
  return slots[static_cast<int>(t)];
}
}  // namespace

nb::object dtype_object(Dtype t) { return nb::borrow(dtype_slot(t)); }

void init_dtype(nb::module_& m) {
  nb::class_<DtypeBox>(m, "Dtype", "An element type: ingot.float32, ingot.int32, ...")
      .def_prop_ro("size", [](const DtypeBox& d) { return size_of(d.value); }, "Bytes per element.")
      .def("__repr__", [](const DtypeBox& d) { return std::string("ingot.") + dtype_name(d.value); })
      .def("__eq__", [](const DtypeBox& a, nb::handle b) {
        return nb::isinstance<DtypeBox>(b) && nb::cast<const DtypeBox&>(b).value == a.value;
      })
      .def("__hash__", [](const DtypeBox& d) { return static_cast<int>(d.value); })
      // Pickles as a reference to the module attribute (the singleton).
      .def("__reduce__", [](const DtypeBox& d) {
        const std::string name = dtype_name(d.value);
        return name == "bool" ? std::string("bool_") : name;
      });
  std::vector<Dtype> all(std::begin(kAllDtypes), std::end(kAllDtypes));
  all.push_back(complex64);
  for (Dtype t : all) {
    nb::object o = nb::cast(DtypeBox{t});
    dtype_slot(t) = o.inc_ref();
    const std::string name = dtype_name(t);
    m.attr(name == "bool" ? "bool_" : name.c_str()) = o;
  }
}

}  // namespace ingot::py

namespace nanobind::detail {
bool type_caster<ingot::Dtype>::from_python(handle src, uint8_t, cleanup_list*) noexcept {
  if (!isinstance<DtypeBox>(src)) return false;
  value = cast<const DtypeBox&>(src).value;
  return true;
}
}  // namespace nanobind::detail
