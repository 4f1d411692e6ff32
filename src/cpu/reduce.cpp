#include "cpu/reduce.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/allocator.h"
#include "cpu/copy.h"
#include "cpu/parallel.h"

namespace ingot::cpu {
namespace {

// Columns handled per pass when whole rows are combined: the accumulators stay in L1.
constexpr int64_t kChunk = 4096;
// Rows summed serially before pairwise combination takes over (numpy uses blocks of 128 elements with
// 8 accumulators, i.e. 16 serial additions per accumulator).
constexpr int64_t kRowBlock = 16;

template <typename W>
constexpr bool kIsFloat = std::is_floating_point_v<W>;

struct SumOp {
  static constexpr bool kPairwise = true;
  template <typename W>
  static W apply(W a, W b) {
    return a + b;
  }
};
struct ProdOp {
  static constexpr bool kPairwise = false;
  template <typename W>
  static W apply(W a, W b) {
    return a * b;
  }
};
struct MaxOp {
  static constexpr bool kPairwise = false;
  template <typename W>
  static W apply(W a, W b) {
    if constexpr (kIsFloat<W>) return ((b > a) | (b != b)) ? b : a;  // a NaN wins, then stays
    else return b > a ? b : a;
  }
};
struct MinOp {
  static constexpr bool kPairwise = false;
  template <typename W>
  static W apply(W a, W b) {
    if constexpr (kIsFloat<W>) return ((b < a) | (b != b)) ? b : a;
    else return b < a ? b : a;
  }
};
struct AllOp {
  static constexpr bool kPairwise = false;
  template <typename W>
  static W apply(W a, W b) {
    return a && b;
  }
};
struct AnyOp {
  static constexpr bool kPairwise = false;
  template <typename W>
  static W apply(W a, W b) {
    return a || b;
  }
};

// Sums and products accumulate in the source float type, or in an unsigned integer of at least 32 bits:
// unsigned arithmetic wraps as numpy's integers do, without undefined behaviour.
template <typename T>
using SumAcc =
    std::conditional_t<std::is_floating_point_v<T>, T, std::conditional_t<(sizeof(T) <= 4), uint32_t, uint64_t>>;

Dtype sum_work_dtype(Dtype t) {
  if (is_floating_point(t)) return t;
  return size_of(t) <= 4 ? uint32 : uint64;
}

// numpy's pairwise summation: error grows with log(n) instead of n. n >= 1.
template <typename In, typename W>
W pairwise_sum(const In* x, int64_t n) {
  if (n < 8) {
    W s = W(x[0]);
    for (int64_t i = 1; i < n; ++i) s += W(x[i]);
    return s;
  }
  if (n <= 128) {
    W r[8];
    for (int k = 0; k < 8; ++k) r[k] = W(x[k]);
    int64_t i = 8;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) r[k] += W(x[i + k]);
    W s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += W(x[i]);
    return s;
  }
  int64_t h = n / 2;
  h -= h % 8;
  return pairwise_sum<In, W>(x, h) + pairwise_sum<In, W>(x + h, n - h);
}

template <class Op, typename In, typename W>
void reduce_cols(const In* x, int64_t R, int64_t stride, int64_t w, W* acc);

// One contiguous row of n >= 1 elements to one value. Long rows are seen as (n / 64, 64) and reduced
// column-wise into 64 lanes: the same vectorizable loop as the kept-innermost case.
template <class Op, typename In, typename W>
W reduce_row(const In* x, int64_t n) {
  if constexpr (Op::kPairwise && kIsFloat<W>) {
    return pairwise_sum<In, W>(x, n);
  } else {
    constexpr int64_t kLanes = 64;
    W s = W(x[0]);
    int64_t i = 1;
    if (n >= 2 * kLanes) {
      W lanes[kLanes];
      reduce_cols<Op, In, W>(x, n / kLanes, kLanes, kLanes, lanes);
      for (int64_t k = 0; k < kLanes; ++k) s = k ? Op::apply(s, lanes[k]) : lanes[0];
      i = n / kLanes * kLanes;
    }
    for (; i < n; ++i) s = Op::apply(s, W(x[i]));
    return s;
  }
}

// acc[0..w) = op over r < R of the row segment x + r * stride (R >= 1): elementwise over contiguous rows.
template <class Op, typename In, typename W>
void reduce_cols(const In* x, int64_t R, int64_t stride, int64_t w, W* acc) {
  for (int64_t i = 0; i < w; ++i) acc[i] = W(x[i]);
  for (int64_t r = 1; r < R; ++r) {
    const In* row = x + r * stride;
    for (int64_t i = 0; i < w; ++i) acc[i] = Op::apply(acc[i], W(row[i]));
  }
}

// The same for float sums, pairwise over the rows; scratch holds w values per recursion level.
template <typename In, typename W>
void pairwise_cols(const In* x, int64_t R, int64_t stride, int64_t w, W* acc, W* scratch) {
  if (R <= kRowBlock) return reduce_cols<SumOp, In, W>(x, R, stride, w, acc);
  const int64_t h = R / 2;
  pairwise_cols(x, h, stride, w, acc, scratch);
  pairwise_cols(x + h * stride, R - h, stride, w, scratch, scratch + w);
  for (int64_t i = 0; i < w; ++i) acc[i] += scratch[i];
}

// Dense row-major x seen as (outer, R, inner) reduced over R into dst (outer, inner). Rows (or column
// chunks) are split over the thread pool; each output element is reduced the same way on any thread.
template <class Op, typename In, typename W>
void reduce_stage(const In* x, int64_t outer, int64_t R, int64_t inner, W* dst) {
  if (inner == 1) {
    parallel_for(outer, R, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) dst[o] = reduce_row<Op, In, W>(x + o * R, R);
    });
    return;
  }
  constexpr bool kPairwise = Op::kPairwise && kIsFloat<W>;
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  parallel_for(outer * chunks, R * std::min(inner, kChunk), [&](int64_t i0, int64_t i1) {
    std::vector<W> scratch;
    if constexpr (kPairwise) {
      int depth = 0;
      for (int64_t r = R; r > kRowBlock; r -= r / 2) ++depth;
      scratch.resize(static_cast<size_t>(depth + 1) * static_cast<size_t>(std::min(inner, kChunk)));
    }
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t o = i / chunks, c = (i % chunks) * kChunk;
      const int64_t w = std::min(kChunk, inner - c);
      const In* src = x + o * R * inner + c;
      W* acc = dst + o * inner + c;
      if constexpr (kPairwise) pairwise_cols(src, R, inner, w, acc, scratch.data());
      else reduce_cols<Op, In, W>(src, R, inner, w, acc);
    }
  });
}

