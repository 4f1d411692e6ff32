"""Op table rows: unary math, binary arithmetic, comparisons, logical and bitwise ops, where, clip,
nan_to_num, isclose, allclose, array_equal and divmod.

References compute in float64 from the inputs (numpy's float16 and bfloat16 kernels are not the
references), so tolerances follow the result dtype. Dtypes are checked against MLX.
"""

import math

import ml_dtypes
import numpy as np

import ingot
from op_table import ALL_DTYPES, FLOATS, INTS, Case, rand

NAN, INF = float("nan"), float("inf")

# (rtol, atol) by result dtype: about two units in the last place.
TOL = {
    "float32": (2e-5, 2e-6),
    "float16": (2e-3, 2e-3),
    "bfloat16": (1.6e-2, 1.6e-2),
    "float64": (1e-12, 1e-13),
}


def ml_finfo(dt):
    return ml_dtypes.finfo(ml_dtypes.bfloat16) if dt == "bfloat16" else np.finfo(dt)


def tol(dt):
    rtol, atol = TOL.get(dt, (2e-5, 2e-6))
    return {"rtol": rtol, "atol": atol}


# ---- non-contiguous views with the same values (applied to ingot's inputs only) ----
def transposed(x):
    """A transposed view of transposed data: the same values, column-major strides."""
    if not isinstance(x, ingot.array) or x.ndim < 2:
        return x
    return ingot.array(np.ascontiguousarray(np.asarray(x).T), dtype=x.dtype).T


def strided(x):
    """Every other element of a doubled copy along the last axis: a view with stride 2."""
    if not isinstance(x, ingot.array) or x.ndim == 0:
        return x
    return ingot.array(np.repeat(np.asarray(x), 2, axis=-1), dtype=x.dtype)[..., ::2]


def reversed_(x):
    """A view with a negative stride along axis 0."""
    if not isinstance(x, ingot.array) or x.ndim == 0:
        return x
    return ingot.array(np.ascontiguousarray(np.asarray(x)[::-1]), dtype=x.dtype)[::-1]


def every(view):
    """A transform applying `view` to every input."""
    return lambda *xs: tuple(view(x) for x in xs)


def f64(fn):
    """fn over the inputs converted to float64 (Python scalars pass as they are)."""

    def ref(*xs, **kw):
        with np.errstate(all="ignore"):  # infinities and NaN are expected here
            return fn(*[np.asarray(x).astype(np.float64) if isinstance(x, np.ndarray) else x for x in xs], **kw)

    return ref


_erf = np.vectorize(math.erf, otypes=[np.float64])


def np_erfinv(y):
    """Newton's method on math.erf, in float64 (numpy has no erfinv)."""
    y = np.asarray(y, np.float64)
    x = np.zeros_like(y)
    for _ in range(60):
        x = x - (_erf(x) - y) / (2 / math.sqrt(math.pi) * np.exp(-x * x))
    return np.where(np.abs(y) == 1, np.sign(y) * np.inf, x)


CASES = []

# ---- unary ----
# name: (reference on float64, low, high, int dtypes accepted, bool accepted)
UNARY = {
    "abs": (np.abs, -3, 3, INTS, True),
    "negative": (np.negative, -3, 3, ["int8", "int16", "int32", "int64", "uint8", "uint32"], False),
    "sign": (np.sign, -3, 3, INTS, False),
    "square": (np.square, -3, 3, INTS, False),
    "sqrt": (np.sqrt, 0, 4, ["int32", "uint8", "int64"], True),
    "rsqrt": (lambda x: 1 / np.sqrt(x), 0.2, 4, ["int32"], False),
    "reciprocal": (np.reciprocal, 0.5, 3, [], False),
    "exp": (np.exp, -3, 3, ["int8", "int32"], True),
    "expm1": (np.expm1, -1, 1, ["int32"], False),
    "log": (np.log, 0.1, 5, ["int32", "uint16"], False),
    "log1p": (np.log1p, -0.5, 3, ["int32"], False),
    "log2": (np.log2, 0.1, 5, ["int32"], False),
    "log10": (np.log10, 0.1, 5, ["int32"], False),
    "sin": (np.sin, -4, 4, ["int32"], False),
    "cos": (np.cos, -4, 4, ["int16"], False),
    "tan": (np.tan, -1.2, 1.2, ["int32"], False),
    "arcsin": (np.arcsin, -0.95, 0.95, [], False),
    "arccos": (np.arccos, -0.95, 0.95, [], False),
    "arctan": (np.arctan, -3, 3, ["int32"], False),
    "sinh": (np.sinh, -3, 3, ["int32"], False),
    "cosh": (np.cosh, -3, 3, ["int32"], False),
    "tanh": (np.tanh, -3, 3, ["int32"], False),
    "arcsinh": (np.arcsinh, -3, 3, ["int32"], False),
    "arccosh": (np.arccosh, 1.1, 5, ["int8"], False),
    "arctanh": (np.arctanh, -0.95, 0.95, [], False),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), -5, 5, ["int32"], False),
    "erf": (_erf, -2, 2, ["int32"], False),
    "erfinv": (np_erfinv, -0.95, 0.95, [], False),
    "floor": (np.floor, -3, 3, ["int8", "int32", "uint8", "int64"], False),
    "ceil": (np.ceil, -3, 3, ["int8", "int32", "uint16", "int64"], False),
    "round": (np.round, -3, 3, ["int32", "uint8"], False),
    "stop_gradient": (lambda x: x, -3, 3, INTS, True),
}

