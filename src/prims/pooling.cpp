// Max and average pooling over the spatial axes of channels-last arrays, as mlx.nn's pooling layers
// compute them (pad, take sliding windows, reduce), in one pass without materializing the windows.
#include <limits>

#include "core/utils.h"
#include "cpu/conv.h"
#include "cpu/copy.h"
#include "ingot/ops.h"
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

std::vector<int64_t> widen(const std::vector<int>& v) { return {v.begin(), v.end()}; }

// The pooled shape; every check a hostile state needs, with errors naming `op`.
Shape pool_out_shape(const char* op, const array& x, const std::vector<int>& kernel, const std::vector<int>& stride,
                     const std::vector<int>& lo, const std::vector<int>& hi) {
  const size_t d = kernel.size();
  const Shape& s = x.shape();
  if (d < 1 || d > 3 || stride.size() != d || lo.size() != d || hi.size() != d)
    fail(op, "expected 1 to 3 spatial dimensions with one kernel size, stride and padding each, got kernel ",
         ints_str(kernel), ", stride ", ints_str(stride), " and padding ", ints_str(lo), ", ", ints_str(hi), ".");
  for (size_t i = 0; i < d; ++i) {
    if (kernel[i] < 1) fail(op, "'kernel_size' must be positive but got ", ints_str(kernel), ".");
    if (stride[i] < 1) fail(op, "'stride' must be positive but got ", ints_str(stride), ".");
    if (lo[i] < 0 || hi[i] < 0) fail(op, "'padding' must be non-negative but got ", ints_str(lo), ".");
  }
  if (s.size() != d + 2)
    fail(op, "expected an input with ", d + 2, " dimensions (N, spatial..., C), got shape ", shape_str(s), ".");
  if (x.dtype() == bool_) fail(op, "boolean arrays are not supported.");
  Shape out{s[0]};
  for (size_t i = 0; i < d; ++i) {
    // Python's floor division, as MLX's sliding windows: a window overshooting by less than a
    // stride gives an empty axis, by more an error.
    const int64_t span = s[i + 1] + lo[i] + hi[i] - kernel[i];
    const int64_t o = (span >= 0 ? span / stride[i] : -((-span + stride[i] - 1) / stride[i])) + 1;
    if (o < 0)
      fail(op, "the kernel size ", ints_str(kernel), " is larger than the padded input of shape ", shape_str(s),
           " with padding ", ints_str(lo), ".");
    out.push_back(o);
  }
  out.push_back(s.back());
  return out;
}

}  // namespace

// Input (N, spatial..., C). reduce: "max" (padding acts as -inf) or "mean" (padding counts as zeros).
class Pooling : public PrimitiveBase<Pooling> {
 public:
  static constexpr const char* kName = "Pooling";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  Pooling(std::string reduce, std::vector<int> kernel, std::vector<int> stride, std::vector<int> padding_lo,
          std::vector<int> padding_hi)
      : reduce_(std::move(reduce)),
        kernel_(std::move(kernel)),
        stride_(std::move(stride)),
        lo_(std::move(padding_lo)),
        hi_(std::move(padding_hi)) {}
  auto state() const { return std::tuple(reduce_, kernel_, stride_, lo_, hi_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    if (reduce_ != "max" && reduce_ != "mean") fail("pool", "unknown reduction '", reduce_, "'.");
    return {pool_out_shape(reduce_ == "max" ? "max_pool" : "avg_pool", in[0], kernel_, stride_, lo_, hi_)};
  }
  double cost(const Arrays& in, const std::vector<Shape>& out) const override {  // a window per output
    double window = 1;
    for (int k : kernel_) window *= k;
    return detail::elements(in[0].shape()) + detail::elements(out[0]) * window;
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    const Dtype t = in[0].dtype();
    return {reduce_ == "mean" && !is_floating_point(t) ? float32 : t};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].alloc();
    cpu::pool(cpu::contiguous(in[0]), out[0], reduce_ == "max" ? cpu::PoolOp::max : cpu::PoolOp::avg, widen(kernel_),
              widen(stride_), widen(lo_));
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::vjp_via([this](const Arrays& x) { return Arrays{decompose(x[0])}; }, in, cot, argnums);
  }

