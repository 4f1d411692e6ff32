"""Op table rows for the small ops composed in Python (ingot/_extras.py): MLX's aliases (acos, pow,
permute_dims, cumulative_sum, ...), conj/real, astype/asarray, atleast_*d, flip, degrees, radians,
trunc, logical_xor, count_nonzero, diff, kron, positive, unstack, empty/empty_like, matrix_transpose,
vecdot, minmax and median."""

import numpy as np

import ingot
from cases_elementwise import f64, reversed_, tol, transposed
from op_table import ALL_DTYPES, FLOATS, Case, rand

CASES = []


def first(view):
    return lambda a, *rest: (view(a), *rest)


# ---- aliases of existing ops: the same values as the numpy function of the original ----
UNARY_ALIASES = [
    ("acos", np.arccos, -0.9, 0.9),
    ("asin", np.arcsin, -0.9, 0.9),
    ("atan", np.arctan, -3.0, 3.0),
    ("acosh", np.arccosh, 1.1, 4.0),
    ("asinh", np.arcsinh, -3.0, 3.0),
    ("atanh", np.arctanh, -0.9, 0.9),
]
for op, fn, lo, hi in UNARY_ALIASES:
    for dt in ("float32", "float16"):
        CASES.append(Case(op, (rand((3, 4), dt, lo, hi),), ref=f64(fn), **tol(dt), id=f"{op}_{dt}"))
    CASES.append(Case(op, (np.array(0.5 if op != "acosh" else 2.0, np.float32),), ref=f64(fn), **tol("float32"),
                      id=f"{op}_0d"))
CASES += [
    Case("atan2", (rand((3, 4)), rand((4,), seed=2)), ref=f64(np.arctan2), **tol("float32"), id="atan2_broadcast"),
    Case("pow", (rand((3, 4), "float32", 0.5, 2.0), 2.5), ref=f64(np.power), **tol("float32"), id="pow_scalar"),
    Case("pow", (rand((5,), "int32", 0, 4), rand((5,), "int32", 0, 3, seed=3)), ref=np.power, dtype="int32",
         id="pow_int"),
    Case("permute_dims", (rand((2, 3, 4)), (2, 0, 1)), ref=np.transpose, id="permute_dims_axes"),
    Case("permute_dims", (rand((2, 3, 4), "int8"),), ref=np.transpose, id="permute_dims_default"),
    Case("bitwise_left_shift", (rand((6,), "int32", 0, 100), rand((6,), "int32", 0, 5, seed=1)), ref=np.left_shift,
         id="bitwise_left_shift"),
    Case("bitwise_right_shift", (rand((6,), "uint16", 0, 1000), 3), ref=lambda a, b: a >> b,
         id="bitwise_right_shift_scalar"),
    Case("cumulative_sum", (rand((3, 4)),), {"axis": 1}, ref=lambda a, axis: np.cumsum(a, axis=axis), **tol("float32"),
         id="cumulative_sum_axis"),
    Case("cumulative_sum", (rand((3, 4), "int16"),), ref=lambda a: np.cumsum(a), dtype="int16",
         id="cumulative_sum_flat"),
    Case("cumulative_prod", (rand((2, 5), "float32", 0.5, 1.5),), {"axis": -1, "reverse": True},
         ref=lambda a, axis, reverse: np.flip(np.cumprod(np.flip(a, axis), axis=axis), axis), **tol("float32"),
         id="cumulative_prod_reverse"),
    Case("empty", ((2, 3),), ref=lambda s: np.zeros(s, np.float32), id="empty_default"),
    Case("empty", (4, ingot.int8), ref=lambda s, d: np.zeros(s, np.int8), dtype="int8", id="empty_dtype"),
    Case("empty_like", (rand((2, 0), "uint8"),), ref=np.zeros_like, dtype="uint8", id="empty_like_empty"),
    Case("empty_like", (rand((2, 3)),), {"dtype": ingot.int32}, ref=lambda a, dtype: np.zeros(a.shape, np.int32),
         dtype="int32", id="empty_like_dtype"),
]

# ---- conj, conjugate, real: the identity for ingot's real dtypes ----
for op in ("conj", "conjugate", "real"):
    for dt in ("float32", "int64", "bool", "bfloat16"):
        CASES.append(Case(op, (rand((2, 3), dt),), ref=lambda a: a, dtype=dt if dt != "bool" else "bool",
                          id=f"{op}_{dt}"))
    CASES.append(Case(op, (np.array(-2.5, np.float32),), ref=lambda a: a, id=f"{op}_0d"))

