// MLX's quantization. Affine: packing checked bit by bit against an independent packer and against
// constants produced by MLX itself, round-trip error bounds, and quantized_matmul against a plain
// double loop over the dequantized weights. The floating-point modes (mxfp4, mxfp8, nvfp4): bytes
// against constants produced by MLX, every code decoded against its definition, quantized_matmul and
// its vjp against the dequantized weights, and the primitives' state: version 1 (no mode) upgraded,
// unknown modes refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>

#include "export_test_util.h"
#include "hwy/targets.h"
#include "ingot/ingot.h"
#include "prims/primitive.h"

using namespace ingot;
using ::testing::HasSubstr;

namespace {

std::vector<double> values_of(const array& a) {
  array b = copy(astype(a, float64));
  b.eval();
  return std::vector<double>(b.data<double>(), b.data<double>() + b.size());
}

std::vector<uint32_t> words_of(const array& a) {
  array b = copy(a);
  b.eval();
  return std::vector<uint32_t>(b.data<uint32_t>(), b.data<uint32_t>() + b.size());
}

template <typename T>
uint32_t bits_of(T v) {
  if constexpr (sizeof(T) == 4) return std::bit_cast<uint32_t>(v);
  else return v.bits;
}

array random_array(const Shape& s, double scale, Dtype t, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist(0.0, scale);
  int64_t n = 1;
  for (auto d : s) n *= d;
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(gen);
  array a = astype(array(v, s, float64), t);
  a.eval();
  return a;
}

// Writes each code's bits one at a time at bit position i * bits of its row: the documented layout,
// independently of the library's packer.
std::vector<uint32_t> pack_bitwise(const std::vector<uint32_t>& codes, int64_t rows, int64_t K, int bits) {
  const int64_t words = K * bits / 32;
  std::vector<uint32_t> out(static_cast<size_t>(rows * words), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < K; ++i)
      for (int b = 0; b < bits; ++b) {
        const int64_t pos = i * bits + b;
        if ((codes[r * K + i] >> b) & 1u) out[r * words + pos / 32] |= 1u << (pos % 32);
      }
  return out;
}

// x (M, K) @ W^T with W (N, K), or x @ W with W (K, N), in double.
std::vector<double> ref_matmul(const std::vector<double>& x, const std::vector<double>& w, int64_t M, int64_t N,
                               int64_t K, bool transpose, std::vector<double>* abs_sum = nullptr) {
  std::vector<double> out(static_cast<size_t>(M * N));
  if (abs_sum) abs_sum->assign(out.size(), 0.0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double s = 0, a = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double p = x[m * K + k] * (transpose ? w[n * K + k] : w[k * N + n]);
        s += p, a += std::abs(p);
      }
      out[m * N + n] = s;
      if (abs_sum) (*abs_sum)[m * N + n] = a;
    }
  return out;
}

double unit_roundoff(Dtype t) { return t == float64 ? 1e-15 : t == float32 ? 6e-8 : t == float16 ? 4.9e-4 : 3.9e-3; }

// quantized_matmul(x, w...) against the dequantized weights: |error| within a few roundings of the
// sum of |products| (the accumulation's error bound) plus the rounding of the result, plus, per weight,
// a rounding of scale * q and bias (the kernels fuse or regroup scale * q + bias; where they nearly
// cancel, the weight's error is relative to those terms, not to the weight). ~3 max|w| bounds them.
void check_qmm(const array& x, const array& wq, const array& s, const array& b, int64_t M, int64_t N, int64_t K,
               bool transpose, int gs, int bits) {
  array y = quantized_matmul(x, wq, s, b, transpose, gs, bits);
  const Dtype t = x.dtype();
  ASSERT_EQ(y.dtype(), t);
  const auto got = values_of(y), xv = values_of(x), wv = values_of(dequantize(wq, s, b, gs, bits, float64));
  std::vector<double> abs_sum;
  const auto want = ref_matmul(xv, wv, M, N, K, transpose, &abs_sum);
  ASSERT_EQ(got.size(), want.size());
  double wmax = 0;
  for (double v : wv) wmax = std::max(wmax, std::abs(v));
  // halves: the dequantized weight is computed in float32 by the kernel, rounded to the half by dequantize
  const double u = unit_roundoff(t), wu = t == float16 || t == bfloat16 ? unit_roundoff(t) : 0;
  for (int64_t m = 0; m < M; ++m) {
    double xabs = 0;
    for (int64_t k = 0; k < K; ++k) xabs += std::abs(xv[m * K + k]);
    for (int64_t n = 0; n < N; ++n) {
      const size_t i = static_cast<size_t>(m * N + n);
      const double tol = (4 * u + 2 * wu) * (abs_sum[i] + std::abs(want[i])) + 2 * u * 3 * wmax * xabs + 1e-30;
      ASSERT_NEAR(got[i], want[i], tol) << "at " << i << " M=" << M << " N=" << N << " K=" << K
                                        << " transpose=" << transpose;
    }
  }
}

}  // namespace

