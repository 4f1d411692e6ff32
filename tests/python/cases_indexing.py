"""Op table rows: take, take_along_axis, put_along_axis, slice, slice_update.

Index arrays are run-time data in ingot: out-of-range entries clamp on reads and are dropped on writes
(MLX leaves them undefined: its results are garbage or it crashes), so those rows run without MLX.
"""

import numpy as np

import ingot
from op_table import ALL_DTYPES, Case, rand


# ---- non-contiguous views with the same values (applied to ingot's inputs only) ----
def strided(x):
    """Every other element of a doubled copy along the last axis: a view with stride 2."""
    n = np.asarray(x)
    if n.ndim == 0:
        return x
    return ingot.array(np.repeat(n, 2, axis=-1), dtype=x.dtype)[..., ::2]


def transposed(x):
    """A transposed view of the transposed data: the same values, column-major strides."""
    n = np.asarray(x)
    if n.ndim < 2:
        return x
    return ingot.array(np.ascontiguousarray(n.T), dtype=x.dtype).T


def reversed_(x):
    """A view with a negative stride along axis 0."""
    n = np.asarray(x)
    if n.ndim == 0:
        return x
    return ingot.array(np.ascontiguousarray(n[::-1]), dtype=x.dtype)[::-1]


def first(view):
    """A transform that applies `view` to the first input only."""
    return lambda a, *rest: (view(a), *rest)


def i32(values):
    return np.array(values, dtype=np.int32)


# ---- references ----
def np_take(a, indices, axis=None):
    return np.take(a, indices, axis=axis)


def np_take_clamped(a, indices, axis=None):
    """ingot's reads: negative indices count from the end, then clamp into range."""
    a = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else axis
    n = a.shape[ax]
    i = np.asarray(indices).astype(np.int64)
    i = np.where(i < 0, i + n, i)
    return np.take(a, np.clip(i, 0, n - 1), axis=ax)


def np_take_along(a, indices, axis=-1):
    if axis is None:
        return np.take_along_axis(a.reshape(-1), indices, 0)
    return np.take_along_axis(a, indices, axis)


def np_put_along(a, indices, values, axis=None):
    out = a.copy()
    if axis is None:
        flat = out.reshape(-1)
        np.put_along_axis(flat, indices, np.asarray(values).astype(a.dtype), 0)
        return flat.reshape(a.shape)
    np.put_along_axis(out, indices, np.asarray(values).astype(a.dtype), axis)
    return out


def np_put_along_dropped(a, indices, values, axis):
    """ingot's writes: negative indices count from the end; those still out of range are dropped."""
    out = a.copy()
    n = a.shape[axis]
    idx = np.asarray(indices).astype(np.int64)
    idx = np.where(idx < 0, idx + n, idx)
    vals = np.broadcast_to(np.asarray(values).astype(a.dtype), idx.shape)
    it = np.nditer(idx, flags=["multi_index"])
    for i in it:
        if 0 <= i < n:
            pos = list(it.multi_index)
            pos[axis] = int(i)
            out[tuple(pos)] = vals[it.multi_index]
    return out


def np_dynamic_slice(a, start, axes, slice_size):
    """ingot's dynamic slice: a negative start counts from the end, then the window moves to fit."""
    starts = [0] * a.ndim
    for ax, s in zip(axes, np.atleast_1d(start).tolist()):
        n = a.shape[ax]
        s = s + n if s < 0 else s
        starts[ax] = min(max(s, 0), n - slice_size[ax])
    return a[tuple(slice(s, s + k) for s, k in zip(starts, slice_size))]


def np_slice_update(a, update, start, axes):
    out = a.copy()
    u = np.asarray(update).astype(a.dtype)
    u = u.reshape((1,) * (a.ndim - u.ndim) + u.shape)
    size = list(u.shape)
    for d in range(a.ndim - np.asarray(update).ndim):
        if d not in [ax % a.ndim for ax in axes]:
            size[d] = a.shape[d]
    u = np.broadcast_to(u, size)
    starts = [0] * a.ndim
    for ax, s in zip(axes, np.atleast_1d(start).tolist()):
        n = a.shape[ax]
        s = s + n if s < 0 else s
        starts[ax] = min(max(s, 0), n - size[ax])
    out[tuple(slice(s, s + k) for s, k in zip(starts, size))] = u
    return out


