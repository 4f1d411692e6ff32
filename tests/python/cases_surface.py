"""Op table rows: MLX's newer functions (as_strided, convolve, hadamard_transform, to_fp8 / from_fp8,
gather_qmm, linalg.eig); more cases, edge values and errors in test_surface_extras.py,
test_fp8_gather_qmm.py and test_linalg.py."""

import numpy as np

import ingot
from op_table import Case, rand

A = np.arange(12, dtype=np.float32).reshape(3, 4)
V = rand((9,), seed=31)
K = rand((4,), seed=32)
H = rand((2, 16), seed=33)


def np_hadamard(x, scale=None):
    n = x.shape[-1]
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return (x.astype(np.float64) @ h * (scale if scale is not None else 1 / np.sqrt(n))).astype(x.dtype)


def np_as_strided(a, shape, strides, offset=0):
    return np.lib.stride_tricks.as_strided(np.ascontiguousarray(a).ravel()[offset:], shape,
                                           [s * a.itemsize for s in strides]).copy()


def np_e4m3(codes, dtype=None):
    """E4M3 ("fn") decoded from the bits: sign, 4 exponent bits (bias 7), 3 mantissa bits, 0x7F/0xFF NaN."""
    c = codes.astype(np.int64)
    e, m = (c >> 3) & 15, c & 7
    v = np.where(e == 0, m * 2.0**-9, (8 + m) * np.exp2(e - 10.0))
    v = np.where((e == 15) & (m == 7), np.nan, v)
    return np.where(c & 0x80, -v, v).astype(np.float32)


# Packed experts (bit-identical to MLX's quantize) for gather_qmm.
W = rand((4, 16, 64), seed=34)
WQ, WS, WB = (np.array(a) for a in ingot.quantize(ingot.array(W)))
X = rand((3, 2, 64), seed=35)

CASES = [
    Case("as_strided", (A, (3, 3), (1, 1)), ref=np_as_strided, id="as_strided_windows"),
    Case("as_strided", (A, (4, 3), (1, 4), 0), ref=np_as_strided, id="as_strided_transpose"),
    Case("as_strided", (A, (2, 2), (4, 1), 5), ref=np_as_strided, id="as_strided_offset"),
    Case("convolve", (V, K), ref=np.convolve, rtol=1e-5, atol=1e-5, id="convolve_full"),
    Case("convolve", (V, K, "same"), ref=np.convolve, rtol=1e-5, atol=1e-5, id="convolve_same"),
    Case("convolve", (K, V, "valid"), ref=np.convolve, rtol=1e-5, atol=1e-5, id="convolve_valid_swapped"),
    Case("hadamard_transform", (H,), ref=np_hadamard, rtol=1e-5, atol=1e-5, id="hadamard"),
    Case("hadamard_transform", (H, 0.5), ref=np_hadamard, rtol=1e-5, atol=1e-5, id="hadamard_scaled"),
    Case("to_fp8", (np.array([0.0, -0.0, 0.3, 1.1, -7.5, 300.0, 460.0, 1e4, np.inf, np.nan], np.float32),),
         id="to_fp8"),
    Case("from_fp8", (np.arange(256, dtype=np.uint8), ingot.float32), ref=np_e4m3, mlx=False,
         id="from_fp8_every_code", note="MLX's dtype argument is its own Dtype: compared in test_fp8_gather_qmm.py"),
    Case("from_fp8", (np.array([0, 1, 8, 0x38, 0x7E, 0xFE, 0x80], np.uint8),), id="from_fp8_default_bfloat16"),
    Case("gather_qmm", (X, WQ, WS, WB), {"rhs_indices": np.array([[2], [0], [3]], np.uint32)}, rtol=1e-4,
         atol=1e-4, id="gather_qmm_rhs"),
    Case("gather_qmm", (X, WQ, WS, WB), {"lhs_indices": np.array([2, 0], np.int32),
                                         "rhs_indices": np.array([1, 3], np.int32)}, rtol=1e-4, atol=1e-4,
         id="gather_qmm_both"),
    # A diagonal matrix: eigenvalues in diagonal order and the unit vectors, in every implementation.
    Case("linalg.eig", (np.diag([3.0, 1.0, 2.0]).astype(np.float32),), ref=np.linalg.eig, id="eig_diagonal"),
]
