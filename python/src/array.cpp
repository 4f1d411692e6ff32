// ingot.array: construction, numpy interop (buffer protocol and __array__), Python's operators.
#include <nanobind/ndarray.h>

#include <cstring>
#include <sstream>
#include <vector>

#include <nanobind/stl/pair.h>

#include "convert.h"
#include "cpu/copy.h"

namespace ingot::py {

namespace {

// The buffer protocol: evaluated data shared read-only (constants may be file mappings).
struct BufferInfo {
  array a;
  std::vector<Py_ssize_t> shape, strides;
  std::string format;
};

const char* buffer_format(Dtype t) {
  switch (t) {
    case bool_: return "?";
    case uint8: return "B";
    case uint16: return "H";
    case uint32: return "I";
    case uint64: return "Q";
    case int8: return "b";
    case int16: return "h";
    case int32: return "i";
    case int64: return "q";
    case float16: return "e";
    case float32: return "f";
    case float64: return "d";
    case bfloat16: return nullptr;  // no PEP 3118 code: numpy then falls back to __array__
  }
  return nullptr;
}

int array_getbuffer(PyObject* obj, Py_buffer* view, int flags) {
  try {
    array a = nb::cast<array>(nb::handle(obj));
    const char* fmt = buffer_format(a.dtype());
    if (!fmt) {
      PyErr_SetString(PyExc_BufferError, "[array] bfloat16 has no buffer format; use numpy.asarray (ml_dtypes).");
      return -1;
    }
    if (flags & PyBUF_WRITABLE) {
      PyErr_SetString(PyExc_BufferError, "[array] arrays are immutable: their buffers are read-only.");
      return -1;
    }
    {
      nb::gil_scoped_release release;
      a.eval();
      // Consumers that cannot take strides get a row-major copy.
      if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !a.flags().row_contiguous) a = cpu::contiguous(a);
    }
    auto* info = new BufferInfo{a, {}, {}, fmt};
    for (int i = 0; i < a.ndim(); ++i) {
      info->shape.push_back(static_cast<Py_ssize_t>(a.shape()[i]));
      info->strides.push_back(static_cast<Py_ssize_t>(a.strides()[i] * static_cast<int64_t>(a.itemsize())));
    }
    view->obj = obj;
    Py_INCREF(obj);
    view->buf = a.raw_data();
    view->len = static_cast<Py_ssize_t>(a.nbytes());
    view->readonly = 1;
    view->itemsize = static_cast<Py_ssize_t>(a.itemsize());
    view->format = (flags & PyBUF_FORMAT) ? info->format.data() : nullptr;
    view->ndim = a.ndim();
    view->shape = (flags & PyBUF_ND) ? info->shape.data() : nullptr;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? info->strides.data() : nullptr;
    view->suboffsets = nullptr;
    view->internal = info;
    return 0;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
    return -1;
  }
}

void array_releasebuffer(PyObject*, Py_buffer* view) { delete static_cast<BufferInfo*>(view->internal); }

PyType_Slot array_slots[] = {{Py_bf_getbuffer, reinterpret_cast<void*>(array_getbuffer)},
                             {Py_bf_releasebuffer, reinterpret_cast<void*>(array_releasebuffer)},
                             {0, nullptr}};

std::string repr(const array& a) {
  array x = a;
  {
    nb::gil_scoped_release release;
    x.eval();
  }
  std::ostringstream os;
  os << x;
  std::string r = os.str();
  if (x.dtype() == bool_) {
    // Python spells booleans True / False (as MLX's repr does).
    for (auto [from, to] : {std::pair{"true", "True"}, std::pair{"false", "False"}})
      for (size_t p = r.find(from); p != std::string::npos; p = r.find(from, p)) r.replace(p, strlen(from), to);
  }
  return r;
}

array element0(const array& a, int64_t i) { return take(a, i, 0); }

}  // namespace

