"""Op table rows: sum, prod, max, min, all, any, mean, var, std, logsumexp, argmax, argmin, softmax and the
cumulative scans (cumsum, cumprod, cummax, cummin, logcumsumexp).

``axis`` is None, an int or a list (tuple) of ints, as in MLX. References compute floating inputs in
float64; result dtypes are checked against MLX.
"""

import numpy as np

from cases_elementwise import reversed_, strided, transposed
import ingot
from op_table import ALL_DTYPES, FLOATS, INTS, Case, rand

NAN, INF = float("nan"), float("inf")

# Reductions add rounding errors of the result dtype over a dozen elements.
TOL = {
    "float16": {"rtol": 5e-3, "atol": 5e-2},
    "bfloat16": {"rtol": 3e-2, "atol": 2e-1},
    "float64": {"rtol": 1e-12, "atol": 1e-12},
}


def tol(dt):
    return TOL.get(dt, {"rtol": 2e-5, "atol": 2e-5})


def first(view):
    return lambda a, *rest: (view(a), *rest)


def prep(a):
    a = np.asarray(a)
    if a.dtype.kind in "fV" or a.dtype.name == "bfloat16":
        return a.astype(np.float64)
    return a


def np_axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def reduction(fn):
    def ref(a, axis=None, keepdims=False, *args, **kw):
        with np.errstate(all="ignore"):
            return fn(prep(a), axis=np_axis(axis), keepdims=keepdims, ddof=args[0], **kw) if args else \
                fn(prep(a), axis=np_axis(axis), keepdims=keepdims, **kw)

    return ref


def np_logsumexp(a, axis=None, keepdims=False):
    a = np.asarray(a).astype(np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=tuple(range(a.ndim)) if axis is None else axis)


def np_softmax(a, axis=None, precise=False):
    a = prep(a)
    ax = np_axis(axis)
    e = np.exp(a - np.max(a, axis=ax, keepdims=True))
    return e / np.sum(e, axis=ax, keepdims=True)


def arg(fn):
    def ref(a, axis=None, keepdims=False):
        a = prep(a)
        if axis is None:
            out = fn(a.reshape(-1))
            return np.reshape(out, (1,) * a.ndim) if keepdims else out
        return fn(a, axis=axis, keepdims=keepdims)

    return ref


# MLX computes these in float64 to about float32's precision: float64 rows compare with it loosely and
# with numpy tightly.
MLX_LOOSE = {"logsumexp", "softmax", "logcumsumexp"}
LOOSE64 = {"rtol": 1e-6, "atol": 1e-7}

REDUCE = {
    "sum": np.sum,
    "prod": np.prod,
    "max": np.max,
    "min": np.min,
    "all": np.all,
    "any": np.any,
    "mean": np.mean,
    "var": np.var,
    "std": np.std,
    "logsumexp": np_logsumexp,
}

