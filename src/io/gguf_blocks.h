// ggml's block layouts (docs of ggml's gguf.md and ggml-common.h) as decoders for the GGUF loader.
// Q4_0, Q4_1 and Q8_0 become MLX's affine quantization (weights packed into uint32, float16 scales
// and biases, groups of 32), which represents them exactly; BF16, Q2_K, Q4_K and Q6_K are
// dequantized to float16. These are the types and results MLX's load_gguf gives.
#pragma once

#include "io/file.h"

namespace ingot::io::gguf {

// The three parts of an affine-quantized tensor, each decoded from the same blocks.
struct AffineDecoders {
  int bits;
  const BlockDecoder* weights;  // uint32 words, `bits` of them per block of 32 values
  const BlockDecoder* scales;   // one float16 per block
  const BlockDecoder* biases;   // one float16 per block
};

extern const AffineDecoders kQ4_0, kQ4_1, kQ8_0;
extern const BlockDecoder kBF16ToFloat16, kQ2_KToFloat16, kQ4_KToFloat16, kQ6_KToFloat16;

}  // namespace ingot::io::gguf
