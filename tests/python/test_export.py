"""export_function, exporter, import_function and export_to_dot from Python.

Values are checked against numpy (and MLX for conv and quantized matmul); the round trip itself must give
the same bits as calling the function directly.
"""

import gc
import io
import json
import os
import pathlib
import threading
import weakref

import numpy as np
import pytest

import ingot as mx

FORMS = r"one list or tuple of arrays and/or one dict of arrays"
RETURNS = r"must return an array or a list or tuple of arrays"

rng = np.random.default_rng(7)


def arr(*shape, dtype=np.float32):
    return mx.array(rng.standard_normal(shape).astype(dtype))


def np_(a):
    return np.asarray(a)


def same(a, b):
    """Same dtype, shape and bits."""
    a, b = np_(a), np_(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "f.ingot")


# --------------------------------------------------------------------------------------------------
# Round trips and input forms


def test_round_trip_matches_numpy(path):
    w = arr(4, 3)
    b = arr(3)
    mx.eval(w, b)

    def f(x):
        h = x @ w + b
        return h * (h > 0)

    x = arr(2, 4)
    mx.export_function(path, f, x)
    g = mx.import_function(path)
    out = g(x)
    assert isinstance(out, tuple) and len(out) == 1
    ref = np.maximum(np_(x) @ np_(w) + np_(b), 0)
    np.testing.assert_allclose(np_(out[0]), ref, rtol=1e-5, atol=1e-6)
    same(out[0], f(x))
    # Other inputs of the same signature.
    x2 = arr(2, 4)
    np.testing.assert_allclose(np_(g(x2)[0]), np.maximum(np_(x2) @ np_(w) + np_(b), 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64, np.uint8, np.bool_])
def test_round_trip_dtypes(path, dtype):
    x = mx.array((rng.standard_normal((3, 2)) * 10).astype(dtype))

    def f(x):
        return [x, x * x]

    mx.export_function(path, f, x)
    out = mx.import_function(path)(x)
    same(out[0], np_(x))
    same(out[1], f(x)[1])
    assert np_(out[1]).dtype == np_(f(x)[1]).dtype


def test_round_trip_bfloat16(path):
    x = mx.array(np.array([1.5, -2.0, 3.25], np.float32)).astype(mx.bfloat16)
    mx.export_function(path, lambda x: x + x, x)
    out = mx.import_function(path)(x)[0]
    assert out.dtype == mx.bfloat16
    np.testing.assert_array_equal(np_(out.astype(mx.float32)), [3.0, -4.0, 6.5])


def test_scalar_empty_and_non_contiguous_inputs(path):
    s = mx.array(2.5)
    e = mx.array(np.zeros((0, 3), np.float32))
    base = arr(4, 6)
    t = base.T  # a transposed view
    v = base[::2, 1:4]  # a strided slice
    mx.export_function(path, lambda s, e, t, v: [t * s, e + 1, v - s], s, e, t, v)
    g = mx.import_function(path)
    out = g(s, e, t, v)
    np.testing.assert_allclose(np_(out[0]), np_(base).T * 2.5, rtol=1e-6)
    assert np_(out[1]).shape == (0, 3)
    np.testing.assert_allclose(np_(out[2]), np_(base)[::2, 1:4] - 2.5, rtol=1e-6)
    # numpy views as inputs at call time.
    nb = rng.standard_normal((4, 6)).astype(np.float32)
    out = g(np.float32(2.5), np.zeros((0, 3), np.float32), nb.T, np_(base)[1::2, 2:5])
    np.testing.assert_allclose(np_(out[0]), nb.T * 2.5, rtol=1e-6)
    np.testing.assert_allclose(np_(out[2]), np_(base)[1::2, 2:5] - 2.5, rtol=1e-6)


def test_input_forms_export(path):
    x, y, z = arr(2), arr(2), arr(2)
    seen = []

    def f(*args, **kwargs):
        seen.append((len(args), list(kwargs)))
        return list(args) + list(kwargs.values())

    for args, kwargs, want, ref in [
        ((x, y), {"c": z}, (2, ["c"]), [x, y, z]),
        (((x, y),), {}, (2, []), [x, y]),  # one tuple
        (([x, y],), {}, (2, []), [x, y]),  # one list
        (({"a": x, "b": y},), {}, (0, ["a", "b"]), [x, y]),  # one dict
        (((x,), {"b": y}), {}, (1, ["b"]), [x, y]),  # a tuple and a dict
        (([x], {"b": y}), {}, (1, ["b"]), [x, y]),  # a list and a dict
        ((), {"a": x, "b": y}, (0, ["a", "b"]), [x, y]),
        ((), {}, (0, []), []),
    ]:
        seen.clear()
        mx.export_function(path, f, *args, **kwargs)
        assert seen == [want]
        out = mx.import_function(path)(*args, **kwargs)
        assert len(out) == len(ref)
        for o, r in zip(out, ref):
            same(o, np_(r))


def test_input_forms_call(path):
    x, y = arr(3), arr(3)
    mx.export_function(path, lambda x, b: [x - b], x, b=y)
    g = mx.import_function(path)
    want = np_(x) - np_(y)
    for out in [
        g(x, b=y),
        g((x,), {"b": y}),
        g([x], {"b": y}),
        g(np_(x), b=np_(y)),  # numpy inputs
        g([np_(x)], {"b": np_(y).astype(np.float64)}),  # float64 data becomes float32, as in MLX
    ]:
        np.testing.assert_allclose(np_(out[0]), want, rtol=1e-6)
    # A list is always a form, never one array-like input: with keywords it is refused; alone it is the
    # positional inputs (three Python floats here, which are not arrays).
    with pytest.raises(ValueError, match=FORMS + r".*got a list as positional input 0 among other inputs"):
        g(x.tolist(), b=y)
    with pytest.raises(ValueError, match=r"\[import_function\] input 0 is a Python float: inputs must be arrays"):
        g(x.tolist())