INT_KEEPING = {"abs", "negative", "sign", "square", "floor", "ceil", "round", "stop_gradient"}
for op, (fn, lo, hi, ints, bool_ok) in UNARY.items():
    ref = f64(fn)
    for dt in FLOATS:
        # MLX computes float64 transcendentals to about float32's precision: compare with it loosely and
        # with numpy tightly.
        t = {"rtol": 1e-6, "atol": 1e-7} if dt == "float64" else tol(dt)
        CASES.append(Case(op, (rand((3, 4), dt, lo, hi),), ref=ref, **t, id=f"{op}_{dt}"))
    CASES.append(Case(op, (rand((3, 4), "float64", lo, hi),), ref=ref, **tol("float64"), mlx=False, dtype="float64",
                      note="tighter than MLX's float64", id=f"{op}_float64_precise"))
    for dt in ints:
        # Ops that keep integer dtypes compare with numpy's integer arithmetic (wrapping included).
        int_ref = fn if op in INT_KEEPING else ref
        CASES.append(Case(op, (rand((3, 4), dt, lo, hi),), ref=int_ref, id=f"{op}_{dt}"))
    if bool_ok:
        CASES.append(Case(op, (rand((5,), "bool"),), ref=ref, id=f"{op}_bool"))
    CASES += [
        Case(op, (np.array((lo + hi) / 2 + 0.25, np.float32),), ref=ref, **tol("float32"), id=f"{op}_0d"),
        Case(op, (np.zeros((0, 3), np.float32),), ref=ref, id=f"{op}_empty"),
        Case(op, (rand((4, 5), "float32", lo, hi),), ref=ref, **tol("float32"), transform=every(transposed),
             id=f"{op}_transposed"),
        Case(op, (rand((4, 6), "float32", lo, hi),), ref=ref, **tol("float32"), transform=every(strided),
             id=f"{op}_strided"),
        Case(op, ((lo + hi) / 2 + 0.25,), ref=ref, **tol("float32"), mlx=op != "stop_gradient", dtype="float32",
             note="MLX's stop_gradient takes arrays only", id=f"{op}_python_float"),
    ]

SPECIAL = np.array([NAN, INF, -INF, 0.0, -1.5, 2.0, -0.0], np.float32)
for op, fn in {"isnan": np.isnan, "isinf": np.isinf, "isposinf": np.isposinf, "isneginf": np.isneginf,
               "isfinite": np.isfinite}.items():
    for dt in FLOATS:
        CASES.append(Case(op, (SPECIAL.astype(rand((1,), dt).dtype),), ref=f64(fn), id=f"{op}_{dt}"))
    CASES += [
        Case(op, (rand((2, 3), "int32"),), ref=fn, id=f"{op}_int32"),
        Case(op, (rand((2, 3), "uint8"),), ref=fn, id=f"{op}_uint8"),
        Case(op, (rand((4,), "bool"),), ref=fn, id=f"{op}_bool"),
        Case(op, (np.array(INF, np.float32),), ref=fn, id=f"{op}_0d"),
        Case(op, (np.zeros((0,), np.float16),), ref=fn, id=f"{op}_empty"),
        Case(op, (np.tile(SPECIAL, (3, 1)),), ref=fn, transform=every(transposed), id=f"{op}_transposed"),
    ]

# Values with exact answers, NaN and infinities.
CASES += [
    Case("abs", (np.array([-0.0, -INF, NAN, 3.0], np.float32),), ref=np.abs, id="abs_specials"),
    Case("abs", (np.array([-128, 127], np.int8),), ref=np.abs, id="abs_int8_min_wraps"),
    Case("sign", (np.array([-0.0, 0.0, -INF, INF, -2.0], np.float32),), ref=np.sign, id="sign_specials"),
    # Deliberate difference: sign(NaN) is NaN, as numpy (MLX gives 0).
    Case("sign", (np.array([NAN, 1.0], np.float32),), ref=np.sign, mlx=False, dtype="float32",
         note="sign(nan) is nan", id="sign_nan"),
    Case("sign", (rand((5,), "bool"),), id="sign_bool"),
    Case("square", (rand((5,), "bool"),), id="square_bool"),
    Case("reciprocal", (rand((3,), "int32", 1, 5),), ref=f64(np.reciprocal), id="reciprocal_int32"),
    Case("reciprocal", (np.array([0.0, -0.0], np.float32),), ref=f64(np.reciprocal), id="reciprocal_zero"),
    Case("reciprocal", (rand((3, 4), "float32", -3, -0.5),), ref=np.reciprocal, id="reciprocal_negative"),
    Case("log", (np.array([0.0, -1.0, INF], np.float32),), ref=f64(np.log), id="log_specials"),
    Case("sqrt", (np.array([-1.0, INF, 0.0], np.float32),), ref=f64(np.sqrt), id="sqrt_specials"),
    Case("exp", (np.array([-INF, INF, 100.0], np.float32),), ref=f64(lambda a: np.exp(a).astype(np.float32)),
         id="exp_overflow"),
    Case("erfinv", (np.array([-1.0, 1.0, 0.0], np.float32),), ref=f64(np_erfinv), id="erfinv_bounds"),
    Case("tanh", (np.array([-50.0, 50.0, -INF], np.float32),), ref=np.tanh, id="tanh_saturates"),
    Case("sigmoid", (np.array([-100.0, 100.0, 0.0], np.float32),), ref=f64(lambda x: 1 / (1 + np.exp(-x))),
         id="sigmoid_tails"),
    Case("floor", (np.array([-0.5, 0.5, -INF, NAN], np.float32),), ref=np.floor, id="floor_specials"),
    Case("ceil", (np.array([-0.5, 0.5, INF, NAN], np.float32),), ref=np.ceil, id="ceil_specials"),
    Case("negative", (rand((3,), "bool"),), raises=ValueError, match=r"\[negative\]", id="negative_bool"),
]

