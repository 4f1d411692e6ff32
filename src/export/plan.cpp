// Compiled replay of imported traces: a plan per trace and input shapes, and the one node that runs it.
#include <limits>
#include <sstream>

#include "core/graph.h"
#include "export/imported.h"
#include "prims/primitive.h"

namespace ingot {

using Impl = ImportedFunction::Impl;

namespace {
// Plans kept per imported function; a caller cycling through more input shapes than this (every prompt
// length of a shapeless model, say) starts over rather than growing without bound.
constexpr size_t kMaxPlans = 256;
}  // namespace

std::shared_ptr<const Impl::Plan> Impl::plan(size_t t, const Arrays& inputs) const {
  const TraceInfo& tr = traces[t];
  const bool shapeless = signatures[t].shapeless;
  std::pair<size_t, std::vector<Shape>> key{t, {}};
  if (shapeless)
    for (const auto& a : inputs) key.second.push_back(a.shape());
  {
    std::lock_guard<std::mutex> lock(plan_mutex);
    if (auto it = plans.find(key); it != plans.end()) return it->second;
  }

  auto p = std::make_shared<Plan>();
  p->trace = &tr;
  // Values as shapes only: inputs and constants as given, node outputs as placeholders.
  Arrays vals(inputs);
  vals.reserve(tr.num_values);
  for (uint32_t c : tr.constants) vals.push_back(p->constants.emplace_back(constant(c)));
  const std::string where = path + ": trace " + std::to_string(t);
  Budget budget{options, where};
  constexpr size_t kNever = std::numeric_limits<size_t>::max();
  std::vector<size_t> last_read(tr.num_values, kNever);
  for (size_t k = 0; k < tr.nodes.size(); ++k) {
    const NodeInfo& n = tr.nodes[k];
    Arrays ins;
    ins.reserve(n.inputs.size());
    for (uint32_t id : n.inputs) {
      ins.push_back(vals[id]);
      last_read[id] = k;
    }
    std::vector<Shape> shapes = shapeless ? n.primitive->output_shapes(ins) : n.shapes;
    if (shapeless) budget.add(*n.primitive, ins, shapes, n.dtypes);  // fixed shapes: checked at import
    p->communicates = p->communicates || n.primitive->communicates();
    p->steps.push_back({&n, shapes, static_cast<uint32_t>(vals.size()), {}});
    for (size_t o = 0; o < shapes.size(); ++o) vals.push_back(array::placeholder(std::move(shapes[o]), n.dtypes[o]));
  }
  for (uint32_t id : tr.outputs) {
    last_read[id] = kNever;  // returned: never released
    p->output_shapes.push_back(vals[id].shape());
    p->output_dtypes.push_back(vals[id].dtype());
  }
  for (uint32_t id = 0; id < last_read.size(); ++id)
    if (last_read[id] != kNever) p->steps[last_read[id]].release.push_back(id);

  std::lock_guard<std::mutex> lock(plan_mutex);
  if (plans.size() >= kMaxPlans) plans.clear();
  return plans.emplace(std::move(key), std::move(p)).first->second;
}

namespace {

// One imported call as a single node: evaluating it replays the plan step by step, each intermediate
// released after its last reader, the trace's outputs computed straight into the node's outputs. Not
// written to files: export evaluates it (its inputs have data, so its outputs are constants).
class ImportedCall : public Primitive {
 public:
  ImportedCall(std::shared_ptr<const Impl> impl, std::shared_ptr<const Impl::Plan> plan)
      : impl_(std::move(impl)), plan_(std::move(plan)) {}
  const char* name() const override { return "ImportedCall"; }
  int version() const override { return 1; }
  std::vector<Shape> output_shapes(const Arrays&) const override { return plan_->output_shapes; }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return plan_->output_dtypes; }
  bool is_equivalent(const Primitive& other) const override { return &other == this; }
  void write_state(StateWriter&) const override {
    throw std::logic_error("[export] an imported call is evaluated, never written.");
  }
  std::string shapeless_bakes(const Arrays&, const std::vector<bool>&) const override { return ""; }
  void check_inputs(const Arrays&) const override {}
  bool communicates() const override { return plan_->communicates; }
  void print(std::ostream& os) const override { os << "ImportedCall(" << plan_->steps.size() << " nodes)"; }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const Impl::TraceInfo& tr = *plan_->trace;
    Arrays vals(tr.num_values);
    size_t v = 0;
    for (const auto& a : in) vals[v++] = a;
    for (const auto& c : plan_->constants) vals[v++] = c;
    // Each output value computed by a node is written into the node's output itself (its first return).
    for (size_t i = 0; i < tr.outputs.size(); ++i)
      if (tr.outputs[i] >= v && !vals[tr.outputs[i]].valid()) vals[tr.outputs[i]] = out[i];
    Arrays ins, outs;
    for (const auto& step : plan_->steps) {
      const Impl::NodeInfo& n = *step.node;
      ins.clear();
      for (uint32_t id : n.inputs) ins.push_back(vals[id]);
      outs.clear();
      for (size_t o = 0; o < step.shapes.size(); ++o) {
        array& slot = vals[step.first_output + o];
        if (!slot.valid()) slot = array(std::make_shared<ArrayDesc>(step.shapes[o], n.dtypes[o]));
        outs.push_back(slot);
      }
      run_node(*n.primitive, ins, outs);
      for (uint32_t id : step.release) vals[id] = array();
    }
    for (size_t i = 0; i < tr.outputs.size(); ++i) {
      const array& src = vals[tr.outputs[i]];
      if (!src.is_same(out[i])) out[i].copy_shared_buffer(src, src.strides(), src.flags(), src.data_size());
    }
  }

 private:
  std::shared_ptr<const Impl> impl_;  // owns the traces the plan points into
  std::shared_ptr<const Impl::Plan> plan_;
};

}  // namespace

std::vector<array> replay_node(std::shared_ptr<const Impl> impl, std::shared_ptr<const Impl::Plan> plan,
                               Arrays inputs) {
  if (plan->output_shapes.empty()) return {};
  std::vector<Shape> shapes = plan->output_shapes;
  std::vector<Dtype> dtypes = plan->output_dtypes;
  return array::make_outputs(std::make_shared<ImportedCall>(std::move(impl), std::move(plan)), std::move(inputs), std::move(shapes),
                             std::move(dtypes));
}

}  // namespace ingot
