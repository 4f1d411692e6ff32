// MLX's affine quantization. The products with few rows (a GEMV decoding the packed weights on the
// fly) and the dequantization of tiles for BLAS are Highway kernels, compiled once per SIMD target
// (foreach_target.h re-includes this file); the rest is plain code in the HWY_ONCE section.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/quantized.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "cpu/copy.h"
#include "cpu/quantized.h"

HWY_BEFORE_NAMESPACE();
namespace ingot::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Vectors of L words, each lane decoding its own word: at shift s, lane l holds value (w0 + l) * P + s
// of the row (P values per word). Products read x permuted to match (PermuteX), and dequantized
// tiles are written in that order, so the decoding needs no shuffles. L is at most 16.
using FullTag = hn::CappedTag<float, 16>;
constexpr int kFullLanes = static_cast<int>(hn::MaxLanes(FullTag()));

// The lanes when one vector stays within one group (of kGroup * kBits / 32 words).
template <int kBits, int kGroup>
constexpr int group_lanes() {
  return kGroup * kBits / 32 < kFullLanes ? kGroup * kBits / 32 : kFullLanes;
}

// permuted position j <-> natural index: block b = j / (L P), s = (j % (L P)) / L, l = j % L.
template <int kBits, int kLanes>
void PermuteX(const float* x, float* xp, int64_t K) {
  constexpr int P = 32 / kBits;
  for (int64_t w0 = 0; w0 < K / P; w0 += kLanes)
    for (int s = 0; s < P; ++s)
      for (int64_t l = 0; l < kLanes; ++l) xp[w0 * P + s * kLanes + l] = x[(w0 + l) * P + s];
}

// The R consecutive scales of the groups a vector of R groups covers, each repeated over its lanes.
template <int R, class D>
HWY_INLINE hn::Vec<D> ScaleLanes(D d, const float* s) {
#if HWY_TARGET == HWY_SCALAR  // one lane: R is always 1
  return hn::Set(d, s[0]);
#else
  if constexpr (R == 1) {
    return hn::Set(d, s[0]);
  } else {
    const hn::Half<D> dh;
    return hn::Combine(d, ScaleLanes<R / 2>(dh, s + R / 2), ScaleLanes<R / 2>(dh, s));
  }
#endif
}

// out[m, n] = sum over groups g of scale[n, g] * dot(q[n, g], x_m,g) + bias[n, g] * sum(x_m,g), for
// kX rows m of x (permuted, with their group sums): each decoded vector of codes serves every row of x.
template <int kBits, int kGroup, int kLanes, int kX>
void GemvRows(const float* xp, const float* xsum, const uint32_t* w, const float* scales, const float* biases,
              float* out, int64_t ldo, int64_t rows, int64_t K) {
  constexpr int P = 32 / kBits, WG = kGroup / P;
  constexpr int R = kLanes > WG ? kLanes / WG : 1;  // groups per vector
  const hn::CappedTag<float, kLanes> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::RebindToUnsigned<decltype(df)> du;
  using VF = hn::Vec<decltype(df)>;
  const auto mask = hn::Set(du, (1u << kBits) - 1u);
  const int64_t groups = K / kGroup, words = K / P;
  auto run = [&](auto rows_tag, int64_t n) {
    constexpr int kRows = decltype(rows_tag)::value;
    VF t[kRows][kX];
    for (int r = 0; r < kRows; ++r)
      for (int m = 0; m < kX; ++m) t[r][m] = hn::Zero(df);
    for (int64_t g = 0; g < groups; g += R) {
      VF a[kRows][kX];
      for (int r = 0; r < kRows; ++r)
        for (int m = 0; m < kX; ++m) a[r][m] = hn::Zero(df);
      for (int64_t b = 0; b < (R > 1 ? kLanes : WG); b += kLanes) {
        const int64_t word = g * WG + b;
        hn::Vec<decltype(du)> v[kRows];
        for (int r = 0; r < kRows; ++r) v[r] = hn::LoadU(du, w + (n + r) * words + word);
        for (int s = 0; s < P; ++s) {
          VF qf[kRows];
          for (int r = 0; r < kRows; ++r) {
            auto q = hn::ShiftRightSame(v[r], s * kBits);
            if (s + 1 < P) q = hn::And(q, mask);
            qf[r] = hn::ConvertTo(df, hn::BitCast(di, q));
          }
          for (int m = 0; m < kX; ++m) {
            const VF xv = hn::LoadU(df, xp + m * K + word * P + s * kLanes);
            for (int r = 0; r < kRows; ++r) a[r][m] = hn::MulAdd(qf[r], xv, a[r][m]);
          }
        }
      }
      for (int r = 0; r < kRows; ++r) {
        const VF sv = ScaleLanes<R>(df, scales + (n + r) * groups + g);
        for (int m = 0; m < kX; ++m) t[r][m] = hn::MulAdd(a[r][m], sv, t[r][m]);
      }
    }
    for (int r = 0; r < kRows; ++r)
      for (int m = 0; m < kX; ++m) {
        float bsum = 0;
        for (int64_t g = 0; g < groups; ++g) bsum += biases[(n + r) * groups + g] * xsum[m * groups + g];
        out[m * ldo + n + r] = hn::GetLane(hn::SumOfLanes(df, t[r][m])) + bsum;
      }
  };
  // One row of x: weight rows in pairs. Four rows of x already reuse each decoded vector four times,
  // and pairs would need more registers than AVX2 has.
  int64_t n = 0;
  if constexpr (kX == 1)
    for (; n + 2 <= rows; n += 2) run(std::integral_constant<int, 2>(), n);
  for (; n < rows; ++n) run(std::integral_constant<int, 1>(), n);
}

