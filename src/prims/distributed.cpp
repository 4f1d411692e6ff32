// The collectives (AllReduce, AllGather, Send, Recv) and SumGradients, with the ops of
// ingot/distributed.h that build them. A node holds the group it was built for; one read from a file
// holds only the group's size, recorded in its state, and runs on the process's global group, which
// must have that size (checked when the node runs, so a file can be read and inspected anywhere).
#include <string>

#include "core/utils.h"
#include "cpu/copy.h"
#include "distributed/group.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

using distributed::Group;
using distributed::ReduceOp;
using distributed::detail::GroupImpl;

namespace {

constexpr int kMaxGroupSize = 1 << 20;

// The group a node runs on, and the size recorded in its state.
struct GroupRef {
  std::shared_ptr<GroupImpl> group;  // null for a node read from a file: the global group then
  int size;

  void check(const char* op) const {  // state from a file is checked before it is used
    if (size < 1 || size > kMaxGroupSize) fail(op, "invalid state: a group of ", size, " processes.");
  }
  void check_rank(int r, const char* what, const char* op) const {
    check(op);
    if (r < 0 || r >= size) fail(op, "invalid state: ", what, " ", r, " in a group of ", size, " processes.");
  }
  std::shared_ptr<GroupImpl> get(const char* op) const {
    if (group) return group;
    auto g = distributed::init().raw_group();
    if (g->size() != size)
      fail(op, "the function was exported on a group of ", size, " processes, and this process's group has ",
           g->size(), ": run it with as many processes (mpirun -np ", size, ").");
    return g;
  }
};

// What the communicating classes share: each evaluation exchanges messages, so two nodes are never the
// same node (export and compile keep every one).
template <class Derived>
class Collective : public PrimitiveBase<Derived> {
 public:
  bool communicates() const override { return true; }
  bool is_equivalent(const Primitive& other) const override { return this == &other; }

 protected:
  Collective(std::shared_ptr<GroupImpl> group, int size) : ref_{std::move(group), size} {}
  GroupRef ref_;
};

// The state's names of the reductions: written to files, never changed.
const char* const kReduceNames[] = {"sum", "max", "min"};
const char* const kReduceOps[] = {"all_sum", "all_max", "all_min"};

}  // namespace

// Every process's input reduced elementwise (sum, max or min) over the group.
class AllReduce : public Collective<AllReduce> {
 public:
  static constexpr const char* kName = "AllReduce";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // the input's shape
  static constexpr int kArity = 1;
  AllReduce(std::string op, int size) : AllReduce(nullptr, std::move(op), size) {}
  AllReduce(std::shared_ptr<GroupImpl> group, std::string op, int size)
      : Collective(std::move(group), size), op_(std::move(op)) {}
  auto state() const { return std::tuple(op_, ref_.size); }

  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    ref_.check(fn());
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    auto group = ref_.get(fn());
    out[0].alloc();
    cpu::copy_to_row_major(in[0], out[0].raw_data(), in[0].dtype());
    group->all_reduce(out[0], reduce_op());
  }
  // A sum's cotangent passes through unchanged, as MLX's: each process's loss is the same replicated
  // loss. A max or min goes to the processes whose value won, shared between ties.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    if (reduce_op() == ReduceOp::sum) return {cot[0]};
    const array hit = astype(equal(in[0], out[0]), in[0].dtype());
    return {multiply(divide(cot[0], over("sum", hit)), hit)};
  }
  Arrays jvp(const Arrays& in, const Arrays& t, const std::vector<int>&, const Arrays& out) const override {
    if (reduce_op() == ReduceOp::sum) return {over("sum", t[0])};
    const array hit = astype(equal(in[0], out[0]), in[0].dtype());
    return {divide(over("sum", multiply(t[0], hit)), over("sum", hit))};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{over(op_, in[0])}, axes};
  }

 private:
  ReduceOp reduce_op() const {
    for (int k = 0; k < 3; ++k)
      if (op_ == kReduceNames[k]) return static_cast<ReduceOp>(k);
    fail("AllReduce", "invalid state: the reduction '", op_, "' (sum, max or min).");
  }
  const char* fn() const { return kReduceOps[static_cast<int>(reduce_op())]; }
  array over(const std::string& op, const array& x) const { return make<AllReduce>({x}, ref_.group, op, ref_.size); }
  std::string op_;
};
INGOT_REGISTER_PRIMITIVE(AllReduce)