// Stage 1 when the source needs converting (halves to float32, anything to bool for all/any): bounded
// pieces are converted into a small buffer and reduced, so no input-sized temporary is made. The converted
// type is W itself. Pieces are combined serially, which is accurate enough here: float32 accumulation of
// half data is far more precise than the half result, and bools are exact.
template <class Op, typename W>
void reduce_stage_converted(const char* x, Dtype from, int64_t outer, int64_t R, int64_t inner, W* dst) {
  constexpr int64_t kPiece = 1 << 14;  // elements per converted piece: fits L2 as float32
  const Dtype to = storage_dtype_of<W>();
  const int64_t isz = static_cast<int64_t>(size_of(from));
  const int64_t slab = R * inner;
  std::unique_ptr<W[]> buf(new W[kPiece]);
  if (slab <= kPiece) {  // whole (outer) slabs fit: several per piece
    const int64_t per = kPiece / slab;
    for (int64_t o = 0; o < outer; o += per) {
      const int64_t m = std::min(per, outer - o);
      convert(x + o * slab * isz, from, buf.get(), to, m * slab);
      reduce_stage<Op, W, W>(buf.get(), m, R, inner, dst + o * inner);
    }
    return;
  }
  if (inner <= kPiece) {  // blocks of whole kept rows (single elements when inner == 1)
    const int64_t rows = kPiece / inner;
    std::unique_ptr<W[]> part(new W[inner]);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t r = 0; r < R; r += rows) {
        const int64_t m = std::min(rows, R - r);
        convert(x + (o * slab + r * inner) * isz, from, buf.get(), to, m * inner);
        W* acc = r == 0 ? dst + o * inner : part.get();
        reduce_stage<Op, W, W>(buf.get(), 1, m, inner, acc);
        if (r > 0)
          for (int64_t i = 0; i < inner; ++i) dst[o * inner + i] = Op::apply(dst[o * inner + i], part[i]);
      }
    return;
  }
  for (int64_t o = 0; o < outer; ++o)  // kept rows longer than a piece: stream each row in pieces
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < inner; c += kPiece) {
        const int64_t w = std::min(kPiece, inner - c);
        W* acc = dst + o * inner + c;
        if (r == 0) {
          convert(x + (o * slab + c) * isz, from, acc, to, w);
        } else {
          convert(x + (o * slab + r * inner + c) * isz, from, buf.get(), to, w);
          for (int64_t i = 0; i < w; ++i) acc[i] = Op::apply(acc[i], buf[i]);
        }
      }
}

