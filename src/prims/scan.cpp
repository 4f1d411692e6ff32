// Cumulative reductions along one axis (cumsum, cumprod, cummax, cummin, logcumsumexp): one class,
// one table row per op, with MLX's arguments (axis, reverse, inclusive).
#include <optional>

#include "core/utils.h"
#include "cpu/scan.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

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
  // The forward inclusive scan has the rules; the other directions and the exclusive scans are it
  // with the axis reversed and shifted, and take theirs through that decomposition.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays& out) const override {
    if (reverse_ || !inclusive_)
      return rules::vjp_via([this](const Arrays& x) { return Arrays{decompose(x[0])}; }, in, cot, argnums);
    return {inclusive_vjp(in[0], out[0], cot[0])};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<Scan>({rules::batch_first(in[0], axes[0])}, op_, axis_ + 1, reverse_, inclusive_)}, {0}};
  }

 private:
  array decompose(const array& x) const {
    const int64_t n = x.shape(axis_);
    auto flip = [&](const array& a) { return reverse_ ? take(a, arange(n - 1, int64_t{-1}, int64_t{-1}), axis_) : a; };
    array y = make<Scan>({flip(x)}, op_, axis_, false, true);
    if (!inclusive_ && n > 0) {  // shifted by one; the first entry is a constant either way
      Shape start(x.ndim(), 0), stop = y.shape();
      stop[axis_] = n - 1;
      Shape first = y.shape();
      first[axis_] = 1;
      y = concatenate({zeros(first, y.dtype()), slice(y, start, stop)}, axis_);
    }
    return flip(y);
  }
  // The forward inclusive scan's vjp. Products, extremes and log-sum-exp weigh each cotangent c_i by
  // how y_i depends on x_j (j <= i), built as an n x n matrix per row: exact where elements are zero
  // (products) and tied (extremes: the latest tied element, as torch's cummax indices), at n^2 memory
  // along the axis.
  array inclusive_vjp(const array& x0, const array& y0, const array& c0) const {
    if (op_ == ScanOp::sum) return cumsum(c0, axis_, true, true);
    const array x = moveaxis(x0, axis_, -1), y = moveaxis(y0, axis_, -1), c = moveaxis(c0, axis_, -1);
    const int64_t n = x.shape(-1);
    const array i = arange(n, int32), j = reshape(i, {n, 1});
    const array upper = greater_equal(i, j);  // [j, i]: i >= j
    auto row = [](const array& a) { return expand_dims(a, -2); };   // indexed by i
    auto col = [](const array& a) { return expand_dims(a, -1); };   // indexed by j
    array w;  // [..., j, i]
    if (op_ == ScanOp::prod) {
      const array between = cumprod(where(greater(i, j), row(x), 1.0), -1);  // prod of x over (j, i]
      w = multiply(col(cumprod(x, -1, false, false)), between);
    } else if (op_ == ScanOp::logaddexp) {
      w = exp(subtract(col(x), row(y)));
    } else {  // max, min: y_i comes from the latest x_j (j <= i) equal to it, as the running index does
      const array from = logical_and(upper, equal(col(x), row(y)));  // [j, i]: x_j equals y_i
      const array latest = ingot::max(where(from, j, -1), -2, true);  // [1, i]
      w = astype(equal(j, latest), x.dtype());
    }
    const array g = sum(multiply(where(upper, w, 0.0), row(c)), -1);
    return moveaxis(g, -1, axis_);
  }

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

array build_scan(ScanOp op, const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                 const StreamOrDevice& stream = {}) {
  const char* fn = row_of(op).fn;
  to_stream(stream, fn);
  const int ax = axis ? normalize_axis(*axis, a.ndim(), fn) : 0;
  array x = axis ? a : flatten(a);
  // MLX's result dtypes: a bool cumsum counts in int32; every other scan keeps the dtype (integer
  // sums and products wrap in it). logcumsumexp of integers is float32, as logsumexp.
  if (op == ScanOp::sum && x.dtype() == bool_) x = astype(x, int32);
  if (op == ScanOp::logaddexp && !is_floating_point(x.dtype())) x = astype(x, float32);
  return make<Scan>({x}, op, ax, reverse, inclusive);
}

}  // namespace

array cumsum(const array& a, std::optional<int> axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return build_scan(ScanOp::sum, a, axis, reverse, inclusive, s);
}
array cumprod(const array& a, std::optional<int> axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return build_scan(ScanOp::prod, a, axis, reverse, inclusive, s);
}
array cummax(const array& a, std::optional<int> axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return build_scan(ScanOp::max, a, axis, reverse, inclusive, s);
}
array cummin(const array& a, std::optional<int> axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return build_scan(ScanOp::min, a, axis, reverse, inclusive, s);
}
array logcumsumexp(const array& a, std::optional<int> axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return build_scan(ScanOp::logaddexp, a, axis, reverse, inclusive, s);
}

}  // namespace ingot
