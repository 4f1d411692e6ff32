"""grad, value_and_grad, vjp, jvp, vmap, custom_function and checkpoint against MLX: the same function
(one or more per primitive family) on the same inputs gives the same results; the tree handling
(argnums, argnames, aux values, in_axes/out_axes) and the errors follow MLX; imported functions are
differentiable; a training step exports and runs."""

import mlx.core as mlx_core
import mlx.nn as mlx_nn
import numpy as np
import pytest

import ingot as mx
import ingot.nn as nn
from ingot.utils import tree_flatten, tree_map

RNG = np.random.default_rng(0)
TOL = dict(rtol=2e-4, atol=2e-5)


def rand(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape).astype(np.float32)


def to(m, a):
    return m.array(a) if isinstance(a, np.ndarray) else a


def close(a, b, **tol):
    np.testing.assert_allclose(np.array(a, dtype=np.float64), np.array(b, dtype=np.float64), **(tol or TOL))


# (name, function of (module, *arrays), float inputs, integer inputs appended after them). Every
# function is written once and runs in both libraries.
IDX = np.array([2, 0, 1, 2], dtype=np.int32)
QW = rand(8, 64)
CASES = [
    ("unary", lambda m, x: m.exp(x) * m.tanh(x) + m.log1p(x * x) + m.sigmoid(x) + m.erf(x), [rand(3, 4)]),
    ("unary_more", lambda m, x: m.sqrt(m.abs(x) + 1) + m.rsqrt(x * x + 1) + m.sin(x) * m.cos(x) + m.arctan(x),
     [rand(3, 4)]),
    ("erfinv", lambda m, x: m.erfinv(x), [rand(5, low=-0.9, high=0.9)]),
    ("binary", lambda m, x, y: m.power(m.abs(x) + 0.5, y) + m.maximum(x, y) + m.arctan2(x, y)
     + m.logaddexp(x, y) + x / (m.abs(y) + 1), [rand(3, 4), rand(3, 4)]),
    ("broadcasting", lambda m, x, y: x * y - y, [rand(3, 1, 4), rand(5, 1)]),
    ("reductions", lambda m, x: m.sum(x, axis=1) + m.prod(x, axis=1) + m.max(x, axis=1) + m.logsumexp(x, axis=1)
     + m.mean(x, axis=1) + m.var(x, axis=1), [rand(4, 5)]),
    ("softmax", lambda m, x: m.softmax(x, axis=-1), [rand(3, 6)]),
    ("shape", lambda m, x: m.concatenate([m.reshape(x, (6, 2)), m.reshape(m.transpose(x, (1, 0)), (6, 2))[::-1]], axis=1)
     + m.broadcast_to(m.expand_dims(x[0, :2], 0), (6, 2)).sum(), [rand(3, 4)]),
    ("split_pad", lambda m, x: m.pad(m.split(x, 2, axis=1)[1], [(1, 2), (0, 1)]) * 2, [rand(3, 4)]),
    ("matmul", lambda m, x, y: m.matmul(x, y) + m.addmm(x[0, :, :2], x, y), [rand(2, 3, 4), rand(4, 2)]),
    ("matvec", lambda m, x, y: x @ y, [rand(3, 4), rand(4)]),
    ("take", lambda m, x, i: m.take(x, i, axis=1) + 0 * m.sum(x), [rand(3, 4)], [IDX]),
    ("take_along", lambda m, x: m.take_along_axis(x, m.stop_gradient(m.argsort(x, axis=1)), axis=1), [rand(3, 4)]),
    ("index", lambda m, x, i: x[i, 1:3], [rand(4, 4)], [IDX]),
    ("scatter_add", lambda m, x, y, i: x.at[i].add(y), [rand(4, 3), rand(4, 3)], [IDX]),
    ("sort", lambda m, x: m.sort(x, axis=1) * m.arange(4), [rand(3, 4)]),
    ("scans", lambda m, x: m.cumsum(x, axis=1) + m.cumprod(x, axis=1) + m.cummax(x, axis=1)
     + m.logcumsumexp(x, axis=1) + m.cumsum(x, axis=0, reverse=True), [rand(3, 4)]),
    ("where_clip", lambda m, x, y: m.where(x > 0, x * y, y) + m.clip(x, -0.5, 0.5), [rand(3, 4), rand(3, 4)]),
    ("conv1d", lambda m, x, w: m.conv1d(x, w, stride=2, padding=1, dilation=1), [rand(2, 9, 4), rand(6, 3, 4)]),
    ("conv2d_groups", lambda m, x, w: m.conv2d(x, w, stride=(1, 2), padding=(1, 0), groups=2),
     [rand(1, 5, 6, 4), rand(4, 3, 2, 2)]),
    ("conv_transpose", lambda m, x, w: m.conv_transpose1d(x, w, stride=2, padding=1), [rand(1, 5, 3), rand(2, 3, 3)]),
    ("rms_layer_norm", lambda m, x, w, b: m.fast.rms_norm(x, w, 1e-5) + m.fast.layer_norm(x, w, b, 1e-5),
     [rand(3, 8), rand(8), rand(8)]),
    ("rope", lambda m, x: m.fast.rope(x, 8, traditional=False, base=10000.0, scale=1.0, offset=3),
     [rand(1, 2, 5, 8)]),
    ("attention", lambda m, q, k, v: m.fast.scaled_dot_product_attention(q, k, v, scale=0.5, mask="causal"),
     [rand(1, 2, 4, 8), rand(1, 2, 4, 8), rand(1, 2, 4, 8)]),
    ("astype", lambda m, x: x.astype(m.float16).astype(m.float32) * 2, [rand(3, 4)]),
] + [
    # With respect to x, through both orientations of the packed matrix.
    (f"quantized_matmul_{mode}", lambda m, x, y, mode=mode: m.concatenate(
        [m.quantized_matmul(x, *m.quantize(to(m, QW), mode=mode), mode=mode),
         m.quantized_matmul(y, *m.quantize(to(m, QW), mode=mode), transpose=False, mode=mode)], axis=1),
     [rand(3, 64), rand(3, 8)]) for mode in ("affine", "mxfp4", "mxfp8", "nvfp4")
]


