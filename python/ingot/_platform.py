"""Settings that must be in place before the extension (and the BLAS it links) is loaded."""

import os


def openblas_kernel_family(cpuinfo):
    """The OpenBLAS kernel family (OPENBLAS_CORETYPE) for the CPU /proc/cpuinfo describes, or None to
    leave OpenBLAS its own choice. Intel's newer server CPUs are the ones an older OpenBLAS does not
    recognise (it then falls back to generic SSE3 "Prescott" kernels, several times slower than the
    AVX-512 or AVX2 ones the CPU has); on other CPUs (AMD's Zen) its choice is kept."""
    lines = cpuinfo.splitlines()
    if not any(line.startswith("vendor_id") and "GenuineIntel" in line for line in lines):
        return None
    flags = set(next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), []))
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= flags:
        return "Cooperlake" if "avx512_bf16" in flags else "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


def choose_openblas_kernels():
    """Names OpenBLAS's kernel family from the CPU's features, unless the user did (OPENBLAS_CORETYPE)."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        with open("/proc/cpuinfo") as f:
            family = openblas_kernel_family(f.read())
    except OSError:
        return
    if family:
        os.environ["OPENBLAS_CORETYPE"] = family
