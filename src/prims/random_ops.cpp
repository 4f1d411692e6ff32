// Samplers composed from random::bits with ordinary ops, following MLX's formulas step by step so
// that the same key gives MLX's numbers (up to the last bit of transcendentals such as erfinv).
#include <bit>
#include <cmath>
#include <limits>

#include "core/layout.h"
#include "core/utils.h"
#include "ingot/random.h"

namespace ingot::random {

namespace {

bool is_scalar(const Operand& o, double v) { return !o.is_array() && o.as_scalar().f == v; }

// The largest value below 1 in dtype t, as a float32 (uniform samples are clamped to it so that they
// stay below `high`). float64 samples carry float32's 24 bits, as everything here starts from uint32.
float below_one(Dtype t) {
  switch (t) {
    case float16:
      return float16_t::to_float(0x3bff);
    case bfloat16:
      return std::bit_cast<float>(uint32_t{0x3f7f0000});
    default:
      return std::nextafter(1.0f, 0.0f);
  }
}

void check_float(Dtype t, const char* op) {
  if (!is_floating_point(t)) fail(op, "can only generate samples of a floating dtype, got ", t, ".");
}

void check_fits(const Shape& shape, const Shape& other, const char* what, const char* op) {
  if (!broadcastable_to(other, shape))
    fail(op, "cannot generate samples of shape ", shape_str(shape), " from ", what, " of shape ", shape_str(other),
         ".");
}

}  // namespace

array uniform(const Operand& low, const Operand& high, const Shape& shape, Dtype dtype, const Key& key,
              StreamOrDevice s) {
  to_stream(s, "uniform");
  check_float(dtype, "uniform");
  array lo = low.to_array(dtype, "uniform");
  array hi = high.to_array(dtype, "uniform");
  check_fits(shape, broadcast_shapes(lo.shape(), hi.shape(), "uniform"), "bounds", "uniform");
  array range = subtract(hi, lo);
  // bits / (2^32 - 1) in float32, clamped below 1, then scaled into [low, high).
  array u = divide(bits(shape, 4, key), array(static_cast<float>(std::numeric_limits<uint32_t>::max())));
  u = astype(minimum(u, array(below_one(dtype))), dtype);
  return add(multiply(range, u), lo);
}

array uniform(const Shape& shape, Dtype dtype, const Key& key, StreamOrDevice s) {
  to_stream(s, "uniform");
  check_float(dtype, "uniform");
  return uniform(array(0.0, dtype), array(1.0, dtype), shape, dtype, key);
}

// sqrt(2) * erfinv(u) for u uniform in (-1, 1).
array normal(const Shape& shape, Dtype dtype, const Operand& loc, const Operand& scale, const Key& key,
             StreamOrDevice s) {
  to_stream(s, "normal");
  check_float(dtype, "normal");
  array mu = loc.to_array(dtype, "normal");
  array sigma = scale.to_array(dtype, "normal");
  check_fits(shape, mu.shape(), "loc", "normal");
  check_fits(shape, sigma.shape(), "scale", "normal");
  array u = uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), shape, float32, key);
  array factor = array(std::sqrt(2.0), dtype);
  if (!is_scalar(scale, 1.0)) factor = multiply(factor, sigma);
  array out = multiply(factor, astype(erfinv(u), dtype));
  if (!is_scalar(loc, 0.0)) out = add(mu, out);
  return out;
}

// MLX's recipe: floor of a float32 uniform over [low, high), converted to the dtype, then clamped to
// [low, high - 1] in that dtype (so an empty or inverted range gives `low`).
array randint(const Operand& low, const Operand& high, const Shape& shape, Dtype dtype, const Key& key,
              StreamOrDevice s) {
  to_stream(s, "randint");
  if (is_floating_point(dtype))
    fail("randint", "can only generate integers of an integer or bool dtype, got ", dtype, ".");
  array lo = low.to_array(low.own_dtype(), "randint");
  array hi = high.to_array(high.own_dtype(), "randint");
  array u = uniform(astype(lo, float32), astype(hi, float32), shape, float32, key);
  array r = astype(floor(u), dtype);
  return maximum(minimum(r, astype(subtract(hi, 1), dtype)), astype(lo, dtype));
}

