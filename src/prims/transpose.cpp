// Transpose: a view with permuted strides; swapaxes and moveaxis build on it.
#include <numeric>

#include "core/layout.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

class Transpose : public PrimitiveBase<Transpose> {
 public:
  static constexpr const char* kName = "Transpose";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  explicit Transpose(std::vector<int> axes) : axes_(std::move(axes)) {}
  auto state() const { return std::tuple(axes_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    if (axes_.size() != s.size())
      fail("transpose", "axes ", axes_.size(), " do not match an array with ", s.size(), " dimensions.");
    Shape out(s.size());
    std::vector<bool> seen(s.size(), false);
    for (size_t i = 0; i < axes_.size(); ++i) {
      const int ax = axes_[i];
      if (ax < 0 || ax >= static_cast<int>(s.size()) || seen[ax])
        fail("transpose", "invalid axis ", ax, " for an array with ", s.size(), " dimensions.");
      seen[ax] = true;
      out[i] = s[ax];
    }
    return {out};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    Strides st(axes_.size());
    for (size_t i = 0; i < axes_.size(); ++i) st[i] = in[0].strides()[axes_[i]];
    make_view(in[0], out[0], std::move(st));
  }
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    std::vector<int> inverse(axes_.size());
    for (size_t i = 0; i < axes_.size(); ++i) inverse[axes_[i]] = static_cast<int>(i);
    return {make<Transpose>({cot[0]}, std::move(inverse))};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    std::vector<int> perm{0};
    for (int a : axes_) perm.push_back(a + 1);
    return {{make<Transpose>({rules::batch_first(in[0], axes[0])}, std::move(perm))}, {0}};
  }

 private:
  std::vector<int> axes_;
};
INGOT_REGISTER_PRIMITIVE(Transpose)

namespace {
std::string axes_str(const std::vector<int>& axes) {
  std::string s = "(";
  for (size_t i = 0; i < axes.size(); ++i) s += std::to_string(axes[i]) + (i + 1 < axes.size() ? "," : "");
  return s + ")";
}
}  // namespace

array transpose(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  to_stream(s, "transpose");
  const int nd = a.ndim();
  if (static_cast<int>(axes.size()) != nd)
    fail("transpose", "axes ", axes_str(axes), " do not match an array with ", nd, " dimensions (shape ",
         shape_str(a.shape()), ").");
  std::vector<int> norm(axes.size());
  std::vector<bool> seen(nd, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = normalize_axis(axes[i], nd, "transpose");
    if (seen[ax]) fail("transpose", "repeated axis in axes ", axes_str(axes), ".");
    seen[ax] = true;
    norm[i] = ax;
  }
  return make<Transpose>({a}, std::move(norm));
}

array transpose(const array& a, StreamOrDevice s) {
  to_stream(s, "transpose");
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return make<Transpose>({a}, std::move(axes));
}

array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  to_stream(s, "swapaxes");
  const int nd = a.ndim();
  axis1 = normalize_axis(axis1, nd, "swapaxes");
  axis2 = normalize_axis(axis2, nd, "swapaxes");
  std::vector<int> axes(nd);
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[axis1], axes[axis2]);
  return make<Transpose>({a}, std::move(axes));
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  to_stream(s, "moveaxis");
  const int nd = a.ndim();
  source = normalize_axis(source, nd, "moveaxis");
  destination = normalize_axis(destination, nd, "moveaxis");
  std::vector<int> axes;
  for (int i = 0; i < nd; ++i)
    if (i != source) axes.push_back(i);
  axes.insert(axes.begin() + destination, source);
  return make<Transpose>({a}, std::move(axes));
}

}  // namespace ingot
