// ingot::fast: each fused kernel against a plain double-precision reference written here, against its
// own decomposition (kernels switched off), through export and import, and in shapeless replay.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "export_test_util.h"
#include "ingot/fast.h"

using namespace ingot;
using ingot::testing::error_of;
using ingot::testing::numel;
using ingot::testing::Rng;
using ingot::testing::TempDir;
using ingot::testing::vals;
using ::testing::HasSubstr;
using V = std::vector<double>;

namespace {

V random_values(int64_t n, uint64_t seed, double lo = -2.0, double hi = 2.0) {
  Rng r{seed};
  V v(static_cast<size_t>(n));
  for (auto& x : v) x = lo + (hi - lo) * r.next();
  return v;
}

// Values as the dtype holds them (rounded), so references start from what the kernels see.
V held(const V& v, Dtype t) { return vals(array(v, {static_cast<int64_t>(v.size())}, t)); }

// float64 runs the decompositions, whose angles (RoPE) are float32 as in MLX.
double tolerance(Dtype t) { return t == float32 ? 2e-5 : t == float16 ? 4e-3 : t == bfloat16 ? 3e-2 : 1e-6; }

void expect_close(const V& got, const V& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " at " << i;
      continue;
    }
    EXPECT_NEAR(got[i], want[i], tol * (1.0 + std::abs(want[i]))) << what << " at " << i;
  }
}

// Runs f with the fused kernels and with the decompositions; checks both against `want`, and each other.
template <class F>
void check_both_ways(const F& f, const V& want, Dtype t, const std::string& what) {
  const V fused = vals(f());
  const bool was = fast::set_kernels_enabled(false);
  const V decomposed = vals(f());
  fast::set_kernels_enabled(was);
  expect_close(fused, want, tolerance(t), what + " (kernel vs reference)");
  expect_close(decomposed, want, tolerance(t), what + " (decomposition vs reference)");
  expect_close(fused, decomposed, tolerance(t), what + " (kernel vs decomposition)");
}

V ref_rms(const V& x, const V* w, int64_t d, double eps) {
  V out(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < d; ++i) ss += x[r * d + i] * x[r * d + i];
    const double inv = 1.0 / std::sqrt(ss / d + eps);
    for (int64_t i = 0; i < d; ++i) out[r * d + i] = x[r * d + i] * inv * (w ? (*w)[i] : 1.0);
  }
  return out;
}

V ref_layer(const V& x, const V* w, const V* b, int64_t d, double eps) {
  V out(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    double mu = 0, var = 0;
    for (int64_t i = 0; i < d; ++i) mu += x[r * d + i];
    mu /= d;
    for (int64_t i = 0; i < d; ++i) var += (x[r * d + i] - mu) * (x[r * d + i] - mu);
    const double inv = 1.0 / std::sqrt(var / d + eps);
    for (int64_t i = 0; i < d; ++i)
      out[r * d + i] = (x[r * d + i] - mu) * inv * (w ? (*w)[i] : 1.0) + (b ? (*b)[i] : 0.0);
  }
  return out;
}

// x as (B, H, T, D); offsets per b.
V ref_rope(const V& x, const Shape& s, int dims, bool traditional, double base, double scale,
           const std::vector<int64_t>& offsets, const V* freqs) {
  const int64_t B = s[0], D = s.back(), T = s[s.size() - 2], H = numel(s) / (B * T * D);
  V out = x;
  const int half = dims / 2;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t)
        for (int j = 0; j < half; ++j) {
          const double inv = freqs ? 1.0 / (*freqs)[j] : std::pow(base, -2.0 * j / dims);
          const double th = (t + offsets[b]) * scale * inv;
          const int64_t row = ((b * H + h) * T + t) * D;
          const int64_t i1 = traditional ? 2 * j : j, i2 = traditional ? 2 * j + 1 : j + half;
          const double a = x[row + i1], c = x[row + i2];
          out[row + i1] = a * std::cos(th) - c * std::sin(th);
          out[row + i2] = a * std::sin(th) + c * std::cos(th);
        }
  return out;
}

enum class Mask { none, causal, boolean, additive };

