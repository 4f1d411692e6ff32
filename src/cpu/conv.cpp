#include "cpu/conv.h"

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

namespace ingot::cpu {

namespace {

// Bytes of im2col buffer per block of output rows: enough rows for BLAS to run at full speed,
// small enough that a large layer never materializes its whole column matrix.
constexpr size_t kColBudget = size_t{4} << 20;

template <typename T>
constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

// The window geometry of one strided, padded, dilated sliding window per spatial dimension: which
// input index (if any) kernel index k of dimension i reads for output position o.
struct Windows {
  int d = 0;
  std::vector<int64_t> S, K, O, stride, lo, idil;
  std::vector<std::vector<int64_t>> tap_offset;  // [i][k]: the tap's position in the dilated input, flip applied
  std::vector<int64_t> taps;                     // kernel position kk -> its index k per dimension (d entries)
  int64_t kpos = 1;                              // number of kernel positions (with taps only)
  int64_t rows = 1;                              // N * prod(O)

  Windows(const Shape& in, const Shape& out, const std::vector<int64_t>& K_, const std::vector<int64_t>& stride_,
          const std::vector<int64_t>& lo_, const std::vector<int64_t>& kdil, const std::vector<int64_t>& idil_,
          bool flip, bool with_taps = true)
      : d(static_cast<int>(K_.size())), K(K_), stride(stride_), lo(lo_), idil(idil_) {
    rows = out[0];
    for (int i = 0; i < d; ++i) {
      S.push_back(in[i + 1]);
      O.push_back(out[i + 1]);
      rows *= out[i + 1];
      if (!with_taps) continue;
      kpos *= K[i];
      std::vector<int64_t> t(static_cast<size_t>(K[i]));
      for (int64_t k = 0; k < K[i]; ++k) t[static_cast<size_t>(k)] = (flip ? K[i] - 1 - k : k) * kdil[i];
      tap_offset.push_back(std::move(t));
    }
    if (!with_taps) return;
    taps.resize(static_cast<size_t>(kpos * d));
    for (int64_t kk = 0; kk < kpos; ++kk) {
      int64_t rem = kk;
      for (int i = d - 1; i >= 0; --i) taps[static_cast<size_t>(kk * d + i)] = rem % K[i], rem /= K[i];
    }
  }

  // Walks output rows r0..r1 in order: f(r, n, o) with o the output multi-index.
  template <class F>
  void for_rows(int64_t r0, int64_t r1, F&& f) const {
    std::vector<int64_t> o(static_cast<size_t>(d));
    int64_t rem = r0;
    for (int i = d - 1; i >= 0; --i) o[i] = rem % O[i], rem /= O[i];
    int64_t n = rem;
    for (int64_t r = r0; r < r1; ++r) {
      f(r, n, o.data());
      int i = d - 1;
      for (; i >= 0; --i) {
        if (++o[i] < O[i]) break;
        o[i] = 0;
      }
      if (i < 0) ++n;
    }
  }

