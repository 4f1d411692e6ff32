// Sorting along one axis: Sort, ArgSort, Partition, ArgPartition and TopK.
// Outputs are dense with the sorted axis innermost (see cpu/sort.h), so no transposing copy is made.
#include <cstdint>
#include <limits>
#include <optional>

#include "core/utils.h"
#include "cpu/sort.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

using cpu::SortKind;

// State may come from a file: the axis must name a dimension of the input.
void check_axis(int axis, const array& a, const char* op) {
  if (axis < 0 || axis >= a.ndim())
    fail(op, "axis ", axis, " is out of range for an array with ", a.ndim(), " dimensions.");
}

// Indices are uint32 as MLX; the largest one is n - 1.
void check_index_range(int64_t n, const char* op) {
  if (n - 1 > static_cast<int64_t>(std::numeric_limits<uint32_t>::max()))
    fail(op, "the axis extent ", n, " does not fit the uint32 indices this op returns.");
}

// numpy's kth: negative counts from the end, resolved against the shape at call time (the state keeps
// it as given, so a shapeless replay partitions around the same element counted from the end).
int64_t check_kth(int64_t kth, int axis, const array& a, const char* op) {
  const int64_t n = a.shape()[axis];
  const int64_t k = kth < 0 ? kth + n : kth;
  if (k < 0 || k >= n)
    fail(op, "kth ", kth, " is out of range for axis ", axis, " of an array of shape ", shape_str(a.shape()), ".");
  return k;
}

}  // namespace

// The cotangent of x for outputs that are x's values rearranged along the axis: output position p
// holds the value of x at in_pos[p], so its cotangent goes back there. Sorting both sides lines up
// equal values (ties in their stable order, one valid choice).
static array rearranged_vjp(const array& x, const array& y, const array& cot, int axis, std::optional<int64_t> last_k) {
  const array by_x = argsort(x, axis);
  if (last_k) {  // y is the k largest of x, ascending: the last k of x's sorted order
    Shape start(x.ndim(), 0), stop = x.shape();
    start[axis] = x.shape(axis) - *last_k;
    return put_along_axis(zeros_like(x), slice(by_x, start, stop), cot, axis);
  }
  const array by_y = argsort(y, axis);
  return put_along_axis(zeros_like(x), by_x, take_along_axis(cot, by_y, axis), axis);
}

class Sort : public PrimitiveBase<Sort> {
 public:
  static constexpr const char* kName = "Sort";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  explicit Sort(int axis) : axis_(axis) {}
  auto state() const { return std::tuple(axis_); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_axis(axis_, in[0], "sort");
    return {in[0].shape()};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { cpu::sort(in[0], out[0], axis_, SortKind::sort, 0); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {put_along_axis(zeros_like(in[0]), argsort(in[0], axis_), cot[0], axis_)};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<Sort>({rules::batch_first(in[0], axes[0])}, axis_ + 1)}, {0}};
  }

 private:
  int axis_;
};
INGOT_REGISTER_PRIMITIVE(Sort)

class ArgSort : public PrimitiveBase<ArgSort> {
 public:
  static constexpr const char* kName = "ArgSort";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  explicit ArgSort(int axis) : axis_(axis) {}
  auto state() const { return std::tuple(axis_); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_axis(axis_, in[0], "argsort");
    check_index_range(in[0].shape()[axis_], "argsort");
    return {in[0].shape()};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {uint32}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::sort(in[0], out[0], axis_, SortKind::argsort, 0);
  }
  // Index-valued: no derivative.
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }

 private:
  int axis_;
};
INGOT_REGISTER_PRIMITIVE(ArgSort)

class Partition : public PrimitiveBase<Partition> {
 public:
  static constexpr const char* kName = "Partition";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  // kth: non-negative, below the axis extent (the op builder normalizes it).
  Partition(int64_t kth, int axis) : kth_(kth), axis_(axis) {}
  auto state() const { return std::tuple(kth_, axis_); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_axis(axis_, in[0], "partition");
    check_kth(kth_, axis_, in[0], "partition");
    return {in[0].shape()};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::sort(in[0], out[0], axis_, SortKind::partition, check_kth(kth_, axis_, in[0], "partition"));
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    return {rearranged_vjp(in[0], out[0], cot[0], axis_, std::nullopt)};
  }

