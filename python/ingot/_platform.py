"""Settings that must be in place before the extension (and the BLAS it links) is loaded."""

import os


def choose_openblas_kernels():
    """OpenBLAS picks its kernels for the CPU model it recognises when it loads; a build older than the
    CPU falls back to generic SSE3 kernels ("Prescott"), several times slower than the AVX-512 or AVX2
    ones the CPU has. Name the kernel family from the CPU's features instead, unless the user did."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return
    flags = set(flags)
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        os.environ["OPENBLAS_CORETYPE"] = "Cooperlake" if "avx512_bf16" in flags else "SkylakeX"
    elif {"avx2", "fma"} <= flags:
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"
