// Products with pre-packed constant weights: oneDNN's matmul over weights reordered once into its
// blocked layout, which OpenBLAS has no interface for (it repacks B at every call: a tenth of a
// transformer's prefill). oneDNN is opened at run time (libdnnl.so.2, Debian's libdnnl2); where it is
// missing, or INGOT_ONEDNN=0, nothing is packed and products go through OpenBLAS as before.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ingot/array.h"

namespace ingot::cpu {

struct PackedWeights;  // B (K x N float32) in oneDNN's layout
struct PackedProduct;  // (M x K) @ B (+ a bias row) for one M

bool packing_available();

// Packs b (K x N float32, any strides) in the layout oneDNN picks for products of about `rows` rows;
// nullptr when oneDNN is unavailable or declines.
std::shared_ptr<const PackedWeights> pack_weights(const array& b, int64_t rows);
size_t packed_bytes(const PackedWeights& w);

// The product of M rows by `w`, with a bias row of N added when `bias`; nullptr when oneDNN declines
// (a layout it cannot use for this M).
std::shared_ptr<const PackedProduct> packed_product(std::shared_ptr<const PackedWeights> w, int64_t M, bool bias);

// c (M x N, dense) = a (M x K, dense) @ B (+ bias (N), dense) on the calling thread's stream, with the
// pool's thread count. Throws std::runtime_error if oneDNN fails.
void run_packed(const PackedProduct& p, const float* a, const float* bias, float* c);

}  // namespace ingot::cpu
