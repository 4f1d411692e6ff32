#include "cpu/scan.h"

#include <limits>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "cpu/copy.h"
#include "cpu/simd.h"

namespace ingot::cpu {
namespace {

template <typename T>
constexpr bool kHalf = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;
template <typename T>
constexpr bool kFloatLike = std::is_floating_point_v<T> || kHalf<T>;

// kWraps: sums and products of integers run in unsigned arithmetic (no undefined overflow), and the
// truncation to T at the store is the modular result numpy and MLX give.
struct SumOp {
  static constexpr bool kWraps = true;
  template <typename W>
  static W apply(W a, W b) {
    return static_cast<W>(a + b);  // bool: logical or
  }
};
struct ProdOp {
  static constexpr bool kWraps = true;
  template <typename W>
  static W apply(W a, W b) {
    return static_cast<W>(a * b);  // bool: logical and
  }
};
struct MaxOp {
  static constexpr bool kWraps = false;
  template <typename W>
  static W apply(W a, W b) {
    if constexpr (std::is_floating_point_v<W>) return ((b > a) | (b != b)) ? b : a;  // NaN wins, then stays
    else return b > a ? b : a;
  }
};
struct MinOp {
  static constexpr bool kWraps = false;
  template <typename W>
  static W apply(W a, W b) {
    if constexpr (std::is_floating_point_v<W>) return ((b < a) | (b != b)) ? b : a;
    else return b < a ? b : a;
  }
};
struct LogAddExpOp {
  static constexpr bool kWraps = false;
  template <typename W>
  static W apply(W a, W b) {
    return logaddexp_scalar(a, b);  // stable: the larger argument plus log1p(exp(-|a - b|))
  }
};

// The accumulator: float32 for halves, unsigned (32 or 64 bits) for wrapping integer ops, else T.
template <class Op, typename T>
using Acc = std::conditional_t<
    kHalf<T>, float,
    std::conditional_t<Op::kWraps && std::is_integral_v<T> && !std::is_same_v<T, bool>,
                       std::conditional_t<(sizeof(T) <= 4), uint32_t, uint64_t>, T>>;

// The value an exclusive scan starts from.
template <class Op, typename T, typename W>
W identity() {
  if constexpr (std::is_same_v<Op, SumOp>) return W(0);
  else if constexpr (std::is_same_v<Op, ProdOp>) return W(1);
  else if constexpr (std::is_same_v<Op, LogAddExpOp>) return -std::numeric_limits<W>::infinity();
  else if constexpr (std::is_floating_point_v<W>)
    return std::is_same_v<Op, MaxOp> ? -std::numeric_limits<W>::infinity() : std::numeric_limits<W>::infinity();
  else return std::is_same_v<Op, MaxOp> ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
}

// acc[c] = op(acc[c], x[c]): vectorized by the compiler, or by the SIMD kernel for logaddexp.
template <class Op, typename W, typename X>
void combine(W* acc, const X* x, int64_t n) {
  if constexpr (std::is_same_v<Op, LogAddExpOp> && std::is_same_v<W, X>)
    binary(FloatBinary::logaddexp, acc, 1, x, 1, acc, n);
  else
    for (int64_t c = 0; c < n; ++c) acc[c] = Op::apply(acc[c], static_cast<W>(x[c]));
}

// out[c] = acc[c] in the output dtype (halves narrowed in bulk).
template <typename W, typename T>
void store(const W* acc, T* out, int64_t n) {
  if constexpr (kHalf<T>) convert(acc, float32, out, storage_dtype_of<T>(), n);
  else
    for (int64_t c = 0; c < n; ++c) out[c] = static_cast<T>(acc[c]);
}

// One step of a scan over whole rows: x (the input row, already in W for halves) into acc and y.
template <class Op, typename W, typename X, typename T>
void scan_row(W* acc, const X* x, T* y, int64_t n, bool first, bool inclusive, W init) {
  if (inclusive) {
    if (first)
      for (int64_t c = 0; c < n; ++c) acc[c] = static_cast<W>(x[c]);
    else
      combine<Op>(acc, x, n);
    store(acc, y, n);
  } else {
    if (first)
      for (int64_t c = 0; c < n; ++c) acc[c] = init;
    store(acc, y, n);
    combine<Op>(acc, x, n);
  }
}

// Dense row-major x seen as (outer, n, inner), scanned along n into y of the same layout.
template <class Op, typename T, typename W>
void scan_typed(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool reverse, bool inclusive) {
  const W init = identity<Op, T, W>();
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) {
      const T* xr = x + o * n;
      T* yr = y + o * n;
      W acc = init;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t i = reverse ? n - 1 - j : j;
        const W v = static_cast<W>(xr[i]);
        if (inclusive) {
          acc = j == 0 ? v : Op::apply(acc, v);  // seeded with the first element: -0.0 stays -0.0
          yr[i] = static_cast<T>(acc);
        } else {
          yr[i] = static_cast<T>(acc);
          acc = Op::apply(acc, v);
        }
      }
    }
    return;
  }
  // The scanned axis is not the innermost: whole rows of `inner` elements are combined elementwise,
  // so every inner loop is contiguous (and vectorized: halves are widened and narrowed a row at a time).
  std::unique_ptr<W[]> acc(new W[inner]);  // not std::vector: W may be bool
  std::unique_ptr<W[]> wide(kHalf<T> ? new W[inner] : nullptr);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t i = reverse ? n - 1 - j : j;
      const T* xr = x + (o * n + i) * inner;
      T* yr = y + (o * n + i) * inner;
      if constexpr (kHalf<T>) {
        convert(xr, storage_dtype_of<T>(), wide.get(), float32, inner);
        scan_row<Op>(acc.get(), wide.get(), yr, inner, j == 0, inclusive, init);
      } else {
        scan_row<Op>(acc.get(), xr, yr, inner, j == 0, inclusive, init);
      }
    }
  }
}

template <class Op>
void run(const array& x, array& out, int64_t outer, int64_t n, int64_t inner, bool reverse, bool inclusive) {
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<Op, LogAddExpOp> && !kFloatLike<T>) {
      throw std::invalid_argument("[logcumsumexp] expects a floating point array.");
    } else {
      scan_typed<Op, T, Acc<Op, T>>(static_cast<const T*>(x.raw_data()), static_cast<T*>(out.raw_data()), outer, n,
                                    inner, reverse, inclusive);
    }
  });
}

}  // namespace

void scan(const array& in, array& out, ScanOp op, int axis, bool reverse, bool inclusive) {
  out.alloc();
  if (out.size() == 0) return;
  const array x = contiguous(in);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= in.shape()[d];
  for (int d = axis + 1; d < in.ndim(); ++d) inner *= in.shape()[d];
  const int64_t n = in.shape()[axis];
  switch (op) {
    case ScanOp::sum: return run<SumOp>(x, out, outer, n, inner, reverse, inclusive);
    case ScanOp::prod: return run<ProdOp>(x, out, outer, n, inner, reverse, inclusive);
    case ScanOp::max: return run<MaxOp>(x, out, outer, n, inner, reverse, inclusive);
    case ScanOp::min: return run<MinOp>(x, out, outer, n, inner, reverse, inclusive);
    case ScanOp::logaddexp: return run<LogAddExpOp>(x, out, outer, n, inner, reverse, inclusive);
  }
}

}  // namespace ingot::cpu
