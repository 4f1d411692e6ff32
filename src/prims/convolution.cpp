// Convolution in MLX's channels-last layout: one primitive with MLX's state serves conv1d/2d/3d,
// conv_general (asymmetric padding, input dilation, flip) and the transposed convolutions.
#include <algorithm>
#include <climits>

#include "core/utils.h"
#include "cpu/conv.h"
#include "cpu/copy.h"
#include "ingot/ops.h"
#include "prims/index_util.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

std::string ints_str(const std::vector<int>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s + (v.size() == 1 ? ",)" : ")");
}

// MLX's output size per spatial dimension: the input dilated (1 + (S - 1) * input_dilation) and
// padded, slid over by the dilated kernel (1 + (K - 1) * kernel_dilation) at `stride`. As in MLX the
// quotient truncates toward zero, so a kernel overhanging the padded input by less than a stride
// still gives one output (its taps past the input read zeros), and the formulas apply unchanged to
// empty inputs and kernels.
Shape conv_out_shape(const Shape& in, const Shape& wt, const std::vector<int>& stride, const std::vector<int>& lo,
                     const std::vector<int>& hi, const std::vector<int>& kdil, const std::vector<int>& idil,
                     const char* op) {
  const size_t d = in.size() - 2;
  Shape out{in[0]};
  for (size_t i = 0; i < d; ++i) {
    // Operands are bounded (sizes < 2^62 by the array's own checks, state values < 2^31), but
    // their products are not: compute in 128 bits.
    const __int128 in_size = 1 + static_cast<__int128>(idil[i]) * (in[i + 1] - 1) + lo[i] + hi[i];
    const __int128 wt_size = 1 + static_cast<__int128>(kdil[i]) * (wt[i + 1] - 1);
    const __int128 q = (in_size - wt_size) / stride[i];
    if (q < 0)
      fail(op, "spatial dimensions of the input after padding cannot be smaller than the weight's spatial dimensions. "
               "Got an error at axis ", i + 1, " for an input of shape ", shape_str(in), ", padding low ",
           ints_str(lo), ", padding high ", ints_str(hi), " and a weight of shape ", shape_str(wt), ".");
    const __int128 limit = static_cast<__int128>(1) << 62;
    if (q >= limit || in_size >= limit || wt_size >= limit) fail(op, "the output would be too large.");
    out.push_back(static_cast<int64_t>(q + 1));
  }
  out.push_back(wt[0]);
  return out;
}

std::vector<int64_t> widen(const std::vector<int>& v) { return {v.begin(), v.end()}; }

}  // namespace