// q (B, Hq, Lq, D), k/v (B, Hkv, Lk, D/Dv); mask values m (B, Hq, Lq, Lk) when given.
V ref_sdpa(const V& q, const V& k, const V& v, int64_t B, int64_t Hq, int64_t Hkv, int64_t Lq, int64_t Lk, int64_t D,
           int64_t Dv, double scale, Mask mode, const V& m) {
  V out(static_cast<size_t>(B * Hq * Lq * Dv));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h)
      for (int64_t i = 0; i < Lq; ++i) {
        const int64_t g = h / (Hq / Hkv);
        V s(Lk);
        for (int64_t j = 0; j < Lk; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += q[((b * Hq + h) * Lq + i) * D + d] * k[((b * Hkv + g) * Lk + j) * D + d];
          s[j] = dot * scale;
          const size_t mi = static_cast<size_t>(((b * Hq + h) * Lq + i) * Lk + j);
          if (mode == Mask::causal && j > i + Lk - Lq) s[j] = -3.4028234663852886e38;
          if (mode == Mask::boolean && m[mi] == 0) s[j] = -3.4028234663852886e38;
          if (mode == Mask::additive) s[j] += m[mi];
        }
        const double mx = *std::max_element(s.begin(), s.end());
        double l = 0;
        for (auto& x : s) l += (x = std::exp(x - mx));
        for (int64_t d = 0; d < Dv; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < Lk; ++j) acc += s[j] / l * v[((b * Hkv + g) * Lk + j) * Dv + d];
          out[((b * Hq + h) * Lq + i) * Dv + d] = acc;
        }
      }
  return out;
}

}  // namespace

TEST(Fast, RmsNormMatchesReferenceAndDecomposition) {
  for (Dtype t : {float32, float16, bfloat16, float64}) {
    for (int64_t d : {1, 3, 17, 64, 129}) {
      const Shape s{3, 5, d};
      const V x = held(random_values(numel(s), 1 + d), t), w = held(random_values(d, 2 + d), t);
      const array xa(x, s, t), wa(w, {d}, t);
      const std::string what = std::string(dtype_name(t)) + " d=" + std::to_string(d);
      check_both_ways([&] { return fast::rms_norm(xa, wa, 1e-5f); }, ref_rms(x, &w, d, 1e-5), t, what);
      check_both_ways([&] { return fast::rms_norm(xa, std::nullopt, 1e-5f); }, ref_rms(x, nullptr, d, 1e-5), t, what);
    }
  }
  // The output dtype is the promotion of x's and the weight's; a transposed (non-contiguous) x works.
  const array x(random_values(24, 5), {4, 6}), w16(random_values(4, 6), {4}, float16);
  EXPECT_EQ(fast::rms_norm(astype(transpose(x), float16), astype(w16, float32), 1e-6f).dtype(), float32);
  const array xt = transpose(x);
  const V wv = vals(w16);
  check_both_ways([&] { return fast::rms_norm(xt, w16, 1e-6f); }, ref_rms(vals(xt), &wv, 4, 1e-6), float32,
                  "transposed input, float16 weight");
}

TEST(Fast, LayerNormMatchesReferenceAndDecomposition) {
  for (Dtype t : {float32, float16, bfloat16, float64}) {
    for (int64_t d : {1, 7, 64, 130}) {
      const Shape s{2, 3, d};
      const V x = held(random_values(numel(s), 11 + d, -3, 5), t);
      const V w = held(random_values(d, 12 + d), t), b = held(random_values(d, 13 + d), t);
      const array xa(x, s, t), wa(w, {d}, t), ba(b, {d}, t);
      const std::string what = std::string(dtype_name(t)) + " d=" + std::to_string(d);
      check_both_ways([&] { return fast::layer_norm(xa, wa, ba, 1e-5f); }, ref_layer(x, &w, &b, d, 1e-5), t, what);
      check_both_ways([&] { return fast::layer_norm(xa, std::nullopt, ba, 1e-5f); }, ref_layer(x, nullptr, &b, d, 1e-5),
                      t, what + " bias only");
      check_both_ways([&] { return fast::layer_norm(xa, wa, std::nullopt, 1e-5f); }, ref_layer(x, &w, nullptr, d, 1e-5),
                      t, what + " weight only");
      check_both_ways([&] { return fast::layer_norm(xa, std::nullopt, std::nullopt, 1e-5f); },
                      ref_layer(x, nullptr, nullptr, d, 1e-5), t, what + " plain");
    }
  }
}

