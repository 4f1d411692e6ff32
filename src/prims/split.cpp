// Split: one node whose outputs are views of consecutive pieces of the input along an axis.
#include <algorithm>

#include "core/layout.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

// `indices` are the piece boundaries, Python-style: negatives count from the end and everything clamps
// to [0, n] at call time. Piece k runs from indices[k-1] (or 0) to indices[k] (or the end), empty when
// they are reversed. With `sections` > 0 instead (version 2), the axis is cut into that many equal
// pieces of whatever size it has at call time, so split(x, 2) follows shapes in a shapeless replay.
class Split : public PrimitiveBase<Split> {
 public:
  static constexpr const char* kName = "Split";
  static constexpr int kVersion = 2;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  Split(std::vector<int64_t> indices, int axis, int64_t sections)
      : indices_(std::move(indices)), axis_(axis), sections_(sections) {}
  auto state() const { return std::tuple(indices_, axis_, sections_); }
  static std::shared_ptr<Primitive> upgrade(StateReader& r, int) {  // version 1: no sections
    std::tuple<std::vector<int64_t>, int> t;
    r.read_all(t);
    r.finish();
    return std::make_shared<Split>(std::get<0>(t), std::get<1>(t), 0);
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    if (axis_ < 0 || axis_ >= static_cast<int>(s.size()))
      fail("split", "axis ", axis_, " is out of range for an array of shape ", shape_str(s), ".");
    std::vector<Shape> out;
    for (size_t k = 0; k < pieces(); ++k) {
      const auto [b, e] = bounds(k, s[axis_]);
      Shape piece = s;
      piece[axis_] = e > b ? e - b : 0;
      out.push_back(std::move(piece));
    }
    return out;
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    return std::vector<Dtype>(pieces(), in[0].dtype());
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    for (size_t k = 0; k < out.size(); ++k)
      make_view(a, out[k], a.strides(), bounds(k, a.shape()[axis_]).first * a.strides()[axis_]);
  }
  // Each piece's cotangent padded back into place, summed (pieces of reversed indices may overlap).
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    const int64_t n = in[0].shape(axis_);
    array r = zeros_like(in[0]);
    for (size_t k = 0; k < cot.size(); ++k) {
      const auto [b, e] = bounds(k, n);
      if (e > b) r = add(r, pad(cot[k], std::vector<int>{axis_}, Shape{b}, Shape{n - e}));
    }
    return {r};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    Arrays outs = make_multi<Split>({rules::batch_first(in[0], axes[0])}, indices_, axis_ + 1, sections_);
    return {outs, std::vector<int>(outs.size(), 0)};
  }

 private:
  size_t pieces() const {
    if (sections_ < 0 || (sections_ > 0 && !indices_.empty()) || sections_ > static_cast<int64_t>(format_limit) ||
        indices_.size() >= static_cast<size_t>(format_limit))
      fail("split", "invalid state: ", sections_, " sections with ", indices_.size(), " indices.");
    return sections_ > 0 ? static_cast<size_t>(sections_) : indices_.size() + 1;
  }
  std::pair<int64_t, int64_t> bounds(size_t k, int64_t n) const {
    if (sections_ > 0) {
      if (n % sections_ != 0)
        fail("split", "an axis of size ", n, " cannot be split into ", sections_, " equal parts.");
      const int64_t w = n / sections_;
      return {static_cast<int64_t>(k) * w, static_cast<int64_t>(k + 1) * w};
    }
    auto clamp = [n](int64_t i) { return i < 0 ? std::max<int64_t>(i + n, 0) : std::min(i, n); };
    const int64_t b = k == 0 ? 0 : clamp(indices_[k - 1]);
    const int64_t e = k == indices_.size() ? n : clamp(indices_[k]);
    return {b, e};
  }
  static constexpr int64_t format_limit = 65536;  // outputs of one node (docs/format.md)
  std::vector<int64_t> indices_;
  int axis_;
  int64_t sections_;
};
INGOT_REGISTER_PRIMITIVE(Split)

Arrays split(const array& a, const std::vector<int64_t>& indices, int axis, StreamOrDevice s) {
  to_stream(s, "split");
  axis = normalize_axis(axis, a.ndim(), "split");
  if (indices.size() >= 65536) fail("split", "too many split indices (", indices.size(), ").");
  return make_multi<Split>({a}, indices, axis, int64_t{0});
}

Arrays split(const array& a, int num_splits, int axis, StreamOrDevice s) {
  to_stream(s, "split");
  axis = normalize_axis(axis, a.ndim(), "split");
  const int64_t n = a.shape()[axis];
  if (num_splits <= 0 || num_splits >= 65536)
    fail("split", "the number of splits must be positive and below 65536, got ", num_splits, ".");
  if (n % num_splits != 0)
    fail("split", "array of shape ", shape_str(a.shape()), " cannot be split into ", num_splits,
         " equal parts along axis ", axis, ".");
  return make_multi<Split>({a}, std::vector<int64_t>{}, axis, int64_t{num_splits});
}

}  // namespace ingot