// Inputs (input, weight) of one floating dtype; state as MLX's Convolution.
class Convolution : public PrimitiveBase<Convolution> {
 public:
  static constexpr const char* kName = "Convolution";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 2;
  Convolution(std::vector<int> stride, std::vector<int> padding_lo, std::vector<int> padding_hi,
              std::vector<int> kernel_dilation, std::vector<int> input_dilation, int groups, bool flip)
      : stride_(std::move(stride)),
        lo_(std::move(padding_lo)),
        hi_(std::move(padding_hi)),
        kdil_(std::move(kernel_dilation)),
        idil_(std::move(input_dilation)),
        groups_(groups),
        flip_(flip) {}
  auto state() const { return std::tuple(stride_, lo_, hi_, kdil_, idil_, groups_, flip_); }
  // A transposed convolution's padding is computed from the kernel's size (conv_transpose): baked when the
  // kernel is a function input. Input sizes always follow.
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    return dynamic[1] && flip_ ? "the padding computed for the traced kernel size" : "";
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const char* op = "conv";
    const Shape &is = in[0].shape(), &ws = in[1].shape();
    if (!is_floating_point(in[0].dtype())) fail(op, "only floating point types are supported, got ", in[0].dtype(), ".");
    if (is.size() < 3 || is.size() > 5 || ws.size() != is.size())
      fail(op, "expected an input (N, spatial..., C_in) and a weight (C_out, spatial..., C_in) with 1 to 3 spatial "
               "dimensions, got shapes ", shape_str(is), " and ", shape_str(ws), ".");
    const size_t d = is.size() - 2;
    for (const auto* v : {&stride_, &lo_, &hi_, &kdil_, &idil_})
      if (v->size() != d) fail(op, "expected ", d, " values per convolution parameter, got ", ints_str(*v), ".");
    for (size_t i = 0; i < d; ++i) {
      if (stride_[i] < 1 || kdil_[i] < 1 || idil_[i] < 1)
        fail(op, "strides and dilations must be positive, got strides ", ints_str(stride_), ", kernel dilation ",
             ints_str(kdil_), " and input dilation ", ints_str(idil_), ".");
      if (lo_[i] < 0 || hi_[i] < 0)
        fail(op, "padding must be non-negative, got ", ints_str(lo_), " and ", ints_str(hi_), ".");
    }
    // C_in / groups, not C_in' * groups: a file's channel count times its groups may overflow.
    if (groups_ < 1 || is.back() % groups_ != 0 || ws[0] % groups_ != 0 || ws.back() != is.back() / groups_)
      fail(op, "an input of shape ", shape_str(is), " and a weight of shape ", shape_str(ws), " do not fit ", groups_,
           " groups: both channel counts must be divisible by the groups and the weight must hold C_in / groups "
           "input channels.");
    return {conv_out_shape(is, ws, stride_, lo_, hi_, kdil_, idil_, op)};
  }

  // A multiply-add per output element and weight entry of its group, plus the dilated, padded input.
  double cost(const Arrays& in, const std::vector<Shape>& out) const override {
    const Shape& ws = in[1].shape();
    double padded = static_cast<double>(in[0].shape()[0]) * static_cast<double>(in[0].shape().back());
    for (size_t i = 0; i + 2 < in[0].shape().size(); ++i)
      padded *= static_cast<double>(in[0].shape()[i + 1]) * idil_[i] + lo_[i] + hi_[i];
    return 2 * detail::elements(out[0]) * (detail::elements(ws) / std::max<double>(1, ws[0])) + padded;
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::ConvParams p{widen(stride_), widen(lo_), widen(hi_), widen(kdil_), widen(idil_), groups_, flip_};
    out[0].alloc();
    cpu::conv(cpu::contiguous(in[0]), cpu::contiguous(in[1]), out[0], p);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::vjp_via([this](const Arrays& a) { return Arrays{decompose(a[0], a[1])}; }, in, cot, argnums);
  }

  // The same convolution as ops (for its transforms): dilate and pad the input, then for each kernel
  // tap take the strided window it meets and multiply by that tap's (C_out, C_in) matrix, per group.
  array decompose(const array& x, const array& w) const {
    const int d = x.ndim() - 2;
    const int64_t g = groups_, cin = w.shape(-1), cout = w.shape(0);
    array xp = x;
    for (int i = 0; i < d; ++i) {
      if (idil_[i] == 1) continue;
      const int ax = i + 1;
      const int64_t n = xp.shape(ax);
      array e = pad(expand_dims(xp, ax + 1), std::vector<int>{ax + 1}, Shape{0}, Shape{idil_[i] - 1});  // each entry, then zeros
      e = flatten(e, ax, ax + 1);
      Shape start(e.ndim(), 0), stop = e.shape();
      stop[ax] = n == 0 ? 0 : (n - 1) * idil_[i] + 1;
      xp = slice(e, start, stop);
    }
    std::vector<std::pair<int64_t, int64_t>> widths{{0, 0}};
    for (int i = 0; i < d; ++i) widths.emplace_back(lo_[i], hi_[i]);
    widths.emplace_back(0, 0);
    xp = pad(xp, widths, 0);
    const Shape out = output_shapes({x, w})[0];
    // (g, C_in / g, C_out / g) per tap: the weight grouped and transposed for a product on the right.
    const array wg = transpose(reshape(w, [&] {
      Shape s{g, cout / g};
      s.insert(s.end(), w.shape().begin() + 1, w.shape().end());
      return s;
    }()), [&] {
      std::vector<int> p;
      for (int i = 0; i < d; ++i) p.push_back(i + 2);
      p.push_back(0), p.push_back(d + 2), p.push_back(1);
      return p;
    }());  // (spatial..., g, C_in / g, C_out / g)
    array total;
    std::vector<int64_t> tap(d, 0);
    while (true) {
      Shape start(x.ndim(), 0), stop = xp.shape(), step(x.ndim(), 1);
      Shape wstart(wg.ndim(), 0), wstop = wg.shape();
      for (int i = 0; i < d; ++i) {
        start[i + 1] = tap[i] * kdil_[i];
        stop[i + 1] = start[i + 1] + (out[i + 1] - 1) * stride_[i] + 1;
        step[i + 1] = stride_[i];
        const int64_t k = flip_ ? w.shape(i + 1) - 1 - tap[i] : tap[i];
        wstart[i] = k, wstop[i] = k + 1;
      }
      array win = slice(xp, start, stop, step);                    // (N, out..., C_in)
      win = unflatten(expand_dims(win, -2), -1, {g, cin});         // (N, out..., 1, g, C_in / g)
      win = swapaxes(win, -3, -2);                                 // (N, out..., g, 1, C_in / g)
      const array wk = reshape(slice(wg, wstart, wstop), {g, cin, cout / g});
      const array part = matmul(win, wk);                          // (N, out..., g, 1, C_out / g)
      total = total.valid() ? add(total, part) : part;
      int i = 0;
      while (i < d && ++tap[i] == w.shape(i + 1)) tap[i++] = 0;
      if (i == d) break;
    }
    Shape final_shape = out;
    return reshape(total, final_shape);
  }

 private:
  std::vector<int> stride_, lo_, hi_, kdil_, idil_;
  int groups_;
  bool flip_;
};
INGOT_REGISTER_PRIMITIVE(Convolution)

