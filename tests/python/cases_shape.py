"""Op table rows: reshape, flatten, unflatten, transpose, swapaxes, moveaxis, expand_dims, squeeze,
broadcast_to, broadcast_arrays, broadcast_shapes, concatenate (concat), stack, split, tril, triu, repeat,
tile, roll, meshgrid, diag, diagonal, trace, pad, and the products matmul, addmm, outer, inner, tensordot,
einsum."""

import numpy as np

from cases_elementwise import reversed_, strided, transposed
import ingot
from op_table import ALL_DTYPES, FLOATS, Case, rand

CASES = []
X = rand((2, 3, 4), seed=1)


def first(view):
    return lambda a, *rest: (view(a), *rest)


def each(view):
    """A transform for a list argument: `view` applied to every array in it."""
    return lambda arrays, *rest: ([view(a) for a in arrays], *rest)


def f64(a):
    a = np.asarray(a)
    return a.astype(np.float64) if a.dtype.kind == "f" or a.dtype.name == "bfloat16" else a


# ---- reshape, flatten, unflatten ----
for dt in ALL_DTYPES:
    CASES.append(Case("reshape", (rand((2, 6), dt), (3, 4)), ref=np.reshape, id=f"reshape_{dt}"))
CASES += [
    Case("reshape", (X, (4, -1)), ref=np.reshape, id="reshape_infer"),
    Case("reshape", (X, [24]), ref=np.reshape, id="reshape_list"),
    Case("reshape", (X, 24), ref=np.reshape, mlx=False, note="ingot also takes an int", id="reshape_int"),
    Case("reshape", (np.array(3.0, np.float32), (1, 1)), ref=np.reshape, id="reshape_0d"),
    Case("reshape", (rand((1, 1)), ()), ref=np.reshape, id="reshape_to_0d"),
    Case("reshape", (np.zeros((0, 4), np.float32), (2, 0, 2)), ref=np.reshape, id="reshape_empty"),
    Case("reshape", (rand((4, 6)), (3, 8)), ref=np.reshape, transform=first(transposed), id="reshape_transposed"),
    Case("reshape", (rand((4, 6)), (-1,)), ref=np.reshape, transform=first(strided), id="reshape_strided"),
    Case("reshape", (X, (5, 5)), raises=ValueError, match=r"\[reshape\]", id="reshape_bad_size"),
    Case("reshape", (X, (-1, -1)), raises=ValueError, match=r"\[reshape\]", id="reshape_two_inferred"),
    Case("flatten", (X,), ref=lambda a: a.reshape(-1), id="flatten_all"),
    Case("flatten", (X, 1), ref=lambda a, s: a.reshape(2, -1), id="flatten_start"),
    Case("flatten", (X,), {"start_axis": 0, "end_axis": 1}, ref=lambda a, **k: a.reshape(6, 4), id="flatten_end"),
    Case("flatten", (X, -2, -1), ref=lambda a, s, e: a.reshape(2, 12), id="flatten_negative"),
    Case("flatten", (np.array(2, np.int8),), ref=lambda a: a.reshape(1), id="flatten_0d"),
    Case("flatten", (rand((4, 5), "int16"),), ref=lambda a: a.reshape(-1), transform=first(transposed),
         id="flatten_transposed"),
    Case("flatten", (X, 2, 1), raises=ValueError, match=r"\[flatten\]", id="flatten_bad_order"),
    Case("flatten", (X, 0, 3), raises=ValueError, match=r"\[flatten\]", id="flatten_bad_axis"),
    Case("unflatten", (rand((2, 12), "bfloat16"), 1, (3, 4)), ref=lambda a, ax, s: a.reshape(2, 3, 4),
         id="unflatten_basic"),
    Case("unflatten", (rand((2, 12)), -1, (3, -1)), ref=lambda a, ax, s: a.reshape(2, 3, 4), id="unflatten_infer"),
    Case("unflatten", (rand((6, 5)), 0, [6]), ref=lambda a, ax, s: a, id="unflatten_same"),
    Case("unflatten", (rand((6, 5)), 0, (2, 3)), ref=lambda a, ax, s: a.reshape(2, 3, 5),
         transform=first(transposed), id="unflatten_transposed"),
    Case("unflatten", (rand((2, 12)), 1, (5, -1)), raises=ValueError, match=r"\[unflatten\]", id="unflatten_bad"),
    Case("unflatten", (rand((2, 12)), 2, (3, 4)), raises=ValueError, match=r"\[unflatten\]", id="unflatten_axis"),
]

# ---- transpose, swapaxes, moveaxis, expand_dims, squeeze ----
for dt in ALL_DTYPES:
    CASES.append(Case("transpose", (rand((2, 3, 4), dt),), ref=np.transpose, id=f"transpose_{dt}"))
