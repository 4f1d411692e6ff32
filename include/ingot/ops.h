// Array operations. Names, arguments and semantics follow MLX (and numpy where MLX follows numpy).
// Every op is lazy: it records a node; eval() computes. Invalid arguments throw std::invalid_argument
// with a message naming the op and the offending shapes or values.
#pragma once

#include <concepts>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "ingot/array.h"
#include "ingot/device.h"

namespace ingot {

// An array, or a Python-style "weak" scalar whose dtype yields to the array it meets:
// float16 x + 2 stays float16, int32 x + 2.5 becomes float32, bool x + 1 becomes int32.
class Operand {
 public:
  Operand(const array& a) : value_(a) {}
  Operand(array&& a) : value_(std::move(a)) {}
  Operand(bool v) : value_(Scalar{Scalar::boolean, v ? 1 : 0, v ? 1.0 : 0.0}) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Operand(T v) : value_(Scalar{Scalar::integer, static_cast<int64_t>(v), static_cast<double>(v)}) {}
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Operand(T v) : value_(Scalar{Scalar::real, static_cast<int64_t>(0), static_cast<double>(v)}) {}
  Operand(complex64_t v) : value_(Scalar{Scalar::complex, 0, v.real(), v.imag()}) {}

  struct Scalar {
    enum Kind { boolean, integer, real, complex } kind;  // in order of strength
    int64_t i;
    double f;
    double im = 0;  // the imaginary part of a complex scalar
  };
  bool is_array() const { return std::holds_alternative<array>(value_); }
  const array& as_array() const { return std::get<array>(value_); }
  const Scalar& as_scalar() const { return std::get<Scalar>(value_); }
  // The dtype this operand has on its own (a scalar alone: bool, int32 (int64 beyond it) or float32).
  Dtype own_dtype() const;
  // The operand as an array of dtype t (scalars are converted exactly once, here). An integer
  // scalar outside the range of a narrower integer t is an error naming `op`, as in MLX.
  array to_array(Dtype t, const char* op = "array") const;

