#include "cpu/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpu/copy.h"

namespace ingot::cpu {

namespace {

// OpenBLAS takes 32-bit dimensions, leading dimensions and increments.
constexpr int64_t kBlasMax = INT_MAX;

// Calls f(a_offset, b_offset, n) for each batch entry n in row-major order.
template <class F>
void for_each_batch(const Shape& batch, const Strides& as, const Strides& bs, F&& f) {
  int64_t count = 1;
  for (int64_t d : batch) count *= d;
  const int nd = static_cast<int>(batch.size());
  std::vector<int64_t> idx(nd, 0);
  int64_t ao = 0, bo = 0;
  for (int64_t n = 0; n < count; ++n) {
    f(ao, bo, n);
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < batch[d]) {
        ao += as[d], bo += bs[d];
        break;
      }
      ao -= as[d] * (batch[d] - 1), bo -= bs[d] * (batch[d] - 1);
      idx[d] = 0;
    }
  }
}

// A rows x cols strided matrix copied to dense row-major.
template <typename T>
void gather(const T* src, int64_t rows, int64_t cols, int64_t rs, int64_t cs, T* dst) {
  for (int64_t i = 0; i < rows; ++i) {
    const T* s = src + i * rs;
    T* d = dst + i * cols;
    if (cs == 1) std::memcpy(d, s, static_cast<size_t>(cols) * sizeof(T));
    else
      for (int64_t j = 0; j < cols; ++j) d[j] = s[j * cs];
  }
}

// The same, widening float16/bfloat16 to float32.
void gather_to_f32(const void* src, Dtype t, int64_t rows, int64_t cols, int64_t rs, int64_t cs, float* dst) {
  const auto* s16 = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < rows; ++i) {
    const uint16_t* s = s16 + i * rs;
    float* d = dst + i * cols;
    if (cs == 1) convert(s, t, d, float32, cols);
    else if (t == float16)
      for (int64_t j = 0; j < cols; ++j) d[j] = float16_t::to_float(s[j * cs]);
    else
      for (int64_t j = 0; j < cols; ++j) d[j] = std::bit_cast<float>(static_cast<uint32_t>(s[j * cs]) << 16);
  }
}

// A dense copy made at most once per distinct source matrix (broadcast operands repeat the same one).
template <typename T>
struct Gathered {
  std::unique_ptr<T[]> buf;  // not a vector: vector<bool> has no data()
  size_t capacity = 0;
  const void* from = nullptr;
  const T* get(const T* src, int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
    if (src != from) {
      const auto n = static_cast<size_t>(rows * cols);
      if (n > capacity) buf = std::make_unique<T[]>(capacity = n);
      gather(src, rows, cols, rs, cs, buf.get());
      from = src;
    }
    return buf.get();
  }
};

void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* a, int64_t lda,
               const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
              alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}
void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* a, int64_t lda,
               const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
              alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}
// y = alpha * op(A) x + beta * y with A a rows x cols row-major matrix.
void blas_gemv(bool trans, int64_t rows, int64_t cols, float alpha, const float* a, int64_t lda, const float* x,
               int64_t incx, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, int(rows), int(cols), alpha, a, int(lda), x, int(incx),
              beta, y, 1);
}
void blas_gemv(bool trans, int64_t rows, int64_t cols, double alpha, const double* a, int64_t lda, const double* x,
               int64_t incx, double beta, double* y) {
  cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, int(rows), int(cols), alpha, a, int(lda), x, int(incx),
              beta, y, 1);
}

// How BLAS can read a rows x cols strided matrix: as stored (row-major with leading dimension ld), as the
// transpose of a row-major cols x rows matrix, or not at all (gather it first).
struct Layout {
  bool ok, trans;
  int64_t ld;
};
Layout blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  if ((cols == 1 || cs == 1) && (rows == 1 || (rs >= cols && rs <= kBlasMax)))
    return {true, false, rows == 1 ? cols : rs};
  if ((rows == 1 || rs == 1) && (cols == 1 || (cs >= rows && cs <= kBlasMax)))
    return {true, true, cols == 1 ? rows : cs};
  return {false, false, cols};
}

