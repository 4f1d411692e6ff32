// The lock that makes lazy graphs safe to share between threads, and the one graph walk.
#pragma once

#include <functional>
#include <mutex>

#include "ingot/array.h"

namespace ingot {

// Held by eval for a whole evaluation and by a node's teardown: two threads evaluating one lazy array
// (or passing it to an imported function) then compute it once, and never free what the other reads.
// Recursive, because evaluating releases nodes, whose teardown takes it again.
std::recursive_mutex& graph_mutex();

// Every node above `roots` once, each after the nodes its inputs come from (post-order, inputs in
// order), with an explicit stack: depth is bounded by memory only. `enter(a)` says whether to walk
// into the node computing `a` (arrays it refuses, and arrays without a node, are leaves).
void walk_graph(const Arrays& roots, const std::function<bool(const array&)>& enter,
                const std::function<void(Node&)>& visit);

// Computes one node's outputs from its evaluated inputs (eval's step, and the imported plans' replay).
void run_node(const Primitive& p, const Arrays& in, Arrays& out);

// While one of these lives on a thread, eval keeps the nodes of what it computes: a transform building
// a graph walks back through arrays the function evaluated along the way (item(), printing).
struct KeepGraph {
  KeepGraph();
  ~KeepGraph();
  KeepGraph(const KeepGraph&) = delete;
  KeepGraph& operator=(const KeepGraph&) = delete;
  static bool active();
};

}  // namespace ingot