def call(case, m, floats):
    ints = case[3] if len(case) > 3 else []
    return case[1](m, *[to(m, f) for f in floats], *[to(m, i) for i in ints])


def weights_for(case):
    out = np.array(call(case, mx, case[2]), dtype=np.float32)
    return np.asarray(RNG.standard_normal(out.shape), dtype=np.float32)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_grad_vjp_jvp_match_mlx(case):
    name, fn, floats = case[0], case[1], case[2]
    w = weights_for(case)
    argnums = list(range(len(floats)))
    got, want = [], []
    for m, sink in ((mx, got), (mlx_core, want)):
        ints = [to(m, i) for i in (case[3] if len(case) > 3 else [])]
        loss = lambda *xs, m=m, ints=ints: m.sum(fn(m, *xs, *ints) * to(m, w))  # noqa: E731
        sink.append(m.grad(loss, argnums=argnums)(*[to(m, f) for f in floats]))
        # vjp with a cotangent, jvp with tangents: both with every float input at once
        f = lambda *xs, m=m, ints=ints: fn(m, *xs, *ints)  # noqa: E731
        sink.append(m.vjp(f, [to(m, a) for a in floats], [to(m, w)])[1])
        tangents = [np.full(a.shape, 0.5, np.float32) + 0.1 * np.arange(a.size, dtype=np.float32).reshape(a.shape)
                    for a in floats]
        try:
            sink.append(m.jvp(f, [to(m, a) for a in floats], [to(m, t) for t in tangents])[1])
        except (ValueError, RuntimeError):  # MLX has no jvp for scatter, conv and some scans
            assert m is mlx_core
            sink.append(None)
            # <J t, w> == <t, J^T w>: ingot's jvp against its vjp, checked against MLX's above
            jt = got[2][0]
            vw = got[1]
            lhs = float(np.sum(np.array(jt, np.float64) * w))
            rhs = sum(float(np.sum(np.array(v, np.float64) * t)) for v, t in zip(vw, tangents))
            np.testing.assert_allclose(lhs, rhs, rtol=1e-4, atol=1e-4)
    for g, h in zip(got, want):
        if h is None:
            continue
        for a, b in zip(g, h):
            close(a, b)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_vmap_matches_mlx(case):
    fn, floats, ints = case[1], case[2], (case[3] if len(case) > 3 else [])
    batched = [np.stack([f, f * 0.5 + 0.25, -f]) for f in floats]
    libs = (mx, mlx_core)
    if case[0].startswith("quantized_matmul"):  # MLX has no vmap of QuantizedMatmul: the entries one by one
        libs = (mx,)
        want = mx.stack([fn(mx, *[to(mx, b[k]) for b in batched], *[to(mx, i) for i in ints]) for k in range(3)])
    outs = [m.vmap(lambda *xs, m=m: fn(m, *xs, *[to(m, i) for i in ints]))(*[to(m, b) for b in batched]) for m in libs]
    close(outs[0], outs[1] if len(outs) > 1 else want)


