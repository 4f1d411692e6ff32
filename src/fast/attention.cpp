// Scaled dot-product attention. The kernel takes query rows in blocks and keys in tiles, two GEMMs per
// tile and a running maximum and sum per row (online softmax), so no Lq x Lk score matrix is formed; the decomposition is MLX's fallback
// graph, with the causal mask built from the run-time lengths so that it replays at any length.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/layout.h"
#include "core/limits.h"
#include "core/utils.h"
#include "cpu/parallel.h"
#include "cpu/simd.h"
#include "fast/fused.h"
#include "ingot/fast.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

// OpenBLAS on one thread for a scope.
struct SerialBlas {
  int saved = openblas_get_num_threads();
  SerialBlas() { openblas_set_num_threads(1); }
  ~SerialBlas() { openblas_set_num_threads(saved); }
  SerialBlas(const SerialBlas&) = delete;
  SerialBlas& operator=(const SerialBlas&) = delete;
};

enum MaskMode : int { kNoMask = 0, kCausal = 1, kMaskArray = 2 };

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

  // Two products (queries by keys, weights by values) over every query-key pair, and the softmax.
  double cost(const Arrays& in, const std::vector<Shape>& out) const override {
    const Shape &q = in[0].shape(), &k = in[1].shape(), &v = in[2].shape();
    // B * Hq * Lq * Lk, not elements(q) / D: that is 0 / 0 for an empty head dimension, and a NaN passes any limit.
    const double pairs = static_cast<double>(q[0]) * static_cast<double>(q[1]) * static_cast<double>(q[2]) *
                         static_cast<double>(k[2]);
    return pairs * (2.0 * static_cast<double>(q[3]) + 2.0 * static_cast<double>(v[3]) + 8) + detail::elements(out[0]);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::vjp_via([this](const Arrays& a) { return decompose(a); }, in, cot, argnums);
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
    // A boolean mask hides scores behind the lowest finite value, as MLX does.
    if (mask && mask->dtype() == bool_) scores = where(*mask, scores, array(-finite_max(scores.dtype()), scores.dtype()));
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
    // Flash-attention style: the query rows that share a key/value head (group * Lq of them) in blocks
    // of kRows, keys in tiles of kCols; each tile's scores and its product with the values are two
    // GEMMs, with a running maximum and sum per row (online softmax).
    constexpr int64_t kRows = 64, kCols = 128;
    const int64_t rows_per_head = group * Lq, blocks = (rows_per_head + kRows - 1) / kRows;
    const float neg_inf = -std::numeric_limits<float>::infinity();
    const size_t out_sz = size_of(t);
    // The tiles' GEMMs are small and run on the pool's threads: OpenBLAS's own threads would only contend
    // with them. (Evaluation holds the graph lock, so no other of our GEMMs runs meanwhile.)
    const SerialBlas serial;
    cpu::parallel_for(B * Hkv * blocks, kRows * Lk * (D + Dv) * 2, [&](int64_t begin, int64_t end) {
      std::vector<float> qb(kRows * D), sc(kRows * kCols), ob(kRows * Dv), m(kRows), l(kRows), res(Dv);
      std::vector<int64_t> limit(kRows);
      std::vector<char> seen(kRows);
      for (int64_t task = begin; task < end; ++task) {
        const int64_t blk = task % blocks, g = (task / blocks) % Hkv, b = task / (blocks * Hkv);
        const int64_t r0 = blk * kRows, nr = std::min(kRows, rows_per_head - r0);
        const int64_t kv = (b * Hkv + g) * Lk;
        int64_t max_limit = -1;
        for (int64_t r = 0; r < nr; ++r) {
          const int64_t h = g * group + (r0 + r) / Lq, i = (r0 + r) % Lq;
          const float* qi = q.at(((b * Hq + h) * Lq + i) * D);
          for (int64_t d = 0; d < D; ++d) qb[r * D + d] = qi[d] * scale_;
          limit[r] = mode_ == kCausal ? i + Lk - Lq : Lk - 1;  // the last visible key
          max_limit = std::max(max_limit, limit[r]);
          m[r] = neg_inf, l[r] = 0, seen[r] = 0;
        }
        std::fill(ob.begin(), ob.begin() + nr * Dv, 0.0f);
        for (int64_t j0 = 0; j0 <= max_limit && j0 < Lk; j0 += kCols) {
          const int64_t kn = std::min(kCols, Lk - j0);
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(nr), static_cast<int>(kn),
                      static_cast<int>(D), 1.0f, qb.data(), static_cast<int>(D), k.at((kv + j0) * D),
                      static_cast<int>(D), 0.0f, sc.data(), static_cast<int>(kn));
          for (int64_t r = 0; r < nr; ++r) {
            float* s_r = sc.data() + r * kn;
            const int64_t h = g * group + (r0 + r) / Lq, i = (r0 + r) % Lq;
            for (int64_t jj = 0; jj < kn; ++jj) {
              const int64_t j = j0 + jj;
              if (j > limit[r]) {
                s_r[jj] = neg_inf;
              } else if (mode_ == kMaskArray) {
                const int64_t off = b * ms[0] + h * ms[1] + i * ms[2] + j * ms[3];
                if (bool_mask) {
                  if (!static_cast<const bool*>(mask.raw_data())[off]) s_r[jj] = neg_inf;
                } else {
                  s_r[jj] += static_cast<const float*>(mask.raw_data())[off];
                }
              }
            }
            float tile_max = neg_inf;
            for (int64_t jj = 0; jj < kn; ++jj) tile_max = std::max(tile_max, s_r[jj]);
            if (tile_max == neg_inf) {  // nothing visible: this tile adds nothing to the row
              std::fill(s_r, s_r + kn, 0.0f);
              continue;
            }
            seen[r] = 1;
            const float m_new = std::max(m[r], tile_max);
            const float alpha = m[r] == neg_inf ? 0.0f : std::exp(m[r] - m_new);
            for (int64_t jj = 0; jj < kn; ++jj) s_r[jj] -= m_new;
            cpu::unary(cpu::FloatUnary::exp, s_r, s_r, kn);  // hidden keys: exp(-inf) = 0
            float sum = 0;
            for (int64_t jj = 0; jj < kn; ++jj) sum += s_r[jj];
            l[r] = l[r] * alpha + sum;
            for (int64_t d = 0; d < Dv; ++d) ob[r * Dv + d] *= alpha;
            m[r] = m_new;
          }
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(nr), static_cast<int>(Dv),
                      static_cast<int>(kn), 1.0f, sc.data(), static_cast<int>(kn), v.at((kv + j0) * Dv),
                      static_cast<int>(Dv), 1.0f, ob.data(), static_cast<int>(Dv));
        }
        for (int64_t r = 0; r < nr; ++r) {
          const int64_t h = g * group + (r0 + r) / Lq, i = (r0 + r) % Lq;
          if (seen[r]) {
            for (int64_t d = 0; d < Dv; ++d) res[d] = ob[r * Dv + d] / l[r];
          } else if (mode_ == kMaskArray && !bool_mask) {
            // Every score -inf from an additive mask: softmax is 0 / 0, as in the decomposition.
            std::fill(res.begin(), res.end(), std::numeric_limits<float>::quiet_NaN());
          } else {
            // Every key hidden (boolean mask, or causal with Lq > Lk): the decomposition's scores are all
            // the lowest float, and its softmax the uniform average of the values.
            std::fill(res.begin(), res.end(), 0.0f);
            for (int64_t j = 0; j < Lk; ++j)
              for (int64_t d = 0; d < Dv; ++d) res[d] += v.at((kv + j) * Dv)[d];
            for (int64_t d = 0; d < Dv; ++d) res[d] /= static_cast<float>(Lk);
          }
          fast::detail::store_f32(res.data(), t, Dv,
                                  static_cast<char*>(o.raw_data()) + ((b * Hq + h) * Lq + i) * Dv * out_sz);
        }
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
  float scale_;
  int mode_;
};
INGOT_REGISTER_PRIMITIVE(ScaledDotProductAttention)

namespace fast {

array scaled_dot_product_attention(const array& q, const array& k, const array& v, float scale,
                                   const std::string& mask_mode, const std::vector<array>& mask_arrs,
                                   StreamOrDevice s) {
  to_stream(s, "scaled_dot_product_attention");
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