// The constants below were produced by MLX 0.32.4 (mlx.core.quantize / quantized_matmul) on these
// inputs; the 4-bit codes are also easy to check by hand: q_i = rint((15.5 - 0.5 i) / 1.0333) gives
// f, f, e, e, d, d, c, c, ... from the low nibble of word 0 up.
TEST(Quantized, PacksExactlyAsMlx) {
  std::vector<float> ramp(32);
  for (int i = 0; i < 32; ++i) ramp[i] = 0.5f * i;
  const array w(ramp, {1, 32});
  {
    auto [q, s, b] = quantize(w, 32, 4);
    EXPECT_EQ(q.shape(), (Shape{1, 4}));
    EXPECT_EQ(words_of(q), (std::vector<uint32_t>{0xccddeeffu, 0x8899aabbu, 0x44556677u, 0x00112233u}));
    EXPECT_EQ(bits_of(s.item<float>()), 3213116484u);  // -1.0333333
    EXPECT_EQ(bits_of(b.item<float>()), 1098383360u);  // 15.5
  }
  {
    auto [q, s, b] = quantize(w, 32, 3);
    EXPECT_EQ(words_of(q), (std::vector<uint32_t>{0x6dbb6dffu, 0x26db924bu, 0x00124a49u}));
    EXPECT_EQ(bits_of(s.item<float>()), 3222124251u);  // -2.2142856
    EXPECT_EQ(bits_of(b.item<float>()), 1098383360u);
  }
  {
    std::vector<float> lin(64);
    for (int i = 0; i < 64; ++i) lin[i] = static_cast<float>(-1.0 + 2.0 * i / 63.0);
    auto [q, s, b] = quantize(array(lin, {1, 64}, float16), 64, 8);
    EXPECT_EQ(s.dtype(), float16);
    const auto words = words_of(q);
    EXPECT_EQ((std::vector<uint32_t>(words.begin(), words.begin() + 4)),
              (std::vector<uint32_t>{0xf2f6fafeu, 0xe2e6eaeeu, 0xd2d6dadeu, 0xc2c6caceu}));
    EXPECT_EQ((std::vector<uint32_t>(words.end() - 2, words.end())), (std::vector<uint32_t>{0x1014181cu, 0x0004080cu}));
    EXPECT_EQ(bits_of(s.item<float16_t>()), 0xa008u);
    EXPECT_EQ(bits_of(b.item<float16_t>()), 0x3c00u);
  }
  {
    std::vector<float> xs;
    for (int i = 0; i < 16; ++i) xs.push_back(1.0f), xs.push_back(-2.0f);
    auto [q, s, b] = quantize(w, 32, 4);
    EXPECT_EQ(quantized_matmul(array(xs, {1, 32}), q, s, b, true, 32, 4).item<float>(), -124.0f);
  }
}

TEST(Quantized, DequantizeReadsTheDocumentedLayout) {
  std::mt19937 gen(5);
  for (int bits : {2, 3, 4, 5, 6, 8})
    for (int gs : {32, 64, 128})
      for (Dtype t : {float32, float16, bfloat16}) {
        SCOPED_TRACE(::testing::Message() << "bits " << bits << " gs " << gs << " " << t);
        const int64_t rows = 3, K = 2 * gs, groups = K / gs;
        std::vector<uint32_t> codes(static_cast<size_t>(rows * K));
        for (auto& c : codes) c = std::uniform_int_distribution<uint32_t>(0, (1u << bits) - 1)(gen);
        const array s = random_array({rows, groups}, 0.1, t, 7), b = random_array({rows, groups}, 1.0, t, 8);
        const array wq(pack_bitwise(codes, rows, K, bits), {rows, K * bits / 32});
        const auto got = values_of(dequantize(wq, s, b, gs, bits));
        const auto sv = values_of(s), bv = values_of(b);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t i = 0; i < K; ++i) {
            const int64_t g = r * groups + i / gs;
            // One rounding to the dtype after the product and one after the sum, as MLX's multiply then add.
            double want;
            if (t == float32) want = static_cast<float>(static_cast<float>(codes[r * K + i] * static_cast<float>(sv[g])) +
                                                        static_cast<float>(bv[g]));
            else {
              const double prod = values_of(astype(array(static_cast<float>(codes[r * K + i] * sv[g])), t))[0];
              want = values_of(astype(array(static_cast<float>(prod + bv[g])), t))[0];
            }
            ASSERT_EQ(got[r * K + i], want) << "row " << r << " value " << i << " code " << codes[r * K + i];
          }
      }
}

