// Python objects to arrays and back.
#include "convert.h"

#include <nanobind/ndarray.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cpu/copy.h"

namespace ingot::py {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw nb::value_error(("[array] " + msg).c_str()); }

bool is_py_scalar(nb::handle h) { return PyBool_Check(h.ptr()) || PyLong_Check(h.ptr()) || PyFloat_Check(h.ptr()); }

int64_t py_int(nb::handle h) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
  if (overflow) bad("the integer " + nb::cast<std::string>(nb::str(h)) + " does not fit in 64 bits.");
  return v;
}

nb::module_ numpy() { return nb::module_::import_("numpy"); }

// numpy's dtype object to ours; bfloat16 is ml_dtypes' type.
Dtype from_numpy_dtype(nb::handle dt) {
  const std::string kind = nb::cast<std::string>(dt.attr("kind"));
  const int size = nb::cast<int>(dt.attr("itemsize"));
  const std::string name = nb::cast<std::string>(dt.attr("name"));
  if (name == "bfloat16") return bfloat16;
  if (kind == "b") return bool_;
  if (kind == "u" && size == 1) return uint8;
  if (kind == "u" && size == 2) return uint16;
  if (kind == "u" && size == 4) return uint32;
  if (kind == "u" && size == 8) return uint64;
  if (kind == "i" && size == 1) return int8;
  if (kind == "i" && size == 2) return int16;
  if (kind == "i" && size == 4) return int32;
  if (kind == "i" && size == 8) return int64;
  if (kind == "f" && size == 2) return float16;
  if (kind == "f" && size == 4) return float32;
  if (kind == "f" && size == 8) return float64;
  if (kind == "c" && size == 8) return complex64;
  bad("numpy dtype " + name + " is not supported (supported: bool, integers up to 64 bits, float16, "
      "bfloat16, float32, float64, complex64; complex128 converts with dtype=complex64).");
}

array from_numpy(nb::handle obj, std::optional<Dtype> dtype) {
  nb::object np = numpy();
  nb::object a = np.attr("asarray")(obj, "order"_a = "C");  // keeps 0-d arrays 0-d
  nb::object dt = a.attr("dtype");
  // complex128 becomes complex64, as float64 becomes float32 (MLX has no complex128).
  if (nb::cast<std::string>(dt.attr("kind")) == "c" && nb::cast<int>(dt.attr("itemsize")) == 16) {
    a = a.attr("astype")(np.attr("complex64"));
    dt = a.attr("dtype");
  }
  const Dtype src = from_numpy_dtype(dt);
  if (!nb::cast<bool>(dt.attr("isnative"))) {
    a = a.attr("astype")(dt.attr("newbyteorder")("="));
  }
  Shape shape;
  for (nb::handle d : nb::borrow<nb::tuple>(a.attr("shape"))) shape.push_back(nb::cast<int64_t>(d));
  const uintptr_t ptr = nb::cast<uintptr_t>(nb::borrow<nb::tuple>(a.attr("__array_interface__")["data"])[0]);
  // numpy float64 becomes float32 unless asked for, as in MLX.
  const Dtype target = dtype ? *dtype : (src == float64 ? float32 : src);
  return array(reinterpret_cast<const void*>(ptr), src, std::move(shape), target);
}

// A nested list of Python scalars: its shape, and the widest kind of element seen.
enum class Kind { boolean, integer, real, complex };

struct Nested {
  Shape shape;
  Kind kind = Kind::boolean;
  bool has_arrays = false;  // elements that are arrays: stacked instead
  bool big_int = false;     // an integer outside int32
  bool any = false;         // any scalar at all: an empty list is float32, as in MLX
  int leaf_depth = -1;      // where scalars sit; lists may not appear there or below
};

void scan(nb::handle obj, size_t depth, Nested& n) {
  if (nb::isinstance<nb::list>(obj) || nb::isinstance<nb::tuple>(obj)) {
    const int64_t len = static_cast<int64_t>(nb::len(obj));
    if (n.leaf_depth >= 0 && static_cast<int>(depth) >= n.leaf_depth)
      bad("the nested sequence is ragged: scalars and lists mixed at one depth.");
    if (depth == n.shape.size()) n.shape.push_back(len);
    else if (depth > n.shape.size() || n.shape[depth] != len)
      bad("the nested sequence is ragged: every list at one depth needs the same length.");
    for (nb::handle e : obj) scan(e, depth + 1, n);
    return;
  }
  if (depth != n.shape.size() || (n.leaf_depth >= 0 && n.leaf_depth != static_cast<int>(depth)))
    bad("the nested sequence is ragged: scalars and lists mixed at one depth.");
  n.any = true;
  n.leaf_depth = static_cast<int>(depth);
  if (PyBool_Check(obj.ptr())) return;
  if (PyLong_Check(obj.ptr())) {
    const int64_t v = py_int(obj);
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) n.big_int = true;
    if (n.kind == Kind::boolean) n.kind = Kind::integer;
    return;
  }
  if (PyFloat_Check(obj.ptr())) {
    if (n.kind != Kind::complex) n.kind = Kind::real;
    return;
  }
  if (PyComplex_Check(obj.ptr())) {
    n.kind = Kind::complex;
    return;
  }
  if (nb::isinstance<array>(obj)) {
    n.has_arrays = true;
    return;
  }
  bad("cannot convert an element of type " + type_name_of(obj) +
      " (expected bool, int, float, array or a list of them).");
}

