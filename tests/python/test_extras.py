"""Constants and dtype utilities of ingot (ingot/_extras.py) against math, numpy and mlx.core: pi, e,
inf, nan, euler_gamma, newaxis, the dtype categories, issubdtype, finfo, iinfo, result_type, can_cast;
and the copy semantics of asarray, positive and conj."""

import itertools
import math

import ml_dtypes
import numpy as np
import pytest

import ingot
import mlx.core as mx

DTYPES = ["bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "bfloat16", "float32", "float64"]
CATEGORIES = ["generic", "number", "integer", "signedinteger", "unsignedinteger", "floating", "inexact",
              "complexfloating"]


def test_constants():
    assert ingot.pi == math.pi == np.pi
    assert ingot.e == math.e == np.e
    assert ingot.inf == math.inf and ingot.inf > 0 and math.isinf(ingot.inf)
    assert math.isnan(ingot.nan)
    assert ingot.euler_gamma == pytest.approx(np.euler_gamma, rel=0, abs=1e-16)
    assert ingot.newaxis is None is np.newaxis
    for name in ("pi", "e", "inf", "euler_gamma"):
        assert getattr(ingot, name) == getattr(mx, name), name
    assert ingot.arange(3)[:, ingot.newaxis].shape == (3, 1)


def test_aliases_are_the_same_functions():
    pairs = {"acos": "arccos", "acosh": "arccosh", "asin": "arcsin", "asinh": "arcsinh", "atan": "arctan",
             "atan2": "arctan2", "atanh": "arctanh", "pow": "power", "permute_dims": "transpose",
             "bitwise_left_shift": "left_shift", "bitwise_right_shift": "right_shift",
             "cumulative_sum": "cumsum", "cumulative_prod": "cumprod", "empty": "zeros", "empty_like": "zeros_like"}
    for alias, original in pairs.items():
        assert getattr(ingot, alias) is getattr(ingot, original), alias


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES + CATEGORIES, repeat=2)))
def test_issubdtype_matches_mlx(a, b):
    assert ingot.issubdtype(getattr(ingot, a), getattr(ingot, b)) == mx.issubdtype(getattr(mx, a), getattr(mx, b))


def test_issubdtype_numpy_like_examples():
    assert ingot.issubdtype(ingot.int32, ingot.integer)
    assert not ingot.issubdtype(ingot.float32, ingot.integer)
    assert not ingot.issubdtype(ingot.float64, ingot.float32)
    assert ingot.issubdtype(ingot.bfloat16, ingot.floating)
    assert ingot.issubdtype(ingot.uint8, ingot.number)
    assert not ingot.issubdtype(ingot.bool_, ingot.number)
    assert ingot.issubdtype(ingot.bool_, ingot.generic)
    assert ingot.issubdtype(ingot.array([1.0]).dtype, ingot.inexact)


def test_issubdtype_rejects_other_types():
    with pytest.raises(TypeError, match=r"\[issubdtype\] expected a Dtype or a DtypeCategory, got str"):
        ingot.issubdtype("float32", ingot.floating)
    with pytest.raises(TypeError, match=r"\[issubdtype\]"):
        ingot.issubdtype(ingot.float32, np.floating)


def test_categories():
    assert isinstance(ingot.floating, ingot.DtypeCategory)
    assert [c.name for c in ingot.DtypeCategory] == [c.name for c in mx.DtypeCategory]


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo(name):
    f = ingot.finfo(getattr(ingot, name))
    ref = ml_dtypes.finfo(ml_dtypes.bfloat16) if name == "bfloat16" else np.finfo(name)
    assert f.max == float(ref.max) and f.min == float(ref.min)
    assert f.eps == float(ref.eps)
    assert f.smallest_normal == float(ref.smallest_normal)
    assert f.bits == ref.bits
    assert f.dtype == getattr(ingot, name)
    m = mx.finfo(getattr(mx, name))
    assert (f.min, f.max, f.eps, f.bits, f.smallest_normal) == (m.min, m.max, m.eps, m.bits, m.smallest_normal)
    assert repr(f) == repr(m)


