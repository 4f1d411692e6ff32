// RoPE: rotary position embedding along axis -2. The kernel computes each position's cosines and sines
// once and rotates every head's row with them; the decomposition is MLX's fallback graph written with
// shape-following ops (positions from arange_along), so it replays at any sequence length.
#include <cmath>

#include "core/utils.h"
#include "cpu/parallel.h"
#include "fast/fused.h"
#include "ingot/fast.h"
#include "prims/index_util.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

void check_rope(const Arrays& in, int dims, bool has_offset, bool has_freqs) {
  const array& x = in[0];
  // MLX's wording.
  if (x.ndim() < 3) fail("rope", "Input must have at least 3 dimensions but got input with ", x.ndim(), " dimensions.");
  if (!is_floating_point(x.dtype())) fail("rope", "Input must be a floating type but got ", x.dtype(), ".");
  if (dims <= 0) fail("rope", "dims must be positive but got ", dims, ".");
  if (dims % 2 != 0) fail("rope", "dims must be even but got ", dims, ".");
  if (dims > x.shape().back())
    fail("rope", "dims must not exceed the input's last dimension (", x.shape().back(), ") but got ", dims, ".");
  if (has_offset) {
    const array& o = in[1];
    if (!is_integral(o.dtype())) fail("rope", "the offset must be an integer but got type ", o.dtype(), ".");
    if (o.ndim() > 1 || (o.size() != 1 && o.size() != x.shape()[0]))
      fail("rope", "the offset must be a scalar or a vector with ", x.shape()[0], " elements but has shape ",
           shape_str(o.shape()), ".");
  }
  if (has_freqs) {
    const array& f = in.back();
    if (f.ndim() != 1 || f.shape()[0] != dims / 2)
      fail("rope", "freqs must be one dimensional with size ", dims / 2, " but got shape ", shape_str(f.shape()), ".");
  }
}

}  // namespace