# round: halves to even, decimals (negative ones too), integers.
CASES += [
    Case("round", (np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4], np.float32),), ref=np.round, id="round_half_even"),
    Case("round", (rand((3, 4), "float32"),), {"decimals": 2}, ref=lambda a, decimals: np.round(a, decimals),
         id="round_decimals2"),
    Case("round", (rand((3, 4), "float64"),), {"decimals": 3}, ref=lambda a, decimals: np.round(a, decimals),
         id="round_decimals3_float64"),
    Case("round", (rand((3, 4), "float32", -300, 300),), {"decimals": -1},
         ref=lambda a, decimals: np.round(a.astype(np.float64), decimals), id="round_decimals_neg_float"),
    Case("round", (np.array([15, 25, -15, 14, 123], np.int32),), {"decimals": -1}, id="round_int_decimals_neg"),
    Case("round", (rand((3,), "float16"),), {"decimals": 1},
         ref=lambda a, decimals: np.round(a.astype(np.float64), decimals), **tol("float16"),
         id="round_float16_decimals"),
    Case("round", (rand((3,), "int8"),), {"decimals": 2}, ref=lambda a, decimals: a, id="round_int_decimals_pos"),
]

# logical_not, bitwise_invert.
for dt in ALL_DTYPES:
    CASES.append(Case("logical_not", (rand((3, 4), dt, -2, 2),), ref=np.logical_not, id=f"logical_not_{dt}"))
for dt in INTS + ["bool"]:
    CASES.append(Case("bitwise_invert", (rand((3, 4), dt, -100, 100),), ref=np.invert, id=f"bitwise_invert_{dt}"))
CASES += [
    Case("logical_not", (np.array([NAN, 0.0, -0.0], np.float32),), ref=np.logical_not, id="logical_not_nan"),
    Case("logical_not", (np.zeros((2, 0), np.int32),), ref=np.logical_not, id="logical_not_empty"),
    Case("logical_not", (0,), ref=np.logical_not, id="logical_not_python_int"),
    Case("logical_not", (rand((3, 4), "int32", -1, 1),), ref=np.logical_not, transform=every(transposed),
         id="logical_not_transposed"),
    Case("bitwise_invert", (np.array(5, np.int32),), ref=np.invert, id="bitwise_invert_0d"),
    Case("bitwise_invert", (5,), ref=np.invert, id="bitwise_invert_python_int"),
    Case("bitwise_invert", (rand((3, 4), "uint16", 0, 1000),), ref=np.invert, transform=every(reversed_),
         id="bitwise_invert_reversed"),
    Case("bitwise_invert", (rand((3,), "float32"),), raises=ValueError, match=r"\[bitwise_invert\]",
         id="bitwise_invert_float"),
]

# ---- binary ----


def int_ref(fn):
    """fn on integer inputs as they are, on floating ones in float64."""

    def ref(a, b):
        def prep(x):
            if isinstance(x, np.ndarray) and not np.issubdtype(x.dtype, np.integer) and x.dtype != np.bool_:
                return x.astype(np.float64)
            return x

        return fn(prep(a), prep(b))

    return ref


def np_logaddexp(a, b):
    return np.logaddexp(a, b)


