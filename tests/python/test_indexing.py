"""numpy's indexing on ingot arrays: a[idx], a[idx] = v and a.at[idx].<update>(v), checked against numpy."""

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ingot

BF16 = np.dtype(ml_dtypes.bfloat16)


def ingot_dtype(name):
    return ingot.bool_ if name == "bool" else getattr(ingot, name)


def make(x):
    """An ingot array with x's values and dtype."""
    name = "bfloat16" if x.dtype == BF16 else ("bool" if x.dtype == np.bool_ else x.dtype.name)
    return ingot.array(x, dtype=ingot_dtype(name))


def as_ingot_index(idx, how):
    """The index with its numpy arrays passed as numpy arrays, ingot arrays or Python lists."""
    if how == "numpy":
        return idx
    items = idx if isinstance(idx, tuple) else (idx,)
    out = []
    for it in items:
        if isinstance(it, np.ndarray):
            it = make(it) if how == "ingot" else it.tolist()
        out.append(it)
    return tuple(out) if isinstance(idx, tuple) else out[0]


def check_get(x, idx, how="numpy"):
    want = x[idx]
    got = make(x)[as_ingot_index(idx, how)]
    got_np = np.asarray(got)
    assert got_np.shape == want.shape, f"{idx!r}: shape {got_np.shape}, numpy {want.shape}"
    assert got_np.dtype == want.dtype
    np.testing.assert_array_equal(got_np, want)


X = np.arange(120, dtype=np.float32).reshape(4, 5, 6)

BASIC = [
    0, -1, 3, (1, 2), (-1, -2, -3), (2, 4, 5),
    slice(None), slice(1, 3), slice(None, None, 2), slice(None, None, -1), slice(3, 0, -2), slice(-3, None),
    slice(-100, 100), slice(10, 20), slice(2, 2), slice(None, None, -3), slice(3, None, -1),
    (slice(None), 1), (slice(None), slice(None, None, -2), 0), (1, slice(4, 0, -1), slice(None, None, 3)),
    (None, 0), (0, None, slice(1, 3), None), (None, None), (None,),
    Ellipsis, (Ellipsis, 0), (0, Ellipsis), (0, Ellipsis, 1), (Ellipsis, None), (None, Ellipsis, slice(None, None, 2)),
    (1, Ellipsis, None, slice(2, 5)), (slice(None), slice(None), slice(None)), (0, 0, 0), (Ellipsis, -1, -1, -1),
    (),
]


@pytest.mark.parametrize("idx", BASIC, ids=repr)
def test_basic_indices(idx):
    check_get(X, idx)


def test_basic_indices_on_views_and_dtypes():
    for name in ["bool", "int8", "uint16", "int64", "float16", "float64"]:
        x = (np.arange(24).reshape(2, 3, 4) % 7).astype(name)
        check_get(x, (slice(None), slice(None, None, -1), 2))
        check_get(x, (Ellipsis, [3, 0]))
    bf = np.arange(12, dtype=np.float32).reshape(3, 4).astype(BF16)
    np.testing.assert_array_equal(np.asarray(make(bf)[1:, ::-2]).astype(np.float32), bf[1:, ::-2].astype(np.float32))
    # Indexing a non-contiguous view (transposed, reversed).
    t = make(np.ascontiguousarray(X.transpose(2, 1, 0))).T
    np.testing.assert_array_equal(np.asarray(t[1, ::-2, [0, 5]]), X[1, ::-2, [0, 5]])
    r = make(np.ascontiguousarray(X[::-1]))[::-1]
    np.testing.assert_array_equal(np.asarray(r[[3, 0], 1:]), X[[3, 0], 1:])


def test_zero_d_and_empty():
    s = make(np.array(5.5, np.float32))
    assert np.asarray(s[()]).shape == () and s[()].item() == 5.5
    assert np.asarray(s[None, ...]).shape == (1,)
    assert np.asarray(s[...]).shape == ()
    e = np.zeros((0, 3), np.float32)
    check_get(e, slice(None))
    check_get(e, (slice(None), 1))
    check_get(e, (Ellipsis, [0, 2]))
    check_get(X, np.zeros((0,), np.int32))
    check_get(X, (slice(None), np.zeros((2, 0), np.int64)))


