// Memory accounting of array buffers (MLX's names).
#pragma once
#include <cstddef>

namespace ingot {
size_t get_active_memory();  // bytes held by live array buffers allocated by ingot
size_t get_peak_memory();    // the most active_memory has been since the last reset
void reset_peak_memory();
}  // namespace ingot
