// Cumulative reductions (scans) along one axis, for arrays of any layout.
#pragma once

#include <cstdint>

#include "ingot/array.h"

namespace ingot::cpu {

enum class ScanOp : uint8_t { sum, prod, max, min, logaddexp };

// out (fresh row-major storage, the shape and dtype of `in`) = the running op along `axis`, from the
// end when `reverse`; an exclusive scan starts from the identity (0, 1, lowest, highest, -inf) and
// leaves out the element itself. Halves accumulate in float32, integer sums and products wrap
// (computed in unsigned arithmetic), bool sums are logical or and products logical and.
// max/min propagate NaN; logaddexp is for floating types only.
void scan(const array& in, array& out, ScanOp op, int axis, bool reverse, bool inclusive);

}  // namespace ingot::cpu
