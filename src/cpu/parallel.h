// Splitting a kernel's rows over threads: one pool for the process, the calling thread working too.
#pragma once

#include <cstdint>
#include <functional>

namespace ingot::cpu {

// Calls body(begin, end) over consecutive chunks covering [0, n), on up to the pool's threads plus the
// caller, and returns when all are done. `cost` is the work per item in rough element-operations: work
// under about 64k element-operations in all runs on the calling thread alone (a hand-off costs more).
// The first exception a chunk throws is rethrown here. Nested calls run serially.
void parallel_for(int64_t n, int64_t cost, const std::function<void(int64_t, int64_t)>& body);

// Threads the pool uses, the caller included (default: the machine's cores; INGOT_NUM_THREADS overrides).
int num_threads();

}  // namespace ingot::cpu