ADVANCED = [
    np.array([0, 2]),
    np.array([[0, 1], [3, 3]]),
    np.array([-1, -4, 2]),
    (slice(None), np.array([1, 3])),
    (np.array([0, 1]), np.array([2, 3])),                       # adjacent, at the front
    (slice(None), np.array([0, 1]), np.array([2, 3])),          # adjacent, in place
    (np.array([0, 1]), slice(None), np.array([2, 3])),          # not adjacent: to the front
    (np.array([[0], [3]]), np.array([1, 4])),                   # index arrays broadcast
    (slice(1, 3), np.array([[0], [4]]), np.array([5, 0, 1])),   # broadcast, in place
    (1, slice(None), np.array([0, 2])),                         # an int counts as advanced: not adjacent
    (slice(None), 2, np.array([0, 2])),                         # int + array adjacent: in place
    (Ellipsis, np.array([0, 5])),
    (None, np.array([0, 1])),
    (np.array([2, 0]), None, slice(None, None, -2)),
    (np.array(2), slice(None)),                                 # 0-d array acts as an int
    (np.int64(1), np.array([4, 0])),                            # numpy integer scalar
    (np.array([3, 1]), Ellipsis, np.array([[0], [5]])),
    (np.array([0, 0, 0]), np.array([1, 1, 1]), np.array([2, 2, 2])),
    (slice(None, None, -1), np.array([[1, 2], [3, 4]]), slice(None, None, 2)),
]


@pytest.mark.parametrize("how", ["numpy", "ingot", "list"])
@pytest.mark.parametrize("idx", ADVANCED, ids=repr)
def test_advanced_indices(idx, how):
    if how == "list" and isinstance(idx, np.ndarray) and idx.ndim > 0 and not isinstance(idx, tuple):
        # A list alone is an index array (numpy: the same as np.array(list)).
        want = X[idx]
        got = np.asarray(make(X)[idx.tolist()])
        np.testing.assert_array_equal(got, want)
        return
    check_get(X, idx, how)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"])
def test_index_array_dtypes(dtype):
    idx = np.array([3, 0, 1], dtype=dtype)
    check_get(X, idx, "ingot")
    check_get(X, (slice(None), idx), "ingot")


def test_index_array_out_of_range_clamps():
    # Index arrays are run-time data: a read out of range clamps into range (docs/python.md); numpy raises.
    a = make(X)
    np.testing.assert_array_equal(np.asarray(a[np.array([7, -9])]), X[[3, 0]])
    np.testing.assert_array_equal(np.asarray(a[:, [5, 100]]), X[:, [4, 4]])


# ---- errors ----
def test_too_many_indices():
    with pytest.raises(IndexError, match=r"too many indices for array: array is 3-dimensional, but 4 were indexed"):
        make(X)[0, 0, 0, 0]
    with pytest.raises(IndexError, match="too many indices"):
        make(X)[..., 0, [0], 0, 0]
    with pytest.raises(IndexError, match="too many indices"):
        make(np.array(1.0, np.float32))[0]


@pytest.mark.parametrize("idx", [4, -5, (0, 5), (0, 0, -7), (Ellipsis, 6), (np.array(4),)], ids=repr)
def test_out_of_bounds_int(idx):
    with pytest.raises(IndexError, match=r"index -?\d+ is out of bounds for axis \d with size \d"):
        make(X)[idx]


def test_invalid_indices():
    a = make(X)
    with pytest.raises(IndexError, match="arrays used as indices must be of integer type, got float32"):
        a[np.array([0.0, 1.0], np.float32)]
    with pytest.raises(IndexError, match="must be of integer type"):
        a[:, ingot.array([1.0])]
    with pytest.raises(IndexError, match="must be of integer type"):
        a[1.5]
    with pytest.raises(IndexError, match="a Python bool is not a valid index"):
        a[True]
    with pytest.raises(IndexError, match="single ellipsis"):
        a[..., 0, ...]
    with pytest.raises(ValueError, match="boolean mask indices are not supported"):
        a[np.ones((4,), bool)]
    with pytest.raises(ValueError, match="boolean mask indices are not supported"):
        a[:, ingot.array([True, False, True, False, True])]
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\) cannot be broadcast"):
        a[np.array([0, 1]), np.array([0, 1, 2])]  # index arrays that do not broadcast
    with pytest.raises((TypeError, ValueError, IndexError)):
        a["x"]


# ---- assignment ----
def check_set(x, idx, value, how="numpy"):
    want = x.copy()
    want[idx] = value
    a = make(x)
    v = make(value) if isinstance(value, np.ndarray) else value
    a[as_ingot_index(idx, how)] = v
    got = np.asarray(a)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want, err_msg=repr(idx))


