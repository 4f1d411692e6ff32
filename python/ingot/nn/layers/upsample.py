"""Upsampling of the spatial axes of (N, spatial..., C) inputs, as ``mlx.nn.Upsample``.

Every mode is computed one spatial axis at a time: output position j of an axis reads a few input
positions (``take``) and sums them with weights. Linear and cubic interpolation are separable, so this is
the same as interpolating over all axes at once.
"""

import math
from typing import Tuple, Union

import ingot as mx
from ingot.nn.layers.base import Module

__all__ = ["Upsample"]


def _source_positions(n, scale, align_corners):
    """Where each of the int(scale * n) outputs samples the input axis, in input coordinates (float32)."""
    m = int(scale * n)
    j = mx.arange(m, dtype=mx.float32)
    if align_corners:
        return j * ((n - 1) / max(m - 1, 1))
    step = 1 / scale
    return j * step - ((m - 1) * step - n + 1) / 2


def _nearest_taps(n, scale, align_corners):
    m = int(scale * n)
    j = mx.arange(m, dtype=mx.float32)
    if m > n:
        j = mx.round((j + 0.5) * (n / m) - 0.5)
    else:
        j = j * (n / m)
    return [(j.astype(mx.uint32), None)]


def _linear_taps(n, scale, align_corners):
    pos = mx.clip(_source_positions(n, scale, align_corners), 0, n - 1)
    left, right = mx.floor(pos), mx.ceil(pos)
    frac = pos - left
    return [(left.astype(mx.uint32), 1 - frac), (right.astype(mx.uint32), frac)]


def _cubic_taps(n, scale, align_corners):
    # Keys' cubic with a = -0.75 (OpenCV's convention), borders repeated.
    a = -0.75
    pos = _source_positions(n, scale, align_corners)
    l1 = mx.floor(pos)
    r1 = mx.floor(pos + 1)
    taps = []
    for idx, near in ((l1, True), (r1, True), (l1 - 1, False), (r1 + 1, False)):
        d = mx.abs(pos - idx)
        if near:
            w = ((a + 2.0) * d - (a + 3.0)) * d * d + 1
        else:
            w = (((d - 5) * d + 8) * d - 4) * a
        taps.append((mx.clip(idx, 0, n - 1).astype(mx.uint32), w))
    return taps


def _triangle(d):
    return mx.maximum(1.0 - d, 0.0)


def _cubic_kernel(d):
    # Keys' cubic with a = -0.5 (PIL's convention), used for antialiasing.
    a = -0.5
    inner = ((a + 2.0) * d - (a + 3.0)) * d * d + 1
    outer = (((d - 5) * d + 8) * d - 4) * a
    return mx.where(d <= 1.0, inner, mx.where(d <= 2.0, outer, 0.0))


def _antialiased_taps(kernel, radius):
    """Taps of a filter widened by 1 / scale when downsampling, weights normalized to sum to 1."""

    def taps(n, scale, align_corners):
        pos = _source_positions(n, scale, align_corners)
        widen = 1.0 / scale if scale < 1 else 1.0
        reach = math.ceil(radius * widen) + 1
        indices, weights = [], []
        for k in range(-reach + 1, reach):
            idx = mx.floor(pos) + k
            w = kernel(mx.abs(pos - idx) / widen)
            weights.append(mx.where((idx >= 0) & (idx < n), w, 0.0))
            indices.append(idx)
        total = weights[0]
        for w in weights[1:]:
            total = total + w
        total = mx.where(total > 0, total, 1.0)
        return [(mx.clip(i, 0, n - 1).astype(mx.uint32), w / total) for i, w in zip(indices, weights)]

    return taps


