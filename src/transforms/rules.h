// What the primitives' transform rules share: broadcasting undone, rules through a decomposition, and
// batch axes moved into place.
#pragma once

#include <functional>
#include <vector>

#include "ingot/array.h"
#include "ingot/transforms.h"

namespace ingot {

namespace detail {
using CotangentsFor = std::function<Arrays(const Arrays& outputs)>;
// vjp with the cotangents chosen once the outputs are known (grad seeds the loss's dtype).
std::pair<Arrays, Arrays> vjp_impl(const ArraysFn& fun, const Arrays& primals, const CotangentsFor& cotangents,
                                   const char* fn);
}  // namespace detail

namespace rules {

// For primitives without a derivative (index-valued results, piecewise constants): no cotangent for any
// input, zero tangents for every output.
inline Arrays no_cotangents(const std::vector<int>& argnums) { return Arrays(argnums.size()); }
Arrays zero_tangents(const Arrays& outputs);

// `cot`, of a broadcast result, summed back to `shape` (the shape of an input that was broadcast).
array unbroadcast(const array& cot, const Shape& shape);

// The cotangents at argnums of `decomposition` (the primitive written with other ops): fused ops take
// their rules from their decompositions.
Arrays vjp_via(const ArraysFn& decomposition, const Arrays& primals, const Arrays& cotangents,
               const std::vector<int>& argnums);
// The output tangents of `decomposition` given the tangents of the inputs at argnums.
Arrays jvp_via(const ArraysFn& decomposition, const Arrays& primals, const Arrays& tangents,
               const std::vector<int>& argnums);

// An elementwise primitive's batching: every batched input moved to axis 0 and given leading ones so
// that it lines up with the others (and with a result of at least `rank` dimensions) under
// broadcasting; unbatched inputs stay as they are.
Arrays align_batched(const Arrays& in, const std::vector<int>& axes, int rank = 0);
// `x` with its batch axis moved to the front.
array batch_first(const array& x, int axis);
// Every input with its batch axis at the front; unbatched ones repeated along a new front axis.
Arrays all_batch_first(const Arrays& in, const std::vector<int>& axes);

}  // namespace rules
}  // namespace ingot