// One product through BLAS; dimensions are all >= 1 and fit in int.
template <typename T>
void blas_matmul(int64_t M, int64_t N, int64_t K, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs,
                 int64_t bcs, T* c, T alpha, T beta, Gathered<T>& ga, Gathered<T>& gb) {
  // A single row or column is a GEMV: OpenBLAS's gemm with one row repacks the whole other matrix.
  if (M == 1 || N == 1) {
    const bool row = M == 1;
    const T* x = row ? a : b;
    int64_t incx = K == 1 ? 1 : (row ? acs : brs);
    if (incx < 1 || incx > kBlasMax) {
      x = row ? ga.get(a, 1, K, 0, acs) : gb.get(b, K, 1, brs, 0);
      incx = 1;
    }
    const T* m = row ? b : a;
    const int64_t rows = row ? K : M, cols = row ? N : K;
    const int64_t rs = row ? brs : ars, cs = row ? bcs : acs;
    Layout l = blas_layout(rows, cols, rs, cs);
    if (!l.ok) m = row ? gb.get(b, rows, cols, rs, cs) : ga.get(a, rows, cols, rs, cs);
    // y = x @ B is B^T x; y = A x is A x. A transposed layout stores the matrix the other way round.
    if (!l.trans) blas_gemv(row, rows, cols, alpha, m, l.ld, x, incx, beta, c);
    else blas_gemv(!row, cols, rows, alpha, m, l.ld, x, incx, beta, c);
    return;
  }
  Layout la = blas_layout(M, K, ars, acs), lb = blas_layout(K, N, brs, bcs);
  if (!la.ok) a = ga.get(a, M, K, ars, acs);
  if (!lb.ok) b = gb.get(b, K, N, brs, bcs);
  blas_gemm(la.trans, lb.trans, M, N, K, alpha, a, la.ld, b, lb.ld, beta, c, N);
}

template <typename T>
void float_matmul(const Shape& batch, int64_t M, int64_t N, int64_t K, const MatrixBatch& a, const MatrixBatch& b,
                  T* out, float alpha, float beta) {
  Gathered<T> ga, gb;
  const T* ad = static_cast<const T*>(a.data);
  const T* bd = static_cast<const T*>(b.data);
  for_each_batch(batch, a.batch_strides, b.batch_strides, [&](int64_t ao, int64_t bo, int64_t n) {
    blas_matmul<T>(M, N, K, ad + ao, a.row_stride, a.col_stride, bd + bo, b.row_stride, b.col_stride,
                   out + n * M * N, T(alpha), T(beta), ga, gb);
  });
}

// float16/bfloat16: each matrix widened to float32 once, multiplied there, the result narrowed.
void half_matmul(Dtype t, const Shape& batch, int64_t M, int64_t N, int64_t K, const MatrixBatch& a,
                 const MatrixBatch& b, void* out, float alpha, float beta) {
  std::vector<float> af(static_cast<size_t>(M * K)), bf(static_cast<size_t>(K * N)), cf(static_cast<size_t>(M * N));
  const void *a_from = nullptr, *b_from = nullptr;
  Gathered<float> ga, gb;  // unused: the widened copies are dense
  const auto* ad = static_cast<const uint16_t*>(a.data);
  const auto* bd = static_cast<const uint16_t*>(b.data);
  for_each_batch(batch, a.batch_strides, b.batch_strides, [&](int64_t ao, int64_t bo, int64_t n) {
    if (ad + ao != a_from) gather_to_f32(a_from = ad + ao, t, M, K, a.row_stride, a.col_stride, af.data());
    if (bd + bo != b_from) gather_to_f32(b_from = bd + bo, t, K, N, b.row_stride, b.col_stride, bf.data());
    void* o = static_cast<uint16_t*>(out) + n * M * N;
    if (beta != 0) convert(o, t, cf.data(), float32, M * N);
    blas_matmul<float>(M, N, K, af.data(), K, 1, bf.data(), N, 1, cf.data(), alpha, beta, ga, gb);
    convert(cf.data(), float32, o, t, M * N);
  });
}

// Integer products wrap, as numpy's: computed in an unsigned type at least as wide as unsigned int
// (narrower types would be promoted to signed int, whose overflow is undefined). The i-k-j order
// makes the innermost loop a contiguous axpy the compiler vectorizes.
template <typename T>
void int_matmul_one(int64_t M, int64_t N, int64_t K, const T* a, int64_t ars, int64_t acs, const T* b, int64_t ldb,
                    T* c) {
  if constexpr (std::is_same_v<T, bool>) {
    for (int64_t i = 0; i < M; ++i) {
      auto* cr = reinterpret_cast<uint8_t*>(c + i * N);
      std::fill(cr, cr + N, uint8_t{0});
      for (int64_t k = 0; k < K; ++k) {
        if (!a[i * ars + k * acs]) continue;
        const auto* br = reinterpret_cast<const uint8_t*>(b + k * ldb);
        for (int64_t j = 0; j < N; ++j) cr[j] |= br[j];
      }
    }
  } else {
    using U = std::make_unsigned_t<T>;
    using W = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
    for (int64_t i = 0; i < M; ++i) {
      U* cr = reinterpret_cast<U*>(c + i * N);
      std::fill(cr, cr + N, U{0});
      for (int64_t k = 0; k < K; ++k) {
        const W av = static_cast<W>(static_cast<U>(a[i * ars + k * acs]));
        if (av == 0) continue;
        const U* br = reinterpret_cast<const U*>(b + k * ldb);
        for (int64_t j = 0; j < N; ++j) cr[j] = static_cast<U>(cr[j] + av * static_cast<W>(br[j]));
      }
    }
  }
}