def test_higher_order_match_mlx():
    x = rand(3, 4)
    f = lambda m: (lambda x: m.sum(m.sin(x) * x * x))  # noqa: E731
    gg = [m.grad(lambda x, m=m: m.sum(m.grad(f(m))(x)))(to(m, x)) for m in (mx, mlx_core)]
    close(*gg)
    # grad of vmap, vmap of grad
    gv = [m.grad(lambda x, m=m: m.sum(m.vmap(lambda r: m.sum(m.exp(r) * r))(x)))(to(m, x)) for m in (mx, mlx_core)]
    close(*gv)
    vg = [m.vmap(m.grad(lambda r, m=m: m.sum(m.tanh(r) ** 3)))(to(m, x)) for m in (mx, mlx_core)]
    close(*vg)
    # jvp of grad (a Hessian-vector product)
    t = np.ones_like(x)
    hv = [m.jvp(m.grad(f(m)), [to(m, x)], [to(m, t)])[1][0] for m in (mx, mlx_core)]
    close(*hv)


def test_value_and_grad_trees_argnums_argnames_and_aux_as_mlx():
    params = {"w": rand(3, 2), "b": [rand(2), rand(2)]}

    def loss(m, p, x, scale=None):
        y = x @ p["w"] + p["b"][0] * p["b"][1]
        return m.mean(y * y) * scale, {"y": y, "n": 3}

    x, s = rand(4, 3), np.array(2.0, np.float32)
    res = {}
    for m in (mx, mlx_core):
        tree = {"w": to(m, params["w"]), "b": [to(m, b) for b in params["b"]]}
        (v, aux), (gp, gk) = m.value_and_grad(lambda p, x, scale, m=m: loss(m, p, x, scale), argnums=[0, 1],
                                              argnames="scale")(tree, to(m, x), scale=to(m, s))
        res[m] = (v, aux, gp, gk)
    a, b = res[mx], res[mlx_core]
    close(a[0], b[0])
    assert a[1]["n"] == 3 and isinstance(a[1]["y"], mx.array)
    close(a[1]["y"], b[1]["y"])
    assert isinstance(a[2], tuple) and len(a[2]) == 2 and set(a[2][0]) == {"w", "b"} and isinstance(a[2][0]["b"], list)
    for (ka, va), (kb, vb) in zip(tree_flatten(a[2]), tree_flatten(b[2])):
        assert ka == kb
        close(va, vb)
    assert set(a[3]) == {"scale"}
    close(a[3]["scale"], b[3]["scale"])
    # argnums as an int gives the tree itself, a one-element list as MLX does
    g1 = mx.grad(lambda p: mx.sum(p["w"]))({"w": mx.array(params["w"])})
    assert set(g1) == {"w"}
    g2 = mx.grad(lambda x, y: mx.sum(x * y), argnums=[1])(mx.array(1.0), mx.array(2.0))
    assert isinstance(g2, mx.array) and g2.item() == 1.0


