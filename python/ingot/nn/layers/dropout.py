"""Dropout layers: random zeroing in training mode, the identity in evaluation mode, as in ``mlx.nn``."""

import ingot as mx
from ingot.nn.layers.base import Module

__all__ = ["Dropout", "Dropout2d", "Dropout3d"]


class _Dropout(Module):
    # The mask is shared along this many axes before the channel axis; inputs must have one of _ndims
    # dimensions (empty: any).
    _spatial = 0
    _ndims = ()

    def __init__(self, p: float = 0.5):
        super().__init__()
        if p < 0 or p >= 1:
            raise ValueError(f"[{type(self).__name__}] The dropout probability {p} is not in [0, 1)")
        self._p_1 = 1 - p

    def _extra_repr(self) -> str:
        return f"p={1 - self._p_1}"

    def __call__(self, x):
        if self._ndims and x.ndim not in self._ndims:
            expected = " or ".join(str(n) for n in self._ndims)
            raise ValueError(
                f"[{type(self).__name__}] Received input with {x.ndim} dimensions. Expected {expected} dimensions."
            )
        if self._p_1 == 1 or not self.training:
            return x
        mask_shape = list(x.shape)
        for i in range(2, 2 + self._spatial):
            mask_shape[-i] = 1
        mask = mx.random.bernoulli(self._p_1, mask_shape)
        return (mask * x) * (1 / self._p_1)


class Dropout(_Dropout):
    """Zeroes each element with probability ``p`` in training mode and scales the others by 1 / (1 - p)."""


class Dropout2d(_Dropout):
    """Zeroes whole channels of (N, H, W, C) or (H, W, C) inputs with probability ``p`` in training mode (one
    draw per sample and channel) and scales the others by 1 / (1 - p)."""

    _spatial = 2
    _ndims = (3, 4)


class Dropout3d(_Dropout):
    """Zeroes whole channels of (N, D, H, W, C) or (D, H, W, C) inputs with probability ``p`` in training
    mode and scales the others by 1 / (1 - p)."""

    _spatial = 3
    _ndims = (4, 5)