FLOAT_ONLY_RESULT = {"arctan2", "logaddexp", "divide"}
# name: (reference, low/high of a, low/high of b, dtypes)
NUMERIC = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"] + FLOATS
BINARY = {
    "add": (np.add, (-20, 20), (-20, 20), NUMERIC),
    "subtract": (np.subtract, (0, 40), (0, 20), NUMERIC),
    "multiply": (np.multiply, (-10, 10), (-10, 10), NUMERIC + ["bool"]),
    "divide": (np.true_divide, (-20, 20), (1, 9), NUMERIC),
    "floor_divide": (np.floor_divide, (-20, 20), (1, 7), NUMERIC),
    "remainder": (np.remainder, (-20, 20), (1, 7), NUMERIC),
    "power": (np.power, (0, 4), (0, 3), NUMERIC),
    "maximum": (np.maximum, (-20, 20), (-20, 20), ALL_DTYPES),
    "minimum": (np.minimum, (-20, 20), (-20, 20), ALL_DTYPES),
    "arctan2": (np.arctan2, (-3, 3), (-3, 3), FLOATS + ["int32"]),
    "logaddexp": (np_logaddexp, (-5, 5), (-5, 5), FLOATS + ["int32"]),
    "equal": (np.equal, (-3, 3), (-3, 3), ALL_DTYPES),
    "not_equal": (np.not_equal, (-3, 3), (-3, 3), ALL_DTYPES),
    "less": (np.less, (-3, 3), (-3, 3), ALL_DTYPES),
    "less_equal": (np.less_equal, (-3, 3), (-3, 3), ALL_DTYPES),
    "greater": (np.greater, (-3, 3), (-3, 3), ALL_DTYPES),
    "greater_equal": (np.greater_equal, (-3, 3), (-3, 3), ALL_DTYPES),
    "logical_and": (np.logical_and, (-1, 1), (-1, 1), ALL_DTYPES),
    "logical_or": (np.logical_or, (-1, 1), (-1, 1), ALL_DTYPES),
    "bitwise_and": (np.bitwise_and, (-100, 100), (-100, 100), INTS + ["bool"]),
    "bitwise_or": (np.bitwise_or, (-100, 100), (-100, 100), INTS + ["bool"]),
    "bitwise_xor": (np.bitwise_xor, (-100, 100), (-100, 100), INTS + ["bool"]),
    "left_shift": (np.left_shift, (-8, 8), (0, 4), INTS),
    "right_shift": (np.right_shift, (-100, 100), (0, 5), INTS),
}

for op, (fn, (alo, ahi), (blo, bhi), dtypes) in BINARY.items():
    # Float results compare in float64 (numpy would compute int8 inputs in float16).
    ref = f64(fn) if op in FLOAT_ONLY_RESULT else int_ref(fn)
    for dt in dtypes:
        a = rand((3, 4), dt, alo, ahi, seed=1)
        b = rand((3, 4), dt, blo, bhi, seed=2)
        if dt in FLOATS and op == "power":
            a = rand((3, 4), dt, 0.5, 3, seed=1)
        t = {"rtol": 1e-6, "atol": 1e-7} if dt == "float64" and op == "logaddexp" else tol(dt)
        CASES.append(Case(op, (a, b), ref=ref, **t, id=f"{op}_{dt}"))
    if "float64" in dtypes:
        CASES.append(Case(op, (rand((3, 4), "float64", alo, ahi, seed=1), rand((3, 4), "float64", blo, bhi, seed=2)),
                          ref=ref, **tol("float64"), mlx=False, note="tighter than MLX's float64",
                          id=f"{op}_float64_precise"))
    a = rand((3, 1), "float32", alo, ahi, seed=3)
    b = rand((1, 4), "float32", blo, bhi, seed=4)
    if op in ("left_shift", "right_shift", "bitwise_and", "bitwise_or", "bitwise_xor"):
        a, b = rand((3, 1), "int32", alo, ahi, seed=3), rand((1, 4), "int32", blo, bhi, seed=4)
    sa, sb = (alo + ahi) // 2 + 1, max(blo, 1) + 1
    CASES += [
        Case(op, (a, b), ref=ref, **tol("float32"), id=f"{op}_broadcast"),
        Case(op, (a, b[0]), ref=ref, **tol("float32"), id=f"{op}_broadcast_rank"),
        Case(op, (a, sb), ref=ref, **tol("float32"), id=f"{op}_python_int_right"),
        Case(op, (sa, b), ref=ref, **tol("float32"), id=f"{op}_python_int_left"),
        Case(op, (np.array(sa, a.dtype), b), ref=ref, **tol("float32"), id=f"{op}_0d"),
        Case(op, (np.zeros((0, 4), a.dtype), b), ref=ref, id=f"{op}_empty"),
        Case(op, (rand((4, 5), a.dtype.name, alo, ahi, seed=5), rand((4, 5), a.dtype.name, blo, bhi, seed=6)),
             ref=ref, **tol("float32"), transform=every(transposed), id=f"{op}_transposed"),
        Case(op, (rand((4, 6), a.dtype.name, alo, ahi, seed=5), rand((4, 6), a.dtype.name, blo, bhi, seed=6)),
             ref=ref, **tol("float32"), transform=lambda x, y: (strided(x), reversed_(y)), id=f"{op}_strided"),
        Case(op, (rand((2, 3), a.dtype.name), rand((3, 2), a.dtype.name)), raises=ValueError,
             match=rf"\[{op}\].*broadcast", id=f"{op}_shape_mismatch"),
    ]
    if op not in ("left_shift", "right_shift", "bitwise_and", "bitwise_or", "bitwise_xor"):
        CASES += [
            # Weak Python floats: a float16 array stays float16, an int array becomes float32.
            Case(op, (rand((3, 4), "float16", 0.5, 3), 1.5), ref=ref, **tol("float16"), id=f"{op}_float16_weak"),
            Case(op, (rand((3, 4), "int8", 1, 5), 1.5), ref=ref, **tol("float32"), id=f"{op}_int8_python_float"),
            Case(op, (2.5, rand((3, 4), "bfloat16", 0.5, 3)), ref=ref, **tol("bfloat16"),
                 id=f"{op}_python_float_bfloat16"),
            # Array promotion: mixed kinds and widths.
            Case(op, (rand((3, 4), "int8", 1, 5), rand((3, 4), "uint8", 1, 5)), ref=ref, id=f"{op}_int8_uint8"),
            Case(op, (rand((3, 4), "int32", 1, 5), rand((3, 4), "float16", 1, 3)), ref=ref, **tol("float16"),
                 id=f"{op}_int32_float16"),
            Case(op, (rand((3, 4), "float16", 1, 3), rand((3, 4), "bfloat16", 1, 3)), ref=ref, **tol("bfloat16"),
                 id=f"{op}_float16_bfloat16"),
            Case(op, (rand((3, 4), "uint64", 1, 5), rand((3, 4), "int64", 1, 5)), ref=ref, id=f"{op}_uint64_int64"),
            Case(op, (rand((3, 4), "float64", 1, 3), 2.5), ref=ref, rtol=1e-6, atol=1e-7, id=f"{op}_float64_weak"),
        ]
    if op not in FLOAT_ONLY_RESULT and op not in ("logical_and", "logical_or"):
        CASES.append(Case(op, (rand((3,), "uint8", 1, 5), 300), raises=ValueError,
                          match=rf"\[{op}\].*300.*uint8", id=f"{op}_scalar_overflow"))

