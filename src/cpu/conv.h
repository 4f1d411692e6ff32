// Channels-last convolution (im2col + BLAS) and window pooling. Knows nothing about primitives.
#pragma once

#include <cstdint>
#include <vector>

#include "ingot/array.h"

namespace ingot::cpu {

// One entry per spatial dimension. Padding is non-negative (callers crop first); strides and
// dilations are >= 1.
struct ConvParams {
  std::vector<int64_t> stride, pad_lo, pad_hi, kernel_dilation, input_dilation;
  int64_t groups = 1;
  bool flip = false;  // true convolution (kernel reversed) instead of cross-correlation
};

// out[n, o..., co] = sum over kernel positions k... and the group's input channels ci of
//   x[n, o * stride + k' * kernel_dilation - pad_lo, g * Cg + ci] * w[co, k..., ci]
// where positions index the input dilated by input_dilation (holes read as zero) and k' is k,
// or K - 1 - k when flipped. in: (N, S..., C_in), w: (C_out, K..., C_in / groups), both row-major
// dense of one floating dtype; out: (N, O..., C_out), allocated row-major. float16/bfloat16 are
// computed in float32.
void conv(const array& in, const array& w, array& out, const ConvParams& p);

enum class PoolOp : uint8_t { max, avg };

// Sliding-window max or mean over the spatial axes of in (N, S..., C), row-major dense, padded with
// pad_lo/pad_hi on each side: max skips the padding (as -inf would), mean counts it as zeros and
// always divides by the window size. out: (N, O..., C) allocated row-major, of in's dtype for max
// and of out's dtype (a float) for mean.
void pool(const array& in, array& out, PoolOp op, const std::vector<int64_t>& kernel,
          const std::vector<int64_t>& stride, const std::vector<int64_t>& pad_lo);

}  // namespace ingot::cpu
