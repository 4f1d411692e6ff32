// MLX's quantization modes: packing, unpacking and products with packed weights. Knows nothing
// about primitives.
//
// affine:
// Layout (bit-identical to MLX): a row of K values is quantized in groups of group_size consecutive
// values; group g has a scale s and a bias b (w ~ s * q + b, q in [0, 2^bits - 1]). Value i of the
// row occupies bits [i * bits, (i + 1) * bits) of the row's little-endian stream of uint32 words
// (so for 4 bits, word j holds values 8j..8j+7 from its low nibble up).
//
// mxfp4, mxfp8, nvfp4 (quantized_fp.cpp): groups of 32, 32 and 16 values share one uint8 scale (E8M0,
// a power of two 2^(s - 127), for the mx modes; E4M3 for nvfp4), and each value is a 4-bit E2M1 code
// (sign in bit 3) or an 8-bit E4M3 code, packed from the low bits of each little-endian uint32 word up.
// nvfp4 may also take a float32 global scale g: the scales then encode scale * 2688 / g (448 * 6,
// the largest E4M3 times the largest E2M1).
#pragma once

#include <cstdint>

#include "ingot/array.h"

namespace ingot::cpu {

enum class QuantMode : uint8_t { affine, mxfp4, mxfp8, nvfp4 };  // in memory only: files record names

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
// The floating-point modes (uint8 scales, `biases` unused) always take the tiles: each weight is its
// scale rounded to x's dtype times its code's value, exactly, and the products sum in float32
// (float64 for float64 x).
void quantized_matmul(const array& x, const array& w, const array& scales, const array& biases, array& out,
                      int group_size, int bits, bool transpose, QuantMode mode = QuantMode::affine);

// ---- the floating-point modes ----
// Elementwise E4M3 ("fn") codes, as MLX's to_fp8 / from_fp8: x (any float dtype, row-major dense) to
// out (uint8, allocated here), to nearest with ties to even, saturating at +-448 (NaN too, as MLX);
// and codes (uint8) to out of out.dtype(), exactly.
void fp8_encode(const array& x, array& out);
void fp8_decode(const array& codes, array& out);

// w: (rows, K) row-major dense, float16/bfloat16/float32/float64; global_scale: null or one float32
// (nvfp4 only). wq (rows, K * bits / 32) uint32 and scales (rows, K / group) uint8 are allocated here.
// Each step rounds to w's dtype where MLX 0.32's CPU computation does, so the bytes match, NaN and
// infinity included (float64 is computed exactly in float64, where MLX's conversions go wrong).
void fp_quantize(const array& w, const float* global_scale, array& wq, array& scales, QuantMode mode);

// out (rows, K) of out.dtype(): each value's code times its group's scale, both rounded to out's dtype
// first and the product rounded once, as MLX. With a global scale (nvfp4), MLX's result is float32
// (float64 for a float64 request): out = value * (scale * (g / 2688)), rounded to that at each step.
void fp_dequantize(const array& wq, const array& scales, const float* global_scale, array& out, QuantMode mode);

// Rows [r0, r1) of a packed (rows, cols) matrix decoded into dst ((r1 - r0) * cols, float or double):
// each value is its scale rounded to `scale_dtype` (the product's dtype) times its code's value.
template <typename A>
void fp_decode_rows(const uint32_t* w, const uint8_t* scales, int64_t r0, int64_t r1, int64_t cols, QuantMode mode,
                    Dtype scale_dtype, A* dst);

}  // namespace ingot::cpu