namespace {

// MLX's conv_general, with errors naming the calling op.
// want_d: the spatial dimensions the op requires (conv1d: 1, ...), or 0 for any of 1 to 3.
array conv_impl(const char* op, int want_d, array in, array wt, std::vector<int> stride, std::vector<int> lo,
                std::vector<int> hi, std::vector<int> kdil, std::vector<int> idil, int groups, bool flip) {
  const int d = in.ndim() - 2;
  if (want_d != 0 && d != want_d)
    fail(op, "expected an input with ", want_d + 2, " dimensions in the format (N, ..., C_in), got shape ",
         shape_str(in.shape()), ".");
  if (d < 1 || d > 3)
    fail(op, "only inputs with 1 to 3 spatial dimensions are supported, in the format (N, ..., C_in); got shape ",
         shape_str(in.shape()), ".");
  if (!is_floating_point(in.dtype()))
    fail(op, "only floating point inputs are supported, got an input of type ", in.dtype(), ".");
  if (wt.ndim() != d + 2)
    fail(op, "expected a weight with ", d + 2, " dimensions in the format (C_out, ..., C_in) for an input of shape ",
         shape_str(in.shape()), ", got shape ", shape_str(wt.shape()), ".");
  if (groups < 1) fail(op, "groups must be positive, got ", groups, ".");
  const int64_t cin = in.shape(-1), cout = wt.shape(0);
  if (cin % groups != 0)
    fail(op, "the input channels must be divisible by the number of groups. Got an input of shape ",
         shape_str(in.shape()), " and ", groups, " groups.");
  if (groups > 1 && cout % groups != 0)
    fail(op, "the output channels must be divisible by the number of groups. Got ", cout, " output channels and ",
         groups, " groups.");
  if (cin != groups * wt.shape(-1)) {
    if (groups == 1)
      fail(op, "the input channels of the input and the weight must match, got shapes ", shape_str(in.shape()),
           " and ", shape_str(wt.shape()), ".");
    fail(op, "with groups=", groups, " and a weight of shape ", shape_str(wt.shape()), ", expected ",
         groups * wt.shape(-1), " input channels but got ", cin, ".");
  }
  const Dtype t = promote_types(in.dtype(), wt.dtype());
  in = astype(in, t);
  wt = astype(wt, t);

  // A single value applies to every spatial dimension; none gives the default.
  auto expand = [&](std::vector<int>& v, int dflt, const char* what) {
    if (v.size() <= 1) v.assign(d, v.empty() ? dflt : v[0]);
    else if (static_cast<int>(v.size()) != d)
      fail(op, "invalid ", what, " ", ints_str(v), " for a ", d, "D convolution.");
  };
  expand(stride, 1, "strides");
  expand(lo, 0, "padding");
  expand(hi, 0, "padding");
  expand(kdil, 1, "kernel dilation");
  expand(idil, 1, "input dilation");
  for (int i = 0; i < d; ++i) {
    if (stride[i] < 1) fail(op, "strides must be positive, got ", ints_str(stride), ".");
    if (kdil[i] < 1) fail(op, "kernel dilation must be positive, got ", ints_str(kdil), ".");
    if (idil[i] < 1) fail(op, "input dilation must be positive, got ", ints_str(idil), ".");
  }

  // Negative padding crops the (undilated) input, as in MLX.
  // Python-style bounds (a negative stop counts from the end) crop the same at any input size.
  bool crop = false;
  Shape start(in.ndim(), 0), stop(in.ndim(), indexing::kSliceEnd);
  for (int i = 0; i < d; ++i) {
    if (lo[i] < 0) start[i + 1] = -static_cast<int64_t>(lo[i]), lo[i] = 0, crop = true;
    if (hi[i] < 0) stop[i + 1] = hi[i], hi[i] = 0, crop = true;
  }
  if (crop) in = slice(in, start, stop);
  conv_out_shape(in.shape(), wt.shape(), stride, lo, hi, kdil, idil, op);  // the error names the op
  return make<Convolution>({in, wt}, std::move(stride), std::move(lo), std::move(hi), std::move(kdil),
                           std::move(idil), groups, flip);
}

// MLX's conv_transpose_general: a stride-1 convolution of the input dilated by the stride with the
// flipped kernel, padded so that it inverts the shape map of the forward convolution.
array conv_transpose_impl(const char* op, const array& in, const array& wt, std::vector<int> stride,
                          std::vector<int> padding, std::vector<int> dilation, std::vector<int> output_padding,
                          int groups) {
  const int d = static_cast<int>(stride.size());
  if (in.ndim() != d + 2 || wt.ndim() != d + 2)
    fail(op, "expected an input (N, ..., C_in) and a weight (C_out, ..., C_in) with ", d,
         " spatial dimensions, got shapes ", shape_str(in.shape()), " and ", shape_str(wt.shape()), ".");
  std::vector<int> lo(d), hi(d);
  for (int i = 0; i < d; ++i) {
    if (stride[i] < 1 || dilation[i] < 1)
      fail(op, "strides and dilation must be positive, got strides ", ints_str(stride), " and dilation ",
           ints_str(dilation), ".");
    const int64_t k = wt.shape(i + 1), s = in.shape(i + 1);
    const int64_t wt_size = 1 + dilation[i] * (k - 1);
    const int64_t conv_out = (s - 1) * stride[i] - 2 * static_cast<int64_t>(padding[i]) + dilation[i] * (k - 1) + 1;
    const int64_t in_size = conv_out, out_size = 1 + stride[i] * (s - 1);
    const int64_t l = wt_size - padding[i] - 1, h = in_size - out_size + padding[i] + output_padding[i];
    if (l < INT_MIN || l > INT_MAX || h < INT_MIN || h > INT_MAX) fail(op, "the padding is out of range.");
    lo[i] = static_cast<int>(l), hi[i] = static_cast<int>(h);
  }
  return conv_impl(op, d, in, wt, std::vector<int>(d, 1), std::move(lo), std::move(hi), std::move(dilation),
                   std::move(stride), groups, true);
}

}  // namespace

