// ingot.fast: the fused operations of mlx.core.fast, with MLX's argument names.
#include <nanobind/stl/variant.h>

#include <variant>

#include "axes.h"
#include "convert.h"
#include "ingot/fast.h"

namespace ingot::py {

namespace {
std::optional<array> opt(const std::optional<Operand>& a) {
  return a ? std::optional<array>(arr(*a)) : std::nullopt;
}
}  // namespace

void init_fast(nb::module_& parent) {
  nb::module_ m = parent.def_submodule(
      "fast", "Fused operations (mlx.core.fast): one node each, a threaded kernel, and a decomposition that survives export.");
  m.def(
      "rms_norm",
      [](const Operand& x, const std::optional<Operand>& weight, float eps) {
        return fast::rms_norm(arr(x), opt(weight), eps);
      },
      "x"_a, "weight"_a.none(), "eps"_a,
      "x / sqrt(mean(x^2) + eps) over the last axis (in float32), cast to the promoted dtype of x and "
      "``weight``, times ``weight`` (None: no scaling).");
  m.def(
      "layer_norm",
      [](const Operand& x, const std::optional<Operand>& weight, const std::optional<Operand>& bias, float eps) {
        return fast::layer_norm(arr(x), opt(weight), opt(bias), eps);
      },
      "x"_a, "weight"_a.none(), "bias"_a.none(), "eps"_a,
      "(x - mean) / sqrt(var + eps) over the last axis (in float32), times ``weight`` and plus ``bias`` (either "
      "may be None).");
  m.def(
      "rope",
      [](const Operand& a, int dims, bool traditional, std::optional<float> base, float scale,
         const std::variant<int64_t, array>& offset, const std::optional<Operand>& freqs) {
        if (const int64_t* o = std::get_if<int64_t>(&offset)) {
          if (*o < INT32_MIN || *o > INT32_MAX)
            throw std::invalid_argument("[rope] the offset " + std::to_string(*o) + " does not fit in 32 bits.");
          return fast::rope(arr(a), dims, traditional, base, scale, static_cast<int>(*o), opt(freqs));
        }
        return fast::rope(arr(a), dims, traditional, base, scale, std::get<array>(offset), opt(freqs));
      },
      "a"_a, "dims"_a, nb::kw_only(), "traditional"_a, "base"_a.none(), "scale"_a, "offset"_a,
      "freqs"_a = nb::none(),
      "Rotary position embedding of the first ``dims`` features of ``a`` (..., T, D): row t along axis -2 is at "
      "position (offset + t) * scale. ``offset`` is an int, or an integer array (0-d, or one offset per index "
      "of the first axis); frequencies are base^(-2j / dims), or 1 / ``freqs``.");
  m.def(
      "scaled_dot_product_attention",
      [](const Operand& q, const Operand& k, const Operand& v, float scale, nb::handle mask, nb::handle sinks) {
        if (!sinks.is_none())
          throw std::invalid_argument("[scaled_dot_product_attention] attention sinks are not supported.");
        if (mask.is_none()) return fast::scaled_dot_product_attention(arr(q), arr(k), arr(v), scale);
        if (nb::isinstance<nb::str>(mask)) {
          const std::string mode = nb::cast<std::string>(mask);
          if (mode != "causal")
            throw std::invalid_argument("[scaled_dot_product_attention] invalid mask type '" + mode +
                                        "'; use 'causal' or an array.");
          return fast::scaled_dot_product_attention(arr(q), arr(k), arr(v), scale, "causal");
        }
        return fast::scaled_dot_product_attention(arr(q), arr(k), arr(v), scale, "array", {to_array(mask)});
      },
      "q"_a, "k"_a, "v"_a, nb::kw_only(), "scale"_a, "mask"_a = nb::none(), "sinks"_a = nb::none(),
      "softmax(scale * q @ k^T + mask) @ v over (B, heads, L, D) inputs; keys and values may have fewer heads "
      "(grouped-query attention). ``mask``: None, \"causal\" (query i sees keys up to i + Lk - Lq), a boolean "
      "array (False hides) or an additive array, broadcasting against (B, heads, Lq, Lk).");
  m.def(
      "_set_kernels_enabled", [](bool on) { return fast::set_kernels_enabled(on); }, "enabled"_a,
      "Switches the fused kernels off (every fused node runs its decomposition) or on; returns the previous "
      "setting. For tests and comparisons.");
}

}  // namespace ingot::py