# ---- astype, asarray ----
for src, dst in (("float32", "int32"), ("int8", "float16"), ("float32", "bool_"), ("uint8", "bfloat16")):
    np_dst = "bool" if dst == "bool_" else dst
    CASES.append(Case("astype", (rand((3, 4), src), getattr(ingot, dst)),
                      ref=(lambda a, d, n=np_dst: a.astype(np.float32).astype(n if n != "bfloat16" else np.float32)),
                      dtype=np_dst, rtol=1e-2, atol=1e-2, id=f"astype_{src}_{np_dst}"))
CASES += [
    Case("astype", (np.array(3.7, np.float32), ingot.int16), ref=lambda a, d: np.int16(3), dtype="int16",
         id="astype_0d"),
    Case("asarray", ([[1, 2], [3, 4]],), ref=lambda a: np.array(a, np.int32), dtype="int32", id="asarray_list"),
    Case("asarray", ([1.5, 2.5], ingot.float16), ref=lambda a, d: np.array(a, np.float16), dtype="float16",
         id="asarray_dtype"),
    Case("asarray", (rand((2, 3), "int64"),), ref=lambda a: a, dtype="int64", id="asarray_array"),
    Case("asarray", (rand((2, 3), "int8"),), {"dtype": ingot.float32}, ref=lambda a, dtype: a.astype(np.float32),
         dtype="float32", id="asarray_array_dtype"),
    Case("asarray", (2.5,), ref=lambda a: np.float32(a), dtype="float32", id="asarray_scalar"),
    Case("asarray", ([1, 2],), {"copy": False}, raises=ValueError, match=r"\[asarray\] copy=False",
         id="asarray_copy_false"),
]

# ---- atleast_1d/2d/3d ----
SHAPES = [(), (3,), (2, 3), (2, 3, 4), (0,)]
for op, fn in (("atleast_1d", np.atleast_1d), ("atleast_2d", np.atleast_2d), ("atleast_3d", np.atleast_3d)):
    for shape in SHAPES:
        CASES.append(Case(op, (rand(shape, "int16"),), ref=fn, id=f"{op}_{len(shape)}d_{shape}"))
    CASES.append(Case(op, (rand((3,)), np.array(1.0, np.float32)), ref=lambda *a, fn=fn: list(fn(*a)),
                      id=f"{op}_several"))

# ---- flip ----
for dt in ALL_DTYPES:
    CASES.append(Case("flip", (rand((2, 3, 4), dt),), ref=np.flip, id=f"flip_{dt}"))
CASES += [
    Case("flip", (rand((2, 3, 4)), 1), ref=np.flip, id="flip_axis"),
    Case("flip", (rand((2, 3, 4)), -1), ref=np.flip, id="flip_negative_axis"),
    Case("flip", (rand((2, 3, 4)), [0, 2]), ref=lambda a, ax: np.flip(a, tuple(ax)), id="flip_axes"),
    Case("flip", (rand((2, 3)), [0, 0]), ref=lambda a, ax: np.flip(a, 0), id="flip_repeated_axis"),
    Case("flip", (np.array(4.0, np.float32),), ref=np.flip, id="flip_0d"),
    Case("flip", (np.zeros((0, 3), np.float32), 1), ref=np.flip, id="flip_empty"),
    Case("flip", (rand((4, 5)), 0), ref=np.flip, transform=first(transposed), id="flip_transposed"),
    Case("flip", (rand((4, 5)), 0), ref=np.flip, transform=first(reversed_), id="flip_reversed"),
    Case("flip", (rand((2, 3)), 3), raises=ValueError,
         match=r"\[flip\] axis 3 is out of range for an array with 2 dimensions", id="flip_bad_axis"),
    Case("flip", (np.array(1.0, np.float32), 0), raises=ValueError, match=r"\[flip\] axis 0 is out of range",
         id="flip_0d_axis"),
]

# ---- degrees, radians, trunc, positive ----
for dt in FLOATS + ["int32", "uint8", "bool"]:
    out = dt if dt in FLOATS else "float32"
    CASES.append(Case("degrees", (rand((3, 4), dt),), ref=f64(np.degrees), dtype=out, **tol(out), id=f"degrees_{dt}"))
    CASES.append(Case("radians", (rand((3, 4), dt),), ref=f64(np.radians), dtype=out, **tol(out), id=f"radians_{dt}"))
for dt in FLOATS + ["int32", "uint8", "bool"]:
    CASES.append(Case("trunc", (rand((3, 4), dt),), ref=lambda a: np.trunc(a) if a.dtype != np.bool_ else a,
                      dtype=dt, id=f"trunc_{dt}"))
    CASES.append(Case("positive", (rand((3, 4), dt),), ref=lambda a: a, dtype=dt, id=f"positive_{dt}"))
