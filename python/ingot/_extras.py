"""Small parts of ``mlx.core`` composed from ingot's ops: constants, aliases, short ops and dtype
utilities (categories, ``issubdtype``, ``finfo``, ``iinfo``, ``result_type``, ``can_cast``)."""

import enum as _enum
import math as _math

import numpy as _np

from . import _core

__all__ = [
    # constants
    "pi", "e", "inf", "nan", "euler_gamma", "newaxis",
    # aliases
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "pow", "permute_dims",
    "bitwise_left_shift", "bitwise_right_shift", "cumulative_sum", "cumulative_prod",
    "empty", "empty_like",
    # small ops
    "astype", "asarray", "atleast_1d", "atleast_2d", "atleast_3d",
    "flip", "degrees", "radians", "trunc", "logical_xor", "count_nonzero", "diff", "kron",
    "positive", "unstack", "matrix_transpose", "vecdot", "minmax", "median",
    # dtype utilities
    "DtypeCategory", "generic", "number", "integer", "signedinteger", "unsignedinteger",
    "floating", "inexact", "complexfloating", "issubdtype", "finfo", "iinfo", "result_type",
    "can_cast",
    # einsum
    "einsum_path",
    # windows
    "hanning", "hamming", "blackman", "bartlett",
    # composed ops of MLX's newer surface
    "isdtype", "convolve", "as_strided", "hadamard_transform",
]

# ---- constants (plain Python values, as in MLX) ----
pi = _math.pi
e = _math.e
inf = _math.inf
nan = _math.nan
euler_gamma = 0.5772156649015329
newaxis = None

# ---- aliases: the same function objects under MLX's other names ----
acos = _core.arccos
acosh = _core.arccosh
asin = _core.arcsin
asinh = _core.arcsinh
atan = _core.arctan
atan2 = _core.arctan2
atanh = _core.arctanh
pow = _core.power  # noqa: A001 (MLX's name)
permute_dims = _core.transpose
bitwise_left_shift = _core.left_shift
bitwise_right_shift = _core.right_shift
cumulative_sum = _core.cumsum
cumulative_prod = _core.cumprod
# MLX's empty and empty_like are its zeros and zeros_like.
empty = _core.zeros
empty_like = _core.zeros_like


def _as_array(a):
    return a if isinstance(a, _core.array) else _core.array(a)


