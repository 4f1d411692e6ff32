// Ops composed from existing primitives: clip, nan_to_num, repeat, tile, roll, meshgrid, diag,
// diagonal, trace. Each composition costs at most one copy of its result (plus the predicates of
// nan_to_num), so none needs its own kernel.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/limits.h"
#include "core/utils.h"
#include "ingot/export.h"
#include "ingot/ops.h"

namespace ingot {

array clip(const array& a, const std::optional<Operand>& a_min, const std::optional<Operand>& a_max, StreamOrDevice s) {
  to_stream(s, "clip");
  if (!a_min && !a_max) fail("clip", "at least one of a_min and a_max must be given.");
  array out = a;
  if (a_min) out = maximum(out, *a_min);
  if (a_max) out = minimum(out, *a_max);  // last, so that a_min > a_max gives a_max, as numpy
  return out;
}

array nan_to_num(const array& a, double nan, std::optional<double> posinf, std::optional<double> neginf,
                 StreamOrDevice s) {
  to_stream(s, "nan_to_num");
  const Dtype t = a.dtype();
  if (!is_floating_point(t)) return a;
  const double big = finite_max(t);
  const array p(posinf.value_or(big), t), n(neginf.value_or(-big), t), z(nan, t);
  return where(isnan(a), z, where(isposinf(a), p, where(isneginf(a), n, a)));
}

array repeat(const array& a, int64_t repeats, int axis, StreamOrDevice s) {
  to_stream(s, "repeat");
  if (repeats < 0) fail("repeat", "the number of repeats cannot be negative, got ", repeats, ".");
  if (a.ndim() == 0) fail("repeat", "axis ", axis, " is out of range for a 0-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), "repeat");
  if (repeats == 1) return a;
  // (..., n, 1, ...) broadcast to (..., n, repeats, ...), then merged: each element `repeats` times.
  Shape wide = a.shape();
  wide.insert(wide.begin() + axis + 1, repeats);
  Shape out = a.shape();
  out[axis] *= repeats;
  shape_size(out, "repeat");
  return flatten(broadcast_to(expand_dims(a, axis + 1), wide), axis, axis + 1);
}

array repeat(const array& a, int64_t repeats, StreamOrDevice s) { return repeat(flatten(a), repeats, 0, s); }

array tile(const array& a, const Shape& reps, StreamOrDevice s) {
  to_stream(s, "tile");
  for (auto r : reps)
    if (r < 0) fail("tile", "repetitions cannot be negative, got ", shape_str(reps), ".");
  Shape shape = a.shape(), rp = reps;
  if (rp.size() < shape.size()) rp.insert(rp.begin(), shape.size() - rp.size(), 1);
  if (shape.size() < rp.size()) shape.insert(shape.begin(), rp.size() - shape.size(), 1);
  // Each axis of size n repeated r times becomes (r, n) broadcast from (1, n), then merged.
  Shape expanded, wide, out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (rp[i] != 1) {
      expanded.push_back(1);
      wide.push_back(rp[i]);
    }
    expanded.push_back(shape[i]);
    wide.push_back(shape[i]);
    out.push_back(rp[i] * shape[i]);
  }
  shape_size(out, "tile");
  return reshape(broadcast_to(reshape(a, expanded), wide), out);
}

array roll(const array& a, const Shape& shift, const std::vector<int>& axes, StreamOrDevice stream) {
  to_stream(stream, "roll");
  if (axes.empty()) return a;
  if (shift.empty() || (shift.size() != axes.size() && shift.size() != 1 && axes.size() != 1))
    fail("roll", "got ", shift.size(), " shifts for ", axes.size(), " axes; they must match or one must be single.");
  const size_t m = std::max(shift.size(), axes.size());
  const int nd = a.ndim();
  std::vector<int64_t> total(nd, 0), raw(nd, 0);  // the shift per axis: mod the traced size, and as given
  for (size_t i = 0; i < m; ++i) {
    const int ax = normalize_axis(axes[axes.size() == 1 ? 0 : i], nd, "roll");
    const int64_t n = a.shape()[ax], s = shift[shift.size() == 1 ? 0 : i];
    if (n > 0) total[ax] = (total[ax] + s % n + n) % n;  // kept in [0, n): no overflow however many shifts
    raw[ax] += s;
  }
  array out = a;
  if (detail::in_shapeless_trace()) {
    // Positions that follow the axis's size at call time: out[i] = a[(i - shift) mod n].
    for (int ax = 0; ax < nd; ++ax) {
      if (raw[ax] == 0) continue;
      const array n = number_of_elements(out, {ax}, false, int64);
      const array idx = remainder(subtract(arange_along(out, ax, int64), array(raw[ax], int64)), n);
      out = take(out, idx, ax);
    }
    return out;
  }
  for (int ax = 0; ax < nd; ++ax) {
    const int64_t n = a.shape()[ax], k = total[ax];
    if (k == 0) continue;
    Shape start(nd, 0), stop = a.shape();
    start[ax] = n - k;
    array tail = slice(out, start, stop);
    start[ax] = 0;
    stop[ax] = n - k;
    out = concatenate({tail, slice(out, start, stop)}, ax);
  }
  return out;
}

array roll(const array& a, int64_t shift, StreamOrDevice s) {
  to_stream(s, "roll");
  if (a.ndim() == 1 || !detail::in_shapeless_trace())
    return reshape(roll(flatten(a), Shape{shift}, std::vector<int>{0}), a.shape());
  fail("roll", "rolling the flattened array bakes its shape, which a shapeless export cannot follow; name the axes.");
}

array roll(const array& a, const Shape& shift, StreamOrDevice stream) {
  to_stream(stream, "roll");
  int64_t total = 0;
  const int64_t n = std::max<int64_t>(a.size(), 1);
  for (auto s : shift) total = (total + s % n) % n;
  return roll(a, total);
}

array roll(const array& a, int64_t shift, int axis, StreamOrDevice s) {
  return roll(a, Shape{shift}, std::vector<int>{axis}, s);
}

array roll(const array& a, int64_t shift, const std::vector<int>& axes, StreamOrDevice s) {
  return roll(a, Shape{shift}, axes, s);
}

array roll(const array& a, const Shape& shift, int axis, StreamOrDevice s) {
  return roll(a, shift, std::vector<int>{axis}, s);
}

Arrays meshgrid(const Arrays& arrays, bool sparse, const std::string& indexing, StreamOrDevice stream) {
  to_stream(stream, "meshgrid");
  if (indexing != "xy" && indexing != "ij")
    fail("meshgrid", "indexing must be 'xy' or 'ij', got '", indexing, "'.");
  const size_t nd = arrays.size();
  Arrays out;
  for (size_t i = 0; i < nd; ++i) {
    Shape s(nd, 1);
    // "xy" swaps the roles of the first two axes (Cartesian x along columns).
    const size_t at = indexing == "xy" && nd > 1 && i < 2 ? 1 - i : i;
    s[at] = arrays[i].size();
    out.push_back(reshape(arrays[i], s));
  }
  return sparse ? out : broadcast_arrays(out);
}

array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  to_stream(s, "diagonal");
  const int nd = a.ndim();
  if (nd < 2) fail("diagonal", "the array must have at least 2 dimensions, got shape ", shape_str(a.shape()), ".");
  const int ax1 = normalize_axis(axis1, nd, "diagonal"), ax2 = normalize_axis(axis2, nd, "diagonal");
  if (ax1 == ax2) fail("diagonal", "axis1 and axis2 cannot be the same axis (", axis1, ", ", axis2, ").");
  if (detail::in_shapeless_trace())
    fail("diagonal", "gathers the positions of the traced shape's diagonal, which a shapeless export cannot follow.");
  const int64_t off1 = std::max<int64_t>(-static_cast<int64_t>(offset), 0), off2 = std::max<int64_t>(offset, 0);
  const int64_t len = std::max<int64_t>(std::min(a.shape()[ax1] - off1, a.shape()[ax2] - off2), 0);
  Shape out_shape;
  for (int d = 0; d < nd; ++d)
    if (d != ax1 && d != ax2) out_shape.push_back(a.shape()[d]);
  out_shape.push_back(len);
  if (len == 0) return zeros(out_shape, a.dtype());
  // One gather of the len windows a[..., off1 + i, ..., off2 + i, ...], then the index axis moved last.
  Shape sizes = a.shape();
  sizes[ax1] = sizes[ax2] = 1;
  array g = gather(a, {arange(off1, off1 + len, int64_t{1}, int64), arange(off2, off2 + len, int64_t{1}, int64)},
                   {ax1, ax2}, sizes);
  return moveaxis(squeeze(g, std::vector<int>{ax1 + 1, ax2 + 1}), 0, -1);
}

