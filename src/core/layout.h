// Strided views: the layout facts (flags, data_size) of a shape/strides pair, and making one array
// a view of another's buffer.
#pragma once

#include "ingot/array.h"

namespace ingot {

struct Layout {
  Flags flags;
  // Contiguous layouts: the number of distinct slots the elements fill (smaller than size under
  // broadcasting). Otherwise the span between the lowest and the highest element, inclusive.
  int64_t data_size = 0;
};

Layout layout_of(const Shape& shape, const Strides& strides);

// Whether `from` broadcasts to exactly `to` (numpy rules, `to` left unchanged).
bool broadcastable_to(const Shape& from, const Shape& to);

// Makes `out` a view of `in` (evaluated): out's element i0..in is at
// in.data + offset + sum(i_k * strides[k]), all in elements. `out` keeps in's buffer alive.
void make_view(const array& in, array& out, Strides strides, int64_t offset = 0);

}  // namespace ingot