CASES = []
A = rand((4, 5))

# ---- take ----
CASES += [
    Case("take", (A, i32([0, 2, -1])), {"axis": 1}, ref=np_take, id="take_axis1_neg"),
    Case("take", (A, i32([[0, 19], [-20, 7]])), ref=np_take, id="take_flat"),
    Case("take", (A, i32([[1, 0, 3]])), {"axis": 0}, ref=np_take, id="take_axis0_2d_indices"),
    Case("take", (A, i32([3, 1])), {"axis": -2}, ref=np_take, id="take_negative_axis"),
    Case("take", (A, 7), ref=np_take, id="take_int_flat"),
    Case("take", (A, 2), {"axis": 1}, ref=np_take, id="take_int_axis"),
    Case("take", (A, np.array(3, np.int32)), {"axis": 0}, ref=np_take, id="take_0d_index_array"),
    Case("take", (A, -1), {"axis": 1}, ref=np_take, mlx=False, id="take_int_negative",
         note="MLX 0.32 fails on a negative int index with an axis ([squeeze] error)."),
    Case("take", (A, np.zeros((0,), np.int32)), {"axis": 1}, ref=np_take, id="take_empty_indices"),
    Case("take", (rand((0, 3)), np.zeros((0,), np.int32)), {"axis": 0}, ref=np_take, id="take_empty_array"),
    Case("take", (rand((2, 3, 4)), i32([2, 0])), {"axis": 1}, ref=np_take, transform=first(strided),
         id="take_strided"),
    Case("take", (rand((3, 4)), i32([2, 0, 1])), {"axis": 0}, ref=np_take, transform=first(transposed),
         id="take_transposed"),
    Case("take", (rand((5, 2)), i32([4, 0])), {"axis": 0}, ref=np_take, transform=first(reversed_),
         id="take_reversed"),
    Case("take", (A, i32([[0, 4], [2, 3]])), {"axis": 1}, ref=np_take,
         transform=lambda a, i: (a, transposed(i)), id="take_transposed_indices"),
    Case("take", (A, i32([9, -9, 4, -5])), {"axis": 0}, ref=np_take_clamped, mlx=False,
         id="take_out_of_range_clamps", note="ingot clamps out-of-range index arrays; MLX is undefined."),
    Case("take", (A, i32([100, -100])), ref=np_take_clamped, mlx=False, id="take_flat_out_of_range_clamps",
         note="ingot clamps out-of-range index arrays; MLX is undefined."),
    Case("take", (A, [4, -1, 0]), {"axis": 1}, ref=np_take, mlx=False, id="take_list_indices",
         note="MLX asks for an array of indices; lists work here."),
    Case("take_along_axis", (rand((2, 3)), [[2, 0], [1, 1]]), {"axis": 1},
         ref=lambda a, i, axis: np_take_along(a, np.array(i), axis), mlx=False,
         id="take_along_axis_list_indices", note="MLX asks for an array of indices; lists work here."),
    Case("slice", (rand((4, 5)), [1, 2], (0, 1), (2, 2)), ref=lambda a, s, axes, size: a[1:3, 2:4], mlx=False,
         id="slice_list_start", note="MLX asks for an array of starts; lists work here."),
    Case("take", (A, np.array([0.5, 1.0], np.float32)), {"axis": 0}, raises=ValueError,
         match=r"\[take\] indices must be integers", id="take_float_indices"),
    Case("take", (A, np.array([True, False])), {"axis": 0}, raises=ValueError,
         match=r"\[take\] indices must be integers", id="take_bool_indices"),
    Case("take", (A, 1.5), raises=ValueError, match=r"\[take\] indices must be integers, got float32",
         id="take_float_scalar"),
    Case("take", (A, 4), {"axis": 0}, raises=ValueError, match=r"\[take\] index 4 is out of range",
         id="take_int_out_of_range"),
    Case("take", (A, -21), raises=ValueError, match=r"\[take\] index -21 is out of range", id="take_int_flat_oob"),
    Case("take", (A, i32([0])), {"axis": 2}, raises=ValueError, match=r"\[take\]", id="take_bad_axis"),
    Case("take", (np.array(1.5, np.float32), i32([0])), {"axis": 0}, raises=ValueError,
         match=r"\[take\] cannot take along an axis of a 0-dimensional", id="take_0d_array"),
    Case("take", (rand((0, 3)), i32([0])), {"axis": 0}, raises=ValueError,
         match=r"\[take\] cannot take from axis 0 of size 0",
         id="take_from_empty_axis"),
]
for dt in ALL_DTYPES:
    CASES.append(Case("take", (rand((4, 3), dt), i32([[3, 0], [1, 1]])), {"axis": 0}, ref=np_take,
                      id=f"take_{dt}"))
