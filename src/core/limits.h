// Limits of the floating dtypes that ops build on.
#pragma once

#include "ingot/dtype.h"

namespace ingot {

// The largest finite value of a floating dtype (float64's for any other dtype): what clamps and masks use
// as "infinitely large but finite" (its negation is the lowest, MLX's finfo(t).min).
double finite_max(Dtype t);

}  // namespace ingot
