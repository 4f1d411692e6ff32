"""Op table rows: full, zeros, ones, zeros_like, ones_like, full_like, arange, linspace, eye, identity, tri."""

import numpy as np

import ingot
from cases_elementwise import reversed_, transposed
from op_table import ALL_DTYPES, BFLOAT16, FLOATS, Case, rand


def npdt(d):
    """numpy's dtype for an ingot dtype object."""
    name = str(d).split(".")[-1]
    return BFLOAT16 if name == "bfloat16" else np.dtype(name)


def dt(name):
    return getattr(ingot, "bool_" if name == "bool" else name)


def first(view):
    return lambda a, *rest: (view(a), *rest)


CASES = []

# ---- full ----
CASES += [
    Case("full", ((2, 3), 2), ref=np.full, dtype="int32", id="full_python_int"),
    Case("full", ((2, 3), 2.5), ref=np.full, dtype="float32", id="full_python_float"),
    Case("full", ([2], True), ref=np.full, dtype="bool", id="full_python_bool"),
    Case("full", (3, 7), ref=np.full, id="full_int_shape"),
    Case("full", ((), 1.5), ref=np.full, id="full_0d"),
    Case("full", ((0, 3), 1.5), ref=np.full, id="full_empty"),
    Case("full", ((2, 3), rand((3,), "int16")), ref=np.full, id="full_array_broadcast"),
    Case("full", ((2, 3), rand((2, 1), "float16")), ref=np.full, id="full_array_column"),
    Case("full", ((2, 3), 2**40), ref=np.full, id="full_python_int64"),
    Case("full", ((2, 2), rand((2, 2), "float32")), ref=np.full, transform=lambda s, v: (s, transposed(v)),
         id="full_transposed_value"),
    Case("full", ((2, 3), rand((4,), "float32")), raises=ValueError, match=r"\[full\].*broadcast",
         id="full_bad_value_shape"),
    Case("full", ((-1, 3), 1.0), raises=ValueError, match=r"\[full\].*negative", id="full_negative_dim"),
    Case("full", ((2,), 300, ingot.uint8), raises=ValueError, match=r"\[full\].*300", id="full_value_overflow"),
]
for name in ALL_DTYPES:
    v = True if name == "bool" else 1
    CASES.append(Case("full", ((2, 3), v, dt(name)), ref=lambda s, v, d: np.full(s, v, npdt(d)), id=f"full_{name}"))
CASES += [
    # Deliberate difference: an explicit dtype is the result's dtype. MLX promotes it with the value's
    # kind (full(s, 2.5, int32) is float32 there, full(s, 3, bool_) int32).
    Case("full", ((2,), 2.5), {"dtype": ingot.int32}, ref=lambda s, v, dtype: np.full(s, int(v), np.int32),
         mlx=False, dtype="int32", note="dtype is the result dtype", id="full_float_to_int32"),
    Case("full", ((2,), 3, ingot.bool_), ref=lambda s, v, d: np.full(s, True), mlx=False, dtype="bool",
         note="dtype is the result dtype", id="full_int_to_bool"),
]

# ---- zeros, ones ----
for op, fn in (("zeros", np.zeros), ("ones", np.ones)):
    for name in ALL_DTYPES:
        CASES.append(Case(op, ((2, 3), dt(name)), ref=lambda s, d, fn=fn: fn(s, npdt(d)), id=f"{op}_{name}"))
    CASES += [
        Case(op, ((2, 3),), ref=fn, dtype="float32", id=f"{op}_default"),
        Case(op, (4,), ref=fn, id=f"{op}_int_shape"),
        Case(op, ([2, 1, 2],), ref=fn, id=f"{op}_list_shape"),
        Case(op, ((),), ref=fn, id=f"{op}_0d"),
        Case(op, ((3, 0),), ref=fn, id=f"{op}_empty"),
        Case(op, ((2,),), {"dtype": ingot.int8}, ref=lambda s, dtype, fn=fn: fn(s, np.int8), id=f"{op}_dtype_kw"),
        Case(op, ((2, -2),), raises=ValueError, match=r"negative", id=f"{op}_negative_dim"),
    ]

# ---- zeros_like, ones_like, full_like ----
for op, fn in (("zeros_like", np.zeros_like), ("ones_like", np.ones_like)):
    for name in ALL_DTYPES:
        CASES.append(Case(op, (rand((2, 3), name),), ref=fn, id=f"{op}_{name}"))
    CASES += [
        Case(op, (rand((2, 3), "int32"), ingot.float16), ref=lambda a, d, fn=fn: fn(a, npdt(d)),
             id=f"{op}_dtype_positional"),
        Case(op, (rand((2, 3), "float32"),), {"dtype": ingot.bool_}, ref=lambda a, dtype, fn=fn: fn(a, np.bool_),
             id=f"{op}_dtype_kw"),
        Case(op, (np.array(2.5, np.float32),), ref=fn, id=f"{op}_0d"),
        Case(op, (np.zeros((0, 2), np.int8),), ref=fn, id=f"{op}_empty"),
        Case(op, (rand((3, 4), "bfloat16"),), ref=fn, transform=first(transposed), id=f"{op}_transposed"),
    ]