CASES = []
X = rand((3, 4, 5), seed=1)
for op, fn in REDUCE.items():
    ref = reduction(fn)
    small = op == "prod"  # products of small integers stay in range
    lo, hi = (-2, 2) if small else (-20, 20)
    for dt in ALL_DTYPES:
        if dt == "bool" and op in ("var", "std", "logsumexp", "mean"):
            continue
        if dt in INTS and op in ("logsumexp",):
            lo2, hi2 = -3, 3
        else:
            lo2, hi2 = lo, hi
        shape = (2, 3) if small else (3, 4)
        t = LOOSE64 if dt == "float64" and op in MLX_LOOSE else tol(dt)
        # MLX's logsumexp over every axis of an unsigned array gives inf (its max-subtraction wraps).
        mlx_bug = op == "logsumexp" and dt.startswith("uint")
        CASES.append(Case(op, (rand(shape, dt, lo2, hi2),), ref=ref, **t, mlx=not mlx_bug,
                          dtype="float32" if mlx_bug else None, note="MLX gives inf" if mlx_bug else "",
                          id=f"{op}_{dt}"))
        CASES.append(Case(op, (rand(shape, dt, lo2, hi2),), {"axis": 1}, ref=ref, **t, id=f"{op}_{dt}_axis1"))
    if op in MLX_LOOSE:
        CASES.append(Case(op, (rand((3, 4), "float64"),), ref=ref, **tol("float64"), mlx=False, dtype="float64",
                          note="tighter than MLX's float64", id=f"{op}_float64_precise"))
    CASES += [
        Case(op, (X,), ref=ref, id=f"{op}_all_axes"),
        Case(op, (X, 1), ref=ref, id=f"{op}_axis_positional"),
        Case(op, (X,), {"axis": -1}, ref=ref, id=f"{op}_axis_negative"),
        Case(op, (X,), {"axis": [0, 2]}, ref=ref, id=f"{op}_axis_list"),
        Case(op, (X,), {"axis": (2, -3)}, ref=ref, id=f"{op}_axis_tuple"),
        Case(op, (X,), {"axis": []}, ref=ref, id=f"{op}_axis_empty_list"),
        Case(op, (X,), {"keepdims": True}, ref=ref, id=f"{op}_keepdims_all"),
        Case(op, (X,), {"axis": [1], "keepdims": True}, ref=ref, id=f"{op}_keepdims_axis"),
        Case(op, (X, 0, True), ref=ref, id=f"{op}_keepdims_positional"),
        Case(op, (np.array(2.5, np.float32),), ref=ref, id=f"{op}_0d"),
        Case(op, (rand((4, 5)),), {"axis": 0}, ref=ref, transform=first(transposed), id=f"{op}_transposed"),
        Case(op, (rand((4, 6)),), {"axis": 1}, ref=ref, transform=first(strided), id=f"{op}_strided"),
        Case(op, (rand((4, 6)),), ref=ref, transform=first(reversed_), id=f"{op}_reversed"),
        Case(op, (X,), {"axis": 3}, raises=ValueError, match=rf"\[{op}\].*axis 3", id=f"{op}_axis_out_of_range"),
        Case(op, (X,), {"axis": [0, -3]}, raises=ValueError, match=rf"\[{op}\]", id=f"{op}_axis_repeated"),
        Case(op, (np.array(2.5, np.float32),), {"axis": 0}, raises=ValueError, match=rf"\[{op}\]",
             id=f"{op}_0d_axis"),
    ]

# Empty inputs: identities where there are some, NaN means, errors for max and min. MLX's CPU reductions
# over an empty axis sometimes loop for minutes (their loop bounds come from uninitialized memory), so
# these rows check numpy's values and MLX's dtypes only.
E = np.zeros((0, 3), np.float32)
NO_MLX = {"mlx": False, "note": "MLX's reductions over an empty axis can hang"}
CASES += [
    Case("sum", (E,), {"axis": 0}, ref=reduction(np.sum), dtype="float32", **NO_MLX, id="sum_empty"),
    Case("sum", (np.zeros((0,), np.int8),), ref=reduction(np.sum), dtype="int32", **NO_MLX, id="sum_empty_int8"),
    Case("prod", (E,), {"axis": 0}, ref=reduction(np.prod), dtype="float32", **NO_MLX, id="prod_empty"),
    Case("all", (E,), {"axis": 0}, ref=reduction(np.all), dtype="bool", **NO_MLX, id="all_empty"),
    Case("any", (E,), {"axis": 0}, ref=reduction(np.any), dtype="bool", **NO_MLX, id="any_empty"),
    Case("mean", (E,), {"axis": 0}, ref=lambda a, axis: np.full((3,), NAN), dtype="float32", **NO_MLX,
         id="mean_empty"),
    Case("var", (E,), {"axis": 0}, ref=lambda a, axis: np.full((3,), NAN), dtype="float32", **NO_MLX,
         id="var_empty"),
    Case("sum", (E,), {"axis": 1}, ref=reduction(np.sum), id="sum_empty_other_axis"),
    Case("max", (E,), {"axis": 1}, ref=reduction(np.max), id="max_empty_other_axis"),
    Case("max", (E,), raises=ValueError, match=r"\[max\].*empty", id="max_empty"),
    Case("min", (E,), {"axis": 0}, raises=ValueError, match=r"\[min\].*empty", id="min_empty"),
    # Deliberate difference: logsumexp over nothing is -inf (log of an empty sum); MLX raises.
    Case("logsumexp", (E,), {"axis": 0}, ref=lambda a, axis: np.full((3,), -INF, np.float32), mlx=False,
         dtype="float32", note="-inf over an empty axis", id="logsumexp_empty"),
]

