// RMSNorm and LayerNorm over the last axis: one pass over each row in float32 (rows split over threads),
// and their decompositions, which are MLX's fallback graphs (statistics in float32, the normalized value
// cast to the output dtype before the weight and bias).
#include <cmath>

#include "core/utils.h"
#include "cpu/parallel.h"
#include "fast/fused.h"
#include "ingot/fast.h"
#include "prims/primitive.h"

namespace ingot {

namespace {

using fast::detail::kernel_dtype;

Dtype stats_dtype(Dtype t) { return t == float64 ? float64 : float32; }

// The promoted dtype of x and the optional weight and bias.
Dtype norm_out_dtype(const Arrays& in) {
  Dtype t = in[0].dtype();
  for (size_t i = 1; i < in.size(); ++i) t = promote_types(t, in[i].dtype());
  return t;
}

void check_norm_inputs(const char* op, const Arrays& in) {
  const array& x = in[0];
  if (x.ndim() == 0) fail(op, "the input must have at least one dimension, got a scalar.");
  if (!is_floating_point(x.dtype())) fail(op, "the input must be of a floating dtype, got ", x.dtype(), ".");
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i].ndim() != 1 || in[i].shape()[0] != x.shape().back())
      fail(op, "weight and bias must be 1-D with the size of the last axis (", x.shape().back(), "), got shape ",
           shape_str(in[i].shape()), ".");
}

// Runs row(x_row, out_row) over every row of the last axis, in float32 buffers, threaded over rows.
template <class RowFn>
void for_each_row(const array& x, array& out, Dtype out_t, const RowFn& row) {
  const int64_t d = x.shape().back(), rows = d == 0 ? 0 : x.size() / d;
  out.alloc();
  fast::detail::Rows xr(x);
  const size_t in_sz = size_of(x.dtype()), out_sz = size_of(out_t);
  cpu::parallel_for(rows, 4 * d, [&](int64_t begin, int64_t end) {
    std::vector<float> xf(d), yf(d);
    for (int64_t r = begin; r < end; ++r) {
      fast::detail::load_f32(static_cast<const char*>(xr.data) + r * d * in_sz, x.dtype(), d, xf.data());
      row(xf.data(), yf.data(), d);
      fast::detail::store_f32(yf.data(), out_t, d, static_cast<char*>(out.raw_data()) + r * d * out_sz);
    }
  });
}

// The affine part as the decomposition computes it: y rounded to the output dtype, times w and plus b,
// each product and sum rounded to the output dtype (exact in float32 for the half floats).
struct Affine {
  Affine(const Arrays& in, int first, bool has_w, bool has_b, Dtype out_t) : t(out_t) {
    const int64_t d = in[0].shape().back();
    if (has_w) w = load(in[first], d);
    if (has_b) b = load(in[first + (has_w ? 1 : 0)], d);
  }
  void apply(float* y, int64_t d) const {
    round(y, d);
    if (!w.empty()) {
      for (int64_t i = 0; i < d; ++i) y[i] *= w[i];
      round(y, d);
    }
    if (!b.empty()) {
      for (int64_t i = 0; i < d; ++i) y[i] += b[i];
      round(y, d);
    }
  }

 private:
  std::vector<float> load(const array& a, int64_t d) const {
    std::vector<float> v(d);
    array c = astype(a, t);  // the weight in the output dtype, as the decomposition multiplies
    c.eval();
    const fast::detail::Rows r(c);
    fast::detail::load_f32(r.data, t, d, v.data());
    return v;
  }
  void round(float* y, int64_t d) const {
    if (t == float32) return;
    std::vector<uint16_t> tmp(d);
    fast::detail::store_f32(y, t, d, tmp.data());
    fast::detail::load_f32(tmp.data(), t, d, y);
  }
  Dtype t;
  std::vector<float> w, b;
};

}  // namespace

class RMSNorm : public PrimitiveBase<RMSNorm> {
 public:
  static constexpr const char* kName = "RMSNorm";
  static constexpr int kVersion = 1;
  static constexpr bool kMixedDtypes = true;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  explicit RMSNorm(float eps) : eps_(eps) {}
  auto state() const { return std::tuple(eps_); }
  void check_inputs(const Arrays& in) const override {
    if (in.empty() || in.size() > 2) detail::bad_inputs(*this, "expects x and an optional weight");
    check_norm_inputs("rms_norm", in);
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_inputs(in);
    return {in[0].shape()};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {norm_out_dtype(in)}; }

