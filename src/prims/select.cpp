// Select: where(condition, x, y) elementwise, with numpy broadcasting of all three.
#include "core/utils.h"
#include "cpu/elementwise.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {
// Picks by bit pattern: only the element width matters.
template <typename U>
void select_kernel(const void* const* in, const int* step, void* out, int64_t n) {
  const bool* c = static_cast<const bool*>(in[0]);
  const U* x = static_cast<const U*>(in[1]);
  const U* y = static_cast<const U*>(in[2]);
  U* o = static_cast<U*>(out);
  const int64_t sc = step[0], sx = step[1], sy = step[2];
  if (sc && sx && sy) {
    for (int64_t i = 0; i < n; ++i) o[i] = c[i] ? x[i] : y[i];
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = c[i * sc] ? x[i * sx] : y[i * sy];
  }
}
}  // namespace

// Inputs: condition (bool), x, y (one dtype); output: x's dtype, the broadcast shape.
class Select : public PrimitiveBase<Select> {
 public:
  static constexpr const char* kName = "Select";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  auto state() const { return std::tuple<>(); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() != 3 || in[0].dtype() != bool_ || in[1].dtype() != in[2].dtype())
      detail::bad_inputs(*this, "expects a bool condition and two values of one dtype");
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    return {broadcast_shapes(broadcast_shapes(in[0].shape(), in[1].shape(), "where"), in[2].shape(), "where")};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {in.at(1).dtype()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::NaryFn fn;
    switch (in[1].itemsize()) {
      case 1: fn = select_kernel<uint8_t>; break;
      case 2: fn = select_kernel<uint16_t>; break;
      case 4: fn = select_kernel<uint32_t>; break;
      default: fn = select_kernel<uint64_t>; break;
    }
    cpu::apply_elementwise(in, out[0], fn);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    Arrays r;
    const array zero = zeros_like(cot[0]);
    for (int i : argnums)
      r.push_back(rules::unbroadcast(i == 1 ? where(in[0], cot[0], zero) : where(in[0], zero, cot[0]), in[i].shape()));
    return r;
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<Select>(rules::align_batched(in, axes))}, {0}};
  }
};
INGOT_REGISTER_PRIMITIVE(Select)

array where(const Operand& condition, const Operand& x, const Operand& y, StreamOrDevice s) {
  to_stream(s, "where");
  const Dtype t = result_type({x, y});
  array c = condition.to_array(bool_, "where");
  array a = x.to_array(t, "where"), b = y.to_array(t, "where");
  broadcast_shapes(broadcast_shapes(c.shape(), a.shape(), "where"), b.shape(), "where");
  return make<Select>({std::move(c), std::move(a), std::move(b)});
}

}  // namespace ingot