CASES += [
    Case("degrees", (3,), ref=lambda a: np.float32(np.degrees(a)), dtype="float32", id="degrees_scalar"),
    Case("radians", (np.zeros((0,), np.float32),), ref=np.radians, id="radians_empty"),
    Case("trunc", (np.array([-1.5, -0.5, 0.5, 2.7, -np.inf, np.nan], np.float32),), ref=np.trunc, id="trunc_special"),
    Case("trunc", (np.array(-2.9, np.float64),), ref=np.trunc, id="trunc_0d"),
    Case("trunc", (rand((4, 5)),), ref=np.trunc, transform=first(transposed), id="trunc_transposed"),
    Case("positive", (np.array(-2, np.int8),), ref=lambda a: a, id="positive_0d"),
]

# ---- logical_xor ----
for dt in ("bool", "int32", "float32", "uint8"):
    CASES.append(Case("logical_xor", (rand((3, 4), dt, -1, 1), rand((4,), dt, -1, 1, seed=5)),
                      ref=np.logical_xor, dtype="bool", id=f"logical_xor_{dt}"))
CASES += [
    Case("logical_xor", (rand((3,), "int32", -1, 1), 2), ref=np.logical_xor, dtype="bool", id="logical_xor_scalar"),
    Case("logical_xor", (np.array(True), np.array(0.0, np.float32)), ref=np.logical_xor, id="logical_xor_0d"),
]

# ---- count_nonzero ----
CZ = np.array([[1, 0, 2], [0, 0, 3]], np.int32)
for dt in ALL_DTYPES:
    CASES.append(Case("count_nonzero", (rand((3, 4), dt, -1, 1),), ref=lambda a: np.int32(np.count_nonzero(a)),
                      dtype="int32", id=f"count_nonzero_{dt}"))
CASES += [
    Case("count_nonzero", (CZ,), {"axis": 0}, ref=lambda a, axis: np.count_nonzero(a, axis=axis).astype(np.int32),
         dtype="int32", id="count_nonzero_axis"),
    Case("count_nonzero", (CZ,), {"axis": (0, 1), "keepdims": True},
         ref=lambda a, **k: np.count_nonzero(a, **k).astype(np.int32), id="count_nonzero_keepdims"),
    Case("count_nonzero", (np.array([1.0, 0.0, np.nan, -0.0], np.float32),), ref=lambda a: np.int32(2),
         id="count_nonzero_nan"),
    Case("count_nonzero", (np.zeros((0, 3), np.float32),), {"axis": 0},
         ref=lambda a, axis: np.zeros(3, np.int32), id="count_nonzero_empty"),
    Case("count_nonzero", (CZ,), {"axis": 2}, raises=ValueError, match=r"axis 2 is out of range",
         id="count_nonzero_bad_axis"),
]

# ---- diff ----
for dt in ["float32", "float16", "int32", "int8", "uint8", "bool"]:
    CASES.append(Case("diff", (rand((3, 5), dt, 0, 9),), ref=np.diff, dtype=dt, **tol(dt), id=f"diff_{dt}"))
CASES += [
    Case("diff", (rand((3, 5), "int64"), 2, 0), ref=lambda a, n, ax: np.diff(a, n, ax), id="diff_n_axis"),
    Case("diff", (rand((3, 5)),), {"n": 3}, ref=lambda a, n: np.diff(a, n), **tol("float32"), id="diff_n3"),
    Case("diff", (rand((3, 5)), 0), ref=lambda a, n: a, id="diff_n0"),
    Case("diff", (rand((3, 5)), 7), ref=lambda a, n: np.diff(a, n), id="diff_past_length"),
    Case("diff", (rand((4, 5)),), {"axis": 0}, ref=lambda a, axis: np.diff(a, axis=axis), **tol("float32"),
         transform=first(transposed), id="diff_transposed"),
    Case("diff", (rand((3, 5)), -1), raises=ValueError, match=r"\[diff\] order n must be non-negative",
         id="diff_negative_n"),
    Case("diff", (rand((3, 5)), 1, 2), raises=ValueError, match=r"\[diff\] axis 2 is out of range", id="diff_bad_axis"),
    Case("diff", (np.array(1.0, np.float32),), raises=ValueError, match=r"\[diff\]", id="diff_0d"),
]

# ---- kron ----
for dt in ("float32", "int32", "int8", "bfloat16"):
    CASES.append(Case("kron", (rand((2, 3), dt), rand((3, 2), dt, seed=4)), ref=f64(np.kron), **tol(dt),
                      id=f"kron_{dt}"))
CASES += [
    Case("kron", (rand((2,)), rand((2, 3, 2), seed=1)), ref=np.kron, **tol("float32"), id="kron_ndim"),
    Case("kron", (np.array(2, np.int32), rand((3,), "int32")), ref=np.kron, id="kron_0d"),
    Case("kron", (rand((2, 0)), rand((3, 2))), raises=ValueError, match=r"\[kron\] input arrays cannot be empty",
         id="kron_empty"),
    Case("kron", (rand((3, 4)), rand((2, 2), seed=2)), ref=np.kron, **tol("float32"), transform=first(transposed),
         id="kron_transposed"),
]

