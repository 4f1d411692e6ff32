// Compiled replay of tapes (imported traces and compiled functions): a plan per tape and input shapes,
// and the one node that runs it.
//
// A plan resolves each node's output shapes and checks the budget once, resolves the constants, notes
// where each value is read for the last time (released there, so buffers return to the cache early),
// and fuses runs of float32 elementwise nodes of one shape into single loops over cache-sized tiles:
// their intermediates never exist as arrays, and the values are the same bits as node by node (the
// same vector kernels run on the same elements).
#include <algorithm>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "core/graph.h"
#include "cpu/parallel.h"
#include "cpu/simd.h"
#include "cpu/packed.h"
#include "prims/matmul.h"
#include "prims/primitive.h"
#include "tape/plan.h"

namespace ingot {

namespace {
constexpr size_t kMaxPlans = 256;  // per PlanCache
// Elements per tile of a fused loop: a multiple of every vector width, so each element meets the same
// kernel lanes as in the unfused node; 4 KiB per live value stays in the L1/L2 cache.
constexpr int64_t kTile = 1024;
// An outside operand broadcast along the group's last axes (a norm's (rows, 1) scale) is fused when each of
// its elements covers at least this many consecutive elements: the loop then runs in pieces of that length.
constexpr int64_t kMinBlock = 16;
// Products by constant weights read them packed when they have at least this many rows (fewer, a
// matrix-vector product streams the weights where they are) and the weights at least this many
// elements (smaller products gain little, and keep OpenBLAS's bits, those of the eager product).
constexpr int64_t kPackRows = 16;
constexpr int64_t kPackElements = 1 << 16;
// A fill's input-independent output is kept when it takes at most this many bytes, or no more than
// its inputs; a larger one is filled again at each call.
constexpr double kFoldBytes = 1 << 20;
// The step index of a value never released (returned, or never read).
constexpr size_t kNever = std::numeric_limits<size_t>::max();

// One elementwise node of a fused group, as the vector kernel it runs.
struct FusedOp {
  bool binary;
  uint8_t op;  // cpu::FloatBinary or cpu::FloatUnary
};

std::optional<FusedOp> fusable_op(std::string_view name) {
  using B = cpu::FloatBinary;
  using U = cpu::FloatUnary;
  static const std::unordered_map<std::string_view, FusedOp> ops = [] {
    std::unordered_map<std::string_view, FusedOp> m;
    const std::pair<const char*, B> binary[] = {{"Add", B::add},         {"Subtract", B::subtract},
                                                {"Multiply", B::multiply}, {"Divide", B::divide},
                                                {"Maximum", B::maximum},   {"Minimum", B::minimum},
                                                {"LogAddExp", B::logaddexp}};
    for (auto [n, op] : binary) m.emplace(n, FusedOp{true, static_cast<uint8_t>(op)});
    // The float rows of the Unary family whose kernel is cpu::unary (ErfInv has its own).
    const std::pair<const char*, U> unary[] = {
        {"Abs", U::abs},         {"Negative", U::negative}, {"Sign", U::sign},       {"Square", U::square},
        {"Sqrt", U::sqrt},       {"Rsqrt", U::rsqrt},       {"Reciprocal", U::reciprocal},
        {"Exp", U::exp},         {"Expm1", U::expm1},       {"Log", U::log},         {"Log1p", U::log1p},
        {"Log2", U::log2},       {"Log10", U::log10},       {"Sin", U::sin},         {"Cos", U::cos},
        {"Tan", U::tan},         {"ArcSin", U::arcsin},     {"ArcCos", U::arccos},   {"ArcTan", U::arctan},
        {"Sinh", U::sinh},       {"Cosh", U::cosh},         {"Tanh", U::tanh},       {"ArcSinh", U::arcsinh},
        {"ArcCosh", U::arccosh}, {"ArcTanh", U::arctanh},   {"Sigmoid", U::sigmoid}, {"Erf", U::erf},
        {"Floor", U::floor},     {"Ceil", U::ceil}};
    for (auto [n, op] : unary) m.emplace(n, FusedOp{false, static_cast<uint8_t>(op)});
    return m;
  }();
  auto it = ops.find(name);
  if (it == ops.end()) return std::nullopt;
  return it->second;
}
}  // namespace

struct Plan {
  struct Step {
    const TapeNode* node;
    std::vector<Shape> shapes;
    uint32_t first_output;          // value id of the node's first output
    std::vector<uint32_t> release;  // value ids read for the last time here
    std::vector<bool> moves;        // per input: read for the last time here, and once (it moves in)
    std::shared_ptr<const cpu::PackedProduct> packed;  // a product by packed constant weights
  };
  // Consecutive steps [begin, end) fused into one loop over `elements` float32 values. Operands are
  // value ids: the group's own values live in tile registers unless read after the group or returned
  // (`materialize`); the others are inputs of the whole group, each of `elements`, of 1 element, or
  // broadcast to them so that flat element i reads element (i / block) % size (a bias row: block 1;
  // a norm's (rows, 1) scale: block = the row's length).
  struct Operand {
    int member;     // the member computing it, or -1: outside the group
    uint32_t id;    // value id
    int64_t block;  // outside: elements each of its elements covers (0: one element for all)
  };
  struct Group {
    size_t begin, end;
    int64_t elements;
    std::vector<FusedOp> ops;        // one per step
    std::vector<Operand> operands;   // per member, its inputs in order (one or two)
    std::vector<uint32_t> external;  // value ids read from outside the group
    std::vector<bool> materialize;   // per step: its output is an array
    std::vector<int> registers;      // per step: tile register (-1: written into the array)
    int num_registers = 0;
    std::vector<int64_t> periods;    // sizes of the outside operands that repeat (a bias row)
    std::vector<int64_t> blocks;     // blocks of outside operands whose elements repeat (over 1)
  };
  const Tape* tape;  // owned by whoever owns the plan cache
  const char* name;  // of the node a direct call makes
  Arrays constants;  // value ids num_inputs .. num_inputs + constants.size() - 1
  std::vector<std::pair<uint32_t, array>> folded;  // values of input-independent nodes, computed once
  std::vector<Step> steps;
  std::vector<Group> groups;  // in step order
  std::vector<Shape> output_shapes;
  std::vector<Dtype> output_dtypes;
  bool communicates = false;
};

namespace {

// How an operand of shape `v` broadcast to `s` walks the flat elements of `s`: when its dimensions other
// than 1 are one run of dimensions of `s` (a bias row, a (rows, 1) scale, a per-channel (C, 1, 1) scale,
// `s` itself), element i of `s` reads its element (i / block) % size, with `block` the product of the
// dimensions after the run (0 for a one-element operand). nullopt otherwise.
std::optional<int64_t> broadcast_block(const Shape& v, const Shape& s) {
  if (shape_size(v) == 1) return 0;
  if (v.size() > s.size()) return std::nullopt;
  const size_t off = s.size() - v.size();
  size_t first = s.size(), last = 0;
  for (size_t k = 0; k < v.size(); ++k)
    if (v[k] != 1) first = std::min(first, off + k), last = off + k;
  for (size_t k = first; k <= last; ++k)
    if (v[k - off] != s[k]) return std::nullopt;
  int64_t block = 1;
  for (size_t k = last + 1; k < s.size(); ++k) block *= s[k];
  return block;
}

// Nodes that write their outputs from a few values at memory speed (zeros, a range).
bool is_fill(const Primitive& p) {
  const std::string_view name = p.name();
  return name == "Full" || name == "Arange";
}

// Whether an array's elements lie in row-major order with nothing between them (what the fused loops
// and the packed products read).
bool row_major_dense(const array& a) { return a.flags().row_contiguous && a.data_size() == a.size(); }

void add_once(std::vector<int64_t>& v, int64_t x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

// The bytes an array's data takes (a broadcast view: only what it views).
double held_bytes(const array& a) { return static_cast<double>(a.data_size()) * static_cast<double>(a.itemsize()); }

// Finds the runs of consecutive fusable steps with one output shape and at least two members.
void fuse(Plan& p, const Arrays& values, const std::vector<size_t>& last_read) {
  const auto& tr = *p.tape;
  auto member = [&](size_t k) -> std::optional<FusedOp> {
    const auto& n = *p.steps[k].node;
    if (n.dtypes.size() != 1 || n.dtypes[0] != float32) return std::nullopt;
    auto op = fusable_op(n.primitive->name());
    if (!op || n.inputs.size() != (op->binary ? 2u : 1u)) return std::nullopt;
    if (shape_size(p.steps[k].shapes[0]) == 0) return std::nullopt;
    for (uint32_t id : n.inputs) {
      const array& v = values[id];
      const auto block = broadcast_block(v.shape(), p.steps[k].shapes[0]);
      if (v.dtype() != float32 || !block || (*block > 1 && *block < kMinBlock)) return std::nullopt;
    }
    return op;
  };
  size_t k = 0;
  while (k < p.steps.size()) {
    auto first = member(k);
    size_t end = k + 1;
    if (first)
      while (end < p.steps.size() && p.steps[end].shapes[0] == p.steps[k].shapes[0] && member(end)) ++end;
    if (!first || end - k < 2) {
      k = end;
      continue;
    }
    Plan::Group g{k, end, shape_size(p.steps[k].shapes[0]), {}, {}, {}, {}, {}, 0, {}, {}};
    std::unordered_map<uint32_t, int> member_of;  // value id -> the member computing it
    for (size_t j = k; j < end; ++j) member_of.emplace(p.steps[j].first_output, static_cast<int>(j - k));
    std::vector<int> free_registers;
    std::vector<size_t> reads_left(end - k, 0);  // in-group reads of each member's output still to come
    for (size_t j = k; j < end; ++j)
      for (uint32_t id : p.steps[j].node->inputs)
        if (auto it = member_of.find(id); it != member_of.end()) ++reads_left[it->second];
    for (size_t j = k; j < end; ++j) {
      const auto& s = p.steps[j];
      g.ops.push_back(*member(j));
      std::vector<int> freed;  // registers free from the next member on (a kernel never writes what it reads)
      for (uint32_t id : s.node->inputs) {
        auto it = member_of.find(id);
        if (it != member_of.end()) {
          g.operands.push_back({it->second, id, 1});
          if (--reads_left[it->second] == 0 && g.registers[it->second] >= 0) freed.push_back(g.registers[it->second]);
          continue;
        }
        const int64_t block = *broadcast_block(values[id].shape(), s.shapes[0]);
        g.operands.push_back({-1, id, block});
        if (std::find(g.external.begin(), g.external.end(), id) != g.external.end()) continue;
        g.external.push_back(id);
        const int64_t size = values[id].size();
        if (block == 1 && size < g.elements) add_once(g.periods, size);
        if (block > 1) add_once(g.blocks, block);
      }
      const uint32_t id = s.first_output;
      const bool returned = std::find(tr.outputs.begin(), tr.outputs.end(), id) != tr.outputs.end();
      const bool materialize = returned || (last_read[id] != kNever && last_read[id] >= end);
      g.materialize.push_back(materialize);
      if (materialize) {
        g.registers.push_back(-1);
      } else if (!free_registers.empty()) {
        g.registers.push_back(free_registers.back());
        free_registers.pop_back();
      } else {
        g.registers.push_back(g.num_registers++);
      }
      free_registers.insert(free_registers.end(), freed.begin(), freed.end());
    }
    p.groups.push_back(std::move(g));
    k = end;
  }
}

// The packed product for a Matmul (or a plain AddMM, its bias a row) of float32 rows by constant 2-D
// weights, when the product has rows enough; nullptr otherwise.
std::shared_ptr<const cpu::PackedProduct> packed_product(const TapeNode& n, const Arrays& vals,
                                                         const std::vector<bool>& dynamic, WeightPacker& packer) {
  const std::string_view name = n.primitive->name();
  const bool bias = name == "AddMM" && is_plain_addmm(*n.primitive);
  if (name != "Matmul" && !bias) return nullptr;
  const array& a = vals[n.inputs[0]];
  const array& b = vals[n.inputs[1]];
  if (dynamic[n.inputs[1]] || a.dtype() != float32 || b.dtype() != float32 || n.dtypes[0] != float32 ||
      b.ndim() != 2 || a.ndim() < 2 || b.size() < kPackElements)
    return nullptr;
  if (bias) {
    const array& c = vals[n.inputs[2]];
    if (c.dtype() != float32 || c.size() != b.shape(1) || c.shape().back() != b.shape(1)) return nullptr;
  }
  const int64_t rows = a.size() / b.shape(0);
  if (rows < kPackRows) return nullptr;
  auto w = packer.get(b, rows);
  return w ? cpu::packed_product(std::move(w), rows, bias) : nullptr;
}

}  // namespace

std::shared_ptr<const cpu::PackedWeights> WeightPacker::get(const array& b, int64_t rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_tuple(b.raw_data(), b.shape(), b.strides());
  if (auto it = entries_.find(key); it != entries_.end()) return it->second.packed;
  if (!cpu::packing_available() || used_ + static_cast<uint64_t>(b.nbytes()) > budget_) return nullptr;
  auto packed = cpu::pack_weights(b, rows);
  if (!packed || used_ + cpu::packed_bytes(*packed) > budget_) return nullptr;
  used_ += cpu::packed_bytes(*packed);
  entries_.emplace(std::move(key), Entry{b, packed});
  return packed;
}

void WeightPacker::set_budget(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  budget_ = bytes;
}

uint64_t WeightPacker::used() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return used_;
}

std::shared_ptr<const Plan> build_plan(const Tape& tape, Arrays constants, const Arrays& inputs,
                                       bool shapeless, const StepCheck& check, const char* name,
                                       WeightPacker* packer) {
  const Tape& tr = tape;
  auto p = std::make_shared<Plan>();
  p->tape = &tape;
  p->name = name;
  p->constants = std::move(constants);
  // Pass 1: every value that depends on no input is computed now (arrays with data); the others are
  // placeholders with their shapes.
  Arrays vals(inputs);
  vals.reserve(tr.num_values);
  vals.insert(vals.end(), p->constants.begin(), p->constants.end());
  std::vector<bool> dynamic(tr.num_values, false);  // depends on the call's inputs
  std::fill(dynamic.begin(), dynamic.begin() + static_cast<std::ptrdiff_t>(inputs.size()), true);
  std::vector<std::vector<Shape>> node_shapes;
  std::vector<uint32_t> first_output;  // per node, the value id of its first output
  for (const TapeNode& n : tr.nodes) {
    Arrays ins;
    ins.reserve(n.inputs.size());
    bool dyn = n.primitive->communicates();  // a message each call
    for (uint32_t id : n.inputs) {
      ins.push_back(vals[id]);
      dyn = dyn || dynamic[id];
    }
    std::vector<Shape> shapes = shapeless ? n.primitive->output_shapes(ins) : n.shapes;
    if (shapeless && check) check(n, ins, shapes);  // fixed shapes: checked when the tape was made
    const size_t first = vals.size();
    first_output.push_back(static_cast<uint32_t>(first));
    if (!dyn) {
      Arrays outs;
      for (size_t o = 0; o < shapes.size(); ++o) outs.emplace_back(std::make_shared<ArrayDesc>(shapes[o], n.dtypes[o]));
      run_node(*n.primitive, ins, outs);
      vals.insert(vals.end(), outs.begin(), outs.end());
    } else {
      for (size_t o = 0; o < shapes.size(); ++o) vals.push_back(array::placeholder(shapes[o], n.dtypes[o]));
      for (size_t o = first; o < vals.size(); ++o) dynamic[o] = true;
    }
    node_shapes.push_back(std::move(shapes));
  }
  // The computed values a call reads (by its steps, or returned) are kept, unless a fill made one that
  // takes much more memory than its inputs (zeros of a large shape): refilling costs no more than
  // reading it back, so that node runs at each call instead. Anything else (random weights, a rotary
  // table, a transposed constant) is kept: recomputing would cost more than it saves.
  std::vector<bool> needed(tr.num_values, false), refill(tr.nodes.size(), false);
  for (uint32_t id : tr.outputs) needed[id] = true;
  for (size_t k = tr.nodes.size(); k-- > 0;) {
    const TapeNode& n = tr.nodes[k];
    const uint32_t first = first_output[k];
    bool read = false;
    for (size_t o = 0; o < n.dtypes.size(); ++o) read = read || needed[first + o];
    if (dynamic[first]) {
      for (uint32_t id : n.inputs) needed[id] = true;
    } else if (read && is_fill(*n.primitive)) {
      double in_bytes = 0, out_bytes = 0;
      for (uint32_t id : n.inputs) in_bytes += held_bytes(vals[id]);
      for (size_t o = 0; o < n.dtypes.size(); ++o) out_bytes += held_bytes(vals[first + o]);
      refill[k] = out_bytes > std::max(in_bytes, kFoldBytes);
      if (refill[k])
        for (uint32_t id : n.inputs) needed[id] = true;
    }
  }
  // Pass 2: the steps, in order: nodes that depend on the inputs, and refills.
  std::vector<size_t> last_read(tr.num_values, kNever);  // step index
  for (size_t k = 0; k < tr.nodes.size(); ++k) {
    const TapeNode& n = tr.nodes[k];
    const uint32_t first = first_output[k];
    if (!dynamic[first] && !refill[k]) {
      for (size_t o = 0; o < n.dtypes.size(); ++o)
        if (needed[first + o]) p->folded.emplace_back(first + static_cast<uint32_t>(o), vals[first + o]);
      continue;
    }
    for (uint32_t id : n.inputs) last_read[id] = p->steps.size();
    p->communicates = p->communicates || n.primitive->communicates();
    p->steps.push_back({&n, std::move(node_shapes[k]), first, {}, {}, nullptr});
    if (packer && dynamic[first]) p->steps.back().packed = packed_product(n, vals, dynamic, *packer);
  }
  for (uint32_t id : tr.outputs) {
    last_read[id] = kNever;  // returned: never released
    p->output_shapes.push_back(vals[id].shape());
    p->output_dtypes.push_back(vals[id].dtype());
  }
  fuse(*p, vals, last_read);
  for (uint32_t id = 0; id < last_read.size(); ++id)
    if (last_read[id] != kNever) p->steps[last_read[id]].release.push_back(id);
  for (auto& step : p->steps) {
    const auto& ins = step.node->inputs;
    for (uint32_t id : ins)
      step.moves.push_back(std::find(step.release.begin(), step.release.end(), id) != step.release.end() &&
                           std::count(ins.begin(), ins.end(), id) == 1);
  }
  return p;
}

std::shared_ptr<const Plan> PlanCache::find(const Key& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = plans_.find(key);
  return it == plans_.end() ? nullptr : it->second;
}

std::shared_ptr<const Plan> PlanCache::insert(Key key, std::shared_ptr<const Plan> plan) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (plans_.size() >= kMaxPlans) plans_.clear();
  return plans_.emplace(std::move(key), std::move(plan)).first->second;
}