// M rows of x (dense, K apart) against `rows` weight rows; out rows ldo apart. Rows of x go four at a
// time while they last.
template <int kBits, int kGroup, int kLanes>
void GemvTyped(const float* x, int64_t M, const uint32_t* w, const float* scales, const float* biases, float* out,
               int64_t ldo, int64_t rows, int64_t K, float* scratch) {
  const int64_t groups = K / kGroup;
  float* xp = scratch;
  float* xsum = scratch + M * K;
  for (int64_t m = 0; m < M; ++m) {
    PermuteX<kBits, kLanes>(x + m * K, xp + m * K, K);
    for (int64_t g = 0; g < groups; ++g) {
      float s = 0;
      for (int64_t i = 0; i < kGroup; ++i) s += x[m * K + g * kGroup + i];
      xsum[m * groups + g] = s;
    }
  }
  int64_t m = 0;
  for (; m + 4 <= M; m += 4)
    GemvRows<kBits, kGroup, kLanes, 4>(xp + m * K, xsum + m * groups, w, scales, biases, out + m * ldo, ldo, rows, K);
  for (; m < M; ++m)
    GemvRows<kBits, kGroup, kLanes, 1>(xp + m * K, xsum + m * groups, w, scales, biases, out + m * ldo, ldo, rows, K);
}

// Full-width vectors spanning several groups when the row splits into whole vectors, else vectors
// within one group.
template <int kBits, int kGroup>
void GemvDispatch(const float* x, int64_t M, const uint32_t* w, const float* scales, const float* biases, float* out,
                  int64_t ldo, int64_t rows, int64_t K, float* scratch) {
  constexpr int kNarrow = group_lanes<kBits, kGroup>();
  if constexpr (kFullLanes > kNarrow) {
    if ((K / (32 / kBits)) % kFullLanes == 0)
      return GemvTyped<kBits, kGroup, kFullLanes>(x, M, w, scales, biases, out, ldo, rows, K, scratch);
  }
  GemvTyped<kBits, kGroup, kNarrow>(x, M, w, scales, biases, out, ldo, rows, K, scratch);
}

// bits in {2, 4, 8}, group_size in {32, 64, 128}; scratch holds M * (K + K / group_size) floats.
void QGemv(const float* x, int64_t M, const uint32_t* w, const float* scales, const float* biases, float* out,
           int64_t ldo, int64_t rows, int64_t K, int group_size, int bits, float* scratch) {
#define INGOT_QGEMV_CASE(B, G) \
  if (bits == B && group_size == G) return GemvDispatch<B, G>(x, M, w, scales, biases, out, ldo, rows, K, scratch);
  INGOT_QGEMV_CASE(4, 32) INGOT_QGEMV_CASE(4, 64) INGOT_QGEMV_CASE(4, 128)
  INGOT_QGEMV_CASE(8, 32) INGOT_QGEMV_CASE(8, 64) INGOT_QGEMV_CASE(8, 128)
  INGOT_QGEMV_CASE(2, 32) INGOT_QGEMV_CASE(2, 64) INGOT_QGEMV_CASE(2, 128)
#undef INGOT_QGEMV_CASE
}