CASES += [
    Case("transpose", (X, (1, 0, 2)), ref=np.transpose, id="transpose_axes"),
    Case("transpose", (X,), {"axes": [2, -3, 1]}, ref=lambda a, axes: np.transpose(a, axes), id="transpose_negative"),
    Case("transpose", (np.array(1.0, np.float32),), ref=np.transpose, id="transpose_0d"),
    Case("transpose", (np.zeros((0, 2), np.float32),), ref=np.transpose, id="transpose_empty"),
    Case("transpose", (rand((4, 5)),), ref=np.transpose, transform=first(transposed), id="transpose_transposed"),
    Case("transpose", (X, (1, 0)), raises=ValueError, match=r"\[transpose\]", id="transpose_too_few"),
    Case("transpose", (X, (0, 0, 1)), raises=ValueError, match=r"\[transpose\]", id="transpose_repeated"),
    Case("swapaxes", (X, 0, 2), ref=np.swapaxes, id="swapaxes_basic"),
    Case("swapaxes", (rand((2, 3), "int8"), -1, 0), ref=np.swapaxes, id="swapaxes_negative"),
    Case("swapaxes", (rand((4, 5)), 0, 1), ref=np.swapaxes, transform=first(reversed_), id="swapaxes_reversed"),
    Case("swapaxes", (X, 0, 3), raises=ValueError, match=r"\[swapaxes\]", id="swapaxes_bad_axis"),
    Case("moveaxis", (X, 0, -1), ref=np.moveaxis, id="moveaxis_basic"),
    Case("moveaxis", (rand((2, 3, 4), "float16"), 2, 0), ref=np.moveaxis, id="moveaxis_float16"),
    Case("moveaxis", (rand((4, 5)), 1, 0), ref=np.moveaxis, transform=first(strided), id="moveaxis_strided"),
    Case("moveaxis", (X, 3, 0), raises=ValueError, match=r"\[moveaxis\]", id="moveaxis_bad_axis"),
    Case("expand_dims", (X, 0), ref=np.expand_dims, id="expand_dims_front"),
    Case("expand_dims", (X, -1), ref=np.expand_dims, id="expand_dims_back"),
    Case("expand_dims", (X, (0, 4)), ref=np.expand_dims, id="expand_dims_tuple"),
    Case("expand_dims", (rand((2, 3), "uint16"),), {"axis": [1, -1]},
         ref=lambda a, axis: np.expand_dims(a, tuple(axis)), id="expand_dims_list"),
    Case("expand_dims", (np.array(5, np.int32), 0), ref=np.expand_dims, id="expand_dims_0d"),
    Case("expand_dims", (rand((4, 5)), 1), ref=np.expand_dims, transform=first(transposed),
         id="expand_dims_transposed"),
    Case("expand_dims", (X, 5), raises=ValueError, match=r"\[expand_dims\]", id="expand_dims_bad_axis"),
    Case("expand_dims", (X, (1, 1)), raises=ValueError, match=r"\[expand_dims\]", id="expand_dims_repeated"),
    Case("squeeze", (rand((1, 3, 1, 2)),), ref=np.squeeze, id="squeeze_all"),
    Case("squeeze", (rand((1, 3, 1, 2), "int64"), 2), ref=np.squeeze, id="squeeze_axis"),
    Case("squeeze", (rand((1, 3, 1, 2)), (0, -2)), ref=np.squeeze, id="squeeze_tuple"),
    Case("squeeze", (rand((1, 3, 1, 2)),), {"axis": [0]}, ref=lambda a, axis: np.squeeze(a, tuple(axis)),
         id="squeeze_list"),
    Case("squeeze", (rand((1, 1)),), ref=np.squeeze, id="squeeze_to_0d"),
    Case("squeeze", (rand((1, 4)),), ref=np.squeeze, transform=first(transposed), id="squeeze_transposed"),
    Case("squeeze", (rand((1, 3)), 1), raises=ValueError, match=r"\[squeeze\]", id="squeeze_not_one"),
    Case("squeeze", (rand((1, 3)), 2), raises=ValueError, match=r"\[squeeze\]", id="squeeze_bad_axis"),
]

