// What a replay plan asks of the product primitives (src/prims/matmul.cpp).
#pragma once

#include "prims/primitive.h"

namespace ingot {

// Whether p is AddMM with alpha = beta = 1: a @ b + c, a product with a bias.
bool is_plain_addmm(const Primitive& p);

}  // namespace ingot