TEST(Quantized, RoundTripErrorBound) {
  uint32_t seed = 10;
  for (int bits : {2, 3, 4, 5, 6, 8})
    for (int gs : {32, 64, 128})
      for (Dtype t : {float32, float16, bfloat16}) {
        SCOPED_TRACE(::testing::Message() << "bits " << bits << " gs " << gs << " " << t);
        const array w = random_array({4, 256}, seed % 3 == 0 ? 0.02 : 3.0, t, seed++);
        auto [q, s, b] = quantize(w, gs, bits);
        EXPECT_EQ(q.dtype(), uint32);
        EXPECT_EQ(q.shape(), (Shape{4, 256 * bits / 32}));
        EXPECT_EQ(s.shape(), (Shape{4, 256 / gs}));
        EXPECT_EQ(s.dtype(), t);
        EXPECT_EQ(b.dtype(), t);
        const auto wv = values_of(w), dv = values_of(dequantize(q, s, b, gs, bits)), sv = values_of(s),
                   bv = values_of(b);
        const double u = unit_roundoff(t), levels = (1 << bits) - 1;
        for (size_t i = 0; i < wv.size(); ++i) {
          // MLX makes the group's larger-magnitude end exact (bias = that end, scale = end / round(end /
          // step)); the narrower scale can leave the other end outside the levels bias + scale * [0, 2^bits - 1],
          // by at most one step. Inside, values are within half a step; outside, at the nearest level.
          const double step = std::abs(sv[i / gs]);
          const double lo = std::min(bv[i / gs], bv[i / gs] + sv[i / gs] * levels);
          const double hi = std::max(bv[i / gs], bv[i / gs] + sv[i / gs] * levels);
          const double outside = std::max({0.0, lo - wv[i], wv[i] - hi});
          EXPECT_LE(outside, step * (1 + 1e-3) + 4 * u * std::abs(wv[i]));
          const double rounding = 4 * u * (std::abs(wv[i]) + step * levels);
          ASSERT_NEAR(dv[i], wv[i], (outside > 0 ? outside : 0.5 * step) * (1 + 1e-4) + rounding) << "at " << i;
        }
      }
}

TEST(Quantized, MatmulMatchesDequantizedMatmul) {
  uint32_t seed = 100;
  for (int bits : {2, 3, 4, 5, 6, 8})
    for (int gs : {32, 64, 128})
      for (bool transpose : {true, false}) {
        SCOPED_TRACE(::testing::Message() << "bits " << bits << " gs " << gs << " transpose " << transpose);
        const int64_t K = 256, N = transpose ? 7 : 128;  // odd N: the two-row GEMV's remainder
        const array w = transpose ? random_array({N, K}, 1.0, float32, seed++) : random_array({K, N}, 1.0, float32, seed++);
        auto [q, s, b] = quantize(w, gs, bits);
        for (int64_t M : {1, 3, 6, 20})  // the GEMV kernel (x rows 1 or 4 at a time) and dequantized tiles (20)
          check_qmm(random_array({M, K}, 1.0, float32, seed++), q, s, b, M, N, K, transpose, gs, bits);
      }
}

// The kernels pick their vector width per SIMD target (and full-width vectors spanning several groups
// only when a row splits into whole vectors): every compiled target must agree with the reference.
TEST(Quantized, EverySimdTargetAgrees) {
  uint32_t seed = 200;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    for (int bits : {2, 4, 8})
      for (int gs : {32, 64, 128})
        for (int64_t K : {gs, 4 * gs}) {
          SCOPED_TRACE(::testing::Message() << "bits " << bits << " gs " << gs << " K " << K);
          auto [q, s, b] = quantize(random_array({5, K}, 1.0, float32, seed++), gs, bits);
          for (int64_t M : {1, 5, 20}) check_qmm(random_array({M, K}, 1.0, float32, seed++), q, s, b, M, 5, K, true, gs, bits);
          auto [q2, s2, b2] = quantize(random_array({3, K}, 1.0, float32, seed++), gs, bits);
          check_qmm(random_array({2, 3}, 1.0, float32, seed++), q2, s2, b2, 2, K, 3, false, gs, bits);
        }
  }
  hwy::SetSupportedTargetsForTest(0);
}