# ---- broadcasting ----
CASES += [
    Case("broadcast_to", (rand((3, 1)), (2, 3, 4)), ref=np.broadcast_to, id="broadcast_to_basic"),
    Case("broadcast_to", (rand((4,), "bool"), [3, 4]), ref=np.broadcast_to, id="broadcast_to_list"),
    Case("broadcast_to", (2.5, (2, 2)), ref=np.broadcast_to, id="broadcast_to_python_scalar"),
    Case("broadcast_to", (np.array(7, np.uint8), (3,)), ref=np.broadcast_to, id="broadcast_to_0d"),
    Case("broadcast_to", (rand((1, 3)), (0, 3)), ref=np.broadcast_to, id="broadcast_to_empty"),
    Case("broadcast_to", (rand((4, 1)), (2, 4, 3)), ref=np.broadcast_to, transform=first(reversed_),
         id="broadcast_to_reversed"),
    Case("broadcast_to", (rand((2,)), (3,)), raises=ValueError, match=r"\[broadcast_to\]", id="broadcast_to_bad"),
    Case("broadcast_to", (rand((2, 3)), (3,)), raises=ValueError, match=r"\[broadcast_to\]",
         id="broadcast_to_fewer_dims"),
    Case("broadcast_arrays", (rand((3, 1)), rand((1, 4), "int8")), ref=lambda *a: np.broadcast_arrays(*a),
         id="broadcast_arrays_two"),
    Case("broadcast_arrays", (rand((2, 1, 1)), rand((3, 1)), rand((4,), "float16")),
         ref=lambda *a: np.broadcast_arrays(*a), id="broadcast_arrays_three"),
    Case("broadcast_arrays", (rand((3,)),), ref=lambda *a: np.broadcast_arrays(*a), id="broadcast_arrays_one"),
    Case("broadcast_arrays", (), ref=lambda: [], id="broadcast_arrays_none"),
    Case("broadcast_arrays", (rand((4, 5)), rand((5,))), ref=lambda *a: np.broadcast_arrays(*a),
         transform=lambda a, b: (transposed(a), b), id="broadcast_arrays_transposed"),
    Case("broadcast_arrays", (rand((2,)), rand((3,))), raises=ValueError, match=r"broadcast",
         id="broadcast_arrays_bad"),
    Case("broadcast_shapes", ((1, 2), (3, 1), (3, 2)), ref=lambda *s: np.broadcast_shapes(*s),
         id="broadcast_shapes_three"),
    Case("broadcast_shapes", ((5, 1, 4), [3, 1]), ref=lambda *s: np.broadcast_shapes(*s),
         id="broadcast_shapes_ranks"),
    Case("broadcast_shapes", ((0, 1), (1, 3)), ref=lambda *s: np.broadcast_shapes(*s), id="broadcast_shapes_empty"),
    Case("broadcast_shapes", ((),), ref=lambda *s: np.broadcast_shapes(*s), id="broadcast_shapes_scalar"),
    Case("broadcast_shapes", ((2,), (3,)), raises=ValueError, match=r"\[broadcast_shapes\]",
         id="broadcast_shapes_bad"),
    Case("broadcast_shapes", (), raises=ValueError, match=r"\[broadcast_shapes\]", id="broadcast_shapes_none"),
]

# ---- concatenate, concat, stack, split ----
for op in ("concatenate", "concat"):
    CASES += [
        Case(op, ([rand((2, 3)), rand((1, 3), seed=2)],), ref=np.concatenate, id=f"{op}_axis0"),
        Case(op, ([rand((2, 3)), rand((2, 1), "float16")], 1), ref=lambda l, ax: np.concatenate(l, ax),
             id=f"{op}_axis1_promotes"),
        Case(op, ([rand((2, 3)), rand((2, 2), seed=3)],), {"axis": -1},
             ref=lambda l, axis: np.concatenate(l, axis), id=f"{op}_negative_axis"),
        Case(op, ([rand((2, 3), "int32"), rand((4,), "int32")],), {"axis": None},
             ref=lambda l, axis: np.concatenate(l, None), id=f"{op}_axis_none"),
        Case(op, ([rand((2, 3), "int8"), rand((1, 3), "uint8"), rand((0, 3), "int8")],),
             ref=np.concatenate, id=f"{op}_three_with_empty"),
        Case(op, ([rand((4, 5)), rand((4, 5), seed=9)], 1), ref=lambda l, ax: np.concatenate(l, ax),
             transform=each(transposed), id=f"{op}_transposed"),
        Case(op, ([],), raises=ValueError, match=r"\[concatenate\]", id=f"{op}_empty_list"),
        Case(op, ([rand((2, 3)), rand((2, 2))],), raises=ValueError, match=r"\[concatenate\]",
             id=f"{op}_shape_mismatch"),
        Case(op, ([rand((2, 3)), rand((2, 3))], 2), raises=ValueError, match=r"\[concatenate\]",
             id=f"{op}_bad_axis"),
    ]
for dt in ALL_DTYPES:
    CASES.append(Case("concatenate", ([rand((2, 2), dt), rand((1, 2), dt, seed=4)],), ref=np.concatenate,
                      id=f"concatenate_{dt}"))
    CASES.append(Case("stack", ([rand((2, 2), dt), rand((2, 2), dt, seed=4)],), ref=np.stack, id=f"stack_{dt}"))
CASES += [
    Case("stack", ([rand((2, 3)), rand((2, 3), seed=2)], 1), ref=lambda l, ax: np.stack(l, ax), id="stack_axis1"),
    Case("stack", ([rand((2, 3)), rand((2, 3), seed=2)],), {"axis": -1}, ref=lambda l, axis: np.stack(l, axis),
         id="stack_negative_axis"),
    Case("stack", ([rand((2,)), rand((2,), seed=2)],), {"axis": None}, ref=lambda l, axis: np.stack(l),
         id="stack_axis_none"),
    Case("stack", ([rand((2,), "int32"), rand((2,), "float16")],), ref=np.stack, id="stack_promotes"),
    Case("stack", ([np.array(1.0, np.float32), np.array(2.0, np.float32)],), ref=np.stack, id="stack_0d"),
    Case("stack", ([rand((4, 5)), rand((4, 5), seed=2)],), ref=np.stack, transform=each(transposed),
         id="stack_transposed"),
    Case("stack", ([],), raises=ValueError, match=r"\[stack\]", id="stack_empty_list"),
    Case("stack", ([rand((2,)), rand((3,))],), raises=ValueError, match=r"\[stack\]", id="stack_shape_mismatch"),
]
for dt in ["float32", "bfloat16", "int8", "bool"]:
    CASES.append(Case("split", (rand((6, 2), dt), 3), ref=lambda a, n: np.split(a, n), id=f"split_{dt}"))