@pytest.mark.parametrize("name", ["int32", "bool_"])
def test_finfo_rejects_non_floating(name):
    with pytest.raises(ValueError, match=r"\[finfo\] dtype .* is not inexact"):
        ingot.finfo(getattr(ingot, name))


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"])
def test_iinfo(name):
    i = ingot.iinfo(getattr(ingot, name))
    ref = np.iinfo(name)
    assert (i.min, i.max) == (int(ref.min), int(ref.max))
    assert i.dtype == getattr(ingot, name)
    m = mx.iinfo(getattr(mx, name))
    assert (i.min, i.max) == (m.min, m.max)
    assert repr(i) == repr(m)


@pytest.mark.parametrize("name", ["float32", "bool_", "bfloat16"])
def test_iinfo_rejects_non_integer(name):
    with pytest.raises(ValueError, match=r"\[iinfo\] only integer dtypes are supported"):
        ingot.iinfo(getattr(ingot, name))


def mx_name(dt):
    return str(dt).split(".")[-1]


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, repeat=2)))
def test_result_type_and_can_cast_match_mlx(a, b):
    ours = ingot.result_type(getattr(ingot, a), getattr(ingot, b))
    assert mx_name(ours) == mx_name(mx.result_type(getattr(mx, a), getattr(mx, b)))
    assert ingot.can_cast(getattr(ingot, a), getattr(ingot, b)) == mx.can_cast(getattr(mx, a), getattr(mx, b))


def test_result_type_arrays_and_several_inputs():
    x = ingot.array([1, 2], dtype=ingot.int8)
    assert ingot.result_type(x) == ingot.int8
    assert ingot.result_type(x, ingot.uint8) == ingot.int16
    assert ingot.result_type(x, ingot.uint8, ingot.float16) == ingot.float16
    assert ingot.result_type(ingot.bool_, ingot.bool_) == ingot.bool_
    assert ingot.can_cast(x, ingot.int32)
    assert not ingot.can_cast(x, ingot.uint8)
    assert not ingot.can_cast(ingot.float32, ingot.int64)


def test_result_type_errors():
    with pytest.raises(ValueError, match=r"\[result_type\] at least one array or dtype is required"):
        ingot.result_type()
    with pytest.raises(ValueError, match=r"\[result_type\] inputs must be arrays or dtypes"):
        ingot.result_type(ingot.int8, 1.0)


def test_asarray_copy_semantics():
    x = ingot.array([1, 2, 3], dtype=ingot.int16)
    assert ingot.asarray(x) is x
    assert ingot.asarray(x, ingot.int16, copy=False) is x
    y = ingot.asarray(x, copy=True)
    assert y is not x
    y[0] = 9
    np.testing.assert_array_equal(np.asarray(x), [1, 2, 3])
    with pytest.raises(ValueError, match=r"\[asarray\] copy=False but a copy is required"):
        ingot.asarray(x, ingot.int32, copy=False)
    with pytest.raises(ValueError, match=r"\[asarray\] copy=False"):
        ingot.asarray(np.arange(3), copy=False)


@pytest.mark.parametrize("op", ["positive", "conj", "conjugate", "real", "trunc"])
def test_identity_ops_return_independent_arrays(op):
    x = ingot.array([1, 2, 3], dtype=ingot.int32)
    y = getattr(ingot, op)(x)
    y[0] = 7
    np.testing.assert_array_equal(np.asarray(x), [1, 2, 3])
    np.testing.assert_array_equal(np.asarray(y), [7, 2, 3])


def test_atleast_needs_an_input():
    with pytest.raises(ValueError, match=r"\[atleast_2d\] at least one array is required"):
        ingot.atleast_2d()


def test_atleast_takes_scalars():
    # MLX refuses Python scalars here; ingot converts them (see docs/python.md).
    out = ingot.atleast_2d(3)
    assert out.shape == (1, 1) and out.dtype == ingot.int32 and out.item() == 3




