"""Op table rows: quantize (bit-identical to MLX; the numpy round trip is in test_ops_properties.py),
dequantize and quantized_matmul (against numpy's unpacking of the words and MLX), in the affine mode and
the floating-point modes mxfp4, mxfp8 and nvfp4."""

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
         match=r"\[dequantize\] the scales of the 'nvfp4' mode must be uint8, got float32", id="dequantize_mode"),
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
         match=r"\[quantized_matmul\] the scales of the 'mxfp8' mode must be uint8", id="quantized_matmul_mode"),
    Case("quantized_matmul", (rand((3, 64), seed=28), W, S, B), raises=ValueError, match=r"\[quantized_matmul\]",
         id="quantized_matmul_inner_mismatch"),
    Case("quantized_matmul", (X, W, S, B), {"group_size": 32}, raises=ValueError,
         match=r"\[quantized_matmul\] the shapes of the packed matrix", id="quantized_matmul_group_mismatch"),
    Case("quantized_matmul", (X.astype(np.int32), W, S, B), ref=np_qmm, rtol=1e-4, atol=1e-3,
         id="quantized_matmul_int_x"),
]

# ---- the floating-point modes: mxfp4 (E2M1 values, E8M0 scales, groups of 32), mxfp8 (E4M3 values),
# nvfp4 (E2M1 values, E4M3 scales, groups of 16, optionally a float32 global scale) ----
FP_MODES = {"mxfp4": (32, 4), "mxfp8": (32, 8), "nvfp4": (16, 4)}
E2M1 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6], np.float64)


def e4m3_values(codes):
    """E4M3 ("fn": 0x7F and 0xFF are NaN) decoded exactly."""
    c = np.asarray(codes).astype(np.int64)
    e, m = (c >> 3) & 15, c & 7
    mag = np.where(e == 0, m * 2.0**-9, (8 + m) * 2.0 ** (e - 10))
    mag = np.where((c & 127) == 127, np.nan, mag)
    return np.where(c & 128, -mag, mag)


def fp_codes(w, bits):
    """The codes packed in each row of uint32 words, from the low bits up."""
    b = np.ascontiguousarray(np.asarray(w, np.uint32)).view(np.uint8).reshape(w.shape[:-1] + (-1,))
    if bits == 8:
        return b
    return np.stack([b & 15, b >> 4], axis=-1).reshape(b.shape[:-1] + (-1,))


def np_fp_dequantize(w, scales, biases=None, group_size=None, bits=None, mode="affine", global_scale=None,
                     dtype=None):
    """MLX's rounding: the code's value and the group's scale are each exact in the result's dtype T (or
    round to it: 2^(s-127) may overflow or underflow), their product rounds to T once. A global scale g
    (nvfp4) gives float32 (float64 when asked for): value * (scale * (g / 2688)), rounding each step."""
    group_size, bits = FP_MODES[mode]
    t = np.dtype(BFLOAT16 if dtype in (None, "bfloat16") else dtype)
    codes = fp_codes(w, bits)
    vals = e4m3_values(codes) if bits == 8 else E2M1[codes]
    s = np.repeat(np.asarray(scales).astype(np.int64), group_size, axis=-1)
    if mode == "nvfp4":
        scale = e4m3_values(s)
    else:
        scale = 2.0 ** (s - 127.0)
    with np.errstate(over="ignore", invalid="ignore"):
        if global_scale is not None:
            p = np.float64 if t == np.float64 else np.float32
            inv = p(np.float32(global_scale)) / p(2688)
            return (vals.astype(p) * (scale.astype(p) * inv)).astype(p)
        wide = np.float64 if t == np.float64 else np.float32
        st = scale.astype(wide).astype(t).astype(wide)  # 2^128 is infinite in float32
        return (vals.astype(wide) * st).astype(t)


def np_fp_qmm(x, w, scales, biases=None, transpose=True, group_size=None, bits=None, mode="affine"):
    """x @ W(.T) in float64, W's scales rounded to x's dtype as MLX's kernel reads them."""
    wd = np_fp_dequantize(w, scales, mode=mode, dtype=np.float32 if x.dtype == np.float64 else x.dtype)
    wd = wd.astype(np.float64)
    if transpose:
        wd = np.swapaxes(wd, -1, -2)
    return np.matmul(np.asarray(x).astype(np.float64), wd)