def test_errors_name_the_transform():
    x = mx.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\[grad\] the function must return a scalar array, got list"):
        mx.grad(lambda x: [x])(x)
    with pytest.raises(ValueError, match=r"\[grad\] the function's first output must be a scalar \(the loss\), got "
                                         r"shape \(2,\)"):
        mx.grad(lambda x: x * 2)(x)
    with pytest.raises(ValueError, match=r"\[grad\] cannot compute the gradient of argument index 1: the function "
                                         r"was called with 1 positional arguments"):
        mx.grad(lambda x, y: mx.sum(x), argnums=1)(x)
    with pytest.raises(ValueError, match=r"\[value_and_grad\] duplicate argument index"):
        mx.value_and_grad(lambda x: mx.sum(x), argnums=[0, 0])
    with pytest.raises(ValueError, match=r"\[grad\] argnums must be non-negative, got -1"):
        mx.grad(lambda x: mx.sum(x), argnums=-1)
    with pytest.raises(ValueError, match=r"\[grad\] cannot compute the gradient of keyword argument 'z'"):
        mx.grad(lambda x, z=None: mx.sum(x), argnames="z")(x)
    with pytest.raises(ValueError, match=r"\[grad\] the arguments must be arrays or trees .* found str"):
        mx.grad(lambda x: mx.sum(x["a"]))({"a": x, "b": "text"})
    with pytest.raises(ValueError, match=r"\[vjp\] the function has 1 outputs but 2 cotangents were given"):
        mx.vjp(lambda x: x, [x], [x, x])
    with pytest.raises(ValueError, match=r"\[jvp\] tangent 0 has shape \(3,\) but primal 0 has shape \(2,\)"):
        mx.jvp(lambda x: x, [x], [mx.ones(3)])
    with pytest.raises(ValueError, match=r"\[vmap\] inputs have different sizes along their mapped axes: 2 and 3"):
        mx.vmap(lambda a, b: a + b)(mx.ones((2, 1)), mx.ones((3, 1)))
    with pytest.raises(ValueError, match=r"\[vmap\] invalid vectorization axis 2 for an array with shape \(2,\)"):
        mx.vmap(lambda a: a, in_axes=2)(x)
    with pytest.raises(ValueError, match=r"\[vjp\] primitive Quantize has no vjp"):
        mx.grad(lambda w: mx.sum(mx.quantize(w, 64, 4)[1]))(mx.ones((2, 64)))
    # the packed weights' scales have no vjp through quantized_matmul: refused, never a wrong gradient
    w = mx.ones((4, 64))
    q, s_, b = mx.quantize(w, 64, 4)
    with pytest.raises(ValueError, match=r"primitive QuantizedMatmul has a vjp with respect to its input x only, "
                                         r"not its scales"):
        mx.grad(lambda s_: mx.sum(mx.quantized_matmul(mx.ones((2, 64)), q, s_, b)))(s_)


def test_scatter_reductions_grad_as_mlx():
    """max/min updates (repeated indices) as MLX differentiates them. (At ties ingot shares the
    cotangent evenly, as finite differences do; MLX gives each tied value all of it.)"""
    src, upd = np.array([1.0, 2.0, 3.0, 4.0], np.float32), np.array([5.0, 2.5, 0.5], np.float32)
    idx = np.array([1, 1, 2], np.int32)
    for name in ("maximum", "minimum"):  # multiply: MLX has no vjp; tests/cpp/test_grad.cpp checks ours
        got, want = [m.vjp(lambda a, u, m=m: getattr(a.at[to(m, idx)], name)(u), [to(m, src), to(m, upd)],
                           [to(m, np.array([1.0, 2.0, 3.0, 4.0], np.float32))])[1] for m in (mx, mlx_core)]
        for a, b in zip(got, want):
            close(a, b)