TEST(Quantized, MatmulHalvesAndFloat64) {
  uint32_t seed = 300;
  for (Dtype t : {float16, bfloat16, float64})
    for (int bits : {3, 4, 8}) {
      SCOPED_TRACE(::testing::Message() << t << " bits " << bits);
      const int64_t K = 128, N = 9;
      auto [q, s, b] = quantize(random_array({N, K}, 1.0, t, seed++), 64, bits);
      for (int64_t M : {1, 5, 20}) check_qmm(random_array({M, K}, 1.0, t, seed++), q, s, b, M, N, K, true, 64, bits);
      auto [q2, s2, b2] = quantize(random_array({K, 64}, 1.0, t, seed++), 32, bits);
      check_qmm(random_array({2, K}, 1.0, t, seed++), q2, s2, b2, 2, 64, K, false, 32, bits);
    }
  // the dtype follows promotion: float32 x with float16 scales gives float32
  auto [q, s, b] = quantize(random_array({4, 64}, 1.0, float16, 1), 64, 4);
  EXPECT_EQ(quantized_matmul(ones({2, 64}), q, s, b).dtype(), float32);
  EXPECT_EQ(quantized_matmul(ones({2, 64}, int32), q, s, b).dtype(), float16);
}

TEST(Quantized, MatmulBatchShapes) {
  const int64_t K = 64, N = 5;
  auto [q, s, b] = quantize(random_array({N, K}, 1.0, float32, 20), 32, 4);
  const auto wd = values_of(dequantize(q, s, b, 32, 4));
  {  // leading dimensions of x fold into rows; a 1-D x gives a 1-D result
    const array x = random_array({2, 3, K}, 1.0, float32, 21);
    array y = quantized_matmul(x, q, s, b, true, 32, 4);
    EXPECT_EQ(y.shape(), (Shape{2, 3, N}));
    check_qmm(reshape(x, {6, K}), q, s, b, 6, N, K, true, 32, 4);
    const auto flat = values_of(y), rows = values_of(quantized_matmul(reshape(x, {6, K}), q, s, b, true, 32, 4));
    EXPECT_EQ(flat, rows);
    array v = quantized_matmul(random_array({K}, 1.0, float32, 22), q, s, b, true, 32, 4);
    EXPECT_EQ(v.shape(), (Shape{N}));
  }
  {  // batched weights, with x broadcast along the batch
    const array wb = random_array({3, N, K}, 1.0, float32, 23);
    auto [qb, sb, bb] = quantize(wb, 32, 4);
    const array x = random_array({1, 2, K}, 1.0, float32, 24);
    array y = quantized_matmul(x, qb, sb, bb, true, 32, 4);
    EXPECT_EQ(y.shape(), (Shape{3, 2, N}));
    const auto got = values_of(y), xv = values_of(x);
    for (int64_t i = 0; i < 3; ++i) {
      array wi = dequantize(slice(qb, {i, 0, 0}, {i + 1, N, K / 8}), slice(sb, {i, 0, 0}, {i + 1, N, 2}),
                            slice(bb, {i, 0, 0}, {i + 1, N, 2}), 32, 4);
      const auto want = ref_matmul(xv, values_of(wi), 2, N, K, true);
      for (int64_t j = 0; j < 2 * N; ++j) EXPECT_NEAR(got[i * 2 * N + j], want[j], 1e-4) << i << " " << j;
    }
  }
}

TEST(Quantized, NonContiguousInputs) {
  const int64_t K = 128, N = 6;
  auto [q, s, b] = quantize(random_array({2 * N, K}, 1.0, float32, 30), 64, 4);
  // every other row of the packed matrix, scales and biases; x transposed from (K, M)
  const array qs = slice(q, {0, 0}, {2 * N, K / 8}, Shape{2, 1}), ss = slice(s, {0, 0}, {2 * N, 2}, Shape{2, 1}),
              bs = slice(b, {0, 0}, {2 * N, 2}, Shape{2, 1});
  const array x = transpose(random_array({K, 3}, 1.0, float32, 31));
  check_qmm(x, qs, ss, bs, 3, N, K, true, 64, 4);
  check_qmm(x, qs, ss, bs, 3, N, K, true, 64, 4);
  // quantize and dequantize take views too
  const array wt = transpose(random_array({64, 4}, 1.0, float32, 32));
  auto [q1, s1, b1] = quantize(wt, 32, 8);
  auto [q2, s2, b2] = quantize(copy(wt), 32, 8);
  EXPECT_EQ(words_of(q1), words_of(q2));
  EXPECT_EQ(values_of(dequantize(qs, ss, bs, 64, 4)), values_of(dequantize(copy(qs), copy(ss), copy(bs), 64, 4)));
}