namespace {

// One call of a plan as a single node: evaluating it replays the plan step by step, the tape's outputs
// computed straight into the node's outputs. Not written to files: export evaluates it (its inputs
// have data, so its outputs are constants).
class PlanCall : public Primitive {
 public:
  PlanCall(std::shared_ptr<const void> owner, std::shared_ptr<const Plan> plan)
      : owner_(std::move(owner)), plan_(std::move(plan)) {}
  const char* name() const override { return plan_->name; }
  int version() const override { return 1; }
  std::vector<Shape> output_shapes(const Arrays&) const override { return plan_->output_shapes; }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return plan_->output_dtypes; }
  bool is_equivalent(const Primitive& other) const override { return &other == this; }
  void write_state(StateWriter&) const override {
    throw std::logic_error("[export] a replayed call is evaluated, never written.");
  }
  std::string shapeless_bakes(const Arrays&, const std::vector<bool>&) const override { return ""; }
  void check_inputs(const Arrays&) const override {}
  bool communicates() const override { return plan_->communicates; }
  // "ImportedCall(12 nodes; fused: 4, 3; packed: 2)": the nodes of the plan, the length of each fused
  // run, and the products by packed weights.
  void print(std::ostream& os) const override {
    os << plan_->name << "(" << plan_->steps.size() << " nodes";
    for (size_t i = 0; i < plan_->groups.size(); ++i)
      os << (i ? ", " : "; fused: ") << plan_->groups[i].end - plan_->groups[i].begin;
    const auto packed = std::count_if(plan_->steps.begin(), plan_->steps.end(), [](const Plan::Step& s) { return s.packed != nullptr; });
    if (packed) os << "; packed: " << packed;
    os << ")";
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const Tape& tr = *plan_->tape;
    Arrays vals(tr.num_values);
    size_t v = 0;
    // eval passes the node's own inputs and drops them afterwards: an input only the node holds moves
    // into the replay, so that a step reading it last may update it in place (a cache given up by the
    // caller). Not while eval keeps the graph (a transform walks back through it).
    const bool steal = !KeepGraph::active();
    for (const auto& a : in)
      vals[v++] = steal && a.desc_ptr().use_count() == 1 ? std::move(const_cast<array&>(a)) : a;
    for (const auto& c : plan_->constants) vals[v++] = c;
    for (const auto& [id, a] : plan_->folded) vals[id] = a;
    // Each output value computed by a node is written into the node's output itself (its first return).
    for (size_t i = 0; i < tr.outputs.size(); ++i)
      if (tr.outputs[i] >= v && !vals[tr.outputs[i]].valid()) vals[tr.outputs[i]] = out[i];
    Arrays ins, outs;
    auto slot = [&](const Plan::Step& step, size_t o) -> array& {
      array& s = vals[step.first_output + o];
      if (!s.valid()) s = array(std::make_shared<ArrayDesc>(step.shapes[o], step.node->dtypes[o]));
      return s;
    };
    auto release = [&](const Plan::Step& step) {
      for (uint32_t id : step.release) vals[id] = array();
    };
    size_t group = 0;
    for (size_t k = 0; k < plan_->steps.size();) {
      if (group < plan_->groups.size() && plan_->groups[group].begin == k) {
        const auto& g = plan_->groups[group++];
        if (run_fused(g, vals, slot)) {
          for (size_t j = g.begin; j < g.end; ++j) release(plan_->steps[j]);
          k = g.end;
          continue;
        }
      }
      const auto& step = plan_->steps[k++];
      ins.clear();
      // A value read for the last time here, once, moves in: the step holds its only handle.
      for (size_t i = 0; i < step.node->inputs.size(); ++i) {
        array& v = vals[step.node->inputs[i]];
        ins.push_back(step.moves[i] ? std::move(v) : v);
      }
      outs.clear();
      for (size_t o = 0; o < step.shapes.size(); ++o) outs.push_back(slot(step, o));
      if (!step.packed || !run_packed(*step.packed, ins, outs[0])) run_node(*step.node->primitive, ins, outs);
      release(step);
    }
    for (size_t i = 0; i < tr.outputs.size(); ++i) {
      const array& src = vals[tr.outputs[i]];
      if (!src.is_same(out[i])) out[i].copy_shared_buffer(src, src.strides(), src.flags(), src.data_size());
    }
  }