  // The element offset (channels excluded) of kernel position kk for output index o, or -1 where
  // the tap falls on padding or on a hole of the dilated input.
  int64_t offset(const int64_t* o, int64_t kk, const int64_t* spatial_strides) const {
    int64_t off = 0;
    for (int i = 0; i < d; ++i) {
      int64_t p = o[i] * stride[i] - lo[i] + tap_offset[i][static_cast<size_t>(taps[static_cast<size_t>(kk * d + i)])];
      if (p < 0) return -1;
      if (idil[i] != 1) {
        if (p % idil[i] != 0) return -1;
        p /= idil[i];
      }
      if (p >= S[i]) return -1;
      off += p * spatial_strides[i];
    }
    return off;
  }
};

// Row-major strides of the spatial dimensions of (N, S..., C), and of the batch dimension.
std::vector<int64_t> spatial_strides(const Shape& s, int64_t& batch_stride) {
  const int d = static_cast<int>(s.size()) - 2;
  std::vector<int64_t> st(static_cast<size_t>(d));
  int64_t acc = s.back();
  for (int i = d - 1; i >= 0; --i) st[i] = acc, acc *= s[i + 1];
  batch_stride = acc;
  return st;
}

template <typename T, typename A>
void load_row(const T* src, A* dst, int64_t n) {
  if constexpr (std::is_same_v<T, A>) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(A));
  else if constexpr (is_half_v<T>) convert(src, dtype_of<T>(), dst, float32, n);
  else
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<A>(src[i]);
}

void gemm_nt(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
             int64_t ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(M), int(N), int(K), 1.0f, a, int(lda), b, int(ldb), 0.0f,
              c, int(ldc));
}
void gemm_nt(int64_t M, int64_t N, int64_t K, const double* a, int64_t lda, const double* b, int64_t ldb, double* c,
             int64_t ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(M), int(N), int(K), 1.0, a, int(lda), b, int(ldb), 0.0, c,
              int(ldc));
}

// Depthwise (one input channel per output channel): a direct loop vectorized over channels,
// where a GEMM per channel would be a product with an inner dimension of kernel size.
template <typename T, typename A>
void depthwise(const T* x, const A* wt, T* out, const Windows& win, int64_t C, const std::vector<int64_t>& sst,
               int64_t nst) {
  std::vector<A> acc(static_cast<size_t>(C)), tmp(static_cast<size_t>(C));
  win.for_rows(0, win.rows, [&](int64_t r, int64_t n, const int64_t* o) {
    std::fill(acc.begin(), acc.end(), A(0));
    for (int64_t kk = 0; kk < win.kpos; ++kk) {
      const int64_t off = win.offset(o, kk, sst.data());
      if (off < 0) continue;
      const A* wk = wt + kk * C;
      const A* src;
      if constexpr (std::is_same_v<T, A>) src = x + n * nst + off;
      else load_row(x + n * nst + off, tmp.data(), C), src = tmp.data();
      for (int64_t c = 0; c < C; ++c) acc[c] += src[c] * wk[c];
    }
    T* dst = out + r * C;
    if constexpr (std::is_same_v<T, A>) std::memcpy(dst, acc.data(), static_cast<size_t>(C) * sizeof(A));
    else convert(acc.data(), float32, dst, dtype_of<T>(), C);
  });
}

