// Split: one node whose outputs are views of consecutive pieces of the input along an axis.
#include "core/layout.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {

// `indices` are the piece boundaries, normalized by the op: non-negative and at most the axis size.
// Piece k runs from indices[k-1] (or 0) to indices[k] (or the end), empty when they are reversed.
class Split : public PrimitiveBase<Split> {
 public:
  static constexpr const char* kName = "Split";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  Split(std::vector<int64_t> indices, int axis) : indices_(std::move(indices)), axis_(axis) {}
  auto state() const { return std::tuple(indices_, axis_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    if (axis_ < 0 || axis_ >= static_cast<int>(s.size()))
      fail("split", "axis ", axis_, " is out of range for an array of shape ", shape_str(s), ".");
    std::vector<Shape> out;
    for (size_t k = 0; k <= indices_.size(); ++k) {
      const auto [b, e] = bounds(k, s[axis_]);
      Shape piece = s;
      piece[axis_] = e > b ? e - b : 0;
      out.push_back(std::move(piece));
    }
    return out;
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    return std::vector<Dtype>(indices_.size() + 1, in[0].dtype());
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    for (size_t k = 0; k < out.size(); ++k)
      make_view(a, out[k], a.strides(), bounds(k, a.shape()[axis_]).first * a.strides()[axis_]);
  }

 private:
  std::pair<int64_t, int64_t> bounds(size_t k, int64_t n) const {
    const int64_t b = k == 0 ? 0 : indices_[k - 1];
    const int64_t e = k == indices_.size() ? n : indices_[k];
    if (b < 0 || b > n || e < 0 || e > n) fail("split", "split index out of range for an axis of size ", n, ".");
    return {b, e};
  }
  std::vector<int64_t> indices_;
  int axis_;
};
INGOT_REGISTER_PRIMITIVE(Split)

Arrays split(const array& a, const std::vector<int64_t>& indices, int axis) {
  axis = normalize_axis(axis, a.ndim(), "split");
  const int64_t n = a.shape()[axis];
  std::vector<int64_t> norm;
  norm.reserve(indices.size());
  for (int64_t i : indices) {
    // Python slicing bounds: negatives count from the end, everything clamps to [0, n].
    if (i < 0) i = std::max<int64_t>(i + n, 0);
    norm.push_back(std::min(i, n));
  }
  return make_multi<Split>({a}, std::move(norm), axis);
}

Arrays split(const array& a, int num_splits, int axis) {
  axis = normalize_axis(axis, a.ndim(), "split");
  const int64_t n = a.shape()[axis];
  if (num_splits <= 0) fail("split", "the number of splits must be positive, got ", num_splits, ".");
  if (n % num_splits != 0)
    fail("split", "array of shape ", shape_str(a.shape()), " cannot be split into ", num_splits,
         " equal parts along axis ", axis, ".");
  std::vector<int64_t> idx;
  for (int k = 1; k < num_splits; ++k) idx.push_back(k * (n / num_splits));
  return make_multi<Split>({a}, std::move(idx), axis);
}

}  // namespace ingot
