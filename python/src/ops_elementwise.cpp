// Elementwise ops: unary math, binary arithmetic, comparisons, logical and bitwise ops, where, clip,
// nan_to_num, isclose, allclose, array_equal, divmod. Python scalars stay weak (Operand).
#include <nanobind/stl/pair.h>

#include <optional>

#include "axes.h"

namespace ingot::py {

namespace {

struct UnaryOp {
  const char* name;
  array (*fn)(const array&, StreamOrDevice);
  const char* doc;
};

const UnaryOp kUnary[] = {
    {"abs", &abs, "The absolute value of each element (the modulus of a complex one, as float32)."},
    {"real", &real, "The real part of each element (float32 for complex64; a real array itself)."},
    {"imag", &imag, "The imaginary part of each element (float32 for complex64; zeros for a real array)."},
    {"conjugate", &conjugate, "The complex conjugate of each element (a real array itself)."},
    {"conj", &conjugate, "The complex conjugate of each element (a real array itself)."},
    {"negative", &negative, "Each element negated."},
    {"sign", &sign, "-1, 0 or 1 according to the sign of each element (0 for zero, NaN for NaN)."},
    {"square", &square, "Each element squared."},
    {"sqrt", &sqrt, "The square root of each element (integers give float32)."},
    {"rsqrt", &rsqrt, "The reciprocal of the square root of each element."},
    {"reciprocal", &reciprocal, "1 / x for each element."},
    {"exp", &exp, "e to the power of each element."},
    {"expm1", &expm1, "exp(x) - 1, accurate for small x."},
    {"log", &log, "The natural logarithm of each element."},
    {"log1p", &log1p, "log(1 + x), accurate for small x."},
    {"log2", &log2, "The base-2 logarithm of each element."},
    {"log10", &log10, "The base-10 logarithm of each element."},
    {"sin", &sin, "The sine of each element (radians)."},
    {"cos", &cos, "The cosine of each element (radians)."},
    {"tan", &tan, "The tangent of each element (radians)."},
    {"arcsin", &arcsin, "The inverse sine of each element."},
    {"arccos", &arccos, "The inverse cosine of each element."},
    {"arctan", &arctan, "The inverse tangent of each element."},
    {"sinh", &sinh, "The hyperbolic sine of each element."},
    {"cosh", &cosh, "The hyperbolic cosine of each element."},
    {"tanh", &tanh, "The hyperbolic tangent of each element."},
    {"arcsinh", &arcsinh, "The inverse hyperbolic sine of each element."},
    {"arccosh", &arccosh, "The inverse hyperbolic cosine of each element."},
    {"arctanh", &arctanh, "The inverse hyperbolic tangent of each element."},
    {"sigmoid", &sigmoid, "The logistic sigmoid 1 / (1 + exp(-x)) of each element."},
    {"erf", &erf, "The error function of each element."},
    {"erfinv", &erfinv, "The inverse of the error function of each element."},
    {"floor", &floor, "The largest integer not greater than each element."},
    {"ceil", &ceil, "The smallest integer not less than each element."},
    {"logical_not", &logical_not, "The logical negation of each element (nonzero is True)."},
    {"bitwise_invert", &bitwise_invert, "The bitwise complement of each element (integers and bool)."},
    {"isnan", &isnan, "True where an element is NaN."},
    {"isinf", &isinf, "True where an element is positive or negative infinity."},
    {"isposinf", &isposinf, "True where an element is positive infinity."},
    {"isneginf", &isneginf, "True where an element is negative infinity."},
    {"isfinite", &isfinite, "True where an element is neither infinite nor NaN."},
    {"stop_gradient", &stop_gradient, "The array unchanged, marked so that gradients do not flow through it."},
};

struct BinaryOp {
  const char* name;
  array (*fn)(const Operand&, const Operand&, StreamOrDevice);
  const char* doc;
};

const BinaryOp kBinary[] = {
    {"add", &add, "Elementwise a + b, with numpy broadcasting."},
    {"subtract", &subtract, "Elementwise a - b, with numpy broadcasting."},
    {"multiply", &multiply, "Elementwise a * b, with numpy broadcasting."},
    {"divide", &divide, "Elementwise true division a / b (integers give float32)."},
    {"floor_divide", &floor_divide, "Elementwise a // b, rounding towards negative infinity."},
    {"remainder", &remainder, "Elementwise a % b; the sign follows the divisor, as Python's %."},
    {"power", &power, "Elementwise a ** b."},
    {"maximum", &maximum, "The elementwise maximum of a and b (NaN propagates)."},
    {"minimum", &minimum, "The elementwise minimum of a and b (NaN propagates)."},
    {"arctan2", &arctan2, "The elementwise arc tangent of a / b, using the signs of both for the quadrant."},
    {"logaddexp", &logaddexp, "log(exp(a) + exp(b)), computed without overflow."},
    {"equal", &equal, "Elementwise a == b."},
    {"not_equal", &not_equal, "Elementwise a != b."},
    {"less", &less, "Elementwise a < b."},
    {"less_equal", &less_equal, "Elementwise a <= b."},
    {"greater", &greater, "Elementwise a > b."},
    {"greater_equal", &greater_equal, "Elementwise a >= b."},
    {"logical_and", &logical_and, "Elementwise logical and (nonzero is True)."},
    {"logical_or", &logical_or, "Elementwise logical or (nonzero is True)."},
    {"bitwise_and", &bitwise_and, "Elementwise bitwise and of integers or bools."},
    {"bitwise_or", &bitwise_or, "Elementwise bitwise or of integers or bools."},
    {"bitwise_xor", &bitwise_xor, "Elementwise bitwise exclusive or of integers or bools."},
    {"left_shift", &left_shift, "Elementwise a << b for integers."},
    {"right_shift", &right_shift, "Elementwise a >> b for integers (arithmetic for signed ones)."},
};

}  // namespace

void init_ops_elementwise(nb::module_& m) {
  m.def(
      "contiguous", [](const Operand& a, bool allow_col_major) { return contiguous(arr(a), allow_col_major); },
      "a"_a, "allow_col_major"_a = false,
      "``a`` with row-major data (column-major allowed with ``allow_col_major``): ``a`` itself when it has it, "
      "else a copy.");
  m.def(
      "depends",
      [](nb::handle inputs, nb::handle dependencies) -> nb::object {
        auto as_list = [](nb::handle h) {
          Arrays v;
          if (nb::isinstance<array>(h)) v.push_back(nb::cast<array>(h));
          else for (nb::handle e : h) v.push_back(nb::cast<array>(e));
          return v;
        };
        Arrays out = depends(as_list(inputs), as_list(dependencies));
        if (nb::isinstance<array>(inputs)) return nb::cast(out[0]);
        nb::list l;
        for (auto& o : out) l.append(nb::cast(o));
        return l;
      },
      "inputs"_a, "dependencies"_a,
      "``inputs`` (an array or a list of arrays) unchanged, but computed only after ``dependencies``.");
  for (const UnaryOp& u : kUnary) m.def(u.name, [fn = u.fn](const Operand& a) { return fn(arr(a), {}); }, "a"_a, u.doc);
  for (const BinaryOp& b : kBinary)
    m.def(b.name, [fn = b.fn](const Operand& a, const Operand& b_) { return fn(a, b_, {}); }, "a"_a, "b"_a, b.doc);

  m.def(
      "round", [](const Operand& a, int decimals) { return round(arr(a), decimals); }, "a"_a, "decimals"_a = 0,
      "Each element rounded to ``decimals`` decimal places (negative: to tens, hundreds...), halves to even.");
  m.def(
      "divmod",
      [](const Operand& a, const Operand& b) {
        auto [q, r] = divmod(a, b);
        nb::list out;
        out.append(nb::cast(std::move(q)));
        out.append(nb::cast(std::move(r)));
        return out;
      },
      "a"_a, "b"_a, "The list [a // b, a % b], computed together.");
  m.def(
      "where", [](const Operand& condition, const Operand& x, const Operand& y) { return where(condition, x, y); },
      "condition"_a, "x"_a, "y"_a,
      "Elements of ``x`` where ``condition`` is true and of ``y`` elsewhere, all three broadcast together.");
  m.def(
      "isclose",
      [](const Operand& a, const Operand& b, double rtol, double atol, bool equal_nan) {
        return isclose(arr(a), arr(b), rtol, atol, equal_nan);
      },
      "a"_a, "b"_a, "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(), "equal_nan"_a = false,
      "True where abs(a - b) <= atol + rtol * abs(b), elementwise. Infinities are close only to themselves; "
      "NaNs are close to each other when ``equal_nan``.");
  m.def(
      "allclose",
      [](const Operand& a, const Operand& b, double rtol, double atol, bool equal_nan) {
        return all(isclose(arr(a), arr(b), rtol, atol, equal_nan));  // lazy: it traces (compile, export)
      },
      "a"_a, "b"_a, "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(), "equal_nan"_a = false,
      "A bool array: whether every element pair is close (see :func:`isclose`).");
  m.def(
      "array_equal",
      [](const Operand& a, const Operand& b, bool equal_nan) {
        const array x = arr(a), y = arr(b);
        if (x.shape() != y.shape()) return array(false);
        // Lazy, so that it traces (compile, export): values compared in the promoted dtype.
        array same = equal(x, y);
        if (equal_nan && (is_floating_point(x.dtype()) || is_floating_point(y.dtype())))
          same = logical_or(same, logical_and(isnan(x), isnan(y)));
        return all(same);
      },
      "a"_a, "b"_a, "equal_nan"_a = false,
      "A bool array: whether a and b have the same shape and equal values (dtypes may differ). NaNs count as "
      "equal when ``equal_nan``.");
  m.def(
      "clip",
      [](const Operand& a, const std::optional<Operand>& a_min, const std::optional<Operand>& a_max) {
        return clip(arr(a), a_min, a_max);
      },
      "a"_a, "a_min"_a.none(), "a_max"_a.none(),
      "The elements of ``a`` limited to [a_min, a_max]; either bound (not both) may be None.");
  m.def(
      "nan_to_num",
      [](const Operand& a, double nan, std::optional<double> posinf, std::optional<double> neginf) {
        return nan_to_num(arr(a), nan, posinf, neginf);
      },
      "a"_a, "nan"_a = 0.0, "posinf"_a = nb::none(), "neginf"_a = nb::none(),
      "NaN replaced by ``nan`` and infinities by ``posinf``/``neginf`` (by default the dtype's largest and "
      "smallest finite values). Non-floating arrays are returned unchanged.");
}

}  // namespace ingot::py