TEST(Quantized, ZeroSizes) {
  auto [q, s, b] = quantize(zeros({0, 64}), 64, 4);
  EXPECT_EQ(q.shape(), (Shape{0, 8}));
  EXPECT_EQ(s.shape(), (Shape{0, 1}));
  eval(q, s, b);
  auto [q2, s2, b2] = quantize(random_array({3, 64}, 1.0, float32, 40), 64, 4);
  array y = quantized_matmul(zeros({0, 64}), q2, s2, b2);
  EXPECT_EQ(y.shape(), (Shape{0, 3}));
  y.eval();
  array y2 = quantized_matmul(ones({2, 64}), slice(q2, {0, 0}, {0, 8}), slice(s2, {0, 0}, {0, 1}), slice(b2, {0, 0}, {0, 1}));
  EXPECT_EQ(y2.shape(), (Shape{2, 0}));
  y2.eval();
  // no columns: every product is an empty sum
  array y3 = quantized_matmul(ones({2, 0}), zeros({3, 0}, uint32), zeros({3, 0}), zeros({3, 0}));
  EXPECT_EQ(values_of(y3), std::vector<double>(6, 0.0));
}

TEST(Quantized, Errors) {
  using ingot::testing::error_of;
  const array w = ones({4, 64});
  EXPECT_THAT(error_of([&] { quantize(w, 16, 4); }), HasSubstr("[quantize] the requested group size 16 is not supported"));
  for (int bits : {1, 7, 9})
    EXPECT_THAT(error_of([&] { quantize(w, 64, bits); }), HasSubstr("[quantize] the requested number of bits"));
  EXPECT_THAT(error_of([&] { quantize(ones({4, 48}), 32, 4); }), HasSubstr("[quantize] the last dimension"));
  EXPECT_THAT(error_of([&] { quantize(ones({64}), 32, 4); }), HasSubstr("[quantize] the matrix to be quantized"));
  EXPECT_THAT(error_of([&] { quantize(ones({4, 64}, int32), 32, 4); }), HasSubstr("[quantize] only real floating"));
  auto [q, s, b] = quantize(w, 32, 4);
  EXPECT_THAT(error_of([&] { dequantize(q, s, b, 64, 4); }), HasSubstr("[dequantize] the shapes of the packed matrix"));
  EXPECT_THAT(error_of([&] { dequantize(q, s, b, 32, 8); }), HasSubstr("[dequantize] the shapes of the packed matrix"));
  EXPECT_THAT(error_of([&] { dequantize(q, s, b, 32, 7); }), HasSubstr("[dequantize] the requested number of bits"));
  EXPECT_THAT(error_of([&] { dequantize(astype(q, int32), s, b, 32, 4); }), HasSubstr("[dequantize] the packed matrix must be uint32"));
  EXPECT_THAT(error_of([&] { dequantize(q, s, slice(b, {0, 0}, {4, 1}), 32, 4); }),
              HasSubstr("[dequantize] scales and biases must have the same shape"));
  EXPECT_THAT(error_of([&] { dequantize(q, astype(s, int32), astype(b, int32), 32, 4); }),
              HasSubstr("[dequantize] only real floating types"));
  EXPECT_THAT(error_of([&] { dequantize(q, s, b, 32, 4, int32); }), HasSubstr("[dequantize] only real floating types"));
  EXPECT_THAT(error_of([&] { quantized_matmul(ones({2, 32}), q, s, b, true, 32, 4); }),
              HasSubstr("[quantized_matmul] the last dimension of the first input"));
  EXPECT_THAT(error_of([&] { quantized_matmul(ones({2, 64}), q, s, b, false, 32, 4); }),
              HasSubstr("[quantized_matmul] the last dimension of the first input"));
  EXPECT_THAT(error_of([&] { quantized_matmul(ones({2, 64}), q, s, b, true, 128, 4); }),
              HasSubstr("[quantized_matmul] the shapes of the packed matrix"));
  EXPECT_THAT(error_of([&] { quantized_matmul(ones({2, 64}), q, s, b, true, 32, 0); }),
              HasSubstr("[quantized_matmul] the requested number of bits"));
  EXPECT_THAT(error_of([&] { quantized_matmul(ones({2, 64}), reshape(q, {1, 4, 8}), reshape(s, {1, 4, 2}), b); }),
              HasSubstr("[quantized_matmul] scales and biases must have the same shape"));
  EXPECT_THAT(error_of([&] {
                quantized_matmul(ones({64}), reshape(q, {1, 4, 8}), reshape(s, {1, 4, 2}), reshape(b, {1, 4, 2}), true, 32, 4);
              }),
              HasSubstr("[quantized_matmul] a batched packed matrix"));
  EXPECT_THAT(error_of([&] {
                quantized_matmul(ones({3, 2, 64}), reshape(q, {2, 2, 8}), reshape(s, {2, 2, 2}), reshape(b, {2, 2, 2}), true, 32, 4);
              }),
              HasSubstr("[quantized_matmul]"));
}

// ---- the floating-point modes ----

using ingot::testing::error_of;