# Values: NaN propagation, sums of bools, ddof, overflow-free logsumexp.
CASES += [
    Case("max", (np.array([1.0, NAN, 2.0], np.float32),), ref=reduction(np.max), id="max_nan"),
    Case("min", (np.array([[1.0, NAN], [2.0, 0.0]], np.float32),), {"axis": 1}, ref=reduction(np.min),
         id="min_nan"),
    Case("sum", (rand((5, 4), "bool"),), {"axis": 0}, ref=reduction(np.sum), dtype="int32", id="sum_bool_counts"),
    Case("sum", (rand((50,), "float16", 0, 2),), ref=reduction(np.sum), rtol=5e-3, id="sum_float16_long"),
    Case("var", (X,), {"ddof": 1}, ref=reduction(np.var), id="var_ddof1"),
    Case("std", (X,), {"axis": [0, 1], "ddof": 2}, ref=reduction(np.std), id="std_ddof2"),
    Case("var", (X, 1, False, 1), ref=reduction(np.var), id="var_ddof_positional"),
    Case("var", (rand((3,), "float32"),), {"ddof": 3}, ref=lambda a, ddof: np.float32(INF), id="var_ddof_all"),
    Case("var", (rand((3, 4), "int32"),), ref=reduction(np.var), dtype="float32", id="var_int32_float32_result"),
    Case("std", (rand((3, 4), "uint8", 0, 9),), ref=reduction(np.std), dtype="float32", id="std_uint8_float32_result"),
    Case("mean", (rand((3, 4), "int64"),), ref=reduction(np.mean), dtype="float32", id="mean_int64_float32_result"),
    Case("logsumexp", (np.array([1000.0, 1000.0], np.float32),), ref=reduction(np_logsumexp),
         id="logsumexp_large"),
    Case("logsumexp", (np.array([-INF, -INF], np.float32),), ref=lambda a: np.float32(-INF),
         id="logsumexp_all_minus_inf"),
    Case("logsumexp", (np.array([1.0, INF], np.float32),), ref=lambda a: np.float32(INF), id="logsumexp_inf"),
]

# ---- argmax, argmin ----
for op, fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    ref = arg(fn)
    for dt in ALL_DTYPES:
        CASES.append(Case(op, (rand((3, 4), dt, -20, 20),), {"axis": 1}, ref=ref, dtype="uint32", id=f"{op}_{dt}"))
    CASES += [
        Case(op, (X,), ref=ref, dtype="uint32", id=f"{op}_flat"),
        Case(op, (X,), {"keepdims": True}, ref=ref, id=f"{op}_flat_keepdims"),
        Case(op, (X, 0), ref=ref, id=f"{op}_axis0"),
        Case(op, (X,), {"axis": -1, "keepdims": True}, ref=ref, id=f"{op}_axis_keepdims"),
        Case(op, (np.array([[1, 3, 3], [2, 2, 0]], np.int32),), {"axis": 1}, ref=ref, id=f"{op}_ties_first"),
        Case(op, (np.array(3.0, np.float32),), ref=ref, id=f"{op}_0d"),
        # Deliberate difference: an empty result is fine (numpy); MLX refuses any empty input.
        Case(op, (np.zeros((0, 3), np.float32),), {"axis": 1}, ref=ref, mlx=False, dtype="uint32",
             note="empty results allowed", id=f"{op}_empty_other_axis"),
        Case(op, (rand((4, 5)),), {"axis": 0}, ref=ref, transform=first(transposed), id=f"{op}_transposed"),
        Case(op, (rand((4, 6)),), {"axis": 1}, ref=ref, transform=first(reversed_), id=f"{op}_reversed"),
        Case(op, (np.zeros((0,), np.float32),), raises=ValueError, match=rf"\[{op}\].*empty", id=f"{op}_empty"),
        Case(op, (X,), {"axis": 3}, raises=ValueError, match=rf"\[{op}\].*axis 3", id=f"{op}_axis_out_of_range"),
    ]
CASES.append(Case("argmax", (np.array([1.0, NAN, 2.0, NAN], np.float32),), ref=arg(np.argmax), id="argmax_nan"))
CASES.append(Case("argmin", (np.array([1.0, NAN, -2.0], np.float32),), ref=arg(np.argmin), id="argmin_nan"))

# ---- softmax ----
for dt in FLOATS:
    t = LOOSE64 if dt == "float64" else tol(dt)
    CASES.append(Case("softmax", (rand((3, 4), dt),), {"axis": -1}, ref=np_softmax, **t, id=f"softmax_{dt}"))
    CASES.append(Case("softmax", (rand((3, 4), dt),), {"axis": -1, "precise": True}, ref=np_softmax, **t,
                      id=f"softmax_{dt}_precise"))
CASES.append(Case("softmax", (rand((3, 4), "float64"),), {"axis": -1}, ref=np_softmax, **tol("float64"), mlx=False,
                  dtype="float64", note="tighter than MLX's float64", id="softmax_float64_tight"))