def fp_weights(shape, dtype="float32", seed=0):
    """Values across the range: each group of 16 its own magnitude (2^-30 .. 2^30, clipped to the dtype's
    range), with zeros, exact grid values and their midpoints, signed zeros and denormals among them."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape)
    lo, hi = {"float16": (-14, 12), "bfloat16": (-30, 30)}.get(dtype, (-30, 30))
    w *= 2.0 ** rng.integers(lo, hi, size=shape[:-1] + (shape[-1] // 16, 1)).repeat(16, -1).reshape(shape)
    grid = np.array([0, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, 6, 7, 448, 464, 480, 2.0**-9, 2.0**-10, -0.0])
    pick = rng.random(shape)
    w = np.where(pick < 0.15, rng.choice(grid, size=shape) * rng.choice([-1, 1], size=shape), w)
    w = np.where((pick > 0.15) & (pick < 0.2), 0.0, w)
    t = BFLOAT16 if dtype == "bfloat16" else np.dtype(dtype)
    return w.astype(t)


def fp_specials(dtype="float32", group=32):
    """Groups of zeros, of -0.0, with NaN, with +-inf, of denormals, of the largest values."""
    t = BFLOAT16 if dtype == "bfloat16" else np.dtype(dtype)
    big = float(np.finfo(np.float16).max) if dtype == "float16" else 3e38
    tiny = 1e-7 if dtype == "float16" else 1e-40
    rows = [np.zeros(group), np.full(group, -0.0), np.linspace(-1, 1, group), np.linspace(-big, big, group),
            np.linspace(0, tiny, group), np.linspace(-3, 3, group)]
    rows[2][5] = np.nan
    rows[5][3], rows[5][7] = np.inf, -np.inf
    return np.stack(rows).astype(t)


def fp_packed(rows, cols, mode, seed, batch=(), finite=False):
    """Random words and scale bytes for a (rows, cols) matrix; with `finite`, no NaN codes and scales that
    keep the weights below 1."""
    group_size, bits = FP_MODES[mode]
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 2**32, size=batch + (rows, cols * bits // 32), dtype=np.uint64).astype(np.uint32)
    if not finite:
        s = rng.integers(0, 256, size=batch + (rows, cols // group_size)).astype(np.uint8)
        return w, s
    if bits == 8:
        b = w.view(np.uint8)
        b[(b & 127) == 127] &= 0xF0  # no NaN codes
    # Weights of magnitude below 1.
    lo, hi = {"mxfp4": (122, 125), "mxfp8": (116, 119), "nvfp4": (0x10, 0x20)}[mode]
    return w, rng.integers(lo, hi, size=batch + (rows, cols // group_size)).astype(np.uint8)


EXACT = {"rtol": 0, "atol": 0}


def mlx_quantize_float32(w, **kwargs):
    """MLX's bytes for w's values as float32 (exact for these rows' float64 data)."""
    import mlx.core as mlx

    kwargs = {k: mlx.array(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return [np.array(a) for a in mlx.quantize(mlx.array(np.asarray(w, np.float32)), **kwargs)]


def mlx_mxfp4_float64_but_infinite_groups(w, mode):
    """MLX's float64 bytes, but for a group whose largest magnitude is infinite ingot's scale byte is 127
    (the exponent INT32_MIN plus 127, exact in float64, as for NaN); MLX 0.32 gives 128 there."""
    import mlx.core as mlx

    q, scales = (np.array(a) for a in mlx.quantize(mlx.array(w, dtype=mlx.float64), mode=mode))
    groups = np.abs(w).reshape(scales.shape + (32,)).max(-1)
    return [q, np.where(np.isposinf(groups), np.uint8(127), scales)]


# quantize: MLX is the reference, byte for byte.
for mode in FP_MODES:
    for dt in ("float32", "float16", "bfloat16"):
        seed = len(CASES)
        CASES.append(Case("quantize", (fp_weights((8, 128), dt, seed=seed),), {"mode": mode}, **EXACT,
                          id=f"quantize_{mode}_{dt}"))
        CASES.append(Case("quantize", (fp_specials(dt),), {"mode": mode}, **EXACT, id=f"quantize_{mode}_{dt}_specials"))
    # float64 computes in float64: on values a float32 holds it gives float32's bytes.
    w64 = fp_weights((8, 128), "float32", seed=30).astype(np.float64)
    CASES.append(Case("quantize", (w64,), {"mode": mode}, ref=mlx_quantize_float32, **EXACT, mlx=mode == "mxfp4",
                      id=f"quantize_{mode}_float64",
                      note="" if mode == "mxfp4" else "MLX 0.32 converts float64 to and from E4M3 wrongly (garbage)."))
    gs, b = FP_MODES[mode]
    CASES += [
        Case("quantize", (fp_weights((4, 64), seed=40),), {"group_size": gs, "bits": b, "mode": mode}, **EXACT,
             id=f"quantize_{mode}_explicit"),
        Case("quantize", (fp_weights((2, 3, 64), "float16", seed=41), gs, b, mode), **EXACT,
             id=f"quantize_{mode}_positional_batched"),
        Case("quantize", (fp_weights((4, 128), seed=42),), {"mode": mode}, **EXACT, transform=first(strided),
             id=f"quantize_{mode}_strided"),
        Case("quantize", (np.zeros((0, 64), np.float32),), {"mode": mode}, mlx=False, id=f"quantize_{mode}_empty",
             note="MLX 0.32 fails on an empty input (its argmin of nothing); ingot gives empty arrays."),
    ]
CASES += [
    Case("quantize", (fp_weights((8, 128), "float64", seed=31),), {"mode": "mxfp4"}, **EXACT,
         id="quantize_mxfp4_float64_wide_range"),
    Case("quantize", (fp_specials("float64"),), {"mode": "mxfp4"}, ref=mlx_mxfp4_float64_but_infinite_groups, **EXACT,
         mlx=False, id="quantize_mxfp4_float64_specials",
         note="MLX 0.32 gives infinite groups of float64 the scale byte 128, NaN ones 127; ingot 127 for both."),
]
for g in (1.0, 0.37, 1e-3, 300.0):
    for dt in ("float32", "bfloat16", "float16"):
        CASES.append(Case("quantize", (fp_weights((8, 64), dt, seed=50),),
                          {"mode": "nvfp4", "global_scale": np.array(g, np.float32)}, **EXACT,
                          id=f"quantize_nvfp4_global_{g}_{dt}"))
CASES.append(Case("quantize", (fp_specials("float32", 16),),
                  {"mode": "nvfp4", "global_scale": np.array([0.5], np.float32)}, **EXACT,
                  id="quantize_nvfp4_global_specials"))
CASES += [
    Case("quantize", (rand((4, 64), seed=7),), {"mode": "fp4"}, raises=ValueError,
         match=r"\[quantize\] invalid quantization mode 'fp4'", id="quantize_fp_bad_mode"),
    Case("quantize", (rand((4, 64), seed=7),), {"group_size": 64, "mode": "mxfp4"}, raises=ValueError,
         match=r"\[quantize\] mxfp4 quantization requires group size 32 but got 64", id="quantize_mxfp4_group"),
    Case("quantize", (rand((4, 64), seed=7),), {"bits": 4, "mode": "mxfp8"}, raises=ValueError,
         match=r"\[quantize\] mxfp8 quantization requires bits to be 8 but got 4", id="quantize_mxfp8_bits"),
    Case("quantize", (rand((4, 64), seed=7),), {"group_size": 32, "mode": "nvfp4"}, raises=ValueError,
         match=r"\[quantize\] nvfp4 quantization requires group size 16 but got 32", id="quantize_nvfp4_group"),
    Case("quantize", (rand((4, 64), seed=7),), {"mode": "mxfp4", "global_scale": np.array(1.0, np.float32)},
         raises=ValueError, match=r"\[quantize\] global_scale is only supported by the 'nvfp4' mode",
         id="quantize_mxfp4_global_scale"),
    Case("quantize", (rand((4, 64), seed=7),), {"mode": "nvfp4", "global_scale": np.ones(2, np.float32)},
         raises=ValueError, match=r"\[quantize\] global_scale must be a scalar", id="quantize_global_scale_shape"),
    Case("quantize", (rand((4, 64), seed=7),), {"mode": "nvfp4", "global_scale": np.array(1.0, np.float16)},
         raises=ValueError, match=r"\[quantize\] global_scale must be float32", id="quantize_global_scale_dtype"),
    Case("quantize", (rand((4, 40), seed=7),), {"mode": "nvfp4"}, raises=ValueError,
         match=r"\[quantize\] the last dimension of the matrix must be divisible by the group size 16",
         id="quantize_nvfp4_divisible"),
    Case("quantize", (rand((64,), seed=7),), {"mode": "mxfp8"}, raises=ValueError,
         match=r"\[quantize\] .*at least 2 dimensions", id="quantize_mxfp8_1d"),
    Case("quantize", (rand((4, 64), "int32", seed=9),), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[quantize\] only real floating types", id="quantize_mxfp4_int"),
]

# dequantize: every code and scale byte, against numpy's decoding and MLX, exactly.
for mode in FP_MODES:
    for dt in (None, "float16", "bfloat16", "float32", "float64"):
        w, s = fp_packed(16, 128, mode, seed=60 + len(CASES))
        kw = {"mode": mode} if dt is None else {"mode": mode, "dtype": getattr(ingot, dt)}
        fp8_in_f64 = dt == "float64" and mode != "mxfp4"
        CASES.append(Case("dequantize", (w, s), kw, ref=lambda w, s, mode, dtype=None: np_fp_dequantize(
            w, s, mode=mode, dtype=None if dtype is None else str(dtype).split(".")[-1]), **EXACT,
            dtype=dt or "bfloat16", mlx=not fp8_in_f64, id=f"dequantize_{mode}_{dt or 'default'}",
            note="MLX 0.32 decodes E4M3 into float64 wrongly (garbage values)" if fp8_in_f64 else ""))
    gs, b = FP_MODES[mode]
    w3, s3 = fp_packed(4, 64, mode, seed=70, batch=(2,))
    CASES += [
        Case("dequantize", (w3, s3, None, gs, b, mode), ref=np_fp_dequantize, **EXACT, dtype="bfloat16",
             id=f"dequantize_{mode}_positional_batched"),
        Case("dequantize", (w3[0], s3[0]), {"mode": mode}, ref=lambda w, s, mode: np_fp_dequantize(w, s, mode=mode),
             **EXACT, transform=lambda w, s: (transposed(w), strided(s)), id=f"dequantize_{mode}_views"),
        Case("dequantize", (w3[0], s3[0]), {"mode": mode, "biases": None},
             ref=lambda w, s, mode, biases: np_fp_dequantize(w, s, mode=mode), **EXACT, id=f"dequantize_{mode}_none"),
        Case("dequantize", (np.zeros((2, 0), np.uint32), np.zeros((2, 0), np.uint8)), {"mode": mode},
             ref=lambda w, s, mode: np.zeros((2, 0), BFLOAT16), id=f"dequantize_{mode}_empty"),
        Case("dequantize", (np.zeros((0, 32 * b // 32), np.uint32), np.zeros((0, 32 // gs), np.uint8)), {"mode": mode},
             ref=lambda w, s, mode: np.zeros((0, 32), BFLOAT16), mlx=False, id=f"dequantize_{mode}_no_rows",
             note="MLX 0.32 fails to reshape an empty packed matrix."),
    ]
WN, SN = fp_packed(8, 64, "nvfp4", seed=80)
for g in (1.0, 0.37, 1e30, 0.0, -2.0):
    for dt in (None, "float16", "float32", "float64"):
        kw = {"mode": "nvfp4", "global_scale": np.array(g, np.float32)}
        if dt is not None:
            kw["dtype"] = getattr(ingot, dt)
        want = "float64" if dt == "float64" else "float32"
        CASES.append(Case("dequantize", (WN, SN), kw, ref=lambda w, s, mode, global_scale, dtype=None: np_fp_dequantize(
            w, s, mode=mode, global_scale=global_scale, dtype=None if dtype is None else str(dtype).split(".")[-1]),
            **EXACT, dtype=want, mlx=dt != "float64", id=f"dequantize_nvfp4_global_{g}_{dt or 'default'}",
            note="MLX 0.32 decodes E4M3 into float64 wrongly" if dt == "float64" else ""))
W4, S4 = fp_packed(4, 64, "mxfp4", seed=90)
CASES += [
    Case("dequantize", (W4, S4, S4), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[dequantize\] the 'mxfp4' mode has no biases", id="dequantize_mxfp4_biases"),
    Case("dequantize", (W4, S4.astype(np.float32)), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[dequantize\] the scales of the 'mxfp4' mode must be uint8, got float32",
         id="dequantize_mxfp4_scale_dtype"),
    Case("dequantize", (W4, S4), {"mode": "mxfp4", "group_size": 64}, raises=ValueError,
         match=r"\[dequantize\] mxfp4 quantization requires group size 32 but got 64", id="dequantize_mxfp4_group"),
    Case("dequantize", (W4, S4), {"mode": "mxfp4", "bits": 8}, raises=ValueError,
         match=r"\[dequantize\] mxfp4 quantization requires bits to be 4 but got 8", id="dequantize_mxfp4_bits"),
    Case("dequantize", (W4, S4), {"mode": "mxfp8"}, raises=ValueError,
         match=r"\[dequantize\] the shapes of the packed matrix and the scales are incompatible",
         id="dequantize_mxfp8_shapes"),
    Case("dequantize", (W4.astype(np.int32), S4), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[dequantize\] the packed matrix must be uint32", id="dequantize_mxfp4_word_dtype"),
    Case("dequantize", (W4[0], S4[0]), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[dequantize\] the packed matrix must have at least 2 dimensions", id="dequantize_mxfp4_1d"),
    Case("dequantize", (W4, S4), {"mode": "mxfp4", "dtype": ingot.int32}, raises=ValueError,
         match=r"\[dequantize\] only real floating types are supported, got dtype", id="dequantize_mxfp4_int_dtype"),
    Case("dequantize", (W4, S4), {"mode": "mxfp4", "global_scale": np.array(1.0, np.float32)}, raises=ValueError,
         match=r"\[dequantize\] global_scale is only supported by the 'nvfp4' mode", id="dequantize_mxfp4_global"),
    Case("dequantize", (WN, SN), {"mode": "nvfp4", "global_scale": np.array(1.0, np.float64)}, raises=ValueError,
         match=r"\[dequantize\] global_scale must be float32", id="dequantize_nvfp4_global_dtype"),
    Case("dequantize", (WN, SN), {"mode": "int4"}, raises=ValueError,
         match=r"\[dequantize\] invalid quantization mode 'int4'", id="dequantize_bad_mode"),
]

# quantized_matmul: against numpy (float64 over the decoded weights) and MLX, whose kernel sums in x's
# dtype (so halves take a half's tolerance).
TOL = {"float32": {"rtol": 1e-5, "atol": 1e-5}, "float16": {"rtol": 2e-2, "atol": 2e-2},
       "bfloat16": {"rtol": 5e-2, "atol": 1.5e-1}}
for mode in FP_MODES:
    for dt in ("float32", "float16", "bfloat16"):
        for transpose in (True, False):
            w, s = fp_packed(48 if transpose else 96, 96 if transpose else 64, mode, seed=100 + len(CASES),
                             finite=True)
            x = rand((5, 96), dt, low=-1, high=1, seed=len(CASES))
            CASES.append(Case("quantized_matmul", (x, w, s), {"transpose": transpose, "mode": mode},
                              ref=np_fp_qmm, **TOL[dt], dtype=dt, id=f"quantized_matmul_{mode}_{dt}_t{int(transpose)}"))
    gs, b = FP_MODES[mode]
    w, s = fp_packed(24, 64, mode, seed=110, finite=True)
    wb, sb = fp_packed(5, 64, mode, seed=111, batch=(2,), finite=True)
    X = rand((3, 64), low=-1, high=1, seed=112)
    CASES += [
        Case("quantized_matmul", (X, w, s, None, True, gs, b, mode), ref=np_fp_qmm, **TOL["float32"],
             id=f"quantized_matmul_{mode}_positional"),
        Case("quantized_matmul", (rand((2, 3, 64), low=-1, high=1, seed=113), w, s), {"mode": mode}, ref=np_fp_qmm,
             **TOL["float32"], id=f"quantized_matmul_{mode}_batched_x"),
        Case("quantized_matmul", (rand((64,), low=-1, high=1, seed=114), w, s), {"mode": mode}, ref=np_fp_qmm,
             **TOL["float32"], id=f"quantized_matmul_{mode}_vector_x"),
        Case("quantized_matmul", (rand((2, 3, 64), low=-1, high=1, seed=115), wb, sb), {"mode": mode},
             ref=np_fp_qmm, **TOL["float32"], id=f"quantized_matmul_{mode}_batched_w"),
        Case("quantized_matmul", (rand((1, 3, 64), low=-1, high=1, seed=116), wb, sb), {"mode": mode},
             ref=lambda x, w, s, mode: np_fp_qmm(np.broadcast_to(x, (2, 3, 64)), w, s, mode=mode), **TOL["float32"],
             id=f"quantized_matmul_{mode}_broadcast_x"),
        Case("quantized_matmul", (X, w, s), {"mode": mode}, ref=np_fp_qmm, **TOL["float32"],
             transform=lambda x, w, s: (transposed(x), w, strided(s)), id=f"quantized_matmul_{mode}_noncontiguous"),
        Case("quantized_matmul", (X.astype(np.float64), w, s), {"mode": mode}, ref=np_fp_qmm, rtol=1e-12, atol=1e-12,
             dtype="float64", mlx=False, id=f"quantized_matmul_{mode}_float64",
             note="MLX 0.32's CPU refuses float64 (RuntimeError when evaluated)."),
        Case("quantized_matmul", (np.zeros((0, 64), np.float32), w, s), {"mode": mode}, ref=np_fp_qmm, mlx=False,
             id=f"quantized_matmul_{mode}_empty", note="MLX 0.32 dies of a floating point exception on an empty input."),
    ]
WQ, SQ = fp_packed(8, 64, "mxfp4", seed=120, finite=True)
CASES += [
    Case("quantized_matmul", (X, WQ, SQ, SQ), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[quantized_matmul\] the 'mxfp4' mode has no biases", id="quantized_matmul_mxfp4_biases"),
    Case("quantized_matmul", (X, WQ, SQ.astype(np.float32)), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[quantized_matmul\] the scales of the 'mxfp4' mode must be uint8", id="quantized_matmul_mxfp4_scales"),
    Case("quantized_matmul", (X.astype(np.int32), WQ, SQ), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[quantized_matmul\] only real floating types are supported, but x has type int32",
         id="quantized_matmul_mxfp4_int_x"),
    Case("quantized_matmul", (rand((3, 32), seed=121), WQ, SQ), {"mode": "mxfp4"}, raises=ValueError,
         match=r"\[quantized_matmul\] the last dimension of the first input", id="quantized_matmul_mxfp4_inner"),
    Case("quantized_matmul", (X, WQ, SQ), {"mode": "mxfp4", "group_size": 64}, raises=ValueError,
         match=r"\[quantized_matmul\] mxfp4 quantization requires group size 32 but got 64",
         id="quantized_matmul_mxfp4_group",
         note="MLX checks only that the shapes fit; ingot refuses a group size the mode does not have."),
    Case("quantized_matmul", (X, WQ, SQ), {"mode": "nvfp4"}, raises=ValueError,
         match=r"\[quantized_matmul\] the shapes of the packed matrix and the scales are incompatible",
         id="quantized_matmul_nvfp4_shapes"),
]