@pytest.mark.parametrize(
    "args,kwargs,got",
    [
        (("X", ("X", "X")), {}, "a tuple as positional input 1 among other inputs"),
        ((("X", "X"), {"a": "X"}), {"b": "X"}, "a tuple as positional input 0 among other inputs"),
        (({"a": "X"}, ("X",)), {}, "a dict followed by a tuple"),
        ((("X",), ("X",)), {}, "a tuple followed by a tuple"),
        (({"a": "X"}, {"b": "X"}), {}, "a dict followed by a dict"),
        ((("X", ["X"]),), {}, "a list as input 1"),
        (({1: "X"},), {}, "a dict key of type int"),
        (("X",), {"b": ["X"]}, "a list as keyword input 'b'"),
        (("X", "X", "X", ("X",)), {}, "a tuple as positional input 3"),
    ],
)
def test_input_form_errors(path, args, kwargs, got):
    x = arr(2)

    def sub(v):
        if isinstance(v, str):
            return x
        if isinstance(v, (list, tuple)):
            return type(v)(sub(e) for e in v)
        if isinstance(v, dict):
            return {k: sub(e) for k, e in v.items()}
        return v

    args, kwargs = sub(args), sub(kwargs)
    f = lambda *a, **k: [x]  # noqa: E731
    with pytest.raises(ValueError, match=r"\[export_function\] inputs can be positional .*" + FORMS + ".*got " + got):
        mx.export_function(path, f, *args, **kwargs)
    assert not os.path.exists(path)
    with mx.exporter(path, f) as ex:
        with pytest.raises(ValueError, match=r"\[exporter\] .*" + FORMS + ".*got " + got):
            ex(*args, **kwargs)
        ex(x)
    g = mx.import_function(path)
    with pytest.raises(ValueError, match=r"\[import_function\] .*" + FORMS + ".*got " + got):
        g(*args, **kwargs)


def test_non_array_inputs(path):
    with pytest.raises(ValueError, match=r"\[export_function\] input 0 is not an array"):
        mx.export_function(path, lambda x: x, "text")
    with pytest.raises(ValueError, match=r"\[export_function\] input 'y' is not an array"):
        mx.export_function(path, lambda y: y, y=None)
    with pytest.raises(ValueError, match=r"\[export_function\] input 1 is not an array"):
        mx.export_function(path, lambda *a: a[0], [arr(1), object()])
    # numpy arrays and scalars carry a dtype and are taken as arrays (MLX requires mx.array: see
    # docs/python.md, "Differences from MLX"); Python scalars have none and are refused, as in MLX.
    mx.export_function(path, lambda x, y: x * y, np.float32(3.0), np.arange(3, dtype=np.int32))
    g = mx.import_function(path)
    assert g.signatures[0]["args"] == [((), mx.float32), ((3,), mx.int32)]
    np.testing.assert_allclose(np_(g(np.float32(2.0), np.array([1, 2, 3], np.int32))[0]), [2.0, 4.0, 6.0])
    for scalar, kind in [(2.0, "float"), (2, "int"), (True, "bool"), (2j, "complex")]:
        with pytest.raises(ValueError, match=rf"\[import_function\] input 0 is a Python {kind}: inputs must be arrays"):
            g(scalar, np.array([1, 2, 3], np.int32))
        with pytest.raises(ValueError, match=rf"\[export_function\] input 1 is a Python {kind}: inputs must be arrays"):
            mx.export_function(path, lambda x, y: x * y, mx.array(1.0), scalar)
        with pytest.raises(ValueError, match=rf"\[import_function\] input 'y' is a Python {kind}"):
            g(np.float32(2.0), y=scalar)


def test_python_scalar_where_a_trace_has_an_array_input(path):
    # A function of two arrays, called with an array and a Python float (a float32 scalar trace exists).
    mx.export_function(path, lambda x, y: x + y, mx.array(1.0), mx.array(2.0))
    f = mx.import_function(path)
    assert f(mx.array(1.0), mx.array(1.0))[0].item() == 2.0
    with pytest.raises(ValueError, match=r"input 1 is a Python float: inputs must be arrays"):
        f(mx.array(1.0), 1.0)
    with pytest.raises(ValueError, match=r"input 0 is a Python int: inputs must be arrays"):
        with mx.exporter(path, lambda x: x) as ex:
            ex(1)


def test_keyword_order(path):
    a, b = arr(2), arr(3)
    order = []

    def f(**kw):
        order.append(list(kw))
        return list(kw.values())  # outputs follow the caller's keyword order at export

    mx.export_function(path, f, b=b, a=a)
    assert order == [["b", "a"]]
    g = mx.import_function(path)
    # Keywords bind by name: any order of the call gives the same outputs.
    for out in (g(a=a, b=b), g(b=b, a=a), g({"a": a, "b": b}), g({"b": b, "a": a})):
        same(out[0], np_(b))
        same(out[1], np_(a))
    sig = g.signatures[0]
    assert sig["args"] == [] and list(sig["kwargs"]) == ["a", "b"]
    assert sig["kwargs"]["b"] == ((3,), mx.float32)


