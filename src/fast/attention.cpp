// Scaled dot-product attention. The kernel walks each query row's keys in tiles with a running maximum
// and sum (online softmax), so no Lq x Lk score matrix is formed; the decomposition is MLX's fallback
// graph, with the causal mask built from the run-time lengths so that it replays at any length.
#include <cmath>
#include <limits>

#include "core/layout.h"
#include "core/utils.h"
#include "cpu/parallel.h"
#include "fast/fused.h"
#include "ingot/fast.h"
#include "prims/primitive.h"

namespace ingot {

namespace {

enum MaskMode : int { kNoMask = 0, kCausal = 1, kMaskArray = 2 };

// The most negative finite value: what MLX writes into the scores a boolean mask hides.
double lowest(Dtype t) {
  switch (t) {
    case float16: return -65504.0;
    case bfloat16: return -3.3895313892515355e38;
    case float64: return -std::numeric_limits<double>::max();
    default: return -std::numeric_limits<float>::max();
  }
}

void check_attention(const Arrays& in, int mode) {
  const char* op = "scaled_dot_product_attention";
  const array &q = in[0], &k = in[1], &v = in[2];
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4)
    fail(op, "queries, keys and values must be 4-D (B, heads, length, dims), got shapes ", shape_str(q.shape()), ", ",
         shape_str(k.shape()), " and ", shape_str(v.shape()), ".");
  if (!is_floating_point(q.dtype()) || k.dtype() != q.dtype() || v.dtype() != q.dtype())
    fail(op, "queries, keys and values must share one floating dtype, got ", q.dtype(), ", ", k.dtype(), " and ",
         v.dtype(), ".");
  if (k.shape()[0] != q.shape()[0] || v.shape()[0] != q.shape()[0] || v.shape()[1] != k.shape()[1] ||
      v.shape()[2] != k.shape()[2] || k.shape()[3] != q.shape()[3])
    fail(op, "the shapes of queries ", shape_str(q.shape()), ", keys ", shape_str(k.shape()), " and values ",
         shape_str(v.shape()), " do not fit together.");
  if (k.shape()[1] == 0 || q.shape()[1] % k.shape()[1] != 0)
    fail(op, "the number of query heads (", q.shape()[1], ") must be a multiple of the number of key/value heads (",
         k.shape()[1], ").");
  if (mode == kMaskArray) {
    const array& m = in[3];
    const Shape full{q.shape()[0], q.shape()[1], q.shape()[2], k.shape()[2]};
    if (m.dtype() != bool_ && promote_types(m.dtype(), q.dtype()) != q.dtype())
      fail(op, "the mask's dtype ", m.dtype(), " must be bool or promote to the output's ", q.dtype(), ".");
    if (m.ndim() > 4 || !broadcastable_to(m.shape(), full))
      fail(op, "the mask of shape ", shape_str(m.shape()), " does not broadcast to the scores' shape ", shape_str(full),
           ".");
  }
}

}  // namespace

class ScaledDotProductAttention : public PrimitiveBase<ScaledDotProductAttention> {
 public:
  static constexpr const char* kName = "ScaledDotProductAttention";
  static constexpr int kVersion = 1;
  static constexpr bool kMixedDtypes = true;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  ScaledDotProductAttention(float scale, int mask_mode) : scale_(scale), mode_(mask_mode) {}
  auto state() const { return std::tuple(scale_, mode_); }
  void check_inputs(const Arrays& in) const override {
    if (mode_ < kNoMask || mode_ > kMaskArray || in.size() != (mode_ == kMaskArray ? 4u : 3u))
      detail::bad_inputs(*this, "expects queries, keys, values and the mask its state names");
    check_attention(in, mode_);
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_inputs(in);
    return {{in[0].shape()[0], in[0].shape()[1], in[0].shape()[2], in[2].shape()[3]}};
  }

