// Helpers shared by the indexing primitives (gather, take, scatter and their along-axis forms):
// reading index arrays of any integer dtype, and walking a fixed window of an array as rows.
#pragma once

#include <cstdint>
#include <functional>
#include <cstring>
#include <optional>
#include <vector>

#include "ingot/array.h"
#include "prims/state.h"

namespace ingot::indexing {

// idx's elements in row-major order as int64. uint64 values above INT64_MAX saturate to INT64_MAX,
// so that they stay out of range instead of wrapping to negative (which would count from the end).
std::vector<int64_t> load_indices(const array& idx);

// A run-time index along an axis of size n, for a window of size w (w <= n): negative indices count
// from the end; returns false when the window does not then lie inside [0, n).
inline bool resolve_index(int64_t& i, int64_t n, int64_t w) {
  if (i < 0) i += n;
  return i >= 0 && i <= n - w;
}

// The same, but clamping into range instead of failing (gathers and dynamic slices: a read always
// lands somewhere valid, as XLA's gather and dynamic_slice do).
inline int64_t clamp_index(int64_t i, int64_t n, int64_t w) {
  if (i < 0) i += n;
  if (i > n - w) i = n - w;
  return i < 0 ? 0 : i;
}

// A window of `shape` over two operands with the given strides (elements), cut into rows of n
// elements: row r starts at off[0][r] / off[1][r] and steps by inner[0] / inner[1]. Computed once,
// then replayed at every index position.
struct WindowRows {
  int64_t n = 0;
  int64_t inner[2] = {0, 0};
  std::vector<int64_t> off[2];
  size_t rows() const { return off[0].size(); }
};
WindowRows window_rows(const Shape& shape, const Strides& s0, const Strides& s1);

// Copies one window: operand 0 is the destination, operand 1 the source (N-byte elements).
template <size_t N>
inline void copy_window(char* dst, const char* src, const WindowRows& w) {
  const int64_t n = w.n, i0 = w.inner[0], i1 = w.inner[1];
  for (size_t r = 0; r < w.rows(); ++r) {
    char* d = dst + w.off[0][r] * static_cast<int64_t>(N);
    const char* s = src + w.off[1][r] * static_cast<int64_t>(N);
    if (i0 == 1 && i1 == 1) {
      std::memcpy(d, s, static_cast<size_t>(n) * N);
    } else {
      for (int64_t j = 0; j < n; ++j)
        std::memcpy(d + j * i0 * static_cast<int64_t>(N), s + j * i1 * static_cast<int64_t>(N), N);
    }
  }
}

// Whether dtype t can index (integers of either signedness; not bool, not floats).
inline bool is_index_dtype(Dtype t) { return is_integral(t); }

// clamp_index and resolve_index's test over whole index arrays, as ops (for transform rules):
// int64 positions, and whether each window lies in range.
array clamped_indices(const array& idx, int64_t n, int64_t w);
array indices_in_range(const array& idx, int64_t n, int64_t w);

// A vjp's result when only input 0 (the array indexed) has a cotangent: cot() for it, none for the
// integer indices, which carry no derivative.
template <class F>
Arrays for_array_only(const std::vector<int>& argnums, F cot) {
  Arrays r;
  for (int i : argnums) r.push_back(i == 0 ? cot() : array());
  return r;
}

// Elements of start:stop:step for start and stop in [-1, n]; no step, however large, overflows.
int64_t slice_length(int64_t start, int64_t stop, int64_t step);

// Python-style slice arguments (start, stop and optional strides per axis of `shape`, negatives counting
// from the end, out-of-range bounds clamped as slice.indices does) normalized into the state of Slice
// and SliceUpdate. Throws std::invalid_argument naming `op` for wrong counts or a zero step.
struct SliceBounds {
  Shape start, stop, strides;
};
SliceBounds normalize_slice(const Shape& shape, const Shape& start, const Shape& stop,
                            const std::optional<Shape>& strides, const char* op);

// The shape that normalized bounds (start, stop, strides per axis) select from an array of shape s;
// throws std::invalid_argument naming `op` unless every element it reads lies inside s.
Shape slice_shape(const Shape& s, const Shape& start, const Shape& stop, const Shape& strides, const char* op);

// Slice and SliceUpdate keep Python-style bounds in their state (version 2): negatives count from the
// end and out-of-range bounds clamp, resolved against the input's shape at call time, so a shapeless
// replay slices what the same Python slice selects at that shape. Version 1 held bounds normalized
// for the traced shape, where -1 meant "before the first element" (reversed slices): upgraded here.
inline constexpr int64_t kSliceEnd = INT64_MAX;  // a stop past any end (Python's None for a positive step)
struct ResolvedSlice {
  SliceBounds bounds;
  Shape shape;
};
ResolvedSlice resolve_slice(const Shape& s, const Shape& start, const Shape& stop, const Shape& strides,
                            const char* op);
// The strides (elements) of the view that slice r takes of an array with strides st, and the offset of
// its first element. An axis of at most one element keeps st's stride: a step there may be as large as
// INT64_MAX, and the product would overflow.
Strides slice_strides(const Strides& st, const ResolvedSlice& r, int64_t& offset);
// Reads version 1 state (start, stop, strides) and returns it as version 2 bounds.
SliceBounds read_v1_slice_bounds(StateReader& r);

}  // namespace ingot::indexing