for name in ALL_DTYPES:
    CASES.append(Case("full_like", (rand((2, 3), name), 1), ref=np.full_like, id=f"full_like_{name}"))
CASES += [
    # The value takes a's dtype: 2.5 into int32 is 2, as in MLX.
    Case("full_like", (rand((2, 3), "int32"), 2.5), ref=np.full_like, id="full_like_float_into_int"),
    Case("full_like", (rand((2, 3), "float16"), 2), ref=np.full_like, id="full_like_int_into_float16"),
    Case("full_like", (rand((2, 3), "int32"), 2.5, ingot.float16), ref=lambda a, v, d: np.full_like(a, v, npdt(d)),
         id="full_like_dtype"),
    Case("full_like", (rand((2, 3), "float32"), rand((3,), "float32")), ref=lambda a, v: np.broadcast_to(v, a.shape),
         id="full_like_array_value"),
    Case("full_like", (np.array(1, np.int8), 3), ref=np.full_like, id="full_like_0d"),
    Case("full_like", (np.zeros((0,), np.float32), 3), ref=np.full_like, id="full_like_empty"),
    Case("full_like", (rand((3, 4), "float32"), 3), ref=np.full_like, transform=first(reversed_),
         id="full_like_reversed"),
    Case("full_like", (rand((3,), "uint8"), -1), raises=ValueError, match=r"\[full\].*-1.*uint8",
         id="full_like_overflow"),
    Case("full_like", (rand((3,), "float32"), rand((2,), "float32")), raises=ValueError, match=r"\[full\]",
         id="full_like_bad_value_shape"),
]


# ---- arange ----
def np_arange(*args, dtype=None):
    return np.arange(*args, dtype=None if dtype is None else npdt(dtype))


CASES += [
    Case("arange_along", (rand((3, 5)), 1), ref=lambda x, ax: np.arange(x.shape[ax], dtype=np.int32), mlx=False,
         dtype="int32", note="not MLX's", id="arange_along"),
    Case("arange_along", (rand((3, 5)), -2), {"dtype": ingot.float32},
         ref=lambda x, ax, dtype: np.arange(x.shape[ax], dtype=np.float32), mlx=False, note="not MLX's",
         id="arange_along_float"),
    Case("arange_along", (rand((3, 5)), 2), raises=ValueError, match=r"\[arange_along\] axis 2 is out of range",
         mlx=False, id="arange_along_bad_axis"),
    Case("arange", (5,), ref=np_arange, dtype="int32", id="arange_stop"),
    Case("arange", (2, 9), ref=np_arange, dtype="int32", id="arange_start_stop"),
    Case("arange", (2, 9, 3), ref=np_arange, dtype="int32", id="arange_step"),
    Case("arange", (9, 2, -2), ref=np_arange, dtype="int32", id="arange_negative_step"),
    Case("arange", (2.5,), ref=np_arange, dtype="float32", id="arange_float_stop"),
    Case("arange", (0, 2, 0.25), ref=np_arange, dtype="float32", id="arange_float_step"),
    Case("arange", (0.5, 4), ref=np_arange, dtype="float32", id="arange_float_start"),
    Case("arange", (1.0, -1.0, -0.5), ref=np_arange, dtype="float32", id="arange_float_negative_step"),
    Case("arange", (5,), {"dtype": ingot.float16}, ref=np_arange, id="arange_dtype_float16"),
    Case("arange", (0, 3, 0.5), {"dtype": ingot.bfloat16}, ref=np_arange, id="arange_dtype_bfloat16"),
    Case("arange", (0, 10, 3), {"dtype": ingot.int8}, ref=np_arange, id="arange_dtype_int8"),
    Case("arange", (0, 10, 3, ingot.uint16), ref=lambda a, b, c, d: np_arange(a, b, c, dtype=d),
         id="arange_dtype_positional"),
    # Deliberate difference: float bounds with an integer dtype follow numpy (the float values, truncated);
    # MLX gives [0, 2, 4] here.
    Case("arange", (0.5, 5, 1.5), {"dtype": ingot.int32}, ref=lambda *a, dtype: np.arange(*a).astype(np.int32),
         mlx=False, dtype="int32", note="numpy's values", id="arange_float_to_int32"),
    Case("arange", (5,), {"dtype": ingot.float64}, ref=np_arange, id="arange_float64"),
    Case("arange", (2**31 - 2, 2**31 + 1), ref=np_arange, dtype="int64", id="arange_int64_bounds"),
    Case("arange", (-(2**31) - 1, -(2**31) + 1), ref=np_arange, dtype="int64", id="arange_int64_negative_bounds"),
    Case("arange", (0,), ref=np_arange, id="arange_empty"),
    Case("arange", (5, 2), ref=np_arange, id="arange_empty_backwards"),
    Case("arange", (), {"start": 1, "stop": 4}, ref=lambda start, stop: np.arange(start, stop), id="arange_kw"),
    Case("arange", (), {"stop": 4}, ref=lambda stop: np.arange(stop), id="arange_kw_stop"),
    Case("arange", (), {"stop": 7, "step": 2}, ref=lambda stop, step: np.arange(0, stop, step),
         id="arange_kw_stop_step"),
    Case("arange", (1, 4, 0), raises=ValueError, match=r"\[arange\].*step", id="arange_zero_step"),
    Case("arange", (0, float("inf")), raises=ValueError, match=r"\[arange\].*finite", id="arange_infinite"),
    Case("arange", (5,), {"dtype": ingot.bool_}, raises=ValueError, match=r"\[arange\].*bool", id="arange_bool"),
]