 private:
  std::variant<array, Scalar> value_;
};

// The dtype an op over these operands computes in: promote_types over arrays, weak scalars yielding.
Dtype result_type(const std::vector<Operand>& operands);

// ---- creation ----
array full(const Shape& shape, const Operand& value, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
array zeros(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array ones(const Shape& shape, Dtype dtype = float32, StreamOrDevice s = {});
array zeros_like(const array& a, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
array ones_like(const array& a, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
array full_like(const array& a, const Operand& value, std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
array arange(double start, double stop, double step = 1.0, Dtype dtype = float32, StreamOrDevice s = {});
array arange(double stop, Dtype dtype = float32, StreamOrDevice s = {});
array arange(int64_t start, int64_t stop, int64_t step = 1, Dtype dtype = int32, StreamOrDevice s = {});
array arange(int64_t stop, Dtype dtype = int32, StreamOrDevice s = {});
// Exact matches for int literals, which would otherwise be ambiguous between double and int64_t.
array arange(int start, int stop, int step = 1, Dtype dtype = int32, StreamOrDevice s = {});
array arange(int stop, Dtype dtype = int32, StreamOrDevice s = {});
array linspace(double start, double stop, int64_t num = 50, Dtype dtype = float32, StreamOrDevice s = {});
array eye(int64_t n, std::optional<int64_t> m = std::nullopt, int64_t k = 0, Dtype dtype = float32,
          StreamOrDevice s = {});
array identity(int64_t n, Dtype dtype = float32, StreamOrDevice s = {});
array tri(int64_t n, std::optional<int64_t> m = std::nullopt, int64_t k = 0, Dtype dtype = float32,
          StreamOrDevice s = {});

// ---- unary ----
array abs(const array& a, StreamOrDevice s = {});
array negative(const array& a, StreamOrDevice s = {});
array sign(const array& a, StreamOrDevice s = {});
array square(const array& a, StreamOrDevice s = {});
array sqrt(const array& a, StreamOrDevice s = {});
array rsqrt(const array& a, StreamOrDevice s = {});
array reciprocal(const array& a, StreamOrDevice s = {});
array exp(const array& a, StreamOrDevice s = {});
array expm1(const array& a, StreamOrDevice s = {});
array log(const array& a, StreamOrDevice s = {});
array log1p(const array& a, StreamOrDevice s = {});
array log2(const array& a, StreamOrDevice s = {});
array log10(const array& a, StreamOrDevice s = {});
array sin(const array& a, StreamOrDevice s = {});
array cos(const array& a, StreamOrDevice s = {});
array tan(const array& a, StreamOrDevice s = {});
array arcsin(const array& a, StreamOrDevice s = {});
array arccos(const array& a, StreamOrDevice s = {});
array arctan(const array& a, StreamOrDevice s = {});
array sinh(const array& a, StreamOrDevice s = {});
array cosh(const array& a, StreamOrDevice s = {});
array tanh(const array& a, StreamOrDevice s = {});
array arcsinh(const array& a, StreamOrDevice s = {});
array arccosh(const array& a, StreamOrDevice s = {});
array arctanh(const array& a, StreamOrDevice s = {});
array sigmoid(const array& a, StreamOrDevice s = {});
array erf(const array& a, StreamOrDevice s = {});
array erfinv(const array& a, StreamOrDevice s = {});
array floor(const array& a, StreamOrDevice s = {});
array ceil(const array& a, StreamOrDevice s = {});
array round(const array& a, int decimals = 0, StreamOrDevice s = {});
array logical_not(const array& a, StreamOrDevice s = {});
array bitwise_invert(const array& a, StreamOrDevice s = {});
array isnan(const array& a, StreamOrDevice s = {});
array isinf(const array& a, StreamOrDevice s = {});
array isposinf(const array& a, StreamOrDevice s = {});
array isneginf(const array& a, StreamOrDevice s = {});
array isfinite(const array& a, StreamOrDevice s = {});
array stop_gradient(const array& a, StreamOrDevice s = {});
array astype(const array& a, Dtype dtype, StreamOrDevice s = {});
array copy(const array& a, StreamOrDevice s = {});
// a with row-major data: a itself when it has it (column-major too with allow_col_major), else a copy.
array contiguous(const array& a, bool allow_col_major = false, StreamOrDevice s = {});
// `inputs` passed through unchanged, but computed only after `dependencies` (MLX's depends).
Arrays depends(const Arrays& inputs, const Arrays& dependencies, StreamOrDevice s = {});

// ---- binary (numpy broadcasting, MLX promotion) ----
array add(const Operand& a, const Operand& b, StreamOrDevice s = {});
array subtract(const Operand& a, const Operand& b, StreamOrDevice s = {});
array multiply(const Operand& a, const Operand& b, StreamOrDevice s = {});
array divide(const Operand& a, const Operand& b, StreamOrDevice s = {});  // true division: integers give float32
array floor_divide(const Operand& a, const Operand& b, StreamOrDevice s = {});
array remainder(const Operand& a, const Operand& b, StreamOrDevice s = {});  // sign follows the divisor, as Python's %
std::pair<array, array> divmod(const Operand& a, const Operand& b, StreamOrDevice s = {});
array power(const Operand& a, const Operand& b, StreamOrDevice s = {});
array maximum(const Operand& a, const Operand& b, StreamOrDevice s = {});  // NaN propagates
array minimum(const Operand& a, const Operand& b, StreamOrDevice s = {});
array arctan2(const Operand& a, const Operand& b, StreamOrDevice s = {});
array logaddexp(const Operand& a, const Operand& b, StreamOrDevice s = {});
array equal(const Operand& a, const Operand& b, StreamOrDevice s = {});
array not_equal(const Operand& a, const Operand& b, StreamOrDevice s = {});
array less(const Operand& a, const Operand& b, StreamOrDevice s = {});
array less_equal(const Operand& a, const Operand& b, StreamOrDevice s = {});
array greater(const Operand& a, const Operand& b, StreamOrDevice s = {});
array greater_equal(const Operand& a, const Operand& b, StreamOrDevice s = {});
array logical_and(const Operand& a, const Operand& b, StreamOrDevice s = {});
array logical_or(const Operand& a, const Operand& b, StreamOrDevice s = {});
array bitwise_and(const Operand& a, const Operand& b, StreamOrDevice s = {});
array bitwise_or(const Operand& a, const Operand& b, StreamOrDevice s = {});
array bitwise_xor(const Operand& a, const Operand& b, StreamOrDevice s = {});
array left_shift(const Operand& a, const Operand& b, StreamOrDevice s = {});
array right_shift(const Operand& a, const Operand& b, StreamOrDevice s = {});
array where(const Operand& condition, const Operand& x, const Operand& y, StreamOrDevice s = {});
array isclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
              StreamOrDevice s = {});
bool allclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
              StreamOrDevice s = {});
bool array_equal(const array& a, const array& b, bool equal_nan = false, StreamOrDevice s = {});

// ---- reductions (axes may be negative; an empty axes list with `all` semantics means every axis) ----
array sum(const array& a, bool keepdims = false, StreamOrDevice s = {});
array sum(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array sum(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array var(const array& a, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array var(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array var(const array& a, int axis, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, int axis, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array logsumexp(const array& a, bool keepdims = false, StreamOrDevice s = {});
array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array logsumexp(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array argmax(const array& a, bool keepdims = false, StreamOrDevice s = {});  // over the flattened array; uint32 as MLX
array argmax(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array softmax(const array& a, bool precise = false, StreamOrDevice s = {});  // over all axes
array softmax(const array& a, const std::vector<int>& axes, bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, int axis, bool precise = false, StreamOrDevice s = {});

// ---- shapes ----
array reshape(const array& a, Shape shape, StreamOrDevice s = {});  // one dimension may be -1
array flatten(const array& a, int start_axis = 0, int end_axis = -1, StreamOrDevice s = {});
array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s = {});
array transpose(const array& a, StreamOrDevice s = {});  // reverses the axes
array transpose(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s = {});
array moveaxis(const array& a, int source, int destination, StreamOrDevice s = {});
array expand_dims(const array& a, int axis, StreamOrDevice s = {});
array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array squeeze(const array& a, StreamOrDevice s = {});
array squeeze(const array& a, int axis, StreamOrDevice s = {});
array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
Arrays broadcast_arrays(const Arrays& inputs, StreamOrDevice s = {});
// `a` broadcast against the shapes of `like` (not MLX's): a target shape taken from arrays at run time.
array broadcast_like(const array& a, const Arrays& like, StreamOrDevice s = {});
// The number of elements of `a` along `axes` (1 / that with `inverted`) as a 0-d array, counted at
// run time: what a shapeless export divides by (MLX's C++ op).
array number_of_elements(const array& a, const std::vector<int>& axes, bool inverted = false, Dtype dtype = int32,
                         StreamOrDevice s = {});
// 0, 1, ..., n - 1 for the size n of `like` along `axis`, taken at run time (not MLX's): with it a
// shapeless export builds positions and masks that follow the input's length.
array arange_along(const array& like, int axis, Dtype dtype = int32, StreamOrDevice s = {});
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast_shapes");
array concatenate(const Arrays& arrays, int axis = 0, StreamOrDevice s = {});
array concatenate(const Arrays& arrays, std::nullopt_t, StreamOrDevice s = {});  // flattens first, as axis=None
array stack(const Arrays& arrays, int axis = 0, StreamOrDevice s = {});
Arrays split(const array& a, int num_splits, int axis = 0, StreamOrDevice s = {});
Arrays split(const array& a, const std::vector<int64_t>& indices, int axis = 0, StreamOrDevice s = {});
// Python-style slicing per axis; stops are clamped, steps may be negative.
array slice(const array& a, const Shape& start, const Shape& stop, std::optional<Shape> strides = std::nullopt,
            StreamOrDevice s = {});
array slice(const array& a, const Shape& start, const Shape& stop, const Shape& strides, StreamOrDevice s = {});
// Static-size window along `axes`. A template only so that a braced call slice(a, {..}, {..}, {..}) picks
// the strided overload above (a non-template wins a tie); pass axes as std::vector<int>.
template <class Axes = std::vector<int>>
  requires std::same_as<Axes, std::vector<int>>
array slice(const array& a, const Shape& start, const Axes& axes, const Shape& slice_size, StreamOrDevice s = {});
array tril(const array& a, int k = 0, StreamOrDevice s = {});
array triu(const array& a, int k = 0, StreamOrDevice s = {});

// ---- linear algebra ----
array matmul(const array& a, const array& b, StreamOrDevice s = {});
// MLX's gather_mm: matmul of the matrices of a and b picked by lhs_indices / rhs_indices from their
// (flattened) batches, the index arrays broadcast together; a missing index array is a's (b's) own batch
// positions. sorted_indices is a hint and changes nothing.
array gather_mm(const array& a, const array& b, const std::optional<array>& lhs_indices = std::nullopt,
                const std::optional<array>& rhs_indices = std::nullopt, bool sorted_indices = false,
                StreamOrDevice s = {});
// MLX's block_masked_mm: blocks (block_size 32 or 64) of a and b multiplied by mask_lhs / mask_rhs and of
// the product by mask_out (each (..., ceil(rows / block), ceil(cols / block)); a bool mask zeroes the
// blocks it is false on).
array block_masked_mm(const array& a, const array& b, int block_size,
                      const std::optional<array>& mask_out = std::nullopt,
                      const std::optional<array>& mask_lhs = std::nullopt,
                      const std::optional<array>& mask_rhs = std::nullopt, StreamOrDevice s = {});
array addmm(const array& c, const array& a, const array& b, float alpha = 1.0f, float beta = 1.0f,
            StreamOrDevice s = {});

// ---- convolution and pooling (MLX layout: channels last) ----
// input (N, spatial..., C_in), weight (C_out, kernel..., C_in / groups), result (N, spatial..., C_out);
// floating point only, operands promoted to a common dtype. Negative padding crops the input, as in MLX.
array conv1d(const array& input, const array& weight, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
             StreamOrDevice s = {});
array conv2d(const array& input, const array& weight, const std::pair<int, int>& stride = {1, 1},
             const std::pair<int, int>& padding = {0, 0}, const std::pair<int, int>& dilation = {1, 1}, int groups = 1,
             StreamOrDevice s = {});
array conv3d(const array& input, const array& weight, const std::tuple<int, int, int>& stride = {1, 1, 1},
             const std::tuple<int, int, int>& padding = {0, 0, 0},
             const std::tuple<int, int, int>& dilation = {1, 1, 1}, int groups = 1, StreamOrDevice s = {});
// Asymmetric padding (padding_lo, padding_hi), input dilation and kernel flipping. Each vector holds one value
// per spatial dimension, or a single value for all of them, or none for the default (padding_hi: 0, not lo).
array conv_general(const array& input, const array& weight, std::vector<int> stride = {},
                   std::vector<int> padding_lo = {}, std::vector<int> padding_hi = {},
                   std::vector<int> kernel_dilation = {}, std::vector<int> input_dilation = {}, int groups = 1,
                   bool flip = false, StreamOrDevice s = {});
// The weight keeps the layout (C_out, kernel..., C_in / groups), as in MLX.
array conv_transpose1d(const array& input, const array& weight, int stride = 1, int padding = 0, int dilation = 1,
                       int output_padding = 0, int groups = 1, StreamOrDevice s = {});
array conv_transpose2d(const array& input, const array& weight, const std::pair<int, int>& stride = {1, 1},
                       const std::pair<int, int>& padding = {0, 0}, const std::pair<int, int>& dilation = {1, 1},
                       const std::pair<int, int>& output_padding = {0, 0}, int groups = 1, StreamOrDevice s = {});
array conv_transpose3d(const array& input, const array& weight, const std::tuple<int, int, int>& stride = {1, 1, 1},
                       const std::tuple<int, int, int>& padding = {0, 0, 0},
                       const std::tuple<int, int, int>& dilation = {1, 1, 1},
                       const std::tuple<int, int, int>& output_padding = {0, 0, 0}, int groups = 1,
                       StreamOrDevice s = {});
// As mlx.nn.MaxPool1d/2d and AvgPool1d/2d on (N, spatial..., C): stride defaults to the kernel size, padding
// is symmetric; max pads with -inf, the average counts padded zeros (always divides by the window size).
// Average pooling of integers gives float32.
array max_pool1d(const array& x, int kernel_size, std::optional<int> stride = std::nullopt, int padding = 0,
                 StreamOrDevice s = {});
array avg_pool1d(const array& x, int kernel_size, std::optional<int> stride = std::nullopt, int padding = 0,
                 StreamOrDevice s = {});
array max_pool2d(const array& x, const std::pair<int, int>& kernel_size,
                 std::optional<std::pair<int, int>> stride = std::nullopt, const std::pair<int, int>& padding = {0, 0},
                 StreamOrDevice s = {});
array avg_pool2d(const array& x, const std::pair<int, int>& kernel_size,
                 std::optional<std::pair<int, int>> stride = std::nullopt, const std::pair<int, int>& padding = {0, 0},
                 StreamOrDevice s = {});
// The same with an explicit stride, so that a braced stride {2, 2} works.
array max_pool2d(const array& x, const std::pair<int, int>& kernel_size, const std::pair<int, int>& stride,
                 const std::pair<int, int>& padding = {0, 0}, StreamOrDevice s = {});
array avg_pool2d(const array& x, const std::pair<int, int>& kernel_size, const std::pair<int, int>& stride,
                 const std::pair<int, int>& padding = {0, 0}, StreamOrDevice s = {});

// ---- quantization (MLX's modes, bit-identical packing) ----
// affine: w (..., K) of a floating dtype, quantized in groups of group_size (32, 64 or 128) along the last
// axis to bits (2, 3, 4, 5, 6 or 8): returns (packed uint32 (..., K * bits / 32), scales (..., K / group_size),
// biases (same)), scales and biases of w's dtype; value i of a row lies at bits [i * bits, (i + 1) * bits) of
// its little-endian words, and w ~ scale * q + bias.
std::tuple<array, array, array> quantize(const array& w, int group_size = 64, int bits = 4, StreamOrDevice s = {});
// Any of MLX's modes by name: "affine" (defaults 64 and 4) gives {packed, scales, biases} as above; "mxfp4"
// (group 32, 4 bits: E2M1 values, E8M0 power-of-two scales), "mxfp8" (32, 8: E4M3 values, E8M0 scales) and
// "nvfp4" (16, 4: E2M1 values, E4M3 scales, optionally encoded against a float32 global_scale) give
// {packed uint32, uint8 scales}, the bytes MLX 0.32 gives. Their group_size and bits must be those.
std::vector<array> quantize(const array& w, std::optional<int> group_size, std::optional<int> bits,
                            const std::string& mode, const std::optional<array>& global_scale = std::nullopt,
                            StreamOrDevice s = {});
// scale * q + bias computed in the dtype of scales and biases (promoted), then cast to dtype if given.
array dequantize(const array& w, const array& scales, const array& biases, int group_size = 64, int bits = 4,
                 std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});
// Any mode: affine needs biases; the others take none, and give dtype (default bfloat16, as MLX; float32
// with a global scale unless float64 is asked for).
array dequantize(const array& w, const array& scales, const std::optional<array>& biases, std::optional<int> group_size,
                 std::optional<int> bits, const std::string& mode,
                 const std::optional<array>& global_scale = std::nullopt, std::optional<Dtype> dtype = std::nullopt,
                 StreamOrDevice s = {});
// x @ dequantize(w).T (transpose) or x @ dequantize(w), computed from the packed weights directly.
array quantized_matmul(const array& x, const array& w, const array& scales, const array& biases, bool transpose = true,
                       int group_size = 64, int bits = 4, StreamOrDevice s = {});
// Any mode (biases for affine only; the others give x's dtype and ignore nvfp4's global scale, as MLX).
array quantized_matmul(const array& x, const array& w, const array& scales, const std::optional<array>& biases,
                       bool transpose, std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
                       StreamOrDevice s = {});
// MLX's gather_qmm: quantized_matmul of the matrices of x and of the packed w (with its scales and biases)
// picked by lhs_indices / rhs_indices from their flattened batches, as gather_mm picks them.
array gather_qmm(const array& x, const array& w, const array& scales, const std::optional<array>& biases = std::nullopt,
                 const std::optional<array>& lhs_indices = std::nullopt,
                 const std::optional<array>& rhs_indices = std::nullopt, bool transpose = true,
                 std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                 const std::string& mode = "affine", bool sorted_indices = false, StreamOrDevice s = {});
// E4M3 ("fn") codes in uint8, as MLX: to nearest, ties to even, saturating at +-448 (NaN and infinities
// too); from_fp8 decodes them exactly (0x7F and 0xFF are NaN) to a floating dtype.
array to_fp8(const array& x, StreamOrDevice s = {});
array from_fp8(const array& x, Dtype dtype = bfloat16, StreamOrDevice s = {});

// ---- sorting and searching ----
// Along `axis`, numpy's order: ascending, NaN last, -0 == +0. Without an axis (or std::nullopt) the
// flattened array, as MLX's C++ API (Python's `axis=-1` default is the binding's). Sorts are stable;
// indices are uint32 as MLX. kth and k may be negative (counted from the end).
array sort(const array& a, std::optional<int> axis = std::nullopt, StreamOrDevice s = {});
array argsort(const array& a, std::optional<int> axis = std::nullopt,
              StreamOrDevice s = {});  // ties keep their index order
// The kth smallest lands at kth, smaller ones before it and larger ones after (in no promised order).
array partition(const array& a, int64_t kth, std::optional<int> axis = std::nullopt, StreamOrDevice s = {});
array argpartition(const array& a, int64_t kth, std::optional<int> axis = std::nullopt, StreamOrDevice s = {});
// The k largest along `axis` (k in [0, n]), in ascending order: element 0 is the kth largest.
array topk(const array& a, int64_t k, std::optional<int> axis = std::nullopt, StreamOrDevice s = {});
// Insertion points (uint32, values' shape) of `values` in the ascending 1-D `sorted`: side "left"
// counts the elements ordered before each value, "right" those not ordered after it.
array searchsorted(const array& sorted, const Operand& values, const std::string& side = "left", StreamOrDevice s = {});

// ---- complex numbers (complex64) ----
array real(const array& a, StreamOrDevice s = {});       // the real part (float32); a real array itself
array imag(const array& a, StreamOrDevice s = {});       // the imaginary part (float32); zeros for a real array
array conjugate(const array& a, StreamOrDevice s = {});  // the complex conjugate; a real array itself
inline array conj(const array& a, StreamOrDevice s = {}) { return conjugate(a, s); }
namespace detail {
array complex_abs(const array& a);  // abs of complex64: |a| as float32
}

// ---- cumulative reductions (MLX: axis None flattens; reverse scans from the end; an exclusive scan
// leaves out each element itself and starts from the identity) ----
// Beware: a bool second argument converts to the axis (cumsum(a, true) is axis 1), unlike MLX's C++.
array cumsum(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false, bool inclusive = true,
             StreamOrDevice s = {});
array cumprod(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false, bool inclusive = true,
              StreamOrDevice s = {});
array cummax(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false, bool inclusive = true,
             StreamOrDevice s = {});
array cummin(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false, bool inclusive = true,
             StreamOrDevice s = {});
array logcumsumexp(const array& a, std::optional<int> axis = std::nullopt, bool reverse = false, bool inclusive = true,
                   StreamOrDevice s = {});

// ---- tensor products ----
array outer(const array& a, const array& b, StreamOrDevice s = {});  // of the flattened operands
array inner(const array& a, const array& b, StreamOrDevice s = {});  // over the last axes; a 0-d operand multiplies
array tensordot(const array& a, const array& b, int axes = 2, StreamOrDevice s = {});
array tensordot(const array& a, const array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
                StreamOrDevice s = {});
// numpy's subscripts ("ij,jk->ik", implicit output, "..." broadcasting), any number of operands contracted
// left to right, each pair as one matmul. A label repeated within one operand (diagonal, trace) is refused.
array einsum(const std::string& subscripts, const Arrays& operands, StreamOrDevice s = {});

namespace linalg {
// MLX's linalg.norm. No ord: the 2-norm (Frobenius over two axes; over every element without axes).
// ord as a number: vector norms 2, 1, inf, -inf, 0 (count of nonzeros), any p; matrix norms 1, -1, inf,
// -inf. ord as a string: "fro" (or "f"). Integers give float32, halves keep their dtype.
array norm(const array& a, bool keepdims = false, StreamOrDevice s = {});
array norm(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array norm(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array norm(const array& a, double ord, const std::optional<std::vector<int>>& axes = std::nullopt,
           bool keepdims = false, StreamOrDevice s = {});
array norm(const array& a, double ord, int axis, bool keepdims = false, StreamOrDevice s = {});
// const char*, not std::string: a braced axes list must not convert to it.
array norm(const array& a, const char* ord, const std::optional<std::vector<int>>& axes = std::nullopt,
           bool keepdims = false, StreamOrDevice s = {});

// Factorizations (LAPACK), over the last two axes of float32 or float64 arrays, batched over the rest.
// Singular or indefinite input raises std::runtime_error when evaluated.
array inv(const array& a, StreamOrDevice s = {});
array tri_inv(const array& a, bool upper = false, StreamOrDevice s = {});  // reads the upper or lower triangle
array cholesky(const array& a, bool upper = false,
               StreamOrDevice s = {});  // L with A = L L^T (upper: U with A = U^T U)
array cholesky_inv(const array& l, bool upper = false, StreamOrDevice s = {});  // A^-1 from A's Cholesky factor
std::pair<array, array> qr(const array& a, StreamOrDevice s = {});              // reduced: Q (m, k), R (k, n)
Arrays svd(const array& a, bool compute_uv = true, StreamOrDevice s = {});      // {U (m, m), S (k), Vt (n, n)}, or {S}
std::pair<array, array> eigh(const array& a, const std::string& uplo = "L",
                             StreamOrDevice s = {});  // ascending values, vectors as columns
array eigvalsh(const array& a, const std::string& uplo = "L", StreamOrDevice s = {});
// General square matrices of float32, float64 or complex64: complex64 eigenvalues and unit-norm right
// eigenvectors as columns (LAPACK's geev, numpy's order); no derivatives (complex results).
std::pair<array, array> eig(const array& a, StreamOrDevice s = {});
array eigvals(const array& a, StreamOrDevice s = {});
Arrays lu(const array& a, StreamOrDevice s = {});  // {row permutation p, L, U} with A = L[p] @ U
std::pair<array, array> lu_factor(const array& a, StreamOrDevice s = {});  // packed LU and LAPACK's pivots (0-based)
array solve(const array& a, const array& b, StreamOrDevice s = {});        // a x = b; b is (..., n) or (..., n, k)
array solve_triangular(const array& a, const array& b, bool upper = false, StreamOrDevice s = {});
array pinv(const array& a, StreamOrDevice s = {});
array det(const array& a, StreamOrDevice s = {});
std::pair<array, array> slogdet(const array& a, StreamOrDevice s = {});             // sign and log|det|
array cross(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});  // vectors of 2 or 3 components
}  // namespace linalg

// ---- indexing ----
// Indices given as arrays are run-time data and never fail on their values: negative ones count from
// the end; reads (take, take_along_axis, gather, the dynamic slice) then clamp what is still out of range
// into range, and writes (scatter*, put_along_axis, scatter_add_axis) drop such updates, as XLA does (MLX
// leaves both undefined). Static (int) indices are checked. Index arrays are any integer dtype, not bool.
array take(const array& a, const array& indices, StreamOrDevice s = {});  // over the flattened array
array take(const array& a, const array& indices, int axis, StreamOrDevice s = {});
array take(const array& a, int64_t index, StreamOrDevice s = {});  // out of range is an error
array take(const array& a, int64_t index, int axis, StreamOrDevice s = {});
array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s = {});
// Writes values (cast to a's dtype) at indices along axis; duplicates: the last one written wins.
array put_along_axis(const array& a, const array& indices, const Operand& values, int axis, StreamOrDevice s = {});
array scatter_add_axis(const array& a, const array& indices, const Operand& values, int axis, StreamOrDevice s = {});
// One index array per axis (broadcast together to shape I); the result has shape I + slice_sizes, each
// window starting at the indices along `axes` and at 0 along the other axes.
array gather(const array& a, const Arrays& indices, const std::vector<int>& axes, const Shape& slice_sizes,
             StreamOrDevice s = {});
// The single-index forms are templates only so that a braced list of index arrays picks the forms above.
template <class Idx>
  requires std::same_as<Idx, array>
array gather(const array& a, const Idx& indices, int axis, const Shape& slice_sizes, StreamOrDevice s = {});
// updates: shape I + window (window no larger than a, placed as in gather), cast to a's dtype. Updates
// apply in row-major order of the index positions: duplicates accumulate, and plain scatter keeps the last.
array scatter(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
              StreamOrDevice s = {});
array scatter_add(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});
array scatter_prod(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
                   StreamOrDevice s = {});
array scatter_max(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});
array scatter_min(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});
template <class Idx>
  requires std::same_as<Idx, array>
array scatter(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s = {});
template <class Idx>
  requires std::same_as<Idx, array>
array scatter_add(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s = {});
template <class Idx>
  requires std::same_as<Idx, array>
array scatter_prod(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s = {});
template <class Idx>
  requires std::same_as<Idx, array>
array scatter_max(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s = {});
template <class Idx>
  requires std::same_as<Idx, array>
array scatter_min(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s = {});
// src with src[start:stop:strides] (normalized as slice()) replaced by update, broadcast to the slice.
array slice_update(const array& src, const array& update, const Shape& start, const Shape& stop,
                   std::optional<Shape> strides = std::nullopt, StreamOrDevice s = {});
array slice_update(const array& src, const array& update, const Shape& start, const Shape& stop, const Shape& strides,
                   StreamOrDevice s = {});
// Run-time starts (an integer array, one per axis in `axes`): slice_size has one entry per dimension of a
// (as MLX); a negative start counts from the end, then the window is moved to fit (clamped to [0, n - size]).
// The slice is a view. Templates only so that braced arguments keep picking the static overloads.
template <class Start>
  requires std::same_as<Start, array>
array slice(const array& a, const Start& start, const std::vector<int>& axes, const Shape& slice_size,
            StreamOrDevice s = {});
// update (cast to src's dtype; missing leading dimensions span src) written at the clamped start.
template <class Start>
  requires std::same_as<Start, array>
array slice_update(const array& src, const array& update, const Start& start, const std::vector<int>& axes,
                   StreamOrDevice s = {});
// mode "constant" (fill with pad_value) or "edge" (repeat the border). Widths are non-negative.
array pad(const array& a, const std::vector<int>& axes, const Shape& low_pad_size, const Shape& high_pad_size,
          const Operand& pad_value = 0, const std::string& mode = "constant", StreamOrDevice s = {});
array pad(const array& a, const std::vector<std::pair<int64_t, int64_t>>& pad_width, const Operand& pad_value = 0,
          const std::string& mode = "constant", StreamOrDevice s = {});  // one (low, high) per axis, or one for all
array pad(const array& a, const std::pair<int64_t, int64_t>& pad_width, const Operand& pad_value = 0,
          const std::string& mode = "constant", StreamOrDevice s = {});
array pad(const array& a, int64_t pad_width, const Operand& pad_value = 0, const std::string& mode = "constant",
          StreamOrDevice s = {});

// ---- misc ----
array clip(const array& a, const std::optional<Operand>& a_min, const std::optional<Operand>& a_max,
           StreamOrDevice s = {});
// Floats only (others are returned as they are); infinities default to the dtype's largest finite values.
array nan_to_num(const array& a, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                 std::optional<double> neginf = std::nullopt, StreamOrDevice s = {});
array repeat(const array& a, int64_t repeats, int axis, StreamOrDevice s = {});
array repeat(const array& a, int64_t repeats, StreamOrDevice s = {});  // over the flattened array
array tile(const array& a, const Shape& reps, StreamOrDevice s = {});
// Without axes the array is rolled flattened (shifts summed). Shifts and axes broadcast against each other;
// shifts for a repeated axis add up (numpy).
array roll(const array& a, int64_t shift, StreamOrDevice s = {});
array roll(const array& a, const Shape& shift, StreamOrDevice s = {});
array roll(const array& a, int64_t shift, int axis, StreamOrDevice s = {});
array roll(const array& a, int64_t shift, const std::vector<int>& axes, StreamOrDevice s = {});
array roll(const array& a, const Shape& shift, int axis, StreamOrDevice s = {});
array roll(const array& a, const Shape& shift, const std::vector<int>& axes, StreamOrDevice s = {});
Arrays meshgrid(const Arrays& arrays, bool sparse = false, const std::string& indexing = "xy", StreamOrDevice s = {});
array diag(const array& a, int k = 0, StreamOrDevice s = {});  // 1-D: a 2-D array with a on diagonal k; 2-D: diagonal k
array diagonal(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1,
               StreamOrDevice s = {});  // the diagonal becomes the last axis
array trace(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1, std::optional<Dtype> dtype = std::nullopt,
            StreamOrDevice s = {});

// ---- operators ----
template <typename T>
concept Scalarish = std::is_arithmetic_v<T>;

#define INGOT_BINARY_OPERATOR(OP, FN)                                              \
  inline array operator OP(const array& a, const array& b) { return FN(a, b); }   \
  template <Scalarish T>                                                           \
  array operator OP(const array& a, T b) {                                         \
    return FN(a, b);                                                               \
  }                                                                                \
  template <Scalarish T>                                                           \
  array operator OP(T a, const array& b) {                                         \
    return FN(a, b);                                                               \
  }
INGOT_BINARY_OPERATOR(+, add)
INGOT_BINARY_OPERATOR(-, subtract)
INGOT_BINARY_OPERATOR(*, multiply)
INGOT_BINARY_OPERATOR(/, divide)
INGOT_BINARY_OPERATOR(%, remainder)
INGOT_BINARY_OPERATOR(==, equal)
INGOT_BINARY_OPERATOR(!=, not_equal)
INGOT_BINARY_OPERATOR(<, less)
INGOT_BINARY_OPERATOR(<=, less_equal)
INGOT_BINARY_OPERATOR(>, greater)
INGOT_BINARY_OPERATOR(>=, greater_equal)
INGOT_BINARY_OPERATOR(&&, logical_and)
INGOT_BINARY_OPERATOR(||, logical_or)
INGOT_BINARY_OPERATOR(&, bitwise_and)
INGOT_BINARY_OPERATOR(|, bitwise_or)
INGOT_BINARY_OPERATOR(^, bitwise_xor)
INGOT_BINARY_OPERATOR(<<, left_shift)
INGOT_BINARY_OPERATOR(>>, right_shift)
#undef INGOT_BINARY_OPERATOR
inline array operator-(const array& a) { return negative(a); }
inline array operator!(const array& a) { return logical_not(a); }
inline array operator~(const array& a) { return bitwise_invert(a); }

}  // namespace ingot
