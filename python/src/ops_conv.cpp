// Convolutions (MLX's conv1d/2d/3d, conv_general, conv_transpose1d/2d/3d) and the pooling kernels behind
// ingot.nn's pooling layers (max_pool1d/2d, avg_pool1d/2d; not in mlx.core). Channels last throughout.
#include <nanobind/stl/pair.h>
#include <nanobind/stl/variant.h>

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "convert.h"

namespace ingot::py {

namespace {

using IntOrSeq = std::variant<int, std::vector<int>>;
// conv_general's padding: one int, one per spatial dimension, or (low, high) sequences.
using Padding = std::variant<int, std::vector<int>, std::pair<std::vector<int>, std::vector<int>>>;

// n values from an int (repeated) or a sequence of exactly n ints.
std::vector<int> ints(const IntOrSeq& v, size_t n, const char* op, const char* name) {
  if (const int* i = std::get_if<int>(&v)) return std::vector<int>(n, *i);
  const auto& s = std::get<std::vector<int>>(v);
  if (s.size() != n)
    throw nb::value_error((std::string("[") + op + "] " + name + " must be an int or a tuple of " +
                           std::to_string(n) + " ints, got " + std::to_string(s.size()) + " values.")
                              .c_str());
  return s;
}

std::pair<int, int> pair_of(const IntOrSeq& v, const char* op, const char* name) {
  auto s = ints(v, 2, op, name);
  return {s[0], s[1]};
}

std::tuple<int, int, int> triple_of(const IntOrSeq& v, const char* op, const char* name) {
  auto s = ints(v, 3, op, name);
  return {s[0], s[1], s[2]};
}

// conv_general's int-or-list arguments: an int applies to every spatial dimension (the C++ op expands a
// single value), a list gives one value per dimension.
std::vector<int> general(const IntOrSeq& v) {
  if (const int* i = std::get_if<int>(&v)) return {*i};
  return std::get<std::vector<int>>(v);
}

}  // namespace

void init_ops_conv(nb::module_& m) {
  m.def(
      "conv1d",
      [](const array& input, const array& weight, int stride, int padding, int dilation, int groups) {
        return ingot::conv1d(input, weight, stride, padding, dilation, groups);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "groups"_a = 1,
      "1-D convolution (cross-correlation) of ``input`` (N, L, C_in) with ``weight`` (C_out, K, C_in / "
      "groups), giving (N, L_out, C_out). ``padding`` is symmetric; negative padding crops.");

  m.def(
      "conv2d",
      [](const array& input, const array& weight, const IntOrSeq& stride, const IntOrSeq& padding,
         const IntOrSeq& dilation, int groups) {
        const char* op = "conv2d";
        return ingot::conv2d(input, weight, pair_of(stride, op, "stride"), pair_of(padding, op, "padding"),
                             pair_of(dilation, op, "dilation"), groups);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "groups"_a = 1,
      "2-D convolution of ``input`` (N, H, W, C_in) with ``weight`` (C_out, KH, KW, C_in / groups). "
      "``stride``, ``padding`` and ``dilation`` are an int or a tuple of 2 ints.");

  m.def(
      "conv3d",
      [](const array& input, const array& weight, const IntOrSeq& stride, const IntOrSeq& padding,
         const IntOrSeq& dilation, int groups) {
        const char* op = "conv3d";
        return ingot::conv3d(input, weight, triple_of(stride, op, "stride"), triple_of(padding, op, "padding"),
                             triple_of(dilation, op, "dilation"), groups);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "groups"_a = 1,
      "3-D convolution of ``input`` (N, D, H, W, C_in) with ``weight`` (C_out, KD, KH, KW, C_in / groups). "
      "``stride``, ``padding`` and ``dilation`` are an int or a tuple of 3 ints.");

  m.def(
      "conv_general",
      [](const array& input, const array& weight, const IntOrSeq& stride, const Padding& padding,
         const IntOrSeq& kernel_dilation, const IntOrSeq& input_dilation, int groups, bool flip) {
        std::vector<int> lo, hi;
        if (const int* p = std::get_if<int>(&padding)) {
          lo = hi = {*p};
        } else if (const auto* p = std::get_if<std::vector<int>>(&padding)) {
          lo = hi = *p;
        } else {
          const auto& pr = std::get<std::pair<std::vector<int>, std::vector<int>>>(padding);
          lo = pr.first, hi = pr.second;
        }
        return ingot::conv_general(input, weight, general(stride), lo, hi, general(kernel_dilation),
                                   general(input_dilation), groups, flip);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "kernel_dilation"_a = 1, "input_dilation"_a = 1,
      "groups"_a = 1, "flip"_a = false,
      "Convolution over any number of spatial dimensions: ``input`` (N, ..., C_in), ``weight`` (C_out, ..., "
      "C_in / groups). Each of ``stride``, ``kernel_dilation`` and ``input_dilation`` is an int for every "
      "spatial dimension or a list with one value per dimension; ``padding`` is that too, or a pair of lists "
      "(low, high). ``flip`` flips the kernel (a true convolution instead of a cross-correlation).");

  m.def(
      "conv_transpose1d",
      [](const array& input, const array& weight, int stride, int padding, int dilation, int output_padding,
         int groups) {
        return ingot::conv_transpose1d(input, weight, stride, padding, dilation, output_padding, groups);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "output_padding"_a = 0,
      "groups"_a = 1,
      "1-D transposed convolution of ``input`` (N, L, C_in) with ``weight`` (C_out, K, C_in / groups): the "
      "gradient of conv1d with respect to its input. ``output_padding`` extends the output at the end.");

  m.def(
      "conv_transpose2d",
      [](const array& input, const array& weight, const IntOrSeq& stride, const IntOrSeq& padding,
         const IntOrSeq& dilation, const IntOrSeq& output_padding, int groups) {
        const char* op = "conv_transpose2d";
        return ingot::conv_transpose2d(input, weight, pair_of(stride, op, "stride"), pair_of(padding, op, "padding"),
                                       pair_of(dilation, op, "dilation"),
                                       pair_of(output_padding, op, "output_padding"), groups);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "output_padding"_a = 0,
      "groups"_a = 1,
      "2-D transposed convolution of ``input`` (N, H, W, C_in) with ``weight`` (C_out, KH, KW, C_in / groups). "
      "Each of ``stride``, ``padding``, ``dilation`` and ``output_padding`` is an int or a tuple of 2 ints.");

  m.def(
      "conv_transpose3d",
      [](const array& input, const array& weight, const IntOrSeq& stride, const IntOrSeq& padding,
         const IntOrSeq& dilation, const IntOrSeq& output_padding, int groups) {
        const char* op = "conv_transpose3d";
        return ingot::conv_transpose3d(input, weight, triple_of(stride, op, "stride"),
                                       triple_of(padding, op, "padding"), triple_of(dilation, op, "dilation"),
                                       triple_of(output_padding, op, "output_padding"), groups);
      },
      "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1, "output_padding"_a = 0,
      "groups"_a = 1,
      "3-D transposed convolution of ``input`` (N, D, H, W, C_in) with ``weight`` (C_out, KD, KH, KW, C_in / "
      "groups). Each of ``stride``, ``padding``, ``dilation`` and ``output_padding`` is an int or a tuple of 3 "
      "ints.");

  // Pooling: mlx.core has none (MLX pools in mlx.nn by strided views); ingot.nn's layers call these.
  m.def(
      "max_pool1d",
      [](const array& x, int kernel_size, std::optional<int> stride, int padding) {
        return ingot::max_pool1d(x, kernel_size, stride, padding);
      },
      "x"_a, "kernel_size"_a, "stride"_a = nb::none(), "padding"_a = 0,
      "Max pooling of ``x`` (N, L, C) over windows of ``kernel_size``; ``stride`` defaults to the kernel size "
      "and ``padding`` (symmetric) pads with -inf. As mlx.nn.MaxPool1d.");
  m.def(
      "avg_pool1d",
      [](const array& x, int kernel_size, std::optional<int> stride, int padding) {
        return ingot::avg_pool1d(x, kernel_size, stride, padding);
      },
      "x"_a, "kernel_size"_a, "stride"_a = nb::none(), "padding"_a = 0,
      "Average pooling of ``x`` (N, L, C) over windows of ``kernel_size``; ``stride`` defaults to the kernel "
      "size, ``padding`` (symmetric) adds zeros that count in the average. Integers give float32. As "
      "mlx.nn.AvgPool1d.");
  m.def(
      "max_pool2d",
      [](const array& x, const IntOrSeq& kernel_size, const std::optional<IntOrSeq>& stride,
         const IntOrSeq& padding) {
        const char* op = "max_pool2d";
        std::optional<std::pair<int, int>> s;
        if (stride) s = pair_of(*stride, op, "stride");
        return ingot::max_pool2d(x, pair_of(kernel_size, op, "kernel_size"), s, pair_of(padding, op, "padding"));
      },
      "x"_a, "kernel_size"_a, "stride"_a = nb::none(), "padding"_a = 0,
      "Max pooling of ``x`` (N, H, W, C); ``kernel_size``, ``stride`` (default: the kernel size) and "
      "``padding`` (symmetric, with -inf) are an int or a tuple of 2 ints. As mlx.nn.MaxPool2d.");
  m.def(
      "avg_pool2d",
      [](const array& x, const IntOrSeq& kernel_size, const std::optional<IntOrSeq>& stride,
         const IntOrSeq& padding) {
        const char* op = "avg_pool2d";
        std::optional<std::pair<int, int>> s;
        if (stride) s = pair_of(*stride, op, "stride");
        return ingot::avg_pool2d(x, pair_of(kernel_size, op, "kernel_size"), s, pair_of(padding, op, "padding"));
      },
      "x"_a, "kernel_size"_a, "stride"_a = nb::none(), "padding"_a = 0,
      "Average pooling of ``x`` (N, H, W, C); ``kernel_size``, ``stride`` (default: the kernel size) and "
      "``padding`` (symmetric zeros, counted in the average) are an int or a tuple of 2 ints. Integers give "
      "float32. As mlx.nn.AvgPool2d.");
}

}  // namespace ingot::py