namespace {
array probability(const Operand& p) {
  array pa = p.is_array() ? p.as_array() : p.to_array(float32, "bernoulli");
  if (!is_floating_point(pa.dtype()))
    fail("bernoulli", "the probability p must be of a floating dtype, got ", pa.dtype(), ".");
  return pa;
}
}  // namespace
array bernoulli(const Operand& p, const Key& key, StreamOrDevice s) {
  return bernoulli(p, probability(p).shape(), key, s);
}
array bernoulli(const Operand& p, const Shape& s, const Key& key, StreamOrDevice stream) {
  to_stream(stream, "bernoulli");
  array pa = probability(p);
  check_fits(s, pa.shape(), "p", "bernoulli");
  // p on the scale of uint32 bits, with 1 just above the largest draw: p >= 1 is always true, p <= 0 never.
  const float upper =
      std::nextafter(static_cast<float>(std::numeric_limits<uint32_t>::max()), std::numeric_limits<float>::max());
  return less(bits(s, 4, key), multiply(pa, array(upper)));
}

// Inverse-CDF sampling between erf(lower / sqrt 2) and erf(upper / sqrt 2), clipped to the bounds.
array truncated_normal(const Operand& lower, const Operand& upper, Dtype dtype, const Key& key, StreamOrDevice stream) {
  to_stream(stream, "truncated_normal");
  check_float(dtype, "truncated_normal");
  const Shape s = broadcast_shapes(lower.to_array(dtype, "truncated_normal").shape(),
                                   upper.to_array(dtype, "truncated_normal").shape(), "truncated_normal");
  return truncated_normal(lower, upper, s, dtype, key);
}
array truncated_normal(const Operand& lower, const Operand& upper, const Shape& s, Dtype dtype, const Key& key,
                       StreamOrDevice stream) {
  to_stream(stream, "truncated_normal");
  check_float(dtype, "truncated_normal");
  array lo = lower.to_array(dtype, "truncated_normal");
  array hi = upper.to_array(dtype, "truncated_normal");
  check_fits(s, broadcast_shapes(lo.shape(), hi.shape(), "truncated_normal"), "bounds", "truncated_normal");
  array sqrt2 = array(std::sqrt(2.0), dtype);
  array a = erf(divide(lo, sqrt2));
  array b = erf(divide(hi, sqrt2));
  array out = multiply(sqrt2, erfinv(uniform(a, b, s, dtype, key)));
  return maximum(minimum(hi, out), lo);
}

array multivariate_normal(const array& mean, const array& cov, const Shape& shape, Dtype dtype, const Key& key,
                          StreamOrDevice s) {
  to_stream(s, "multivariate_normal");
  if (dtype != float32) fail("multivariate_normal", "dtype must be float32, got ", dtype, ".");
  if (mean.ndim() < 1 || cov.ndim() < 2)
    fail("multivariate_normal", "mean needs at least 1 dimension and cov 2, got shapes ", shape_str(mean.shape()),
         " and ", shape_str(cov.shape()), ".");
  const int64_t n = mean.shape(-1);
  if (cov.shape(-1) != cov.shape(-2) || cov.shape(-1) != n)
    fail("multivariate_normal", "cov of shape ", shape_str(cov.shape()), " must be (..., ", n, ", ", n,
         ") for mean of shape ", shape_str(mean.shape()), ".");
  Shape out = broadcast_shapes(Shape(cov.shape().begin(), cov.shape().end() - 2),
                               Shape(mean.shape().begin(), mean.shape().end() - 1), "multivariate_normal");
  out = broadcast_shapes(out, shape, "multivariate_normal");
  out.push_back(n);
  const Arrays usv = linalg::svd(astype(cov, float32), true);
  const array root = matmul(multiply(usv[0], expand_dims(sqrt(usv[1]), -2)), usv[2]);
  const array z = normal(out, float32, key);
  return add(mean, squeeze(matmul(expand_dims(z, -2), root), -2));
}

array gumbel(const Shape& shape, Dtype dtype, const Key& key, StreamOrDevice s) {
  to_stream(s, "gumbel");
  check_float(dtype, "gumbel");
  return negative(log(negative(log(uniform(shape, dtype, key)))));
}