CASES += [
    Case("softmax", (X,), ref=np_softmax, id="softmax_all_axes"),
    Case("softmax", (X, 0), ref=np_softmax, id="softmax_axis_positional"),
    Case("softmax", (X,), {"axis": [0, 2]}, ref=np_softmax, id="softmax_axis_list"),
    Case("softmax", (X,), {"axis": []}, ref=lambda a, axis: np.ones_like(a), id="softmax_axis_empty_list"),
    Case("softmax", (rand((3, 4), "int32"),), {"axis": 1}, ref=np_softmax, dtype="float32", id="softmax_int32"),
    Case("softmax", (np.array([[-INF, 0.0, 1000.0]], np.float32),), {"axis": 1}, ref=np_softmax,
         id="softmax_extremes"),
    Case("softmax", (np.array(2.0, np.float32),), ref=np_softmax, id="softmax_0d"),
    Case("softmax", (np.zeros((0, 3), np.float32),), {"axis": 1}, ref=np_softmax, id="softmax_empty"),
    Case("softmax", (rand((4, 5)),), {"axis": 0}, ref=np_softmax, transform=first(transposed),
         id="softmax_transposed"),
    Case("softmax", (rand((4, 6)),), {"axis": 1}, ref=np_softmax, transform=first(strided), id="softmax_strided"),
    Case("softmax", (X,), {"axis": 3}, raises=ValueError, match=r"\[softmax\]", id="softmax_axis_out_of_range"),
]


# ---- cumulative scans ----
def scan_ref(ufunc, identity):
    def ref(a, axis=None, reverse=False, inclusive=True, dtype=None):
        a = prep(a) if dtype is None else prep(a).astype(np.float64 if "float" in str(dtype) else np.int64)
        if a.dtype == np.bool_ and ufunc is np.add:
            a = a.astype(np.int32)
        if axis is None:
            a, axis = a.reshape(-1), 0
        if reverse:
            a = np.flip(a, axis)
        with np.errstate(all="ignore"):
            out = ufunc.accumulate(a, axis=axis)
        if not inclusive:
            out = np.moveaxis(out, axis, 0)
            ident = identity(a.dtype)
            out = np.concatenate([np.full((1,) + out.shape[1:], ident, out.dtype), out[:-1]], axis=0)
            out = np.moveaxis(out, 0, axis)
        return np.flip(out, axis) if reverse else out

    return ref


def lowest(dt):
    return -INF if dt.kind == "f" else (False if dt == np.bool_ else np.iinfo(dt).min)


def highest(dt):
    return INF if dt.kind == "f" else (True if dt == np.bool_ else np.iinfo(dt).max)


SCANS = {
    "cumsum": (np.add, lambda dt: 0),
    "cumprod": (np.multiply, lambda dt: 1),
    "cummax": (np.maximum, lowest),
    "cummin": (np.minimum, highest),
    "logcumsumexp": (np.logaddexp, lambda dt: -INF),
}
Y = rand((3, 4), seed=3)
for op, (ufunc, identity) in SCANS.items():
    ref = scan_ref(ufunc, identity)
    dtypes = FLOATS if op == "logcumsumexp" else ALL_DTYPES
    for dt in dtypes:
        lo, hi = (-2, 2) if op == "cumprod" else (-9, 9)
        t = LOOSE64 if dt == "float64" and op in MLX_LOOSE else tol(dt)
        CASES.append(Case(op, (rand((3, 4), dt, lo, hi),), {"axis": 1}, ref=ref, **t, id=f"{op}_{dt}"))
    if op in MLX_LOOSE:
        CASES.append(Case(op, (rand((3, 4), "float64"),), {"axis": 1}, ref=ref, **tol("float64"), mlx=False,
                          dtype="float64", note="tighter than MLX's float64", id=f"{op}_float64_precise"))
    CASES += [
        Case(op, (Y,), ref=ref, id=f"{op}_flat"),
        Case(op, (Y, 0), ref=ref, id=f"{op}_axis_positional"),
        Case(op, (Y,), {"axis": -1, "reverse": True}, ref=ref, id=f"{op}_reverse"),
        Case(op, (Y,), {"axis": 1, "inclusive": False}, ref=ref, id=f"{op}_exclusive"),
        Case(op, (Y,), {"axis": 0, "reverse": True, "inclusive": False}, ref=ref, id=f"{op}_reverse_exclusive"),
        Case(op, (rand((2, 3), "int8", -9, 9),), {"axis": 1, "inclusive": False}, ref=ref,
             id=f"{op}_int8_exclusive") if op != "logcumsumexp" else
        Case(op, (rand((2, 3), "int32", -3, 3),), {"axis": 1}, ref=ref, dtype="float32", id=f"{op}_int32"),
        Case(op, (np.array(2.0, np.float32),), ref=ref, id=f"{op}_0d"),
        Case(op, (np.zeros((0, 3), np.float32),), {"axis": 0}, ref=ref, id=f"{op}_empty"),
        Case(op, (rand((4, 5)),), {"axis": 0}, ref=ref, transform=first(transposed), id=f"{op}_transposed"),
        Case(op, (rand((4, 6)),), {"axis": 1, "reverse": True}, ref=ref, transform=first(strided),
             id=f"{op}_strided"),
        Case(op, (rand((4, 6)),), {"axis": 0}, ref=ref, transform=first(reversed_), id=f"{op}_reversed"),
        Case(op, (Y,), {"axis": 2}, raises=ValueError, match=rf"\[{op}\].*axis 2", id=f"{op}_axis_out_of_range"),
        Case(op, (np.array(2.0, np.float32),), {"axis": 0}, raises=ValueError, match=rf"\[{op}\]",
             id=f"{op}_0d_axis"),
    ]
