// Broadcast: a view with zero strides along the new and the stretched dimensions.
#include "core/layout.h"
#include "core/utils.h"
#include "ingot/export.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {
// The target of a broadcast spec over an input shape: -1 keeps the input's size there (torch's expand).
Shape broadcast_target(const Shape& in, const Shape& spec) {
  Shape out = spec;
  const size_t off = spec.size() >= in.size() ? spec.size() - in.size() : 0;
  for (size_t i = 0; i < spec.size(); ++i)
    if (spec[i] == -1) {
      if (i < off || spec.size() < in.size())
        fail("broadcast_to", "-1 in ", shape_str(spec), " has no input dimension to keep (input ", shape_str(in), ").");
      out[i] = in[i - off];
    }
  shape_size(out, "broadcast_to");  // rejects other negative dimensions
  if (!broadcastable_to(in, out))
    fail("broadcast_to", "cannot broadcast array of shape ", shape_str(in), " to shape ", shape_str(out), ".");
  return out;
}

// A view of `a` with out's shape: zero strides along the new and the stretched dimensions.
void broadcast_view(const array& a, array& out) {
  const Shape& shape = out.shape();
  Strides st(shape.size(), 0);
  const size_t off = shape.size() - a.ndim();
  for (int i = 0; i < a.ndim(); ++i)
    if (a.shape()[i] == shape[off + i]) st[off + i] = a.strides()[i];
  make_view(a, out, std::move(st));
}
}  // namespace

class Broadcast : public PrimitiveBase<Broadcast> {
 public:
  static constexpr const char* kName = "Broadcast";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  explicit Broadcast(Shape shape) : shape_(std::move(shape)) {}
  auto state() const { return std::tuple(shape_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    return {broadcast_target(in[0].shape(), shape_)};
  }
  // A size written for a dimension the input has (not 1) is the traced size, baked. New leading
  // dimensions and a size-1 dimension stretched (repeat, tile) are the function's own constants.
  std::string bakes(const Arrays& in, const std::vector<bool>& dynamic) const {
    if (!dynamic[0]) return "";
    const Shape& s = in[0].shape();
    const size_t off = shape_.size() - s.size();
    for (size_t i = off; i < shape_.size(); ++i)
      if (shape_[i] != -1 && s[i - off] != 1) return "the shape " + shape_str(shape_);
    return "";
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { broadcast_view(in[0], out[0]); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {rules::unbroadcast(cot[0], in[0].shape())};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    Shape unbatched = in[0].shape();
    unbatched.erase(unbatched.begin() + axes[0]);
    Shape target = broadcast_target(unbatched, shape_);
    const int rank = static_cast<int>(target.size());
    target.insert(target.begin(), in[0].shape(axes[0]));
    return {{broadcast_to(rules::align_batched({in[0]}, {axes[0]}, rank)[0], target)}, {0}};
  }

 private:
  Shape shape_;
};
INGOT_REGISTER_PRIMITIVE(Broadcast)

// Broadcasts its first input against the shape of the others: zeros_like and friends in a shapeless
// trace, where the target shape must come from an input at call time.
class BroadcastLike : public PrimitiveBase<BroadcastLike> {
 public:
  static constexpr const char* kName = "BroadcastLike";
  static constexpr int kVersion = 1;
  static constexpr bool kMixedDtypes = true;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  auto state() const { return std::tuple<>(); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() < 2) detail::bad_inputs(*this, "expects an array and at least one array to take the shape of");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    Shape s = in[1].shape();
    for (size_t i = 2; i < in.size(); ++i) s = broadcast_shapes(s, in[i].shape(), "broadcast_like");
    return {broadcast_target(in[0].shape(), broadcast_shapes(in[0].shape(), s, "broadcast_like"))};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { broadcast_view(in[0], out[0]); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    Arrays r;
    for (int i : argnums) r.push_back(i == 0 ? rules::unbroadcast(cot[0], in[0].shape()) : array());
    return r;
  }
};
INGOT_REGISTER_PRIMITIVE(BroadcastLike)

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  to_stream(s, "broadcast_to");
  shape_size(shape, "broadcast_to");  // rejects negative dimensions
  if (!broadcastable_to(a.shape(), shape))
    fail("broadcast_to", "cannot broadcast array of shape ", shape_str(a.shape()), " to shape ", shape_str(shape),
         ".");
  if (a.shape() == shape) return a;
  if (!detail::in_shapeless_trace()) return make<Broadcast>({a}, shape);
  // A shapeless trace keeps the input's own sizes as -1, so only stretched and new dimensions are written.
  Shape spec = shape;
  const size_t off = shape.size() - a.ndim();
  for (int i = 0; i < a.ndim(); ++i)
    if (a.shape()[i] == shape[off + i]) spec[off + i] = -1;
  return make<Broadcast>({a}, std::move(spec));
}

array broadcast_like(const array& a, const Arrays& like, StreamOrDevice s) {
  to_stream(s, "broadcast_like");
  Arrays in{a};
  in.insert(in.end(), like.begin(), like.end());
  return make<BroadcastLike>(std::move(in));
}

Arrays broadcast_arrays(const Arrays& inputs, StreamOrDevice stream) {
  to_stream(stream, "broadcast_arrays");
  if (inputs.empty()) return {};
  Shape s = inputs[0].shape();
  for (size_t i = 1; i < inputs.size(); ++i) s = broadcast_shapes(s, inputs[i].shape(), "broadcast_arrays");
  Arrays out;
  out.reserve(inputs.size());
  // In a shapeless trace each takes the others' sizes at call time (a constant among them included).
  const bool shapeless = detail::in_shapeless_trace();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const array& a = inputs[i];
    if (a.shape() == s || !shapeless) {
      out.push_back(broadcast_to(a, s));
      continue;
    }
    Arrays others;
    for (size_t j = 0; j < inputs.size(); ++j)
      if (j != i) others.push_back(inputs[j]);
    out.push_back(broadcast_like(a, others));
  }
  return out;
}

}  // namespace ingot