CASES += [
    Case("split", (rand((6, 4)), [1, 4]), ref=lambda a, i: np.split(a, i), id="split_indices"),
    Case("split", (rand((2, 6)), 2, 1), ref=lambda a, n, ax: np.split(a, n, ax), id="split_axis1"),
    Case("split", (rand((2, 6)), (2,)), {"axis": -1}, ref=lambda a, i, axis: np.split(a, i, axis),
         id="split_tuple_negative_axis"),
    Case("split", (rand((6,)), [0, 6]), ref=lambda a, i: np.split(a, i), id="split_edge_indices"),
    Case("split", (rand((4, 6)), 2, 1), ref=lambda a, n, ax: np.split(a, n, ax), transform=first(transposed),
         id="split_transposed"),
    Case("split", (rand((6,)), 4), raises=ValueError, match=r"\[split\]", id="split_unequal"),
    Case("split", (rand((6,)), 2, 1), raises=ValueError, match=r"\[split\]", id="split_bad_axis"),
]

# ---- tril, triu ----
for op, fn in (("tril", np.tril), ("triu", np.triu)):
    for dt in ["float32", "int32", "bool", "float16", "uint8"]:
        CASES.append(Case(op, (rand((3, 4), dt),), ref=fn, id=f"{op}_{dt}"))
    CASES += [
        Case(op, (rand((4, 4)), 1), ref=fn, id=f"{op}_k_positive"),
        Case(op, (rand((4, 3)),), {"k": -2}, ref=lambda a, k, fn=fn: fn(a, k), id=f"{op}_k_negative"),
        Case(op, (rand((2, 3, 3)),), ref=fn, id=f"{op}_batched"),
        Case(op, (rand((4, 5)),), ref=fn, transform=first(transposed), id=f"{op}_transposed"),
        Case(op, (np.zeros((0, 3), np.float32),), ref=fn, id=f"{op}_empty"),
        Case(op, (rand((3,)),), raises=ValueError, match=rf"\[{op}\]", id=f"{op}_1d"),
    ]

# ---- repeat, tile, roll ----
CASES += [
    Case("repeat", (rand((2, 3)), 2), ref=np.repeat, id="repeat_flat"),
    Case("repeat", (rand((2, 3), "int8"), 3, 1), ref=np.repeat, id="repeat_axis"),
    Case("repeat", (rand((2, 3)), 2), {"axis": -2}, ref=lambda a, r, axis: np.repeat(a, r, axis),
         id="repeat_negative_axis"),
    Case("repeat", (rand((2, 3)), 0, 0), ref=np.repeat, id="repeat_zero"),
    Case("repeat", (np.array(4, np.int32), 3), ref=np.repeat, id="repeat_0d"),
    Case("repeat", (rand((4, 5)), 2, 0), ref=np.repeat, transform=first(transposed), id="repeat_transposed"),
    Case("repeat", (rand((2, 3)), -1), raises=ValueError, match=r"\[repeat\]", id="repeat_negative"),
    Case("repeat", (rand((2, 3)), 2, 2), raises=ValueError, match=r"\[repeat\]", id="repeat_bad_axis"),
    Case("tile", (rand((2, 3)), 2), ref=np.tile, id="tile_int"),
    Case("tile", (rand((2, 3), "bool"), (2, 1, 2)), ref=np.tile, id="tile_more_dims"),
    Case("tile", (rand((2, 3, 2), "float16"), [2]), ref=np.tile, id="tile_fewer_reps"),
    Case("tile", (rand((2, 3)), (0, 1)), ref=np.tile, id="tile_zero"),
    Case("tile", (np.array(3.0, np.float32), (2, 2)), ref=np.tile, id="tile_0d"),
    Case("tile", (rand((4, 5)), (1, 2)), ref=np.tile, transform=first(reversed_), id="tile_reversed"),
    Case("tile", (rand((2,)), (-1,)), raises=ValueError, match=r"\[tile\]", id="tile_negative"),
    Case("roll", (rand((2, 3)), 1), ref=np.roll, id="roll_flat"),
    Case("roll", (rand((2, 3), "int16"), -4), ref=np.roll, id="roll_flat_negative"),
    Case("roll", (rand((2, 3)), 1, 1), ref=np.roll, id="roll_axis"),
    Case("roll", (rand((2, 3)), (1, 2), (0, 1)), ref=np.roll, id="roll_tuple"),
    Case("roll", (rand((2, 3)), 1, (0, 1)), ref=np.roll, id="roll_one_shift_many_axes"),
    Case("roll", (rand((2, 3)), (1, 2)), ref=lambda a, s: np.roll(a, sum(s)), id="roll_flat_shifts_add"),
    Case("roll", (rand((2, 3)), 5, -1), ref=np.roll, id="roll_wraps"),
    Case("roll", (np.zeros((0, 3), np.float32), 1, 1), ref=np.roll, id="roll_empty"),
    Case("roll", (rand((4, 5)), 2, 0), ref=np.roll, transform=first(transposed), id="roll_transposed"),
    Case("roll", (rand((2, 3)), 1, 2), raises=ValueError, match=r"\[roll\]", id="roll_bad_axis"),
    Case("roll", (rand((2, 3)), (1, 2, 3), (0, 1)), raises=ValueError, match=r"\[roll\]", id="roll_mismatch"),
]

