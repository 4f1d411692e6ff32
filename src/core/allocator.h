// Aligned heap buffers for arrays, with accounting.
#pragma once
#include <cstddef>
#include <memory>

namespace ingot {
inline constexpr size_t kBufferAlignment = 64;
// A zero-byte request still returns a valid (unique) pointer.
std::shared_ptr<void> allocate(size_t nbytes);
// Whether `a` (evaluated) may be overwritten in place by the node that reads it: nothing else holds the
// array (the node's input is its one handle) nor its bytes (no view, no other array), the bytes came from
// allocate() (never a file mapping nor memory the caller lent), and they are dense row-major. A node
// that updates such an input in place makes an update cost O(update), as buffer donation in MLX and JAX.
// Never while eval keeps the graph (KeepGraph), whose nodes still reach their outputs.
class array;
bool donatable(const array& a);
}  // namespace ingot
