// Array operations. Names, arguments and semantics follow MLX (and numpy where MLX follows numpy).
// Every op is lazy: it records a node; eval() computes. Invalid arguments throw std::invalid_argument
// with a message naming the op and the offending shapes or values.
#pragma once

#include <concepts>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "ingot/array.h"

namespace ingot {

// An array, or a Python-style "weak" scalar whose dtype yields to the array it meets:
// float16 x + 2 stays float16, int32 x + 2.5 becomes float32, bool x + 1 becomes int32.
class Operand {
 public:
  Operand(const array& a) : value_(a) {}
  Operand(array&& a) : value_(std::move(a)) {}
  Operand(bool v) : value_(Scalar{Scalar::boolean, v ? 1 : 0, v ? 1.0 : 0.0}) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Operand(T v) : value_(Scalar{Scalar::integer, static_cast<int64_t>(v), static_cast<double>(v)}) {}
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Operand(T v) : value_(Scalar{Scalar::real, static_cast<int64_t>(0), static_cast<double>(v)}) {}

  struct Scalar {
    enum Kind { boolean, integer, real } kind;
    int64_t i;
    double f;
  };
  bool is_array() const { return std::holds_alternative<array>(value_); }
  const array& as_array() const { return std::get<array>(value_); }
  const Scalar& as_scalar() const { return std::get<Scalar>(value_); }
  // The dtype this operand has on its own (a scalar alone: bool, int32 (int64 beyond it) or float32).
  Dtype own_dtype() const;
  // The operand as an array of dtype t (scalars are converted exactly once, here). An integer
  // scalar outside the range of a narrower integer t is an error naming `op`, as in MLX.
  array to_array(Dtype t, const char* op = "array") const;