for it in ["int8", "uint8", "int16", "uint16", "uint32", "int64", "uint64"]:
    CASES.append(Case("take", (A, np.array([4, 0, 2], it)), {"axis": 1}, ref=np_take, id=f"take_index_{it}"))

# ---- take_along_axis ----
B = rand((3, 4), seed=1)
ORDER = np.argsort(B, axis=1).astype(np.int32)
CASES += [
    Case("take_along_axis", (B, ORDER), {"axis": 1}, ref=np_take_along, id="take_along_axis_argsort"),
    Case("take_along_axis", (B, ORDER), ref=np_take_along, id="take_along_axis_default_last"),
    Case("take_along_axis", (B, i32([[2, 0, 1, 1]])), {"axis": 0}, ref=np_take_along, id="take_along_axis_axis0"),
    Case("take_along_axis", (B, i32([[3], [-1], [0]])), {"axis": 1}, ref=np_take_along,
         id="take_along_axis_negative"),
    Case("take_along_axis", (B, i32([[0, 3]])), {"axis": 1}, ref=np_take_along, id="take_along_axis_broadcast"),
    Case("take_along_axis", (rand((3, 1)), i32([[0], [0], [0]]).reshape(1, 3)), {"axis": 0},
         ref=np_take_along, id="take_along_axis_broadcast_array"),
    Case("take_along_axis", (B, i32([11, 0, 5])), {"axis": None}, ref=np_take_along, id="take_along_axis_none"),
    Case("take_along_axis", (rand((2, 3, 4)), np.zeros((2, 0, 4), np.int32)), {"axis": 1}, ref=np_take_along,
         id="take_along_axis_empty"),
    Case("take_along_axis", (rand((2, 3, 4)), i32([[[2, 0, 1, 2]], [[1, 1, 0, 0]]])), {"axis": 1},
         ref=np_take_along, transform=first(transposed), id="take_along_axis_transposed"),
    Case("take_along_axis", (B, ORDER), {"axis": 1}, ref=np_take_along, transform=first(strided),
         id="take_along_axis_strided"),
    Case("take_along_axis", (B, i32([[7], [-9], [1]])), {"axis": 1},
         ref=lambda a, i, axis: np.take_along_axis(a, i32([[3], [0], [1]]), axis), mlx=False,
         id="take_along_axis_out_of_range_clamps", note="ingot clamps; MLX is undefined."),
    Case("take_along_axis", (B, i32([0, 1])), {"axis": 1}, raises=ValueError,
         match=r"\[take_along_axis\] indices of shape \(2,\) must have as many dimensions",
         id="take_along_axis_rank_mismatch"),
    Case("take_along_axis", (B, i32([[0, 1], [0, 1]])), {"axis": 1}, raises=ValueError,
         match=r"\[take_along_axis\] .* do not broadcast", id="take_along_axis_no_broadcast"),
    Case("take_along_axis", (B, np.zeros((3, 1), np.float32)), {"axis": 1}, raises=ValueError,
         match=r"\[take_along_axis\] indices must be integers", id="take_along_axis_float"),
    Case("take_along_axis", (B, ORDER), {"axis": 2}, raises=ValueError, match=r"\[take_along_axis\]",
         id="take_along_axis_bad_axis"),
]
for dt in ALL_DTYPES:
    x = rand((3, 4), dt, seed=2)
    CASES.append(Case("take_along_axis", (x, i32([[3, 0], [1, 2], [0, 0]])), {"axis": 1}, ref=np_take_along,
                      id=f"take_along_axis_{dt}"))

