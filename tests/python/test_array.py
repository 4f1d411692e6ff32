"""ingot.array: construction, numpy interop, Python protocols and operators, checked against numpy."""

import copy
import ctypes
import pickle

import ml_dtypes
import numpy as np
import pytest

import ingot

BF16 = np.dtype(ml_dtypes.bfloat16)
NP_DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
             "float16", "float32", "float64"]


def ingot_dtype(name):
    return ingot.bool_ if name == "bool" else getattr(ingot, name)


@pytest.mark.parametrize("value, dtype", [
    (True, "bool"), (3, "int32"), (-(2**40), "int64"), (2.5, "float32"),
    ([1, 2, 3], "int32"), ([1, 2.5], "float32"), ([[True], [False]], "bool"), ([], "float32"),
    ([[1, 2], [3, 2**35]], "int64"), ((1, (2,)), None),
])
def test_from_python(value, dtype):
    if dtype is None:
        with pytest.raises(ValueError, match=r"\[array\] the nested sequence is ragged"):
            ingot.array(value)
        return
    a = ingot.array(value)
    assert a.dtype == ingot_dtype(dtype)
    want = np.array(value, dtype=np.float32 if value == [] else None)
    assert a.shape == want.shape and a.ndim == want.ndim and a.size == want.size
    np.testing.assert_array_equal(np.asarray(a), want)
    assert a.tolist() == want.tolist()


@pytest.mark.parametrize("name", NP_DTYPES)
def test_numpy_round_trip_keeps_values(name):
    x = (np.arange(-6, 6).reshape(3, 4) * 3).astype(name)
    a = ingot.array(x, dtype=ingot_dtype(name))
    assert a.dtype == ingot_dtype(name)
    y = np.asarray(a)
    assert y.dtype == x.dtype
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(np.array(a.T), x.T)  # non-contiguous
    np.testing.assert_array_equal(np.array(a[:, ::-2]), x[:, ::-2])


def test_numpy_default_dtypes_follow_mlx():
    assert ingot.array(np.zeros(2)).dtype == ingot.float32  # float64 data becomes float32
    assert ingot.array(np.zeros(2, np.int64)).dtype == ingot.int64
    assert ingot.array(np.zeros(2), dtype=ingot.float64).dtype == ingot.float64
    assert ingot.array(np.float16(1.5)).dtype == ingot.float16
    assert ingot.array(np.array([1, 2], dtype=">i4")).tolist() == [1, 2]


def test_bfloat16_through_ml_dtypes():
    x = np.array([1.5, -2.25, 3e38], dtype=BF16)
    a = ingot.array(x)
    assert a.dtype == ingot.bfloat16
    y = np.asarray(a)
    assert y.dtype == BF16
    np.testing.assert_array_equal(y.astype(np.float32), x.astype(np.float32))
    assert ingot.array([1.0, 2.0], ingot.bfloat16).tolist() == [1.0, 2.0]


def test_numpy_view_is_zero_copy_and_read_only():
    a = ingot.array(np.arange(12, dtype=np.float32).reshape(3, 4))
    v1, v2 = np.asarray(a), np.asarray(a)
    assert v1.__array_interface__["data"][0] == v2.__array_interface__["data"][0]
    assert not v1.flags.writeable
    with pytest.raises(ValueError):
        v1[0, 0] = 1
    c = np.array(a)  # np.array copies: writable
    c[0, 0] = 7
    assert a[0, 0].item() == 0
    m = memoryview(a)
    assert m.format == "f" and m.shape == (3, 4) and m.readonly
    assert m.tobytes() == np.arange(12, dtype=np.float32).tobytes()
    assert memoryview(a.T).tobytes() == np.arange(12, dtype=np.float32).reshape(3, 4).T.tobytes()
    with pytest.raises(TypeError, match="not writable"):
        ctypes.c_char.from_buffer(a)  # asks for a writable buffer


def test_view_outlives_array_object():
    a = ingot.exp(ingot.array([0.0, 1.0])) if hasattr(ingot, "exp") else ingot.array([1.0, 2.718281828])
    v = np.asarray(a)
    del a
    np.testing.assert_allclose(v, [1.0, np.e], rtol=1e-6)


def test_bad_inputs_are_clear():
    with pytest.raises(ValueError, match=r"\[array\] cannot make an array from 'x'"):
        ingot.array("x")
    with pytest.raises(ValueError, match=r"numpy dtype complex256 is not supported"):
        ingot.array(np.zeros(2, np.clongdouble))
    with pytest.raises(ValueError, match=r"does not fit in 64 bits"):
        ingot.array(2**70)
    with pytest.raises(ValueError, match=r"cannot convert an element of type str"):
        ingot.array([1, "a"])
    with pytest.raises(ValueError, match=r"\[item\] the array must have exactly one element, it has 2"):
        ingot.array([1, 2]).item()