def test_kwargs_rules(path):
    x, y = arr(2), arr(2)
    mx.export_function(path, lambda x, y: x + y, x, y=y)
    g = mx.import_function(path)
    same(g(x, y=y)[0], np_(x) + np_(y))
    sig = r"\(float32\[2\], y: float32\[2\]\) -> \(float32\[2\]\)"
    # Positional and keyword inputs are distinct: y given positionally matches no trace.
    with pytest.raises(ValueError, match=r"no trace in .* accepts the call \(float32\[2\], float32\[2\]\)\..*\n  " + sig):
        g(x, y)
    with pytest.raises(ValueError, match=r"accepts the call \(float32\[2\], z: float32\[2\]\)"):
        g(x, z=y)
    with pytest.raises(ValueError, match=r"accepts the call \(float32\[2\], y: int32\[2\]\)"):
        g(x, y=np.array([1, 2], np.int32))
    with pytest.raises(ValueError, match=r"accepts the call \(float32\[3\], y: float32\[2\]\)"):
        g(arr(3), y=y)
    with pytest.raises(ValueError, match=r"accepts the call \(float32\[2\]\)"):
        g(x)


def test_output_rules(path):
    x = arr(2)
    mx.export_function(path, lambda x: (x, x + 1), x)  # a tuple of arrays
    same(mx.import_function(path)(x)[1], np_(x) + 1)
    mx.export_function(path, lambda x: [], x)
    assert mx.import_function(path)(x) == ()
    for bad, got in [
        (lambda x: 1.0, "float"),
        (lambda x: {"y": x}, "dict"),
        (lambda x: [x, [x]], "a list holding a non-array"),
        (lambda x: (x, 2), "a tuple holding a non-array"),
        (lambda x: np.ones(2), "ndarray"),
        (lambda x: None, "NoneType"),
    ]:
        with pytest.raises(ValueError, match=r"\[export_function\] the function " + RETURNS + ", got " + got):
            mx.export_function(path, bad, x)
        with pytest.raises(ValueError, match=r"\[exporter\] the function " + RETURNS + ", got " + got):
            with mx.exporter(path, bad) as ex:
                ex(x)


def test_function_errors(path):
    with pytest.raises(ValueError, match=r"\[export_function\] fun must be callable, got int"):
        mx.export_function(path, 3, arr(2))
    with pytest.raises(ValueError, match=r"\[exporter\] fun must be callable, got str"):
        mx.exporter(path, "f")
    with pytest.raises(ValueError, match=r"\[export_function\] the file must be a str or a path-like object"):
        mx.export_function(3, lambda x: x, arr(2))

    # Exceptions raised by the function propagate unchanged, and nothing is written.
    def boom(x):
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        mx.export_function(path, boom, arr(2))
    assert not os.path.exists(path)
    # Evaluating a traced input is an error of ingot's (placeholders have no data).
    with pytest.raises((ValueError, RuntimeError)):
        mx.export_function(path, lambda x: mx.array(np_(x)), arr(2))


def test_path_like(tmp_path):
    p = tmp_path / "p.ingot"
    mx.export_function(p, lambda x: x * 3, arr(2))
    g = mx.import_function(pathlib.Path(p))
    assert g.path == str(p)
    with mx.exporter(p, lambda x: x) as ex:
        ex(arr(1))
    assert len(mx.import_function(p).signatures) == 1


def test_import_errors(tmp_path):
    with pytest.raises(RuntimeError, match=r"\[import_function\] .*missing\.ingot"):
        mx.import_function(str(tmp_path / "missing.ingot"))
    bad = tmp_path / "bad.ingot"
    bad.write_bytes(b"not an ingot file at all" * 10)
    with pytest.raises(RuntimeError, match=r"\[import_function\] .*bad\.ingot"):
        mx.import_function(str(bad))


def test_no_input_function(path):
    c = arr(3)
    mx.eval(c)
    mx.export_function(path, lambda: [c * 2, c + 1])
    g = mx.import_function(path)
    out = g()
    np.testing.assert_allclose(np_(out[0]), np_(c) * 2, rtol=1e-6)
    np.testing.assert_allclose(np_(out[1]), np_(c) + 1, rtol=1e-6)
    assert g.signatures == [
        {"args": [], "kwargs": {}, "outputs": [((3,), mx.float32), ((3,), mx.float32)], "shapeless": False}
    ]
    with pytest.raises(ValueError, match=r"accepts the call \(float32\[3\]\)"):
        g(c)


def test_shapeless(path):
    w = arr(4, 2)
    mx.eval(w)
    mx.export_function(path, lambda x: x @ w, arr(3, 4), shapeless=True)
    g = mx.import_function(path)
    assert g.signatures[0]["shapeless"] is True
    for n in (1, 5):
        x = arr(n, 4)
        np.testing.assert_allclose(np_(g(x)[0]), np_(x) @ np_(w), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="no trace"):
        g(arr(4))  # another rank


# --------------------------------------------------------------------------------------------------
# exporter: several traces