// Merged dimensions of a row-major array: adjacent dimensions that are all reduced or all kept
// become one, so neighbouring groups alternate.
struct Group {
  int64_t size;
  bool reduced;
};

std::vector<Group> plan(const Shape& shape, const std::vector<int>& axes) {
  std::vector<bool> red(shape.size(), false);
  for (int a : axes) red[a] = true;
  std::vector<Group> g;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!g.empty() && g.back().reduced == red[i]) g.back().size *= shape[i];
    else g.push_back({shape[i], red[i]});
  }
  return g;
}

int last_reduced(const std::vector<Group>& g) {
  for (int j = static_cast<int>(g.size()) - 1; j >= 0; --j)
    if (g[j].reduced) return j;
  return -1;
}

// Reduces the innermost reduced group first, then the next on the (smaller) intermediate, so every
// stage reads contiguous rows: either whole reduced rows (inner == 1) or whole kept rows.
// first(outer, R, inner, dst) runs stage 1 on the source; g has at least one reduced group.
template <class Op, typename W, class First>
void run(const First& first, std::vector<Group> g, W* out) {
  int j = last_reduced(g);
  std::unique_ptr<W[]> bufs[2];  // not std::vector: W may be bool
  const W* cur = nullptr;
  for (int s = 0;; ++s) {
    int64_t outer = 1;
    bool more = false;
    for (int k = 0; k < j; ++k) outer *= g[k].size, more = more || g[k].reduced;
    const int64_t R = g[j].size;
    const int64_t inner = j + 1 < static_cast<int>(g.size()) ? g[j + 1].size : 1;
    W* dst = out;
    if (more) {
      bufs[s % 2].reset(new W[static_cast<size_t>(outer * inner)]);
      dst = bufs[s % 2].get();
    }
    if (s == 0) first(outer, R, inner, dst);
    else reduce_stage<Op, W, W>(cur, outer, R, inner, dst);
    if (!more) return;
    g.erase(g.begin() + j);  // the kept groups on both sides of it are now neighbours
    if (j < static_cast<int>(g.size())) {
      g[j - 1].size *= g[j].size;
      g.erase(g.begin() + j);
    }
    cur = dst;
    j = last_reduced(g);
  }
}

bool is_half(Dtype t) { return t == float16 || t == bfloat16; }

// The memory of `in` as a row-major array: itself when row-contiguous; for a view that is dense in another
// axis order (a transpose), the permuted shape with the axes mapped onto it, provided the kept axes keep
// their relative order (so the result comes out row-major). Returns false when neither applies.
bool memory_layout(const array& in, const std::vector<int>& axes, Shape& shape, std::vector<int>& mapped) {
  if (in.flags().row_contiguous) {
    shape = in.shape();
    mapped = axes;
    return true;
  }
  if (!in.flags().contiguous || in.data_size() != in.size()) return false;
  std::vector<int> dims;
  for (int d = 0; d < in.ndim(); ++d)
    if (in.shape()[d] != 1) dims.push_back(d);
  std::stable_sort(dims.begin(), dims.end(), [&](int a, int b) { return in.strides()[a] > in.strides()[b]; });
  int64_t expect = 1;
  for (int k = static_cast<int>(dims.size()) - 1; k >= 0; --k) {
    if (in.strides()[dims[k]] != expect) return false;
    expect *= in.shape()[dims[k]];
  }
  std::vector<bool> red(in.ndim(), false);
  for (int a : axes) red[a] = true;
  shape.clear();
  mapped.clear();
  int last_kept = -1;
  for (size_t k = 0; k < dims.size(); ++k) {
    shape.push_back(in.shape()[dims[k]]);
    if (red[dims[k]]) {
      mapped.push_back(static_cast<int>(k));
    } else {
      if (dims[k] < last_kept) return false;
      last_kept = dims[k];
    }
  }
  return true;
}

}  // namespace