TEST(Fast, RopeMatchesReferenceAndDecomposition) {
  for (Dtype t : {float32, float16, bfloat16, float64}) {
    for (bool traditional : {false, true}) {
      for (const Shape& s : {Shape{2, 3, 5, 8}, Shape{1, 7, 12}, Shape{2, 2, 2, 3, 16}}) {
        const int64_t B = s[0], D = s.back();
        const V x = held(random_values(numel(s), 21 + D), t);
        const array xa(x, s, t);
        for (int dims : {static_cast<int>(D), static_cast<int>(D) / 2 - (static_cast<int>(D) / 2) % 2}) {
          if (dims <= 0) continue;
          const std::string what = std::string(dtype_name(t)) + (traditional ? " traditional" : "") + " " +
                                   shape_str(s) + " dims=" + std::to_string(dims);
          check_both_ways([&] { return fast::rope(xa, dims, traditional, 10000.0f, 1.0f, 3); },
                          ref_rope(x, s, dims, traditional, 10000.0, 1.0, std::vector<int64_t>(B, 3), nullptr), t,
                          what + " int offset");
          check_both_ways([&] { return fast::rope(xa, dims, traditional, 500.0f, 0.5f, array(7)); },
                          ref_rope(x, s, dims, traditional, 500.0, 0.5, std::vector<int64_t>(B, 7), nullptr), t,
                          what + " 0-d offset");
          std::vector<int64_t> per(B);
          std::vector<int32_t> per32(B);
          for (int64_t b = 0; b < B; ++b) per[b] = per32[b] = static_cast<int32_t>(5 * b + 1);
          check_both_ways([&] { return fast::rope(xa, dims, traditional, 10000.0f, 1.0f, array(per32, {B})); },
                          ref_rope(x, s, dims, traditional, 10000.0, 1.0, per, nullptr), t, what + " per-batch offset");
          V f(dims / 2);
          for (int j = 0; j < dims / 2; ++j) f[j] = 1.0 + 0.5 * j;
          check_both_ways([&] { return fast::rope(xa, dims, traditional, std::nullopt, 1.0f, 2, array(f, {dims / 2}, float32)); },
                          ref_rope(x, s, dims, traditional, 0, 1.0, std::vector<int64_t>(B, 2), &f), t, what + " freqs");
        }
      }
    }
  }
}

TEST(Fast, AttentionMatchesReferenceAndDecomposition) {
  const int64_t B = 2, D = 16, Dv = 12;
  for (Dtype t : {float32, float16, bfloat16, float64}) {
    for (int64_t ratio : {1, 2, 4}) {
      for (auto [Lq, Lk] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {1, 37}, {5, 5}, {7, 300}, {6, 3}}) {
        for (Mask mode : {Mask::none, Mask::causal, Mask::boolean, Mask::additive}) {
          const int64_t Hkv = 2, Hq = Hkv * ratio;
          const V q = held(random_values(B * Hq * Lq * D, 31 + Lq), t), k = held(random_values(B * Hkv * Lk * D, 32 + Lk), t);
          const V v = held(random_values(B * Hkv * Lk * Dv, 33), t);
          const array qa(q, {B, Hq, Lq, D}, t), ka(k, {B, Hkv, Lk, D}, t), va(v, {B, Hkv, Lk, Dv}, t);
          // Masks broadcast from (Lq, Lk); row 0 of the boolean mask hides every key.
          V m(static_cast<size_t>(B * Hq * Lq * Lk)), small(static_cast<size_t>(Lq * Lk));
          Rng r{static_cast<uint64_t>(41 + Lk)};
          for (int64_t i = 0; i < Lq * Lk; ++i)
            small[i] = mode == Mask::boolean ? (i / Lk == 0 && Lq > 1 ? 0.0 : (r.next() < 0.7 ? 1.0 : 0.0))
                                             : std::round(r.next() * 8 - 4) / 2;
          for (size_t i = 0; i < m.size(); ++i) m[i] = small[i % small.size()];
          std::string mode_str;
          std::vector<array> arrs;
          if (mode == Mask::causal) mode_str = "causal";
          if (mode == Mask::boolean) arrs = {array(small, {Lq, Lk}, bool_)};
          if (mode == Mask::additive) arrs = {array(small, {Lq, Lk}, t)};
          const double scale = 1.0 / std::sqrt(static_cast<double>(D));
          const V want = ref_sdpa(q, k, v, B, Hq, Hkv, Lq, Lk, D, Dv, static_cast<float>(scale), mode, m);
          const std::string what = std::string(dtype_name(t)) + " ratio " + std::to_string(ratio) + " Lq " +
                                   std::to_string(Lq) + " Lk " + std::to_string(Lk) + " mask " +
                                   std::to_string(static_cast<int>(mode));
          check_both_ways([&] { return fast::scaled_dot_product_attention(qa, ka, va, static_cast<float>(scale), mode_str, arrs); },
                          want, t, what);
        }
      }
    }
  }
}