// Every process's input concatenated along axis 0 in rank order; a 0-d input gives shape (size,).
class AllGather : public Collective<AllGather> {
 public:
  static constexpr const char* kName = "AllGather";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // the input's shape times the recorded group size
  static constexpr int kArity = 1;
  explicit AllGather(int size) : AllGather(nullptr, size) {}
  AllGather(std::shared_ptr<GroupImpl> group, int size) : Collective(std::move(group), size) {}
  auto state() const { return std::tuple(ref_.size); }

  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    ref_.check("all_gather");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    ref_.check("all_gather");
    Shape s = in[0].shape();
    if (s.empty()) s.push_back(ref_.size);
    else if (__builtin_mul_overflow(s[0], ref_.size, &s[0]))  // a file's group size times a huge axis
      fail("all_gather", "gathering ", in[0].shape()[0], " rows from ", ref_.size, " processes overflows.");
    shape_size(s, "all_gather");
    return {s};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    auto group = ref_.get("all_gather");
    const array x = cpu::contiguous(in[0]);
    out[0].alloc();
    group->all_gather(x, out[0]);
  }
  // This process's rows of the cotangent.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    const array mine = split(cot[0], ref_.size, 0)[ref_.get("all_gather")->rank()];
    return {in[0].ndim() == 0 ? squeeze(mine, 0) : mine};
  }
  Arrays jvp(const Arrays&, const Arrays& t, const std::vector<int>&, const Arrays&) const override {
    return {make<AllGather>({t[0]}, ref_.group, ref_.size)};
  }
  // Gathered along axis 0 with the batch on axis 1 (a 0-d entry becomes a row of the batch).
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    const array x = in[0].ndim() == 1 ? expand_dims(in[0], 0) : moveaxis(in[0], axes[0], 1);
    return {{make<AllGather>({x}, ref_.group, ref_.size)}, {1}};
  }
};
INGOT_REGISTER_PRIMITIVE(AllGather)

// Sends its input to rank dst; its output is the input, for ordering what follows after the send.
class Send : public Collective<Send> {
 public:
  static constexpr const char* kName = "Send";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // the input's shape
  static constexpr int kArity = 1;
  Send(int dst, int size) : Send(nullptr, dst, size) {}
  Send(std::shared_ptr<GroupImpl> group, int dst, int size) : Collective(std::move(group), size), dst_(dst) {}
  auto state() const { return std::tuple(dst_, ref_.size); }

  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    ref_.check_rank(dst_, "destination", "send");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    ref_.get("send")->send(cpu::contiguous(in[0]), dst_);
    out[0].copy_shared_buffer(in[0], in[0].strides(), in[0].flags(), in[0].data_size());
  }
  // The whole batch in one message, batch axis first (what Recv's vmap receives).
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<Send>({rules::batch_first(in[0], axes[0])}, ref_.group, dst_, ref_.size)}, {0}};
  }

 private:
  int dst_;
};
INGOT_REGISTER_PRIMITIVE(Send)

// Receives an array of a recorded shape and dtype from rank src. Its inputs, if any, only order the
// receive after them (the ops give it none).
class Recv : public Collective<Recv> {
 public:
  static constexpr const char* kName = "Recv";
  static constexpr int kVersion = 1;
  static constexpr bool kMixedDtypes = true;
  Recv(Shape shape, Dtype dtype, int src, int size) : Recv(nullptr, std::move(shape), dtype, src, size) {}
  Recv(std::shared_ptr<GroupImpl> group, Shape shape, Dtype dtype, int src, int size)
      : Collective(std::move(group), size), shape_(std::move(shape)), dtype_(dtype), src_(src) {}
  auto state() const { return std::tuple(shape_, dtype_, src_, ref_.size); }
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    for (bool d : dynamic)
      if (d) return "the shape " + shape_str(shape_);
    return {};
  }

  void check_inputs(const Arrays&) const override { ref_.check_rank(src_, "source", "recv"); }
  std::vector<Shape> output_shapes(const Arrays&) const override {
    shape_size(shape_, "recv");
    return {shape_};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {dtype_}; }
  void eval_cpu(const Arrays&, Arrays& out) const override {
    auto group = ref_.get("recv");
    out[0].alloc();
    group->recv(out[0], src_);
  }
  // After a batched send: the batch in one message, batch axis first.
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    Shape s = shape_;
    for (size_t i = 0; i < in.size(); ++i)
      if (axes[i] >= 0) {
        s.insert(s.begin(), in[i].shape(axes[i]));
        break;
      }
    return {{make<Recv>(in, ref_.group, s, dtype_, src_, ref_.size)}, {0}};
  }

 private:
  Shape shape_;
  Dtype dtype_;
  int src_;
};
INGOT_REGISTER_PRIMITIVE(Recv)