void reduce(const array& in, array& out, ReduceOp op, const std::vector<int>& axes) {
  out.alloc();
  const Dtype od = out.dtype();
  if (out.size() == 0) return;
  if (in.size() == 0) {
    if (op == ReduceOp::max || op == ReduceOp::min)
      throw std::invalid_argument(std::string(op == ReduceOp::max ? "[max]" : "[min]") +
                                  " cannot reduce over an empty axis of an array of shape " + shape_str(in.shape()) +
                                  ".");
    const bool one = op == ReduceOp::prod || op == ReduceOp::all;
    dispatch_dtype(od, [&](auto tag) {
      using T = typename decltype(tag)::type;
      std::fill_n(static_cast<T*>(out.raw_data()), out.size(), one ? T(1.0f) : T(0.0f));
    });
    return;
  }
  if (last_reduced(plan(in.shape(), axes)) < 0) {  // only size-1 axes reduced: a conversion
    copy_to_row_major(in, out.raw_data(), od);
    return;
  }
  // The kernels read halves as float32 and all/any read bool: converted piecewise from the array's own
  // memory when that is dense, else in the same pass that makes a row-major copy.
  const bool is_logical = op == ReduceOp::all || op == ReduceOp::any;
  const Dtype sd = is_logical ? bool_ : (is_half(in.dtype()) ? float32 : in.dtype());
  Shape shape;
  std::vector<int> mapped;
  std::shared_ptr<void> keep;
  const void* src = in.raw_data();
  bool convert_pieces = sd != in.dtype();
  if (!memory_layout(in, axes, shape, mapped)) {
    keep = allocate(static_cast<size_t>(in.size()) * size_of(sd));
    copy_to_row_major(in, keep.get(), sd);
    src = keep.get();
    shape = in.shape();
    mapped = axes;
    convert_pieces = false;
  }
  const auto groups = plan(shape, mapped);
  const Dtype wd = (op == ReduceOp::sum || op == ReduceOp::prod) ? sum_work_dtype(sd) : sd;
  std::shared_ptr<void> work_keep;
  void* dst = out.raw_data();
  if (wd != od) {
    work_keep = allocate(static_cast<size_t>(out.size()) * size_of(wd));
    dst = work_keep.get();
  }
  const Dtype from = in.dtype();
  dispatch_dtype(sd, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, float16_t> && !std::is_same_v<T, bfloat16_t>) {
      auto go = [&](auto op_tag, auto w_tag) {
        using O = typename decltype(op_tag)::type;
        using W = typename decltype(w_tag)::type;
        W* d = static_cast<W*>(dst);
        // Converting pieces happens only for float32 (from halves) and bool sources, whose accumulator is
        // the source type itself.
        if constexpr (std::is_same_v<T, W> && (std::is_same_v<T, float> || std::is_same_v<T, bool>)) {
          if (convert_pieces)
            return run<O>([&](int64_t o, int64_t r, int64_t i, W* t) {
              reduce_stage_converted<O, W>(static_cast<const char*>(src), from, o, r, i, t);
            }, groups, d);
        }
        const T* x = static_cast<const T*>(src);
        run<O>([&](int64_t o, int64_t r, int64_t i, W* t) { reduce_stage<O, T, W>(x, o, r, i, t); }, groups, d);
      };
      using S = SumAcc<T>;
      switch (op) {
        case ReduceOp::sum: return go(TypeTag<SumOp>{}, TypeTag<S>{});
        case ReduceOp::prod: return go(TypeTag<ProdOp>{}, TypeTag<S>{});
        case ReduceOp::max: return go(TypeTag<MaxOp>{}, TypeTag<T>{});
        case ReduceOp::min: return go(TypeTag<MinOp>{}, TypeTag<T>{});
        case ReduceOp::all:
          if constexpr (std::is_same_v<T, bool>) return go(TypeTag<AllOp>{}, TypeTag<T>{});
          break;
        case ReduceOp::any:
          if constexpr (std::is_same_v<T, bool>) return go(TypeTag<AnyOp>{}, TypeTag<T>{});
          break;
      }
    }
    throw std::logic_error("[reduce] no kernel for this source dtype.");
  });
  if (wd != od) convert(dst, wd, out.raw_data(), od, out.size());
}