  Arrays decompose(const Arrays& in) const {
    array q = multiply(array(scale_, in[0].dtype()), in[0]), k = in[1], v = in[2];
    const int64_t n_q = q.shape()[1], n_kv = k.shape()[1];
    const bool grouped = n_q != n_kv;
    if (grouped) q = unflatten(q, 1, {n_kv, -1}), k = expand_dims(k, 2), v = expand_dims(v, 2);
    array scores = matmul(q, swapaxes(k, -1, -2));
    std::optional<array> mask;
    if (mode_ == kCausal) {
      // Query i sees keys up to i + Lk - Lq, with both lengths read at run time.
      const array shift = subtract(number_of_elements(in[1], {2}, false, int32), number_of_elements(in[0], {2}, false, int32));
      mask = greater_equal(expand_dims(add(arange_along(in[0], 2, int32), shift), 1), arange_along(in[1], 2, int32));
    } else if (mode_ == kMaskArray) {
      mask = in[3];
      if (grouped && mask->ndim() >= 3)
        mask = mask->shape(-3) == 1 ? expand_dims(*mask, -3) : unflatten(*mask, -3, {n_kv, -1});
    }
    if (mask && mask->dtype() == bool_) scores = where(*mask, scores, array(lowest(scores.dtype()), scores.dtype()));
    else if (mask) scores = add(scores, *mask);
    array out = matmul(softmax(scores, -1, true), v);
    return {grouped ? flatten(out, 1, 2) : out};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const Dtype t = in[0].dtype();
    if (!fast::detail::kernels_enabled() || !fast::detail::kernel_dtype(t)) return fast::detail::adopt(decompose(in), out);
    const int64_t B = in[0].shape()[0], Hq = in[0].shape()[1], Lq = in[0].shape()[2], D = in[0].shape()[3];
    const int64_t Hkv = in[1].shape()[1], Lk = in[1].shape()[2], Dv = in[2].shape()[3], group = Hq / Hkv;
    const Floats q(in[0]), k(in[1]), v(in[2]);
    // The mask as float (additive) or bool, viewed with zero strides along its broadcast axes.
    array mask;
    Strides ms(4, 0);
    const bool bool_mask = mode_ == kMaskArray && in[3].dtype() == bool_;
    if (mode_ == kMaskArray) {
      mask = broadcast_to(bool_mask ? in[3] : astype(in[3], float32), {B, Hq, Lq, Lk});
      mask.eval();
      ms = mask.strides();
    }
    array& o = out[0];
    o.alloc();
    const float neg_inf = -std::numeric_limits<float>::infinity();
    constexpr int64_t kTile = 128;
    cpu::parallel_for(B * Hq * Lq, Lk * (D + Dv) * 2, [&](int64_t begin, int64_t end) {
      std::vector<float> acc(Dv), s(kTile), res(Dv), qs(D);
      for (int64_t row = begin; row < end; ++row) {
        const int64_t i = row % Lq, h = (row / Lq) % Hq, b = row / (Lq * Hq);
        const float* qi = q.at(((b * Hq + h) * Lq + i) * D);
        const int64_t kv = (b * Hkv + h / group) * Lk;
        for (int64_t d = 0; d < D; ++d) qs[d] = qi[d] * scale_;
        // Keys past the causal limit are hidden; a row that sees none averages every value (as softmax
        // over scores that are all the lowest float does in the decomposition).
        int64_t n = Lk;
        bool hide_all = false;
        if (mode_ == kCausal) {
          n = std::min<int64_t>(Lk, i + Lk - Lq + 1);
          if (n <= 0) hide_all = true, n = Lk;
        }
        float m = neg_inf, l = 0;
        std::fill(acc.begin(), acc.end(), 0.0f);
        bool any_visible = false;
        for (int64_t j0 = 0; j0 < n; j0 += kTile) {
          const int64_t tn = std::min(kTile, n - j0);
          float tile_max = neg_inf;
          for (int64_t jj = 0; jj < tn; ++jj) {
            const int64_t j = j0 + jj;
            float sc;
            if (hide_all) {
              sc = 0.0f;  // every key equally: the uniform average
            } else {
              sc = dot(qs.data(), k.at((kv + j) * D), D);
              if (mode_ == kMaskArray) {
                const int64_t off = b * ms[0] + h * ms[1] + i * ms[2] + j * ms[3];
                if (bool_mask) {
                  if (!static_cast<const bool*>(mask.raw_data())[off]) sc = neg_inf;
                } else {
                  sc += static_cast<const float*>(mask.raw_data())[off];
                }
              }
            }
            s[jj] = sc;
            tile_max = std::max(tile_max, sc);
          }
          if (tile_max == neg_inf) continue;  // nothing visible in this tile
          any_visible = true;
          const float m_new = std::max(m, tile_max);
          const float alpha = m == neg_inf ? 0.0f : std::exp(m - m_new);
          l *= alpha;
          for (int64_t d = 0; d < Dv; ++d) acc[d] *= alpha;
          for (int64_t jj = 0; jj < tn; ++jj) {
            const float p = std::exp(s[jj] - m_new);
            l += p;
            const float* vj = v.at((kv + j0 + jj) * Dv);
            for (int64_t d = 0; d < Dv; ++d) acc[d] += p * vj[d];
          }
          m = m_new;
        }
        if (!any_visible && mode_ == kMaskArray && !bool_mask) {
          // Every score -inf from an additive mask: softmax is 0 / 0, as in the decomposition.
          std::fill(res.begin(), res.end(), std::numeric_limits<float>::quiet_NaN());
          fast::detail::store_f32(res.data(), t, Dv, static_cast<char*>(o.raw_data()) + row * Dv * size_of(t));
          continue;
        }
        if (!any_visible) {
          // Every key hidden by a boolean mask: the decomposition's scores are all the lowest float.
          std::fill(acc.begin(), acc.end(), 0.0f);
          for (int64_t j = 0; j < Lk; ++j) {
            const float* vj = v.at((kv + j) * Dv);
            for (int64_t d = 0; d < Dv; ++d) acc[d] += vj[d];
          }
          l = static_cast<float>(Lk);
        }
        for (int64_t d = 0; d < Dv; ++d) res[d] = acc[d] / l;
        fast::detail::store_f32(res.data(), t, Dv, static_cast<char*>(o.raw_data()) + row * Dv * size_of(t));
      }
    });
  }