array laplace(const Shape& shape, Dtype dtype, float loc, float scale, const Key& key, StreamOrDevice s) {
  to_stream(s, "laplace");
  check_float(dtype, "laplace");
  array u = uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), shape, float32, key);
  array out = astype(multiply(sign(u), log1p(multiply(array(-1.0f), abs(u)))), dtype);
  if (scale != 1.0f) out = multiply(array(scale, dtype), out);
  if (loc != 0.0f) out = add(array(loc, dtype), out);
  return out;
}

namespace {

// One distribution drawn several times (a language model's next-token logits, say) is sampled by
// inverting its CDF with one uniform per sample, as MLX does; otherwise by the Gumbel-max trick: the
// argmax over `axis` of logits + Gumbel noise shaped `shape` with the category axis inserted.
array categorical_impl(const array& logits, int axis, const Shape& shape, const Key& key) {
  const int64_t k = logits.shape(axis);
  if (!shape.empty() && logits.size() == k) {
    array cdf = reshape(cumsum(softmax(logits, axis), axis), {k});
    array index = searchsorted(cdf, uniform(shape, float32, key));  // how many CDF values lie below u
    return minimum(index, array(static_cast<uint32_t>(k - 1)));     // u beyond a CDF that rounds below 1
  }
  Shape gshape = shape;
  const int offset = axis + static_cast<int>(shape.size()) - logits.ndim() + 1;
  gshape.insert(gshape.begin() + offset, k);
  return argmax(add(gumbel(gshape, float32, key), logits), offset, false);
}

}  // namespace

namespace {
int categorical_axis(const array& logits, int axis) {
  if (logits.ndim() == 0) fail("categorical", "the logits must have at least one dimension, got a scalar.");
  const int ax = normalize_axis(axis, logits.ndim(), "categorical");
  if (logits.shape(ax) == 0) fail("categorical", "the logits have no categories along axis ", axis, ".");
  return ax;
}
Shape without_axis(const array& logits, int ax) {
  Shape reduced = logits.shape();
  reduced.erase(reduced.begin() + ax);
  return reduced;
}
}  // namespace
array categorical(const array& logits, int axis, int num_samples, const Key& key, StreamOrDevice stream) {
  to_stream(stream, "categorical");
  const int ax = categorical_axis(logits, axis);
  if (num_samples < 0) fail("categorical", "the number of samples must be non-negative, got ", num_samples, ".");
  array l = expand_dims(logits, -1);
  Shape s = without_axis(l, ax);
  s.back() = num_samples;
  return categorical_impl(l, ax, s, key);
}
array categorical(const array& logits, int axis, const Shape& shape, const Key& key, StreamOrDevice s) {
  to_stream(s, "categorical");
  const int ax = categorical_axis(logits, axis);
  const Shape reduced = without_axis(logits, ax);
  if (!broadcastable_to(reduced, shape))
    fail("categorical", "the requested shape ", shape_str(shape),
         " does not broadcast with the logits' shape without the axis, ", shape_str(reduced), ".");
  return categorical_impl(logits, ax, shape, key);
}
array categorical(const array& logits, int axis, const Key& key, StreamOrDevice s) {
  to_stream(s, "categorical");
  const int ax = categorical_axis(logits, axis);
  return categorical_impl(logits, ax, without_axis(logits, ax), key);
}
array permutation(int64_t n, const Key& key, StreamOrDevice s) {
  to_stream(s, "permutation");
  if (n < 0) fail("permutation", "the number of elements must be non-negative, got ", n, ".");
  if (n > std::numeric_limits<uint32_t>::max())
    fail("permutation", "cannot permute ", n, " elements: indices are uint32.");
  return argsort(bits({n}, 4, key));
}

array permutation(const array& x, int axis, const Key& key, StreamOrDevice s) {
  to_stream(s, "permutation");
  if (x.ndim() == 0) fail("permutation", "cannot permute a scalar.");
  const int ax = normalize_axis(axis, x.ndim(), "permutation");
  return take(x, permutation(x.shape(ax), key), ax);
}

}  // namespace ingot::random
