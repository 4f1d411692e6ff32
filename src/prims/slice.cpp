// Slice: a strided view. Its state holds Python-style bounds (index_util.h), resolved against the
// input's shape at call time.
#include <climits>

#include "core/layout.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "prims/index_util.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

class Slice : public PrimitiveBase<Slice> {
 public:
  static constexpr const char* kName = "Slice";
  static constexpr int kVersion = 2;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  Slice(Shape start, Shape stop, Shape strides)
      : start_(std::move(start)), stop_(std::move(stop)), strides_(std::move(strides)) {}
  auto state() const { return std::tuple(start_, stop_, strides_); }
  static std::shared_ptr<Primitive> upgrade(StateReader& r, int) {
    auto b = indexing::read_v1_slice_bounds(r);
    return std::make_shared<Slice>(b.start, b.stop, b.strides);
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override { return {resolve(in[0]).shape}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    int64_t offset;
    Strides st = indexing::slice_strides(a.strides(), resolve(a), offset);
    make_view(a, out[0], std::move(st), offset);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {slice_update(zeros_like(in[0]), cot[0], start_, stop_, strides_)};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    Shape start = start_, stop = stop_, strides = strides_;
    start.insert(start.begin(), 0), stop.insert(stop.begin(), indexing::kSliceEnd), strides.insert(strides.begin(), 1);
    return {{make<Slice>({rules::batch_first(in[0], axes[0])}, start, stop, strides)}, {0}};
  }

 private:
  indexing::ResolvedSlice resolve(const array& a) const {
    return indexing::resolve_slice(a.shape(), start_, stop_, strides_, "slice");
  }
  Shape start_, stop_, strides_;
};
INGOT_REGISTER_PRIMITIVE(Slice)

array slice(const array& a, const Shape& start, const Shape& stop, std::optional<Shape> strides, StreamOrDevice s) {
  to_stream(s, "slice");
  const Shape steps = strides ? *strides : Shape(a.ndim(), 1);
  indexing::resolve_slice(a.shape(), start, stop, steps, "slice");  // checks now
  return make<Slice>({a}, start, stop, steps);
}

array slice(const array& a, const Shape& start, const Shape& stop, const Shape& strides, StreamOrDevice s) {
  return slice(a, start, stop, std::optional<Shape>(strides), s);
}

template <class Axes>
  requires std::same_as<Axes, std::vector<int>>
array slice(const array& a, const Shape& start, const Axes& axes, const Shape& slice_size, StreamOrDevice stream) {
  to_stream(stream, "slice");
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

template array slice<std::vector<int>>(const array&, const Shape&, const std::vector<int>&, const Shape&,
                                       StreamOrDevice);

}  // namespace ingot