// The identity, whose cotangent is summed over the group: the transpose of all_sum, applied to the
// replicated input of a layer whose weights are split across the group.
class SumGradients : public PrimitiveBase<SumGradients> {
 public:
  static constexpr const char* kName = "SumGradients";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // the input's shape
  static constexpr int kArity = 1;
  explicit SumGradients(int size) : SumGradients(nullptr, size) {}
  SumGradients(std::shared_ptr<GroupImpl> group, int size) : ref_{std::move(group), size} {}
  auto state() const { return std::tuple(ref_.size); }

  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    ref_.check("sum_gradients");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].copy_shared_buffer(in[0], in[0].strides(), in[0].flags(), in[0].data_size());
  }
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {make<AllReduce>({cot[0]}, ref_.group, std::string("sum"), ref_.size)};
  }
  Arrays jvp(const Arrays&, const Arrays& t, const std::vector<int>&, const Arrays&) const override { return t; }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<SumGradients>({in[0]}, ref_.group, ref_.size)}, axes};
  }

 private:
  GroupRef ref_;
};
INGOT_REGISTER_PRIMITIVE(SumGradients)

namespace distributed {

namespace detail {

array all_reduce_node(const array& x, ReduceOp op, const Group& group) {
  return make<AllReduce>({x}, group.raw_group(), std::string(kReduceNames[static_cast<int>(op)]), group.size());
}
array all_gather_node(const array& x, const Group& group) {
  return make<AllGather>({x}, group.raw_group(), group.size());
}
array send_node(const array& x, int dst, const Group& group) {
  return make<Send>({x}, group.raw_group(), dst, group.size());
}
array recv_node(const Shape& shape, Dtype dtype, int src, const Group& group, const Arrays& after) {
  return make<Recv>(after, group.raw_group(), shape, dtype, src, group.size());
}
array sum_gradients_node(const array& x, const Group& group) {
  return make<SumGradients>({x}, group.raw_group(), group.size());
}

}  // namespace detail

namespace {

Group group_of(const std::optional<Group>& group) { return group ? *group : init(); }

array all_reduce(const array& x, ReduceOp op, const std::optional<Group>& group, const StreamOrDevice& s) {
  to_stream(s, kReduceOps[static_cast<int>(op)]);
  const Group g = group_of(group);
  return g.size() == 1 ? x : detail::all_reduce_node(x, op, g);
}

// send and recv name a process of the group other than this one.
Group peer_group(const std::optional<Group>& group, int peer, const char* what, const char* op) {
  const Group g = group_of(group);
  if (g.size() == 1) fail(op, "there is no other process in a group of one process.");
  if (peer < 0 || peer >= g.size()) fail(op, "the ", what, " ", peer, " is not a rank of a group of ", g.size(), ".");
  if (peer == g.rank()) fail(op, "the ", what, " ", peer, " is this process (a process cannot message itself).");
  return g;
}

}  // namespace

array all_sum(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return all_reduce(x, ReduceOp::sum, group, s);
}
array all_max(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return all_reduce(x, ReduceOp::max, group, s);
}
array all_min(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return all_reduce(x, ReduceOp::min, group, s);
}

array all_gather(const array& x, std::optional<Group> group, StreamOrDevice s) {
  to_stream(s, "all_gather");
  const Group g = group_of(group);
  return g.size() == 1 ? x : detail::all_gather_node(x, g);
}

array send(const array& x, int dst, std::optional<Group> group, StreamOrDevice s) {
  to_stream(s, "send");
  return detail::send_node(x, dst, peer_group(group, dst, "destination", "send"));
}

array recv(Shape shape, Dtype dtype, int src, std::optional<Group> group, StreamOrDevice s) {
  to_stream(s, "recv");
  shape_size(shape, "recv");
  return detail::recv_node(shape, dtype, src, peer_group(group, src, "source", "recv"));
}

array recv_like(const array& x, int src, std::optional<Group> group, StreamOrDevice s) {
  return recv(x.shape(), x.dtype(), src, std::move(group), s);
}

array sum_gradients(const array& x, std::optional<Group> group) {
  const Group g = group_of(group);
  return g.size() == 1 ? x : detail::sum_gradients_node(x, g);
}

}  // namespace distributed
}  // namespace ingot