# ---- meshgrid ----
CASES += [
    Case("meshgrid", (rand((2,)), rand((3,), "int32")), ref=lambda *a: np.meshgrid(*a), id="meshgrid_xy"),
    Case("meshgrid", (rand((2,)), rand((3,)), rand((4,))), {"indexing": "ij"},
         ref=lambda *a, indexing: np.meshgrid(*a, indexing=indexing), id="meshgrid_ij"),
    Case("meshgrid", (rand((2,)), rand((3,))), {"sparse": True},
         ref=lambda *a, sparse: np.meshgrid(*a, sparse=sparse), id="meshgrid_sparse"),
    Case("meshgrid", (rand((2,)),), ref=lambda *a: np.meshgrid(*a), id="meshgrid_one"),
    Case("meshgrid", (rand((2,)), rand((6,))), ref=lambda *a: np.meshgrid(*a),
         transform=lambda a, b: (a, strided(b)), id="meshgrid_strided"),
    Case("meshgrid", (rand((2,)),), {"indexing": "foo"}, raises=ValueError, match=r"\[meshgrid\]",
         id="meshgrid_bad_indexing"),
]

# ---- diag, diagonal, trace ----
CASES += [
    Case("diag", (rand((3,)),), ref=np.diag, id="diag_1d"),
    Case("diag", (rand((3,), "int8"), 1), ref=np.diag, id="diag_1d_k"),
    Case("diag", (rand((3, 4)),), ref=np.diag, id="diag_2d"),
    Case("diag", (rand((3, 4), "bfloat16"),), {"k": -1}, ref=lambda a, k: np.diag(a, k), id="diag_2d_k"),
    Case("diag", (rand((3, 4)), 5), ref=np.diag, id="diag_2d_outside"),
    Case("diag", (rand((4, 5)),), ref=np.diag, transform=first(transposed), id="diag_transposed"),
    Case("diag", (rand((2, 2, 2)),), raises=ValueError, match=r"\[diag\]", id="diag_3d"),
    Case("diagonal", (rand((3, 4)),), ref=np.diagonal, id="diagonal_2d"),
    Case("diagonal", (rand((2, 3, 4), "int32"), 1, 1, 2), ref=np.diagonal, id="diagonal_axes"),
    Case("diagonal", (rand((2, 3, 4)),), {"offset": -1, "axis1": -1, "axis2": 0},
         ref=lambda a, **k: np.diagonal(a, **k), id="diagonal_kw"),
    Case("diagonal", (rand((4, 5)), 1), ref=np.diagonal, transform=first(reversed_), id="diagonal_reversed"),
    Case("diagonal", (rand((3, 4)), 0, 0, 0), raises=ValueError, match=r"\[diagonal\]", id="diagonal_same_axes"),
    Case("diagonal", (rand((3,)),), raises=ValueError, match=r"\[diagonal\]", id="diagonal_1d"),
    Case("trace", (rand((3, 4)),), ref=lambda a: np.trace(f64(a)), id="trace_2d"),
    Case("trace", (rand((3, 4), "int8"), 1), ref=np.trace, dtype="int32", id="trace_int8"),
    Case("trace", (rand((2, 3, 3)), 0, 1, 2), ref=lambda a, *k: np.trace(f64(a), *k), id="trace_axes"),
    Case("trace", (rand((3, 3), "int32"),), {"dtype": ingot.float16},
         ref=lambda a, dtype: np.trace(a), dtype="float16", id="trace_dtype"),
    Case("trace", (rand((4, 5)),), ref=lambda a: np.trace(f64(a)), transform=first(transposed),
         id="trace_transposed"),
    Case("trace", (rand((3,)),), raises=ValueError, match=r"\[trace\]|\[diagonal\]", id="trace_1d"),
]


# ---- pad ----
def np_pad(a, pad_width, mode="constant", constant_values=0):
    if mode == "constant":
        return np.pad(a, pad_width, mode, constant_values=constant_values)
    return np.pad(a, pad_width, mode)


for dt in ["float32", "int8", "bool", "bfloat16", "uint16"]:
    CASES.append(Case("pad", (rand((2, 3), dt), 1), ref=np_pad, id=f"pad_{dt}"))
