// ArgMax / ArgMin along one axis (or over the flattened array): one class, one table row per op.
#include <cstdint>
#include <limits>
#include <string>

#include "core/utils.h"
#include "cpu/reduce.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {
namespace {

using cpu::ArgReduceOp;

struct Row {
  const char* name;  // the primitive name written to files: never change
  const char* fn;    // the op, for error messages
};

// Indexed by ArgReduceOp.
constexpr Row kRows[] = {{"ArgMax", "argmax"}, {"ArgMin", "argmin"}};

const Row& row_of(ArgReduceOp op) { return kRows[static_cast<int>(op)]; }

}  // namespace

class ArgReduce : public PrimitiveBase<ArgReduce> {
 public:
  static constexpr const char* kName = "ArgReduce";  // the family; each row has its own name()
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  // axis: non-negative, or -1 for the flattened array (no reshape node needed, and shapeless replay
  // follows any input shape).
  ArgReduce(ArgReduceOp op, int axis, bool keepdims) : op_(op), axis_(axis), keepdims_(keepdims) {}
  const char* name() const override { return row_of(op_).name; }
  auto state() const { return std::tuple(axis_, keepdims_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    const int nd = static_cast<int>(s.size());
    if (axis_ < -1 || axis_ >= nd)  // state may come from a file
      fail(row_of(op_).fn, "axis ", axis_, " is out of range for an array with ", nd, " dimensions.");
    if (axis_ < 0) return {keepdims_ ? Shape(s.size(), 1) : Shape{}};
    Shape out = s;
    if (keepdims_) out[axis_] = 1;
    else out.erase(out.begin() + axis_);
    return {out};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {uint32}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override { cpu::arg_reduce(in[0], out[0], op_, axis_); }
  // Index-valued: no derivative.
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }

 private:
  ArgReduceOp op_;
  int axis_;
  bool keepdims_;
};

INGOT_REGISTER_FAMILY(ArgReduce) {
  for (size_t i = 0; i < std::size(kRows); ++i)
    r.add_entry(kRows[i].name, ArgReduce::kVersion,
                [op = static_cast<ArgReduceOp>(i)](StateReader& rd) { return ArgReduce::from_state(rd, op); });
}

namespace {

array build_arg_reduce(ArgReduceOp op, const array& a, std::optional<int> axis, bool keepdims,
                       const StreamOrDevice& stream = {}) {
  const char* fn = row_of(op).fn;
  to_stream(stream, fn);
  const int ax = axis ? normalize_axis(*axis, a.ndim(), fn) : -1;
  const int64_t n = axis ? a.shape()[ax] : a.size();
  if (n == 0)
    fail(fn, "cannot reduce over an empty ", axis ? "axis" : "array", " (array shape ", shape_str(a.shape()), ").");
  if (n - 1 > static_cast<int64_t>(std::numeric_limits<uint32_t>::max()))
    fail(fn, "the reduced extent ", n, " does not fit the uint32 indices this op returns.");
  return make<ArgReduce>({a}, op, ax, keepdims);
}

}  // namespace

array argmax(const array& a, bool keepdims, StreamOrDevice s) {
  return build_arg_reduce(ArgReduceOp::argmax, a, std::nullopt, keepdims, s);
}
array argmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return build_arg_reduce(ArgReduceOp::argmax, a, axis, keepdims, s);
}
array argmin(const array& a, bool keepdims, StreamOrDevice s) {
  return build_arg_reduce(ArgReduceOp::argmin, a, std::nullopt, keepdims, s);
}
array argmin(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return build_arg_reduce(ArgReduceOp::argmin, a, axis, keepdims, s);
}

}  // namespace ingot