SETS = [
    (1, 7.0),
    (-1, np.arange(30, dtype=np.float32).reshape(5, 6)),
    ((slice(1, 3), 2), np.arange(6, dtype=np.float32)),           # value broadcasts over the rows
    ((slice(None, None, -2), slice(None), slice(None, None, 3)), np.array([[1.0], [2.0], [3.0], [4.0], [5.0]],
                                                                         np.float32)),
    ((Ellipsis, 0), -1.0),
    ((None, 0, 1), np.ones((1, 6), np.float32)),
    ((0, 0, 0), 99.0),
    (slice(10, 20), 5.0),                                       # empty selection
    (np.array([0, 2]), 3.0),
    (np.array([[3], [1]]), np.arange(30, dtype=np.float32).reshape(5, 6)),
    ((slice(None), np.array([1, 3])), np.array([[10.0], [20.0]], np.float32).reshape(1, 2, 1)),
    ((np.array([0, 1]), np.array([2, 3])), np.array([-1.0, -2.0], np.float32).reshape(2, 1)),
    ((np.array([0, 1]), slice(None), np.array([2, 3])), np.arange(10, dtype=np.float32).reshape(2, 5)),
    ((slice(1, 3), np.array([[0], [4]]), np.array([5, 0, 1])), 8.0),
    ((1, slice(None), np.array([0, 2])), np.arange(10, dtype=np.float32).reshape(2, 5)),
    ((Ellipsis, np.array([5, -6])), np.array([1.0, 2.0], np.float32)),
]


@pytest.mark.parametrize("how", ["numpy", "ingot", "list"])
@pytest.mark.parametrize("idx, value", SETS, ids=[repr(s[0]) for s in SETS])
def test_setitem(idx, value, how):
    check_set(X, idx, value, how)


def test_setitem_casts_value_to_the_array_dtype():
    xi = np.arange(12, dtype=np.int32).reshape(3, 4)
    check_set(xi, (1, slice(None)), 2.7)                       # truncates as numpy's cast
    check_set(xi, (slice(None), [0, 3]), np.array([[1.9], [-1.9], [5.5]], np.float32))
    check_set(xi, 0, True)
    xb = np.zeros((2, 3), bool)
    check_set(xb, (slice(None), 1), 1)
    check_set(xb, (0, [0, 2]), np.array([2, 0], np.int32))
    xh = np.zeros((2, 3), np.float16)
    check_set(xh, (1,), np.array([1.5, 2.25, 1e4], np.float64).astype(np.float32))
    xu = np.zeros(4, np.uint8)
    check_set(xu, slice(1, 3), 200)
    a = make(np.zeros(3, np.float32))
    a[0] = make(np.array(7, np.int64))
    assert a.dtype == ingot.float32 and a.tolist() == [7.0, 0.0, 0.0]


def test_setitem_leaves_other_arrays_alone():
    a = make(X)
    b = a
    c = a[0]
    a[0, 0, 0] = -5.0
    assert a[0, 0, 0].item() == -5.0
    assert b is a  # the same Python object sees the update, as with MLX
    assert c[0, 0].item() == 0.0  # an array taken before keeps its values


def test_setitem_bad_value_shape():
    a = make(X)
    with pytest.raises(ValueError):
        a[0] = np.ones((4, 6), np.float32)
    with pytest.raises(ValueError):
        a[[0, 1]] = np.ones((3, 5, 6), np.float32)


def test_setitem_errors():
    a = make(X)
    with pytest.raises(IndexError, match="too many indices"):
        a[0, 0, 0, 0] = 1.0
    with pytest.raises(IndexError, match="out of bounds"):
        a[4] = 1.0
    with pytest.raises(IndexError, match="must be of integer type"):
        a[np.array([0.5])] = 1.0


def test_setitem_out_of_range_index_array_is_dropped():
    # Writes through out-of-range index arrays are dropped (docs/python.md); numpy raises.
    a = make(np.zeros(4, np.float32))
    a[np.array([1, 9, -7])] = 5.0
    assert a.tolist() == [0.0, 5.0, 0.0, 0.0]


@pytest.mark.parametrize("mask_shape", [(4,), (4, 5), (4, 5, 6)])
def test_boolean_mask_assignment(mask_shape):
    rng = np.random.default_rng(1)
    mask = rng.random(mask_shape) < 0.5
    check_set(X, mask, 7.0)
    # A value that broadcasts against the masked elements' trailing shape.
    if len(mask_shape) < 3:
        trailing = X.shape[len(mask_shape):]
        v = np.arange(np.prod(trailing), dtype=np.float32).reshape(trailing)
        want = X.copy()
        want[mask] = v
        a = make(X)
        a[make(mask)] = make(v)
        np.testing.assert_array_equal(np.asarray(a), want)