CASES += [
    Case("add", (rand((3,), "int32"), 2**40), raises=ValueError, match=r"\[add\].*int32", id="add_int32_big_scalar"),
    Case("add", (rand((3,), "bool"), rand((3,), "bool")), id="add_bool"),
    Case("add", (rand((3,), "bool"), 2), id="add_bool_python_int"),
    Case("add", (True, rand((3,), "int8")), id="add_python_bool_int8"),
    Case("add", (1, 2), ref=np.add, id="add_two_python_ints"),
    Case("add", (1, 2.5), ref=np.add, id="add_python_int_float"),
    Case("maximum", (np.array([NAN, 1.0, -INF], np.float32), np.array([0.0, NAN, -1.0], np.float32)),
         ref=np.maximum, id="maximum_nan_propagates"),
    Case("minimum", (np.array([NAN, 1.0, INF], np.float32), np.array([0.0, NAN, 1.0], np.float32)),
         ref=np.minimum, id="minimum_nan_propagates"),
    Case("remainder", (np.array([-5.5, 5.5, -1.0], np.float32), -2.0), ref=np.remainder, id="remainder_sign_divisor"),
    Case("remainder", (np.array([-7, 7, -1], np.int32), np.array([3, -3, 5], np.int32)), ref=np.remainder,
         id="remainder_int_signs"),
    Case("floor_divide", (np.array([-7, 7, -1], np.int32), np.array([3, -3, 5], np.int32)), ref=np.floor_divide,
         id="floor_divide_int_signs"),
    Case("floor_divide", (np.array([-7.5, 7.5], np.float32), 2), ref=np.floor_divide, id="floor_divide_float"),
    Case("power", (np.array([2, 3], np.int32), 0.5), ref=f64(np.power), id="power_int_python_float"),
    Case("power", (2, np.array([0, 1, 5], np.int32)), ref=np.power, id="power_python_base"),
    Case("power", (np.array([0.0, -2.0, 4.0], np.float32), np.array([0.0, 0.5, -0.5], np.float32)),
         ref=f64(np.power), id="power_specials"),
    Case("divide", (np.array([1.0, -1.0, 0.0], np.float32), 0.0), ref=f64(np.divide), id="divide_by_zero"),
    Case("logaddexp", (np.array([-INF, INF, -INF], np.float32), np.array([-INF, 1.0, 2.0], np.float32)),
         ref=np.logaddexp, id="logaddexp_infinities"),
    Case("logaddexp", (np.array([1000.0], np.float32), np.array([1000.0], np.float32)), ref=np.logaddexp,
         id="logaddexp_no_overflow"),
    Case("equal", (np.array([NAN, 0.0], np.float32), np.array([NAN, -0.0], np.float32)), ref=np.equal,
         id="equal_nan_zero"),
    Case("equal", (rand((3,), "uint8", 0, 3), 1.5), ref=f64(np.equal), id="equal_uint8_python_float"),
    Case("less", (rand((3,), "int64", -3, 3), np.array(2**40, np.int64)), ref=np.less, id="less_int64_large"),
    Case("logical_and", (True, rand((4,), "int32", -1, 1)), ref=np.logical_and, id="logical_and_python_bool"),
    Case("logical_or", (rand((4,), "float32", -1, 1), 0.0), ref=np.logical_or, id="logical_or_python_float"),
    Case("bitwise_and", (rand((4,), "bool"), 1), ref=np.bitwise_and, id="bitwise_and_bool_python_int"),
    Case("bitwise_and", (rand((3,), "int32"), rand((3,), "float32")), raises=ValueError, match=r"\[bitwise_and\]",
         id="bitwise_and_float"),
    Case("bitwise_or", (rand((3,), "float16"), 1), raises=ValueError, match=r"\[bitwise_or\]", id="bitwise_or_float"),
    Case("right_shift", (np.array([-8, -1, 7], np.int8), 1), ref=np.right_shift, id="right_shift_arithmetic"),
    Case("left_shift", (rand((3,), "float32"), 1), raises=ValueError, match=r"\[left_shift\]", id="left_shift_float"),
    # Deliberate difference: MLX treats bool - bool as xor and bool << bool as uint8.
    Case("subtract", (rand((3,), "bool"), rand((3,), "bool")), raises=ValueError, match=r"\[subtract\].*bool",
         id="subtract_bool"),
    Case("left_shift", (rand((3,), "bool"), rand((3,), "bool")), raises=ValueError, match=r"\[left_shift\]",
         id="left_shift_bool"),
    # Deliberate difference: integer division by zero gives 0 (MLX stops the process with SIGFPE).
    Case("floor_divide", (np.array([5, -3], np.int32), 0), ref=lambda a, b: np.zeros_like(a), mlx=False,
         dtype="int32", note="integer division by zero is 0", id="floor_divide_int_by_zero"),
    Case("remainder", (np.array([5, -3], np.int32), 0), ref=lambda a, b: np.zeros_like(a), mlx=False,
         dtype="int32", note="integer division by zero is 0", id="remainder_int_by_zero"),
]