 private:
  // An array as dense float32 (the data itself when it already is).
  struct Floats {
    explicit Floats(const array& a) {
      fast::detail::Rows r(a);
      if (a.dtype() == float32) {
        p = static_cast<const float*>(r.data);
        keep = r.keep;
        return;
      }
      buf.resize(static_cast<size_t>(a.size()));
      fast::detail::load_f32(r.data, a.dtype(), a.size(), buf.data());
      p = buf.data();
    }
    const float* at(int64_t i) const { return p + i; }
    const float* p;
    array keep;
    std::vector<float> buf;
  };
  static float dot(const float* a, const float* b, int64_t n) {
    float acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
    float s = 0;
    for (; i < n; ++i) s += a[i] * b[i];
    for (float x : acc) s += x;
    return s;
  }
  float scale_;
  int mode_;
};
INGOT_REGISTER_PRIMITIVE(ScaledDotProductAttention)

namespace fast {

array scaled_dot_product_attention(const array& q, const array& k, const array& v, float scale,
                                   const std::string& mask_mode, const std::vector<array>& mask_arrs) {
  const char* op = "scaled_dot_product_attention";
  int mode = kNoMask;
  if (mask_mode == "causal") mode = kCausal;
  else if (mask_mode == "array" || (mask_mode.empty() && !mask_arrs.empty())) mode = kMaskArray;
  else if (!mask_mode.empty()) fail(op, "invalid mask mode '", mask_mode, "'; use '', 'causal' or 'array'.");
  if (mode == kMaskArray && mask_arrs.size() != 1)
    fail(op, "the 'array' mask mode takes exactly one mask array, got ", mask_arrs.size(), ".");
  if (mode == kCausal && !mask_arrs.empty()) fail(op, "the 'causal' mask mode takes no mask array.");
  Arrays in{q, k, v};
  if (mode == kMaskArray) in.push_back(mask_arrs[0]);
  check_attention(in, mode);
  return make<ScaledDotProductAttention>(std::move(in), scale, mode);
}

}  // namespace fast
}  // namespace ingot