template <typename T, typename A>
void conv_typed(const array& in, const array& w, array& out, const ConvParams& p) {
  const Shape& is = in.shape();
  const Shape& ws = w.shape();
  const int d = static_cast<int>(is.size()) - 2;
  const int64_t Cin = is.back(), Cout = ws[0], G = p.groups, Cg = Cin / G, Coutg = Cout / G;
  std::vector<int64_t> K(ws.begin() + 1, ws.end() - 1);
  Windows win(is, out.shape(), K, p.stride, p.pad_lo, p.kernel_dilation, p.input_dilation, p.flip);
  const int64_t kc = win.kpos * Cg;  // the inner dimension of each group's product
  T* o = out.data<T>();
  if (win.rows == 0 || Cout == 0) return;
  if (kc == 0) return static_cast<void>(std::fill(o, o + out.size(), T(0)));
  if (kc > INT_MAX || Cout > INT_MAX) throw std::invalid_argument("[conv] kernels larger than 2^31 elements are not supported.");

  const T* x = in.data<T>();
  int64_t nst;
  const std::vector<int64_t> sst = spatial_strides(is, nst);

  // Weights in the compute type: (C_out, kc), each group's rows contiguous.
  std::vector<A> wbuf;
  const A* wa;
  if constexpr (std::is_same_v<T, A>) wa = w.data<T>();
  else {
    wbuf.resize(static_cast<size_t>(Cout * kc));
    load_row(w.data<T>(), wbuf.data(), Cout * kc);
    wa = wbuf.data();
  }

  if (G == Cin && Cg == 1 && Coutg == 1 && G > 1) {
    std::vector<A> wt(static_cast<size_t>(win.kpos * Cin));  // (kernel positions, C)
    for (int64_t c = 0; c < Cin; ++c)
      for (int64_t kk = 0; kk < win.kpos; ++kk) wt[kk * Cin + c] = wa[c * win.kpos + kk];
    return depthwise<T, A>(x, wt.data(), o, win, Cin, sst, nst);
  }

  // A 1x1 kernel at stride 1 without padding or dilation reads the input itself as the column matrix.
  bool pointwise = G == 1;
  for (int i = 0; i < d; ++i)
    pointwise = pointwise && K[i] == 1 && p.stride[i] == 1 && p.pad_lo[i] == 0 && p.pad_hi[i] == 0 &&
                p.input_dilation[i] == 1;
  if constexpr (std::is_same_v<T, A>) {
    if (pointwise) {
      const int64_t step = INT_MAX / 2;
      for (int64_t r0 = 0; r0 < win.rows; r0 += step) {
        const int64_t rb = std::min(step, win.rows - r0);
        gemm_nt(rb, Cout, Cin, x + r0 * Cin, Cin, wa, Cin, o + r0 * Cout, Cout);
      }
      return;
    }
  }

  const int64_t rb_max =
      std::min<int64_t>(std::max<int64_t>(static_cast<int64_t>(kColBudget / (static_cast<size_t>(kc) * sizeof(A))), 16),
                        std::min<int64_t>(win.rows, INT_MAX / 2));
  std::vector<A> col(static_cast<size_t>(std::min(rb_max, win.rows) * kc));
  std::vector<A> obuf;  // halves: the block's float32 result before narrowing
  if constexpr (!std::is_same_v<T, A>) obuf.resize(static_cast<size_t>(std::min(rb_max, win.rows) * Cout));
  for (int64_t r0 = 0; r0 < win.rows; r0 += rb_max) {
    const int64_t r1 = std::min(win.rows, r0 + rb_max), rb = r1 - r0;
    for (int64_t g = 0; g < G; ++g) {
      win.for_rows(r0, r1, [&](int64_t r, int64_t n, const int64_t* oi) {
        A* crow = col.data() + (r - r0) * kc;
        const T* xn = x + n * nst + g * Cg;
        for (int64_t kk = 0; kk < win.kpos; ++kk) {
          const int64_t off = win.offset(oi, kk, sst.data());
          A* dst = crow + kk * Cg;
          if (off < 0) std::fill(dst, dst + Cg, A(0));
          else load_row(xn + off, dst, Cg);
        }
      });
      const A* wg = wa + g * Coutg * kc;
      if constexpr (std::is_same_v<T, A>) gemm_nt(rb, Coutg, kc, col.data(), kc, wg, kc, o + r0 * Cout + g * Coutg, Cout);
      else gemm_nt(rb, Coutg, kc, col.data(), kc, wg, kc, obuf.data() + g * Coutg, Cout);
    }
    if constexpr (!std::is_same_v<T, A>) convert(obuf.data(), float32, o + r0 * Cout, dtype_of<T>(), rb * Cout);
  }
}

