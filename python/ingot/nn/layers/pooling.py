"""Pooling layers over the spatial axes of (N, spatial..., C) inputs, as in ``mlx.nn``.

The stride defaults to the kernel size; padding is symmetric, with -inf for max pooling and zeros for
average pooling (which always divides by the window size). Pooling uses ``ingot``'s pooling op for the
dimension where there is one (1-D, 2-D) and otherwise reduces over one strided slice per kernel offset.
"""

from typing import Optional, Tuple, Union

import ingot as mx
from ingot.nn.layers.base import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d"]


def _as_list(value, n, name, who):
    msg = f"[{who}] '{name}' must be an integer or a tuple containing {n} integer{'s' if n > 1 else ''}"
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(msg)
        return list(value)
    if not isinstance(value, int):
        raise ValueError(msg)
    return [value] * n


def _pool_by_slices(x, kernel, stride, padding, pad_value, reduce):
    """Pools by reducing over the strided slices x[:, o0::s0, o1::s1, ...], one per kernel offset."""
    if any(p > 0 for p in padding):
        x = mx.pad(x, [(0, 0)] + [(p, p) for p in padding] + [(0, 0)], constant_values=pad_value)
    spatial = x.shape[1:-1]
    out = [max((size - k) // s + 1, 0) for size, k, s in zip(spatial, kernel, stride)]
    if 0 in out or x.shape[0] == 0 or x.shape[-1] == 0:
        # No window fits (MLX gives an empty result too); the dtype is the reduction's.
        probe = reduce(mx.zeros((1,), x.dtype), axis=0)
        return mx.zeros((x.shape[0], *out, x.shape[-1]), probe.dtype)
    windows = []
    offsets = [[]]
    for k in kernel:
        offsets = [o + [i] for o in offsets for i in range(k)]
    for offset in offsets:
        index = (slice(None),) + tuple(
            slice(o, o + (n - 1) * s + 1, s) for o, n, s in zip(offset, out, stride)
        ) + (slice(None),)
        windows.append(x[index])
    return reduce(mx.stack(windows, axis=0), axis=0)


class _Pool(Module):
    _ndim = 0
    _max = True

    def __init__(self, kernel_size, stride, padding):
        super().__init__()
        who = type(self).__name__
        kernel = _as_list(kernel_size, self._ndim, "kernel_size", who)
        stride = kernel if stride is None else _as_list(stride, self._ndim, "stride", who)
        padding = _as_list(padding, self._ndim, "padding", who)
        for name, values in (("kernel_size", kernel), ("stride", stride)):
            if any(v <= 0 for v in values):
                raise ValueError(f"[{who}] '{name}' must be positive but got {tuple(values)}.")
        if any(p < 0 for p in padding):
            raise ValueError(f"[{who}] 'padding' must be non-negative but got {tuple(padding)}.")
        self._kernel_size, self._stride, self._padding = kernel, stride, padding

    def _extra_repr(self):
        return f"kernel_size={tuple(self._kernel_size)}, stride={tuple(self._stride)}, padding={tuple(self._padding)}"

    def __call__(self, x):
        if x.ndim != self._ndim + 2:
            raise ValueError(
                f"[{type(self).__name__}] Expected an input with {self._ndim + 2} dimensions (N, spatial..., C) "
                f"but got {x.ndim}."
            )
        k, s, p = self._kernel_size, self._stride, self._padding
        fn = getattr(mx, f"{'max' if self._max else 'avg'}_pool{self._ndim}d", None)
        if fn is not None and self._ndim == 1:
            return fn(x, k[0], s[0], p[0])
        if fn is not None:
            return fn(x, tuple(k), tuple(s), tuple(p))
        if self._max:
            return _pool_by_slices(x, k, s, p, float("-inf"), mx.max)
        return _pool_by_slices(x, k, s, p, 0, mx.mean)


_Size1 = Union[int, Tuple[int]]
_Size2 = Union[int, Tuple[int, int]]
_Size3 = Union[int, Tuple[int, int, int]]


class MaxPool1d(_Pool):
    """Maximum over windows of (N, L, C) inputs."""

    _ndim, _max = 1, True

    def __init__(self, kernel_size: _Size1, stride: Optional[_Size1] = None, padding: _Size1 = 0):
        super().__init__(kernel_size, stride, padding)


class AvgPool1d(_Pool):
    """Mean over windows of (N, L, C) inputs."""

    _ndim, _max = 1, False

    def __init__(self, kernel_size: _Size1, stride: Optional[_Size1] = None, padding: _Size1 = 0):
        super().__init__(kernel_size, stride, padding)


class MaxPool2d(_Pool):
    """Maximum over windows of (N, H, W, C) inputs."""

    _ndim, _max = 2, True

    def __init__(self, kernel_size: _Size2, stride: Optional[_Size2] = None, padding: _Size2 = 0):
        super().__init__(kernel_size, stride, padding)


class AvgPool2d(_Pool):
    """Mean over windows of (N, H, W, C) inputs."""

    _ndim, _max = 2, False

    def __init__(self, kernel_size: _Size2, stride: Optional[_Size2] = None, padding: _Size2 = 0):
        super().__init__(kernel_size, stride, padding)


class MaxPool3d(_Pool):
    """Maximum over windows of (N, D, H, W, C) inputs."""

    _ndim, _max = 3, True

    def __init__(self, kernel_size: _Size3, stride: Optional[_Size3] = None, padding: _Size3 = 0):
        super().__init__(kernel_size, stride, padding)


class AvgPool3d(_Pool):
    """Mean over windows of (N, D, H, W, C) inputs."""

    _ndim, _max = 3, False

    def __init__(self, kernel_size: _Size3, stride: Optional[_Size3] = None, padding: _Size3 = 0):
        super().__init__(kernel_size, stride, padding)
