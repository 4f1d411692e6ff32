// Reductions over axes and arg-reductions along one axis, for arrays of any layout.
#pragma once

#include <cstdint>
#include <vector>

#include "ingot/array.h"

namespace ingot::cpu {

enum class ReduceOp : uint8_t { sum, prod, max, min, all, any };

// Reduces `in` over `axes` (sorted, unique, in range) into `out`, which gets fresh row-major storage.
// out's dtype is the result dtype chosen by the caller: sum/prod any integer or float dtype at least as
// wide as the accumulator (bool, 8- and 16-bit integers accumulate in 32 bits; halves in float32),
// max/min in's dtype, all/any bool. Float sums are pairwise. Max/min propagate NaN.
// An empty reduction gives the identity (0, 1, true, false); for max/min it throws std::invalid_argument.
void reduce(const array& in, array& out, ReduceOp op, const std::vector<int>& axes);

enum class ArgReduceOp : uint8_t { argmax, argmin };

// out (uint32) = index of the first maximum/minimum along `axis`, or over the flattened array when
// axis < 0. A NaN counts as the extreme (the first NaN wins), as numpy. An empty axis throws.
void arg_reduce(const array& in, array& out, ArgReduceOp op, int axis);

}  // namespace ingot::cpu
