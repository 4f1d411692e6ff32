"""Op table rows: conv1d/2d/3d, conv_general, conv_transpose1d/2d/3d (against numpy loops and MLX), and
max_pool1d/2d, avg_pool1d/2d (ingot additions: mlx.core has no pooling; checked against numpy here and
against mlx.nn's pooling layers in test_ops_properties.py).
"""

import itertools

import numpy as np

from cases_indexing import first, reversed_, strided, transposed
from op_table import FLOATS, INTS, Case, rand


def _n(v, d):
    return list(v) if isinstance(v, (list, tuple)) else [v] * d


def np_conv_general(x, w, stride=1, padding=0, kernel_dilation=1, input_dilation=1, groups=1, flip=False):
    """Channels-last cross-correlation (a convolution when flip) in float64, as MLX's conv_general."""
    out_dtype = np.result_type(x.dtype, w.dtype)
    x = np.asarray(x).astype(np.float64)
    w = np.asarray(w).astype(np.float64)
    d = x.ndim - 2
    stride, kdil, idil = _n(stride, d), _n(kernel_dilation, d), _n(input_dilation, d)
    if isinstance(padding, tuple) and len(padding) == 2 and isinstance(padding[0], (list, tuple)):
        lo, hi = _n(padding[0], d), _n(padding[1], d)
    else:
        lo = hi = _n(padding, d)
    if any(i > 1 for i in idil):
        shape = [x.shape[0]] + [(x.shape[1 + i] - 1) * idil[i] + 1 for i in range(d)] + [x.shape[-1]]
        xd = np.zeros(shape)
        xd[(slice(None),) + tuple(slice(None, None, s) for s in idil)] = x
        x = xd
    # Negative padding crops.
    crop = tuple(slice(max(-l, 0), x.shape[1 + i] - max(-h, 0)) for i, (l, h) in enumerate(zip(lo, hi)))
    x = x[(slice(None),) + crop]
    x = np.pad(x, [(0, 0)] + [(max(l, 0), max(h, 0)) for l, h in zip(lo, hi)] + [(0, 0)])
    if flip:
        w = w[(slice(None),) + (slice(None, None, -1),) * d]
    n, cin = x.shape[0], x.shape[-1]
    cout, ksz = w.shape[0], w.shape[1:-1]
    cin_g, cout_g = cin // groups, cout // groups
    osz = [(x.shape[1 + i] - (ksz[i] - 1) * kdil[i] - 1) // stride[i] + 1 for i in range(d)]
    out = np.zeros([n] + osz + [cout])
    for k in itertools.product(*[range(s) for s in ksz]):
        win = x[(slice(None),) + tuple(slice(k[i] * kdil[i], k[i] * kdil[i] + stride[i] * (osz[i] - 1) + 1, stride[i])
                                       for i in range(d))]
        for g in range(groups):
            wk = w[(slice(g * cout_g, (g + 1) * cout_g),) + k]  # (cout_g, cin_g)
            out[..., g * cout_g:(g + 1) * cout_g] += win[..., g * cin_g:(g + 1) * cin_g] @ wk.T
    return out.astype(out_dtype)


def np_conv(x, w, stride=1, padding=0, dilation=1, groups=1):
    return np_conv_general(x, w, stride, padding, dilation, 1, groups)


def np_conv_transpose(x, w, stride=1, padding=0, dilation=1, output_padding=0, groups=1):
    """out[o] += x[i] * w[k] for o = i * stride + k * dilation - padding (the adjoint of the convolution)."""
    out_dtype = np.result_type(x.dtype, w.dtype)
    x = np.asarray(x).astype(np.float64)
    w = np.asarray(w).astype(np.float64)
    d = x.ndim - 2
    s, p, dil, op = _n(stride, d), _n(padding, d), _n(dilation, d), _n(output_padding, d)
    n, L, cin = x.shape[0], x.shape[1:-1], x.shape[-1]
    cout, ksz = w.shape[0], w.shape[1:-1]
    cin_g, cout_g = cin // groups, cout // groups
    osz = [(L[i] - 1) * s[i] - 2 * p[i] + dil[i] * (ksz[i] - 1) + 1 + op[i] for i in range(d)]
    full = [(L[i] - 1) * s[i] + dil[i] * (ksz[i] - 1) + 1 + max(op[i], 0) + abs(p[i]) + 1 for i in range(d)]
    buf = np.zeros([n] + full + [cout])
    for k in itertools.product(*[range(v) for v in ksz]):
        for g in range(groups):
            wk = w[(slice(g * cout_g, (g + 1) * cout_g),) + k]  # (cout_g, cin_g)
            contrib = x[..., g * cin_g:(g + 1) * cin_g] @ wk.T  # (n, *L, cout_g)
            idx = tuple(slice(k[i] * dil[i], k[i] * dil[i] + (L[i] - 1) * s[i] + 1, s[i]) for i in range(d))
            buf[(slice(None),) + idx + (slice(g * cout_g, (g + 1) * cout_g),)] += contrib
    out = buf[(slice(None),) + tuple(slice(p[i], p[i] + osz[i]) for i in range(d))]
    return out.astype(out_dtype)


def np_pool(x, kernel_size, stride=None, padding=0, kind="max"):
    """Channels-last pooling: max pads with -inf, the average counts padded zeros."""
    d = x.ndim - 2
    k = _n(kernel_size, d)
    s = k if stride is None else _n(stride, d)
    p = _n(padding, d)
    if kind == "max":
        xf = np.asarray(x).astype(np.float64)
        xf = np.pad(xf, [(0, 0)] + [(v, v) for v in p] + [(0, 0)], constant_values=-np.inf)
    else:
        xf = np.pad(np.asarray(x).astype(np.float64), [(0, 0)] + [(v, v) for v in p] + [(0, 0)])
    osz = [(xf.shape[1 + i] - k[i]) // s[i] + 1 for i in range(d)]
    acc = None
    for off in itertools.product(*[range(v) for v in k]):
        win = xf[(slice(None),) + tuple(slice(off[i], off[i] + s[i] * (osz[i] - 1) + 1, s[i]) for i in range(d))]
        acc = win if acc is None else (np.maximum(acc, win) if kind == "max" else acc + win)
    if kind == "max":
        return acc.astype(x.dtype)
    acc = acc / np.prod(k)
    return acc.astype(x.dtype if np.issubdtype(x.dtype, np.floating) or x.dtype.name == "bfloat16" else np.float32)


def max_pool(x, kernel_size, stride=None, padding=0):
    return np_pool(x, kernel_size, stride, padding, "max")


def avg_pool(x, kernel_size, stride=None, padding=0):
    return np_pool(x, kernel_size, stride, padding, "mean")


def r(shape, seed, dtype="float32"):
    return rand(shape, dtype, low=-1.0, high=1.0, seed=seed)


HALF_TOL = {"float16": dict(rtol=5e-3, atol=5e-3), "bfloat16": dict(rtol=3e-2, atol=3e-2)}

X1, W1 = r((2, 9, 4), 1), r((6, 3, 4), 2)
X2, W2 = r((2, 7, 6, 4), 3), r((5, 3, 2, 4), 4)
X3, W3 = r((1, 5, 4, 6, 2), 5), r((3, 2, 3, 2, 2), 6)

CASES = [
    # conv1d
    Case("conv1d", (X1, W1), ref=np_conv, id="conv1d_basic"),
    Case("conv1d", (X1, W1), {"stride": 2, "padding": 1, "dilation": 2}, ref=np_conv, id="conv1d_stride_pad_dil"),
    Case("conv1d", (X1, r((6, 3, 2), 7)), {"groups": 2}, ref=np_conv, id="conv1d_groups"),
    Case("conv1d", (X1, r((4, 2, 1), 8)), {"groups": 4}, ref=np_conv, id="conv1d_depthwise"),
    Case("conv1d", (X1, W1, 1, -1), ref=np_conv, id="conv1d_negative_padding_crops"),
    Case("conv1d", (r((0, 9, 4), 9), W1), ref=np_conv, id="conv1d_empty_batch"),
    Case("conv1d", (X1, W1), {"padding": 2}, ref=np_conv, transform=first(strided), id="conv1d_strided_input"),
    Case("conv1d", (X1, W1), ref=np_conv, transform=lambda x, w: (reversed_(x), transposed(w)),
         id="conv1d_noncontiguous"),
    Case("conv1d", (X1.astype(np.float16), W1), ref=np_conv, dtype="float32", id="conv1d_promotes"),
    Case("conv1d", (X1.astype(np.int32), W1.astype(np.int32)), raises=ValueError, match=r"\[conv1d\]",
         id="conv1d_integers"),
    Case("conv1d", (X1, r((6, 3, 3), 10)), raises=ValueError, match=r"\[conv1d\]", id="conv1d_channel_mismatch"),
    Case("conv1d", (X1, r((6, 3, 3), 10)), {"groups": 3}, raises=ValueError, match=r"\[conv1d\]",
         id="conv1d_bad_groups"),
    Case("conv1d", (X1, r((6, 12, 4), 11)), raises=ValueError, match=r"\[conv1d\]", id="conv1d_kernel_too_big"),
    Case("conv1d", (X1, W1), {"stride": 0}, raises=ValueError, match=r"\[conv1d\] strides must be positive",
         id="conv1d_zero_stride"),
    Case("conv1d", (X2, W1), raises=ValueError, match=r"\[conv1d\]", id="conv1d_wrong_rank"),
    # conv2d
    Case("conv2d", (X2, W2), ref=np_conv, id="conv2d_basic"),
    Case("conv2d", (X2, W2), {"stride": 2, "padding": 1}, ref=np_conv, id="conv2d_int_args"),
    Case("conv2d", (X2, W2), {"stride": (2, 1), "padding": (0, 2), "dilation": (1, 2)}, ref=np_conv,
         id="conv2d_tuple_args"),
    Case("conv2d", (X2, W2, [1, 2], [1, 1], [2, 1]), ref=np_conv, id="conv2d_list_args"),
    Case("conv2d", (X2, r((6, 2, 2, 2), 12)), {"groups": 2}, ref=np_conv, id="conv2d_groups"),
    Case("conv2d", (X2, W2), {"padding": 1}, ref=np_conv, transform=first(transposed), id="conv2d_transposed_input"),
    Case("conv2d", (X2, W2), {"stride": (1, 2, 3)}, raises=ValueError,
         match=r"\[conv2d\] stride must be an int or a tuple of 2 ints, got 3 values", id="conv2d_stride_length"),
    Case("conv2d", (X2, W2), {"padding": (1,)}, raises=ValueError,
         match=r"\[conv2d\] padding must be an int or a tuple of 2 ints", id="conv2d_padding_length"),
    # conv3d
    Case("conv3d", (X3, W3), ref=np_conv, id="conv3d_basic"),
    Case("conv3d", (X3, W3), {"stride": (1, 2, 2), "padding": 1, "dilation": (2, 1, 1)}, ref=np_conv,
         id="conv3d_args"),
    Case("conv3d", (X3, W3), ref=np_conv, transform=first(strided), id="conv3d_strided"),
    Case("conv3d", (X3, W3), {"dilation": (1, 1)}, raises=ValueError,
         match=r"\[conv3d\] dilation must be an int or a tuple of 3 ints", id="conv3d_dilation_length"),
    # conv_general
    Case("conv_general", (X2, W2), ref=np_conv_general, id="conv_general_default"),
    Case("conv_general", (X2, W2), {"stride": [2, 1], "padding": ([1, 0], [0, 2])}, ref=np_conv_general,
         id="conv_general_asymmetric_padding"),
    Case("conv_general", (X2, W2), {"padding": [1, 2], "kernel_dilation": 2}, ref=np_conv_general,
         id="conv_general_padding_list"),
    Case("conv_general", (X2, W2), {"input_dilation": [2, 3], "padding": 1}, ref=np_conv_general,
         id="conv_general_input_dilation"),
    Case("conv_general", (X2, W2), {"flip": True, "padding": 2}, ref=np_conv_general, id="conv_general_flip"),
    Case("conv_general", (X1, W1), {"stride": 3, "kernel_dilation": [2], "input_dilation": 2}, ref=np_conv_general,
         id="conv_general_1d"),
    Case("conv_general", (X3, W3), {"padding": ([0, 1, 2], [2, 1, 0]), "groups": 1}, ref=np_conv_general,
         id="conv_general_3d"),
    Case("conv_general", (X2, r((6, 2, 2, 2), 13)), {"groups": 2, "flip": True}, ref=np_conv_general,
         id="conv_general_groups_flip"),
    Case("conv_general", (X2, W2), {"padding": ([-1, 0], [0, -1])}, ref=np_conv_general,
         id="conv_general_negative_padding"),
    Case("conv_general", (X2, W2), {"stride": [1, 1, 1]}, raises=ValueError, match=r"\[conv_general\] invalid strides",
         id="conv_general_bad_stride"),
    Case("conv_general", (X2, W2), {"input_dilation": 0}, raises=ValueError,
         match=r"\[conv_general\] input dilation must be positive", id="conv_general_zero_input_dilation"),
    # conv_transpose
    Case("conv_transpose1d", (X1, W1), ref=np_conv_transpose, id="conv_transpose1d_basic"),
    Case("conv_transpose1d", (X1, W1), {"stride": 2, "padding": 1, "dilation": 2, "output_padding": 1},
         ref=np_conv_transpose, id="conv_transpose1d_args"),
    Case("conv_transpose1d", (X1, r((6, 3, 2), 14)), {"groups": 2, "stride": 3}, ref=np_conv_transpose,
         id="conv_transpose1d_groups"),
    Case("conv_transpose1d", (X1, W1), {"stride": 2}, ref=np_conv_transpose, transform=first(strided),
         id="conv_transpose1d_strided"),
    Case("conv_transpose1d", (X1, W1), {"stride": 0}, raises=ValueError, match=r"\[conv_transpose1d\]",
         id="conv_transpose1d_zero_stride"),
    Case("conv_transpose2d", (X2, W2), ref=np_conv_transpose, id="conv_transpose2d_basic"),
    Case("conv_transpose2d", (X2, W2), {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2)},
         ref=np_conv_transpose, id="conv_transpose2d_args"),
    Case("conv_transpose2d", (X2, W2), {"stride": 2, "dilation": 2, "padding": 1}, ref=np_conv_transpose,
         transform=first(transposed), id="conv_transpose2d_transposed"),
    Case("conv_transpose2d", (X2, W2), {"output_padding": (1, 1, 1)}, raises=ValueError,
         match=r"\[conv_transpose2d\] output_padding must be an int or a tuple of 2 ints",
         id="conv_transpose2d_output_padding_length"),
    Case("conv_transpose2d", (X1, W1), raises=ValueError, match=r"\[conv_transpose2d\]", id="conv_transpose2d_rank"),
    Case("conv_transpose3d", (X3, W3), ref=np_conv_transpose, id="conv_transpose3d_basic"),
    Case("conv_transpose3d", (X3, W3), {"stride": (2, 1, 2), "padding": 1, "output_padding": (1, 0, 0)},
         ref=np_conv_transpose, id="conv_transpose3d_args"),
    Case("conv_transpose3d", (X3, W3), {"stride": (2, 1)}, raises=ValueError,
         match=r"\[conv_transpose3d\] stride must be an int or a tuple of 3 ints", id="conv_transpose3d_stride_length"),
]
for dt in FLOATS:
    tol = HALF_TOL.get(dt, {})
    x, w = r((2, 8, 3), 20, dt), r((4, 3, 3), 21, dt)
    CASES.append(Case("conv1d", (x, w), {"padding": 1}, ref=np_conv, id=f"conv1d_{dt}", **tol))
    x, w = r((1, 6, 5, 3), 22, dt), r((2, 2, 3, 3), 23, dt)
    CASES.append(Case("conv2d", (x, w), {"stride": 2}, ref=np_conv, id=f"conv2d_{dt}", **tol))
    CASES.append(Case("conv_transpose2d", (x, w), {"stride": 2}, ref=np_conv_transpose, mlx=dt != "float64",
                      id=f"conv_transpose2d_{dt}", **tol,
                      note="MLX 0.32 has no float64 transposed convolution on the CPU" if dt == "float64" else ""))

# ---- pooling (ingot additions: mlx=False, numpy references) ----
P1 = rand((2, 9, 3), seed=30)
P2 = rand((2, 7, 6, 3), seed=31)
NOTE = "not in mlx.core (MLX pools in mlx.nn): compared with mlx.nn in test_ops_properties.py"
CASES += [
    Case("max_pool1d", (P1, 2), ref=max_pool, mlx=False, note=NOTE, id="max_pool1d_default_stride"),
    Case("max_pool1d", (P1, 3), {"stride": 2, "padding": 1}, ref=max_pool, mlx=False, note=NOTE,
         id="max_pool1d_args"),
    Case("max_pool1d", (P1, 3, 1), ref=max_pool, mlx=False, note=NOTE, transform=first(strided),
         id="max_pool1d_strided"),
    Case("max_pool1d", (np.zeros((0, 4, 2), np.float32), 2), ref=max_pool, mlx=False, note=NOTE,
         id="max_pool1d_empty_batch"),
    Case("avg_pool1d", (P1, 2), ref=avg_pool, mlx=False, note=NOTE, id="avg_pool1d_default_stride"),
    Case("avg_pool1d", (P1, 4), {"stride": 3, "padding": 2}, ref=avg_pool, mlx=False, note=NOTE,
         id="avg_pool1d_padding_counts_zeros"),
    Case("avg_pool1d", (P1, 3, 2), ref=avg_pool, mlx=False, note=NOTE, transform=first(reversed_),
         id="avg_pool1d_reversed"),
    Case("max_pool2d", (P2, 2), ref=max_pool, mlx=False, note=NOTE, id="max_pool2d_int"),
    Case("max_pool2d", (P2, (3, 2)), {"stride": (2, 1), "padding": (1, 0)}, ref=max_pool, mlx=False, note=NOTE,
         id="max_pool2d_tuples"),
    Case("max_pool2d", (P2, 3), {"stride": 1, "padding": 1}, ref=max_pool, mlx=False, note=NOTE,
         transform=first(transposed), id="max_pool2d_transposed"),
    Case("avg_pool2d", (P2, 2), ref=avg_pool, mlx=False, note=NOTE, id="avg_pool2d_int"),
    Case("avg_pool2d", (P2, (2, 3)), {"stride": 2, "padding": (1, 1)}, ref=avg_pool, mlx=False, note=NOTE,
         id="avg_pool2d_tuples"),
    Case("avg_pool2d", (P2, [3, 3], [1, 2]), ref=avg_pool, mlx=False, note=NOTE, transform=first(strided),
         id="avg_pool2d_lists_strided"),
    Case("max_pool1d", (P1, 0), raises=ValueError, match=r"\[max_pool1d\] 'kernel_size' must be positive",
         id="max_pool1d_zero_kernel"),
    Case("max_pool1d", (P1, 2), {"stride": 0}, raises=ValueError, match=r"\[max_pool1d\] 'stride' must be positive",
         id="max_pool1d_zero_stride"),
    Case("avg_pool1d", (P1, 2), {"padding": -1}, raises=ValueError,
         match=r"\[avg_pool1d\] 'padding' must be non-negative", id="avg_pool1d_negative_padding"),
    Case("max_pool1d", (P1, 12), {"stride": 1}, raises=ValueError, match=r"\[max_pool1d\] the kernel size",
         id="max_pool1d_too_big"),
    Case("max_pool1d", (P1, 10), ref=max_pool, mlx=False, note=NOTE, id="max_pool1d_overshoot_is_empty"),
    Case("max_pool1d", (P2, 2), raises=ValueError, match=r"\[max_pool1d\] expected an input with 3 dimensions",
         id="max_pool1d_rank"),
    Case("max_pool2d", (P1, 2), raises=ValueError, match=r"\[max_pool2d\] expected an input with 4 dimensions",
         id="max_pool2d_rank"),
    Case("max_pool2d", (P2, (2, 2, 2)), raises=ValueError,
         match=r"\[max_pool2d\] kernel_size must be an int or a tuple of 2 ints", id="max_pool2d_kernel_length"),
    Case("avg_pool2d", (P2, 2), {"stride": (1,)}, raises=ValueError,
         match=r"\[avg_pool2d\] stride must be an int or a tuple of 2 ints", id="avg_pool2d_stride_length"),
    Case("max_pool2d", (P2.astype(np.bool_), 2), raises=ValueError, match=r"\[max_pool2d\] boolean arrays",
         id="max_pool2d_bool"),
]
for dt in FLOATS + INTS:
    tol = HALF_TOL.get(dt, {})
    x = rand((1, 8, 2), dt, low=-50, high=50, seed=32)
    CASES.append(Case("max_pool1d", (x, 3), {"stride": 2, "padding": 1}, ref=max_pool, mlx=False, note=NOTE,
                      dtype=dt, id=f"max_pool1d_{dt}"))
    CASES.append(Case("avg_pool1d", (x, 2), ref=avg_pool, mlx=False, note=NOTE,
                      dtype=dt if dt in FLOATS else "float32", id=f"avg_pool1d_{dt}", **tol))
    x = rand((1, 5, 4, 2), dt, low=-50, high=50, seed=33)
    CASES.append(Case("max_pool2d", (x, 2), {"padding": 1}, ref=max_pool, mlx=False, note=NOTE, dtype=dt,
                      id=f"max_pool2d_{dt}"))
    CASES.append(Case("avg_pool2d", (x, (2, 2)), {"stride": 1}, ref=avg_pool, mlx=False, note=NOTE,
                      dtype=dt if dt in FLOATS else "float32", id=f"avg_pool2d_{dt}", **tol))