class RoPE : public PrimitiveBase<RoPE> {
 public:
  static constexpr const char* kName = "RoPE";
  static constexpr int kVersion = 1;
  static constexpr bool kMixedDtypes = true;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  RoPE(int dims, bool traditional, float base, float scale, int64_t offset, bool has_offset_array, bool has_freqs)
      : dims_(dims), traditional_(traditional), base_(base), scale_(scale), offset_(offset),
        has_offset_array_(has_offset_array), has_freqs_(has_freqs) {}
  auto state() const { return std::tuple(dims_, traditional_, base_, scale_, offset_, has_offset_array_, has_freqs_); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() != 1u + has_offset_array_ + has_freqs_)
      detail::bad_inputs(*this, "expects x, then the offset and freqs its state names");
    check_rope(in, dims_, has_offset_array_, has_freqs_);
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_inputs(in);
    return {in[0].shape()};
  }

  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::vjp_via([this](const Arrays& a) { return decompose(a); }, in, cot, argnums);
  }
  Arrays decompose(const Arrays& in) const {
    const array& x = in[0];
    const Dtype t = x.dtype();
    const int half = dims_ / 2, nd = x.ndim();
    // Positions (T,), or (B, 1, ..., 1, T) for one offset per sequence.
    array pos = arange_along(x, -2, float32);
    if (has_offset_array_) {
      array o = astype(in[1], float32);
      if (o.size() > 1) {
        std::vector<int> axes;
        for (int i = 1; i < nd - 1; ++i) axes.push_back(i);
        o = expand_dims(o, axes);
      }
      pos = add(pos, o);
    } else if (offset_ != 0) {
      pos = add(pos, array(static_cast<float>(offset_)));
    }
    pos = multiply(pos, array(scale_));
    const array inv_freqs =
        has_freqs_ ? reciprocal(astype(in.back(), float32))
                   : exp(multiply(arange(0.0, -static_cast<double>(half), -1.0, float32),
                                        array(static_cast<float>(std::log(base_) / half))));
    const array theta = multiply(expand_dims(pos, -1), inv_freqs);
    const array c = astype(cos(theta), t), s = astype(sin(theta), t);
    const Shape zero(nd, 0), end(nd, indexing::kSliceEnd), one(nd, 1);
    auto last = [&](int64_t b, int64_t e, int64_t step) {
      Shape start = zero, stop = end, steps = one;
      start.back() = b, stop.back() = e, steps.back() = step;
      return slice(x, start, stop, steps);
    };
    const array x1 = traditional_ ? last(0, dims_, 2) : last(0, half, 1);
    const array x2 = traditional_ ? last(1, dims_, 2) : last(half, dims_, 1);
    const array r1 = subtract(multiply(x1, c), multiply(x2, s)), r2 = add(multiply(x1, s), multiply(x2, c));
    Arrays parts = traditional_ ? Arrays{flatten(stack({r1, r2}, -1), -2, -1)} : Arrays{r1, r2};
    if (dims_ < x.shape().back()) parts.push_back(last(dims_, indexing::kSliceEnd, 1));
    return {parts.size() == 1 ? parts[0] : concatenate(parts, -1)};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& x = in[0];
    if (!fast::detail::kernels_enabled() || !fast::detail::kernel_dtype(x.dtype()))
      return fast::detail::adopt(decompose(in), out);
    const Dtype t = x.dtype();
    const int64_t D = x.shape().back(), T = x.shape()[x.ndim() - 2], B = x.shape()[0];
    const int64_t heads = x.size() / (B * T * D);  // the axes between the first and the positions
    const int half = dims_ / 2;
    std::vector<float> inv(half);
    if (has_freqs_) {
      array f = astype(in.back(), float32);
      f.eval();
      const fast::detail::Rows fr(f);
      for (int j = 0; j < half; ++j) inv[j] = 1.0f / static_cast<const float*>(fr.data)[j];
    } else {
      const float k = static_cast<float>(std::log(base_) / half);
      for (int j = 0; j < half; ++j) inv[j] = std::exp(static_cast<float>(-j) * k);
    }
    std::vector<int64_t> offsets(B, offset_);
    if (has_offset_array_) {
      array o = astype(in[1], int64);
      o.eval();
      const fast::detail::Rows orow(o);
      for (int64_t b = 0; b < B; ++b) offsets[b] = static_cast<const int64_t*>(orow.data)[in[1].size() == 1 ? 0 : b];
    }
    array& o = out[0];
    o.alloc();
    const fast::detail::Rows xr(x);
    const size_t sz = size_of(t);
    // One task per (sequence, position): its angles, then every head's row.
    cpu::parallel_for(B * T, heads * D * 4, [&](int64_t begin, int64_t end) {
      std::vector<float> cs(2 * half), row(D), res(D);
      for (int64_t bt = begin; bt < end; ++bt) {
        const int64_t b = bt / T, p = bt % T;
        const float pos = (static_cast<float>(p) + static_cast<float>(offsets[b])) * scale_;
        for (int j = 0; j < half; ++j) cs[j] = std::cos(pos * inv[j]), cs[half + j] = std::sin(pos * inv[j]);
        for (auto& v : cs) v = fast::detail::rounded(v, t);
        for (int64_t h = 0; h < heads; ++h) {
          const int64_t at = ((b * heads + h) * T + p) * D;
          fast::detail::load_f32(static_cast<const char*>(xr.data) + at * sz, t, D, row.data());
          for (int j = 0; j < half; ++j) {
            const int64_t i1 = traditional_ ? 2 * j : j, i2 = traditional_ ? 2 * j + 1 : j + half;
            const float c = cs[j], s = cs[half + j], a = row[i1], bb = row[i2];
            // As the decomposition in the input's dtype: each product rounded, then the sum.
            using fast::detail::rounded;
            res[i1] = rounded(rounded(a * c, t) - rounded(bb * s, t), t);
            res[i2] = rounded(rounded(a * s, t) + rounded(bb * c, t), t);
          }
          for (int64_t j = dims_; j < D; ++j) res[j] = row[j];
          fast::detail::store_f32(res.data(), t, D, static_cast<char*>(o.raw_data()) + at * sz);
        }
      }
    });
  }

 private:
  int dims_;
  bool traditional_;
  float base_, scale_;
  int64_t offset_;
  bool has_offset_array_, has_freqs_;
};
INGOT_REGISTER_PRIMITIVE(RoPE)

namespace fast {

namespace {
array make_rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, int64_t offset,
                const std::optional<array>& offset_array, const std::optional<array>& freqs) {
  if (freqs && base) fail("rope", "only one of base or freqs can have a value.");
  if (!freqs && !base) fail("rope", "neither base nor freqs has a value.");
  Arrays in{x};
  if (offset_array) in.push_back(*offset_array);
  if (freqs) in.push_back(*freqs);
  check_rope(in, dims, offset_array.has_value(), freqs.has_value());
  return make<RoPE>(std::move(in), dims, traditional, base.value_or(1.0f), scale, offset, offset_array.has_value(),
                    freqs.has_value());
}
}  // namespace

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, int offset,
           const std::optional<array>& freqs, StreamOrDevice s) {
  to_stream(s, "rope");
  return make_rope(x, dims, traditional, base, scale, offset, std::nullopt, freqs);
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, const array& offset,
           const std::optional<array>& freqs, StreamOrDevice s) {
  to_stream(s, "rope");
  return make_rope(x, dims, traditional, base, scale, 0, offset, freqs);
}

}  // namespace fast
}  // namespace ingot
