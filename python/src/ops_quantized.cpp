// Quantization with MLX's Python signatures: quantize, dequantize, quantized_matmul, in MLX's modes
// "affine", "mxfp4", "mxfp8" and "nvfp4" (bit-identical packing).
#include <string>

#include "convert.h"

namespace ingot::py {

void init_ops_quantized(nb::module_& m) {
  m.def(
      "quantize",
      [](const array& w, std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
         const std::optional<array>& global_scale) { return ingot::quantize(w, group_size, bits, mode, global_scale); },
      "w"_a, "group_size"_a = nb::none(), "bits"_a = nb::none(), "mode"_a = "affine", nb::kw_only(),
      "global_scale"_a = nb::none(),
      "Quantizes ``w`` (at least 2-D, floating point) in groups of ``group_size`` consecutive elements of its "
      "last axis, as MLX. ``mode='affine'``: group_size 32, 64 (default) or 128, ``bits`` 2, 3, 4 (default), 5, "
      "6 or 8; returns ``[w_q, scales, biases]`` with ``w ~ scales * q + biases`` per group and the values "
      "packed into uint32 words from the low bits up. ``'mxfp4'`` (group 32, 4 bits, E2M1 values, E8M0 "
      "scales), ``'mxfp8'`` (32, 8, E4M3 values, E8M0 scales) and ``'nvfp4'`` (16, 4, E2M1 values, E4M3 "
      "scales) return ``[w_q, scales]`` with uint8 scales; ``global_scale`` (a float32 scalar, nvfp4 only) "
      "sets the range the scales encode.");

  m.def(
      "dequantize",
      [](const array& w, const array& scales, const std::optional<array>& biases, std::optional<int> group_size,
         std::optional<int> bits, const std::string& mode, const std::optional<array>& global_scale,
         std::optional<Dtype> dtype) {
        return ingot::dequantize(w, scales, biases, group_size, bits, mode, global_scale, dtype);
      },
      "w"_a, "scales"_a, "biases"_a = nb::none(), "group_size"_a = nb::none(), "bits"_a = nb::none(),
      "mode"_a = "affine", "global_scale"_a = nb::none(), "dtype"_a = nb::none(),
      "Unpacks ``w`` (as returned by :func:`quantize` in the same ``mode``). affine: ``scales * q + biases`` in "
      "the dtype of scales and biases (``biases`` required), converted to ``dtype`` when given. The other modes "
      "take no biases and give ``dtype`` (default bfloat16, as MLX; float32 with a ``global_scale``).");

  m.def(
      "quantized_matmul",
      [](const array& x, const array& w, const array& scales, const std::optional<array>& biases, bool transpose,
         std::optional<int> group_size, std::optional<int> bits, const std::string& mode) {
        return ingot::quantized_matmul(x, w, scales, biases, transpose, group_size, bits, mode);
      },
      "x"_a, "w"_a, "scales"_a, "biases"_a = nb::none(), "transpose"_a = true, "group_size"_a = nb::none(),
      "bits"_a = nb::none(), "mode"_a = "affine",
      "``x @ dequantize(w, ...).T`` (``transpose=True``, the default) or ``x @ dequantize(w, ...)``, computed "
      "from the packed weights without unpacking them. ``biases`` is required in the affine mode and refused "
      "in the others, whose result has x's dtype.");
  m.def(
      "gather_qmm",
      [](const array& x, const array& w, const array& scales, const std::optional<array>& biases,
         const std::optional<array>& lhs_indices, const std::optional<array>& rhs_indices, bool transpose,
         std::optional<int> group_size, std::optional<int> bits, const std::string& mode, bool sorted_indices) {
        return ingot::gather_qmm(x, w, scales, biases, lhs_indices, rhs_indices, transpose, group_size, bits, mode,
                                 sorted_indices);
      },
      "x"_a, "w"_a, "scales"_a, "biases"_a = nb::none(), "lhs_indices"_a = nb::none(), "rhs_indices"_a = nb::none(),
      "transpose"_a = true, "group_size"_a = nb::none(), "bits"_a = nb::none(), "mode"_a = "affine", nb::kw_only(),
      "sorted_indices"_a = false,
      "quantized_matmul of the matrices of x and of the packed w (with its scales and biases) picked by "
      "``lhs_indices`` and ``rhs_indices`` from their flattened batches, as gather_mm picks them; a missing index "
      "array keeps that side's batch. ``sorted_indices`` is a hint and changes nothing.");
  m.def(
      "to_fp8", [](const array& x) { return ingot::to_fp8(x); }, "x"_a,
      "E4M3 (fp8) codes of a floating array, as uint8: to nearest, ties to even, saturating at +-448 (NaN and "
      "infinities too), as MLX.");
  m.def(
      "from_fp8", [](const array& x, Dtype dtype) { return ingot::from_fp8(x, dtype); }, "x"_a, "dtype"_a = bfloat16,
      "The values of uint8 E4M3 (fp8) codes, exactly, as ``dtype`` (default bfloat16, as MLX).");
}

}  // namespace ingot::py