void init_array(nb::module_& m) {
  nb::class_<array> cls(m, "array", nb::type_slots(array_slots),
                        "A lazy n-dimensional array. Operations record a graph; eval() or reading the "
                        "values computes it.");
  cls.def(
         "__init__",
         [](array* self, nb::handle val, std::optional<Dtype> dtype) { new (self) array(to_array(val, dtype)); },
         "val"_a, "dtype"_a = nb::none(),
         "An array from a Python scalar, a (nested) list or tuple, a numpy array or another array, converted to "
         "``dtype`` when given.")
      .def_prop_ro("shape", [](const array& a) {
        nb::list l;
        for (int64_t d : a.shape()) l.append(d);
        return nb::tuple(l);
      }, "The dimensions, as a tuple of ints.")
      .def_prop_ro("dtype", [](const array& a) { return a.dtype(); }, "The element type.")
      .def_prop_ro("ndim", &array::ndim, "The number of dimensions.")
      .def_prop_ro("size", &array::size, "The number of elements.")
      .def_prop_ro("itemsize", &array::itemsize, "Bytes per element.")
      .def_prop_ro("nbytes", &array::nbytes, "Bytes of all elements.")
      .def_prop_ro("T", [](const array& a) { return transpose(a); }, "The array with its axes reversed.")
      .def_prop_ro("real", [](const array& a) { return real(a); }, "The real part (float32 for complex64).")
      .def_prop_ro("imag", [](const array& a) { return imag(a); }, "The imaginary part (float32 for complex64).")
      .def("item", &to_scalar, "The single element as a Python scalar.")
      .def("tolist", &to_list, "The elements as nested Python lists of scalars (a scalar for a 0-d array).")
      .def(
          "__array__",
          [](const array& a, nb::object dtype, nb::object copy) {
            nb::object out = to_numpy(a);
            if (!dtype.is_none()) out = out.attr("astype")(dtype);
            else if (!copy.is_none() && nb::cast<bool>(copy)) out = out.attr("copy")();
            return out;
          },
          "dtype"_a = nb::none(), "copy"_a = nb::none(),
          "A numpy array sharing the evaluated data (read-only) unless a copy or another dtype is asked for.")
      .def("__repr__", &repr)
      .def("__len__", [](const array& a) {
        if (a.ndim() == 0) throw nb::type_error("len() of a 0-dimensional array.");
        return a.shape()[0];
      })
      .def("__iter__", [](const array& a) {
        if (a.ndim() == 0) throw nb::type_error("iteration over a 0-dimensional array.");
        nb::list parts;
        for (int64_t i = 0; i < a.shape()[0]; ++i) parts.append(element0(a, i));
        return nb::iter(parts);
      })
      .def("__bool__", [](const array& a) {
        if (a.size() != 1)
          throw nb::value_error(("the truth value of an array with " + std::to_string(a.size()) +
                                 " elements is ambiguous.").c_str());
        return nb::cast<bool>(nb::bool_(to_scalar(a)));
      })
      .def("__int__", [](const array& a) { return nb::int_(to_scalar(a)); })
      .def("__float__", [](const array& a) { return nb::float_(to_scalar(a)); })
      .def("__hash__", [](nb::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); })
      .def("__copy__", [](const array& a) { return a; })
      .def("__deepcopy__", [](const array& a, nb::handle) { return copy(a); }, "memo"_a)
      .def("__getstate__", [](const array& a) {
        return nb::make_tuple(nb::module_::import_("numpy").attr("array")(to_numpy(a)), a.dtype());
      })
      .def("__setstate__", [](array& self, const std::pair<nb::object, Dtype>& state) {
        new (&self) array(to_array(state.first, state.second));
      })
      .def("astype", [](const array& a, Dtype t) { return astype(a, t); }, "dtype"_a,
           "The array converted to ``dtype``.");

  // Operators with MLX's scalar rules: Python scalars are weak and yield to the array's dtype.
  // nb::is_operator() returns NotImplemented for operands that do not convert, as Python expects.
#define INGOT_PY_BINARY(NAME, RNAME, FN)                                                           \
  cls.def(NAME, [](const array& a, const Operand& b) { return FN(a, b); }, nb::is_operator());    \
  cls.def(RNAME, [](const array& a, const Operand& b) { return FN(b, a); }, nb::is_operator());
  INGOT_PY_BINARY("__add__", "__radd__", add)
  INGOT_PY_BINARY("__sub__", "__rsub__", subtract)
  INGOT_PY_BINARY("__mul__", "__rmul__", multiply)
  INGOT_PY_BINARY("__truediv__", "__rtruediv__", divide)
  INGOT_PY_BINARY("__floordiv__", "__rfloordiv__", floor_divide)
  INGOT_PY_BINARY("__mod__", "__rmod__", remainder)
  INGOT_PY_BINARY("__pow__", "__rpow__", power)
  INGOT_PY_BINARY("__and__", "__rand__", bitwise_and)
  INGOT_PY_BINARY("__or__", "__ror__", bitwise_or)
  INGOT_PY_BINARY("__xor__", "__rxor__", bitwise_xor)
  INGOT_PY_BINARY("__lshift__", "__rlshift__", left_shift)
  INGOT_PY_BINARY("__rshift__", "__rrshift__", right_shift)
#undef INGOT_PY_BINARY
  cls.def("__divmod__", [](const array& a, const Operand& b) { auto [q, r] = divmod(a, b); return nb::make_tuple(q, r); }, nb::is_operator());
  cls.def("__rdivmod__", [](const array& a, const Operand& b) { auto [q, r] = divmod(b, a); return nb::make_tuple(q, r); }, nb::is_operator());
  cls.def("__eq__", [](const array& a, const Operand& b) { return equal(a, b); }, nb::is_operator());
  cls.def("__ne__", [](const array& a, const Operand& b) { return not_equal(a, b); }, nb::is_operator());
  cls.def("__lt__", [](const array& a, const Operand& b) { return less(a, b); }, nb::is_operator());
  cls.def("__le__", [](const array& a, const Operand& b) { return less_equal(a, b); }, nb::is_operator());
  cls.def("__gt__", [](const array& a, const Operand& b) { return greater(a, b); }, nb::is_operator());
  cls.def("__ge__", [](const array& a, const Operand& b) { return greater_equal(a, b); }, nb::is_operator());
  cls.def("__matmul__", [](const array& a, const Operand& b) { return matmul(a, as_array(b)); }, nb::is_operator());
  cls.def("__rmatmul__", [](const array& a, const Operand& b) { return matmul(as_array(b), a); }, nb::is_operator());
  cls.def("__neg__", [](const array& a) { return negative(a); });
  cls.def("__pos__", [](const array& a) { return a; });
  cls.def("__abs__", [](const array& a) { return abs(a); });
  cls.def("__invert__", [](const array& a) {
    // ~ on bool is logical not, as numpy and MLX.
    return a.dtype() == bool_ ? logical_not(a) : bitwise_invert(a);
  });
  init_indexing(cls);
}

}  // namespace ingot::py