def test_buffer_cache_limit_and_clear():
    ingot.clear_cache()
    a = ingot.ones((1 << 20,))
    ingot.eval(a)
    del a
    assert ingot.get_cache_memory() >= 4 << 20
    old = ingot.set_cache_limit(0)
    assert ingot.get_cache_memory() == 0
    assert ingot.set_cache_limit(old) == 0
    ingot.clear_cache()
    assert ingot.get_cache_memory() == 0


def test_einsum_path_as_mlx():
    for spec, shapes in [("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("ij,jk->ik", [(2, 3), (3, 4)]),
                         ("abc,cd,de,ea->b", [(2, 3, 4), (4, 5), (5, 6), (6, 2)]), ("ii->i", [(3, 3)])]:
        path, report = ingot.einsum_path(spec, *[ingot.ones(s) for s in shapes])
        want, _ = mx.einsum_path(spec, *[mx.ones(s) for s in shapes])
        assert path == want, spec
        assert isinstance(report, str) and "contraction" in report


def test_contiguous_and_depends_as_mlx():
    a = ingot.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    ingot.eval(a)
    assert ingot.contiguous(a) is a or np.array_equal(np.array(ingot.contiguous(a)), np.array(a))
    t = ingot.contiguous(a.T)
    np.testing.assert_array_equal(np.array(t), np.array(a).T)
    np.testing.assert_array_equal(np.array(ingot.contiguous(a.T, allow_col_major=True)), np.array(a).T)
    # depends: the inputs unchanged, the dependency computed with them; differentiable through the inputs
    d = ingot.depends(a * 2, [ingot.exp(a)])
    np.testing.assert_array_equal(np.array(d), 2 * np.arange(6).reshape(2, 3))
    both = ingot.depends([a, a + 1], ingot.sum(a))
    assert isinstance(both, list) and len(both) == 2
    np.testing.assert_array_equal(np.array(both[1]), np.array(a) + 1)
    g = ingot.grad(lambda x: ingot.sum(ingot.depends(x * 3, [ingot.exp(x)])))(a)
    np.testing.assert_array_equal(np.array(g), np.full((2, 3), 3.0))
    want = mx.depends(mx.array(np.arange(3.0)) * 2, [mx.array(1.0)])
    np.testing.assert_array_equal(np.array(ingot.depends(ingot.array(np.arange(3.0, dtype=np.float32)) * 2,
                                                         [ingot.array(1.0)])), np.array(want))


def test_memory_limit_and_counters_as_mlx():
    old = ingot.set_memory_limit(10)
    assert ingot.set_memory_limit(old) == 10 and ingot.set_memory_limit(old) == old
    a = ingot.zeros((4096,))
    ingot.eval(a)
    active = ingot.get_active_memory()
    assert active >= 4096 * 4
    b = ingot.zeros((4096,))
    ingot.eval(b)
    del b
    assert ingot.get_active_memory() == active and ingot.get_peak_memory() >= 4096 * 8
    ingot.reset_peak_memory()
    assert ingot.get_peak_memory() == 0
    ingot.set_memory_limit(ingot.get_active_memory() + 1024)
    try:
        with pytest.raises(RuntimeError, match=r"\[allocate\] .* over the memory limit of \d+ bytes \(set_memory_limit\)"):
            ingot.eval(ingot.ones((1 << 20,)))
    finally:
        ingot.set_memory_limit(old)


@pytest.mark.parametrize("name", ["hanning", "hamming", "blackman", "bartlett"])
def test_windows_as_numpy_and_mlx(name):
    for m in (0, 1, 2, 5, 12):
        got = getattr(ingot, name)(m)
        assert got.dtype == ingot.float32 and got.shape == (m,)
        np.testing.assert_allclose(np.array(got), getattr(np, name)(m), atol=2e-6)
        np.testing.assert_allclose(np.array(got), np.array(getattr(mx, name)(m)), atol=2e-6)
    with pytest.raises(ValueError, match=rf"\[{name}\] M must be an int, got float"):
        getattr(ingot, name)(3.0)
    with pytest.raises(ValueError, match=rf"\[{name}\] there is no GPU"):
        getattr(ingot, name)(3, stream=ingot.gpu)