CASES += [
    Case("pad", (rand((2, 3)), (1,)), ref=np_pad, id="pad_tuple_one"),
    Case("pad", (rand((2, 3)), (1, 2)), ref=np_pad, id="pad_low_high"),
    Case("pad", (rand((2, 3)), [(1, 2)]), ref=np_pad, id="pad_one_pair"),
    Case("pad", (rand((2, 3)), [(1, 0), (0, 2)]), ref=np_pad, id="pad_pairs"),
    Case("pad", (rand((2, 3)), [[0, 1], [2, 0]]), ref=np_pad, id="pad_pairs_lists"),
    Case("pad", (rand((2, 3), "int32"), 1), {"constant_values": 7}, ref=np_pad, id="pad_value"),
    Case("pad", (rand((2, 3), "int32"), 1), {"constant_values": 2.5},
         ref=lambda a, w, constant_values: np.pad(a, w, constant_values=2), id="pad_value_cast"),
    Case("pad", (rand((2, 3)), 1, "constant", np.array(3.0, np.float32)), ref=np_pad, id="pad_array_value"),
    Case("pad", (rand((2, 3)), 2, "edge"), ref=np_pad, id="pad_edge"),
    Case("pad", (rand((3,)), 2, "reflect"), ref=np_pad, id="pad_reflect"),
    Case("pad", (rand((3,)), 5, "reflect"), ref=np_pad, id="pad_reflect_wide"),
    Case("pad", (rand((2, 3)), [(1, 0), (2, 3)], "reflect"), ref=np_pad, id="pad_reflect_pairs"),
    Case("pad", (rand((1,)), 2, "reflect"), ref=lambda a, w, m: np.full((5,), a[0]), id="pad_reflect_single"),
    Case("pad", (rand((3,)), 4, "symmetric"), ref=np_pad, id="pad_symmetric_wide"),
    Case("pad", (rand((2, 3), "int16"), (0, 2), "symmetric"), ref=np_pad, id="pad_symmetric"),
    Case("pad", (np.array(1.0, np.float32), []), ref=lambda a, w: a, id="pad_0d"),
    Case("pad", (np.zeros((0, 2), np.float32), 1), ref=np_pad, id="pad_empty"),
    Case("pad", (rand((4, 5)), (1, 2)), ref=np_pad, transform=first(transposed), id="pad_transposed"),
    Case("pad", (rand((4, 5)), 2, "reflect"), ref=np_pad, transform=first(reversed_), id="pad_reflect_reversed"),
    Case("pad", (rand((2, 3)), -1), raises=ValueError, match=r"\[pad\].*non-negative", id="pad_negative"),
    Case("pad", (rand((2, 3)), [(1, 2), (0, 1), (1, 1)]), raises=ValueError, match=r"\[pad\]",
         id="pad_too_many_pairs"),
    Case("pad", (rand((2, 3)), [1, 2, 3]), raises=TypeError, match=r"\[pad\] pad_width", id="pad_bad_form"),
    Case("pad", (rand((2, 3)), [(1,), (0, 1)]), raises=TypeError, match=r"\[pad\] pad_width", id="pad_bad_pair"),
    Case("pad", (rand((2, 3)), 1, "foo"), raises=ValueError, match=r"\[pad\] unknown mode 'foo'", id="pad_bad_mode"),
    Case("pad", (np.zeros((0,), np.float32), 1, "reflect"), raises=ValueError, match=r"\[pad\].*empty",
         id="pad_reflect_empty"),
    Case("pad", (np.zeros((0,), np.float32), 1, "edge"), raises=ValueError, match=r"\[pad\].*edge",
         id="pad_edge_empty"),
    Case("pad", (rand((2,)), 1, "constant", rand((2,))), raises=ValueError, match=r"\[pad\].*scalar",
         id="pad_value_not_scalar"),
]

# ---- products ----
TOL16 = {"float16": {"rtol": 5e-3, "atol": 5e-3}, "bfloat16": {"rtol": 3e-2, "atol": 3e-2},
         "float64": {"rtol": 1e-12, "atol": 1e-12}}


def mm(fn):
    return lambda *xs, **kw: fn(*[f64(x) for x in xs], **kw)


for dt in FLOATS:
    t = TOL16.get(dt, {})
    CASES += [
        Case("matmul", (rand((3, 4), dt), rand((4, 5), dt, seed=2)), ref=mm(np.matmul), **t, id=f"matmul_{dt}"),
        Case("addmm", (rand((3, 5), dt), rand((3, 4), dt), rand((4, 5), dt, seed=2)),
             ref=mm(lambda c, a, b: a @ b + c), **t, id=f"addmm_{dt}"),
        Case("outer", (rand((3,), dt), rand((4,), dt)), ref=mm(np.outer), **t, id=f"outer_{dt}"),
        Case("inner", (rand((2, 4), dt), rand((3, 4), dt)), ref=mm(np.inner), **t, id=f"inner_{dt}"),
        Case("tensordot", (rand((2, 3, 4), dt), rand((3, 4, 2), dt)), ref=mm(np.tensordot), **t,
             id=f"tensordot_{dt}"),
        Case("einsum", ("ij,jk->ik", rand((3, 4), dt), rand((4, 2), dt)), ref=lambda s, *x: np.einsum(s, *map(f64, x)),
             **t, id=f"einsum_{dt}"),
    ]