# ---- divmod ----
CASES += [
    Case("divmod", (rand((3, 4), "int32", -20, 20), rand((3, 4), "int32", 1, 6)), ref=lambda a, b: np.divmod(a, b),
         id="divmod_int32"),
    Case("divmod", (rand((3, 4), "float32"), 1.5), ref=f64(lambda a, b: np.divmod(a, b)), id="divmod_python_float"),
    Case("divmod", (rand((3, 4), "float16"), rand((1, 4), "float16", 0.5, 2)), ref=f64(lambda a, b: np.divmod(a, b)),
         **tol("float16"), id="divmod_float16_broadcast"),
    Case("divmod", (7, rand((3,), "int8", 1, 5)), ref=lambda a, b: np.divmod(a, b), id="divmod_python_int_left"),
    Case("divmod", (np.zeros((0,), np.float32), 2.0), ref=lambda a, b: np.divmod(a, b), id="divmod_empty"),
    Case("divmod", (rand((4, 5), "int16", -20, 20), rand((4, 5), "int16", 1, 5)),
         ref=lambda a, b: np.divmod(a, b), transform=every(transposed), id="divmod_transposed"),
    Case("divmod", (rand((2,), "int32"), rand((3,), "int32", 1, 3)), raises=ValueError, match=r"broadcast",
         id="divmod_shape_mismatch"),
]

# ---- where ----
COND = rand((3, 4), "bool", seed=7)
for dt in ALL_DTYPES:
    CASES.append(Case("where", (COND, rand((3, 4), dt, seed=1), rand((3, 4), dt, seed=2)), ref=np.where,
                      id=f"where_{dt}"))
CASES += [
    Case("where", (rand((3, 1), "bool"), rand((1, 4), "float32"), rand((3, 4), "float32")), ref=np.where,
         id="where_broadcast"),
    Case("where", (COND, rand((3, 4), "int8"), 2.5), ref=np.where, id="where_python_float"),
    Case("where", (COND, rand((3, 4), "float16"), 2.5), ref=np.where, id="where_float16_weak"),
    Case("where", (COND, rand((3, 4), "int8"), rand((3, 4), "uint8")), ref=np.where, id="where_promote"),
    Case("where", (rand((3, 4), "float32", -1, 1), 2, 3), ref=np.where, id="where_float_condition"),
    Case("where", (True, 1, 2), ref=np.where, id="where_all_python"),
    Case("where", (np.array(False), rand((2, 2), "float32"), 0.0), ref=np.where, id="where_0d_condition"),
    Case("where", (np.zeros((0, 4), np.bool_), rand((1, 4), "float32"), 0.0), ref=np.where, id="where_empty"),
    Case("where", (rand((4, 5), "bool"), rand((4, 5), "float32"), rand((4, 5), "float32")), ref=np.where,
         transform=every(transposed), id="where_transposed"),
    Case("where", (rand((2,), "bool"), rand((3,), "float32"), 0.0), raises=ValueError, match=r"\[where\]",
         id="where_shape_mismatch"),
]

