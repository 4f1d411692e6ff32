"""Checks that the op table cannot express: partitions (their order within each side is free), sorting
on random inputs, pooling against mlx.nn's layers, quantization round trips through numpy's unpacking,
and the ingot.linalg submodule."""

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ingot
from cases_quantized import unpack

try:
    import mlx.core as mx
    import mlx.nn as mnn
except ImportError:  # pragma: no cover
    mx = mnn = None

BF16 = np.dtype(ml_dtypes.bfloat16)


def make(x):
    name = "bfloat16" if x.dtype == BF16 else ("bool_" if x.dtype == np.bool_ else x.dtype.name)
    return ingot.array(x, dtype=getattr(ingot, name))


# ---- partition / argpartition ----
def check_partitioned(part, a, kth, axis):
    """part is a partition of a around kth along axis: a permutation with the kth smallest at kth."""
    if axis is None:
        a, axis = a.reshape(-1), 0
    n = a.shape[axis]
    k = kth + n if kth < 0 else kth
    s = np.sort(a, axis=axis)
    np.testing.assert_array_equal(np.sort(part, axis=axis), s)
    pivot = np.take(part, [k], axis=axis)
    np.testing.assert_array_equal(pivot, np.take(s, [k], axis=axis))
    before, after = np.take(part, np.arange(k), axis=axis), np.take(part, np.arange(k + 1, n), axis=axis)
    assert np.all(before <= pivot) and np.all(after >= pivot)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(["int8", "int32", "uint16", "int64", "float32", "float64"]))
def test_partition_property(data, dtype):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7))
    elems = st.integers(-10, 10) if dtype[0] == "i" else st.integers(0, 20)
    if dtype.startswith("float"):
        elems = st.floats(-100, 100, width=32)
    a = data.draw(hnp.arrays(dtype, shape, elements=elems))
    axis = data.draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
    n = a.size if axis is None else a.shape[axis]
    kth = data.draw(st.integers(-n, n - 1))
    x = make(a)
    if a.ndim >= 2 and data.draw(st.booleans()):
        x = make(np.ascontiguousarray(a.T)).T  # a non-contiguous view with the same values
    part = np.asarray(ingot.partition(x, kth, axis=axis))
    check_partitioned(part, a, kth, axis)
    idx = ingot.argpartition(x, kth, axis=axis)
    assert idx.dtype == ingot.uint32
    idx = np.asarray(idx).astype(np.int64)
    flat = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else axis
    np.testing.assert_array_equal(np.sort(idx, axis=ax), np.broadcast_to(
        np.arange(flat.shape[ax]).reshape([-1 if d == ax % flat.ndim else 1 for d in range(flat.ndim)]), idx.shape))
    check_partitioned(np.take_along_axis(flat, idx, ax), a, kth, axis)


def test_partition_puts_nan_last():
    a = np.array([np.nan, 1.0, -np.inf, 0.0, np.nan], np.float32)
    part = np.asarray(ingot.partition(make(a), 3))
    assert np.isnan(part[3]) and np.isnan(part[4])
    np.testing.assert_array_equal(np.sort(part[:3]), [-np.inf, 0.0, 1.0])


# ---- sorting on random inputs (NaN, infinities, signed zeros, ties) ----
@settings(max_examples=150, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(["float32", "float16", "float64", "int16", "uint8"]))
def test_sort_and_argsort_match_numpy(data, dtype):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6))
    if dtype.startswith("float"):
        elems = st.sampled_from([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan, 3.0])
    else:
        elems = st.integers(0, 5)
    a = data.draw(hnp.arrays(dtype, shape, elements=elems))
    axis = data.draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
    got = np.asarray(ingot.sort(make(a), axis=axis))
    np.testing.assert_array_equal(got, np.sort(a, axis=axis, kind="stable"))
    got_i = np.asarray(ingot.argsort(make(a), axis=axis))
    np.testing.assert_array_equal(got_i, np.argsort(a, axis=axis, kind="stable"))


# ---- pooling against mlx.nn ----
POOLS = [
    ("max_pool1d", "MaxPool1d", (2, 11, 3), dict(kernel_size=3)),
    ("max_pool1d", "MaxPool1d", (2, 11, 3), dict(kernel_size=4, stride=2, padding=1)),
    ("avg_pool1d", "AvgPool1d", (2, 11, 3), dict(kernel_size=2)),
    ("avg_pool1d", "AvgPool1d", (2, 11, 3), dict(kernel_size=5, stride=3, padding=2)),
    ("max_pool2d", "MaxPool2d", (2, 9, 8, 3), dict(kernel_size=2)),
    ("max_pool2d", "MaxPool2d", (2, 9, 8, 3), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))),
    ("avg_pool2d", "AvgPool2d", (2, 9, 8, 3), dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", "AvgPool2d", (1, 7, 7, 2), dict(kernel_size=(2, 3), stride=(1, 2))),
]


@pytest.mark.skipif(mnn is None, reason="mlx is not installed")
@pytest.mark.parametrize("op, layer, shape, kwargs", POOLS, ids=[f"{p[0]}-{i}" for i, p in enumerate(POOLS)])
def test_pooling_matches_mlx_nn(op, layer, shape, kwargs):
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    want = np.asarray(getattr(mnn, layer)(**kwargs)(mx.array(x)))
    got = np.asarray(getattr(ingot, op)(make(x), **kwargs))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