template <typename T>
void fill(nb::handle obj, std::vector<T>& out) {
  if (nb::isinstance<nb::list>(obj) || nb::isinstance<nb::tuple>(obj)) {
    for (nb::handle e : obj) fill(e, out);
  } else if (PyComplex_Check(obj.ptr())) {
    if constexpr (std::is_same_v<T, complex64_t>)
      out.push_back(T(static_cast<float>(PyComplex_RealAsDouble(obj.ptr())), static_cast<float>(PyComplex_ImagAsDouble(obj.ptr()))));
  } else if (PyFloat_Check(obj.ptr())) {
    out.push_back(static_cast<T>(PyFloat_AsDouble(obj.ptr())));
  } else if (PyBool_Check(obj.ptr())) {
    out.push_back(static_cast<T>(obj.ptr() == Py_True));
  } else {
    out.push_back(static_cast<T>(py_int(obj)));
  }
}

array from_sequence(nb::handle obj, std::optional<Dtype> dtype) {
  Nested n;
  scan(obj, 0, n);
  if (n.has_arrays) {
    // A list of arrays (or of lists of arrays) stacks, as in MLX.
    Arrays parts;
    for (nb::handle e : obj) parts.push_back(to_array(e, dtype));
    if (parts.empty()) bad("cannot stack an empty list.");
    for (size_t i = 1; i < parts.size(); ++i)
      if (parts[i].shape() != parts[0].shape())
        bad("the nested sequence is ragged: arrays of shapes " + shape_str(parts[0].shape()) + " and " +
            shape_str(parts[i].shape()) + ".");
    Dtype t = parts[0].dtype();
    for (auto& p : parts) t = promote_types(t, p.dtype());
    for (auto& p : parts) p = astype(p, t);
    return stack(parts, 0);
  }
  if (!n.any) n.kind = Kind::real;
  const Dtype natural = n.kind == Kind::complex ? complex64
                        : n.kind == Kind::real  ? float32
                        : n.kind == Kind::integer ? (n.big_int ? int64 : int32)
                                                  : bool_;
  const Dtype target = dtype.value_or(natural);
  if (n.kind == Kind::complex) {
    std::vector<complex64_t> v;
    fill(obj, v);
    return array(v.data(), complex64, n.shape, target);
  }
  if (n.kind == Kind::real) {
    std::vector<double> v;
    fill(obj, v);
    return array(v.data(), float64, n.shape, target);
  }
  std::vector<int64_t> v;
  fill(obj, v);
  return array(v.data(), int64, n.shape, target);
}

}  // namespace

std::string type_name_of(nb::handle h) { return nb::cast<std::string>(nb::str(nb::type_name(h.type()))); }

bool is_path(nb::handle f) { return nb::isinstance<nb::str>(f) || nb::hasattr(f, "__fspath__"); }

std::string fspath(nb::handle f, const char* caller) {
  nb::object p = nb::module_::import_("os").attr("fspath")(f);
  if (!nb::isinstance<nb::str>(p))
    throw nb::type_error(("[" + std::string(caller) + "] byte-string paths are not supported; pass a str.").c_str());
  return nb::cast<std::string>(p);
}

array to_array(nb::handle obj, std::optional<Dtype> dtype) {
  if (nb::isinstance<array>(obj)) {
    const array& a = nb::cast<const array&>(obj);
    return dtype && *dtype != a.dtype() ? astype(a, *dtype) : a;
  }
  if (PyBool_Check(obj.ptr())) return array(obj.ptr() == Py_True, dtype.value_or(bool_));
  if (PyLong_Check(obj.ptr())) {
    const int64_t v = py_int(obj);
    const bool fits = v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
    return array(v, dtype.value_or(fits ? int32 : int64));
  }
  if (PyFloat_Check(obj.ptr())) return array(PyFloat_AsDouble(obj.ptr()), dtype.value_or(float32));
  if (nb::isinstance<nb::list>(obj) || nb::isinstance<nb::tuple>(obj)) return from_sequence(obj, dtype);
  if (PyComplex_Check(obj.ptr()))
    return array(complex64_t(static_cast<float>(PyComplex_RealAsDouble(obj.ptr())),
                             static_cast<float>(PyComplex_ImagAsDouble(obj.ptr()))),
                 dtype.value_or(complex64));
  if (nb::isinstance<nb::str>(obj) || obj.is_none())
    bad("cannot make an array from " + nb::cast<std::string>(nb::repr(obj)) + ".");
  // numpy arrays and scalars, and anything numpy can read (the buffer protocol, __array__).
  nb::object np = numpy();
  if (!nb::isinstance(obj, np.attr("ndarray"))) {
    nb::object converted;
    try {
      converted = np.attr("asarray")(obj);
    } catch (nb::python_error&) {
      bad("cannot make an array from an object of type " +
          type_name_of(obj) + ".");
    }
    if (nb::cast<std::string>(converted.attr("dtype").attr("kind")) == "O")
      bad("cannot make an array from an object of type " +
          type_name_of(obj) + ".");
    return from_numpy(converted, dtype);
  }
  return from_numpy(obj, dtype);
}