namespace {

// Whether v replaces the current extreme: strictly better (the first occurrence wins), or the first NaN.
template <typename T, bool kMax>
bool better(T v, T best) {
  const bool strictly = kMax ? v > best : v < best;
  if constexpr (std::is_floating_point_v<T>) return strictly | ((v != v) & (best == best));
  else return strictly;
}

template <typename T, bool kMax>
void arg_reduce_typed(const T* x, int64_t outer, int64_t R, int64_t inner, uint32_t* out) {
  if (inner == 1) {
    // The extreme by the vectorized reduction, then the first position holding it (or the first NaN).
    using Op = std::conditional_t<kMax, MaxOp, MinOp>;
    parallel_for(outer, R, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const T* row = x + o * R;
        const T m = reduce_row<Op, T, T>(row, R);
        int64_t i = 0;
        if constexpr (std::is_floating_point_v<T>) {
          if (m != m)
            while (row[i] == row[i]) ++i;
          else
            while (row[i] != m) ++i;
        } else {
          while (row[i] != m) ++i;
        }
        out[o] = static_cast<uint32_t>(i);
      }
    });
    return;
  }
  std::unique_ptr<T[]> best(new T[static_cast<size_t>(std::min(inner, kChunk))]);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < inner; c += kChunk) {
      const int64_t w = std::min(kChunk, inner - c);
      const T* base = x + o * R * inner + c;
      uint32_t* idx = out + o * inner + c;
      for (int64_t i = 0; i < w; ++i) best[i] = base[i], idx[i] = 0;
      for (int64_t r = 1; r < R; ++r) {
        const T* row = base + r * inner;
        const uint32_t ri = static_cast<uint32_t>(r);
        for (int64_t i = 0; i < w; ++i) {  // branch-free so that it vectorizes
          const bool b = better<T, kMax>(row[i], best[i]);
          best[i] = b ? row[i] : best[i];
          idx[i] = b ? ri : idx[i];
        }
      }
    }
}

}  // namespace

void arg_reduce(const array& in, array& out, ArgReduceOp op, int axis) {
  out.alloc();
  if (out.size() == 0) return;
  const bool is_max = op == ArgReduceOp::argmax;
  const int64_t R = axis < 0 ? in.size() : in.shape()[axis];
  if (R == 0)
    throw std::invalid_argument(std::string(is_max ? "[argmax]" : "[argmin]") +
                                " cannot reduce over an empty axis of an array of shape " + shape_str(in.shape()) +
                                ".");
  int64_t outer = 1, inner = 1;
  if (axis >= 0)
    for (int k = 0; k < in.ndim(); ++k) {
      if (k < axis) outer *= in.shape()[k];
      if (k > axis) inner *= in.shape()[k];
    }
  const Dtype sd = is_half(in.dtype()) ? float32 : in.dtype();
  std::shared_ptr<void> keep;
  const void* src = in.raw_data();
  if (sd != in.dtype() || !in.flags().row_contiguous) {
    keep = allocate(static_cast<size_t>(in.size()) * size_of(sd));
    copy_to_row_major(in, keep.get(), sd);
    src = keep.get();
  }
  uint32_t* o = static_cast<uint32_t*>(out.raw_data());
  dispatch_dtype(sd, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
      throw std::logic_error("[arg_reduce] halves are widened first.");
    } else {
      if (is_max) arg_reduce_typed<T, true>(static_cast<const T*>(src), outer, R, inner, o);
      else arg_reduce_typed<T, false>(static_cast<const T*>(src), outer, R, inner, o);
    }
  });
}

}  // namespace ingot::cpu