def test_vmap_axes_trees_and_unmapped_as_mlx():
    a, b = rand(4, 3), rand(3, 5)
    got = mx.vmap(lambda d: d["a"] @ d["b"], in_axes={"a": 0, "b": None})({"a": mx.array(a), "b": mx.array(b)})
    want = mlx_core.vmap(lambda d: d["a"] @ d["b"], in_axes={"a": 0, "b": None})(
        {"a": mlx_core.array(a), "b": mlx_core.array(b)})
    close(got, want)
    got = mx.vmap(lambda x: (x * 2, x.sum()), in_axes=1, out_axes=(1, 0))(mx.array(a))
    want = mlx_core.vmap(lambda x: (x * 2, x.sum()), in_axes=1, out_axes=(1, 0))(mlx_core.array(a))
    close(got[0], want[0])
    close(got[1], want[1])
    got = mx.vmap(lambda x: x, in_axes=-1, out_axes=-1)(mx.array(a))
    close(got, a)


def test_custom_function_vjp_jvp_vmap_as_mlx():
    x, y = rand(3), rand(3)
    results = {}
    for m in (mx, mlx_core):
        @m.custom_function
        def f(x, y):
            return m.sin(x) * y

        @f.vjp
        def f_vjp(primals, cotangent, output):
            x, y = primals
            return cotangent * 10 * y, cotangent * 20 * x

        @f.jvp
        def f_jvp(primals, tangents):
            x, y = primals
            dx, dy = tangents
            return dx * 3 + dy * 4

        @f.vmap
        def f_vmap(inputs, axes):
            x, y = inputs
            return m.sin(x) * y + 100, axes[0]

        g = m.grad(lambda x, y: m.sum(f(x, y)), argnums=[0, 1])(to(m, x), to(m, y))
        t = m.jvp(f, [to(m, x), to(m, y)], [m.ones(3), m.ones(3)])[1]
        v = m.vmap(f)(to(m, np.stack([x, x])), to(m, np.stack([y, y])))
        results[m] = (g, t, v, f(to(m, x), to(m, y)))
    a, b = results[mx], results[mlx_core]
    for p, q in zip(a[0], b[0]):
        close(p, q)
    close(a[1][0], b[1][0])
    close(a[2], b[2])
    close(a[3], b[3])


def test_checkpoint_and_stop_gradient():
    x = rand(5)
    f = lambda m: (lambda x: m.sum(m.exp(m.sin(x)) * m.stop_gradient(x)))  # noqa: E731
    plain = mx.grad(f(mx))(mx.array(x))
    ckpt = mx.grad(mx.checkpoint(f(mx)))(mx.array(x))
    close(plain, ckpt, rtol=0, atol=0)
    close(plain, mlx_core.grad(f(mlx_core))(mlx_core.array(x)))


def test_eval_and_item_inside_grad_keep_the_graph():
    def f(x):
        y = mx.exp(x)
        mx.eval(y)
        s = y.sum().item()  # a Python number from the middle of the graph
        return mx.sum(y * y) * (1.0 if s > 0 else 2.0)
    x = rand(4)
    close(mx.grad(f)(mx.array(x)), 2 * np.exp(2 * x))


def test_nn_value_and_grad_and_optimizer_step_match_mlx():
    import mlx.optimizers as mlx_opt

    import ingot.optimizers as optim
    models = {}
    for m, nnm in ((mx, nn), (mlx_core, mlx_nn)):
        models[m] = nnm.Sequential(nnm.Linear(4, 8), nnm.GELU(), nnm.Linear(8, 3))
    models[mx].update(tree_map(lambda a: mx.array(np.array(a)), models[mlx_core].parameters()))
    X, y = rand(16, 4), RNG.integers(0, 3, 16).astype(np.int32)
    losses = {}
    for m, nnm, om in ((mx, nn, optim), (mlx_core, mlx_nn, mlx_opt)):
        model = models[m]
        opt = om.AdamW(learning_rate=0.01)
        lg = nnm.value_and_grad(model, lambda X, y, model=model, nnm=nnm: nnm.losses.cross_entropy(model(X), y,
                                                                                                   reduction="mean"))
        out = []
        for _ in range(5):
            loss, g = lg(to(m, X), to(m, y))
            opt.update(model, g)
            m.eval(model.parameters(), opt.state)
            out.append(loss.item())
        losses[m] = out
    np.testing.assert_allclose(losses[mx], losses[mlx_core], rtol=1e-4)
    assert losses[mx][-1] < losses[mx][0]