array conv_general(const array& input, const array& weight, std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi, std::vector<int> kernel_dilation, std::vector<int> input_dilation,
                   int groups, bool flip, StreamOrDevice s) {
  to_stream(s, "conv_general");
  return conv_impl("conv_general", 0, input, weight, std::move(stride), std::move(padding_lo), std::move(padding_hi),
                   std::move(kernel_dilation), std::move(input_dilation), groups, flip);
}

array conv1d(const array& input, const array& weight, int stride, int padding, int dilation, int groups,
             StreamOrDevice s) {
  to_stream(s, "conv1d");
  return conv_impl("conv1d", 1, input, weight, {stride}, {padding}, {padding}, {dilation}, {1}, groups, false);
}

array conv2d(const array& input, const array& weight, const std::pair<int, int>& stride,
             const std::pair<int, int>& padding, const std::pair<int, int>& dilation, int groups, StreamOrDevice s) {
  to_stream(s, "conv2d");
  return conv_impl("conv2d", 2, input, weight, {stride.first, stride.second}, {padding.first, padding.second},
                   {padding.first, padding.second}, {dilation.first, dilation.second}, {1, 1}, groups, false);
}

array conv3d(const array& input, const array& weight, const std::tuple<int, int, int>& stride,
             const std::tuple<int, int, int>& padding, const std::tuple<int, int, int>& dilation, int groups,
             StreamOrDevice s) {
  to_stream(s, "conv3d");
  auto v = [](const std::tuple<int, int, int>& t) { return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)}; };
  return conv_impl("conv3d", 3, input, weight, v(stride), v(padding), v(padding), v(dilation), {1, 1, 1}, groups, false);
}

array conv_transpose1d(const array& input, const array& weight, int stride, int padding, int dilation,
                       int output_padding, int groups, StreamOrDevice s) {
  to_stream(s, "conv_transpose1d");
  return conv_transpose_impl("conv_transpose1d", input, weight, {stride}, {padding}, {dilation}, {output_padding},
                             groups);
}

array conv_transpose2d(const array& input, const array& weight, const std::pair<int, int>& stride,
                       const std::pair<int, int>& padding, const std::pair<int, int>& dilation,
                       const std::pair<int, int>& output_padding, int groups, StreamOrDevice s) {
  to_stream(s, "conv_transpose2d");
  return conv_transpose_impl("conv_transpose2d", input, weight, {stride.first, stride.second},
                             {padding.first, padding.second}, {dilation.first, dilation.second},
                             {output_padding.first, output_padding.second}, groups);
}

array conv_transpose3d(const array& input, const array& weight, const std::tuple<int, int, int>& stride,
                       const std::tuple<int, int, int>& padding, const std::tuple<int, int, int>& dilation,
                       const std::tuple<int, int, int>& output_padding, int groups, StreamOrDevice s) {
  to_stream(s, "conv_transpose3d");
  auto v = [](const std::tuple<int, int, int>& t) { return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)}; };
  return conv_transpose_impl("conv_transpose3d", input, weight, v(stride), v(padding), v(dilation), v(output_padding),
                             groups);
}

}  // namespace ingot
