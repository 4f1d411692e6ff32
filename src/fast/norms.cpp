// RMSNorm and LayerNorm over the last axis: one pass over each row in float32 (rows split over threads),
// and their decompositions, which are MLX's fallback graphs (statistics in float32, the normalized value
// cast to the output dtype before the weight and bias).
#include <algorithm>
#include <cmath>

#include "core/utils.h"
#include "cpu/parallel.h"
#include "fast/fused.h"
#include "ingot/fast.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

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

// Sum of f(x[i]) over a row with eight independent partial sums, so that the compiler can vectorize it.
template <class F>
float row_sum(const float* x, int64_t d, F f) {
  float acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= d; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += f(x[i + k]);
  float s = 0;
  for (; i < d; ++i) s += f(x[i]);
  for (float a : acc) s += a;
  return s;
}

// Runs row(x_row, out_row, d) over every row of the last axis in float32, threaded over rows: float32
// data is read and written in place, other dtypes through per-thread buffers.
template <class RowFn>
void for_each_row(const array& x, array& out, Dtype out_t, const RowFn& row) {
  const int64_t d = x.shape().back(), rows = d == 0 ? 0 : x.size() / d;
  out.alloc();
  fast::detail::Rows xr(x);
  const Dtype in_t = x.dtype();
  const size_t in_sz = size_of(in_t), out_sz = size_of(out_t);
  cpu::parallel_for(rows, 4 * d, [&](int64_t begin, int64_t end) {
    std::vector<float> xf(in_t == float32 ? 0 : d), yf(out_t == float32 ? 0 : d);
    for (int64_t r = begin; r < end; ++r) {
      const char* src = static_cast<const char*>(xr.data) + r * d * in_sz;
      char* dst = static_cast<char*>(out.raw_data()) + r * d * out_sz;
      const float* xp = reinterpret_cast<const float*>(src);
      if (in_t != float32) fast::detail::load_f32(src, in_t, d, xf.data()), xp = xf.data();
      float* yp = out_t == float32 ? reinterpret_cast<float*>(dst) : yf.data();
      row(xp, yp, d);
      if (out_t != float32) fast::detail::store_f32(yp, out_t, d, dst);
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
  // y[i] = x[i] * scale (+ shift), then the weight and bias.
  void apply(const float* x, float scale, float shift, float* y, int64_t d) const {
    if (t == float32) {  // one pass, no rounding to do
      const float* wp = w.empty() ? nullptr : w.data();
      const float* bp = b.empty() ? nullptr : b.data();
      if (wp && bp)
        for (int64_t i = 0; i < d; ++i) y[i] = (x[i] * scale + shift) * wp[i] + bp[i];
      else if (wp)
        for (int64_t i = 0; i < d; ++i) y[i] = (x[i] * scale + shift) * wp[i];
      else if (bp)
        for (int64_t i = 0; i < d; ++i) y[i] = (x[i] * scale + shift) + bp[i];
      else
        for (int64_t i = 0; i < d; ++i) y[i] = x[i] * scale + shift;
      return;
    }
    for (int64_t i = 0; i < d; ++i) y[i] = x[i] * scale + shift;
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
    for (int64_t i = 0; i < d; ++i) y[i] = fast::detail::rounded(y[i], t);
  }
  Dtype t;
  std::vector<float> w, b;
};

// What RMSNorm and LayerNorm share: x's shape, the promoted dtype, and the choice of kernel or
// decomposition. The class supplies check_inputs, decompose and kernel.
template <class Derived>
class NormBase : public PrimitiveBase<Derived> {
 public:
  static constexpr bool kMixedDtypes = true;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    this->check_inputs(in);
    return {in[0].shape()};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {norm_out_dtype(in)}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const Dtype t = norm_out_dtype(in);
    const auto& self = static_cast<const Derived&>(*this);
    if (!fast::detail::kernels_enabled() || !kernel_dtype(in[0].dtype()) || !kernel_dtype(t))
      return fast::detail::adopt(self.decompose(in), out);
    self.kernel(in, out[0], t);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    const auto& self = static_cast<const Derived&>(*this);
    return rules::vjp_via([&self](const Arrays& a) { return self.decompose(a); }, in, cot, argnums);
  }
};

}  // namespace

class RMSNorm : public NormBase<RMSNorm> {
 public:
  static constexpr const char* kName = "RMSNorm";
  static constexpr int kVersion = 1;
  explicit RMSNorm(float eps) : eps_(eps) {}
  auto state() const { return std::tuple(eps_); }
  void check_inputs(const Arrays& in) const override {
    if (in.empty() || in.size() > 2) detail::bad_inputs(*this, "expects x and an optional weight");
    check_norm_inputs("rms_norm", in);
  }

  Arrays decompose(const Arrays& in) const {
    const Dtype t = norm_out_dtype(in), s = stats_dtype(in[0].dtype());
    const array x = astype(in[0], s);
    const array r = rsqrt(add(mean(square(x), -1, true), array(eps_, s)));
    array y = astype(multiply(x, r), t);
    return {in.size() > 1 ? multiply(y, in[1]) : y};
  }
  void kernel(const Arrays& in, array& out, Dtype t) const {
    const Affine affine(in, 1, in.size() > 1, false, t);
    const float eps = eps_;
    for_each_row(in[0], out, t, [&](const float* x, float* y, int64_t d) {
      const float ss = row_sum(x, d, [](float v) { return v * v; });
      affine.apply(x, 1.0f / std::sqrt(ss / static_cast<float>(d) + eps), 0.0f, y, d);
    });
  }

 private:
  float eps_;
};
INGOT_REGISTER_PRIMITIVE(RMSNorm)

class LayerNorm : public NormBase<LayerNorm> {
 public:
  static constexpr const char* kName = "LayerNorm";
  static constexpr int kVersion = 1;
  LayerNorm(float eps, bool has_weight, bool has_bias) : eps_(eps), has_weight_(has_weight), has_bias_(has_bias) {}
  auto state() const { return std::tuple(eps_, has_weight_, has_bias_); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() != 1u + has_weight_ + has_bias_)
      detail::bad_inputs(*this, "expects x, then the weight and bias its state names");
    check_norm_inputs("layer_norm", in);
  }

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
  void kernel(const Arrays& in, array& out, Dtype t) const {
    const Affine affine(in, 1, has_weight_, has_bias_, t);
    const float eps = eps_;
    for_each_row(in[0], out, t, [&](const float* x, float* y, int64_t d) {
      const float mu = row_sum(x, d, [](float v) { return v; }) / static_cast<float>(d);
      const float var = row_sum(x, d, [mu](float v) { return (v - mu) * (v - mu); }) / static_cast<float>(d);
      const float r = 1.0f / std::sqrt(var + eps);
      affine.apply(x, r, -mu * r, y, d);  // (x - mu) * r
    });
  }

 private:
  float eps_;
  bool has_weight_, has_bias_;
};
INGOT_REGISTER_PRIMITIVE(LayerNorm)

namespace fast {

array rms_norm(const array& x, const std::optional<array>& weight, float eps, StreamOrDevice s) {
  to_stream(s, "rms_norm");
  Arrays in{x};
  if (weight) in.push_back(*weight);
  check_norm_inputs("rms_norm", in);
  return make<RMSNorm>(std::move(in), eps);
}

array layer_norm(const array& x, const std::optional<array>& weight, const std::optional<array>& bias, float eps,
                 StreamOrDevice s) {
  to_stream(s, "layer_norm");
  Arrays in{x};
  if (weight) in.push_back(*weight);
  if (bias) in.push_back(*bias);
  check_norm_inputs("layer_norm", in);
  return make<LayerNorm>(std::move(in), eps, weight.has_value(), bias.has_value());
}

}  // namespace fast
}  // namespace ingot
