// Aligned heap buffers for arrays, with accounting.
#pragma once
#include <cstddef>
#include <memory>

namespace ingot {
inline constexpr size_t kBufferAlignment = 64;
// A zero-byte request still returns a valid (unique) pointer.
std::shared_ptr<void> allocate(size_t nbytes);
}  // namespace ingot