 private:
  int64_t kth_;
  int axis_;
};
INGOT_REGISTER_PRIMITIVE(Partition)

class ArgPartition : public PrimitiveBase<ArgPartition> {
 public:
  static constexpr const char* kName = "ArgPartition";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  ArgPartition(int64_t kth, int axis) : kth_(kth), axis_(axis) {}
  auto state() const { return std::tuple(kth_, axis_); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_axis(axis_, in[0], "argpartition");
    check_kth(kth_, axis_, in[0], "argpartition");
    check_index_range(in[0].shape()[axis_], "argpartition");
    return {in[0].shape()};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {uint32}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::sort(in[0], out[0], axis_, SortKind::argpartition, check_kth(kth_, axis_, in[0], "argpartition"));
  }
  // Index-valued: no derivative.
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }

 private:
  int64_t kth_;
  int axis_;
};
INGOT_REGISTER_PRIMITIVE(ArgPartition)

// The k largest values along the axis, in ascending order (ties cannot be told apart in the values).
class TopK : public PrimitiveBase<TopK> {
 public:
  static constexpr const char* kName = "TopK";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  TopK(int64_t k, int axis) : k_(k), axis_(axis) {}
  auto state() const { return std::tuple(k_, axis_); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_axis(axis_, in[0], "topk");
    Shape s = in[0].shape();
    if (k_ < 0 || k_ > s[axis_])
      fail("topk", "k ", k_, " is out of range for axis ", axis_, " of an array of shape ", shape_str(s), ".");
    s[axis_] = k_;
    return {s};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { cpu::sort(in[0], out[0], axis_, SortKind::topk, k_); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    return {rearranged_vjp(in[0], out[0], cot[0], axis_, k_)};
  }

 private:
  int64_t k_;
  int axis_;
};
INGOT_REGISTER_PRIMITIVE(TopK)

namespace {

// The array and the non-negative axis an op works along; no axis means the flattened array.
std::pair<array, int> along(const array& a, std::optional<int> axis, const char* op) {
  if (!axis) return {flatten(a), 0};
  return {a, normalize_axis(*axis, a.ndim(), op)};
}


}  // namespace

array sort(const array& a, std::optional<int> axis, StreamOrDevice s) {
  to_stream(s, "sort");
  auto [x, ax] = along(a, axis, "sort");
  return make<Sort>({x}, ax);
}

array argsort(const array& a, std::optional<int> axis, StreamOrDevice s) {
  to_stream(s, "argsort");
  auto [x, ax] = along(a, axis, "argsort");
  check_index_range(x.shape()[ax], "argsort");
  return make<ArgSort>({x}, ax);
}

array partition(const array& a, int64_t kth, std::optional<int> axis, StreamOrDevice s) {
  to_stream(s, "partition");
  auto [x, ax] = along(a, axis, "partition");
  check_kth(kth, ax, x, "partition");
  return make<Partition>({x}, kth, ax);
}

array argpartition(const array& a, int64_t kth, std::optional<int> axis, StreamOrDevice s) {
  to_stream(s, "argpartition");
  auto [x, ax] = along(a, axis, "argpartition");
  check_kth(kth, ax, x, "argpartition");
  check_index_range(x.shape()[ax], "argpartition");
  return make<ArgPartition>({x}, kth, ax);
}

array topk(const array& a, int64_t k, std::optional<int> axis, StreamOrDevice s) {
  to_stream(s, "topk");
  auto [x, ax] = along(a, axis, "topk");
  if (k < 0 || k > x.shape()[ax])
    fail("topk", "k ", k, " is out of range for axis ", ax, " of an array of shape ", shape_str(x.shape()),
         " (k must lie in [0, ", x.shape()[ax], "]).");
  return make<TopK>({x}, k, ax);
}

}  // namespace ingot