# ---- put_along_axis ----
C = rand((3, 4), seed=3)
CASES += [
    Case("put_along_axis", (C, i32([[1], [3], [0]]), rand((3, 1), seed=4)), {"axis": 1}, ref=np_put_along,
         id="put_along_axis_basic"),
    Case("put_along_axis", (C, i32([[2, 0, 1, 2]]), rand((1, 4), seed=5)), {"axis": 0}, ref=np_put_along,
         id="put_along_axis_axis0"),
    Case("put_along_axis", (C, i32([[0], [-1], [-4]]), np.array(9.5, np.float32)), {"axis": 1},
         ref=np_put_along, id="put_along_axis_negative_broadcast_value"),
    Case("put_along_axis", (C, i32([0, 11, 5])), {"values": rand((3,), seed=6)}, ref=np_put_along,
         id="put_along_axis_none"),
    Case("put_along_axis", (C, i32([[1], [3], [0]]), 7), {"axis": 1}, ref=np_put_along, mlx=False,
         id="put_along_axis_python_scalar", note="MLX asks for an array of values; a scalar works here."),
    Case("put_along_axis", (C.astype(np.int32), i32([[1], [2], [0]]), np.array([[1.7], [-2.2], [3.9]], np.float32)),
         {"axis": 1}, ref=lambda a, i, v, axis: np_put_along(a, i, v.astype(np.int32), axis),
         id="put_along_axis_casts_values"),
    Case("put_along_axis", (C, i32([[1], [3], [0]]), rand((3, 1), seed=4)), {"axis": 1}, ref=np_put_along,
         transform=first(transposed), id="put_along_axis_transposed"),
    Case("put_along_axis", (C, np.zeros((3, 0), np.int32), np.zeros((3, 0), np.float32)), {"axis": 1},
         ref=np_put_along, id="put_along_axis_empty_indices"),
    Case("put_along_axis", (C, i32([[1, 1], [0, 0], [2, 2]]), rand((3, 2), seed=7)), {"axis": 1},
         ref=lambda a, i, v, axis: np_put_along_dropped(a, i, v, axis), mlx=False,
         id="put_along_axis_duplicates_last_wins", note="MLX leaves the winner of repeated indices undefined."),
    Case("put_along_axis", (C, i32([[4], [-5], [2]]), rand((3, 1), seed=8)), {"axis": 1},
         ref=np_put_along_dropped, mlx=False, id="put_along_axis_out_of_range_dropped",
         note="ingot drops out-of-range writes; MLX is undefined."),
    Case("put_along_axis", (C, i32([0, 1]), rand((2,), seed=9)), {"axis": 1}, raises=ValueError,
         match=r"\[put_along_axis\]", id="put_along_axis_rank_mismatch"),
    Case("put_along_axis", (C, np.zeros((3, 1), np.float32), rand((3, 1))), {"axis": 1}, raises=ValueError,
         match=r"\[put_along_axis\] indices must be integers", id="put_along_axis_float_indices"),
]
for dt in ALL_DTYPES:
    x = rand((2, 5), dt, seed=10)
    CASES.append(Case("put_along_axis", (x, i32([[4, 0], [2, 3]]), rand((2, 2), dt, seed=11)), {"axis": 1},
                      ref=np_put_along, id=f"put_along_axis_{dt}"))

