// Copies and dtype conversions.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <type_traits>

#include "ingot/array.h"

namespace ingot::cpu {

// A value converted to To. Float to integer is undefined in C++ for NaN and out-of-range values (which a
// hostile file's constants can hold): those follow x86's scalar conversions, through int32 for the narrow
// types and int64 for the wide ones, then wrap: the results x86 (and so numpy there) gives.
template <typename To, typename From>
To cast_value(From x) {
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> && !std::is_same_v<To, bool>) {
    if constexpr (std::is_same_v<To, uint64_t>)
      if (x >= From(0x1p63) && x < From(0x1p64)) return static_cast<To>(x);
    if constexpr (sizeof(To) < 4 || std::is_same_v<To, int32_t>)
      return static_cast<To>(x > From(-0x1p31) - 1 && x < From(0x1p31) ? static_cast<int32_t>(x) : INT32_MIN);
    else return static_cast<To>(x >= From(-0x1p63) && x < From(0x1p63) ? static_cast<int64_t>(x) : INT64_MIN);
  } else {
    return static_cast<To>(x);
  }
}

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