def test_exporter_traces(path):
    w = arr(4, 3)
    mx.eval(w)

    def f(*xs):
        out = xs[0] @ w
        for x in xs[1:]:
            out = out + x
        return out

    with mx.exporter(path, f, metadata={"traces": 3}) as ex:
        assert repr(ex).startswith("<ingot.FunctionExporter") and not ex.closed
        ex(arr(1, 4))
        ex(arr(2, 4))
        ex(arr(2, 4), arr(2, 3))
        with pytest.raises(ValueError, match=r"\[exporter\] a trace with the signature .* was already exported"):
            ex(arr(2, 4))
    assert ex.closed
    g = mx.import_function(path)
    assert [len(s["args"]) for s in g.signatures] == [1, 1, 2]
    assert [s["args"][0][0] for s in g.signatures] == [(1, 4), (2, 4), (2, 4)]
    assert g.metadata == {"traces": 3}
    for args in [(arr(1, 4),), (arr(2, 4),), (arr(2, 4), arr(2, 3))]:
        ref = np_(args[0]) @ np_(w) + (np_(args[1]) if len(args) > 1 else 0)
        np.testing.assert_allclose(np_(g(*args)[0]), ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match=r"\[exporter\] cannot add a trace to .*: the exporter is closed"):
        ex(arr(1, 4))
    ex.close()  # closing twice is harmless


def test_exporter_close_and_kwargs(path):
    ex = mx.exporter(path, lambda x, y: x * y)
    ex(arr(2), y=arr(2))
    ex({"x": arr(3), "y": arr(3)})
    assert not os.path.exists(path)  # written on close
    ex.close()
    g = mx.import_function(path)
    assert [sorted(s["kwargs"]) for s in g.signatures] == [["y"], ["x", "y"]]
    x, y = arr(3), arr(3)
    np.testing.assert_allclose(np_(g(x=x, y=y)[0]), np_(x) * np_(y), rtol=1e-6)
    with pytest.raises(RuntimeError, match="closed"):
        ex(arr(2), y=arr(2))


def test_exporter_reentrant_call(path):
    def f(x):
        ex(x)
        return x

    ex = mx.exporter(path, f)
    with pytest.raises(RuntimeError, match=r"\[exporter\] cannot add a trace to .* while the exporter is tracing a call"):
        ex(arr(2))


def test_exporter_error_in_with_block_still_writes(path):
    with pytest.raises(KeyError):
        with mx.exporter(path, lambda x: x + 1) as ex:
            ex(arr(2))
            raise KeyError("stop")
    assert len(mx.import_function(path).signatures) == 1


def test_shared_constant_stored_once(path, tmp_path):
    w = arr(512, 512)  # 1 MiB of weights
    mx.eval(w)
    with mx.exporter(path, lambda x: x @ w) as ex:
        ex(arr(1, 512))
        ex(arr(8, 512))
    size = os.path.getsize(path)
    assert w.nbytes <= size < 2 * w.nbytes
    # Two separate files would each hold the weight.
    single = str(tmp_path / "single.ingot")
    mx.export_function(single, lambda x: x @ w, arr(1, 512))
    assert os.path.getsize(single) >= w.nbytes
    g = mx.import_function(path)
    x = arr(8, 512)
    np.testing.assert_allclose(np_(g(x)[0]), np_(x) @ np_(w), rtol=1e-4, atol=1e-4)


def test_exporter_threads(path):
    # Calls from several threads are serialized or refused, never corrupt.
    def f(x):
        return x * 2

    errors = []
    with mx.exporter(path, f) as ex:

        def work(n):
            try:
                ex(arr(n + 1))
            except RuntimeError as e:
                errors.append(str(e))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert all("while the exporter is tracing a call" in e for e in errors)
    g = mx.import_function(path)
    assert len(g.signatures) == 4 - len(errors)


# --------------------------------------------------------------------------------------------------
# Garbage collection: an exporter and a function referring to each other


def test_exporter_function_cycle_is_collected(path):
    class Model:
        def __call__(self, x):
            return x * 2

    m = Model()
    ex = mx.exporter(path, m)
    m.exporter = ex  # the cycle: exporter -> function -> exporter
    ex(arr(2))
    ref_m, ref_ex = weakref.ref(m), weakref.ref(ex)
    del m, ex
    gc.collect()
    assert ref_m() is None and ref_ex() is None
    # Collecting an open exporter writes the file with the traces made so far.
    assert len(mx.import_function(path).signatures) == 1


def test_exporter_closure_cycle_is_collected(path):
    def make():
        ex = None

        def f(x):
            assert ex is not None  # refers to the exporter through its closure
            return x + 1

        ex = mx.exporter(path, f)
        return weakref.ref(f), weakref.ref(ex)

    ref_f, ref_ex = make()
    gc.collect()
    assert ref_f() is None and ref_ex() is None


def test_exporter_keeps_function_alive(path):
    class Model:
        def __call__(self, x):
            return x - 1

    m = Model()
    ref = weakref.ref(m)
    ex = mx.exporter(path, m)
    del m
    gc.collect()
    assert ref() is not None  # the exporter owns it
    ex(arr(2))
    ex.close()
    del ex
    gc.collect()
    assert ref() is None


# --------------------------------------------------------------------------------------------------
# Metadata


def test_metadata_round_trip(path):
    # MLX's metadata is a str; ingot's is a dict of JSON values (docs/python.md, "Differences from MLX").
    meta = {
        "model": "mlp",
        "layers": [4, 8, 3],
        "lr": 0.001,
        "big": 2**63 + 5,
        "neg": -(2**63),
        "flags": {"relu": True, "bias": False, "extra": None},
        "nested": [[1, "a"], {"b": [1.5]}],
        "tuple": (1, 2),
        "unicode": "wéights ✓",
    }
    mx.export_function(path, lambda x: x, arr(1), metadata=meta)
    g = mx.import_function(path)
    want = json.loads(json.dumps(meta))  # tuples come back as lists
    assert g.metadata == want
    assert type(g.metadata["big"]) is int and g.metadata["big"] == 2**63 + 5
    f2, md = mx.import_function(path, return_metadata=True)
    assert md == want and isinstance(f2, mx.ImportedFunction)
    # No metadata: an empty dict. A str holding a JSON object is accepted (MLX's form).
    mx.export_function(path, lambda x: x, arr(1))
    assert mx.import_function(path).metadata == {}
    mx.export_function(path, lambda x: x, arr(1), metadata=json.dumps({"a": [1, 2]}))
    assert mx.import_function(path).metadata == {"a": [1, 2]}