  // The same pooling as ops: pad, one strided slice per kernel position, reduce across them.
  array decompose(const array& x) const {
    const size_t d = kernel_.size();
    const Shape out = output_shapes({x})[0];
    const bool max = reduce_ == "max";
    std::vector<std::pair<int64_t, int64_t>> widths{{0, 0}};
    for (size_t i = 0; i < d; ++i) widths.emplace_back(lo_[i], hi_[i]);
    widths.emplace_back(0, 0);
    const array xp = pad(x, widths, max ? Operand(-std::numeric_limits<double>::infinity()) : Operand(0));
    Arrays taps;
    std::vector<int> pos(d, 0);
    while (true) {
      Shape start(x.ndim(), 0), stop = xp.shape(), step(x.ndim(), 1);
      for (size_t i = 0; i < d; ++i) {
        start[i + 1] = pos[i];
        stop[i + 1] = pos[i] + (out[i + 1] - 1) * stride_[i] + 1;
        step[i + 1] = stride_[i];
      }
      taps.push_back(slice(xp, start, stop, step));
      size_t i = 0;
      while (i < d && ++pos[i] == kernel_[i]) pos[i++] = 0;
      if (i == d) break;
    }
    const array all = stack(taps, -1);
    return max ? ingot::max(all, -1) : mean(all, -1);
  }

 private:
  std::string reduce_;
  std::vector<int> kernel_, stride_, lo_, hi_;
};
INGOT_REGISTER_PRIMITIVE(Pooling)

namespace {

array pool_impl(const char* op, const char* reduce, const array& x, std::vector<int> kernel,
                std::optional<std::vector<int>> stride, std::vector<int> padding) {
  std::vector<int> st = stride ? *stride : kernel;
  pool_out_shape(op, x, kernel, st, padding, padding);
  return make<Pooling>({x}, std::string(reduce), std::move(kernel), std::move(st), padding, padding);
}

std::optional<std::vector<int>> opt(std::optional<int> v) {
  return v ? std::optional<std::vector<int>>(std::vector<int>{*v}) : std::nullopt;
}
std::optional<std::vector<int>> opt(std::optional<std::pair<int, int>> v) {
  return v ? std::optional<std::vector<int>>(std::vector<int>{v->first, v->second}) : std::nullopt;
}

}  // namespace

array max_pool1d(const array& x, int kernel_size, std::optional<int> stride, int padding, StreamOrDevice s) {
  to_stream(s, "max_pool1d");
  return pool_impl("max_pool1d", "max", x, {kernel_size}, opt(stride), {padding});
}
array avg_pool1d(const array& x, int kernel_size, std::optional<int> stride, int padding, StreamOrDevice s) {
  to_stream(s, "avg_pool1d");
  return pool_impl("avg_pool1d", "mean", x, {kernel_size}, opt(stride), {padding});
}
array max_pool2d(const array& x, const std::pair<int, int>& kernel_size, std::optional<std::pair<int, int>> stride,
                 const std::pair<int, int>& padding, StreamOrDevice s) {
  to_stream(s, "max_pool2d");
  return pool_impl("max_pool2d", "max", x, {kernel_size.first, kernel_size.second}, opt(stride),
                   {padding.first, padding.second});
}
array avg_pool2d(const array& x, const std::pair<int, int>& kernel_size, std::optional<std::pair<int, int>> stride,
                 const std::pair<int, int>& padding, StreamOrDevice s) {
  to_stream(s, "avg_pool2d");
  return pool_impl("avg_pool2d", "mean", x, {kernel_size.first, kernel_size.second}, opt(stride),
                   {padding.first, padding.second});
}

array max_pool2d(const array& x, const std::pair<int, int>& kernel_size, const std::pair<int, int>& stride,
                 const std::pair<int, int>& padding, StreamOrDevice s) {
  return max_pool2d(x, kernel_size, std::optional<std::pair<int, int>>(stride), padding, s);
}
array avg_pool2d(const array& x, const std::pair<int, int>& kernel_size, const std::pair<int, int>& stride,
                 const std::pair<int, int>& padding, StreamOrDevice s) {
  return avg_pool2d(x, kernel_size, std::optional<std::pair<int, int>>(stride), padding, s);
}

}  // namespace ingot
