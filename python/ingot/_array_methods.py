"""The methods of ``ingot.array`` that MLX's array has (``a.sum(axis=0)``, ``a.reshape(2, 3)``...),
defined once over the op functions and attached to the class on import."""

from . import _core as _ops


def _varargs(args, name):
    # a.reshape(2, 3) and a.reshape((2, 3)) mean the same, as in MLX.
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    for x in args:
        if not isinstance(x, int):
            raise TypeError(f"[{name}] expects ints or one sequence of ints, got {type(x).__name__}.")
    return args


def reshape(self, *shape):
    """The array with a new shape, given as ints or as one sequence: ``a.reshape(2, -1)``."""
    return _ops.reshape(self, _varargs(shape, "reshape"))


def transpose(self, *axes):
    """The array with its axes permuted (reversed without arguments): ``a.transpose(1, 0)``."""
    return _ops.transpose(self, _varargs(axes, "transpose") if axes else None)


def flatten(self, start_axis=0, end_axis=-1):
    """The array with the axes from start_axis to end_axis merged into one."""
    return _ops.flatten(self, start_axis, end_axis)


def squeeze(self, axis=None):
    """The array without its size-one axes ``axis`` (all of them when None)."""
    return _ops.squeeze(self, axis)


def swapaxes(self, axis1, axis2):
    """The array with two axes exchanged."""
    return _ops.swapaxes(self, axis1, axis2)


def moveaxis(self, source, destination):
    """The array with axis ``source`` moved to position ``destination``."""
    return _ops.moveaxis(self, source, destination)


def split(self, indices_or_sections, axis=0):
    """The array split along ``axis`` into equal parts (an int) or at indices (a list)."""
    return _ops.split(self, indices_or_sections, axis)


def diag(self, k=0):
    """The diagonal ``k`` of a 2-D array, or a 2-D array with a 1-D one on diagonal ``k``."""
    return _ops.diag(self, k)


def diagonal(self, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the planes given by ``axis1`` and ``axis2``, as the last axis."""
    return _ops.diagonal(self, offset, axis1, axis2)


def round(self, decimals=0):  # noqa: A001
    """Each element rounded to ``decimals`` decimal places, halves to even."""
    return _ops.round(self, decimals)


def _reduction(name):
    op = getattr(_ops, name)

    def method(self, axis=None, keepdims=False):
        return op(self, axis, keepdims)

    method.__doc__ = f"The array's {name} over ``axis`` (every axis when None); see :func:`ingot.{name}`."
    return method


def _moments(name):
    op = getattr(_ops, name)

    def method(self, axis=None, keepdims=False, ddof=0, *, correction=None):
        return op(self, axis, keepdims, correction if correction is not None else ddof)

    method.__doc__ = (
        f"The array's {name} over ``axis`` (every axis when None), dividing by N - ddof; ``correction`` "
        "is another name for ddof."
    )
    return method


def _scan(name):
    op = getattr(_ops, name)

    def method(self, axis=None, *, reverse=False, inclusive=True):
        return op(self, axis, reverse=reverse, inclusive=inclusive)

    method.__doc__ = f"The array's {name} along ``axis`` (of the flattened array when None); see :func:`ingot.{name}`."
    return method


def _unary(name):
    op = getattr(_ops, name)

    def method(self):
        return op(self)

    method.__doc__ = f"The array's {name}, elementwise; see :func:`ingot.{name}`."
    return method


def _mT(self):
    """The array with its last two axes exchanged."""
    return _ops.swapaxes(self, -1, -2)


_METHODS = {
    f.__name__: f
    for f in (reshape, transpose, flatten, squeeze, swapaxes, moveaxis, split, diag, diagonal, round)
}
for _name in ("sum", "prod", "max", "min", "mean", "all", "any", "logsumexp", "argmax", "argmin"):
    _METHODS[_name] = _reduction(_name)
for _name in ("var", "std"):
    _METHODS[_name] = _moments(_name)
for _name in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"):
    _METHODS[_name] = _scan(_name)
for _name in ("abs", "exp", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos",
              "conj"):
    _METHODS[_name] = _unary(_name)

def _with_stream(fn, name):
    """The method taking MLX's `stream=` keyword, as the ops do (a GPU is refused, naming the method)."""

    def method(self, *args, stream=None, **kwargs):
        if stream is not None:
            _ops._check_stream(stream, "array." + name)
        return fn(self, *args, **kwargs)

    method.__doc__ = fn.__doc__
    return method


for _name, _fn in _METHODS.items():
    _fn = _with_stream(_fn, _name)
    _fn.__name__ = _name
    _fn.__qualname__ = "array." + _name
    setattr(_ops.array, _name, _fn)
_ops.array.mT = property(_mT)