@pytest.mark.parametrize(
    "meta,match",
    [
        ({"a": object()}, r"metadata key \['a'\]: a value of type object is not JSON-compatible"),
        ({"a": {"b": [1, {2, 3}]}}, r"metadata key \['a'\]\['b'\]\[1\]: a value of type set"),
        ({"a": {1: 2}}, r"metadata key \['a'\]: the key 1 is not a str"),
        ({"x": float("nan")}, r"metadata key \['x'\]: the float nan has no JSON form"),
        ({"x": 2**64}, r"metadata key \['x'\]: the integer 18446744073709551616 does not fit in 64 bits"),
        ({"x": arr(1)}, r"metadata key \['x'\]: a value of type .*array is not JSON-compatible"),
    ],
)
def test_metadata_errors(path, meta, match):
    with pytest.raises(ValueError, match=r"\[export_function\] " + match):
        mx.export_function(path, lambda x: x, arr(1), metadata=meta)
    with pytest.raises(ValueError, match=r"\[exporter\] " + match):
        mx.exporter(path, lambda x: x, metadata=meta)
    assert not os.path.exists(path)


def test_metadata_not_a_dict(path):
    with pytest.raises(ValueError, match=r"\[export_function\] metadata must be a dict of JSON-compatible values, got list"):
        mx.export_function(path, lambda x: x, arr(1), metadata=[1, 2])
    # A str is MLX's form: any string, given back as it was by return_metadata.
    mx.export_function(path, lambda x: x, arr(1), metadata="[1, 2]")
    assert mx.import_function(path, return_metadata=True)[1] == "[1, 2]"
    assert mx.import_function(path).metadata == {}


def test_metadata_as_mlx_string(path):
    text = json.dumps({"name": "model", "params": 7_000_000_000, "lr": 0.1})
    mx.export_function(path, lambda x: mx.abs(x), arr(1), metadata=text)
    f, md = mx.import_function(path, return_metadata=True)
    assert md == text and json.loads(md)["params"] == 7_000_000_000
    assert f.metadata == {"name": "model", "params": 7_000_000_000, "lr": 0.1}
    mx.export_function(path, lambda x: mx.abs(x), arr(1))
    assert mx.import_function(path, return_metadata=True)[1] == ""
    with mx.exporter(path, lambda x: mx.abs(x), metadata=text) as ex:
        ex(arr(1))
        ex(mx.array([1.0, 2.0]))
    assert mx.import_function(path, return_metadata=True)[1] == text


# --------------------------------------------------------------------------------------------------
# Primitives worth a round trip from Python


def test_multi_output_divmod(path):
    a = mx.array(np.array([7, -7, 9, 0], np.int32))
    b = mx.array(np.array([2, 2, -4, 3], np.int32))
    mx.export_function(path, lambda a, b: list(divmod(a, b)), a, b)
    q, r = mx.import_function(path)(a, b)
    same(q, np.array([3, -4, -3, 0], np.int32))
    same(r, np.array([1, 1, -3, 0], np.int32))


def test_multi_output_split(path):
    if not hasattr(mx, "split"):
        pytest.skip("ingot.split is not bound yet")
    x = arr(6, 4)
    mx.export_function(path, lambda x: mx.split(x, [1, 4], axis=0), x)
    out = mx.import_function(path)(x)
    for o, r in zip(out, np.split(np_(x), [1, 4], axis=0)):
        same(o, r)


def test_gather_scatter_round_trip(path):
    a = arr(5, 3)
    idx = mx.array(np.array([4, 0, 2], np.int32))
    v = arr(3, 3)

    def f(a, idx, v):
        g = a[idx]  # gather
        s = a.at[idx].add(v)  # scatter-add
        b = a * 1
        b[idx] = v  # scatter
        c = a[1:4, ::-1]
        return [g, s, b, c]

    mx.export_function(path, f, a, idx, v)
    out = mx.import_function(path)(a, idx, v)
    na, ni, nv = np_(a), np_(idx), np_(v)
    same(out[0], na[ni])
    s = na.copy()
    np.add.at(s, ni, nv)
    np.testing.assert_allclose(np_(out[1]), s, rtol=1e-6)
    b = na.copy()
    b[ni] = nv
    same(out[2], b)
    same(out[3], na[1:4, ::-1])
    for o, d in zip(out, f(a, idx, v)):
        same(o, d)


def test_conv_round_trip(path):
    if not hasattr(mx, "conv2d"):
        pytest.skip("ingot.conv2d is not bound yet")
    mlx = pytest.importorskip("mlx.core")
    w = arr(8, 3, 3, 2)  # (out, kh, kw, in), MLX's layout
    b = arr(8)
    mx.eval(w, b)

    def f(x):
        h = mx.conv2d(x, w, stride=1, padding=1) + b
        return h * (h > 0)

    x = arr(2, 6, 6, 2)
    mx.export_function(path, f, x)
    out = mx.import_function(path)(x)[0]
    same(out, f(x))
    h = mlx.conv2d(mlx.array(np_(x)), mlx.array(np_(w)), stride=1, padding=1) + mlx.array(np_(b))
    np.testing.assert_allclose(np_(out), np.maximum(np.array(h), 0), rtol=1e-4, atol=1e-4)


