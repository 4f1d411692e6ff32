// OpenBLAS's kernels: Debian's OpenBLAS does not recognise Intel's newer server CPUs by model (nor any
// CPU behind a hypervisor that hides it) and falls back to generic SSE3 "Prescott" kernels, several
// times slower than the AVX-512 or AVX2 ones the CPU has. The library picks them by the CPU's features.
#pragma once

#include <string_view>

namespace ingot::cpu {

// The OpenBLAS kernel family (an OPENBLAS_CORETYPE value) for the CPU that /proc/cpuinfo's text
// describes, or nullptr to leave OpenBLAS its own choice: Intel CPUs with AVX-512 (Cooperlake with
// bfloat16, else SkylakeX) or AVX2 and FMA (Haswell); others (AMD's Zen) keep OpenBLAS's choice.
const char* openblas_kernel_family(std::string_view cpuinfo);

// Once per process, before ingot's first BLAS call: when OpenBLAS fell back to Prescott and the user
// did not name a core (OPENBLAS_CORETYPE), re-runs OpenBLAS's core selection with the family above.
void choose_blas_kernels();

}  // namespace ingot::cpu
