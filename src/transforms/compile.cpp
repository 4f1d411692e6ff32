// compile: a function traced once per input signature into a tape (its inputs, constants and nodes in
// order), which later calls replay without running the function. Subgraphs that depend on no input
// are computed once, at trace time, and kept as constants.
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include "core/graph.h"
#include "core/utils.h"
#include "export/trace.h"
#include "ingot/transforms.h"
#include "prims/primitive.h"
#include "tape/plan.h"

namespace ingot {

namespace {

std::atomic<bool> compile_enabled{true};

// One input signature's tape, its constants, and its plans (one, or one per input shapes when shapeless).
struct Compiled {
  Tape tape;
  Arrays constants;
  PlanCache plans;
};

// Traces fun on placeholders like `inputs` and records the nodes that depend on them.
void record(const ArraysFn& fun, const Arrays& inputs, bool shapeless, Compiled& c) {
  Tape& tape = c.tape;
  Arrays placeholders;
  for (const auto& a : inputs) placeholders.push_back(array::placeholder(a.shape(), a.dtype()));
  Arrays outs;
  {
    exporting::ShapelessTraceScope scope(shapeless);
    outs = fun(placeholders);
  }
  for (const auto& o : outs)
    if (!o.valid()) fail("compile", "the function returned an empty array handle.");
  tape.num_inputs = inputs.size();
  std::unordered_map<const void*, size_t> slot;
  for (size_t i = 0; i < placeholders.size(); ++i) slot.emplace(placeholders[i].id(), i);
  // Pass 1: the nodes above the outputs that depend on an input; everything else is a constant.
  std::vector<Node*> order;
  std::unordered_map<const Node*, bool> depends;
  auto enter = [&](const array& a) {
    if (a.kind() == ArrayKind::placeholder && !slot.count(a.id()))
      fail("compile", "the function uses an input of another trace (an array captured while tracing).");
    return !a.is_evaluated();
  };
  walk_graph(outs, enter, [&](Node& n) {
    bool dep = n.primitive->communicates();  // a message each call, never a constant
    for (const auto& in : n.inputs)
      dep = dep || slot.count(in.id()) || (in.has_node() && !in.is_evaluated() && depends[in.node().get()]);
    depends[&n] = dep;
    if (dep) order.push_back(&n);
  });
  // Pass 2: constants (inputs of recorded nodes, or outputs, computed without the function's inputs),
  // numbered as met; then the nodes' outputs, in order.
  auto dependent = [&](const array& a) {
    return slot.count(a.id()) || (a.has_node() && !a.is_evaluated() && depends[a.node().get()]);
  };
  Arrays constants;
  auto constant = [&](const array& a) {
    if (dependent(a) || !slot.emplace(a.id(), tape.num_inputs + constants.size()).second) return;
    constants.push_back(a);
  };
  for (Node* n : order)
    for (const auto& in : n->inputs) constant(in);
  for (const auto& o : outs) constant(o);
  eval(constants);  // input-independent values: computed once, now
  for (uint32_t i = 0; i < constants.size(); ++i) tape.constants.push_back(i);
  const size_t num_constants = constants.size();
  c.constants = std::move(constants);
  size_t next = tape.num_inputs + num_constants;
  for (Node* n : order) {
    std::vector<size_t> ins;
    std::vector<bool> dynamic;
    for (const auto& in : n->inputs) {
      const size_t s = slot.at(in.id());
      ins.push_back(s);
      dynamic.push_back(s < tape.num_inputs || s >= tape.num_inputs + num_constants);
    }
    if (shapeless) {
      const std::string baked = n->primitive->shapeless_bakes(n->inputs, dynamic);
      if (!baked.empty())
        fail("compile", n->primitive->name(), " bakes ", baked, " and cannot be compiled shapeless.");
    }
    std::vector<uint32_t> ids(ins.begin(), ins.end());
    tape.nodes.push_back({n->primitive, 1, std::move(ids), n->primitive->output_shapes(n->inputs),
                          n->primitive->output_dtypes(n->inputs)});
    for (size_t j = 0; j < n->outputs.size(); ++j)
      if (auto d = n->outputs[j].lock()) slot.emplace(d.get(), next + j);
    next += n->outputs.size();
  }
  tape.num_values = next;
  for (const auto& o : outs) tape.outputs.push_back(static_cast<uint32_t>(slot.at(o.id())));
}

// The cache key: dtypes and shapes (ranks only when shapeless).
std::vector<int64_t> key_of(const Arrays& inputs, bool shapeless) {
  std::vector<int64_t> k;
  for (const auto& a : inputs) {
    k.push_back(static_cast<int64_t>(a.dtype()));
    k.push_back(a.ndim());
    if (!shapeless) k.insert(k.end(), a.shape().begin(), a.shape().end());
  }
  return k;
}

}  // namespace

ArraysFn compile(ArraysFn fun, bool shapeless) {
  struct Cache {
    std::mutex mutex;
    std::map<std::vector<int64_t>, std::shared_ptr<Compiled>> tapes;
  };
  auto cache = std::make_shared<Cache>();
  return [fun = std::move(fun), shapeless, cache](const Arrays& inputs) {
    if (!compile_enabled.load()) return fun(inputs);
    for (const auto& a : inputs)
      if (!a.valid()) fail("compile", "called with an empty array handle.");
    const auto key = key_of(inputs, shapeless);
    std::shared_ptr<Compiled> c;
    {
      std::lock_guard<std::mutex> lock(cache->mutex);
      if (auto it = cache->tapes.find(key); it != cache->tapes.end()) c = it->second;
    }
    if (!c) {
      auto fresh = std::make_shared<Compiled>();
      record(fun, inputs, shapeless, *fresh);
      std::lock_guard<std::mutex> lock(cache->mutex);
      c = cache->tapes.emplace(key, std::move(fresh)).first->second;
    }
    auto plan = c->plans.get(c->tape, inputs, shapeless, [&] {
      return build_plan(c->tape, c->constants, inputs, shapeless, nullptr, "CompiledCall", &c->plans.packer);
    });
    return call_plan(c, std::move(plan), inputs);
  };
}

void disable_compile() { compile_enabled = false; }
void enable_compile() { compile_enabled = true; }

}  // namespace ingot
