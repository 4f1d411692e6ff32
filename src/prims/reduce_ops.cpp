// Reductions composed from primitives: mean, var, std, logsumexp, softmax; isclose, allclose, array_equal.
#include <algorithm>

#include "core/limits.h"
#include "core/utils.h"
#include "cpu/copy.h"
#include "ingot/export.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

// The number of elements over `axes` of its input's shape (or its inverse) as a 0-d array of `dtype`.
// Reading the count from the shape at evaluation, not baking it in as a constant, lets mean and var
// follow shapeless replay. The input's data is never read.
class NumberOfElements : public PrimitiveBase<NumberOfElements> {
 public:
  static constexpr const char* kName = "NumberOfElements";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  NumberOfElements(std::vector<int> axes, bool inverted, Dtype dtype)
      : axes_(std::move(axes)), inverted_(inverted), dtype_(dtype) {}
  auto state() const { return std::tuple(axes_, inverted_, dtype_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    for (int a : axes_)  // state may come from a file
      if (a < 0 || a >= in[0].ndim())
        fail("number_of_elements", "axis ", a, " is out of range for an array with ", in[0].ndim(), " dimensions.");
    return {Shape{}};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {dtype_}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    double n = 1;
    for (int a : axes_) n *= static_cast<double>(in[0].shape()[a]);
    const double v = inverted_ ? 1.0 / n : n;
    out[0].alloc();
    cpu::convert(&v, float64, out[0].raw_data(), dtype_, 1);
  }
  // Depends on the input's shape alone.
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }

 private:
  std::vector<int> axes_;
  bool inverted_;
  Dtype dtype_;
};
INGOT_REGISTER_PRIMITIVE(NumberOfElements)

array number_of_elements(const array& a, const std::vector<int>& axes, bool inverted, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "number_of_elements");
  return make<NumberOfElements>({a}, normalize_axes(axes, a.ndim(), "number_of_elements"), inverted, dtype);
}

namespace {

bool has_empty_axis(const array& a, const std::vector<int>& axes) {
  return std::any_of(axes.begin(), axes.end(), [&](int d) { return a.shape()[d] == 0; });
}

// An empty reduction takes a shortcut that only holds while the axis stays empty.
void refuse_empty_in_shapeless_trace(const array& a, const char* op) {
  if (detail::in_shapeless_trace())
    fail(op, "traced over an empty axis (shape ", shape_str(a.shape()),
         ") takes a shortcut for empty input, which a shapeless export cannot follow.");
}

// Means and variances of integers are float32; halves are computed in float32 so that the sum cannot
// overflow before the division, and narrowed at the end.
Dtype statistic_dtype(Dtype t) { return is_floating_point(t) ? t : float32; }
Dtype compute_dtype(Dtype t) { return t == float64 ? float64 : float32; }

// The square root for std is taken before narrowing: a half variance can overflow where the std does not.
array var_impl(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, bool take_sqrt, const char* fn,
               const StreamOrDevice& stream = {}) {
  to_stream(stream, fn);
  const auto ax = normalize_axes(axes, a.ndim(), fn);
  const array x = astype(a, compute_dtype(a.dtype()));
  const array n = number_of_elements(x, ax, false, x.dtype());
  const array mu = divide(sum(x, ax, true), n);
  const array ss = sum(square(subtract(x, mu)), ax, keepdims);
  // numpy: n - ddof <= 0 divides by zero, giving inf (or nan where every deviation is zero).
  const array v = divide(ss, maximum(subtract(n, static_cast<double>(ddof)), 0.0));
  return astype(take_sqrt ? sqrt(v) : v, statistic_dtype(a.dtype()));
}

}  // namespace

array mean(const array& a, bool keepdims, StreamOrDevice s) { return mean(a, all_axes(a.ndim()), keepdims, s); }
array mean(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return mean(a, std::vector<int>{axis}, keepdims, s);
}
array mean(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  to_stream(s, "mean");
  const auto ax = normalize_axes(axes, a.ndim(), "mean");
  if (a.dtype() == complex64) return divide(sum(a, ax, keepdims), number_of_elements(a, ax, false, float32));
  const array x = astype(a, compute_dtype(a.dtype()));
  // 0 / 0 = nan for an empty reduction, as numpy.
  return astype(divide(sum(x, ax, keepdims), number_of_elements(x, ax, false, x.dtype())), statistic_dtype(a.dtype()));
}

