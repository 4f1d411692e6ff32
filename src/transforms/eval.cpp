#include <unordered_set>

#include "core/graph.h"
#include "ingot/transforms.h"
#include "prims/primitive.h"

namespace ingot {

namespace {
// Post-order DFS over unevaluated nodes, with an explicit stack.
std::vector<std::shared_ptr<Node>> topological_order(const Arrays& outputs) {
  std::vector<std::shared_ptr<Node>> order;
  std::unordered_set<const Node*> seen;
  std::vector<std::pair<Node*, size_t>> stack;
  auto visit = [&](const array& a) {
    if (a.kind() == ArrayKind::placeholder)
      throw std::invalid_argument(
          "[eval] cannot evaluate an array that depends on a function input while it is being traced for export.");
    if (a.is_evaluated() || !a.has_node()) return false;
    Node* n = a.node().get();
    if (!seen.insert(n).second) return false;
    stack.emplace_back(n, 0);
    return true;
  };
  for (const auto& out : outputs) {
    if (!visit(out)) continue;
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i < n->inputs.size()) {
        visit(n->inputs[i++]);  // may push: `n` and `i` are not used again this iteration
        continue;
      }
      // Every output desc that still exists shares ownership of n; take one to keep n alive in order.
      std::shared_ptr<Node> keep;
      for (auto& w : n->outputs)
        if (auto d = w.lock()) {
          keep = d->node;
          break;
        }
      order.push_back(std::move(keep));
      stack.pop_back();
    }
  }
  return order;
}
}  // namespace

void eval(const Arrays& outputs) {
  for (const auto& a : outputs)
    if (!a.valid()) throw std::invalid_argument("[eval] called with an empty array handle.");
  std::lock_guard<std::recursive_mutex> lock(graph_mutex());
  auto order = topological_order(outputs);
  for (auto& slot : order) {
    std::shared_ptr<Node> node = std::move(slot);  // release the order's hold as soon as we are done
    Arrays outs;
    outs.reserve(node->outputs.size());
    for (size_t i = 0; i < node->outputs.size(); ++i) {
      if (auto d = node->outputs[i].lock()) outs.emplace_back(std::move(d));
      else outs.emplace_back(std::make_shared<ArrayDesc>(node->output_shapes[i], node->output_dtypes[i]));
    }
    node->primitive->eval_cpu(node->inputs, outs);
    for (auto& o : outs) {
      if (!o.is_evaluated())
        throw std::logic_error(std::string("[eval] primitive ") + node->primitive->name() + " produced no data.");
      o.detach();
    }
  }
}

// Always through the graph lock: kernels allocate their outputs (which marks them evaluated) before
// writing them, so an array another thread is evaluating may look evaluated while its data is still
// being written; the lock waits for that evaluation to finish.
void array::eval() { ingot::eval(Arrays{*this}); }

}  // namespace ingot