# ---- isclose, allclose, array_equal ----
A1 = np.array([1.0, 2.0, INF, -INF, NAN, 1e-9, 100.0], np.float32)
B1 = np.array([1.0 + 1e-6, 2.1, INF, INF, NAN, 0.0, 100.001], np.float32)
CASES += [
    Case("isclose", (A1, B1), ref=np.isclose, id="isclose_specials"),
    Case("isclose", (A1, B1), {"equal_nan": True}, ref=lambda a, b, equal_nan: np.isclose(a, b, equal_nan=equal_nan),
         id="isclose_equal_nan"),
    Case("isclose", (A1, B1), {"rtol": 0.1, "atol": 0.0}, ref=lambda a, b, rtol, atol: np.isclose(a, b, rtol, atol),
         id="isclose_rtol"),
    Case("isclose", (A1, B1, 0.0, 0.2), ref=lambda a, b, rtol, atol: np.isclose(a, b, rtol, atol),
         id="isclose_positional_tolerances"),
    Case("isclose", (rand((3, 1), "float16"), rand((1, 4), "float32")), ref=np.isclose, id="isclose_broadcast"),
    Case("isclose", (rand((3,), "int32"), rand((3,), "int32", seed=5)), ref=np.isclose, id="isclose_int32"),
    Case("isclose", (np.array(1.0, np.float32), 1.0), ref=np.isclose, mlx=False, dtype="bool",
         note="MLX's isclose takes arrays only", id="isclose_python_float"),
    Case("isclose", (np.zeros((0,), np.float32), np.zeros((0,), np.float32)), ref=np.isclose, id="isclose_empty"),
    Case("isclose", (rand((4, 5), "float32"), rand((4, 5), "float32")), ref=np.isclose, transform=every(transposed),
         id="isclose_transposed"),
    Case("isclose", (rand((2,), "float32"), rand((3,), "float32")), raises=ValueError, match=r"broadcast",
         id="isclose_shape_mismatch"),
    Case("allclose", (A1[:2], B1[:2]), ref=np.allclose, id="allclose_false"),
    Case("allclose", (A1[:2], A1[:2] + 1e-7), ref=np.allclose, id="allclose_true"),
    Case("allclose", (A1, A1), {"equal_nan": True}, ref=lambda a, b, equal_nan: np.allclose(a, b, equal_nan=True),
         id="allclose_equal_nan"),
    Case("allclose", (A1, A1), ref=np.allclose, id="allclose_nan_differs"),
    Case("allclose", (rand((2,), "float32"), rand((1, 2), "float32")), ref=np.allclose, id="allclose_broadcast"),
    Case("allclose", (rand((3,), "bfloat16"), rand((3,), "bfloat16")), {"rtol": 1.0, "atol": 10.0},
         ref=lambda a, b, rtol, atol: True, id="allclose_bfloat16"),
    # MLX's reductions over an empty axis can hang: numpy's values only.
    Case("allclose", (np.zeros((0,), np.float32), np.zeros((0,), np.float32)), ref=np.allclose, mlx=False,
         dtype="bool", id="allclose_empty"),
    Case("allclose", (rand((2,), "float32"), rand((3,), "float32")), raises=ValueError, match=r"broadcast",
         id="allclose_shape_mismatch"),
    Case("array_equal", (rand((3, 4), "int32"), rand((3, 4), "int32")), ref=np.array_equal, id="array_equal_true"),
    Case("array_equal", (rand((3, 4), "int32"), rand((3, 4), "int32", seed=3)), ref=np.array_equal,
         id="array_equal_false"),
    Case("array_equal", (rand((3,), "int32"), rand((3,), "int32").astype(np.float16)), ref=np.array_equal,
         id="array_equal_dtypes_differ"),
    Case("array_equal", (rand((1, 3), "int32"), rand((3,), "int32")), ref=np.array_equal,
         id="array_equal_shapes_differ"),
    Case("array_equal", (A1, A1), ref=np.array_equal, id="array_equal_nan"),
    Case("array_equal", (A1, A1), {"equal_nan": True}, ref=lambda a, b, equal_nan: np.array_equal(a, b, True),
         id="array_equal_equal_nan"),
    Case("array_equal", (1, 1.0), ref=np.array_equal, id="array_equal_python_scalars"),
    Case("array_equal", (np.zeros((0, 2), np.bool_), np.zeros((0, 2), np.bool_)), ref=np.array_equal, mlx=False,
         dtype="bool", id="array_equal_empty"),
    Case("array_equal", (rand((4, 5), "float32"), rand((4, 5), "float32")), ref=np.array_equal,
         transform=lambda a, b: (transposed(a), b), id="array_equal_transposed"),
]

# ---- clip ----
for dt in NUMERIC:
    CASES.append(Case("clip", (rand((3, 4), dt, -10, 10), 1, 5), ref=np.clip, **tol(dt), id=f"clip_{dt}"))