// Rows of a packed (rows, cols) matrix dequantized (scale * q + bias, one FMA) into dst in the
// permuted column order of group_lanes (QPermutation gives it).
template <int kBits, int kGroup>
void DequantTyped(const uint32_t* w, const float* scales, const float* biases, float* dst, int64_t rows,
                  int64_t cols) {
  constexpr int P = 32 / kBits, WG = kGroup / P, L = group_lanes<kBits, kGroup>();
  const hn::CappedTag<float, L> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::RebindToUnsigned<decltype(df)> du;
  const auto mask = hn::Set(du, (1u << kBits) - 1u);
  const int64_t groups = cols / kGroup, words = cols / P;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const auto sv = hn::Set(df, scales[r * groups + g]), bv = hn::Set(df, biases[r * groups + g]);
      for (int64_t b = 0; b < WG; b += L) {
        const int64_t word = g * WG + b;
        const auto v = hn::LoadU(du, w + r * words + word);
        float* o = dst + r * cols + word * P;
        for (int s = 0; s < P; ++s) {
          auto q = hn::ShiftRightSame(v, s * kBits);
          if (s + 1 < P) q = hn::And(q, mask);
          hn::StoreU(hn::MulAdd(hn::ConvertTo(df, hn::BitCast(di, q)), sv, bv), df, o + s * L);
        }
      }
    }
  }
}

void QDequantPermuted(const uint32_t* w, const float* scales, const float* biases, float* dst, int64_t rows,
                      int64_t cols, int group_size, int bits) {
#define INGOT_QDEQ_CASE(B, G) \
  if (bits == B && group_size == G) return DequantTyped<B, G>(w, scales, biases, dst, rows, cols);
  INGOT_QDEQ_CASE(4, 32) INGOT_QDEQ_CASE(4, 64) INGOT_QDEQ_CASE(4, 128)
  INGOT_QDEQ_CASE(8, 32) INGOT_QDEQ_CASE(8, 64) INGOT_QDEQ_CASE(8, 128)
  INGOT_QDEQ_CASE(2, 32) INGOT_QDEQ_CASE(2, 64) INGOT_QDEQ_CASE(2, 128)
#undef INGOT_QDEQ_CASE
}

// perm[j]: the natural column of permuted position j, for QDequantPermuted's order.
void QPermutation(int64_t cols, int group_size, int bits, int64_t* perm) {
  const int P = 32 / bits;
  const int64_t L = std::min<int64_t>(group_size / P, kFullLanes);
  for (int64_t w0 = 0; w0 < cols / P; w0 += L)
    for (int s = 0; s < P; ++s)
      for (int64_t l = 0; l < L; ++l) perm[w0 * P + s * L + l] = (w0 + l) * P + s;
}

}  // namespace HWY_NAMESPACE
}  // namespace ingot::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ingot::cpu {
HWY_EXPORT(QGemv);
HWY_EXPORT(QDequantPermuted);
HWY_EXPORT(QPermutation);