  Arrays decompose(const Arrays& in) const {
    const Dtype t = norm_out_dtype(in), s = stats_dtype(in[0].dtype());
    const array x = astype(in[0], s);
    const array r = rsqrt(add(mean(square(x), -1, true), array(eps_, s)));
    array y = astype(multiply(x, r), t);
    return {in.size() > 1 ? multiply(y, in[1]) : y};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const Dtype t = norm_out_dtype(in);
    if (!fast::detail::kernels_enabled() || !kernel_dtype(in[0].dtype()) || !kernel_dtype(t))
      return fast::detail::adopt(decompose(in), out);
    const Affine affine(in, 1, in.size() > 1, false, t);
    const float eps = eps_;
    for_each_row(in[0], out[0], t, [&](const float* x, float* y, int64_t d) {
      float acc[8] = {};
      int64_t i = 0;
      for (; i + 8 <= d; i += 8)
        for (int k = 0; k < 8; ++k) acc[k] += x[i + k] * x[i + k];
      float ss = 0;
      for (; i < d; ++i) ss += x[i] * x[i];
      for (float a : acc) ss += a;
      const float r = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
      for (int64_t j = 0; j < d; ++j) y[j] = x[j] * r;
      affine.apply(y, d);
    });
  }

 private:
  float eps_;
};
INGOT_REGISTER_PRIMITIVE(RMSNorm)

class LayerNorm : public PrimitiveBase<LayerNorm> {
 public:
  static constexpr const char* kName = "LayerNorm";
  static constexpr int kVersion = 1;
  static constexpr bool kMixedDtypes = true;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  LayerNorm(float eps, bool has_weight, bool has_bias) : eps_(eps), has_weight_(has_weight), has_bias_(has_bias) {}
  auto state() const { return std::tuple(eps_, has_weight_, has_bias_); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() != 1u + has_weight_ + has_bias_)
      detail::bad_inputs(*this, "expects x, then the weight and bias its state names");
    check_norm_inputs("layer_norm", in);
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_inputs(in);
    return {in[0].shape()};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {norm_out_dtype(in)}; }

  Arrays decompose(const Arrays& in) const {
    const Dtype t = norm_out_dtype(in), s = stats_dtype(in[0].dtype());
    const array x = astype(in[0], s);
    const array centered = subtract(x, mean(x, -1, true));
    const array var = mean(square(centered), -1, true);
    array y = astype(multiply(centered, rsqrt(add(var, array(eps_, s)))), t);
    if (has_weight_) y = multiply(y, in[1]);
    if (has_bias_) y = add(y, in[has_weight_ ? 2 : 1]);
    return {y};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const Dtype t = norm_out_dtype(in);
    if (!fast::detail::kernels_enabled() || !kernel_dtype(in[0].dtype()) || !kernel_dtype(t))
      return fast::detail::adopt(decompose(in), out);
    const Affine affine(in, 1, has_weight_, has_bias_, t);
    const float eps = eps_;
    for_each_row(in[0], out[0], t, [&](const float* x, float* y, int64_t d) {
      float sum = 0;
      for (int64_t i = 0; i < d; ++i) sum += x[i];
      const float mu = sum / static_cast<float>(d);
      float ss = 0;
      for (int64_t i = 0; i < d; ++i) y[i] = x[i] - mu, ss += y[i] * y[i];
      const float r = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
      for (int64_t i = 0; i < d; ++i) y[i] *= r;
      affine.apply(y, d);
    });
  }

 private:
  float eps_;
  bool has_weight_, has_bias_;
};
INGOT_REGISTER_PRIMITIVE(LayerNorm)

namespace fast {

array rms_norm(const array& x, const std::optional<array>& weight, float eps) {
  Arrays in{x};
  if (weight) in.push_back(*weight);
  check_norm_inputs("rms_norm", in);
  return make<RMSNorm>(std::move(in), eps);
}

array layer_norm(const array& x, const std::optional<array>& weight, const std::optional<array>& bias, float eps) {
  Arrays in{x};
  if (weight) in.push_back(*weight);
  if (bias) in.push_back(*bias);
  check_norm_inputs("layer_norm", in);
  return make<LayerNorm>(std::move(in), eps, weight.has_value(), bias.has_value());
}

}  // namespace fast
}  // namespace ingot