namespace {

constexpr auto none = std::nullopt;

template <typename T>
std::vector<T> raw_of(const array& a) {
  array b = copy(a);
  b.eval();
  return std::vector<T>(b.data<T>(), b.data<T>() + b.size());
}

// The row the constants below were computed from: ((i * 37) % 23 - 11) * 0.3 for i < 32.
array fp_ramp_row(Dtype t = float32) {
  std::vector<float> v(32);
  for (int i = 0; i < 32; ++i) v[i] = static_cast<float>((i * 37) % 23 - 11) * 0.3f;
  return astype(array(v, {1, 32}), t);
}

// E4M3 by its definition: bias 7, 3 mantissa bits, exponent 0 subnormal, 0x7F/0xFF NaN.
double e4m3(int c) {
  const int e = (c >> 3) & 15, m = c & 7;
  double v = e == 0 ? m * std::ldexp(1.0, -9) : (8 + m) * std::ldexp(1.0, e - 10);
  if ((c & 127) == 127) v = std::nan("");
  return (c & 128) ? -v : v;
}

const char* const kFpModes[] = {"mxfp4", "mxfp8", "nvfp4"};

}  // namespace

// The constants below were produced by MLX 0.32.4 (mlx.core.quantize) on fp_ramp_row().
TEST(QuantizedFp, PacksExactlyAsMlx) {
  auto check = [](const std::vector<array>& q, std::vector<uint32_t> words, std::vector<uint8_t> scales) {
    ASSERT_EQ(q.size(), 2u);
    EXPECT_EQ(q[0].dtype(), uint32);
    EXPECT_EQ(q[1].dtype(), uint8);
    EXPECT_EQ(raw_of<uint32_t>(q[0]), words);
    EXPECT_EQ(raw_of<uint8_t>(q[1]), scales);
  };
  check(quantize(fp_ramp_row(), none, none, "mxfp4"), {0xb2d94c2d, 0xc15a3d05, 0xd94c15a4, 0x5b2d94c2}, {127});
  check(quantize(fp_ramp_row(float16), none, none, "mxfp4"), {0xb2d94c2d, 0xc15a3d05, 0xd94c15a4, 0x5b2d94c2}, {127});
  check(quantize(fp_ramp_row(), 32, 8, "mxfp8"),
        {0x7af66efd, 0xf472fce2, 0x74fb007b, 0xfa627cf2, 0x6a7dee76, 0xfdea78f8, 0xe27af66e, 0x7bf472fc}, {120});
  check(quantize(fp_ramp_row(), none, none, "nvfp4"), {0xd4f96d3f, 0xe17c5e06, 0xfa6e27b5, 0x6d4f96d3}, {49, 49});
  // A global scale of 0.5 asks for scales past E4M3's largest: they saturate at 448 (0x7E).
  check(quantize(fp_ramp_row(), 16, 4, "nvfp4", array(0.5f)), {0xf7fe7f7f, 0xf67f7f07, 0xff7f77f7, 0x7f7fe7f7},
        {126, 126});
  auto nv = quantize(fp_ramp_row(), none, none, "nvfp4", array(0.5f));
  array d = dequantize(nv[0], nv[1], none, none, none, "nvfp4", array(0.5f));
  EXPECT_EQ(d.dtype(), float32);  // promoted by the float32 global scale, as MLX
  EXPECT_EQ(values_of(d)[4], static_cast<double>(-1.0f / 3.0f));
  auto q4 = quantize(fp_ramp_row(), none, none, "mxfp4");
  std::vector<float> xs(32);
  for (int i = 0; i < 32; ++i) xs[i] = static_cast<float>((i * 13) % 7 - 3) * 0.25f;
  EXPECT_EQ(quantized_matmul(array(xs, {1, 32}), q4[0], q4[1], none, true, none, none, "mxfp4").item<float>(), 3.5f);
}