def test_python_protocols():
    a = ingot.array([[1, 2], [3, 4]])
    assert len(a) == 2
    assert [r.tolist() for r in a] == [[1, 2], [3, 4]]
    assert a[1, 0].item() == 3 and isinstance(a[1, 0].item(), int)
    assert isinstance(ingot.array(2.5).item(), float) and isinstance(ingot.array(True).item(), bool)
    assert int(ingot.array(7)) == 7 and float(ingot.array(0.5)) == 0.5
    assert bool(ingot.array([1])) and not bool(ingot.array(0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(a)
    with pytest.raises(TypeError, match="0-dimensional"):
        len(ingot.array(1))
    with pytest.raises(TypeError, match="0-dimensional"):
        iter(ingot.array(1))
    assert a.T.tolist() == [[1, 3], [2, 4]]
    assert {a: 1}[a] == 1  # hashable by identity, as MLX
    assert repr(ingot.array([1.5, 2, 3])) == "array([1.5, 2, 3], dtype=float32)"
    assert repr(ingot.array(3)) == "array(3, dtype=int32)"
    assert repr(ingot.array([True, False])) == "array([True, False], dtype=bool)"
    assert repr(ingot.array([[1, 2], [3, 4]])) == "array([[1, 2],\n       [3, 4]], dtype=int32)"
    assert repr(ingot.float32) == "ingot.float32" and ingot.float32.size == 4 and ingot.bool_.size == 1


def test_pickle_and_copy():
    for a in [ingot.array([[1.5, 2], [3, 4]]), ingot.array([1, 2], ingot.uint64),
              ingot.array([1.0], ingot.float64), ingot.array([2.0], ingot.bfloat16)]:
        b = pickle.loads(pickle.dumps(a))
        assert b.dtype == a.dtype and b.tolist() == a.tolist()
        assert copy.copy(a).tolist() == a.tolist() and copy.deepcopy(a).tolist() == a.tolist()
    assert pickle.loads(pickle.dumps(ingot.int8)) is ingot.int8


SCALARS = [2, -3, 2.5, True]
BINARY = [
    ("__add__", np.add), ("__sub__", np.subtract), ("__mul__", np.multiply), ("__truediv__", np.true_divide),
    ("__floordiv__", np.floor_divide), ("__mod__", np.mod), ("__pow__", np.power),
    ("__eq__", np.equal), ("__ne__", np.not_equal), ("__lt__", np.less), ("__le__", np.less_equal),
    ("__gt__", np.greater), ("__ge__", np.greater_equal),
]


@pytest.mark.parametrize("op, ref", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "int8"])
def test_operators_against_numpy(op, ref, dtype):
    x = np.array([[1, 2, 3], [4, 5, 6]], dtype=dtype)
    y = np.array([2, 3, 1], dtype=dtype)
    a, b = ingot.array(x, ingot_dtype(dtype)), ingot.array(y, ingot_dtype(dtype))
    got = getattr(a, op)(b)
    want = ref(x, y)
    np.testing.assert_allclose(np.asarray(got).astype(np.float64), want.astype(np.float64), rtol=2e-3)
    rop = "__r" + op[2:] if op not in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__") else None
    if rop:
        np.testing.assert_allclose(np.asarray(getattr(b, rop)(a)).astype(np.float64), want.astype(np.float64),
                                   rtol=2e-3)


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_are_weak(scalar):
    for dtype, name in [(ingot.float16, "float16"), (ingot.int8, "int8"), (ingot.uint8, "uint8")]:
        a = ingot.array([1, 2], dtype)
        if name == "uint8" and scalar < 0:
            with pytest.raises(ValueError, match=r"\[add\] the scalar -3 is out of range for uint8"):
                a + scalar
            continue
        out = a + scalar
        if isinstance(scalar, float) and name != "float16":
            assert out.dtype == ingot.float32
        else:
            assert out.dtype == dtype, (name, scalar, out.dtype)
        r = scalar * a
        assert r.dtype == out.dtype
    b = ingot.array([True, False])
    assert (b + 1).dtype == ingot.int32 and (b + 1.0).dtype == ingot.float32


def test_matches_mlx_scalar_rules():
    mx = pytest.importorskip("mlx.core")
    for dtype in ["float16", "bfloat16", "int8", "uint16", "int64", "bool_"]:
        for s in [2, 2.5, True, -1]:
            if dtype.startswith("uint") and s == -1:
                continue
            a = ingot.array([1, 0], getattr(ingot, dtype))
            m = mx.array([1, 0], getattr(mx, dtype))
            for op in ["__add__", "__radd__", "__mul__", "__truediv__", "__sub__", "__rsub__", "__lt__"]:
                if dtype == "bool_" and op in ("__sub__", "__rsub__") and isinstance(s, bool):
                    # numpy's rule, not MLX's: bool - bool is refused (MLX gives xor).
                    with pytest.raises(ValueError, match=r"\[subtract\] subtracting bool arrays"):
                        getattr(a, op)(s)
                    continue
                ours, theirs = getattr(a, op)(s), getattr(m, op)(s)
                assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (dtype, s, op)
                np.testing.assert_allclose(np.asarray(ours.astype(ingot.float32)),
                                           np.asarray(theirs.astype(mx.float32)), rtol=1e-2)


def test_bitwise_matmul_unary_and_inplace():
    x = np.array([[1, 6], [3, 12]], dtype=np.int32)
    a = ingot.array(x)
    np.testing.assert_array_equal(np.asarray(a & 5), x & 5)
    np.testing.assert_array_equal(np.asarray(5 | a), 5 | x)
    np.testing.assert_array_equal(np.asarray(a ^ a.T), x ^ x.T)
    np.testing.assert_array_equal(np.asarray(a << 2), x << 2)
    np.testing.assert_array_equal(np.asarray(a >> 1), x >> 1)
    np.testing.assert_array_equal(np.asarray(~a), ~x)
    np.testing.assert_array_equal(np.asarray(~(a > 2)), ~(x > 2))
    np.testing.assert_array_equal(np.asarray(-a), -x)
    np.testing.assert_array_equal(np.asarray(abs(-a)), x)
    np.testing.assert_array_equal(np.asarray(a @ a), x @ x)
    np.testing.assert_array_equal(np.asarray(x @ a), x @ x)  # numpy on the left: numpy computes
    q, r = divmod(a, 5)
    np.testing.assert_array_equal(np.asarray(q), x // 5)
    np.testing.assert_array_equal(np.asarray(r), x % 5)
    b = a
    a += 1  # a new array: b is unchanged
    assert b.tolist() == x.tolist() and a.tolist() == (x + 1).tolist()
    a *= 2.0
    assert a.dtype == ingot.float32
    a[0, 0] = 100  # assignment changes this array object only
    assert a[0, 0].item() == 100 and b[0, 0].item() == 1


def test_unsupported_operand_gives_type_error():
    a = ingot.array([1, 2])
    with pytest.raises(TypeError):
        a + "x"
    with pytest.raises(TypeError):
        a @ None
    assert (a == None) is False  # noqa: E711 (Python's fallback when the operand does not convert)


def test_eval_takes_trees():
    a = ingot.array([1.0]) + 1
    b = ingot.array([2.0]) * 3
    ingot.eval({"x": [a, (b,)]})
    assert a.tolist() == [2.0] and b.tolist() == [6.0]


# Random shapes that broadcast, random dtypes and values: operators against numpy.
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

OPERATOR_DTYPES = ["int8", "int32", "int64", "uint8", "float32", "float64"]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(OPERATOR_DTYPES),
       op=st.sampled_from(["__add__", "__sub__", "__mul__", "__lt__", "__eq__", "__and__", "__or__"]))
def test_broadcasting_operators_hypothesis(data, dtype, op):
    if op in ("__and__", "__or__") and dtype.startswith("float"):
        dtype = "int32"
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
    elems = st.integers(-50, 50) if not dtype.startswith("uint") else st.integers(0, 100)
    if dtype.startswith("float"):
        elems = st.floats(-100, 100, width=32)
    x = data.draw(hnp.arrays(dtype, shapes.input_shapes[0], elements=elems))
    y = data.draw(hnp.arrays(dtype, shapes.input_shapes[1], elements=elems))
    # Inputs as views now and then: a transposed copy transposed back has other strides, same values.
    a = ingot.array(x, ingot_dtype(dtype))
    if x.ndim >= 2 and data.draw(st.booleans()):
        a = ingot.array(np.ascontiguousarray(x.T), ingot_dtype(dtype)).T
    b = ingot.array(y, ingot_dtype(dtype))
    got = np.asarray(getattr(a, op)(b))
    with np.errstate(all="ignore"):
        want = getattr(x, op)(y)
    assert got.shape == want.shape
    if dtype.startswith("float"):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, want)
