#include "core/layout.h"

#include <algorithm>
#include <cstdlib>

namespace ingot {

Layout layout_of(const Shape& shape, const Strides& strides) {
  Layout l;
  const int nd = static_cast<int>(shape.size());
  int64_t size = 1;
  for (auto d : shape) size *= d;
  if (size == 0) return l;  // nothing to address: every flag holds, data_size 0

  // Size-1 dimensions never move the pointer, so their strides do not matter.
  int64_t acc = 1;
  for (int i = nd - 1; i >= 0; --i) {
    if (shape[i] == 1) continue;
    if (strides[i] != acc) l.flags.row_contiguous = false;
    acc *= shape[i];
  }
  acc = 1;
  for (int i = 0; i < nd; ++i) {
    if (shape[i] == 1) continue;
    if (strides[i] != acc) l.flags.col_contiguous = false;
    acc *= shape[i];
  }

  // Dense in some order once broadcast (stride 0) dimensions are set aside.
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, extent)
  bool negative = false;
  int64_t span = 1;
  for (int i = 0; i < nd; ++i) {
    if (shape[i] == 1 || strides[i] == 0) continue;
    negative = negative || strides[i] < 0;
    dims.emplace_back(strides[i], shape[i]);
    span += (shape[i] - 1) * std::abs(strides[i]);
  }
  bool dense = !negative;
  if (dense) {
    std::sort(dims.begin(), dims.end());
    int64_t expect = 1;
    for (auto [st, n] : dims) {
      if (st != expect) {
        dense = false;
        break;
      }
      expect *= n;
    }
  }
  l.flags.contiguous = dense;
  l.data_size = span;  // equals the product of the non-broadcast extents when dense
  return l;
}

bool broadcastable_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const size_t off = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[off + i]) return false;
  return true;
}

void make_view(const array& in, array& out, Strides strides, int64_t offset) {
  Layout l = layout_of(out.shape(), strides);
  if (out.size() == 0) offset = 0;  // an empty view may start past the end; never point there
  out.copy_shared_buffer(in, std::move(strides), l.flags, l.data_size, offset);
}

}  // namespace ingot