// Every code of every mode, under every scale byte, decodes to its definition, rounded once to the
// result's dtype.
TEST(QuantizedFp, DequantizeDecodesEveryCode) {
  const double e2m1[16] = {0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6};
  for (const char* mode : kFpModes) {
    SCOPED_TRACE(mode);
    const bool fp8 = std::string(mode) == "mxfp8", nv = std::string(mode) == "nvfp4";
    const int g = nv ? 16 : 32, per_word = fp8 ? 4 : 8;
    // Row r holds codes (r + j) mod 2^bits under scale byte r.
    std::vector<uint32_t> words;
    std::vector<uint8_t> scales;
    for (int r = 0; r < 256; ++r) {
      scales.push_back(static_cast<uint8_t>(r));
      for (int k = 0; k < g / per_word; ++k) {
        uint32_t word = 0;
        for (int j = 0; j < per_word; ++j)
          word |= static_cast<uint32_t>((r + k * per_word + j) % (fp8 ? 256 : 16)) << ((fp8 ? 8 : 4) * j);
        words.push_back(word);
      }
    }
    const array w(words, {256, g / per_word}, uint32), s(scales, {256, 1}, uint8);
    for (Dtype t : {float32, float64, float16}) {
      const auto got = values_of(dequantize(w, s, none, none, none, mode, none, t));
      for (int r = 0; r < 256; ++r) {
        double scale = nv ? e4m3(r) : std::ldexp(1.0, r - 127);
        if (t != float64) scale = values_of(astype(array(static_cast<float>(scale)), t))[0];
        for (int j = 0; j < g; ++j) {
          const int c = (r + j) % (fp8 ? 256 : 16);
          const double want = values_of(astype(array((fp8 ? e4m3(c) : e2m1[c]) * scale, float64), t))[0];
          const double v = got[static_cast<size_t>(r * g + j)];
          if (std::isnan(want)) EXPECT_TRUE(std::isnan(v)) << r << " " << j;
          else EXPECT_EQ(v, want) << dtype_name(t) << " scale " << r << " code " << c;
        }
      }
    }
    // MLX's default result dtype is bfloat16.
    EXPECT_EQ(dequantize(w, s, none, none, none, mode).dtype(), bfloat16);
  }
}

// Quantizing and dequantizing stays within half a step of each value's grid (E2M1's widest gap is 2
// scale units, E4M3's 1/16 of the value), given the scale the group chose.
TEST(QuantizedFp, RoundTripErrorBound) {
  for (const char* mode : kFpModes) {
    SCOPED_TRACE(mode);
    const array w = random_array({8, 64}, 1.0, float32, 3);
    auto q = quantize(w, none, none, mode);
    const auto wv = values_of(w), dv = values_of(dequantize(q[0], q[1], none, none, none, mode, none, float32));
    const int g = std::string(mode) == "nvfp4" ? 16 : 32;
    for (size_t i = 0; i < wv.size(); i += g) {
      double m = 0;
      for (int j = 0; j < g; ++j) m = std::max(m, std::abs(wv[i + j]));
      for (int j = 0; j < g; ++j) {
        const double err = std::abs(wv[i + j] - dv[i + j]);
        if (std::string(mode) == "mxfp8") EXPECT_LE(err, std::abs(wv[i + j]) / 16 + m * 1e-3) << i + j;
        else EXPECT_LE(err, m / 6 * 2 * 1.01) << i + j;  // a power-of-two (or E4M3) scale of at most ~max/6 (x2)
      }
    }
  }
}

// quantized_matmul equals x times the dequantized matrix (float32 sums), in every layout; its vjp with
// respect to x is the product the other way round.
TEST(QuantizedFp, MatmulMatchesDequantizedMatmul) {
  uint32_t seed = 10;
  for (const char* mode : kFpModes) {
    for (bool transpose : {true, false}) {
      SCOPED_TRACE(std::string(mode) + (transpose ? " transposed" : ""));
      const int64_t N = 32, K = 64;
      const array w = random_array(transpose ? Shape{N, K} : Shape{K, N}, 1.0, float32, seed++);
      auto q = quantize(w, none, none, mode);
      const array wd = dequantize(q[0], q[1], none, none, none, mode, none, float32);
      const array wt = transpose ? ingot::transpose(wd) : wd;
      for (int64_t M : {1, 5, 40}) {
        const array x = random_array({M, K}, 1.0, float32, seed++);
        const array y = quantized_matmul(x, q[0], q[1], none, transpose, none, none, mode);
        EXPECT_TRUE(allclose(y, matmul(x, wt), 1e-5, 1e-5));
        auto f = [&](const Arrays& a) {
          return Arrays{quantized_matmul(a[0], q[0], q[1], none, transpose, none, none, mode)};
        };
        const array cot = random_array(y.shape(), 1.0, float32, seed++);
        const array gx = vjp(f, {x}, {cot}).second[0];
        EXPECT_TRUE(allclose(gx, matmul(cot, ingot::transpose(wt)), 1e-5, 1e-5));
      }
      // Halves: the scales round to the half, the sums are float32's, the result rounds once.
      const array xh = random_array({3, K}, 1.0, float16, seed++);
      const array yh = quantized_matmul(xh, q[0], q[1], none, transpose, none, none, mode);
      EXPECT_EQ(yh.dtype(), float16);
      const array ref = matmul(astype(xh, float32), astype(astype(wt, float16), float32));
      EXPECT_TRUE(allclose(astype(yh, float32), ref, 2e-3, 2e-3));
    }
  }
}

