// Dtype conversion, and the identity-like Copy and StopGradient.
#include "cpu/copy.h"
#include "cpu/elementwise.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

class AsType : public PrimitiveBase<AsType> {
 public:
  static constexpr const char* kName = "AsType";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  explicit AsType(Dtype dtype) : dtype_(dtype) {}
  auto state() const { return std::tuple(dtype_); }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {dtype_}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const Dtype from = in[0].dtype(), to = dtype_;
    cpu::apply_elementwise(in, out[0], [from, to](const void* const* src, const int* step, void* dst, int64_t n) {
      if (step[0]) return cpu::convert(src[0], from, dst, to, n);
      cpu::convert(src[0], from, dst, to, 1);  // a repeated scalar: convert once, then replicate
      const size_t sz = size_of(to);
      for (int64_t i = 1; i < n; ++i) std::memcpy(static_cast<char*>(dst) + i * sz, dst, sz);
    });
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {astype(cot[0], in[0].dtype())};
  }
  Arrays jvp(const Arrays&, const Arrays& t, const std::vector<int>&, const Arrays& out) const override {
    return {dtype_ != bool_ ? astype(t[0], dtype_) : zeros_like(out[0])};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{astype(in[0], dtype_)}, axes};
  }

 private:
  Dtype dtype_;
};
INGOT_REGISTER_PRIMITIVE(AsType)

// A materialized row-major copy; also what `contiguous` data looks like to a user.
class Copy : public PrimitiveBase<Copy> {
 public:
  static constexpr const char* kName = "Copy";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  auto state() const { return std::tuple<>(); }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].alloc();
    cpu::copy_to_row_major(in[0], out[0].raw_data(), in[0].dtype());
  }
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays&) const override { return cot; }
  Arrays jvp(const Arrays&, const Arrays& t, const std::vector<int>&, const Arrays&) const override { return t; }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{copy(in[0])}, axes};
  }
};
INGOT_REGISTER_PRIMITIVE(Copy)

// The identity, marking where gradients stop; kept in exported graphs for that reason.
class StopGradient : public PrimitiveBase<StopGradient> {
 public:
  static constexpr const char* kName = "StopGradient";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  auto state() const { return std::tuple<>(); }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].copy_shared_buffer(in[0], in[0].strides(), in[0].flags(), in[0].data_size());
  }
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{stop_gradient(in[0])}, axes};
  }
};
INGOT_REGISTER_PRIMITIVE(StopGradient)

// Its first `count` inputs passed through, computed only after the others: the dependencies MLX's
// depends() ties to them (an ordering, for side effects such as collectives).
class Depends : public PrimitiveBase<Depends> {
 public:
  static constexpr const char* kName = "Depends";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr bool kMixedDtypes = true;
  explicit Depends(int count) : count_(count) {}
  auto state() const { return std::tuple(count_); }
  void check_inputs(const Arrays& in) const override {
    if (count_ < 1 || in.size() < static_cast<size_t>(count_))
      detail::bad_inputs(*this, "expects at least the " + std::to_string(count_) + " inputs it passes through");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_inputs(in);
    std::vector<Shape> s;
    for (int i = 0; i < count_; ++i) s.push_back(in[i].shape());
    return s;
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    std::vector<Dtype> t;
    for (int i = 0; i < count_; ++i) t.push_back(in[i].dtype());
    return t;
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    for (int i = 0; i < count_; ++i) out[i].copy_shared_buffer(in[i], in[i].strides(), in[i].flags(), in[i].data_size());
  }
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    Arrays r;
    for (int i : argnums) r.push_back(i < count_ ? cot[i] : array());  // none to the dependencies
    return r;
  }

 private:
  int count_;
};
INGOT_REGISTER_PRIMITIVE(Depends)

Arrays depends(const Arrays& inputs, const Arrays& dependencies, StreamOrDevice s) {
  to_stream(s, "depends");
  if (inputs.empty()) fail("depends", "needs at least one input to pass through.");
  if (dependencies.empty()) return inputs;
  Arrays in = inputs;
  in.insert(in.end(), dependencies.begin(), dependencies.end());
  return make_multi<Depends>(std::move(in), static_cast<int>(inputs.size()));
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  to_stream(s, "contiguous");
  if (a.is_evaluated() && (a.flags().row_contiguous || (allow_col_major && a.flags().col_contiguous))) return a;
  return copy(a);
}

array astype(const array& a, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "astype");
  return a.dtype() == dtype ? a : make<AsType>({a}, dtype);
}
array copy(const array& a, StreamOrDevice s) {
  to_stream(s, "copy");
  return make<Copy>({a});
}
array stop_gradient(const array& a, StreamOrDevice s) {
  to_stream(s, "stop_gradient");
  return make<StopGradient>({a});
}

}  // namespace ingot