CASES += [
    Case("cumsum", (rand((5,), "bool"),), ref=scan_ref(np.add, lambda dt: 0), dtype="int32", id="cumsum_bool_int32"),
    Case("cumsum", (np.array([100, 100], np.int8),), ref=lambda a: np.array([100, -56], np.int8),
         id="cumsum_int8_wraps"),
    Case("cumsum", (np.array([100, 100], np.int8),), {"dtype": ingot.int32},
         ref=lambda a, dtype: np.array([100, 200]), dtype="int32", id="cumsum_dtype"),
    Case("cumprod", (rand((2, 3), "uint8", 0, 4),), {"axis": 1, "dtype": ingot.float16},
         ref=lambda a, axis, dtype: np.cumprod(a.astype(np.float64), axis=axis), dtype="float16",
         id="cumprod_dtype"),
    Case("cummax", (np.array([1.0, NAN, 2.0], np.float32),), ref=lambda a: np.array([1.0, NAN, NAN]),
         id="cummax_nan_propagates"),
    Case("logcumsumexp", (np.array([1000.0, 1000.0, -INF], np.float32),), ref=scan_ref(np.logaddexp, None),
         id="logcumsumexp_large"),
]

# ---- the same as methods of ingot.array (a.sum(axis=0), ...), compared with mlx.core.array's ----
for op, fn in REDUCE.items():
    ref = reduction(fn)
    CASES += [
        Case(f"array.{op}", (X,), ref=ref, id=f"method_{op}"),
        Case(f"array.{op}", (X, 1), ref=ref, id=f"method_{op}_axis"),
        Case(f"array.{op}", (X,), {"axis": [0, 2], "keepdims": True}, ref=ref, id=f"method_{op}_keepdims"),
        Case(f"array.{op}", (rand((4, 5)),), {"axis": 0}, ref=ref, transform=first(transposed),
             id=f"method_{op}_transposed"),
    ]
CASES += [
    Case("array.var", (X,), {"ddof": 1}, ref=reduction(np.var), id="method_var_ddof"),
    Case("array.var", (X,), {"correction": 1}, ref=lambda a, correction: np.var(a, ddof=correction),
         id="method_var_correction"),
    Case("array.std", (X, None, False, 1), {"correction": 0}, ref=lambda a, *r, correction: np.std(a),
         id="method_std_correction_wins"),
    Case("array.argmax", (X,), ref=arg(np.argmax), id="method_argmax"),
    Case("array.argmax", (X, 1, True), ref=arg(np.argmax), id="method_argmax_axis"),
    Case("array.argmin", (X,), {"axis": -1}, ref=arg(np.argmin), id="method_argmin"),
    Case("array.sum", (X, 3), raises=ValueError, match=r"\[sum\]", id="method_sum_bad_axis"),
]
for op, (ufunc, identity) in SCANS.items():
    ref = scan_ref(ufunc, identity)
    CASES += [
        Case(f"array.{op}", (Y,), ref=ref, id=f"method_{op}"),
        Case(f"array.{op}", (Y, 1), {"reverse": True, "inclusive": False}, ref=ref, id=f"method_{op}_options"),
    ]
