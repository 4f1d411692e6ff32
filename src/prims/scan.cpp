// Cumulative reductions along one axis (cumsum, cumprod, cummax, cummin, logcumsumexp): one class,
// one table row per op, with MLX's arguments (axis, reverse, inclusive).
#include <optional>

#include "core/utils.h"
#include "cpu/scan.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {
namespace {

using cpu::ScanOp;

struct Row {
  const char* name;  // the primitive name written to files: never change
  const char* fn;    // the op, for error messages
};

// Indexed by ScanOp; order is internal only (files store names).
constexpr Row kRows[] = {
    {"CumSum", "cumsum"}, {"CumProd", "cumprod"}, {"CumMax", "cummax"},
    {"CumMin", "cummin"}, {"LogCumSumExp", "logcumsumexp"},
};

const Row& row_of(ScanOp op) { return kRows[static_cast<int>(op)]; }

}  // namespace

class Scan : public PrimitiveBase<Scan> {
 public:
  static constexpr const char* kName = "Scan";  // the family; each row has its own name()
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  // axis: non-negative (the op builder normalizes it). The output has the input's shape and dtype.
  Scan(ScanOp op, int axis, bool reverse, bool inclusive)
      : op_(op), axis_(axis), reverse_(reverse), inclusive_(inclusive) {}
  const char* name() const override { return row_of(op_).name; }
  auto state() const { return std::tuple(axis_, reverse_, inclusive_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    if (axis_ < 0 || axis_ >= in[0].ndim())  // state may come from a file
      fail(row_of(op_).fn, "axis ", axis_, " is out of range for an array with ", in[0].ndim(), " dimensions.");
    return {in[0].shape()};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    if (op_ == ScanOp::logaddexp && !is_floating_point(in[0].dtype()))
      fail(row_of(op_).fn, "expects a floating point array, got ", in[0].dtype(), ".");
    return {in[0].dtype()};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::scan(in[0], out[0], op_, axis_, reverse_, inclusive_);
  }

 private:
  ScanOp op_;
  int axis_;
  bool reverse_, inclusive_;
};

INGOT_REGISTER_FAMILY(Scan) {
  for (size_t i = 0; i < std::size(kRows); ++i)
    r.add_entry(kRows[i].name, Scan::kVersion,
                [op = static_cast<ScanOp>(i)](StateReader& rd) { return Scan::from_state(rd, op); });
}

namespace {

array build_scan(ScanOp op, const array& a, std::optional<int> axis, bool reverse, bool inclusive) {
  const char* fn = row_of(op).fn;
  const int ax = axis ? normalize_axis(*axis, a.ndim(), fn) : 0;
  array x = axis ? a : flatten(a);
  // MLX's result dtypes: a bool cumsum counts in int32; every other scan keeps the dtype (integer
  // sums and products wrap in it). logcumsumexp of integers is float32, as logsumexp.
  if (op == ScanOp::sum && x.dtype() == bool_) x = astype(x, int32);
  if (op == ScanOp::logaddexp && !is_floating_point(x.dtype())) x = astype(x, float32);
  return make<Scan>({x}, op, ax, reverse, inclusive);
}

}  // namespace

array cumsum(const array& a, std::optional<int> axis, bool reverse, bool inclusive) {
  return build_scan(ScanOp::sum, a, axis, reverse, inclusive);
}
array cumprod(const array& a, std::optional<int> axis, bool reverse, bool inclusive) {
  return build_scan(ScanOp::prod, a, axis, reverse, inclusive);
}
array cummax(const array& a, std::optional<int> axis, bool reverse, bool inclusive) {
  return build_scan(ScanOp::max, a, axis, reverse, inclusive);
}
array cummin(const array& a, std::optional<int> axis, bool reverse, bool inclusive) {
  return build_scan(ScanOp::min, a, axis, reverse, inclusive);
}
array logcumsumexp(const array& a, std::optional<int> axis, bool reverse, bool inclusive) {
  return build_scan(ScanOp::logaddexp, a, axis, reverse, inclusive);
}

}  // namespace ingot
