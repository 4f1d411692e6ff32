// Evaluation of lazy graphs.
#pragma once

#include "ingot/array.h"

namespace ingot {

// Computes every array in `outputs` on the calling thread. Iterative: graph depth is bounded
// only by memory. Intermediates are released as soon as their last consumer has run.
void eval(const Arrays& outputs);

template <typename... A>
void eval(const array& first, const A&... rest) {
  eval(Arrays{first, rest...});
}

}  // namespace ingot
