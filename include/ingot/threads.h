// The threads ingot computes with: one pool for elementwise, reductions, norms, attention and fused
// loops, and OpenBLAS told to use as many, so that nothing oversubscribes the cores.
#pragma once

namespace ingot {

// Threads per computation, the calling thread included: the machine's cores unless INGOT_NUM_THREADS
// says otherwise when the pool starts (OPENBLAS_NUM_THREADS, when set, then still rules OpenBLAS).
int get_num_threads();
// Resizes the pool (waiting for the job in progress) and sets OpenBLAS's thread count to match; n from
// 1 to 256, else std::invalid_argument. Returns the previous count.
int set_num_threads(int n);

}  // namespace ingot