array diag(const array& a, int k, StreamOrDevice s) {
  to_stream(s, "diag");
  if (a.ndim() == 2) return diagonal(a, k, 0, 1);
  if (a.ndim() != 1) fail("diag", "the array must be 1- or 2-dimensional, got shape ", shape_str(a.shape()), ".");
  const int64_t m = a.size(), n = m + std::abs(static_cast<int64_t>(k));
  array out = zeros({n, n}, a.dtype());
  if (m == 0) return out;
  const int64_t r = std::max<int64_t>(-static_cast<int64_t>(k), 0), c = std::max<int64_t>(k, 0);
  return scatter(out, {arange(r, r + m, int64_t{1}, int64), arange(c, c + m, int64_t{1}, int64)},
                 reshape(a, {m, 1, 1}), {0, 1});
}

array trace(const array& a, int offset, int axis1, int axis2, std::optional<Dtype> dtype, StreamOrDevice s) {
  to_stream(s, "trace");
  const int nd = a.ndim();
  if (nd < 2) fail("trace", "the array must have at least 2 dimensions, got shape ", shape_str(a.shape()), ".");
  const int ax1 = normalize_axis(axis1, nd, "trace"), ax2 = normalize_axis(axis2, nd, "trace");
  if (ax1 == ax2) fail("trace", "axis1 and axis2 cannot be the same axis (", axis1, ", ", axis2, ").");
  array d = diagonal(a, offset, ax1, ax2);
  if (dtype) d = astype(d, *dtype);
  return sum(d, -1);
}

}  // namespace ingot
