"""Op table rows: quantize (bit-identical to MLX; the numpy round trip is in test_ops_properties.py),
dequantize and quantized_matmul (against numpy's unpacking of the words and MLX)."""

import numpy as np

import ingot
from cases_indexing import first, strided, transposed
from op_table import BFLOAT16, Case, rand


def unpack(wq, bits):
    """The values packed in each row of uint32 words: value i at bits [i*bits, (i+1)*bits) of the
    little-endian bit stream."""
    words = np.ascontiguousarray(np.asarray(wq, dtype=np.uint32))
    raw = words.view(np.uint8).reshape(words.shape[:-1] + (words.shape[-1] * 4,))
    bitstream = np.unpackbits(raw, axis=-1, bitorder="little")
    n = bitstream.shape[-1] // bits
    groups = bitstream[..., : n * bits].reshape(bitstream.shape[:-1] + (n, bits)).astype(np.int64)
    return (groups << np.arange(bits)).sum(-1)


def np_dequantize(w, scales, biases, group_size=64, bits=4, dtype=None):
    q = unpack(w, bits).astype(np.float64)
    s = np.repeat(np.asarray(scales).astype(np.float64), group_size, axis=-1)
    b = np.repeat(np.asarray(biases).astype(np.float64), group_size, axis=-1)
    out = s * q + b
    t = dtype if dtype is not None else np.result_type(scales.dtype, biases.dtype)
    return out.astype(t)


def np_qmm(x, w, scales, biases, transpose=True, group_size=64, bits=4):
    wd = np_dequantize(w, scales, biases, group_size, bits).astype(np.float64)
    if transpose:
        wd = np.swapaxes(wd, -1, -2)
    return np.matmul(np.asarray(x).astype(np.float64), wd)


