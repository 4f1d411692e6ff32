#include "prims/index_util.h"

#include <limits>

#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/iterate.h"
#include "ingot/ops.h"

namespace ingot::indexing {

namespace {
array from_end(const array& idx, int64_t n) {
  const array i = astype(idx, int64);
  return is_unsigned(idx.dtype()) ? i : where(less(i, 0), add(i, n), i);
}
}  // namespace

array clamped_indices(const array& idx, int64_t n, int64_t w) {
  return maximum(minimum(from_end(idx, n), n - w), 0);
}

array indices_in_range(const array& idx, int64_t n, int64_t w) {
  const array i = from_end(idx, n);
  return logical_and(greater_equal(i, 0), less_equal(i, n - w));
}

std::vector<int64_t> load_indices(const array& idx) {
  std::vector<int64_t> out(static_cast<size_t>(idx.size()));
  if (out.empty()) return out;
  cpu::copy_to_row_major(idx, out.data(), int64);
  if (idx.dtype() == uint64)
    for (auto& v : out)
      if (v < 0) v = std::numeric_limits<int64_t>::max();
  return out;
}

WindowRows window_rows(const Shape& shape, const Strides& s0, const Strides& s1) {
  WindowRows w;
  cpu::for_each_row(shape, {s0, s1}, [&](const int64_t* off, int64_t n, const int64_t* inner) {
    w.n = n;
    w.inner[0] = inner[0];
    w.inner[1] = inner[1];
    w.off[0].push_back(off[0]);
    w.off[1].push_back(off[1]);
  });
  return w;
}

int64_t slice_length(int64_t start, int64_t stop, int64_t step) {
  if (step > 0) return stop > start ? (stop - start - 1) / step + 1 : 0;
  if (start <= stop) return 0;
  return step == INT64_MIN ? 1 : (start - stop - 1) / -step + 1;
}

SliceBounds normalize_slice(const Shape& shape, const Shape& start, const Shape& stop,
                            const std::optional<Shape>& strides, const char* op) {
  const size_t nd = shape.size();
  SliceBounds b{Shape(nd), Shape(nd), strides ? *strides : Shape(nd, 1)};
  if (start.size() != nd || stop.size() != nd || b.strides.size() != nd)
    fail(op, "start, stop and strides must have one entry per dimension of the array of shape ", shape_str(shape),
         "; got ", start.size(), ", ", stop.size(), " and ", b.strides.size(), ".");
  for (size_t i = 0; i < nd; ++i) {
    const int64_t n = shape[i], st = b.strides[i];
    if (st == 0) fail(op, "slice step cannot be zero (axis ", i, ").");
    // Python's slice.indices: negatives count from the end, then clamp to the walkable range.
    auto norm = [&](int64_t v) {
      if (v < 0) v = v < -n ? (st > 0 ? 0 : -1) : v + n;
      else if (v > n) v = st > 0 ? n : n - 1;
      if (st < 0 && v >= n) v = n - 1;
      return v;
    };
    b.start[i] = norm(start[i]);
    b.stop[i] = norm(stop[i]);
  }
  return b;
}

Shape slice_shape(const Shape& s, const Shape& start, const Shape& stop, const Shape& strides, const char* op) {
  if (start.size() != s.size() || stop.size() != s.size() || strides.size() != s.size())
    fail(op, "the slice has ", start.size(), " dimensions but the array has shape ", shape_str(s), ".");
  Shape out(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (strides[i] == 0) fail(op, "slice step cannot be zero.");
    if (start[i] < -1 || start[i] > s[i] || stop[i] < -1 || stop[i] > s[i])
      fail(op, "slice [", start[i], ":", stop[i], "] is out of range for axis ", i, " of shape ", shape_str(s), ".");
    out[i] = slice_length(start[i], stop[i], strides[i]);
    // start is the first element read whenever the axis is not empty
    if (out[i] > 0 && (start[i] < 0 || start[i] >= s[i] || start[i] + (out[i] - 1) * strides[i] >= s[i] ||
                       start[i] + (out[i] - 1) * strides[i] < 0))
      fail(op, "slice [", start[i], ":", stop[i], ":", strides[i], "] is out of range for axis ", i, " of shape ",
           shape_str(s), ".");
  }
  return out;
}

ResolvedSlice resolve_slice(const Shape& s, const Shape& start, const Shape& stop, const Shape& strides,
                            const char* op) {
  ResolvedSlice r{normalize_slice(s, start, stop, strides, op), {}};
  r.shape = slice_shape(s, r.bounds.start, r.bounds.stop, r.bounds.strides, op);
  return r;
}

Strides slice_strides(const Strides& st, const ResolvedSlice& r, int64_t& offset) {
  Strides out(st.size());
  offset = 0;
  for (size_t i = 0; i < st.size(); ++i) {
    out[i] = r.shape[i] > 1 ? st[i] * r.bounds.strides[i] : st[i];
    offset += r.bounds.start[i] * st[i];
  }
  return out;
}

SliceBounds read_v1_slice_bounds(StateReader& r) {
  std::tuple<Shape, Shape, Shape> t;
  r.read_all(t);
  r.finish();
  SliceBounds b{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  for (Shape* s : {&b.start, &b.stop})
    for (auto& v : *s)
      if (v == -1) v = INT64_MIN;
  return b;
}

}  // namespace ingot::indexing
