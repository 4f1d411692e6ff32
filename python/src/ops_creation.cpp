// Creation: full, zeros, ones, the *_like forms, arange, linspace, eye, identity, tri.
#include <cmath>
#include <limits>
#include <optional>
#include <variant>

#include "axes.h"

namespace ingot::py {

namespace {

// arange's numbers: ints keep the integer rules, any float switches to float32.
using Number = std::variant<int64_t, double>;

bool is_float(const Number& n) { return std::holds_alternative<double>(n); }
double as_double(const Number& n) {
  return is_float(n) ? std::get<double>(n) : static_cast<double>(std::get<int64_t>(n));
}
bool fits_int32(const Number& n) {
  if (is_float(n)) return true;
  const int64_t v = std::get<int64_t>(n);
  return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
}

// MLX's rules: ints give int32 (int64 when a bound does not fit), any float gives float32.
array arange_impl(const Number& start, const Number& stop, const std::optional<Number>& step,
                  std::optional<Dtype> dtype) {
  const Number st = step.value_or(Number{int64_t{1}});
  const bool any_float = is_float(start) || is_float(stop) || is_float(st);
  const Dtype t = dtype ? *dtype : any_float ? float32 : (fits_int32(start) && fits_int32(stop) ? int32 : int64);
  return arange(as_double(start), as_double(stop), as_double(st), t);
}

}  // namespace

void init_ops_creation(nb::module_& m) {
  m.def(
      "full",
      [](const ShapeArg& shape, const Operand& vals, std::optional<Dtype> dtype) {
        return full(shape_of(shape), vals, dtype);
      },
      "shape"_a, "vals"_a, "dtype"_a = nb::none(),
      "An array of shape ``shape`` filled with ``vals`` (a scalar, or an array broadcast to ``shape``). The "
      "dtype defaults to that of ``vals``.");
  m.def(
      "zeros",
      [](const ShapeArg& shape, std::optional<Dtype> dtype) { return zeros(shape_of(shape), dtype.value_or(float32)); },
      "shape"_a, "dtype"_a = float32, "An array of shape ``shape`` filled with zeros.");
  m.def(
      "ones",
      [](const ShapeArg& shape, std::optional<Dtype> dtype) { return ones(shape_of(shape), dtype.value_or(float32)); },
      "shape"_a, "dtype"_a = float32, "An array of shape ``shape`` filled with ones.");
  m.def(
      "zeros_like",
      [](const Operand& a, std::optional<Dtype> dtype) { return zeros_like(arr(a), dtype); },
      "a"_a, "dtype"_a = nb::none(),
      "Zeros with the shape of ``a`` and its dtype (or ``dtype``).");
  m.def(
      "ones_like",
      [](const Operand& a, std::optional<Dtype> dtype) { return ones_like(arr(a), dtype); },
      "a"_a, "dtype"_a = nb::none(),
      "Ones with the shape of ``a`` and its dtype (or ``dtype``).");
  m.def(
      "full_like",
      [](const Operand& a, const Operand& vals, std::optional<Dtype> dtype) { return full_like(arr(a), vals, dtype); },
      "a"_a, "vals"_a, "dtype"_a = nb::none(),
      "An array with the shape of ``a`` filled with ``vals``, of a's dtype (or ``dtype``).");
  const char* arange_doc =
      "Evenly spaced values in [start, stop) by step: ``arange(stop)``, ``arange(start, stop)`` or "
      "``arange(start, stop, step)``. Integers give int32 (int64 when a bound needs it), any float gives "
      "float32, unless ``dtype`` is given.";
  m.def(
      "arange",
      [](const Number& start, const Number& stop, const std::optional<Number>& step, std::optional<Dtype> dtype) {
        return arange_impl(start, stop, step, dtype);
      },
      "start"_a, "stop"_a, "step"_a = nb::none(), "dtype"_a = nb::none(), arange_doc);
  m.def(
      "arange",
      [](const Number& stop, const std::optional<Number>& step, std::optional<Dtype> dtype) {
        return arange_impl(Number{int64_t{0}}, stop, step, dtype);
      },
      "stop"_a, "step"_a = nb::none(), "dtype"_a = nb::none(), arange_doc);
  m.def(
      "arange_along",
      [](const array& like, int axis, std::optional<Dtype> dtype) { return arange_along(like, axis, dtype.value_or(int32)); },
      "like"_a, "axis"_a, "dtype"_a = nb::none(),
      "``0, 1, ..., n - 1`` for the size ``n`` of ``like`` along ``axis``, taken when the function runs (not "
      "MLX's): positions and masks built with it follow the input's length in a shapeless export, where "
      "``arange(x.shape[axis])`` would keep the traced length.");
  m.def(
      "linspace",
      [](double start, double stop, int64_t num, bool endpoint, std::optional<Dtype> dtype) {
        const Dtype t = dtype.value_or(float32);
        if (endpoint || num <= 0) return linspace(start, stop, num, t);
        // Without the endpoint: the first num of num + 1 samples up to stop.
        return slice(linspace(start, stop, num + 1, t), {0}, {num});
      },
      "start"_a, "stop"_a, "num"_a = 50, "endpoint"_a = true, "dtype"_a = float32,
      "``num`` evenly spaced values from ``start`` to ``stop`` (included unless ``endpoint`` is False).");
  m.def(
      "eye",
      [](int64_t n, std::optional<int64_t> m_, int64_t k, std::optional<Dtype> dtype) {
        return eye(n, m_, k, dtype.value_or(float32));
      },
      "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = float32,
      "An n x m array (m defaults to n) with ones on diagonal ``k`` (above the main one when positive) and "
      "zeros elsewhere.");
  m.def(
      "identity", [](int64_t n, std::optional<Dtype> dtype) { return identity(n, dtype.value_or(float32)); }, "n"_a,
      "dtype"_a = float32, "The n x n identity matrix.");
  m.def(
      "tri",
      [](int64_t n, std::optional<int64_t> m_, int64_t k, std::optional<Dtype> dtype) {
        return tri(n, m_, k, dtype.value_or(float32));
      },
      "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = nb::none(),
      "An n x m array (m defaults to n) with ones at and below diagonal ``k`` and zeros above it.");
}

}  // namespace ingot::py