namespace {

template <typename T>
constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

bool gemv_supported(int bits) { return bits == 2 || bits == 4 || bits == 8; }

// The `count` values of a packed row, as integers.
void unpack(const uint32_t* w, int bits, int64_t count, uint8_t* q) {
  const uint32_t mask = (1u << bits) - 1u;
  if (32 % bits == 0) {
    const int per = 32 / bits;
    for (int64_t j = 0; j < count / per; ++j) {
      uint32_t v = w[j];
      for (int s = 0; s < per; ++s, v >>= bits) q[j * per + s] = static_cast<uint8_t>(v & mask);
    }
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    const int64_t bit = i * bits, word = bit >> 5;
    const int off = static_cast<int>(bit & 31);
    uint64_t v = w[word] >> off;
    if (off + bits > 32) v |= static_cast<uint64_t>(w[word + 1]) << (32 - off);
    q[i] = static_cast<uint8_t>(v & mask);
  }
}

template <typename T>
void quantize_typed(const T* w, uint32_t* out, T* scales, T* biases, int64_t rows, int64_t K, int group_size,
                    int bits) {
  // MLX's CPU kernel step by step, in float32, so that every scale, bias and code matches.
  const float n_bins = static_cast<float>((1 << bits) - 1);
  const float eps = 1e-7f;
  const int64_t groups = rows * (K / group_size);
  const int64_t words_per_group = group_size * bits / 32;
  std::vector<uint32_t> codes(static_cast<size_t>(group_size));
  for (int64_t i = 0; i < groups; ++i) {
    const T* wg = w + i * group_size;
    float w_min = std::numeric_limits<float>::infinity();
    float w_max = -w_min;
    for (int j = 0; j < group_size; ++j) {
      w_max = std::max(w_max, static_cast<float>(wg[j]));
      w_min = std::min(w_min, static_cast<float>(wg[j]));
    }
    const bool mask = std::abs(w_min) > std::abs(w_max);
    float scale = std::max((w_max - w_min) / n_bins, eps);
    scale = mask ? scale : -scale;
    const float edge = mask ? w_min : w_max;
    const float q0 = std::rint(edge / scale);
    float bias = 0;
    if (q0 != 0) {
      scale = edge / q0;
      bias = edge;
    }
    for (int j = 0; j < group_size; ++j) {
      float q = std::rint((static_cast<float>(wg[j]) - bias) / scale);
      q = std::min(std::max(q, 0.0f), n_bins);
      codes[j] = q == q ? static_cast<uint32_t>(q) : 0u;  // NaN (from NaN weights) packs as 0
    }
    // Pack as one little-endian bit stream; groups start on word boundaries (group_size * bits is a
    // multiple of 32).
    uint32_t* o = out + i * words_per_group;
    std::fill(o, o + words_per_group, 0u);
    for (int j = 0; j < group_size; ++j) {
      const int64_t bit = static_cast<int64_t>(j) * bits;
      const int off = static_cast<int>(bit & 31);
      o[bit >> 5] |= codes[j] << off;
      if (off + bits > 32) o[(bit >> 5) + 1] |= codes[j] >> (32 - off);
    }
    scales[i] = static_cast<T>(scale);
    biases[i] = static_cast<T>(bias);
  }
}

// Rounds to T after each operation, as MLX's multiply-then-add in T does.
template <typename T>
void dequantize_typed(const uint32_t* w, const T* scales, const T* biases, T* out, int64_t rows, int64_t K,
                      int group_size, int bits) {
  const int64_t words = K * bits / 32, groups = K / group_size;
  std::vector<uint8_t> q(static_cast<size_t>(K));
  for (int64_t r = 0; r < rows; ++r) {
    unpack(w + r * words, bits, K, q.data());
    T* o = out + r * K;
    for (int64_t g = 0; g < groups; ++g) {
      const T s = scales[r * groups + g], b = biases[r * groups + g];
      for (int64_t j = g * group_size; j < (g + 1) * group_size; ++j) {
        if constexpr (is_half_v<T>) o[j] = T(static_cast<float>(T(q[j] * static_cast<float>(s))) + static_cast<float>(b));
        else {
          const T prod = static_cast<T>(q[j]) * s;
          o[j] = prod + b;
        }
      }
    }
  }
}

// Rows r0..r1 of a packed (rows, cols) matrix, dequantized into dst (r1 - r0, cols) in the compute type A.
template <typename T, typename A>
void dequantize_rows(const uint32_t* w, const T* scales, const T* biases, int64_t r0, int64_t r1, int64_t cols,
                     int group_size, int bits, A* dst, std::vector<uint8_t>& q) {
  const int64_t words = cols * bits / 32, groups = cols / group_size;
  q.resize(static_cast<size_t>(cols));
  for (int64_t r = r0; r < r1; ++r) {
    unpack(w + r * words, bits, cols, q.data());
    A* o = dst + (r - r0) * cols;
    for (int64_t g = 0; g < groups; ++g) {
      const A s = static_cast<A>(static_cast<float>(scales[r * groups + g]));
      const A b = static_cast<A>(static_cast<float>(biases[r * groups + g]));
      if constexpr (std::is_same_v<T, double>) {
        const double sd = scales[r * groups + g], bd = biases[r * groups + g];
        for (int64_t j = g * group_size; j < (g + 1) * group_size; ++j) o[j] = sd * q[j] + bd;
      } else {
        for (int64_t j = g * group_size; j < (g + 1) * group_size; ++j) o[j] = s * static_cast<A>(q[j]) + b;
      }
    }
  }
}

void gemm(bool tb, int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb,
          float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K), 1.0f, a, int(lda),
              b, int(ldb), beta, c, int(ldc));
}
void gemm(bool tb, int64_t M, int64_t N, int64_t K, const double* a, int64_t lda, const double* b, int64_t ldb,
          double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K), 1.0, a, int(lda),
              b, int(ldb), beta, c, int(ldc));
}