array var(const array& a, bool keepdims, int ddof, StreamOrDevice s) {
  return var_impl(a, all_axes(a.ndim()), keepdims, ddof, false, "var", s);
}
array var(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) {
  return var_impl(a, {axis}, keepdims, ddof, false, "var", s);
}
array var(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return var_impl(a, axes, keepdims, ddof, false, "var", s);
}

array std(const array& a, bool keepdims, int ddof, StreamOrDevice s) {
  return var_impl(a, all_axes(a.ndim()), keepdims, ddof, true, "std", s);
}
array std(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) {
  return var_impl(a, {axis}, keepdims, ddof, true, "std", s);
}
array std(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return var_impl(a, axes, keepdims, ddof, true, "std", s);
}

array logsumexp(const array& a, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, all_axes(a.ndim()), keepdims, s);
}
array logsumexp(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, std::vector<int>{axis}, keepdims, s);
}
array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice stream) {
  to_stream(stream, "logsumexp");
  const auto ax = normalize_axes(axes, a.ndim(), "logsumexp");
  const Dtype t = statistic_dtype(a.dtype());
  const array x = astype(a, t);
  if (has_empty_axis(a, ax)) {  // log(0) = -inf; no maximum to shift by
    refuse_empty_in_shapeless_trace(a, "logsumexp");
    return log(sum(exp(x), ax, keepdims));
  }
  // A row's maximum clamped to the largest finite value keeps x - max finite-or-inf (never inf - inf)
  // for rows that are all -inf or contain +inf.
  const double big = finite_max(t);
  const array m = stop_gradient(maximum(minimum(max(x, ax, true), big), -big));
  const array s = sum(exp(subtract(x, m)), ax, keepdims);
  // Reducing m over its size-1 axes drops them: exact, output-sized, and unlike a reshape to a fixed
  // shape it follows shapeless replay.
  return add(log(s), keepdims ? m : max(m, ax, false));
}

array softmax(const array& a, bool precise, StreamOrDevice s) { return softmax(a, all_axes(a.ndim()), precise, s); }
array softmax(const array& a, int axis, bool precise, StreamOrDevice s) {
  return softmax(a, std::vector<int>{axis}, precise, s);
}
array softmax(const array& a, const std::vector<int>& axes, bool precise, StreamOrDevice s) {
  to_stream(s, "softmax");
  const auto ax = normalize_axes(axes, a.ndim(), "softmax");
  const Dtype t = statistic_dtype(a.dtype());
  const bool widen = precise && (t == float16 || t == bfloat16);
  const array x = astype(a, widen ? float32 : t);
  if (has_empty_axis(a, ax)) {
    refuse_empty_in_shapeless_trace(a, "softmax");
    return astype(x, t);
  }
  const array e = exp(subtract(x, stop_gradient(max(x, ax, true))));
  return astype(divide(e, sum(e, ax, true)), t);
}

array isclose(const array& a, const array& b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
  to_stream(s, "isclose");
  broadcast_shapes(a.shape(), b.shape(), "isclose");
  // Integers compare in float64 (exact up to 2^53), halves in float32 as the tolerances are float32 in MLX.
  const Dtype t = promote_types(a.dtype(), b.dtype());
  const Dtype ct = is_floating_point(t) ? compute_dtype(t) : float64;
  const array x = astype(a, ct), y = astype(b, ct);
  const array within = less_equal(abs(subtract(x, y)), add(multiply(abs(y), rtol), atol));
  // numpy: finite pairs use the tolerance; where either is inf or nan only exact equality counts.
  const array finite = logical_and(isfinite(x), isfinite(y));
  array out = logical_or(logical_and(finite, within), logical_and(logical_not(finite), equal(x, y)));
  if (equal_nan) out = logical_or(out, logical_and(isnan(x), isnan(y)));
  return out;
}

bool allclose(const array& a, const array& b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
  to_stream(s, "allclose");
  return all(isclose(a, b, rtol, atol, equal_nan)).item<bool>();
}

bool array_equal(const array& a, const array& b, bool equal_nan, StreamOrDevice s) {
  to_stream(s, "array_equal");
  if (a.shape() != b.shape()) return false;
  const Dtype t = promote_types(a.dtype(), b.dtype());
  const array x = astype(a, t), y = astype(b, t);
  array eq = equal(x, y);
  if (equal_nan && is_floating_point(t)) eq = logical_or(eq, logical_and(isnan(x), isnan(y)));
  return all(eq).item<bool>();
}

}  // namespace ingot