def packed(rows, cols, bits, seed, batch=()):
    """Random words, with scales and biases, for a (rows, cols) matrix of bits-bit values."""
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 2**32, size=batch + (rows, cols * bits // 32), dtype=np.uint64).astype(np.uint32)
    return w


def params(rows, cols, group_size, seed, dtype="float32", batch=()):
    scales = rand(batch + (rows, cols // group_size), dtype, low=0.01, high=0.2, seed=seed)
    biases = rand(batch + (rows, cols // group_size), dtype, low=-1.0, high=1.0, seed=seed + 1)
    return scales, biases


CASES = []

# ---- quantize: MLX is the reference (bit-identical words, scales and biases) ----
for bits in (2, 3, 4, 5, 6, 8):
    for gs in (32, 64, 128):
        CASES.append(Case("quantize", (rand((4, 256), seed=bits * 7 + gs),), {"group_size": gs, "bits": bits},
                          id=f"quantize_g{gs}_b{bits}"))
CASES += [
    Case("quantize", (rand((3, 64), seed=1),), id="quantize_defaults"),
    Case("quantize", (rand((3, 128), seed=2), 64, 8), id="quantize_positional"),
    Case("quantize", (rand((2, 3, 64), seed=3),), {"group_size": 32}, id="quantize_batched"),
    Case("quantize", (rand((3, 64), "float16", seed=4),), rtol=1e-3, id="quantize_float16"),
    Case("quantize", (rand((3, 64), "bfloat16", seed=5),), rtol=1e-2, id="quantize_bfloat16"),
    Case("quantize", (np.zeros((0, 64), np.float32),), id="quantize_empty"),
    Case("quantize", (np.ones((2, 64), np.float32),), id="quantize_constant_rows"),
    Case("quantize", (rand((4, 64), seed=7),), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[quantize\] quantization mode 'mxfp4' is not supported; only 'affine'", id="quantize_mode"),
    Case("quantize", (rand((4, 64), seed=7),), {"global_scale": np.array(1.0, np.float32)}, raises=ValueError,
         match=r"\[quantize\] global_scale", id="quantize_global_scale"),
    Case("quantize", (rand((4, 64), seed=7),), {"group_size": 16}, raises=ValueError,
         match=r"\[quantize\] the requested group size 16 is not supported", id="quantize_group_size"),
    Case("quantize", (rand((4, 64), seed=7),), {"bits": 7}, raises=ValueError,
         match=r"\[quantize\] the requested number of bits 7 is not supported", id="quantize_bits7"),
    Case("quantize", (rand((4, 64), seed=7),), {"bits": 1}, raises=ValueError,
         match=r"\[quantize\] the requested number of bits 1", id="quantize_bits1",
         note="MLX 0.32 also has 1-bit affine quantization; ingot does not."),
    Case("quantize", (rand((64,), seed=8),), raises=ValueError, match=r"\[quantize\] .*at least 2 dimensions",
         id="quantize_1d"),
    Case("quantize", (rand((4, 64), "int32", seed=9),), raises=ValueError,
         match=r"\[quantize\] only real floating types", id="quantize_int"),
    Case("quantize", (rand((4, 48), seed=10),), {"group_size": 32}, raises=ValueError,
         match=r"\[quantize\] the last dimension of the matrix must be divisible", id="quantize_divisible"),
]
# A non-contiguous input quantizes like its values (compared against MLX on the contiguous data).
CASES.append(Case("quantize", (rand((4, 128), seed=12),), {"group_size": 32}, transform=first(strided),
                  id="quantize_strided"))

# ---- dequantize ----
for bits in (2, 3, 4, 5, 6, 8):
    for gs in (32, 64, 128):
        w = packed(3, 256, bits, seed=bits * 11 + gs)
        s, b = params(3, 256, gs, seed=bits + gs)
        CASES.append(Case("dequantize", (w, s, b), {"group_size": gs, "bits": bits}, ref=np_dequantize,
                          id=f"dequantize_g{gs}_b{bits}"))
W, (S, B) = packed(4, 128, 4, seed=1), params(4, 128, 64, seed=2)
CASES += [
    Case("dequantize", (W, S, B), ref=np_dequantize, id="dequantize_defaults"),
    Case("dequantize", (W, S.astype(np.float16), B.astype(np.float16)), ref=np_dequantize, rtol=3e-3,
         atol=1e-3, dtype="float16", id="dequantize_float16"),
    Case("dequantize", (W, S.astype(BFLOAT16), B.astype(BFLOAT16)), ref=np_dequantize, rtol=2e-2,
         atol=4e-3, dtype="bfloat16", id="dequantize_bfloat16"),
    Case("dequantize", (W, S, B), {"dtype": None}, ref=np_dequantize, id="dequantize_dtype_none"),
    Case("dequantize", (W, S, B), {"dtype": ingot.float16},
         ref=lambda w, s, b, dtype: np_dequantize(w, s, b, dtype=np.float16), rtol=1e-3, dtype="float16", mlx=False,
         id="dequantize_dtype_float16", note="the row holds ingot's Dtype object, which MLX cannot take"),
    Case("dequantize", (packed(2, 64, 4, seed=5, batch=(3,)),) + params(2, 64, 32, seed=6, batch=(3,)),
         {"group_size": 32}, ref=lambda w, s, b, group_size: np_dequantize(w, s, b, group_size),
         id="dequantize_batched"),
    Case("dequantize", (W, S, B), ref=np_dequantize, transform=lambda w, s, b: (w, transposed(s), strided(b)),
         id="dequantize_noncontiguous"),
    Case("dequantize", (np.zeros((0, 16), np.uint32), np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)),
         ref=np_dequantize, mlx=False, id="dequantize_empty",
         note="MLX 0.32 fails to reshape an empty packed matrix."),
    Case("dequantize", (W, S), raises=ValueError, match=r"\[dequantize\] the 'affine' mode needs biases",
         id="dequantize_no_biases"),
    Case("dequantize", (W, S, B), {"mode": "nvfp4"}, raises=ValueError,
         match=r"\[dequantize\] quantization mode 'nvfp4' is not supported", id="dequantize_mode"),
    Case("dequantize", (W, S, B), {"bits": 8}, raises=ValueError,
         match=r"\[dequantize\] the shapes of the packed matrix",
         id="dequantize_shape_mismatch"),
    Case("dequantize", (W, S, B[:, :1]), raises=ValueError,
         match=r"\[dequantize\] scales and biases must have the same shape",
         id="dequantize_biases_shape"),
    Case("dequantize", (W.astype(np.int32), S, B), raises=ValueError,
         match=r"\[dequantize\] the packed matrix must be uint32",
         id="dequantize_word_dtype"),
    Case("dequantize", (W, S.astype(np.int32), B.astype(np.int32)), raises=ValueError,
         match=r"\[dequantize\] only real floating types", id="dequantize_int_scales"),
]

# ---- quantized_matmul ----
for bits in (2, 3, 4, 6, 8):
    for gs in (32, 128):
        w = packed(16, 256, bits, seed=bits * 13 + gs)
        s, b = params(16, 256, gs, seed=bits + 2 * gs)
        x = rand((5, 256), low=-1, high=1, seed=bits)
        CASES.append(Case("quantized_matmul", (x, w, s, b), {"group_size": gs, "bits": bits}, ref=np_qmm,
                          rtol=1e-4, atol=1e-3, id=f"quantized_matmul_g{gs}_b{bits}"))
WT, (ST, BT) = packed(128, 64, 4, seed=20), params(128, 64, 64, seed=21)  # (K=128, N=64) for transpose=False
X = rand((3, 128), low=-1, high=1, seed=22)
CASES += [
    Case("quantized_matmul", (X, W, S, B), ref=np_qmm, rtol=1e-4, atol=1e-3, id="quantized_matmul_defaults"),
    Case("quantized_matmul", (X, WT, ST, BT), {"transpose": False}, ref=np_qmm, rtol=1e-4, atol=1e-3,
         id="quantized_matmul_no_transpose"),
    Case("quantized_matmul", (rand((2, 3, 128), low=-1, high=1, seed=23), W, S, B), ref=np_qmm, rtol=1e-4,
         atol=1e-3, id="quantized_matmul_batched_x"),
    Case("quantized_matmul", (rand((128,), low=-1, high=1, seed=24), W, S, B), ref=np_qmm, rtol=1e-4, atol=1e-3,
         id="quantized_matmul_vector_x"),
    Case("quantized_matmul", (rand((2, 3, 64), low=-1, high=1, seed=25), packed(5, 64, 4, seed=26, batch=(2,)))
         + params(5, 64, 32, seed=27, batch=(2,)), {"group_size": 32}, ref=lambda x, w, s, b, group_size: np_qmm(
             x, w, s, b, group_size=group_size), rtol=1e-4, atol=1e-3, id="quantized_matmul_batched_w"),
    Case("quantized_matmul", (X.astype(np.float16), W, S.astype(np.float16), B.astype(np.float16)), ref=np_qmm,
         rtol=2e-2, atol=5e-2, dtype="float16", id="quantized_matmul_float16"),
    Case("quantized_matmul", (X.astype(np.float16), W, S, B), ref=np_qmm, rtol=1e-3, atol=1e-2, dtype="float32",
         id="quantized_matmul_promotes"),
    Case("quantized_matmul", (np.zeros((0, 128), np.float32), W, S, B), ref=np_qmm, mlx=False,
         id="quantized_matmul_empty", note="MLX 0.32 dies of a floating point exception on an empty input."),
    Case("quantized_matmul", (X, W, S, B), ref=np_qmm, rtol=1e-4, atol=1e-3,
         transform=lambda x, w, s, b: (transposed(x), w, strided(s), b), id="quantized_matmul_noncontiguous"),
    Case("quantized_matmul", (X, W, S), raises=ValueError, match=r"\[quantized_matmul\] the 'affine' mode needs biases",
         id="quantized_matmul_no_biases"),
    Case("quantized_matmul", (X, W, S, B), {"mode": "mxfp8"}, raises=ValueError,
         match=r"\[quantized_matmul\] quantization mode 'mxfp8' is not supported", id="quantized_matmul_mode"),
    Case("quantized_matmul", (rand((3, 64), seed=28), W, S, B), raises=ValueError, match=r"\[quantized_matmul\]",
         id="quantized_matmul_inner_mismatch"),
    Case("quantized_matmul", (X, W, S, B), {"group_size": 32}, raises=ValueError,
         match=r"\[quantized_matmul\] the shapes of the packed matrix", id="quantized_matmul_group_mismatch"),
    Case("quantized_matmul", (X.astype(np.int32), W, S, B), ref=np_qmm, rtol=1e-4, atol=1e-3,
         id="quantized_matmul_int_x"),
]
