// Copies and dtype conversions.
#pragma once

#include <cstdint>
#include <functional>

#include "ingot/array.h"

namespace ingot::cpu {

// n elements of dtype `from` at src to dtype `to` at dst (both dense).
void convert(const void* src, Dtype from, void* dst, Dtype to, int64_t n);

// src's logical elements, row-major, converted to `to`, into dst.
void copy_to_row_major(const array& src, void* dst, Dtype to);

// A row-major dense version of `a` (a itself when it already is one).
array contiguous(const array& a);

// Gives `out` fresh storage in the same dense layout as `in` when `in` is dense in some order
// (a transposed result stays transposed, as numpy's order='K'), otherwise row-major.
void alloc_like_dense(const array& in, array& out);

// Streams a's logical bytes in row-major order, in pieces of at most max_bytes (a whole number of
// elements), without materializing the whole array.
void for_each_row_major_chunk(const array& a, size_t max_bytes,
                              const std::function<void(const void* data, size_t nbytes)>& f);

}  // namespace ingot::cpu