 private:
  std::variant<array, Scalar> value_;
};

// The dtype an op over these operands computes in: promote_types over arrays, weak scalars yielding.
Dtype result_type(const std::vector<Operand>& operands);

// ---- creation ----
array full(const Shape& shape, const Operand& value, std::optional<Dtype> dtype = std::nullopt);
array zeros(const Shape& shape, Dtype dtype = float32);
array ones(const Shape& shape, Dtype dtype = float32);
array zeros_like(const array& a);
array ones_like(const array& a);
array full_like(const array& a, const Operand& value);
array arange(double start, double stop, double step = 1.0, Dtype dtype = float32);
array arange(double stop, Dtype dtype = float32);
array arange(int64_t start, int64_t stop, int64_t step = 1, Dtype dtype = int32);
array arange(int64_t stop, Dtype dtype = int32);
// Exact matches for int literals, which would otherwise be ambiguous between double and int64_t.
array arange(int start, int stop, int step = 1, Dtype dtype = int32);
array arange(int stop, Dtype dtype = int32);
array linspace(double start, double stop, int64_t num = 50, Dtype dtype = float32);
array eye(int64_t n, std::optional<int64_t> m = std::nullopt, int64_t k = 0, Dtype dtype = float32);
array identity(int64_t n, Dtype dtype = float32);
array tri(int64_t n, std::optional<int64_t> m = std::nullopt, int64_t k = 0, Dtype dtype = float32);

// ---- unary ----
array abs(const array& a);
array negative(const array& a);
array sign(const array& a);
array square(const array& a);
array sqrt(const array& a);
array rsqrt(const array& a);
array reciprocal(const array& a);
array exp(const array& a);
array expm1(const array& a);
array log(const array& a);
array log1p(const array& a);
array log2(const array& a);
array log10(const array& a);
array sin(const array& a);
array cos(const array& a);
array tan(const array& a);
array arcsin(const array& a);
array arccos(const array& a);
array arctan(const array& a);
array sinh(const array& a);
array cosh(const array& a);
array tanh(const array& a);
array arcsinh(const array& a);
array arccosh(const array& a);
array arctanh(const array& a);
array sigmoid(const array& a);
array erf(const array& a);
array erfinv(const array& a);
array floor(const array& a);
array ceil(const array& a);
array round(const array& a, int decimals = 0);
array logical_not(const array& a);
array bitwise_invert(const array& a);
array isnan(const array& a);
array isinf(const array& a);
array isposinf(const array& a);
array isneginf(const array& a);
array isfinite(const array& a);
array stop_gradient(const array& a);
array astype(const array& a, Dtype dtype);
array copy(const array& a);

// ---- binary (numpy broadcasting, MLX promotion) ----
array add(const Operand& a, const Operand& b);
array subtract(const Operand& a, const Operand& b);
array multiply(const Operand& a, const Operand& b);
array divide(const Operand& a, const Operand& b);  // true division: integers give float32
array floor_divide(const Operand& a, const Operand& b);
array remainder(const Operand& a, const Operand& b);  // sign follows the divisor, as Python's %
std::pair<array, array> divmod(const Operand& a, const Operand& b);
array power(const Operand& a, const Operand& b);
array maximum(const Operand& a, const Operand& b);  // NaN propagates
array minimum(const Operand& a, const Operand& b);
array arctan2(const Operand& a, const Operand& b);
array logaddexp(const Operand& a, const Operand& b);
array equal(const Operand& a, const Operand& b);
array not_equal(const Operand& a, const Operand& b);
array less(const Operand& a, const Operand& b);
array less_equal(const Operand& a, const Operand& b);
array greater(const Operand& a, const Operand& b);
array greater_equal(const Operand& a, const Operand& b);
array logical_and(const Operand& a, const Operand& b);
array logical_or(const Operand& a, const Operand& b);
array bitwise_and(const Operand& a, const Operand& b);
array bitwise_or(const Operand& a, const Operand& b);
array bitwise_xor(const Operand& a, const Operand& b);
array left_shift(const Operand& a, const Operand& b);
array right_shift(const Operand& a, const Operand& b);
array where(const Operand& condition, const Operand& x, const Operand& y);
array isclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
bool allclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
bool array_equal(const array& a, const array& b, bool equal_nan = false);

// ---- reductions (axes may be negative; an empty axes list with `all` semantics means every axis) ----
array sum(const array& a, bool keepdims = false);
array sum(const array& a, const std::vector<int>& axes, bool keepdims = false);
array sum(const array& a, int axis, bool keepdims = false);
array prod(const array& a, bool keepdims = false);
array prod(const array& a, const std::vector<int>& axes, bool keepdims = false);
array prod(const array& a, int axis, bool keepdims = false);
array max(const array& a, bool keepdims = false);
array max(const array& a, const std::vector<int>& axes, bool keepdims = false);
array max(const array& a, int axis, bool keepdims = false);
array min(const array& a, bool keepdims = false);
array min(const array& a, const std::vector<int>& axes, bool keepdims = false);
array min(const array& a, int axis, bool keepdims = false);
array all(const array& a, bool keepdims = false);
array all(const array& a, const std::vector<int>& axes, bool keepdims = false);
array all(const array& a, int axis, bool keepdims = false);
array any(const array& a, bool keepdims = false);
array any(const array& a, const std::vector<int>& axes, bool keepdims = false);
array any(const array& a, int axis, bool keepdims = false);
array mean(const array& a, bool keepdims = false);
array mean(const array& a, const std::vector<int>& axes, bool keepdims = false);
array mean(const array& a, int axis, bool keepdims = false);
array var(const array& a, bool keepdims = false, int ddof = 0);
array var(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0);
array var(const array& a, int axis, bool keepdims = false, int ddof = 0);
array std(const array& a, bool keepdims = false, int ddof = 0);
array std(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0);
array std(const array& a, int axis, bool keepdims = false, int ddof = 0);
array logsumexp(const array& a, bool keepdims = false);
array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims = false);
array logsumexp(const array& a, int axis, bool keepdims = false);
array argmax(const array& a, bool keepdims = false);  // over the flattened array; uint32 as MLX
array argmax(const array& a, int axis, bool keepdims = false);
array argmin(const array& a, bool keepdims = false);
array argmin(const array& a, int axis, bool keepdims = false);
array softmax(const array& a, bool precise = false);  // over all axes
array softmax(const array& a, const std::vector<int>& axes, bool precise = false);
array softmax(const array& a, int axis, bool precise = false);