def test_imported_functions_are_differentiable(tmp_path):
    def f(x, w):
        h = mx.fast.rms_norm(x, w, 1e-5)
        return mx.sum(mx.tanh(h) * mx.stop_gradient(h)) + mx.sum(mx.fast.layer_norm(x, w, None, 1e-5) ** 2)

    x, w = mx.array(rand(4, 8)), mx.array(rand(8))
    path = str(tmp_path / "f.ingot")
    mx.export_function(path, f, x, w)
    g = mx.import_function(path)
    want = mx.grad(f, argnums=[0, 1])(x, w)
    got = mx.grad(lambda x, w: g(x, w)[0], argnums=[0, 1])(x, w)
    for a, b in zip(got, want):
        close(a, b, rtol=0, atol=0)
    # stop_gradient survives export: its gradient differs from the same function without it
    nostop = mx.grad(lambda x, w: mx.sum(mx.tanh(mx.fast.rms_norm(x, w, 1e-5)) * mx.fast.rms_norm(x, w, 1e-5))
                     + mx.sum(mx.fast.layer_norm(x, w, None, 1e-5) ** 2))(x, w)
    assert not np.allclose(np.array(nostop), np.array(got[0]))


def test_exported_training_step_runs_like_python(tmp_path):
    def step(w, X, y):
        loss, gw = mx.value_and_grad(lambda w: mx.mean((X @ w - y) ** 2))(w)
        return loss, w - 0.1 * gw
    w, X, y = mx.array(rand(3)), mx.array(rand(8, 3)), mx.array(rand(8))
    path = str(tmp_path / "step.ingot")
    mx.export_function(path, step, w, X, y)
    imported = mx.import_function(path)
    a, b = w, w
    for _ in range(5):
        la, a = step(a, X, y)
        lb, b = imported(b, X, y)
        close(la, lb, rtol=1e-6, atol=1e-7)
    close(a, b, rtol=1e-6, atol=1e-7)


def test_custom_vjp_is_refused_by_export_and_checkpoint_is_kept(tmp_path):
    @mx.custom_function
    def f(x):
        return mx.sin(x)

    @f.vjp
    def f_vjp(primals, cot, out):
        return cot

    with pytest.raises(ValueError, match=r"a custom_function with its own transforms cannot be exported"):
        mx.export_function(str(tmp_path / "c.ingot"), f, mx.ones(3))
    g = mx.checkpoint(lambda x: mx.sin(x) * 2)
    path = str(tmp_path / "k.ingot")
    mx.export_function(path, g, mx.ones(3))
    close(mx.import_function(path)(mx.array([0.5, 1.0, 2.0]))[0], 2 * np.sin([0.5, 1.0, 2.0]))


def test_compile_traces_once_per_signature_and_replays():
    calls = []

    def f(x, y, scale=2.0):
        calls.append(1)
        return mx.exp(x) * y + scale, mx.sum(x)

    cf = mx.compile(f)
    x, y = mx.array(rand(3)), mx.array(rand(3))
    for _ in range(3):
        got = cf(x, y)
    assert len(calls) == 1  # traced once, replayed twice
    want = f(x, y)
    close(got[0], want[0], rtol=0, atol=0)
    close(got[1], want[1], rtol=0, atol=0)
    calls.clear()
    cf(mx.array(rand(3)), y)                 # same signature: no trace
    cf(mx.array(rand(4)), mx.array(rand(4)))  # new shape: one trace
    cf(x, y, scale=3.0)                      # a changed Python constant: one trace
    assert len(calls) == 2
    close(cf(x, y, scale=3.0)[0], f(x, y, 3.0)[0], rtol=0, atol=0)
    # shapeless: one trace for every shape of the same rank
    calls.clear()
    sf = mx.compile(f, shapeless=True)
    for n in (2, 5, 7):
        a, b = mx.array(rand(n)), mx.array(rand(n))
        close(sf(a, b)[0], f(a, b)[0], rtol=0, atol=0)
    assert len(calls) == 4  # 1 trace + 3 direct calls of f
    # disabled: fun runs every call
    calls.clear()
    mx.disable_compile()
    try:
        cf(x, y)
        cf(x, y)
    finally:
        mx.enable_compile()
    assert len(calls) == 2