template <typename T>
void int_matmul(const Shape& batch, int64_t M, int64_t N, int64_t K, const MatrixBatch& a, const MatrixBatch& b,
                T* out) {
  Gathered<T> gb;
  const T* ad = static_cast<const T*>(a.data);
  const T* bd = static_cast<const T*>(b.data);
  const bool b_rows_dense = N == 1 || b.col_stride == 1;
  for_each_batch(batch, a.batch_strides, b.batch_strides, [&](int64_t ao, int64_t bo, int64_t n) {
    const T* bm = bd + bo;
    int64_t ldb = b.row_stride;
    if (!b_rows_dense) bm = gb.get(bm, K, N, b.row_stride, b.col_stride), ldb = N;
    int_matmul_one<T>(M, N, K, ad + ao, a.row_stride, a.col_stride, bm, ldb, out + n * M * N);
  });
}

// out *= beta, for the K == 0 case where the product is all zeros.
void scale(Dtype t, void* out, int64_t n, float beta) {
  if (beta == 0) return static_cast<void>(std::memset(out, 0, static_cast<size_t>(n) * size_of(t)));
  if (beta == 1) return;
  dispatch_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = static_cast<T*>(out);
    if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>)
      for (int64_t i = 0; i < n; ++i) o[i] = T(static_cast<float>(o[i]) * beta);
    else if constexpr (std::is_floating_point_v<T>)
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(o[i] * static_cast<T>(beta));
  });
}

}  // namespace

void matmul(Dtype t, const Shape& batch_in, int64_t M, int64_t N, int64_t K, const MatrixBatch& a_in,
            const MatrixBatch& b, void* out, float alpha, float beta) {
  int64_t count = 1;
  for (int64_t d : batch_in) count *= d;
  if (count == 0 || M == 0 || N == 0) return;
  if (K == 0) return scale(t, out, count * M * N, beta);

  // When b is the same matrix for every batch entry and a's batch dimensions step over its rows evenly
  // (a dense (..., M, K) stack), the whole batch is one (count * M) x K product: one BLAS call.
  Shape batch = batch_in;
  MatrixBatch a = a_in;
  bool b_shared = true;
  for (size_t d = 0; d < batch.size(); ++d) b_shared = b_shared && (batch[d] == 1 || b.batch_strides[d] == 0);
  if (!batch.empty() && b_shared) {
    std::vector<std::pair<int64_t, int64_t>> dims;  // (size, stride) of the row-like dimensions, outermost first
    for (size_t d = 0; d < batch.size(); ++d)
      if (batch[d] != 1) dims.emplace_back(batch[d], a.batch_strides[d]);
    if (M != 1) dims.emplace_back(M, a.row_stride);
    bool chained = true;
    for (size_t i = 0; i + 1 < dims.size(); ++i)
      chained = chained && dims[i].second == dims[i + 1].first * dims[i + 1].second;
    if (chained) {
      M *= count;
      a.row_stride = dims.empty() ? 0 : dims.back().second;
      a.batch_strides.clear();
      batch.clear();
    }
  }

  if (is_floating_point(t) && (M > kBlasMax || N > kBlasMax || K > kBlasMax))
    throw std::invalid_argument("[matmul] matrix dimensions above 2147483647 are not supported by the BLAS backend.");
  MatrixBatch bb = b;
  if (batch.empty()) bb.batch_strides.clear();  // folded above
  switch (t) {
    case float32: return float_matmul<float>(batch, M, N, K, a, bb, static_cast<float*>(out), alpha, beta);
    case float64: return float_matmul<double>(batch, M, N, K, a, bb, static_cast<double*>(out), alpha, beta);
    case float16:
    case bfloat16: return half_matmul(t, batch, M, N, K, a, bb, out, alpha, beta);
    default: break;
  }
  dispatch_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_floating_point_v<T> && !std::is_same_v<T, float16_t> && !std::is_same_v<T, bfloat16_t>)
      int_matmul<T>(batch, M, N, K, a, bb, static_cast<T*>(out));
  });
}

}  // namespace ingot::cpu
