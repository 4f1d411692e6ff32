#include <algorithm>

#include "core/graph.h"
#include "ingot/transforms.h"
#include "prims/primitive.h"

namespace ingot {

namespace {
// The unevaluated nodes above `outputs`, in an order that computes inputs first. Each entry owns its
// node (through an output that still exists), so the node lives until it has run.
std::vector<std::shared_ptr<Node>> topological_order(const Arrays& outputs) {
  std::vector<std::shared_ptr<Node>> order;
  // The common case without a walk: every root evaluated or computed by one node whose inputs all have
  // data (the outputs of one call of an imported function, one op on evaluated arrays).
  const std::shared_ptr<Node>* single = nullptr;
  bool simple = true;
  for (const auto& a : outputs) {
    if (a.is_evaluated()) continue;
    if (!a.has_node() || (single && *single != a.node())) {
      simple = false;
      break;
    }
    single = &a.node();
  }
  if (simple && single)
    simple = std::all_of((*single)->inputs.begin(), (*single)->inputs.end(), [](const array& in) {
      return in.is_evaluated() && in.kind() != ArrayKind::placeholder;
    });
  if (simple) {
    if (single) order.push_back(*single);
    return order;
  }
  auto enter = [](const array& a) {
    if (a.kind() == ArrayKind::placeholder)
      throw std::invalid_argument(
          "[eval] cannot evaluate an array that depends on the input of a function being traced (for export or vmap).");
    return !a.is_evaluated();
  };
  walk_graph(outputs, enter, [&](Node& n) {
    for (auto& w : n.outputs)
      if (auto d = w.lock()) {
        order.push_back(d->node);
        return;
      }
  });
  return order;
}
}  // namespace

void eval(const Arrays& outputs) {
  for (const auto& a : outputs)
    if (!a.valid()) throw std::invalid_argument("[eval] called with an empty array handle.");
  std::lock_guard<std::recursive_mutex> lock(graph_mutex());
  auto order = topological_order(outputs);
  const bool keep = KeepGraph::active();
  for (auto& slot : order) {
    std::shared_ptr<Node> node = std::move(slot);  // release the order's hold as soon as we are done
    Arrays outs;
    outs.reserve(node->outputs.size());
    for (size_t i = 0; i < node->outputs.size(); ++i) {
      if (auto d = node->outputs[i].lock()) outs.emplace_back(std::move(d));
      else outs.emplace_back(std::make_shared<ArrayDesc>(node->output_shapes[i], node->output_dtypes[i]));
    }
    run_node(*node->primitive, node->inputs, outs);
    if (!keep)
      for (auto& o : outs) o.detach();
  }
}

void run_node(const Primitive& p, const Arrays& in, Arrays& out) {
  // Outputs without elements need nothing computed, and a kernel or a decomposition may size its work
  // by its inputs or state instead (attention's query-key tiles, a convolution's taps, a mean over an
  // empty axis): a hostile file's empty shapes must not ask for it. Messages are still exchanged.
  const bool empty = std::all_of(out.begin(), out.end(), [](const array& o) { return o.size() == 0; });
  if (empty && !p.communicates())
    for (auto& o : out) o.alloc();
  else
    p.eval_cpu(in, out);
  for (auto& o : out)
    if (!o.is_evaluated()) throw std::logic_error(std::string("[eval] primitive ") + p.name() + " produced no data.");
}

// Always through the graph lock: kernels allocate their outputs (which marks them evaluated) before
// writing them, so an array another thread is evaluating may look evaluated while its data is still
// being written; the lock waits for that evaluation to finish.
void array::eval() { ingot::eval(Arrays{*this}); }

}  // namespace ingot