def test_compiled_calls_replay_one_fused_node_and_key_on_dtype_and_shape(tmp_path):
    calls = []

    def f(x):
        calls.append(1)
        h = x * 0.5
        return h * (1.0 + mx.erf(h * 0.70710678)) + mx.tanh(x)

    cf = mx.compile(f)
    x = mx.array(rand(4, 33))
    got = cf(x)
    # Inputs with data: one node replays the recorded tape, its elementwise run fused into one loop.
    dot = tmp_path / "g.dot"
    mx.export_to_dot(str(dot), got)
    assert "CompiledCall(7 nodes; fused: 7)" in dot.read_text()
    close(got, f(x), rtol=0, atol=0)
    # A lazy input: the tape's nodes join the caller's graph, and the values are the same.
    close(cf(x * 2.0), f(x * 2.0), rtol=0, atol=0)
    calls.clear()
    cf(mx.array(rand(4, 33)))                      # same dtype and shape: replayed
    assert calls == []
    cf(x.astype(mx.float16))                       # another dtype: traced again
    cf(mx.array(rand(33, 4)))                      # another shape: traced again
    assert len(calls) == 2
    close(cf(x.astype(mx.float16)), f(x.astype(mx.float16)), rtol=0, atol=0)


def test_a_compiled_function_keeps_no_array_of_the_call_that_traced_it():
    cf = mx.compile(lambda x, opts: x * opts["scale"] + 1.0)
    big = mx.zeros((1 << 22,))  # 16 MiB
    mx.eval(big)
    before = mx.get_active_memory()
    out = cf(big, {"scale": mx.array(2.0)})
    mx.eval(out)
    del big, out
    assert mx.get_active_memory() < before - (1 << 23), "the traced call's input is still held"
    x = mx.array(rand(5))
    close(cf(x, {"scale": mx.array(3.0)}), x * 3.0 + 1.0, rtol=0, atol=0)


def test_compile_shapeless_refuses_what_bakes_a_size():
    f = mx.compile(lambda x: mx.reshape(x, (2, 3)) + 1, shapeless=True)
    with pytest.raises(ValueError, match=r"\[compile\] Reshape bakes the shape \(2,3\).* cannot be compiled shapeless"):
        f(mx.ones(6))
    with pytest.raises(ValueError, match=r"\[compile\] fun must be callable, got int"):
        mx.compile(3)


def test_compiled_training_step_with_captured_state_matches_eager():
    import ingot.optimizers as optim

    X, y = mx.array(rand(32, 4)), mx.array(RNG.integers(0, 3, 32).astype(np.int32))
    runs = {}
    for compiled in (False, True):
        mx.random.seed(3)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        opt = optim.SGD(learning_rate=0.1, momentum=0.9)
        opt.init(model.trainable_parameters())
        state = [model.state, opt.state]
        traces = []

        def step(X, y, model=model, opt=opt, traces=traces):
            traces.append(1)
            loss, g = nn.value_and_grad(model, lambda X, y: nn.losses.cross_entropy(model(X), y, reduction="mean"))(X, y)
            opt.update(model, g)
            return loss

        fn = mx.compile(step, inputs=state, outputs=state) if compiled else step
        losses = []
        for _ in range(8):
            losses.append(fn(X, y).item())
            mx.eval(state)
        runs[compiled] = (losses, len(traces))
    np.testing.assert_allclose(runs[True][0], runs[False][0], rtol=1e-5)
    assert runs[True][1] == 1 and runs[False][1] == 8
    assert runs[True][0][-1] < runs[True][0][0]