def test_boolean_mask_assignment_casts_and_checks():
    xi = np.arange(6, dtype=np.int32)
    check_set(xi, xi > 2, -1.5)
    with pytest.raises(IndexError, match=r"a boolean mask of shape \(3,\) does not match"):
        a = make(X)
        a[np.ones(3, bool)] = 1.0


# ---- known gaps in a[idx] (numpy and MLX accept these; the tests turn green when they are fixed) ----
def test_bare_none_index():
    np.testing.assert_array_equal(np.asarray(make(X)[None]), X[None])


def test_bare_none_index_assignment():
    a = make(X)
    a[None] = 1.0
    np.testing.assert_array_equal(np.asarray(a), np.ones_like(X))


def test_setitem_value_with_leading_ones():
    check_set(X, 0, np.ones((1, 5, 6), np.float32))


def test_boolean_mask_assignment_with_one_value_per_selected_element():
    mask = np.array([True, False, True, False])
    check_set(X, mask, np.arange(60, dtype=np.float32).reshape(2, 5, 6))


# ---- .at[...] updates with repeated indices ----
AT_OPS = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "maximum": np.maximum, "minimum": np.minimum,
}

AT_INDICES = [
    np.array([0, 1, 0, 3, 0]),
    (slice(None), np.array([2, 2, 4])),
    (np.array([1, 1]), np.array([0, 0])),
    (np.array([[0], [0]]), slice(1, 3), np.array([5, 5])),
    (slice(None, None, 2),),
    (Ellipsis, 1),
    (np.array([-1, 3]), 0),
]


@pytest.mark.parametrize("op", list(AT_OPS))
@pytest.mark.parametrize("idx", AT_INDICES, ids=repr)
def test_at_updates_accumulate(op, idx):
    rng = np.random.default_rng(2)
    x = rng.uniform(0.5, 2.0, size=(4, 5, 6)).astype(np.float32)
    sel_shape = x[idx].shape
    v = rng.uniform(0.5, 2.0, size=sel_shape).astype(np.float32)
    want = x.copy()
    AT_OPS[op].at(want, idx, v)
    got = getattr(make(x).at[idx], op)(make(v))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5)


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "maximum", "minimum"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float16", "float64"])
def test_at_dtypes_and_scalar_values(op, dtype):
    x = (np.arange(10) % 4 + 1).astype(dtype)
    idx = np.array([1, 1, 1, 7, 0])
    want = x.copy()
    AT_OPS[op].at(want, idx, np.asarray(2).astype(dtype))
    got = getattr(make(x).at[idx], op)(2)
    assert got.dtype == ingot_dtype(dtype)
    np.testing.assert_array_equal(np.asarray(got), want)


