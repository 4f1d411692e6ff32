// The lock that makes lazy graphs safe to share between threads.
#pragma once

#include <mutex>

namespace ingot {

// Held by eval for a whole evaluation and by a node's teardown: two threads evaluating one lazy array
// (or passing it to an imported function) then compute it once, and never free what the other reads.
// Recursive, because evaluating releases nodes, whose teardown takes it again.
std::recursive_mutex& graph_mutex();

}  // namespace ingot