// Up to this many rows of x, the GEMV kernel (weights decoded on the fly, once per four rows of x)
// beats dequantizing tiles for BLAS.
constexpr int64_t kGemvMaxRows = 16;
// Bytes of dequantized weights per tile.
constexpr size_t kTileBytes = size_t{2} << 20;

// x (M, K) @ W^T (transpose: W is (N, K)) or x @ W (W is (K, N)), W produced a tile of rows at a time
// by decode(r0, r1, buf) in the compute type A and multiplied by BLAS; all pointers dense. `perm`
// (empty, or one entry per column of W): the columns of the decoded tiles come in this order, so x's
// columns (transpose) or the result's (otherwise) are permuted the same way, which leaves the product
// unchanged.
template <typename T, typename A, typename Decode>
void tiled_qmm(const T* x, T* out, int64_t M, int64_t N, int64_t K, bool transpose, const std::vector<int64_t>& perm,
               Decode&& decode) {
  if (M > INT_MAX || N > INT_MAX || K > INT_MAX)
    throw std::invalid_argument("[quantized_matmul] matrix dimensions above 2147483647 are not supported.");
  const int64_t cols = transpose ? K : N, rows = transpose ? N : K;
  const int64_t tile = std::min<int64_t>(std::max<int64_t>(static_cast<int64_t>(kTileBytes / (sizeof(A) * cols)), 16), rows);
  std::vector<A> buf(static_cast<size_t>(tile * cols));
  const bool permuted = !perm.empty();
  std::vector<A> xa, oa;
  const A* xp;
  if (permuted && transpose) {
    xa.resize(static_cast<size_t>(M * K));
    for (int64_t m = 0; m < M; ++m)
      for (int64_t j = 0; j < K; ++j) xa[m * K + j] = static_cast<A>(static_cast<float>(x[m * K + perm[j]]));
    xp = xa.data();
  } else if constexpr (std::is_same_v<T, A>) {
    xp = x;
  } else {
    xa.resize(static_cast<size_t>(M * K));
    convert(x, dtype_of<T>(), xa.data(), float32, M * K);
    xp = xa.data();
  }
  A* op;
  const bool out_buffer = !std::is_same_v<T, A> || (permuted && !transpose);
  if (out_buffer) oa.resize(static_cast<size_t>(M * N)), op = oa.data();
  else op = reinterpret_cast<A*>(out);  // T is A here
  for (int64_t r0 = 0; r0 < rows; r0 += tile) {
    const int64_t r1 = std::min(rows, r0 + tile);
    decode(r0, r1, buf.data());
    if (transpose) gemm(true, M, r1 - r0, K, xp, K, buf.data(), K, A(0), op + r0, N);  // out[:, r0:r1]
    else gemm(false, M, N, r1 - r0, xp + r0, K, buf.data(), N, r0 == 0 ? A(0) : A(1), op, N);  // out += x[:, r0:r1] @ tile
  }
  if (permuted && !transpose) {
    for (int64_t m = 0; m < M; ++m)
      for (int64_t j = 0; j < N; ++j) out[m * N + perm[j]] = static_cast<T>(op[m * N + j]);
  } else if constexpr (!std::is_same_v<T, A>) {
    convert(oa.data(), float32, out, dtype_of<T>(), M * N);
  }
}