# ---- unstack ----
for dt in ("float32", "int16", "bool"):
    CASES.append(Case("unstack", (rand((3, 4), dt),), ref=lambda a: list(a), id=f"unstack_{dt}"))
CASES += [
    Case("unstack", (rand((2, 3, 4)),), {"axis": -1}, ref=lambda a, axis: [a[..., i] for i in range(4)],
         id="unstack_last"),
    Case("unstack", (rand((2, 0)),), {"axis": 1}, ref=lambda a, axis: [], id="unstack_empty"),
    Case("unstack", (np.array(1.0, np.float32),), raises=ValueError, match=r"\[unstack\] axis 0 is out of range",
         id="unstack_0d"),
    Case("unstack", (rand((2, 3)),), {"axis": 2}, raises=ValueError, match=r"\[unstack\] axis 2 is out of range",
         id="unstack_bad_axis"),
]

# ---- matrix_transpose, vecdot, minmax ----
CASES += [
    Case("matrix_transpose", (rand((2, 3, 4), "int8"),), ref=lambda a: np.swapaxes(a, -1, -2), id="matrix_transpose"),
    Case("matrix_transpose", (rand((0, 3)),), ref=lambda a: a.T, id="matrix_transpose_empty"),
    Case("matrix_transpose", (rand((3,)),), raises=ValueError, match=r"\[matrix_transpose\] .*at least 2",
         id="matrix_transpose_1d"),
]
for dt in ("float32", "float16", "int32"):
    CASES.append(Case("vecdot", (rand((3, 4), dt), rand((3, 4), dt, seed=6)),
                      ref=lambda a, b: f64(lambda x, y: np.sum(x * y, axis=-1))(a, b), **tol(dt), id=f"vecdot_{dt}"))
CASES += [
    Case("vecdot", (rand((3, 4)), rand((3, 4), seed=6)), {"axis": 0},
         ref=lambda a, b, axis: np.sum(a.astype(np.float64) * b, axis=0), **tol("float32"), id="vecdot_axis"),
    Case("vecdot", (rand((3, 4)), rand((3, 4))), {"axis": 2}, raises=ValueError, match=r"\[vecdot\] axis 2",
         id="vecdot_bad_axis"),
]
for dt in ("float32", "int16", "uint8", "bfloat16"):
    CASES.append(Case("minmax", (rand((3, 4), dt),), ref=lambda a: [np.min(a), np.max(a)], id=f"minmax_{dt}"))
CASES.append(Case("minmax", (rand((3, 4)), 1, True),
                  ref=lambda a, ax, k: [np.min(a, ax, keepdims=k), np.max(a, ax, keepdims=k)], id="minmax_axis"))

# ---- median ----
for dt in ("float32", "float16", "int32", "uint8", "bool", "float64"):
    out = dt if dt in FLOATS else "float32"
    CASES.append(Case("median", (rand((3, 5), dt, 0, 9),), ref=f64(np.median), dtype=out, **tol(out),
                      id=f"median_{dt}"))
CASES += [
    Case("median", (rand((3, 4)),), {"axis": 1}, ref=lambda a, axis: np.median(a, axis=axis), **tol("float32"),
         id="median_even"),
    Case("median", (rand((3, 5), "int32", -50, 50),), {"axis": 0, "keepdims": True},
         ref=lambda a, **k: np.median(a, **k), id="median_keepdims"),
    Case("median", (rand((2, 3, 4)),), {"axis": (0, 2)}, ref=lambda a, axis: np.median(a, axis=axis),
         **tol("float32"), id="median_axes"),
    Case("median", (np.array(2.5, np.float32),), ref=np.median, id="median_0d"),
    Case("median", (np.array([[3.0, np.nan, 1.0, 2.0], [4.0, 1.0, 2.0, 3.0]], np.float32),), {"axis": 1},
         ref=lambda a, axis: np.median(a, axis=axis), id="median_nan"),
    Case("median", (np.array([1.0, 2.0, 3.0], np.float16),), {"keepdims": True},
         ref=lambda a, keepdims: np.median(a, keepdims=keepdims), dtype="float16", id="median_keepdims_all"),
    Case("median", (rand((4, 6)),), {"axis": -1}, ref=lambda a, axis: np.median(a, axis=axis), **tol("float32"),
         transform=first(transposed), id="median_transposed"),
    Case("median", (np.zeros((0,), np.float32),), raises=ValueError, match=r"\[median\] .*empty", id="median_empty"),
    Case("median", (rand((2, 3)),), {"axis": 2}, raises=ValueError, match=r"\[median\] axis 2", id="median_bad_axis"),
]
