// MLX's affine quantization: packing, unpacking and products with packed weights. Knows nothing
// about primitives.
//
// Layout (bit-identical to MLX): a row of K values is quantized in groups of group_size consecutive
// values; group g has a scale s and a bias b (w ~ s * q + b, q in [0, 2^bits - 1]). Value i of the
// row occupies bits [i * bits, (i + 1) * bits) of the row's little-endian stream of uint32 words
// (so for 4 bits, word j holds values 8j..8j+7 from its low nibble up).
#pragma once

#include <cstdint>

#include "ingot/array.h"

namespace ingot::cpu {

// w: (rows, K) row-major dense, float16/bfloat16/float32/float64; wq (rows, K * bits / 32) uint32,
// scales and biases (rows, K / group_size) of w's dtype, all allocated here. Computed in float32
// exactly as MLX's CPU kernel, so the bits match.
void quantize(const array& w, array& wq, array& scales, array& biases, int group_size, int bits);

// out (rows, K) = s * q + b in the dtype of scales/biases (one rounding per operation, as MLX's
// composition of multiply and add). All inputs row-major dense.
void dequantize(const array& wq, const array& scales, const array& biases, array& out, int group_size, int bits);

// out = x @ dequantize(w).T (transpose) or x @ dequantize(w), x of the float dtype of scales, biases
// and out. x: (batch..., M, K) or (M, K) or (K,); w, scales, biases either 2-D (shared by the batch)
// or with the same batch dimensions as x (any strides; broadcast views are not copied). out is
// allocated here. Products with up to 16 rows of x (transposed, 2, 4 or 8 bits) decode the packed
// weights on the fly, streaming them once per four rows (once in all for a single row); the others
// dequantize bounded tiles of weights into a BLAS GEMM.
void quantized_matmul(const array& x, const array& w, const array& scales, const array& biases, array& out,
                      int group_size, int bits, bool transpose);

}  // namespace ingot::cpu