template <typename T>
using compute_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

// One affine product with the packed matrix (M, N, K > 0); all pointers dense.
template <typename T>
void qmm_2d(const T* x, const uint32_t* w, const T* scales, const T* biases, T* out, int64_t M, int64_t N, int64_t K,
            int group_size, int bits, bool transpose) {
  using A = compute_t<T>;
  if constexpr (!std::is_same_v<T, double>) {
    if (transpose && gemv_supported(bits) && M <= kGemvMaxRows) {
      const int64_t groups = K / group_size, words = K * bits / 32;
      std::vector<float> scratch(static_cast<size_t>(M * (K + groups))), xf, of, sf, bf;
      const float* xr;
      float* o;
      if constexpr (std::is_same_v<T, float>) xr = x, o = out;
      else {
        xf.resize(static_cast<size_t>(M * K)), of.resize(static_cast<size_t>(M * N));
        convert(x, dtype_of<T>(), xf.data(), float32, M * K);
        xr = xf.data(), o = of.data();
      }
      // Halves: scales and biases widened a chunk of weight rows at a time.
      const int64_t chunk = std::is_same_v<T, float> ? N : 256;
      for (int64_t n0 = 0; n0 < N; n0 += chunk) {
        const int64_t rows = std::min(chunk, N - n0);
        const float *s, *b;
        if constexpr (std::is_same_v<T, float>) s = scales + n0 * groups, b = biases + n0 * groups;
        else {
          sf.resize(static_cast<size_t>(rows * groups)), bf.resize(sf.size());
          convert(scales + n0 * groups, dtype_of<T>(), sf.data(), float32, rows * groups);
          convert(biases + n0 * groups, dtype_of<T>(), bf.data(), float32, rows * groups);
          s = sf.data(), b = bf.data();
        }
        HWY_DYNAMIC_DISPATCH(QGemv)(xr, M, w + n0 * words, s, b, o + n0, N, rows, K, group_size, bits, scratch.data());
      }
      if constexpr (!std::is_same_v<T, float>) convert(of.data(), float32, out, dtype_of<T>(), M * N);
      return;
    }
  }

  // Tiles of the weight matrix dequantized into the compute type feed BLAS. In float32 with 2, 4 or 8
  // bits the SIMD kernel dequantizes them with their columns in its decoding order.
  const int64_t cols = transpose ? K : N, groups = cols / group_size, words = cols * bits / 32;
  const bool permuted = std::is_same_v<A, float> && gemv_supported(bits);
  std::vector<int64_t> perm;
  if (permuted) perm.resize(static_cast<size_t>(cols)), HWY_DYNAMIC_DISPATCH(QPermutation)(cols, group_size, bits, perm.data());
  std::vector<float> sf, bf;
  std::vector<uint8_t> q;
  tiled_qmm<T, A>(x, out, M, N, K, transpose, perm, [&](int64_t r0, int64_t r1, A* buf) {
    if (!permuted) return dequantize_rows<T, A>(w, scales, biases, r0, r1, cols, group_size, bits, buf, q);
    const float *s, *b;
    if constexpr (std::is_same_v<T, float>) s = scales + r0 * groups, b = biases + r0 * groups;
    else {
      sf.resize(static_cast<size_t>((r1 - r0) * groups)), bf.resize(sf.size());
      convert(scales + r0 * groups, dtype_of<T>(), sf.data(), float32, (r1 - r0) * groups);
      convert(biases + r0 * groups, dtype_of<T>(), bf.data(), float32, (r1 - r0) * groups);
      s = sf.data(), b = bf.data();
    }
    if constexpr (std::is_same_v<A, float>)
      HWY_DYNAMIC_DISPATCH(QDequantPermuted)(w + r0 * words, s, b, buf, r1 - r0, cols, group_size, bits);
  });
}

// Element offsets of each batch entry of `a` (whose last two dimensions are dense), for a batch of
// `count` entries in row-major order.
std::vector<int64_t> batch_offsets(const array& a, int64_t count) {
  std::vector<int64_t> offs(static_cast<size_t>(count));
  const int nb = a.ndim() - 2;
  std::vector<int64_t> idx(static_cast<size_t>(std::max(nb, 0)), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < count; ++i) {
    offs[static_cast<size_t>(i)] = off;
    for (int d = nb - 1; d >= 0; --d) {
      if (++idx[d] < a.shape(d)) {
        off += a.strides()[d];
        break;
      }
      off -= a.strides()[d] * (a.shape(d) - 1);
      idx[d] = 0;
    }
  }
  return offs;
}

