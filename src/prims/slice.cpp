// Slice: a strided view. Start/stop/step are normalized Python-style by the op, so the node holds
// in-range values from which the output shape follows directly.
#include "core/layout.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {

namespace {
// Written so that no step, however large, overflows; start and stop lie in [-1, n].
int64_t slice_length(int64_t start, int64_t stop, int64_t step) {
  if (step > 0) return stop > start ? (stop - start - 1) / step + 1 : 0;
  if (start <= stop) return 0;
  return step == INT64_MIN ? 1 : (start - stop - 1) / -step + 1;
}
}  // namespace

class Slice : public PrimitiveBase<Slice> {
 public:
  static constexpr const char* kName = "Slice";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  Slice(Shape start, Shape stop, Shape strides)
      : start_(std::move(start)), stop_(std::move(stop)), strides_(std::move(strides)) {}
  auto state() const { return std::tuple(start_, stop_, strides_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    if (start_.size() != s.size() || stop_.size() != s.size() || strides_.size() != s.size())
      fail("slice", "the slice has ", start_.size(), " dimensions but the array has shape ", shape_str(s), ".");
    Shape out(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (strides_[i] == 0) fail("slice", "slice step cannot be zero.");
      if (start_[i] < -1 || start_[i] > s[i] || stop_[i] < -1 || stop_[i] > s[i])
        fail("slice", "slice [", start_[i], ":", stop_[i], "] is out of range for axis ", i, " of shape ",
             shape_str(s), ".");
      out[i] = slice_length(start_[i], stop_[i], strides_[i]);
      // start is the first element read whenever the axis is not empty
      if (out[i] > 0 && (start_[i] < 0 || start_[i] >= s[i] || start_[i] + (out[i] - 1) * strides_[i] >= s[i] ||
                         start_[i] + (out[i] - 1) * strides_[i] < 0))
        fail("slice", "slice [", start_[i], ":", stop_[i], ":", strides_[i], "] is out of range for axis ", i,
             " of shape ", shape_str(s), ".");
    }
    return {out};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    Strides st(a.ndim());
    int64_t offset = 0;
    for (int i = 0; i < a.ndim(); ++i) {
      st[i] = a.strides()[i] * strides_[i];
      offset += start_[i] * a.strides()[i];
    }
    make_view(a, out[0], std::move(st), offset);
  }

 private:
  Shape start_, stop_, strides_;
};
INGOT_REGISTER_PRIMITIVE(Slice)

array slice(const array& a, const Shape& start, const Shape& stop, std::optional<Shape> strides) {
  const size_t nd = a.ndim();
  Shape steps = strides ? *strides : Shape(nd, 1);
  if (start.size() != nd || stop.size() != nd || steps.size() != nd)
    fail("slice", "start, stop and strides must have one entry per dimension of the array of shape ",
         shape_str(a.shape()), "; got ", start.size(), ", ", stop.size(), " and ", steps.size(), ".");
  Shape b(nd), e(nd);
  for (size_t i = 0; i < nd; ++i) {
    const int64_t n = a.shape()[i], st = steps[i];
    if (st == 0) fail("slice", "slice step cannot be zero (axis ", i, ").");
    // Python's slice.indices: negatives count from the end, then clamp to the walkable range.
    auto norm = [&](int64_t v) {
      if (v < 0) v = v < -n ? (st > 0 ? 0 : -1) : v + n;
      else if (v > n) v = st > 0 ? n : n - 1;
      if (st < 0 && v >= n) v = n - 1;
      return v;
    };
    b[i] = norm(start[i]);
    e[i] = norm(stop[i]);
  }
  return make<Slice>({a}, std::move(b), std::move(e), std::move(steps));
}

array slice(const array& a, const Shape& start, const Shape& stop, const Shape& strides) {
  return slice(a, start, stop, std::optional<Shape>(strides));
}

template <class Axes>
  requires std::same_as<Axes, std::vector<int>>
array slice(const array& a, const Shape& start, const Axes& axes, const Shape& slice_size) {
  const int nd = a.ndim();
  if (start.size() != axes.size() || slice_size.size() != axes.size())
    fail("slice", "start (", start.size(), " entries), axes (", axes.size(), ") and slice_size (", slice_size.size(),
         ") must have the same length.");
  Shape b(nd, 0), e = a.shape();
  std::vector<bool> seen(nd, false);
  for (size_t k = 0; k < axes.size(); ++k) {
    const int ax = normalize_axis(axes[k], nd, "slice");
    if (seen[ax]) fail("slice", "repeated axis ", axes[k], " in axes.");
    seen[ax] = true;
    const int64_t n = a.shape()[ax], size = slice_size[k];
    int64_t s = start[k] < 0 ? start[k] + n : start[k];
    if (size < 0 || size > n)
      fail("slice", "slice size ", size, " is invalid for axis ", ax, " of shape ", shape_str(a.shape()), ".");
    if (s < 0 || s > n - size)
      fail("slice", "a window of size ", size, " starting at ", start[k], " does not fit axis ", ax, " of shape ",
           shape_str(a.shape()), ".");
    b[ax] = s;
    e[ax] = s + size;
  }
  return make<Slice>({a}, std::move(b), std::move(e), Shape(nd, 1));
}

template array slice<std::vector<int>>(const array&, const Shape&, const std::vector<int>&, const Shape&);

}  // namespace ingot