def _check_axis(name, axis, ndim):
    """axis normalized to [0, ndim); ValueError naming `name` when out of range."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"[{name}] axis {axis} is out of range for an array with {ndim} dimensions.")
    return axis % ndim


def _is_floating(dtype):
    return dtype in (_core.float16, _core.bfloat16, _core.float32, _core.float64)


def _copy(a):
    """A new array with the values of `a` (so that item assignment on it leaves `a` alone)."""
    return _core.array(a)


# ---- small ops ----
def astype(a, dtype, /):
    """``a`` cast to ``dtype``."""
    return _as_array(a).astype(dtype)


def asarray(a, dtype=None, *, copy=None):
    """Convert ``a`` (array, scalar, nested sequence, numpy array) to an array, of ``dtype`` if given.

    ``copy``: ``True`` always copies; ``None`` returns ``a`` itself when it already is an array of the
    requested dtype and copies otherwise; ``False`` raises ValueError when a copy or conversion would
    be needed (ingot always copies data coming from other libraries).
    """
    if isinstance(a, _core.array) and (dtype is None or a.dtype == dtype):
        return _core.array(a) if copy else a
    if copy is False:
        raise ValueError("[asarray] copy=False but a copy is required to convert the input.")
    return _core.array(a) if dtype is None else _core.array(a, dtype=dtype)


def _atleast(name, arys, ndim, new_axes):
    # New size-1 axes inserted (not a reshape to the traced shape), so a shapeless export follows sizes.
    if not arys:
        raise ValueError(f"[{name}] at least one array is required.")
    out = []
    for a in arys:
        a = _as_array(a)
        out.append(a if a.ndim >= ndim else _core.expand_dims(a, list(new_axes[a.ndim])))
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    """Each input with at least one dimension (a 0-d array becomes shape ``(1,)``). One input gives an
    array, several give a list."""
    return _atleast("atleast_1d", arys, 1, {0: (0,)})


def atleast_2d(*arys):
    """Each input with at least two dimensions: shape ``()`` becomes ``(1, 1)`` and ``(n,)`` becomes
    ``(1, n)``. One input gives an array, several give a list."""
    return _atleast("atleast_2d", arys, 2, {0: (0, 1), 1: (0,)})


def atleast_3d(*arys):
    """Each input with at least three dimensions: ``()`` becomes ``(1, 1, 1)``, ``(n,)`` becomes
    ``(1, n, 1)`` and ``(m, n)`` becomes ``(m, n, 1)``. One input gives an array, several a list."""
    return _atleast("atleast_3d", arys, 3, {0: (0, 1, 2), 1: (0, 2), 2: (2,)})


def flip(a, /, axis=None):
    """``a`` with the order of its elements reversed along ``axis`` (an int or a sequence of ints;
    ``None``, the default, flips every axis). An axis listed twice is flipped once, as in MLX."""
    a = _as_array(a)
    if axis is None:
        axes = list(range(a.ndim))
    elif isinstance(axis, int):
        axes = [axis]
    else:
        axes = list(axis)
    index = [slice(None)] * a.ndim
    for ax in axes:
        ax = _check_axis("flip", ax, a.ndim)
        index[ax] = slice(None, None, -1)
    if not axes:
        return _copy(a)
    return a[tuple(index)]


def degrees(a, /):
    """Angles ``a`` converted from radians to degrees (integer and bool inputs give float32)."""
    return _core.multiply(a, 180.0 / _math.pi)


def radians(a, /):
    """Angles ``a`` converted from degrees to radians (integer and bool inputs give float32)."""
    return _core.multiply(a, _math.pi / 180.0)


def trunc(a, /):
    """Elementwise rounding towards zero. Integer and bool inputs are returned as they are (a copy)."""
    a = _as_array(a)
    if not _is_floating(a.dtype):
        return _copy(a)
    return _core.where(_core.less(a, 0), _core.ceil(a), _core.floor(a))


def logical_xor(a, b, /):
    """Elementwise logical exclusive or of the truth values of ``a`` and ``b`` (a bool array)."""
    return _core.logical_and(_core.logical_or(a, b), _core.logical_not(_core.logical_and(a, b)))


def count_nonzero(a, /, *, axis=None, keepdims=False):
    """The number of non-zero elements of ``a`` along ``axis`` (an int, a sequence of ints, or
    ``None`` for the whole array) as an int32 array. NaN counts as non-zero."""
    a = _as_array(a)
    return _core.sum(_core.not_equal(a, 0), axis=axis, keepdims=keepdims).astype(_core.int32)


def diff(a, /, n=1, axis=-1):
    """The ``n``-th discrete difference of ``a`` along ``axis``: ``a[1:] - a[:-1]`` applied ``n``
    times (for bool inputs, ``a[1:] != a[:-1]``). ``n`` must be non-negative."""
    a = _as_array(a)
    if n < 0:
        raise ValueError(f"[diff] order n must be non-negative, got {n}.")
    if a.ndim == 0:
        raise ValueError("[diff] the input must have at least one dimension.")
    ax = _check_axis("diff", axis, a.ndim)
    head = tuple([slice(None)] * ax + [slice(1, None)])
    tail = tuple([slice(None)] * ax + [slice(None, -1)])
    for _ in range(n):
        if a.dtype == _core.bool_:
            a = _core.not_equal(a[head], a[tail])
        else:
            a = _core.subtract(a[head], a[tail])
    return a


def kron(a, b):
    """The Kronecker product of ``a`` and ``b``: the input with fewer dimensions is padded with leading
    ones, and block ``i`` of the result is ``a[i] * b``. Empty inputs raise ValueError, as in MLX."""
    a, b = _as_array(a), _as_array(b)
    if a.size == 0 or b.size == 0:
        raise ValueError("[kron] input arrays cannot be empty.")
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + tuple(a.shape)
    sb = (1,) * (nd - b.ndim) + tuple(b.shape)
    ia, ib = [], []
    for x, y in zip(sa, sb):
        ia += [x, 1]
        ib += [1, y]
    out = _core.multiply(_core.reshape(a, ia), _core.reshape(b, ib))
    return _core.reshape(out, [x * y for x, y in zip(sa, sb)])


def positive(a, /):
    """Elementwise unary plus: a copy of ``a``."""
    return _copy(_as_array(a))


def unstack(x, /, *, axis=0):
    """A tuple of arrays, one per index along ``axis``, each without that axis (the inverse of
    :func:`stack`)."""
    x = _as_array(x)
    if x.ndim == 0:
        raise ValueError("[unstack] axis 0 is out of range for an array with 0 dimensions.")
    ax = _check_axis("unstack", axis, x.ndim)
    _refuse_shapeless("unstack", "the number of outputs is the axis's traced size")
    lead = (slice(None),) * ax
    return tuple(x[lead + (i,)] for i in range(x.shape[ax]))


def matrix_transpose(a, /):
    """``a`` with its last two dimensions swapped; ``a`` needs at least two dimensions."""
    a = _as_array(a)
    if a.ndim < 2:
        raise ValueError(f"[matrix_transpose] the input needs at least 2 dimensions, got {a.ndim}.")
    return _core.swapaxes(a, -1, -2)


def vecdot(a, b, /, *, axis=-1):
    """The dot product of ``a`` and ``b`` along ``axis`` (the inputs broadcast together first):
    ``sum(a * b, axis)``."""
    prod = _core.multiply(a, b)
    _check_axis("vecdot", axis, prod.ndim)
    return _core.sum(prod, axis=axis)


def minmax(a, /, axis=None, keepdims=False):
    """The minimum and the maximum of ``a`` over ``axis`` (same arguments as :func:`min`), as a
    tuple ``(min, max)``."""
    return (_core.min(a, axis=axis, keepdims=keepdims), _core.max(a, axis=axis, keepdims=keepdims))


def median(a, /, axis=None, keepdims=False):
    """The median of ``a`` over ``axis`` (an int, a sequence of ints, or ``None`` for the whole
    array): the middle element after sorting, or the mean of the two middle ones for an even count.
    Integer and bool inputs give float32; a NaN in a slice gives NaN."""
    a = _as_array(a)
    if axis is None:
        axes = list(range(a.ndim))
    elif isinstance(axis, int):
        axes = [axis]
    else:
        axes = list(axis)
    axes = sorted({_check_axis("median", ax, a.ndim) for ax in axes})
    keep = [i for i in range(a.ndim) if i not in axes]
    n = 1
    for ax in axes:
        n *= a.shape[ax]
    if n == 0:
        raise ValueError("[median] cannot take the median over an empty axis.")
    moved = _core.transpose(a, keep + axes) if a.ndim else a
    flat = _core.reshape(moved, [a.shape[i] for i in keep] + [n])
    srt = _core.sort(flat, axis=-1)
    mid = srt[..., (n - 1) // 2 : n // 2 + 1]
    if _is_floating(a.dtype):
        out = _core.mean(mid, axis=-1)
        out = _core.where(_core.any(_core.isnan(flat), axis=-1), _math.nan, out)  # NaN in, NaN out
    else:
        out = _core.mean(mid.astype(_core.float32), axis=-1)
    if keepdims:
        shape = [1 if i in axes else a.shape[i] for i in range(a.ndim)]
        out = _core.reshape(out, shape)
    return out


# ---- dtype categories and utilities ----
class DtypeCategory(_enum.Enum):
    """Categories of dtypes for :func:`issubdtype`: ``generic`` > ``number`` > ``integer`` |
    ``inexact``; ``integer`` > ``signedinteger`` | ``unsignedinteger``; ``inexact`` > ``floating`` |
    ``complexfloating``. ``bool_`` is a ``generic`` only."""

    complexfloating = 0
    floating = 1
    inexact = 2
    signedinteger = 3
    unsignedinteger = 4
    integer = 5
    number = 6
    generic = 7


complexfloating = DtypeCategory.complexfloating
floating = DtypeCategory.floating
inexact = DtypeCategory.inexact
signedinteger = DtypeCategory.signedinteger
unsignedinteger = DtypeCategory.unsignedinteger
integer = DtypeCategory.integer
number = DtypeCategory.number
generic = DtypeCategory.generic

# The parent of each category.
_PARENT = {
    complexfloating: inexact,
    floating: inexact,
    inexact: number,
    signedinteger: integer,
    unsignedinteger: integer,
    integer: number,
    number: generic,
    generic: None,
}


def _category_of(dtype):
    if dtype == _core.bool_:
        return generic
    if dtype in (_core.int8, _core.int16, _core.int32, _core.int64):
        return signedinteger
    if dtype in (_core.uint8, _core.uint16, _core.uint32, _core.uint64):
        return unsignedinteger
    if _is_floating(dtype):
        return floating
    if dtype == _core.complex64:
        return complexfloating
    raise TypeError(f"[issubdtype] unknown dtype {dtype}.")


def issubdtype(arg1, arg2):
    """Whether ``arg1`` (a Dtype or a DtypeCategory) is a subtype of ``arg2`` (a Dtype or a
    DtypeCategory). Two dtypes match only when equal; a dtype is a subtype of its category and the
    categories above it; a category is never a subtype of a dtype."""
    for arg in (arg1, arg2):
        if not isinstance(arg, (_core.Dtype, DtypeCategory)):
            raise TypeError(f"[issubdtype] expected a Dtype or a DtypeCategory, got {type(arg).__name__}.")
    if isinstance(arg2, _core.Dtype):
        return isinstance(arg1, _core.Dtype) and arg1 == arg2
    cat = _category_of(arg1) if isinstance(arg1, _core.Dtype) else arg1
    while cat is not None:
        if cat == arg2:
            return True
        cat = _PARENT[cat]
    return False


def _dtype_name(dtype):
    return str(dtype).split(".")[-1]


# (bits, max, eps, smallest_normal) of each floating dtype.
_FINFO = {
    "float16": (16, 65504.0, 2.0**-10, 2.0**-14),
    "bfloat16": (16, 3.3895313892515355e38, 2.0**-7, 2.0**-126),
    "float32": (32, 3.4028234663852886e38, 2.0**-23, 2.0**-126),
    "float64": (64, 1.7976931348623157e308, 2.0**-52, 2.0**-1022),
}


class finfo:  # noqa: N801 (MLX's name)
    """Machine limits of a floating-point dtype: ``min``, ``max`` (the finite extremes), ``eps`` (the
    gap between 1 and the next value), ``smallest_normal``, ``bits`` and ``dtype``."""

    def __init__(self, dtype):
        name = _dtype_name(dtype) if isinstance(dtype, _core.Dtype) else None
        if name not in _FINFO:
            raise ValueError(f"[finfo] dtype {name or dtype} is not inexact.")
        self.dtype = dtype
        self.bits, self.max, self.eps, self.smallest_normal = _FINFO[name]
        self.min = -self.max

    def __repr__(self):
        return f"finfo(min={self.min:g}, max={self.max:g}, dtype={_dtype_name(self.dtype)})"


class iinfo:  # noqa: N801 (MLX's name)
    """Machine limits of an integer dtype: ``min``, ``max`` and ``dtype``."""

    def __init__(self, dtype):
        name = _dtype_name(dtype) if isinstance(dtype, _core.Dtype) else None
        if name is None or not name.lstrip("u").startswith("int"):
            raise ValueError(f"[iinfo] only integer dtypes are supported, got {name or dtype}.")
        bits = int(name.lstrip("uint"))
        self.dtype = dtype
        if name.startswith("u"):
            self.min, self.max = 0, 2**bits - 1
        else:
            self.min, self.max = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={_dtype_name(self.dtype)})"


def result_type(*arrays_and_dtypes):
    """The dtype that type promotion gives for the inputs (arrays or Dtypes), as in a binary op
    between them."""
    if not arrays_and_dtypes:
        raise ValueError("[result_type] at least one array or dtype is required.")
    dtypes = []
    for x in arrays_and_dtypes:
        if isinstance(x, _core.array):
            dtypes.append(x.dtype)
        elif isinstance(x, _core.Dtype):
            dtypes.append(x)
        else:
            raise ValueError("[result_type] inputs must be arrays or dtypes.")
    out = dtypes[0]
    for d in dtypes[1:]:
        out = _core.where(True, _core.zeros((), dtype=out), _core.zeros((), dtype=d)).dtype
    return out


def can_cast(from_, to):
    """Whether ``from_`` (an array or a Dtype) casts to ``to`` under the promotion rules: promoting the
    two together gives ``to``."""
    return result_type(from_, to) == to


def einsum_path(subscripts, *operands):
    """The order in which :func:`einsum` would contract its operands, as MLX's ``einsum_path``: a list of
    operand-index tuples (numpy's greedy path, computed from the shapes alone) and a report string."""
    shapes = [tuple(_as_array(x).shape) for x in operands]
    path, report = _np.einsum_path(subscripts, *[_np.empty(s, _np.float32) for s in shapes], optimize="greedy")
    return [tuple(p) for p in path[1:]], report


# ---- windows (numpy's and MLX's definitions, float32) ----


def _window(name, M, f, stream):
    if stream is not None:
        _core._check_stream(stream, name)
    if not isinstance(M, int) or isinstance(M, bool):
        raise ValueError(f"[{name}] M must be an int, got {type(M).__name__}.")
    if M < 1:
        return _core.zeros((0,))
    if M == 1:
        return _core.ones((1,))
    n = _core.arange(0.0, float(M), 1.0)
    return f(n, M - 1)


def hanning(M, *, stream=None):
    """The Hanning window of M points: 0.5 - 0.5 cos(2 pi n / (M - 1))."""
    return _window("hanning", M, lambda n, d: 0.5 - 0.5 * _core.cos(2.0 * pi * n / d), stream)


def hamming(M, *, stream=None):
    """The Hamming window of M points: 0.54 - 0.46 cos(2 pi n / (M - 1))."""
    return _window("hamming", M, lambda n, d: 0.54 - 0.46 * _core.cos(2.0 * pi * n / d), stream)


def blackman(M, *, stream=None):
    """The Blackman window of M points: 0.42 - 0.5 cos(2 pi n / (M - 1)) + 0.08 cos(4 pi n / (M - 1))."""
    return _window("blackman", M, lambda n, d: 0.42 - 0.5 * _core.cos(2.0 * pi * n / d)
                   + 0.08 * _core.cos(4.0 * pi * n / d), stream)


def bartlett(M, *, stream=None):
    """The Bartlett (triangular) window of M points: 1 - |2 n / (M - 1) - 1|."""
    return _window("bartlett", M, lambda n, d: 1.0 - _core.abs(2.0 * n / d - 1.0), stream)


# ---- composed ops of MLX's newer surface ----
def _refuse_shapeless(op, what):
    """These compositions size their constants from the traced shapes: a shapeless export refuses them."""
    if _core._in_shapeless_trace():
        raise ValueError(f"[{op}] {what}, which a shapeless export cannot follow.")


_KINDS = {
    "bool": lambda d: d == _core.bool_,
    "signed integer": lambda d: issubdtype(d, signedinteger),
    "unsigned integer": lambda d: issubdtype(d, unsignedinteger),
    "integral": lambda d: issubdtype(d, integer),
    "real floating": lambda d: issubdtype(d, floating),
    "complex floating": lambda d: issubdtype(d, complexfloating),
    "numeric": lambda d: issubdtype(d, number),
}


def isdtype(dtype, kind):
    """Whether ``dtype`` is ``kind``: a Dtype, one of the array API's kind names ("bool", "signed integer",
    "unsigned integer", "integral", "real floating", "complex floating", "numeric"), or a tuple of them."""
    def one(k):
        if isinstance(k, _core.Dtype):
            return dtype == k
        if isinstance(k, str):
            if k not in _KINDS:
                raise ValueError(f"[isdtype] Unknown data type kind: '{k}'.")
            return _KINDS[k](dtype)
        raise ValueError("[isdtype] `kind` must be a dtype, a string, or a tuple of dtypes and strings.")
    if not isinstance(dtype, _core.Dtype):
        raise TypeError(f"[isdtype] expected a Dtype, got {type(dtype).__name__}.")
    return any(one(k) for k in kind) if isinstance(kind, tuple) else one(kind)


def convolve(a, v, /, mode="full", *, stream=None):
    """numpy's discrete linear convolution of two 1-D arrays, ``mode`` "full", "same" or "valid" (the longer
    input slides under the shorter, as numpy and MLX)."""
    a, v = _as_array(a), _as_array(v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"[convolve] inputs must be 1-D, got shapes {tuple(a.shape)} and {tuple(v.shape)}.")
    if a.size == 0 or v.size == 0:
        raise ValueError("[convolve] inputs cannot be empty.")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"[convolve] mode must be 'full', 'same' or 'valid', got {mode!r}.")
    _refuse_shapeless("convolve", "pads and orders its inputs by their traced lengths")
    x, w = (v, a) if a.size < v.size else (a, v)
    n, m = x.size, w.size
    t = result_type(x, w)
    if not _is_floating(t):
        t = _core.float32
    lo = {"full": m - 1, "same": m // 2, "valid": 0}[mode]
    hi = {"full": m - 1, "same": m - 1 - m // 2, "valid": 0}[mode]
    xp = _core.pad(x.astype(t), [(lo, hi)])
    out = _core.conv1d(_core.reshape(xp, (1, -1, 1)), _core.reshape(w.astype(t)[::-1], (1, -1, 1)))
    return _core.reshape(out, (-1,))


def as_strided(a, /, shape=None, strides=None, offset=0, *, stream=None):
    """MLX's as_strided over ``a``'s row-major elements: element ``i`` of the result is element
    ``offset + sum(i_k * strides[k])`` of ``a`` flattened. Positions outside ``a`` are refused (MLX reads
    whatever memory lies there)."""
    a = _as_array(a)
    _refuse_shapeless("as_strided", "gathers positions checked against the traced size")
    shape = tuple(a.shape) if shape is None else tuple(int(d) for d in shape)
    if strides is None:
        strides, step = [], 1
        for d in reversed(shape):
            strides.insert(0, step)
            step *= d
    strides = tuple(int(s) for s in strides)
    if len(strides) != len(shape):
        raise ValueError(f"[as_strided] got {len(shape)} dimensions {shape} but {len(strides)} strides {strides}.")
    if any(d < 0 for d in shape):
        raise ValueError(f"[as_strided] negative dimension in shape {shape}.")
    if _math.prod(shape) == 0:
        return _core.zeros(shape, a.dtype)
    lo = offset + sum(min(0, (d - 1) * s) for d, s in zip(shape, strides))
    hi = offset + sum(max(0, (d - 1) * s) for d, s in zip(shape, strides))
    if lo < 0 or hi >= a.size:
        raise ValueError(f"[as_strided] shape {shape}, strides {strides} and offset {offset} reach positions "
                         f"{lo} to {hi} of an array of {a.size} elements.")
    idx = _np.full(shape, offset, _np.int64)
    for k, (d, s) in enumerate(zip(shape, strides)):
        idx = idx + (_np.arange(d, dtype=_np.int64) * s).reshape((d,) + (1,) * (len(shape) - k - 1))
    return _core.take(_core.reshape(a, (-1,)), _core.array(idx.astype(_np.int32 if a.size < 2**31 else _np.int64)))


def _hadamard(n):
    h = _np.ones((1, 1), _np.float32)
    while h.shape[0] < n:
        h = _np.block([[h, h], [h, -h]])
    return h


def hadamard_transform(a, scale=None, stream=None):
    """The Walsh-Hadamard transform along the last axis (of a power-of-two size), in Sylvester's natural
    order, times ``scale`` (default ``1 / sqrt(n)``), computed in float32 and returned in ``a``'s floating
    dtype (float32 for others). MLX also takes 12, 20 or 28 times a power of two; ingot refuses those."""
    a = _as_array(a)
    n = a.shape[-1] if a.ndim else 1
    if n < 1 or n & (n - 1):
        raise ValueError(f"[hadamard_transform] the last axis must have a power-of-two size, got {n} "
                         "(MLX's 12, 20 and 28 times a power of two are not supported).")
    _refuse_shapeless("hadamard_transform", "multiplies by the Hadamard matrix of the traced size")
    if scale is None:
        scale = 1.0 / _math.sqrt(n)
    t = a.dtype if _is_floating(a.dtype) else _core.float32
    work = _core.float64 if t == _core.float64 else _core.float32
    return _core.matmul(a.astype(work), _core.array(_hadamard(n) * scale, work)).astype(t)


# ---- ingot.fft's sample frequencies (attached to the fft module in __init__) ----
def fftfreq(n, d=1.0, stream=None):
    """numpy's fftfreq as float32: the sample frequencies of an n-point transform with spacing d."""
    if int(n) != n or n <= 0:
        raise ValueError(f"[fftfreq] n must be a positive integer, got {n}.")
    n = int(n)
    k = _np.concatenate([_np.arange(0, (n - 1) // 2 + 1), _np.arange(-(n // 2), 0)])
    return _core.array((k / (n * d)).astype(_np.float32))


def rfftfreq(n, d=1.0, stream=None):
    """numpy's rfftfreq as float32: the non-negative sample frequencies of an n-point real transform."""
    if int(n) != n or n <= 0:
        raise ValueError(f"[rfftfreq] n must be a positive integer, got {n}.")
    n = int(n)
    return _core.array((_np.arange(0, n // 2 + 1) / (n * d)).astype(_np.float32))
