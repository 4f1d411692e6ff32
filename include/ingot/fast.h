// Fused operations (MLX's mlx::core::fast): each is one primitive with a fast CPU kernel, and a
// decomposition into basic primitives that is a pure function of its state. The decomposition runs
// wherever the kernel does not (float64, kernels switched off) and survives export: an imported file
// always runs, and gives the kernel's numbers within floating-point tolerance.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ingot/ops.h"

namespace ingot::fast {

// x / sqrt(mean(x^2) + eps) over the last axis, computed in float32 (float64 for float64), cast to the
// promoted dtype of x and weight, times weight (of the last axis's size) when given.
array rms_norm(const array& x, const std::optional<array>& weight, float eps, StreamOrDevice s = {});

// (x - mean) / sqrt(var + eps) over the last axis, then times weight and plus bias (either optional).
array layer_norm(const array& x, const std::optional<array>& weight, const std::optional<array>& bias, float eps,
                 StreamOrDevice s = {});

// Rotary position embedding of the first `dims` features of x (..., T, D), at least 3-D: row t along
// axis -2 is at position (offset + t) * scale, frequencies base^(-2j / dims) or 1 / freqs (exactly one of
// base and freqs). `traditional` rotates adjacent pairs, otherwise the two halves. The offset is an int,
// or an integer array: 0-d, or one offset per index of x's first axis (per sequence of a batch).
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, int offset,
           const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, const array& offset,
           const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});

// softmax(scale * q @ k^T + mask) @ v over q (B, Hq, Lq, D), k (B, Hkv, Lk, D), v (B, Hkv, Lk, Dv), Hq a
// multiple of Hkv (grouped-query attention). mask_mode: "" (none, or the array in mask_arrs), "causal"
// (query i sees keys up to i + Lk - Lq) or "array" (mask_arrs[0], boolean: false hides; or additive),
// broadcasting against (B, Hq, Lq, Lk). Keys are walked in tiles: no Lq x Lk matrix is formed.
array scaled_dot_product_attention(const array& q, const array& k, const array& v, float scale,
                                   const std::string& mask_mode = "", const std::vector<array>& mask_arrs = {},
                                   StreamOrDevice s = {});

// Switches the fused kernels off (every fused node then runs its decomposition) and back on: for tests
// and comparisons. Returns the previous setting.
bool set_kernels_enabled(bool enabled);

}  // namespace ingot::fast