ein = lambda s, *x: np.einsum(s, *map(f64, x))  # noqa: E731
CASES += [
    # repeated indices (diagonals, traces) and size-1 broadcasting between operands, against numpy and MLX
    Case("einsum", ("ii->i", rand((3, 3))), ref=ein, id="einsum_diagonal"),
    Case("einsum", ("ii", rand((4, 4))), ref=ein, id="einsum_trace"),
    Case("einsum", ("bii->bi", rand((2, 3, 3))), ref=ein, id="einsum_batched_diagonal"),
    Case("einsum", ("iji->j", rand((3, 4, 3))), ref=ein, id="einsum_trace_of_outer_axes"),
    Case("einsum", ("iij,jk->ik", rand((3, 3, 2)), rand((2, 5))), ref=ein, id="einsum_diagonal_then_product"),
    Case("einsum", ("ij,jk->ik", rand((2, 1)), rand((3, 4))), ref=ein, id="einsum_broadcast_contracted"),
    Case("einsum", ("ij,ij->ij", rand((1, 3)), rand((2, 3))), ref=ein, id="einsum_broadcast_kept"),
    Case("einsum", ("ii->i", rand((3, 4))), raises=ValueError,
         match=r"\[einsum\] index 'i' is repeated in operand 0 \(\"ii\"\) over axes of sizes 3 and 4",
         id="einsum_diagonal_of_a_rectangle"),
    Case("matmul", (rand((2, 1, 3, 4)), rand((5, 4, 2))), ref=mm(np.matmul), id="matmul_batch_broadcast"),
    Case("matmul", (rand((4,)), rand((4, 3))), ref=mm(np.matmul), id="matmul_vector_left"),
    Case("matmul", (rand((3, 4)), rand((4,))), ref=mm(np.matmul), id="matmul_vector_right"),
    Case("matmul", (rand((4,)), rand((4,), seed=2)), ref=mm(np.matmul), id="matmul_vectors"),
    Case("matmul", (rand((3, 4), "float16"), rand((4, 2), "float32")), ref=mm(np.matmul), id="matmul_promotes"),
    Case("matmul", (rand((3, 0)), rand((0, 2))), ref=mm(np.matmul), id="matmul_empty_inner"),
    Case("matmul", (rand((5, 4)), rand((4, 6))), ref=mm(np.matmul), transform=lambda a, b: (transposed(a), strided(b)),
         id="matmul_noncontiguous"),
    # ingot also multiplies integers (exactly); MLX refuses them.
    Case("matmul", (rand((3, 4), "int32"), rand((4, 2), "int32")), ref=np.matmul, mlx=False, dtype="int32",
         note="MLX refuses integer matmul", id="matmul_int32"),
    Case("matmul", (rand((3, 4)), rand((3, 4))), raises=ValueError, match=r"\[matmul\]", id="matmul_mismatch"),
    Case("matmul", (np.array(2.0, np.float32), rand((3,))), raises=ValueError, match=r"\[matmul\]", id="matmul_0d"),
    Case("addmm", (rand((3, 5)), rand((3, 4)), rand((4, 5)), 2.0, 0.5),
         ref=mm(lambda c, a, b, al, be: al * (a @ b) + be * c), id="addmm_alpha_beta"),
    Case("addmm", (rand((5,)), rand((3, 4)), rand((4, 5))), {"beta": 0.0},
         ref=mm(lambda c, a, b, beta: a @ b), id="addmm_broadcast_c"),
    Case("addmm", (rand((3, 5)), rand((3, 4)), rand((4, 5))), ref=mm(lambda c, a, b: a @ b + c),
         transform=lambda c, a, b: (c, transposed(a), b), id="addmm_transposed"),
    Case("addmm", (rand((3, 4)), rand((3, 4)), rand((4, 5))), raises=ValueError, match=r"\[addmm\]",
         id="addmm_bad_c"),
    Case("outer", (rand((2, 2)), rand((3,))), ref=mm(np.outer), id="outer_flattens"),
    Case("outer", (rand((3,), "int32"), rand((2,), "int32")), ref=np.outer, id="outer_int32"),
    Case("outer", (np.zeros((0,), np.float32), rand((2,))), ref=mm(np.outer), id="outer_empty"),
    Case("inner", (rand((4,)), rand((4,), seed=3)), ref=mm(np.inner), id="inner_vectors"),
    Case("inner", (rand((3, 4)), rand((2, 4))), ref=mm(np.inner), transform=lambda a, b: (strided(a), b),
         id="inner_strided"),
    Case("inner", (rand((4,)), rand((3,))), raises=ValueError, match=r"\[inner\]", id="inner_mismatch"),
    Case("tensordot", (rand((2, 3)), rand((3, 4))), {"axes": 1}, ref=mm(np.tensordot), id="tensordot_axes_int"),
    Case("tensordot", (rand((2, 3, 4)), rand((4, 3, 5))), {"axes": [[1, 2], [1, 0]]}, ref=mm(np.tensordot),
         id="tensordot_axes_lists"),
    Case("tensordot", (rand((2, 3)), rand((4, 5))), {"axes": 0}, ref=mm(np.tensordot), id="tensordot_outer"),
    Case("tensordot", (rand((4, 5)), rand((4, 5))), {"axes": [[0, 1], [0, 1]]}, ref=mm(np.tensordot),
         transform=lambda a, b: (transposed(a), b), id="tensordot_transposed"),
    Case("tensordot", (rand((2, 3)), rand((4, 3))), {"axes": 1}, raises=ValueError, match=r"\[tensordot\]",
         id="tensordot_mismatch"),
    Case("tensordot", (rand((2, 3)), rand((3, 4))), {"axes": [[1]]}, raises=ValueError, match=r"\[tensordot\]",
         id="tensordot_one_list"),
    Case("einsum", ("ij,jk", rand((3, 4)), rand((4, 2))), ref=lambda s, *x: np.einsum(s, *map(f64, x)),
         id="einsum_implicit"),
    Case("einsum", ("bij,bjk->bki", rand((2, 3, 4)), rand((2, 4, 5))), ref=lambda s, *x: np.einsum(s, *map(f64, x)),
         id="einsum_batched_transposed_out"),
    Case("einsum", ("...ij,jk->...ik", rand((2, 3, 4)), rand((4, 2))), ref=lambda s, *x: np.einsum(s, *map(f64, x)),
         id="einsum_ellipsis"),
    Case("einsum", ("ij->j", rand((3, 4))), ref=lambda s, *x: np.einsum(s, *map(f64, x)), id="einsum_sum"),
    Case("einsum", ("i,j,k->ijk", rand((2,)), rand((3,)), rand((2,))),
         ref=lambda s, *x: np.einsum(s, *map(f64, x)), id="einsum_three"),
    Case("einsum", ("ij,jk->ik", rand((4, 5)), rand((5, 2))), ref=lambda s, *x: np.einsum(s, *map(f64, x)),
         transform=lambda s, a, b: (s, transposed(a), b), id="einsum_transposed"),
    Case("einsum", ("ij,jk->ik", rand((3, 4))), raises=ValueError, match=r"\[einsum\]", id="einsum_missing_operand"),
    Case("einsum", ("ij,jk->ik", rand((3, 4)), rand((3, 2))), raises=ValueError, match=r"\[einsum\]",
         id="einsum_size_mismatch"),
]