CASES += [
    Case("clip", (rand((3, 4), "float32"), -1.0, None), ref=lambda a, lo, hi: np.clip(a, lo, hi), id="clip_min_only"),
    Case("clip", (rand((3, 4), "float32"), None, 0.5), ref=lambda a, lo, hi: np.clip(a, lo, hi), id="clip_max_only"),
    Case("clip", (rand((3, 4), "float16"), 0.5, 2.5), ref=f64(np.clip), **tol("float16"), id="clip_float16_weak"),
    Case("clip", (rand((3, 4), "int8"), 0.5, 2.5), ref=np.clip, id="clip_int8_python_float"),
    Case("clip", (rand((3, 4), "float32"), rand((3, 1), "float32", -2, 0), rand((1, 4), "float32", 0, 2)),
         ref=np.clip, id="clip_array_bounds"),
    Case("clip", (rand((3, 4), "int8"), rand((4,), "int32", -2, 0), None), ref=lambda a, lo, hi: np.clip(a, lo, hi),
         id="clip_promotes"),
    Case("clip", (np.array([NAN, INF, -INF], np.float32), -1.0, 1.0), ref=np.clip, id="clip_specials"),
    Case("clip", (np.array(7.0, np.float32), 0, 5), ref=np.clip, id="clip_0d"),
    Case("clip", (np.zeros((0, 2), np.float32), 0, 5), ref=np.clip, id="clip_empty"),
    Case("clip", (rand((4, 5), "float32"), -1, 1), ref=np.clip, transform=lambda a, lo, hi: (transposed(a), lo, hi),
         id="clip_transposed"),
    Case("clip", (rand((3,), "float32"), None, None), raises=ValueError, match=r"\[clip\]", id="clip_no_bounds"),
    Case("clip", (rand((3,), "uint8", 0, 5), -1, 300), raises=ValueError, match=r"out of range for uint8",
         id="clip_bound_overflow"),
    Case("clip", (rand((3,), "float32"), rand((2,), "float32"), None), raises=ValueError, match=r"broadcast",
         id="clip_shape_mismatch"),
]

# ---- nan_to_num ----
SPECIAL3 = np.array([[NAN, INF, -INF, 1.5], [0.0, -2.0, NAN, INF]], np.float32)
for dt in ["float32", "float16", "bfloat16"]:
    x = SPECIAL3.astype(rand((1,), dt).dtype)
    CASES += [
        # Infinities become the dtype's largest finite values.
        Case("nan_to_num", (x,), ref=f64(lambda a, big=float(ml_finfo(dt).max): np.nan_to_num(a, posinf=big,
                                                                                              neginf=-big)),
             id=f"nan_to_num_{dt}"),
        Case("nan_to_num", (x,), {"nan": 3.0, "posinf": 100.0, "neginf": -100.0},
             ref=lambda a, **kw: np.nan_to_num(a.astype(np.float64), **kw), **tol(dt), id=f"nan_to_num_{dt}_values"),
    ]
CASES += [
    Case("nan_to_num", (rand((3,), "int32"),), ref=np.nan_to_num, id="nan_to_num_int32"),
    Case("nan_to_num", (rand((3,), "bool"),), ref=np.nan_to_num, id="nan_to_num_bool"),
    Case("nan_to_num", (SPECIAL3, 1.0), ref=lambda a, nan: np.nan_to_num(a, nan=nan), id="nan_to_num_positional"),
    Case("nan_to_num", (np.array(NAN, np.float32),), ref=np.nan_to_num, id="nan_to_num_0d"),
    Case("nan_to_num", (np.zeros((0,), np.float32),), ref=np.nan_to_num, id="nan_to_num_empty"),
    Case("nan_to_num", (np.tile(SPECIAL3, (1, 2)),), ref=np.nan_to_num, transform=every(transposed),
         id="nan_to_num_transposed"),
    # Deliberate difference: MLX refuses float64 here.
    Case("nan_to_num", (SPECIAL3.astype(np.float64),), ref=np.nan_to_num, mlx=False, dtype="float64",
         note="MLX does not support float64 in nan_to_num", id="nan_to_num_float64"),
]

# ---- the same as methods of ingot.array (a.exp(), ...), compared with mlx.core.array's ----
for op in ("abs", "exp", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos"):
    fn, lo, hi = UNARY[op][:3] if op in UNARY else (None, 0.5, 3)
    lo, hi = max(lo, 0.5), max(hi, 1.0)
    CASES += [
        Case(f"array.{op}", (rand((3, 4), "float32", lo, hi),), ref=f64(fn), **tol("float32"), id=f"method_{op}"),
        Case(f"array.{op}", (rand((3, 4), "float16", lo, hi),), ref=f64(fn), **tol("float16"),
             id=f"method_{op}_float16"),
        Case(f"array.{op}", (rand((4, 5), "float32", lo, hi),), ref=f64(fn), **tol("float32"),
             transform=every(transposed), id=f"method_{op}_transposed"),
    ]
CASES += [
    Case("array.round", (rand((3, 4), "float32"),), ref=np.round, id="method_round"),
    Case("array.round", (rand((3, 4), "float32"), 2), ref=np.round, id="method_round_decimals"),
    Case("array.round", (rand((3, 4), "float32"),), {"decimals": 1}, ref=lambda a, decimals: np.round(a, decimals),
         id="method_round_decimals_kw"),
]