def test_at_broadcasts_value_and_leaves_array_alone():
    a = make(np.zeros((3, 4), np.float32))
    b = a.at[[0, 0, 2]].add(make(np.arange(4, dtype=np.float32)))
    want = np.zeros((3, 4), np.float32)
    np.add.at(want, [0, 0, 2], np.arange(4, dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(b), want)
    assert np.asarray(a).sum() == 0.0


def test_at_out_of_range_index_array_is_dropped():
    # Updates through out-of-range index arrays are dropped (docs/python.md); numpy raises.
    a = make(np.zeros(4, np.float32))
    b = a.at[np.array([1, 9, 1, -8])].add(2.0)
    assert b.tolist() == [0.0, 4.0, 0.0, 0.0]


def test_at_errors():
    a = make(X)
    with pytest.raises(ValueError, match=r"\[array.at\] index the array first"):
        a.at.add(1.0)
    with pytest.raises(IndexError, match="out of bounds"):
        a.at[7].add(1.0)


# ---- random index combinations (hypothesis) ----
@st.composite
def index_items(draw, shape):
    """A random index for `shape`: ints, slices, None, at most one Ellipsis and integer arrays."""
    nd = len(shape)
    k = draw(st.integers(0, nd))  # axes indexed explicitly
    ellipsis_at = draw(st.none() | st.integers(0, k))
    # Without an Ellipsis the k items index the leading axes; with one, those after it index the last axes.
    if ellipsis_at is None:
        dims = list(shape[:k])
    else:
        dims = list(shape[:ellipsis_at]) + list(shape[nd - (k - ellipsis_at):])
    arr_shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    items = []
    for pos, n in enumerate(dims):
        if pos == ellipsis_at:
            items.append(Ellipsis)
        if draw(st.integers(0, 5)) == 0:
            items.append(None)
        kind = draw(st.sampled_from(["int", "slice", "slice", "array"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "array":
            # Shapes that broadcast: each array takes a suffix of one common shape.
            cut = draw(st.integers(0, len(arr_shape)))
            items.append(draw(hnp.arrays(np.int64, arr_shape[cut:], elements=st.integers(-n, n - 1))))
        else:
            start = draw(st.none() | st.integers(-n - 2, n + 2))
            stop = draw(st.none() | st.integers(-n - 2, n + 2))
            step = draw(st.none() | st.integers(-3, 3).filter(lambda v: v != 0))
            items.append(slice(start, stop, step))
    if ellipsis_at is not None and ellipsis_at == len(dims):
        items.append(Ellipsis)
    if draw(st.integers(0, 5)) == 0:
        items.append(None)
    return tuple(items)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_getitem_hypothesis(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    idx = data.draw(index_items(shape))
    try:
        want = x[idx]
    except IndexError:
        return  # index arrays that do not broadcast
    how = data.draw(st.sampled_from(["numpy", "ingot"]))
    a = make(x)
    if x.ndim >= 2 and data.draw(st.booleans()):
        a = make(np.ascontiguousarray(x.T)).T  # a non-contiguous view with the same values
    got = np.asarray(a[as_ingot_index(idx, how)])
    assert got.shape == want.shape, f"{idx!r}: {got.shape} vs {want.shape}"
    np.testing.assert_array_equal(got, want)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_setitem_hypothesis(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    idx = data.draw(index_items(shape))
    try:
        sel = x[idx]
    except IndexError:
        return
    # Repeated positions: numpy keeps the last write, as ingot promises; draw values anyway.
    vshape = sel.shape[data.draw(st.integers(0, sel.ndim)):]
    value = data.draw(hnp.arrays(np.int32, vshape, elements=st.integers(-100, -1)))
    want = x.copy()
    want[idx] = value
    a = make(x)
    a[as_ingot_index(idx, data.draw(st.sampled_from(["numpy", "ingot"])))] = make(value)
    np.testing.assert_array_equal(np.asarray(a), want, err_msg=repr(idx))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), op=st.sampled_from(["add", "maximum", "minimum", "multiply"]))
def test_at_hypothesis(data, op):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-5, 5)))
    idx = data.draw(index_items(shape))
    try:
        sel = x[idx]
    except IndexError:
        return
    value = data.draw(hnp.arrays(np.int64, sel.shape, elements=st.integers(-3, 3)))
    want = x.copy()
    AT_OPS[op].at(want, idx, value)
    got = getattr(make(x).at[as_ingot_index(idx, "numpy")], op)(make(value))
    np.testing.assert_array_equal(np.asarray(got), want, err_msg=repr(idx))


def test_index_errors_name_getitem():
    a = ingot.array(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"\[array.__getitem__\].*\(2,\).*\(3,\)"):
        a[np.array([0, 1]), np.array([0, 1, 2])]
    with pytest.raises(IndexError, match=r"\[array.__getitem__\] index arrays select from axis 0 of size 0"):
        ingot.array(np.zeros((0, 3), np.float32))[[0]]
    with pytest.raises(ValueError, match=r"\[array.__setitem__\] a value of shape \(2,5\) cannot be assigned"):
        a[0] = ingot.array(np.ones((2, 5), np.float32))


def test_mask_assignment_in_order_against_numpy():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    mask = np.array([True, False, True, True])
    for value in [np.array([[1, 2, 3]], np.float32), np.array([7, 8, 9], np.float32),
                  np.arange(9, dtype=np.float32).reshape(3, 3), np.array([[5], [6], [7]], np.float32)]:
        a = ingot.array(x)
        a[ingot.array(mask)] = ingot.array(value)
        want = x.copy()
        want[mask] = value
        np.testing.assert_array_equal(np.asarray(a), want)


def test_an_empty_ellipsis_still_separates_advanced_indices():
    # numpy moves the broadcast index axes first when anything stands between advanced indices.
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    for idx in [(0, Ellipsis, np.array([1, 2])), (None, 0, Ellipsis, 0, np.array([], np.int64), None),
                (np.array([1, 0]), slice(None), 2), (np.array([1, 0]), None, np.array([0, 1]))]:
        got = np.asarray(ingot.array(x)[idx])
        assert got.shape == x[idx].shape
        np.testing.assert_array_equal(got, x[idx])