def _resample(x, scale_factor, taps_fn, align_corners=False):
    dims = x.ndim - 2
    if dims != len(scale_factor):
        raise ValueError("[Upsample] A scale needs to be provided for each spatial dimension")
    out = x
    for i, scale in enumerate(scale_factor):
        axis = i + 1
        n = x.shape[axis]
        total = None
        for idx, weight in taps_fn(n, scale, align_corners):
            sample = mx.take(out, idx, axis=axis)
            if weight is not None:
                shape = [1] * out.ndim
                shape[axis] = -1
                sample = sample * mx.reshape(weight, shape)
            total = sample if total is None else total + sample
        out = total
    return out


def upsample_nearest(x, scale_factor: Tuple):
    """Nearest-neighbour upsampling; integer factors repeat each element."""
    dims = x.ndim - 2
    if dims != len(scale_factor):
        raise ValueError("[Upsample] A scale needs to be provided for each spatial dimension")
    if all(float(s).is_integer() for s in scale_factor):
        for i, s in enumerate(scale_factor):
            x = mx.repeat(x, int(s), axis=i + 1)
        return x
    return _resample(x, scale_factor, _nearest_taps)


def _check_antialias(align_corners, antialias):
    if antialias and align_corners:
        raise ValueError(
            "[Upsample] antialias=True with align_corners=True is not supported. Use align_corners=False for "
            "antialiased interpolation."
        )


def upsample_linear(x, scale_factor: Tuple, align_corners: bool = False, antialias: bool = False):
    """(Bi/tri)linear interpolation; ``antialias`` widens a triangle filter when downsampling."""
    _check_antialias(align_corners, antialias)
    taps = _antialiased_taps(_triangle, 1.0) if antialias else _linear_taps
    return _resample(x, scale_factor, taps, align_corners)


def upsample_cubic(x, scale_factor: Tuple, align_corners: bool = False, antialias: bool = False):
    """(Bi/tri)cubic interpolation; ``antialias`` widens a cubic filter when downsampling."""
    _check_antialias(align_corners, antialias)
    taps = _antialiased_taps(_cubic_kernel, 2.0) if antialias else _cubic_taps
    return _resample(x, scale_factor, taps, align_corners)


class Upsample(Module):
    """Scales the spatial axes of (N, spatial..., C) inputs by ``scale_factor`` (one number, or one per
    axis): ``mode`` "nearest", "linear" or "cubic"; ``align_corners`` maps the corner samples onto each
    other; ``antialias`` filters when downsampling (linear and cubic)."""

    def __init__(self, scale_factor: Union[float, Tuple], mode: str = "nearest", align_corners: bool = False,
                 antialias: bool = False):
        super().__init__()
        if mode not in ("nearest", "linear", "cubic"):
            raise ValueError(f"[Upsample] Got unsupported upsampling algorithm: {mode}")
        if antialias and mode == "nearest":
            raise ValueError("[Upsample] Antialiasing is not supported for nearest neighbor upsampling")
        _check_antialias(align_corners, antialias)
        if isinstance(scale_factor, (list, tuple)):
            scale_factor = tuple(float(s) for s in scale_factor)
        else:
            scale_factor = float(scale_factor)
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.antialias = antialias

    def _extra_repr(self) -> str:
        text = f"scale_factor={self.scale_factor}, mode={self.mode!r}, align_corners={self.align_corners}"
        return text + (", antialias=True" if self.antialias else "")

    def __call__(self, x):
        dims = x.ndim - 2
        if dims <= 0:
            raise ValueError(
                f"[Upsample] The input should have at least 1 spatial dimension which means it should be at least "
                f"3D but {x.ndim}D was provided"
            )
        scale = self.scale_factor
        if isinstance(scale, tuple):
            if len(scale) != dims:
                raise ValueError(
                    f"[Upsample] One scale per spatial dimension is required but scale_factor={scale} and the "
                    f"number of spatial dimensions were {dims}"
                )
        else:
            scale = (scale,) * dims
        if self.mode == "nearest":
            return upsample_nearest(x, scale)
        if self.mode == "linear":
            return upsample_linear(x, scale, self.align_corners, self.antialias)
        return upsample_cubic(x, scale, self.align_corners, self.antialias)