 private:
  // Runs a fused group tile by tile; false (nothing done) when an outside operand is not dense row-major,
  // and the steps then run one by one.
  template <class Slot>
  bool run_fused(const Plan::Group& g, Arrays& vals, Slot&& slot) const {
    for (uint32_t id : g.external) {
      const array& a = vals[id];
      if (a.size() != 1 && !row_major_dense(a)) return false;
    }
    const auto& steps = plan_->steps;
    std::vector<float*> dst(g.end - g.begin, nullptr);  // materialized outputs
    for (size_t j = g.begin; j < g.end; ++j)
      if (g.materialize[j - g.begin]) {
        array& a = slot(steps[j], 0);
        a.alloc();
        dst[j - g.begin] = a.data<float>();
      }
    const int64_t tiles = (g.elements + kTile - 1) / kTile;
    const int64_t cost = static_cast<int64_t>(g.ops.size()) * kTile;
    cpu::parallel_for(tiles, cost, [&](int64_t t0, int64_t t1) {
      thread_local std::vector<float> registers;
      registers.resize(static_cast<size_t>(std::max(g.num_registers, 1)) * kTile);
      // Where an operand is for elements [at, at + n), and whether it walks (1) or repeats its element (0).
      auto operand = [&](const Plan::Operand& op, int64_t at, int& step) -> const float* {
        if (const int m = op.member; m >= 0) {
          step = 1;
          return g.registers[m] >= 0 ? registers.data() + g.registers[m] * kTile : dst[m] + at;
        }
        const auto* base = static_cast<const float*>(vals[op.id].raw_data());
        step = op.block == 1 ? 1 : 0;
        if (op.block == 0) return base;
        return base + (op.block == 1 ? at : at / op.block) % vals[op.id].size();
      };
      for (int64_t at = t0 * kTile, end = std::min(t1 * kTile, g.elements); at < end;) {
        // A chunk within one tile over which every repeating operand is contiguous and every
        // broadcast one holds one element.
        int64_t stop = std::min(end, at + kTile);
        for (int64_t p : g.periods) stop = std::min(stop, (at / p + 1) * p);
        for (int64_t b : g.blocks) stop = std::min(stop, (at / b + 1) * b);
        const int64_t n = stop - at;
        for (size_t j = 0, o = 0; j < g.ops.size(); ++j) {
          float* y = g.registers[j] >= 0 ? registers.data() + g.registers[j] * kTile : dst[j] + at;
          int sa = 1, sb = 1;
          const float* a = operand(g.operands[o++], at, sa);
          if (g.ops[j].binary) {
            const float* b = operand(g.operands[o++], at, sb);
            cpu::binary(static_cast<cpu::FloatBinary>(g.ops[j].op), a, sa, b, sb, y, n);
          } else {  // same shape in and out: a one-element operand means a one-element group
            cpu::unary(static_cast<cpu::FloatUnary>(g.ops[j].op), a, y, n);
          }
        }
        at = stop;
      }
    });
    return true;
  }