# ---- slice (run-time starts) ----
D = rand((4, 5, 3), seed=12)
CASES += [
    Case("slice", (D, i32([1, 2]), (0, 1), (2, 3, 3)),
         ref=lambda a, s, axes, size: a[1:3, 2:5, :], id="slice_two_axes"),
    Case("slice", (D, np.array(2, np.int32), (1,), (4, 2, 3)),
         ref=lambda a, s, axes, size: a[:, 2:4], id="slice_0d_start"),
    Case("slice", (D, i32([1]), (-1,), (4, 5, 2)), ref=lambda a, s, axes, size: a[:, :, 1:3],
         id="slice_negative_axis"),
    Case("slice", (D, np.array([3], np.uint8), (0,), (1, 5, 3)), ref=lambda a, s, axes, size: a[3:4],
         id="slice_uint8_start"),
    Case("slice", (D, i32([0]), (0,), (0, 5, 3)), ref=lambda a, s, axes, size: a[0:0], id="slice_empty"),
    Case("slice", (D, i32([1, 2]), (0, 1), (2, 3, 3)), ref=lambda a, s, axes, size: a[1:3, 2:5, :],
         transform=first(transposed), id="slice_transposed"),
    Case("slice", (D, i32([-1, 4]), (0, 1), (2, 2, 3)), ref=np_dynamic_slice, mlx=False,
         id="slice_start_clamped", note="ingot moves an out-of-range window inside the array; MLX reads outside."),
    Case("slice", (D, i32([-3]), (1,), (4, 2, 3)), ref=np_dynamic_slice, mlx=False, id="slice_negative_start",
         note="A negative start counts from the end in ingot; MLX crashes."),
    Case("slice", (D, i32([1, 1]), (0,), (1, 5, 3)), raises=ValueError, match=r"\[slice\]",
         id="slice_start_count_mismatch"),
    Case("slice", (D, i32([1]), (0,), (1, 5)), raises=ValueError, match=r"\[slice\] slice size \(1,5\) is invalid",
         id="slice_size_length"),
    Case("slice", (D, i32([1]), (0,), (5, 5, 3)), raises=ValueError, match=r"\[slice\] slice size",
         id="slice_size_too_big"),
    Case("slice", (D, np.array([1.0], np.float32), (0,), (1, 5, 3)), raises=ValueError, match=r"\[slice\]",
         id="slice_float_start"),
    Case("slice", (D, i32([1]), (3,), (1, 5, 3)), raises=ValueError, match=r"\[slice\]", id="slice_bad_axis"),
]
for dt in ALL_DTYPES:
    CASES.append(Case("slice", (rand((3, 4), dt, seed=13), i32([1, 1]), (0, 1), (2, 2)),
                      ref=lambda a, s, axes, size: a[1:3, 1:3], id=f"slice_{dt}"))

# ---- slice_update (run-time starts) ----
E = rand((4, 5), seed=14)
CASES += [
    Case("slice_update", (E, rand((2, 3), seed=15), i32([1, 2]), (0, 1)), ref=np_slice_update,
         id="slice_update_two_axes"),
    Case("slice_update", (E, rand((5,), seed=16), np.array(2, np.int32), (0,)), ref=np_slice_update,
         id="slice_update_missing_leading_dim"),
    Case("slice_update", (E, rand((4, 1), seed=17), i32([3]), (1,)), ref=np_slice_update, id="slice_update_column"),
    Case("slice_update", (E, rand((1, 1), seed=18), i32([0]), (-1,)), ref=np_slice_update,
         id="slice_update_broadcast_update"),
    Case("slice_update", (E.astype(np.int32), np.array([[1.9, -1.9]], np.float32), i32([0, 0]), (0, 1)),
         ref=np_slice_update, id="slice_update_casts"),
    Case("slice_update", (E, rand((2, 3), seed=15), i32([1, 2]), (0, 1)), ref=np_slice_update,
         transform=lambda a, u, s, ax: (transposed(a), strided(u), s, ax), id="slice_update_noncontiguous"),
    Case("slice_update", (E, np.zeros((0, 3), np.float32), i32([1, 2]), (0, 1)), ref=np_slice_update,
         id="slice_update_empty"),
    Case("slice_update", (E, 5.0, i32([1, 1]), (0, 1)), ref=np_slice_update, mlx=False,
         id="slice_update_scalar", note="MLX asks for an array update; a scalar works here."),
    Case("slice_update", (E, rand((2, 2), seed=19), i32([3, -1]), (0, 1)), ref=np_slice_update, mlx=False,
         id="slice_update_clamped", note="ingot moves the window inside the array; MLX writes out of bounds."),
    Case("slice_update", (E, rand((2, 6)), i32([0, 0]), (0, 1)), raises=ValueError,
         match=r"\[slice_update\] update of shape \(2,6\) does not fit", id="slice_update_too_big"),
    Case("slice_update", (E, rand((1, 2, 2)), i32([0, 0]), (0, 1)), raises=ValueError,
         match=r"\[slice_update\] update of shape \(1,2,2\) has more dimensions", id="slice_update_rank"),
    Case("slice_update", (E, rand((2, 2)), i32([0]), (0, 1)), raises=ValueError, match=r"\[slice_update\]",
         id="slice_update_start_count"),
]
for dt in ALL_DTYPES:
    CASES.append(Case("slice_update", (rand((3, 4), dt, seed=20), rand((2, 2), dt, seed=21), i32([1, 2]), (0, 1)),
                      ref=np_slice_update, id=f"slice_update_{dt}"))