# ---- the same as methods of ingot.array, compared with mlx.core.array's ----
CASES += [
    Case("array.reshape", (X, 4, 6), ref=lambda a, *s: a.reshape(*s), id="method_reshape_ints"),
    Case("array.reshape", (X, (4, -1)), ref=lambda a, s: a.reshape(s), id="method_reshape_tuple"),
    Case("array.reshape", (X, [24]), ref=lambda a, s: a.reshape(s), id="method_reshape_list"),
    Case("array.reshape", (rand((4, 6)), 3, 8), ref=lambda a, *s: a.reshape(*s), transform=first(transposed),
         id="method_reshape_transposed"),
    Case("array.reshape", (X, 5, 5), raises=ValueError, match=r"\[reshape\]", id="method_reshape_bad"),
    Case("array.reshape", (X, 2.0, 12), raises=TypeError, match=r"\[reshape\]", id="method_reshape_float"),
    Case("array.transpose", (X,), ref=np.transpose, id="method_transpose"),
    Case("array.transpose", (X, 1, 0, 2), ref=lambda a, *ax: np.transpose(a, ax), id="method_transpose_ints"),
    Case("array.transpose", (X, (2, 0, 1)), ref=np.transpose, id="method_transpose_tuple"),
    Case("array.transpose", (X, 1, 0), raises=ValueError, match=r"\[transpose\]", id="method_transpose_bad"),
    Case("array.flatten", (X,), ref=lambda a: a.reshape(-1), id="method_flatten"),
    Case("array.flatten", (X, 1, 2), ref=lambda a, s, e: a.reshape(2, 12), id="method_flatten_axes"),
    Case("array.squeeze", (rand((1, 3, 1)),), ref=np.squeeze, id="method_squeeze"),
    Case("array.squeeze", (rand((1, 3, 1)), 2), ref=np.squeeze, id="method_squeeze_axis"),
    Case("array.swapaxes", (X, 0, 2), ref=np.swapaxes, id="method_swapaxes"),
    Case("array.moveaxis", (X, 0, -1), ref=np.moveaxis, id="method_moveaxis"),
    Case("array.split", (rand((6, 2)), 3), ref=lambda a, n: np.split(a, n), id="method_split"),
    Case("array.split", (rand((2, 6)), [1, 3]), {"axis": 1}, ref=lambda a, i, axis: np.split(a, i, axis),
         id="method_split_indices"),
    Case("array.diag", (rand((3,)),), ref=np.diag, id="method_diag"),
    Case("array.diag", (rand((3, 4)), 1), ref=np.diag, id="method_diag_k"),
    Case("array.diagonal", (rand((2, 3, 4)), 0, 1, 2), ref=np.diagonal, id="method_diagonal"),
    Case("array.mT.fget", (X,), ref=lambda a: np.swapaxes(a, -1, -2), id="method_mT"),
]