def test_quantized_round_trip(path):
    if not hasattr(mx, "quantize"):
        pytest.skip("ingot.quantize is not bound yet")
    mlx = pytest.importorskip("mlx.core")
    w = arr(16, 64)
    wq, scales, biases = mx.quantize(w, group_size=32, bits=4)
    mx.eval(wq, scales, biases)

    def f(x):
        return mx.quantized_matmul(x, wq, scales, biases, transpose=True, group_size=32, bits=4)

    x = arr(3, 64)
    mx.export_function(path, f, x)
    out = mx.import_function(path)(x)[0]
    same(out, f(x))
    mq = mlx.quantize(mlx.array(np_(w)), group_size=32, bits=4)
    ref = mlx.quantized_matmul(mlx.array(np_(x)), *mq, transpose=True, group_size=32, bits=4)
    np.testing.assert_allclose(np_(out), np.array(ref), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("mode", ["mxfp4", "mxfp8", "nvfp4"])
def test_quantized_modes_round_trip(path, mode):
    # Quantizing, dequantizing and multiplying inside the function, in both orientations (and for nvfp4
    # against a global scale): the imported function gives the same bits, at other shapes too (shapeless),
    # and MLX's bytes and values.
    mlx = pytest.importorskip("mlx.core")
    g = mx.array(np.float32(8.0)) if mode == "nvfp4" else None

    def f(w, x, xt):
        wq, scales = mx.quantize(w, mode=mode, global_scale=g)
        return [wq, scales, mx.dequantize(wq, scales, mode=mode, global_scale=g, dtype=mx.float32),
                mx.quantized_matmul(x, wq, scales, mode=mode),
                mx.quantized_matmul(xt, wq, scales, transpose=False, mode=mode)]

    w, x, xt = arr(16, 64), arr(3, 64), arr(2, 16)
    mx.export_function(path, f, w, x, xt, shapeless=True)
    imported = mx.import_function(path)
    direct = f(w, x, xt)
    for a, b in zip(imported(w, x, xt), direct):
        same(a, b)
    w2, x2, xt2 = arr(32, 128), arr(5, 128), arr(4, 32)  # other values and shapes through the same file
    for a, b in zip(imported(w2, x2, xt2), f(w2, x2, xt2)):
        same(a, b)
    kw = {"global_scale": mlx.array(np.float32(8.0))} if mode == "nvfp4" else {}
    mq, ms = mlx.quantize(mlx.array(np_(w)), mode=mode, **kw)
    same(direct[0], np.array(mq))
    same(direct[1], np.array(ms))
    md = mlx.dequantize(mq, ms, mode=mode, dtype=mlx.float32, **kw)
    np.testing.assert_array_equal(np_(direct[2]), np.array(md))
    # (quantized_matmul takes no global scale: the products are of the encoded scales.)
    for got, xi, t in ((direct[3], x, True), (direct[4], xt, False)):
        ref = np.array(mlx.quantized_matmul(mlx.array(np_(xi)), mq, ms, transpose=t, mode=mode))
        np.testing.assert_allclose(np_(got), ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


@pytest.mark.skipif(not hasattr(mx, "random"), reason="ingot.random is not bound yet")
def test_random_key_frozen_at_export(path):
    def f(x):
        return x + mx.random.uniform(shape=x.shape)

    x = mx.array(np.zeros(5, np.float32))
    mx.random.seed(42)
    direct = np_(f(x)).copy()
    assert ((direct >= 0) & (direct < 1)).all()
    mx.random.seed(42)
    mx.export_function(path, f, x)
    g = mx.import_function(path)
    same(g(x)[0], direct)
    same(g(x)[0], direct)  # the key is a constant of the file: every call gives the same sample
    assert not np.array_equal(np_(f(x)), direct)  # while the global generator moved on


def test_module_as_function(path):
    # Any callable object exports (ingot.nn modules are callable objects).
    class Affine:
        def __init__(self):
            self.w = arr(3, 2)
            mx.eval(self.w)

        def __call__(self, x):
            return x @ self.w

    m = Affine()
    x = arr(4, 3)
    mx.export_function(path, m, x)
    np.testing.assert_allclose(np_(mx.import_function(path)(x)[0]), np_(x) @ np_(m.w), rtol=1e-5, atol=1e-6)


def test_nn_module(path):
    nn = getattr(mx, "nn", None)
    if nn is None or not hasattr(nn, "Linear") or not hasattr(mx, "random"):
        pytest.skip("ingot.nn.Linear (which needs ingot.random) is not available")
    layer = nn.Linear(4, 3)
    mx.eval(layer.parameters())
    x = arr(2, 4)
    mx.export_function(path, layer, x)
    w, b = np_(layer.weight), np_(layer.bias)
    np.testing.assert_allclose(np_(mx.import_function(path)(x)[0]), np_(x) @ w.T + b, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------------------------------
# Imported function objects and DOT pictures


def test_imported_function_attributes(path):
    mx.export_function(path, lambda x, k: [x + k, x], arr(2, 3), k=mx.array(np.zeros(3, np.int32)))
    g = mx.import_function(path)
    assert g.format_version == 1
    assert g.library_version == mx.__version__
    assert g.path == path
    assert g.signatures == [
        {
            "args": [((2, 3), mx.float32)],
            "kwargs": {"k": ((3,), mx.int32)},
            "outputs": [((2, 3), mx.float32), ((2, 3), mx.float32)],
            "shapeless": False,
        }
    ]
    assert "(float32[2,3], k: int32[3]) -> (float32[2,3], float32[2,3])" in repr(g)


def test_imported_function_threads(path):
    w = arr(16, 16)
    mx.eval(w)
    mx.export_function(path, lambda x: x @ w, arr(4, 16))
    g = mx.import_function(path)
    xs = [arr(4, 16) for _ in range(8)]
    results = [None] * 8

    def work(i):
        results[i] = np_(g(xs[i])[0]).copy()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, r in zip(xs, results):
        np.testing.assert_allclose(r, np_(x) @ np_(w), rtol=1e-5, atol=1e-5)


def test_export_to_dot(tmp_path):
    a = arr(3)
    b = a * 2 + 1
    s = io.StringIO()
    mx.export_to_dot(s, b, doubled=a * 2)
    text = s.getvalue()
    assert text.startswith("digraph ingot {") and text.rstrip().endswith("}")
    assert "Multiply" in text and "Add" in text
    assert 'label="output 0\\n' in text and 'label="doubled\\n' in text
    p = tmp_path / "g.dot"
    mx.export_to_dot(str(p), b)
    assert p.read_text().startswith("digraph ingot {")
    mx.export_to_dot(p, b)  # path-like
    # An imported function: one cluster per trace.
    fpath = str(tmp_path / "f.ingot")
    with mx.exporter(fpath, lambda x: x * 2 + 1) as ex:
        ex(arr(1))
        ex(arr(2))
    s = io.StringIO()
    mx.export_to_dot(s, mx.import_function(fpath))
    text = s.getvalue()
    assert "cluster_0" in text and "cluster_1" in text and "trace 1: (float32[2]) -> (float32[2])" in text
    with pytest.raises(ValueError, match=r"\[export_to_dot\] outputs must be arrays"):
        mx.export_to_dot(io.StringIO(), b, 3)
    with pytest.raises(ValueError, match=r"\[export_to_dot\] named output 'x' must be an array"):
        mx.export_to_dot(io.StringIO(), b, x="y")


# --------------------------------------------------------------------------------------------------
# The input-form rules against MLX's


@pytest.mark.parametrize(
    "form",
    [
        "x, y",
        "(x, y)",
        "[x, y]",
        "{'a': x}",
        "(x,), {'a': y}",
        "[x], {'a': y}",
        "x, a=y",
        "a=x, b=y",
        "",
        "(x, y), a=x",
        "{'a': x}, b=y",
        "x, (x, y)",
        "{'a': x}, (y,)",
        "(x,), (y,)",
        "{'a': x}, {'b': y}",
        "(x, (y,))",
        "({'a': x},)",
        "[x, {'a': y}]",
        "{'a': [x]}",
        "x, a=[y]",
        "(x,), {'a': y}, y",
    ],
)
def test_input_forms_agree_with_mlx(tmp_path, form):
    mlx = pytest.importorskip("mlx.core")

    def accepted(lib, path):
        x, y = lib.array([1.0, 2.0]), lib.array([3.0, 4.0])
        args, kwargs = eval(f"(lambda *a, **k: (a, k))({form})", {"x": x, "y": y})  # noqa: S307

        def f(*a, **k):
            return [x + 0 for x in list(a) + list(k.values())] or [x + 0]

        try:
            lib.export_function(path, f, *args, **kwargs)
        except ValueError as e:
            assert "Inputs can either be" in str(e) or FORMS in str(e) or "not an array" in str(e)
            return False
        imported = lib.import_function(path)
        imported(*args, **kwargs)  # the imported function takes the same form
        return True

    assert accepted(mx, str(tmp_path / "f.ingot")) == accepted(mlx, str(tmp_path / "f.mlxfn"))


def test_byte_string_path_is_refused():
    class BytesPath:
        def __fspath__(self):
            return b"/tmp/ingot-bytes-path.ingot"

    with pytest.raises(TypeError, match=r"\[export_function\] byte-string paths are not supported"):
        mx.export_function(BytesPath(), lambda x: x + 1, mx.array([1.0]))


def test_export_import_multi_with_constants(path):
    # MLX's own test: constants made afresh in each trace (their memory reused between traces) must
    # never be mixed up between traces.
    def fun(y):
        i = y.shape[0]
        x = mx.array(i)
        for j in range(10):
            x = x + mx.array(i + j)
        return x * y.sum()

    ys = [mx.array([1]), mx.array([1, 1]), mx.array([1, 1, 1])]
    with mx.exporter(path, fun) as exporter:
        for y in ys:
            exporter(y)
    imported = mx.import_function(path)
    for y in ys:
        assert imported(y)[0].item() == fun(y).item()


def test_many_traces_with_fresh_constants_under_churn(path):
    def fun(y):
        k = y.shape[0]
        acc = mx.zeros_like(y)
        for j in range(10):
            acc = acc + mx.array(float(k + j), dtype=y.dtype)
        return acc * 2 + y

    inputs = []
    with mx.exporter(path, fun) as ex:
        for n in range(1, 31):
            for c in range(50):  # churn: fresh arrays allocated and freed between traces
                mx.eval(mx.array(float(c)) + 1)
            dtype = [mx.float32, mx.float16, mx.int32][n % 3]
            inputs.append(mx.arange(n).astype(dtype))
            ex(inputs[-1])
    f = mx.import_function(path)
    for y in inputs:
        k = y.shape[0]
        got = np_(f(y)[0])
        assert got.dtype == np_(y).dtype
        np.testing.assert_array_equal(got, 2 * (10 * k + 45) + np.arange(k))


def test_metadata_depth_is_capped_on_write(path):
    def nested(depth):
        m = 1
        for _ in range(depth - 1):
            m = [m]
        return {"a": m}

    # The top-level dict is level 1: 64 levels in all are accepted, and come back unchanged.
    mx.export_function(path, lambda x: x, arr(1), metadata=nested(64))
    assert mx.import_function(path).metadata == nested(64)
    for meta in [nested(65), nested(30_000)]:
        with pytest.raises(ValueError, match=r"\[export_function\] metadata key .*nests lists and dicts more than 64"):
            mx.export_function(path, lambda x: x, arr(1), metadata=meta)
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match=r"contains itself"):
        mx.export_function(path, lambda x: x, arr(1), metadata={"c": cyclic})
    # The str form (MLX's) is checked too.
    with pytest.raises(ValueError, match=r"\[export_function\] metadata nests objects and arrays more than 64"):
        mx.export_function(path, lambda x: x, arr(1), metadata='{"a":' + "[" * 30_000 + "]" * 30_000 + "}")


def _replace_metadata(path, old, new):
    """Rewrites the metadata string in a file to `new` (same length) and fixes the graph checksum."""
    import struct
    import zlib

    data = bytearray(pathlib.Path(path).read_bytes())
    assert len(old) == len(new)
    at = data.find(old.encode())
    assert at > 0
    data[at : at + len(old)] = new.encode()
    graph_offset, graph_size = struct.unpack_from("<QQ", data, 24)
    struct.pack_into("<I", data, 56, zlib.crc32(data[graph_offset : graph_offset + graph_size]))
    pathlib.Path(path).write_bytes(bytes(data))


def test_deeply_nested_metadata_in_a_file_is_refused(path):
    # A 60 KB file whose metadata is valid JSON nested 30,000 deep: refused on import, no crash.
    n = 30_000
    deep = '{"x":' + "[" * n + "]" * n + "}"
    filler = '{"x":"' + "A" * (len(deep) - 8) + '"}'
    assert len(filler) == len(deep)
    mx.export_function(path, lambda x: x + 1, arr(2), metadata={"x": "A" * (len(deep) - 8)})  # stored as `filler`
    assert mx.import_function(path).metadata["x"].startswith("AAA")
    _replace_metadata(path, filler, deep)
    with pytest.raises(RuntimeError, match=r"metadata nests objects and arrays more than 64 levels deep"):
        mx.import_function(path)


def test_bool_constant_bytes_other_than_zero_or_one(path):
    import struct

    c = mx.array([True, True, True, False])
    mx.export_function(path, lambda x: [mx.logical_not(c), c.sum(), mx.where(c, x, -x)], mx.ones(4))
    data = bytearray(pathlib.Path(path).read_bytes())
    data_offset, data_size = struct.unpack_from("<QQ", data, 40)
    assert bytes(data[data_offset : data_offset + 4]) == b"\x01\x01\x01\x00"  # the only constant
    data[data_offset : data_offset + 4] = b"\x02\xff\x01\x00"  # outside the checksummed graph section
    pathlib.Path(path).write_bytes(bytes(data))
    out = mx.import_function(path)(mx.ones(4))
    assert np_(out[0]).tolist() == [False, False, False, True]
    assert out[1].item() == 3
    assert np_(out[2]).tolist() == [1, 1, 1, -1]


def test_export_to_a_callback_hands_over_the_graph_as_mlx():
    """export_function(callback, fun, ...) as MLX: the inputs, keyword inputs, outputs, constants and
    each primitive (name, state, inputs, outputs). The events rebuild the function in numpy."""
    w = mx.array(np.array([[1.0, -2.0], [0.5, 3.0]], np.float32))

    def fn(x, y):
        return (mx.exp(x @ w) * y + 1.5).astype(mx.int32), mx.abs(x)

    events = []
    mx.export_function(events.append, fn, mx.ones((3, 2)), y=mx.ones((3, 2)))
    kinds = [e["type"] for e in events]
    assert kinds[:4] == ["inputs", "keyword_inputs", "outputs", "constants"]
    assert [e["name"] for e in events[4:]] == ["Matmul", "Exp", "Multiply", "Add", "AsType", "Abs"]
    ins = events[0]["inputs"]
    assert [(n, s, d) for n, s, d in ins] == [("A", (3, 2), mx.float32), ("B", (3, 2), mx.float32)]
    assert events[1]["keywords"] == [("y", "B")]
    assert events[4 + 4]["arguments"] == [mx.int32] and events[4]["arguments"] == []
    assert len(events[3]["constants"]) == 2  # w and 1.5
    # An independent interpreter of the events, in numpy.
    x, y = np.random.default_rng(0).standard_normal((2, 3, 2)).astype(np.float32)
    values = {"A": x, "B": y}
    values.update({name: np.array(a) for name, a in events[3]["constants"]})
    ops = {"Matmul": np.matmul, "Exp": np.exp, "Multiply": np.multiply, "Add": np.add, "Abs": np.abs,
           "AsType": lambda a: a.astype(np.int32)}
    for e in events[4:]:
        (out, _, _), = e["outputs"]
        values[out] = ops[e["name"]](*[values[n] for n, _, _ in e["inputs"]])
    want = fn(mx.array(x), y=mx.array(y))
    for (name, shape, dtype), w_ in zip(events[2]["outputs"], want):
        np.testing.assert_array_equal(values[name], np.array(w_))
    with pytest.raises(ValueError, match=r"\[export_function\] metadata and self_test are stored in files"):
        mx.export_function(events.append, fn, mx.ones((3, 2)), y=mx.ones((3, 2)), metadata={"a": 1})
