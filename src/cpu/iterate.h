// Strided iteration shared by every kernel that walks arrays of any layout.
#pragma once

#include <cstdint>
#include <vector>

#include "ingot/array.h"

namespace ingot::cpu {

// Drops size-1 dimensions and merges neighbours that are contiguous with each other in every operand.
void collapse_dims(Shape& shape, std::vector<Strides>& strides);

// Calls f(offsets, n, inner) once per innermost row of `shape`: offsets[k] is operand k's element offset
// of the row start, inner[k] its stride along the row. Rows come in row-major order.
template <class F>
void for_each_row(Shape shape, std::vector<Strides> strides, F&& f) {
  const size_t k = strides.size();
  collapse_dims(shape, strides);
  std::vector<int64_t> off(k, 0), inner(k, 0);
  const int d = static_cast<int>(shape.size());
  if (d == 0) {
    f(off.data(), int64_t{1}, inner.data());
    return;
  }
  for (size_t j = 0; j < k; ++j) inner[j] = strides[j][d - 1];
  const int64_t n = shape[d - 1];
  for (int i = 0; i < d; ++i)
    if (shape[i] == 0) return;
  std::vector<int64_t> idx(d, 0);
  while (true) {
    f(off.data(), n, inner.data());
    int i = d - 2;
    for (; i >= 0; --i) {
      if (++idx[i] < shape[i]) {
        for (size_t j = 0; j < k; ++j) off[j] += strides[j][i];
        break;
      }
      for (size_t j = 0; j < k; ++j) off[j] -= strides[j][i] * (shape[i] - 1);
      idx[i] = 0;
    }
    if (i < 0) return;
  }
}

// Strides of `a` seen as broadcast to `shape` (0 along broadcast dimensions).
Strides broadcast_strides(const array& a, const Shape& shape);

}  // namespace ingot::cpu
