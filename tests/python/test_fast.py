"""ingot.fast against numpy (float64 references written here) and, on the same inputs, mlx.core.fast;
kernels against their decompositions; and the fused nodes through export, import and shapeless replay."""

import ml_dtypes
import numpy as np
import pytest

import ingot as mx
import ingot.nn as nn

mlx = pytest.importorskip("mlx.core")

rng = np.random.default_rng(11)
DTYPES = {"float32": (np.float32, 2e-5), "float16": (np.float16, 5e-3), "bfloat16": (ml_dtypes.bfloat16, 4e-2)}


def data(shape, dtype, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(dtype)


def both(fn):
    """fn() with the fused kernels, and with every fused node running its decomposition."""
    fused = np.array(fn()).astype(np.float64)
    was = mx.fast._set_kernels_enabled(False)
    try:
        decomposed = np.array(fn()).astype(np.float64)
    finally:
        mx.fast._set_kernels_enabled(was)
    return fused, decomposed


def check(fn, want, mlx_out, tol):
    fused, decomposed = both(fn)
    for got, what in [(fused, "kernel"), (decomposed, "decomposition")]:
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{what} vs numpy")
        theirs = np.array(mlx_out.astype(mlx.float32)).astype(np.float64)
        np.testing.assert_allclose(got, theirs, rtol=tol, atol=tol, err_msg=f"{what} vs mlx")


def np_rms(x, w, eps):
    x = x.astype(np.float64)
    y = x / np.sqrt(np.mean(x * x, -1, keepdims=True) + eps)
    return y * w.astype(np.float64) if w is not None else y


def np_layer(x, w, b, eps):
    x = x.astype(np.float64)
    c = x - x.mean(-1, keepdims=True)
    y = c / np.sqrt((c * c).mean(-1, keepdims=True) + eps)
    if w is not None:
        y = y * w.astype(np.float64)
    if b is not None:
        y = y + b.astype(np.float64)
    return y


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("d", [1, 7, 64, 129])
def test_norms(dtype, d):
    t, tol = DTYPES[dtype]
    x, w, b = data((3, 4, d), t), data((d,), t), data((d,), t)
    X, W, B = mx.array(x), mx.array(w), mx.array(b)
    mX, mW, mB = mlx.array(x), mlx.array(w), mlx.array(b)
    check(lambda: mx.fast.rms_norm(X, W, 1e-5), np_rms(x, w, 1e-5), mlx.fast.rms_norm(mX, mW, 1e-5), tol)
    check(lambda: mx.fast.rms_norm(X, None, 1e-5), np_rms(x, None, 1e-5), mlx.fast.rms_norm(mX, None, 1e-5), tol)
    check(lambda: mx.fast.layer_norm(X, W, B, 1e-5), np_layer(x, w, b, 1e-5), mlx.fast.layer_norm(mX, mW, mB, 1e-5), tol)
    check(lambda: mx.fast.layer_norm(X, None, B, 1e-5), np_layer(x, None, b, 1e-5),
          mlx.fast.layer_norm(mX, None, mB, 1e-5), tol)
    assert mx.fast.rms_norm(X, W, 1e-5).dtype == getattr(mx, dtype)


def np_rope(x, dims, traditional, base, scale, offsets, freqs=None):
    x = x.astype(np.float64)
    out = x.copy()
    t = x.shape[-2]
    half = dims // 2
    inv = 1.0 / freqs if freqs is not None else base ** (-np.arange(half) * 2.0 / dims)
    offs = np.asarray(offsets, np.float64).reshape((-1,) + (1,) * (x.ndim - 2))  # per first-axis index
    pos = (np.arange(t) + offs) * scale  # (B or 1, 1.., T)
    theta = pos[..., None] * inv
    c, s = np.cos(theta), np.sin(theta)
    if traditional:
        x1, x2 = x[..., 0:dims:2], x[..., 1:dims:2]
        out[..., 0:dims:2] = x1 * c - x2 * s
        out[..., 1:dims:2] = x1 * s + x2 * c
    else:
        x1, x2 = x[..., :half], x[..., half:dims]
        out[..., :half] = x1 * c - x2 * s
        out[..., half:dims] = x1 * s + x2 * c
    return out


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("traditional", [False, True])
@pytest.mark.parametrize("shape, dims", [((2, 3, 5, 16), 16), ((1, 9, 32), 16), ((3, 2, 1, 7, 8), 8)])
def test_rope(dtype, traditional, shape, dims):
    t, tol = DTYPES[dtype]
    tol = max(tol, 1e-4)  # angles in float32
    x = data(shape, t)
    X, mX = mx.array(x), mlx.array(x)
    kw = dict(traditional=traditional, base=10000.0, scale=1.0)
    check(lambda: mx.fast.rope(X, dims, offset=5, **kw), np_rope(x, dims, traditional, 10000.0, 1.0, [5]),
          mlx.fast.rope(mX, dims, offset=5, **kw), tol)
    check(lambda: mx.fast.rope(X, dims, offset=mx.array(3), **kw), np_rope(x, dims, traditional, 10000.0, 1.0, [3]),
          mlx.fast.rope(mX, dims, offset=mlx.array(3), **kw), tol)
    per = np.arange(shape[0], dtype=np.int32) * 4 + 1
    check(lambda: mx.fast.rope(X, dims, offset=mx.array(per), **kw), np_rope(x, dims, traditional, 10000.0, 1.0, per),
          mlx.fast.rope(mX, dims, offset=mlx.array(per), **kw), tol)
    freqs = np.linspace(1.0, 30.0, dims // 2).astype(np.float32)
    check(lambda: mx.fast.rope(X, dims, traditional=traditional, base=None, scale=0.5, offset=2, freqs=mx.array(freqs)),
          np_rope(x, dims, traditional, None, 0.5, [2], freqs.astype(np.float64)),
          mlx.fast.rope(mX, dims, traditional=traditional, base=None, scale=0.5, offset=2, freqs=mlx.array(freqs)), tol)


def np_sdpa(q, k, v, scale, mask):
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    rep = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
    s = q @ np.swapaxes(k, -1, -2) * scale
    if isinstance(mask, str):
        lq, lk = q.shape[2], k.shape[2]
        mask = np.arange(lq)[:, None] + (lk - lq) >= np.arange(lk)[None, :]
    if mask is not None and mask.dtype == np.bool_:
        s = np.where(mask, s, -np.finfo(np.float32).max)
    elif mask is not None:
        s = s + mask.astype(np.float64)
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("ratio", [1, 2, 4])
@pytest.mark.parametrize("lq, lk", [(1, 1), (1, 40), (6, 6), (5, 200)])
@pytest.mark.parametrize("mask", [None, "causal", "bool", "additive"])
def test_attention(dtype, ratio, lq, lk, mask):
    t, tol = DTYPES[dtype]
    tol = tol * 2
    b, hkv, d = 2, 2, 32
    q, k, v = data((b, hkv * ratio, lq, d), t), data((b, hkv, lk, d), t), data((b, hkv, lk, d), t)
    m = None
    if mask == "causal":
        m = "causal"
    elif mask == "bool":
        m = rng.random((lq, lk)) < 0.8
        m[:, 0] = True
    elif mask == "additive":
        m = data((b, 1, lq, lk), t, -3.0, 1.0)
    scale = d ** -0.5
    to = lambda lib, a: a if a is None or isinstance(a, str) else lib.array(a)
    check(lambda: mx.fast.scaled_dot_product_attention(mx.array(q), mx.array(k), mx.array(v), scale=scale, mask=to(mx, m)),
          np_sdpa(q, k, v, scale, m),
          mlx.fast.scaled_dot_product_attention(mlx.array(q), mlx.array(k), mlx.array(v), scale=scale, mask=to(mlx, m)),
          tol)


def test_errors_name_the_op():
    x = mx.ones((2, 3, 4))
    with pytest.raises(ValueError, match=r"\[rms_norm\] weight and bias must be 1-D"):
        mx.fast.rms_norm(x, mx.ones(3), 1e-5)
    with pytest.raises(ValueError, match=r"\[rope\] Input must have at least 3 dimensions"):
        mx.fast.rope(mx.ones((4, 8)), 8, traditional=False, base=10000.0, scale=1.0, offset=0)
    with pytest.raises(ValueError, match=r"\[scaled_dot_product_attention\] invalid mask type 'sliding'"):
        mx.fast.scaled_dot_product_attention(x[None], x[None], x[None], scale=1.0, mask="sliding")
    with pytest.raises(ValueError, match=r"attention sinks are not supported"):
        mx.fast.scaled_dot_product_attention(x[None], x[None], x[None], scale=1.0, sinks=mx.ones(2))


def test_layers_use_the_fused_ops(tmp_path):
    path = str(tmp_path / "layers.ingot")
    norm, lnorm, rope = nn.RMSNorm(16), nn.LayerNorm(16), nn.RoPE(16)
    attn = nn.MultiHeadAttention(16, 4)
    mx.eval(attn.parameters())

    def fun(x):
        h = lnorm(norm(x))
        return [rope(h[None], offset=2), attn(h, h, h)]

    mx.export_function(path, fun, mx.array(data((1, 5, 16), np.float32)))
    mx.export_to_dot(str(tmp_path / "g.dot"), mx.import_function(path))
    text = (tmp_path / "g.dot").read_text()
    for name in ["RMSNorm", "LayerNorm", "RoPE", "ScaledDotProductAttention"]:
        assert f'label="{name}' in text, name


def test_imported_fused_nodes_fall_back_to_their_decomposition(tmp_path):
    path = str(tmp_path / "f.ingot")
    w = mx.array(data((16,), np.float32))

    def block(x, pos):
        h = mx.fast.rms_norm(x, w, 1e-5)
        q = mx.fast.rope(h, 16, traditional=False, base=10000.0, scale=1.0, offset=pos)
        return mx.fast.scaled_dot_product_attention(q, q, q, scale=0.25, mask="causal")

    x, pos = mx.array(data((1, 2, 6, 16), np.float32)), mx.array(3)
    mx.export_function(path, block, x, pos)
    f = mx.import_function(path)
    direct = np.array(block(x, pos))
    fused, decomposed = both(lambda: f(x, pos)[0])
    np.testing.assert_allclose(fused, direct, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(decomposed, direct, rtol=2e-5, atol=2e-5)


def test_rope_layer_shapeless_follows_the_length(tmp_path):
    # nn.RoPE traced at length 3 and called at length 5 (and a decode step at a growing position).
    path = str(tmp_path / "rope.ingot")
    rope = nn.RoPE(8)
    mx.export_function(path, lambda x, off: rope(x, offset=off), mx.ones((1, 2, 3, 8)), mx.array(0), shapeless=True)
    f = mx.import_function(path)
    for length, off in [(3, 0), (5, 0), (1, 17), (64, 4)]:
        x = mx.array(data((1, 2, length, 8), np.float32))
        got = f(x, mx.array(off))[0]
        assert got.shape == (1, 2, length, 8)
        np.testing.assert_allclose(np.array(got), np.array(rope(x, offset=off)), rtol=1e-6, atol=1e-6)