# ---- quantization round trips, checked with numpy's unpacking ----
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("bits", [2, 3, 4, 5, 6, 8])
@pytest.mark.parametrize("group_size", [32, 64, 128])
def test_quantize_round_trip(dtype, bits, group_size):
    w = np.random.default_rng(bits * group_size).standard_normal((3, 256)).astype(np.float32)
    w = w.astype(BF16 if dtype == "bfloat16" else dtype)
    wq, scales, biases = ingot.quantize(make(w), group_size=group_size, bits=bits)
    assert wq.dtype == ingot.uint32 and wq.shape == (3, 256 * bits // 32)
    assert scales.dtype == make(w).dtype and scales.shape == (3, 256 // group_size) == biases.shape
    q = unpack(np.asarray(wq), bits)
    assert q.min() >= 0 and q.max() <= 2**bits - 1
    s = np.repeat(np.asarray(scales).astype(np.float64), group_size, axis=-1)
    b = np.repeat(np.asarray(biases).astype(np.float64), group_size, axis=-1)
    approx = s * q + b
    # Within half a step where q is inside its range, plus the rounding of scales and biases to their dtype.
    # MLX's scheme makes one end of each group exact, so the other end may be clipped: within one step.
    slack = {"float16": 4e-3, "bfloat16": 3e-2}.get(dtype, 1e-5) * (1 + np.abs(w.astype(np.float64)))
    err = np.abs(approx - w.astype(np.float64))
    inside = (q > 0) & (q < 2**bits - 1)
    assert np.all(err[inside] <= np.abs(s[inside]) / 2 + slack[inside])
    assert np.all(err <= np.abs(s) + slack)
    back = np.asarray(ingot.dequantize(wq, scales, biases, group_size=group_size, bits=bits)).astype(np.float64)
    tol = {"float16": 1e-2, "bfloat16": 3e-2}.get(dtype, 1e-6)  # halves compute scale * q + bias in their dtype
    np.testing.assert_allclose(back, approx.astype(w.dtype).astype(np.float64), rtol=tol, atol=tol)


def test_quantized_matmul_matches_dequantized_product():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((24, 128)).astype(np.float32)
    x = rng.standard_normal((5, 128)).astype(np.float32)
    wq, s, b = ingot.quantize(make(w), group_size=32, bits=4)
    wd = np.asarray(ingot.dequantize(wq, s, b, group_size=32, bits=4)).astype(np.float64)
    got = np.asarray(ingot.quantized_matmul(make(x), wq, s, b, group_size=32, bits=4))
    np.testing.assert_allclose(got, x.astype(np.float64) @ wd.T, rtol=1e-4, atol=1e-4)
    # transpose=False multiplies by the (K, N) matrix itself.
    wkn = rng.standard_normal((128, 32)).astype(np.float32)
    x2 = rng.standard_normal((2, 128)).astype(np.float32)
    wq2, s2, b2 = ingot.quantize(make(wkn), group_size=32, bits=8)
    wd2 = np.asarray(ingot.dequantize(wq2, s2, b2, group_size=32, bits=8)).astype(np.float64)
    got2 = np.asarray(ingot.quantized_matmul(make(x2), wq2, s2, b2, transpose=False, group_size=32, bits=8))
    np.testing.assert_allclose(got2, x2.astype(np.float64) @ wd2, rtol=1e-4, atol=1e-4)


def test_dequantize_dtype_argument():
    wq, s, b = ingot.quantize(make(np.ones((2, 64), np.float32)))
    out = ingot.dequantize(wq, s, b, dtype=ingot.bfloat16)
    assert out.dtype == ingot.bfloat16
    np.testing.assert_array_equal(np.asarray(out).astype(np.float32), np.ones((2, 64), np.float32))
    with pytest.raises(ValueError, match=r"\[dequantize\] only real floating types are supported, got dtype int32"):
        ingot.dequantize(wq, s, b, dtype=ingot.int32)


# ---- argument conversion ----
def test_argument_types_are_checked():
    x = make(np.ones((1, 5, 5, 2), np.float32))
    w = make(np.ones((3, 2, 2, 2), np.float32))
    with pytest.raises(TypeError):
        ingot.conv2d(x, w, stride="2")
    with pytest.raises(TypeError):
        ingot.conv2d(np.ones((1, 5, 5, 2), np.float32), w)  # arrays are required, as in MLX
    with pytest.raises(TypeError):
        ingot.take(x, None)
    with pytest.raises(TypeError):
        ingot.sort(x, axis=1.5)
    with pytest.raises(TypeError):
        ingot.quantize(make(np.ones((2, 64), np.float32)), group_size="64")


def test_int_or_tuple_arguments_agree():
    rng = np.random.default_rng(1)
    x = make(rng.standard_normal((1, 6, 6, 2)).astype(np.float32))
    w = make(rng.standard_normal((3, 2, 2, 2)).astype(np.float32))
    a = np.asarray(ingot.conv2d(x, w, stride=2, padding=1, dilation=1))
    b = np.asarray(ingot.conv2d(x, w, stride=(2, 2), padding=[1, 1], dilation=(1, 1)))
    np.testing.assert_array_equal(a, b)
    c = np.asarray(ingot.conv_general(x, w, stride=2, padding=1))
    d = np.asarray(ingot.conv_general(x, w, stride=[2, 2], padding=([1, 1], [1, 1])))
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(a, d)


# ---- the linalg submodule ----
def test_linalg_submodule_imports():
    import ingot.linalg
    from ingot.linalg import norm

    assert ingot.linalg.norm is norm
    assert "norm" in (ingot.linalg.norm.__doc__ or "")
    assert norm(make(np.array([3.0, 4.0], np.float32))).item() == 5.0
