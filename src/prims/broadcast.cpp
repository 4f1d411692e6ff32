// Broadcast: a view with zero strides along the new and the stretched dimensions.
#include "core/layout.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {

class Broadcast : public PrimitiveBase<Broadcast> {
 public:
  static constexpr const char* kName = "Broadcast";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  explicit Broadcast(Shape shape) : shape_(std::move(shape)) {}
  auto state() const { return std::tuple(shape_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    shape_size(shape_, "broadcast_to");
    if (!broadcastable_to(in[0].shape(), shape_))
      fail("broadcast_to", "cannot broadcast array of shape ", shape_str(in[0].shape()), " to shape ",
           shape_str(shape_), ".");
    return {shape_};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    Strides st(shape_.size(), 0);
    const size_t off = shape_.size() - a.ndim();
    for (int i = 0; i < a.ndim(); ++i)
      if (a.shape()[i] == shape_[off + i]) st[off + i] = a.strides()[i];
    make_view(a, out[0], std::move(st));
  }

 private:
  Shape shape_;
};
INGOT_REGISTER_PRIMITIVE(Broadcast)

array broadcast_to(const array& a, const Shape& shape) {
  shape_size(shape, "broadcast_to");  // rejects negative dimensions
  if (!broadcastable_to(a.shape(), shape))
    fail("broadcast_to", "cannot broadcast array of shape ", shape_str(a.shape()), " to shape ", shape_str(shape),
         ".");
  if (a.shape() == shape) return a;
  return make<Broadcast>({a}, shape);
}

Arrays broadcast_arrays(const Arrays& inputs) {
  if (inputs.empty()) return {};
  Shape s = inputs[0].shape();
  for (size_t i = 1; i < inputs.size(); ++i) s = broadcast_shapes(s, inputs[i].shape(), "broadcast_arrays");
  Arrays out;
  out.reserve(inputs.size());
  for (const auto& a : inputs) out.push_back(broadcast_to(a, s));
  return out;
}

}  // namespace ingot