TEST(Fast, ErrorsNameTheOpAndTheProblem) {
  const array x = ones({2, 3, 4}), q = ones({1, 4, 3, 8}), kv = ones({1, 3, 5, 8});
  EXPECT_THAT(error_of([&] { fast::rms_norm(x, ones({3}), 1e-5f); }),
              HasSubstr("[rms_norm] weight and bias must be 1-D with the size of the last axis (4)"));
  EXPECT_THAT(error_of([&] { fast::layer_norm(ones({2}, int32), std::nullopt, std::nullopt, 1e-5f); }),
              HasSubstr("[layer_norm] the input must be of a floating dtype"));
  EXPECT_THAT(error_of([&] { fast::rope(ones({4, 8}), 8, false, 10000.0f, 1.0f, 0); }),
              HasSubstr("[rope] Input must have at least 3 dimensions but got input with 2 dimensions."));
  EXPECT_THAT(error_of([&] { fast::rope(x, 3, false, 10000.0f, 1.0f, 0); }), HasSubstr("[rope] dims must be even but got 3."));
  EXPECT_THAT(error_of([&] { fast::rope(x, 4, false, 10000.0f, 1.0f, array({1, 2, 3})); }),
              HasSubstr("[rope] the offset must be a scalar or a vector with 2 elements"));
  EXPECT_THAT(error_of([&] { fast::rope(x, 4, false, std::nullopt, 1.0f, 0); }), HasSubstr("[rope] neither base nor freqs"));
  EXPECT_THAT(error_of([&] { fast::scaled_dot_product_attention(q, kv, kv, 1.0f); }),
              HasSubstr("must be a multiple of the number of key/value heads (3)"));
  EXPECT_THAT(error_of([&] { fast::scaled_dot_product_attention(q, ones({1, 2, 5, 8}), ones({1, 2, 5, 8}), 1.0f, "sliding"); }),
              HasSubstr("[scaled_dot_product_attention] invalid mask mode 'sliding'"));
  EXPECT_THAT(error_of([&] {
                fast::scaled_dot_product_attention(q, ones({1, 2, 5, 8}), ones({1, 2, 5, 8}), 1.0f, "", {ones({4, 5})});
              }),
              HasSubstr("the mask of shape (4,5) does not broadcast to the scores' shape (1,4,3,5)"));
}

// The file records the fused node; an importer whose kernels are off runs the decomposition, and gets the
// kernel's numbers.
TEST(Fast, FusedNodesSurviveExportAndFallBackToTheirDecomposition) {
  TempDir dir;
  const auto w = array(random_values(16, 51), {16});
  auto block = [w](const Args& a) {
    array h = fast::rms_norm(a[0], w, 1e-5f);
    array q = fast::rope(reshape(h, {1, 2, -1, 8}), 8, false, 10000.0f, 1.0f, a[1]);
    return Args{fast::scaled_dot_product_attention(q, q, q, 0.35f, "causal"), fast::layer_norm(h, w, w, 1e-5f)};
  };
  const array x(random_values(5 * 16, 52), {1, 5, 16}), off = array(3);
  export_function(dir.file("fused.ingot"), block, {x, off});
  auto f = import_function(dir.file("fused.ingot"));
  std::ostringstream dot;
  export_to_dot(dot, f);
  for (const char* name : {"RMSNorm", "RoPE", "ScaledDotProductAttention", "LayerNorm"})
    EXPECT_THAT(dot.str(), HasSubstr(std::string("label=\"") + name)) << name;
  const auto direct = block({x, off});
  const auto fused = f({x, off});
  const bool was = fast::set_kernels_enabled(false);
  const auto fallback = f({x, off});
  fast::set_kernels_enabled(was);
  for (size_t i = 0; i < direct.size(); ++i) {
    expect_close(vals(fused[i]), vals(direct[i]), 1e-6, "imported, kernels");
    expect_close(vals(fallback[i]), vals(direct[i]), 2e-5, "imported, decompositions");
  }
}

// Shapeless: a prefill of any length and a decode step whose position is a 0-d array input.
TEST(Fast, FusedOpsReplayShapeless) {
  TempDir dir;
  const auto w = array(random_values(16, 61), {16});
  auto step = [w](const Args& a) {
    array h = fast::rms_norm(a[0], w, 1e-5f);  // (1, 2, L, 16)
    array q = fast::rope(h, 16, true, 10000.0f, 1.0f, a[2]);
    array kv = fast::rope(a[1], 16, true, 10000.0f, 1.0f, array(0));
    return Args{fast::scaled_dot_product_attention(q, kv, kv, 0.25f, "causal")};
  };
  auto inputs = [](int64_t lq, int64_t lk, int32_t pos) {
    return Args{array(random_values(2 * lq * 16, 70 + lq), {1, 2, lq, 16}), array(random_values(2 * lk * 16, 80 + lk), {1, 2, lk, 16}),
                array(pos)};
  };
  export_function(dir.file("step.ingot"), step, inputs(7, 7, 0), /*shapeless=*/true);
  auto f = import_function(dir.file("step.ingot"));
  for (auto [lq, lk, pos] : std::vector<std::tuple<int64_t, int64_t, int32_t>>{{1, 1, 0}, {1, 50, 49}, {64, 64, 0}, {3, 100, 97}}) {
    const auto in = inputs(lq, lk, pos);
    expect_close(vals(f(in)[0]), vals(step(in)[0]), 1e-6, "length " + std::to_string(lq) + "/" + std::to_string(lk));
  }
}
