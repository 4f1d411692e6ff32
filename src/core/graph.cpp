#include "core/graph.h"

#include <unordered_set>

namespace ingot {

namespace {
thread_local int keep_graph_depth = 0;
}

KeepGraph::KeepGraph() { ++keep_graph_depth; }
KeepGraph::~KeepGraph() { --keep_graph_depth; }
bool KeepGraph::active() { return keep_graph_depth > 0; }

void walk_graph(const Arrays& roots, const std::function<bool(const array&)>& enter,
                const std::function<void(Node&)>& visit) {
  std::unordered_set<const Node*> seen;
  std::vector<std::pair<Node*, size_t>> stack;
  auto push = [&](const array& a) {
    if (!enter(a) || !a.has_node()) return;
    Node* n = a.node().get();
    if (seen.insert(n).second) stack.emplace_back(n, 0);
  };
  for (const auto& root : roots) {
    push(root);
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i < n->inputs.size()) {
        push(n->inputs[i++]);  // may grow the stack: `n` and `i` are not used again this iteration
        continue;
      }
      Node* done = n;
      stack.pop_back();
      visit(*done);
    }
  }
}

}  // namespace ingot
