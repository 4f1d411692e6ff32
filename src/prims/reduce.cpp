// Reductions over axes (sum, prod, max, min, all, any): one class, one table row per op.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/utils.h"
#include "cpu/reduce.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {
namespace {

using cpu::ReduceOp;

struct Row {
  const char* name;  // the primitive name written to files: never change
  const char* fn;    // the op, for error messages
};

// Indexed by ReduceOp; order is internal only (files store names).
constexpr Row kRows[] = {
    {"Sum", "sum"}, {"Prod", "prod"}, {"Max", "max"}, {"Min", "min"}, {"All", "all"}, {"Any", "any"},
};

const Row& row_of(ReduceOp op) { return kRows[static_cast<int>(op)]; }

// MLX's result dtypes: small integers and bool sum in 32 bits, all/any give bool, the rest keep their dtype.
Dtype result_dtype(ReduceOp op, Dtype t) {
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::prod:
      if (t == bool_ || t == int8 || t == int16) return int32;
      if (t == uint8 || t == uint16) return uint32;
      return t;
    case ReduceOp::all:
    case ReduceOp::any: return bool_;
    default: return t;
  }
}

}  // namespace

class Reduce : public PrimitiveBase<Reduce> {
 public:
  static constexpr const char* kName = "Reduce";  // the family; each row has its own name()
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  // axes: sorted, unique, non-negative (the op builder normalizes them).
  Reduce(ReduceOp op, std::vector<int> axes, bool keepdims) : op_(op), axes_(std::move(axes)), keepdims_(keepdims) {}
  const char* name() const override { return row_of(op_).name; }
  auto state() const { return std::tuple(axes_, keepdims_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    // State may come from a file: check it rather than trust it.
    for (size_t i = 0; i < axes_.size(); ++i)
      if (axes_[i] < 0 || axes_[i] >= static_cast<int>(s.size()) || (i > 0 && axes_[i] <= axes_[i - 1]))
        fail(row_of(op_).fn, "invalid axes for an array of shape ", shape_str(s), ".");
    Shape out;
    size_t k = 0;
    for (int d = 0; d < static_cast<int>(s.size()); ++d) {
      if (k < axes_.size() && axes_[k] == d) {
        ++k;
        if (keepdims_) out.push_back(1);
      } else {
        out.push_back(s[d]);
      }
    }
    return {out};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {result_dtype(op_, in[0].dtype())}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override { cpu::reduce(in[0], out[0], op_, axes_); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    const array& x = in[0];
    const array c = keepdims_ ? cot[0] : expand_dims(cot[0], axes_);
    switch (op_) {
      case ReduceOp::sum: return {broadcast_like(c, {x})};  // x's shape at run time (shapeless replay)
      case ReduceOp::max:
      case ReduceOp::min: {  // shared evenly between ties
        const array y = keepdims_ ? out[0] : expand_dims(out[0], axes_);
        const array hit = astype(equal(x, y), x.dtype());
        return {multiply(divide(c, sum(hit, axes_, true)), hit)};
      }
      case ReduceOp::prod: return {multiply(c, products_of_others(x))};
      default: return {array()};
    }
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    std::vector<int> shifted;
    for (int a : axes_) shifted.push_back(a + 1);
    return {{make<Reduce>({rules::batch_first(in[0], axes[0])}, op_, std::move(shifted), keepdims_)}, {0}};
  }

 private:
  // For each element, the product of the others it is reduced with: exclusive products from both ends
  // over the reduced axes laid out as one, which stays right where elements are zero.
  array products_of_others(const array& x) const {
    if (axes_.size() == 1)  // no reshape: follows shapes in a shapeless trace
      return multiply(cumprod(x, axes_[0], false, false), cumprod(x, axes_[0], true, false));
    std::vector<int> perm;
    for (int d = 0; d < x.ndim(); ++d)
      if (!std::binary_search(axes_.begin(), axes_.end(), d)) perm.push_back(d);
    const int kept = static_cast<int>(perm.size());
    perm.insert(perm.end(), axes_.begin(), axes_.end());
    const array xt = transpose(x, perm);
    const array flat = flatten(xt, kept, -1);
    const array others = multiply(cumprod(flat, -1, false, false), cumprod(flat, -1, true, false));
    std::vector<int> inverse(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int>(i);
    return transpose(reshape(others, xt.shape()), inverse);
  }

  ReduceOp op_;
  std::vector<int> axes_;
  bool keepdims_;
};

INGOT_REGISTER_FAMILY(Reduce) {
  for (size_t i = 0; i < std::size(kRows); ++i)
    r.add_entry(kRows[i].name, Reduce::kVersion,
                [op = static_cast<ReduceOp>(i)](StateReader& rd) { return Reduce::from_state(rd, op); });
}

namespace {

array build_reduce(ReduceOp op, const array& a, const std::vector<int>& axes, bool keepdims,
                   const StreamOrDevice& stream = {}) {
  const char* fn = row_of(op).fn;
  to_stream(stream, fn);
  auto ax = normalize_axes(axes, a.ndim(), fn);
  if (a.dtype() == complex64) {  // a sum of complex numbers: of the real and imaginary parts
    if (op != ReduceOp::sum) fail(fn, "does not support complex64 arrays.");
    return add(sum(real(a), ax, keepdims), multiply(sum(imag(a), ax, keepdims), complex64_t(0.0f, 1.0f)));
  }
  if (op == ReduceOp::max || op == ReduceOp::min)
    for (int d : ax)
      if (a.shape()[d] == 0)
        fail(fn, "cannot reduce over the empty axis ", d, " of an array of shape ", shape_str(a.shape()),
             ": there is no identity.");
  // Reducing over no axis only converts to the result dtype, as numpy's axis=().
  if (ax.empty()) return astype(a, result_dtype(op, a.dtype()));
  return make<Reduce>({a}, op, std::move(ax), keepdims);
}

}  // namespace

array sum(const array& a, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::sum, a, all_axes(a.ndim()), keepdims, s);
}
array sum(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::sum, a, axes, keepdims, s);
}
array sum(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::sum, a, {axis}, keepdims, s);
}
array prod(const array& a, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::prod, a, all_axes(a.ndim()), keepdims, s);
}
array prod(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::prod, a, axes, keepdims, s);
}
array prod(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::prod, a, {axis}, keepdims, s);
}
array max(const array& a, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::max, a, all_axes(a.ndim()), keepdims, s);
}
array max(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::max, a, axes, keepdims, s);
}
array max(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::max, a, {axis}, keepdims, s);
}
array min(const array& a, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::min, a, all_axes(a.ndim()), keepdims, s);
}
array min(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::min, a, axes, keepdims, s);
}
array min(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::min, a, {axis}, keepdims, s);
}
array all(const array& a, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::all, a, all_axes(a.ndim()), keepdims, s);
}
array all(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::all, a, axes, keepdims, s);
}
array all(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::all, a, {axis}, keepdims, s);
}
array any(const array& a, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::any, a, all_axes(a.ndim()), keepdims, s);
}
array any(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::any, a, axes, keepdims, s);
}
array any(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return build_reduce(ReduceOp::any, a, {axis}, keepdims, s);
}

}  // namespace ingot