// Only the taps that land inside the input are visited, so the work per output is bounded by the
// input even for windows far larger than it (hostile state included).
template <typename T, typename A, typename O>
void pool_typed(const T* x, O* out, PoolOp op, const Windows& win, int64_t C, const std::vector<int64_t>& sst,
                int64_t nst) {
  std::vector<A> acc(static_cast<size_t>(C)), tmp(static_cast<size_t>(C));
  const A init = op == PoolOp::avg ? A(0)
                 : std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                                         : std::numeric_limits<A>::lowest();
  double window = 1;  // the window size (a double: hostile kernels may overflow an integer product)
  for (int64_t k : win.K) window *= static_cast<double>(k);
  const A scale = A(1) / static_cast<A>(window);
  const int d = win.d;
  std::vector<int64_t> first(d), last(d), p(d);  // per dimension: the input range the window covers
  win.for_rows(0, win.rows, [&](int64_t r, int64_t n, const int64_t* o) {
    std::fill(acc.begin(), acc.end(), init);
    bool empty = false;
    for (int i = 0; i < d; ++i) {
      const int64_t start = o[i] * win.stride[i] - win.lo[i];
      first[i] = std::max<int64_t>(start, 0);
      last[i] = std::min(start + win.K[i], win.S[i]);
      empty = empty || first[i] >= last[i];
      p[i] = first[i];
    }
    while (!empty) {
      int64_t off = n * nst;
      for (int i = 0; i < d; ++i) off += p[i] * sst[i];
      const A* src;
      if constexpr (std::is_same_v<T, A>) src = x + off;
      else load_row(x + off, tmp.data(), C), src = tmp.data();
      if (op == PoolOp::avg) {
        for (int64_t c = 0; c < C; ++c) acc[c] += src[c];
      } else {
        // NaN propagates, as in max(): a NaN compares false and is taken explicitly.
        for (int64_t c = 0; c < C; ++c) acc[c] = (src[c] > acc[c] || src[c] != src[c]) ? src[c] : acc[c];
      }
      int i = d - 1;
      for (; i >= 0; --i) {
        if (++p[i] < last[i]) break;
        p[i] = first[i];
      }
      empty = i < 0;
    }
    O* dst = out + r * C;
    if (op == PoolOp::avg)
      for (int64_t c = 0; c < C; ++c) acc[c] = static_cast<A>(acc[c] * scale);
    if constexpr (std::is_same_v<O, A>) std::memcpy(dst, acc.data(), static_cast<size_t>(C) * sizeof(A));
    else if constexpr (is_half_v<O>) convert(acc.data(), float32, dst, dtype_of<O>(), C);
    else
      for (int64_t c = 0; c < C; ++c) dst[c] = static_cast<O>(acc[c]);
  });
}

}  // namespace

void conv(const array& in, const array& w, array& out, const ConvParams& p) {
  switch (in.dtype()) {
    case float32: return conv_typed<float, float>(in, w, out, p);
    case float64: return conv_typed<double, double>(in, w, out, p);
    case float16: return conv_typed<float16_t, float>(in, w, out, p);
    case bfloat16: return conv_typed<bfloat16_t, float>(in, w, out, p);
    default: throw std::invalid_argument("[conv] only floating point types are supported.");
  }
}

void pool(const array& in, array& out, PoolOp op, const std::vector<int64_t>& kernel,
          const std::vector<int64_t>& stride, const std::vector<int64_t>& pad_lo) {
  const size_t d = kernel.size();
  Windows win(in.shape(), out.shape(), kernel, stride, pad_lo, std::vector<int64_t>(d, 1),
              std::vector<int64_t>(d, 1), false, /*with_taps=*/false);
  if (win.rows == 0 || in.shape().back() == 0) return;
  int64_t nst;
  const std::vector<int64_t> sst = spatial_strides(in.shape(), nst);
  const int64_t C = in.shape().back();
  const Dtype t = in.dtype();
  dispatch_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    if constexpr (std::is_same_v<T, bool>) {
      throw std::invalid_argument("[pool] boolean arrays are not supported.");
    } else if constexpr (is_half_v<T> || std::is_same_v<T, float>) {
      pool_typed<T, float, T>(x, out.data<T>(), op, win, C, sst, nst);
    } else if constexpr (std::is_same_v<T, double>) {
      pool_typed<T, double, T>(x, out.data<T>(), op, win, C, sst, nst);
    } else if (op == PoolOp::max) {
      pool_typed<T, T, T>(x, out.data<T>(), op, win, C, sst, nst);
    } else {
      // Integer means are float32, as mean() gives; sums are exact in double.
      pool_typed<T, double, float>(x, out.data<float>(), op, win, C, sst, nst);
    }
  });
}

}  // namespace ingot::cpu
