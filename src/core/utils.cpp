#include "core/utils.h"

#include <algorithm>

namespace ingot {

int normalize_axis(int axis, int ndim, const char* op) {
  if (axis < -ndim || axis >= ndim)
    fail(op, "axis ", axis, " is out of range for an array with ", ndim, " dimensions.");
  return axis < 0 ? axis + ndim : axis;
}

std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* op) {
  std::vector<int> out;
  out.reserve(axes.size());
  for (int a : axes) out.push_back(normalize_axis(a, ndim, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) fail(op, "repeated axis in the axes argument.");
  return out;
}

std::vector<int> all_axes(int ndim) {
  std::vector<int> v(ndim);
  for (int i = 0; i < ndim; ++i) v[i] = i;
  return v;
}

}  // namespace ingot

#include "ingot/ops.h"

namespace ingot {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail(op, "shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast together.");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace ingot