  // A product by packed weights; false (nothing done) when the rows or the bias are not dense row-major.
  static bool run_packed(const cpu::PackedProduct& p, const Arrays& in, array& out) {
    if (!row_major_dense(in[0]) || (in.size() > 2 && !row_major_dense(in[2]))) return false;
    out.alloc();
    cpu::run_packed(p, in[0].data<float>(), in.size() > 2 ? in[2].data<float>() : nullptr, out.data<float>());
    return true;
  }

  std::shared_ptr<const void> owner_;  // keeps the plan's tape alive
  std::shared_ptr<const Plan> plan_;
};

}  // namespace

std::vector<array> call_plan(std::shared_ptr<const void> owner, std::shared_ptr<const Plan> plan, Arrays inputs) {
  // is_evaluated, not has_node: another thread may be evaluating a shared input (and dropping its node)
  // right now; eval of the call's node then waits for it under the graph lock.
  const bool direct = !KeepGraph::active() && std::all_of(inputs.begin(), inputs.end(), [](const array& a) {
    return a.kind() != ArrayKind::placeholder && a.is_evaluated();
  });
  if (direct) {
    if (plan->output_shapes.empty()) return {};
    std::vector<Shape> shapes = plan->output_shapes;
    std::vector<Dtype> dtypes = plan->output_dtypes;
    return array::make_outputs(std::make_shared<PlanCall>(std::move(owner), std::move(plan)), std::move(inputs),
                               std::move(shapes), std::move(dtypes));
  }
  const auto& tr = *plan->tape;
  Arrays vals = std::move(inputs);
  vals.reserve(tr.num_values);
  vals.insert(vals.end(), plan->constants.begin(), plan->constants.end());
  vals.resize(tr.num_values);
  for (const auto& [id, a] : plan->folded) vals[id] = a;
  for (const auto& step : plan->steps) {
    Arrays ins;
    ins.reserve(step.node->inputs.size());
    for (uint32_t id : step.node->inputs) ins.push_back(vals[id]);
    auto outs = array::make_outputs(step.node->primitive, std::move(ins), step.shapes, step.node->dtypes);
    std::move(outs.begin(), outs.end(), vals.begin() + step.first_output);
  }
  std::vector<array> outs;
  for (uint32_t id : tr.outputs) outs.push_back(vals[id]);
  return outs;
}

}  // namespace ingot