// ---- shapes ----
array reshape(const array& a, Shape shape);  // one dimension may be -1
array flatten(const array& a, int start_axis = 0, int end_axis = -1);
array unflatten(const array& a, int axis, Shape shape);
array transpose(const array& a);  // reverses the axes
array transpose(const array& a, const std::vector<int>& axes);
array swapaxes(const array& a, int axis1, int axis2);
array moveaxis(const array& a, int source, int destination);
array expand_dims(const array& a, int axis);
array expand_dims(const array& a, const std::vector<int>& axes);
array squeeze(const array& a);
array squeeze(const array& a, int axis);
array squeeze(const array& a, const std::vector<int>& axes);
array broadcast_to(const array& a, const Shape& shape);
Arrays broadcast_arrays(const Arrays& inputs);
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast_shapes");
array concatenate(const Arrays& arrays, int axis = 0);
array concatenate(const Arrays& arrays, std::nullopt_t);  // flattens first, as axis=None
array stack(const Arrays& arrays, int axis = 0);
Arrays split(const array& a, int num_splits, int axis = 0);
Arrays split(const array& a, const std::vector<int64_t>& indices, int axis = 0);
// Python-style slicing per axis; stops are clamped, steps may be negative.
array slice(const array& a, const Shape& start, const Shape& stop, std::optional<Shape> strides = std::nullopt);
array slice(const array& a, const Shape& start, const Shape& stop, const Shape& strides);
// Static-size window along `axes`. A template only so that a braced call slice(a, {..}, {..}, {..}) picks
// the strided overload above (a non-template wins a tie); pass axes as std::vector<int>.
template <class Axes = std::vector<int>>
  requires std::same_as<Axes, std::vector<int>>
array slice(const array& a, const Shape& start, const Axes& axes, const Shape& slice_size);
array tril(const array& a, int k = 0);
array triu(const array& a, int k = 0);

// ---- linear algebra ----
array matmul(const array& a, const array& b);
array addmm(const array& c, const array& a, const array& b, float alpha = 1.0f, float beta = 1.0f);

// ---- operators ----
template <typename T>
concept Scalarish = std::is_arithmetic_v<T>;

#define INGOT_BINARY_OPERATOR(OP, FN)                                              \
  inline array operator OP(const array& a, const array& b) { return FN(a, b); }   \
  template <Scalarish T>                                                           \
  array operator OP(const array& a, T b) {                                         \
    return FN(a, b);                                                               \
  }                                                                                \
  template <Scalarish T>                                                           \
  array operator OP(T a, const array& b) {                                         \
    return FN(a, b);                                                               \
  }
INGOT_BINARY_OPERATOR(+, add)
INGOT_BINARY_OPERATOR(-, subtract)
INGOT_BINARY_OPERATOR(*, multiply)
INGOT_BINARY_OPERATOR(/, divide)
INGOT_BINARY_OPERATOR(%, remainder)
INGOT_BINARY_OPERATOR(==, equal)
INGOT_BINARY_OPERATOR(!=, not_equal)
INGOT_BINARY_OPERATOR(<, less)
INGOT_BINARY_OPERATOR(<=, less_equal)
INGOT_BINARY_OPERATOR(>, greater)
INGOT_BINARY_OPERATOR(>=, greater_equal)
INGOT_BINARY_OPERATOR(&&, logical_and)
INGOT_BINARY_OPERATOR(||, logical_or)
INGOT_BINARY_OPERATOR(&, bitwise_and)
INGOT_BINARY_OPERATOR(|, bitwise_or)
INGOT_BINARY_OPERATOR(^, bitwise_xor)
INGOT_BINARY_OPERATOR(<<, left_shift)
INGOT_BINARY_OPERATOR(>>, right_shift)
#undef INGOT_BINARY_OPERATOR
inline array operator-(const array& a) { return negative(a); }
inline array operator!(const array& a) { return logical_not(a); }
inline array operator~(const array& a) { return bitwise_invert(a); }

}  // namespace ingot
