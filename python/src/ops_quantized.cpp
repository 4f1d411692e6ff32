// Quantization with MLX's Python signatures: quantize, dequantize, quantized_matmul. Only MLX's "affine"
// mode exists in ingot (bit-identical packing); the floating-point modes are refused.
#include <nanobind/stl/tuple.h>

#include <string>
#include <tuple>

#include "convert.h"

namespace ingot::py {

namespace {

void check_mode(const std::string& mode, const char* op) {
  if (mode != "affine")
    throw nb::value_error((std::string("[") + op + "] quantization mode '" + mode +
                           "' is not supported; only 'affine' is.")
                              .c_str());
}

void no_global_scale(nb::handle global_scale, const char* op) {
  if (!global_scale.is_none())
    throw nb::value_error((std::string("[") + op + "] global_scale is only used by the 'nvfp4' mode, which is not "
                                                   "supported; leave it None.")
                              .c_str());
}

const array& need_biases(const std::optional<array>& biases, const char* op) {
  if (!biases) throw nb::value_error((std::string("[") + op + "] the 'affine' mode needs biases.").c_str());
  return *biases;
}

}  // namespace

void init_ops_quantized(nb::module_& m) {
  m.def(
      "quantize",
      [](const array& w, std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
         nb::handle global_scale) {
        check_mode(mode, "quantize");
        no_global_scale(global_scale, "quantize");
        return ingot::quantize(w, group_size.value_or(64), bits.value_or(4));
      },
      "w"_a, "group_size"_a = nb::none(), "bits"_a = nb::none(), "mode"_a = "affine", nb::kw_only(),
      "global_scale"_a = nb::none(),
      "Quantizes ``w`` (at least 2-D, floating point) in groups of ``group_size`` (32, 64 or 128; default "
      "64) consecutive elements of its last axis to ``bits`` (2, 3, 4, 5, 6 or 8; default 4). Returns "
      "``(w_q, scales, biases)``: w_q packs the values into uint32 words from the low bits up, and "
      "``w ~ scales * q + biases`` per group. Only ``mode='affine'``.");

  m.def(
      "dequantize",
      [](const array& w, const array& scales, const std::optional<array>& biases, std::optional<int> group_size,
         std::optional<int> bits, const std::string& mode, nb::handle global_scale, std::optional<Dtype> dtype) {
        check_mode(mode, "dequantize");
        no_global_scale(global_scale, "dequantize");
        return ingot::dequantize(w, scales, need_biases(biases, "dequantize"), group_size.value_or(64),
                                 bits.value_or(4), dtype);
      },
      "w"_a, "scales"_a, "biases"_a = nb::none(), "group_size"_a = nb::none(), "bits"_a = nb::none(),
      "mode"_a = "affine", "global_scale"_a = nb::none(), "dtype"_a = nb::none(),
      "Unpacks ``w`` (as returned by :func:`quantize`) into ``scales * q + biases``, computed in the dtype of "
      "scales and biases and converted to ``dtype`` when given. ``biases`` is required (affine mode).");

  m.def(
      "quantized_matmul",
      [](const array& x, const array& w, const array& scales, const std::optional<array>& biases, bool transpose,
         std::optional<int> group_size, std::optional<int> bits, const std::string& mode) {
        check_mode(mode, "quantized_matmul");
        return ingot::quantized_matmul(x, w, scales, need_biases(biases, "quantized_matmul"), transpose,
                                       group_size.value_or(64), bits.value_or(4));
      },
      "x"_a, "w"_a, "scales"_a, "biases"_a = nb::none(), "transpose"_a = true, "group_size"_a = nb::none(),
      "bits"_a = nb::none(), "mode"_a = "affine",
      "``x @ dequantize(w, ...).T`` (``transpose=True``, the default) or ``x @ dequantize(w, ...)``, computed "
      "from the packed weights without unpacking them. ``biases`` is required (affine mode).");
}

}  // namespace ingot::py
