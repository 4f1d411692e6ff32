// Conversions between Python objects and ingot arrays, shared by every binding file.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "ingot/ingot.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace ingot::py {

// Any array-like: an ingot array, a Python scalar, a (nested) list or tuple, a numpy array or scalar,
// or anything numpy.asarray accepts. Python floats become float32 and numpy float64 data float32
// unless `dtype` says otherwise, as in MLX.
array to_array(nb::handle obj, std::optional<Dtype> dtype = std::nullopt);
// As to_array, but Python scalars stay weak (their dtype yields to the array they meet).
Operand to_operand(nb::handle obj);
// The operand as an array (a scalar alone takes its own dtype).
array as_array(const Operand& o);

// A read-only numpy array over a's evaluated data (zero-copy; bfloat16 through ml_dtypes).
nb::object to_numpy(const array& a);
nb::object to_list(const array& a);
nb::object to_scalar(const array& a);  // a.item()

// The name of h's type, for error messages.
std::string type_name_of(nb::handle h);
// Whether f is a path: a str or an os.PathLike. fspath gives it as a str; a bytes path raises TypeError
// naming `caller`.
bool is_path(nb::handle f);
std::string fspath(nb::handle f, const char* caller);

// The Python object for a dtype (the singletons ingot.float32, ...).
nb::object dtype_object(Dtype t);

void init_dtype(nb::module_& m);
void init_array(nb::module_& m);
void init_indexing(nb::class_<array>& cls);
void init_ops(nb::module_& m);
void init_random(nb::module_& m);
void init_linalg(nb::module_& m);
void init_fft(nb::module_& m);
void init_fast(nb::module_& m);
void init_distributed(nb::module_& m);
void init_ops_indexing(nb::module_& m);
void init_ops_sort(nb::module_& m);
void init_ops_conv(nb::module_& m);
void init_ops_quantized(nb::module_& m);
void init_io(nb::module_& m);
void init_ops_creation(nb::module_& m);
void init_ops_elementwise(nb::module_& m);
void init_ops_reduce(nb::module_& m);
void init_ops_shape(nb::module_& m);
void init_ops_products(nb::module_& m);
void init_export(nb::module_& m);
void init_device(nb::module_& m);
void init_transforms(nb::module_& m);

}  // namespace ingot::py

// Lets bindings take Operand, Dtype and std::optional<Dtype> parameters directly.
namespace nanobind::detail {

template <>
struct type_caster<ingot::Operand> {
  NB_TYPE_CASTER(ingot::Operand, const_name("array | scalar"))
  type_caster() : value(false) {}
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept {
    try {
      value = ingot::py::to_operand(src);
      return true;
    } catch (...) {
      PyErr_Clear();
      return false;
    }
  }
  static handle from_cpp(const ingot::Operand&, rv_policy, cleanup_list*) noexcept { return handle(); }
};

struct DtypeBox;
template <>
struct type_caster<ingot::Dtype> {
  NB_TYPE_CASTER(ingot::Dtype, const_name("Dtype"))
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept;
  static handle from_cpp(ingot::Dtype t, rv_policy, cleanup_list*) noexcept {
    return ingot::py::dtype_object(t).release();
  }
};

}  // namespace nanobind::detail