TEST(QuantizedFp, RefusesWhatMlxRefuses) {
  const array w = random_array({4, 64}, 1.0, float32, 1);
  auto q = quantize(w, none, none, "mxfp4");
  EXPECT_THAT(error_of([&] { quantize(w, 64, none, "mxfp4"); }),
              HasSubstr("[quantize] mxfp4 quantization requires group size 32 but got 64."));
  EXPECT_THAT(error_of([&] { quantize(w, none, 4, "mxfp8"); }),
              HasSubstr("[quantize] mxfp8 quantization requires bits to be 8 but got 4."));
  EXPECT_THAT(error_of([&] { quantize(w, none, none, "int4"); }), HasSubstr("[quantize] invalid quantization mode 'int4'"));
  EXPECT_THAT(error_of([&] { quantize(w, none, none, "mxfp4", array(1.0f)); }),
              HasSubstr("[quantize] global_scale is only supported by the 'nvfp4' mode"));
  EXPECT_THAT(error_of([&] { quantize(w, none, none, "nvfp4", array(1.0, float64)); }),
              HasSubstr("[quantize] global_scale must be float32"));
  EXPECT_THAT(error_of([&] { dequantize(q[0], q[1], q[1], none, none, "mxfp4"); }),
              HasSubstr("[dequantize] the 'mxfp4' mode has no biases"));
  EXPECT_THAT(error_of([&] { dequantize(q[0], astype(q[1], float32), none, none, none, "mxfp4"); }),
              HasSubstr("[dequantize] the scales of the 'mxfp4' mode must be uint8"));
  EXPECT_THAT(error_of([&] { quantized_matmul(w, q[0], q[1], none, true, none, none, "affine"); }),
              HasSubstr("[quantized_matmul] the 'affine' mode needs biases"));
  EXPECT_THAT(error_of([&] { quantized_matmul(astype(w, int32), q[0], q[1], none, true, none, none, "mxfp4"); }),
              HasSubstr("[quantized_matmul] only real floating types are supported, but x has type int32"));
}

// Files written before the modes existed hold (group_size, bits[, transpose]): they read back as affine.
// A mode name the registry does not know is refused when the node is checked, naming the op.
TEST(QuantizedFp, StateVersionsAndHostileModes) {
  auto from_state = [](const char* name, const auto& state, int version) {
    StateWriter w;
    w.write_all(state);
    StateReader r(w.bytes().data(), w.bytes().size(), name, version);
    return primitive_registry().entries().at(name).factory(r);
  };
  const array w = random_array({2, 64}, 1.0, float32, 5), x = random_array({3, 64}, 1.0, float32, 6);
  auto [q, s, b] = quantize(w, 32, 4);
  auto same_as = [](const std::shared_ptr<Primitive>& p, const array& y) {
    EXPECT_TRUE(p->is_equivalent(*y.node()->primitive)) << p->name();
  };
  same_as(from_state("Quantize", std::tuple(32, 4), 1), q);
  same_as(from_state("QuantizedMatmul", std::tuple(32, 4, true), 1), quantized_matmul(x, q, s, b, true, 32, 4));
  const auto dq = from_state("Dequantize", std::tuple(32, 4), 1);
  EXPECT_EQ(dq->output_dtypes({q, s, b}), (std::vector<Dtype>{float32}));
  EXPECT_EQ(dq->output_shapes({q, s, b}), (std::vector<Shape>{{2, 64}}));
  Arrays out = array::make_outputs(dq, {q, s, b}, {{2, 64}}, {float32});
  EXPECT_TRUE(ingot::testing::same_bits(out[0], dequantize(q, s, b, 32, 4)));

  const auto bad = from_state("Quantize", std::tuple(32, 4, std::string("int3")), 2);
  EXPECT_THAT(error_of([&] { bad->check_inputs({w}); }), HasSubstr("[quantize] invalid quantization mode 'int3'"));
  const auto bad_dq = from_state("Dequantize", std::tuple(32, 4, std::string("fp4"), float32), 2);
  EXPECT_THAT(error_of([&] { bad_dq->check_inputs({q, s, b}); }), HasSubstr("[dequantize] invalid quantization mode"));
  // nvfp4 with a global scale writes float32 or float64 only; a file asking for a half is refused.
  auto nv = quantize(w, none, none, "nvfp4");
  const auto half_out = from_state("Dequantize", std::tuple(16, 4, std::string("nvfp4"), float16), 2);
  EXPECT_NO_THROW(half_out->check_inputs({nv[0], nv[1]}));
  EXPECT_THAT(error_of([&] { half_out->check_inputs({nv[0], nv[1], array(1.0f)}); }), HasSubstr("Dequantize"));
  // The floating-point modes' group size and bits are fixed.
  const auto odd = from_state("QuantizedMatmul", std::tuple(32, 4, true, std::string("nvfp4")), 2);
  EXPECT_THAT(error_of([&] { odd->output_shapes({x, nv[0], nv[1]}); }),
              HasSubstr("[quantized_matmul] nvfp4 quantization requires group size 16 but got 32."));
}