Operand to_operand(nb::handle obj) {
  if (nb::isinstance<array>(obj)) return Operand(nb::cast<const array&>(obj));
  if (PyBool_Check(obj.ptr())) return Operand(obj.ptr() == Py_True);
  if (PyLong_Check(obj.ptr())) return Operand(py_int(obj));
  if (PyFloat_Check(obj.ptr())) return Operand(PyFloat_AsDouble(obj.ptr()));
  if (PyComplex_Check(obj.ptr()))
    return Operand(complex64_t(static_cast<float>(PyComplex_RealAsDouble(obj.ptr())),
                               static_cast<float>(PyComplex_ImagAsDouble(obj.ptr()))));
  return Operand(to_array(obj));
}

array as_array(const Operand& o) { return o.is_array() ? o.as_array() : o.to_array(o.own_dtype()); }

namespace {

nb::dlpack::dtype dlpack_dtype(Dtype t) {
  switch (t) {
    case bool_: return nb::dtype<bool>();
    case uint8: return nb::dtype<uint8_t>();
    case uint16: case bfloat16: return nb::dtype<uint16_t>();  // bfloat16 is viewed through ml_dtypes
    case uint32: return nb::dtype<uint32_t>();
    case uint64: return nb::dtype<uint64_t>();
    case int8: return nb::dtype<int8_t>();
    case int16: return nb::dtype<int16_t>();
    case int32: return nb::dtype<int32_t>();
    case int64: return nb::dtype<int64_t>();
    case float16: return {static_cast<uint8_t>(nb::dlpack::dtype_code::Float), 16, 1};
    case float32: return nb::dtype<float>();
    case float64: return nb::dtype<double>();
    case complex64: return {static_cast<uint8_t>(nb::dlpack::dtype_code::Complex), 64, 1};
  }
  return nb::dtype<float>();
}

}  // namespace

nb::object to_numpy(const array& a_in) {
  array a = a_in;
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  // numpy takes any strides (zero and negative included), so every evaluated array is shared as it is.
  std::vector<size_t> shape(a.shape().begin(), a.shape().end());
  std::vector<int64_t> strides(a.strides().begin(), a.strides().end());
  nb::capsule owner(new array(a), [](void* p) noexcept { delete static_cast<array*>(p); });
  nb::ndarray<nb::numpy, nb::ro> nd(a.raw_data(), shape.size(), shape.data(), owner, strides.data(),
                                    dlpack_dtype(a.dtype()));
  nb::object out = nd.cast();
  if (a.dtype() == bfloat16) out = out.attr("view")(nb::module_::import_("ml_dtypes").attr("bfloat16"));
  return out;
}

namespace {

nb::object element(const char* p, Dtype t) {
  if (t == bool_) return nb::bool_(*p != 0);
  if (t == uint64) return nb::steal(PyLong_FromUnsignedLongLong(element_as_uint64(p, t)));
  if (is_integral(t)) return nb::int_(element_as_int64(p, t));
  if (t == complex64) {
    const auto* c = reinterpret_cast<const complex64_t*>(p);
    return nb::steal(PyComplex_FromDoubles(c->real(), c->imag()));
  }
  return nb::float_(element_as_double(p, t));
}

nb::object list_rec(const array& a, const char* p, int dim) {
  if (dim == a.ndim()) return element(p, a.dtype());
  nb::list out;
  const int64_t step = a.strides()[dim] * static_cast<int64_t>(a.itemsize());
  for (int64_t i = 0; i < a.shape()[dim]; ++i) out.append(list_rec(a, p + i * step, dim + 1));
  return out;
}

}  // namespace

nb::object to_list(const array& a_in) {
  array a = a_in;
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  return list_rec(a, static_cast<const char*>(a.raw_data()), 0);
}

nb::object to_scalar(const array& a_in) {
  if (a_in.size() != 1)
    throw nb::value_error(("[item] the array must have exactly one element, it has " +
                           std::to_string(a_in.size()) + ".").c_str());
  array a = a_in;
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  return element(static_cast<const char*>(a.raw_data()), a.dtype());
}

}  // namespace ingot::py