// `a` itself when its last two dimensions are row-major dense, else a row-major copy.
array dense_matrices(const array& a) {
  const int n = a.ndim();
  if (n >= 2 && (a.shape(-1) <= 1 || a.strides()[n - 1] == 1) &&
      (a.shape(-2) <= 1 || a.strides()[n - 2] == a.shape(-1)))
    return a;
  return contiguous(a);
}

}  // namespace

void quantize(const array& w, array& wq, array& scales, array& biases, int group_size, int bits) {
  wq.alloc(), scales.alloc(), biases.alloc();
  const int64_t K = w.shape(-1), rows = K == 0 ? 0 : w.size() / K;
  dispatch_dtype(w.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (is_half_v<T> || std::is_floating_point_v<T>)
      quantize_typed<T>(w.data<T>(), wq.data<uint32_t>(), scales.data<T>(), biases.data<T>(), rows, K, group_size,
                        bits);
    else throw std::invalid_argument("[quantize] only floating point types can be quantized.");
  });
}

void dequantize(const array& wq, const array& scales, const array& biases, array& out, int group_size, int bits) {
  out.alloc();
  const int64_t K = out.shape(-1), rows = K == 0 ? 0 : out.size() / K;
  dispatch_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (is_half_v<T> || std::is_floating_point_v<T>)
      dequantize_typed<T>(wq.data<uint32_t>(), scales.data<T>(), biases.data<T>(), out.data<T>(), rows, K, group_size,
                          bits);
    else throw std::invalid_argument("[dequantize] only floating point types are supported.");
  });
}

void quantized_matmul(const array& x_in, const array& w_in, const array& s_in, const array& b_in, array& out,
                      int group_size, int bits, bool transpose, QuantMode mode) {
  out.alloc();
  if (out.size() == 0) return;
  const int64_t N = out.shape(-1), K = x_in.shape(-1);
  if (K == 0) return static_cast<void>(std::memset(out.raw_data(), 0, out.nbytes()));  // zero bits are +0.0
  const bool batched = w_in.ndim() > 2, affine = mode == QuantMode::affine;
  array x = batched ? dense_matrices(x_in) : contiguous(x_in);
  array w = dense_matrices(w_in), s = dense_matrices(s_in), b = affine ? dense_matrices(b_in) : s;
  // Without batch dimensions every leading dimension of x folds into the rows.
  const int64_t M = batched ? x.shape(-2) : out.size() / N;
  const int64_t count = batched ? out.size() / (M * N) : 1;
  std::vector<int64_t> xo{0}, wo{0}, so{0}, bo{0};
  if (batched) xo = batch_offsets(x, count), wo = batch_offsets(w, count), so = batch_offsets(s, count),
               bo = batch_offsets(b, count);
  dispatch_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (is_half_v<T> || std::is_floating_point_v<T>) {
      using A = compute_t<T>;
      for (int64_t i = 0; i < count; ++i) {
        const T* xi = x.data<T>() + xo[i];
        const uint32_t* wi = w.data<uint32_t>() + wo[i];
        T* oi = out.data<T>() + i * M * N;
        if (affine) {
          qmm_2d<T>(xi, wi, s.data<T>() + so[i], b.data<T>() + bo[i], oi, M, N, K, group_size, bits, transpose);
        } else {
          const uint8_t* si = s.data<uint8_t>() + so[i];
          const int64_t cols = transpose ? K : N;
          tiled_qmm<T, A>(xi, oi, M, N, K, transpose, {}, [&](int64_t r0, int64_t r1, A* buf) {
            fp_decode_rows<A>(wi, si, r0, r1, cols, mode, out.dtype(), buf);
          });
        }
      }
    } else {
      throw std::invalid_argument("[quantized_matmul] only floating point types are supported.");
    }
  });
}

}  // namespace ingot::cpu
#endif  // HWY_ONCE