# ---- linspace ----
def np_linspace(start, stop, num=50, endpoint=True, dtype=None):
    out = np.linspace(start, stop, num, endpoint=endpoint)
    return out.astype(npdt(dtype) if dtype is not None else np.float32)


CASES += [
    Case("linspace", (0, 1, 5), ref=np_linspace, dtype="float32", id="linspace_basic"),
    Case("linspace", (-2.5, 7.5), ref=np_linspace, id="linspace_default_num"),
    Case("linspace", (3, -1, 9), ref=np_linspace, id="linspace_decreasing"),
    Case("linspace", (0, 1, 4), {"endpoint": False}, ref=np_linspace, id="linspace_no_endpoint"),
    Case("linspace", (0, 10, 5), {"dtype": ingot.int32}, ref=np_linspace, id="linspace_int32"),
    Case("linspace", (0, 1, 7), {"dtype": ingot.float16}, ref=np_linspace, rtol=1e-3, id="linspace_float16"),
    Case("linspace", (0, 1, 11), {"dtype": ingot.float64}, ref=np_linspace, rtol=1e-12, id="linspace_float64"),
    Case("linspace", (2, 3, 1), ref=np_linspace, id="linspace_one"),
    Case("linspace", (2, 3, 0), ref=np_linspace, id="linspace_zero"),
    Case("linspace", (0, 1, -1), raises=ValueError, match=r"\[linspace\].*-1", id="linspace_negative_num"),
]

# ---- eye, identity, tri ----
for name in ["float32", "int32", "bool", "float16", "uint8"]:
    CASES += [
        Case("eye", (3,), {"dtype": dt(name)}, ref=lambda n, dtype: np.eye(n, dtype=npdt(dtype)), id=f"eye_{name}"),
        Case("identity", (3, dt(name)), ref=lambda n, d: np.identity(n, npdt(d)), id=f"identity_{name}"),
        Case("tri", (3,), {"dtype": dt(name)}, ref=lambda n, dtype: np.tri(n, dtype=npdt(dtype)), id=f"tri_{name}"),
    ]
CASES += [
    Case("eye", (3,), ref=np.eye, dtype="float32", id="eye_default"),
    Case("eye", (2, 4), ref=np.eye, id="eye_rect"),
    Case("eye", (4, 3, 1), ref=np.eye, id="eye_k_positive"),
    Case("eye", (4,), {"k": -2}, ref=lambda n, k: np.eye(n, k=k), id="eye_k_negative"),
    Case("eye", (3, None, 5), ref=np.eye, id="eye_k_outside"),
    Case("eye", (0,), ref=np.eye, id="eye_empty"),
    Case("eye", (-1,), raises=ValueError, match=r"\[eye\]", id="eye_negative"),
    Case("identity", (4,), ref=np.identity, dtype="float32", id="identity_default"),
    Case("identity", (0,), ref=np.identity, id="identity_empty"),
    Case("identity", (-2,), raises=ValueError, match=r"\[identity\]", id="identity_negative"),
    Case("tri", (3,), ref=np.tri, dtype="float32", id="tri_default"),
    Case("tri", (3, 5), ref=np.tri, id="tri_rect"),
    Case("tri", (3, 5, 2), ref=np.tri, id="tri_k_positive"),
    Case("tri", (4, 2, -1), ref=np.tri, id="tri_k_negative"),
    Case("tri", (0, 3), ref=np.tri, id="tri_empty"),
    Case("tri", (3, -1), raises=ValueError, match=r"\[tri\]", id="tri_negative"),
]
for name in FLOATS:
    CASES.append(Case("tri", (2, 3), {"k": 1, "dtype": dt(name)},
                      ref=lambda n, m, k, dtype: np.tri(n, m, k, npdt(dtype)), id=f"tri_k_{name}"))
