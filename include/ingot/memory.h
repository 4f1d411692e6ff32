// Memory accounting of array buffers and the cache of freed buffers (MLX's names).
#pragma once
#include <cstddef>

namespace ingot {
size_t get_active_memory();  // bytes held by live array buffers allocated by ingot
size_t get_peak_memory();    // the most active_memory has been since the last reset
void reset_peak_memory();    // to 0, as MLX

// A bound on active memory: an allocation that would take it past the limit raises std::runtime_error
// naming the limit, instead of letting a computation take the machine's memory. Returns the previous
// limit; the default is no limit (the largest size_t).
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();

// Freed buffers of 64 KiB and more are kept, up to a limit, and handed out again for arrays of the same
// size: a repeated computation (a training step, a decode step) then needs no new pages.
size_t get_cache_memory();            // bytes held in the cache
size_t set_cache_limit(size_t limit);  // returns the previous limit; 0 turns the cache off (and empties it)
void clear_cache();                    // returns every cached buffer to the system
// MLX's limit on memory kept resident for the GPU; recorded (and returned by the next call) with no
// effect, since CPU memory is not wired.
size_t set_wired_limit(size_t limit);
}  // namespace ingot
