"""Normalization layers over the last (feature) axis, as in ``mlx.nn``."""

import math
from typing import Tuple

import ingot as mx
from ingot.nn.layers.base import Module

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm", "InstanceNorm", "BatchNorm"]


def _check_eps(eps, who):
    if eps <= 0.0:
        raise ValueError(f"[{who}] 'eps' must be positive but got {eps}.")


class LayerNorm(Module):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last axis (``dims`` features).

    ``affine=False`` leaves out weight and bias; ``bias=False`` leaves out the bias. weight starts at 1,
    bias at 0.
    """

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = True, bias: bool = True):
        super().__init__()
        _check_eps(eps, "LayerNorm")
        if affine:
            self.weight = mx.ones((dims,))
            if bias:
                self.bias = mx.zeros((dims,))
        self.eps = eps
        self.dims = dims

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x):
        return mx.fast.layer_norm(x, self.get("weight"), self.get("bias"), self.eps)


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) * weight over the last axis; weight (``dims``,) starts at 1."""

    def __init__(self, dims: int, eps: float = 1e-5):
        super().__init__()
        _check_eps(eps, "RMSNorm")
        self.weight = mx.ones((dims,))
        self.eps = eps

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, eps={self.eps}"

    def __call__(self, x):
        return mx.fast.rms_norm(x, self["weight"], self.eps)


class GroupNorm(Module):
    """Normalizes each of ``num_groups`` groups of features over the group and every non-batch axis, then
    applies weight and bias per feature.

    As MLX, feature f belongs to group f % num_groups; ``pytorch_compatible=True`` uses contiguous groups
    (features [g * size, (g + 1) * size)) as PyTorch does.
    """

    def __init__(self, num_groups: int, dims: int, eps: float = 1e-5, affine: bool = True,
                 pytorch_compatible: bool = False):
        super().__init__()
        _check_eps(eps, "GroupNorm")
        if num_groups <= 0:
            raise ValueError(f"[GroupNorm] The number of groups ({num_groups}) must be a positive integer.")
        if dims <= 0:
            raise ValueError(f"[GroupNorm] The number of features ({dims}) must be a positive integer.")
        if dims % num_groups != 0:
            raise ValueError(
                f"[GroupNorm] The number of features ({dims}) must be evenly divisible by the number of groups "
                f"({num_groups})."
            )
        if affine:
            self.bias = mx.zeros((dims,))
            self.weight = mx.ones((dims,))
        self.num_groups = num_groups
        self.dims = dims
        self.eps = eps
        self.pytorch_compatible = pytorch_compatible

    def _extra_repr(self):
        return (f"{self.num_groups}, {self.dims}, eps={self.eps}, affine={'weight' in self}, "
                f"pytorch_compatible={self.pytorch_compatible}")

    def _contiguous_groups(self, x):
        batch, *rest, dims = x.shape
        size = dims // self.num_groups
        x = mx.reshape(x, (batch, -1, self.num_groups, size))
        x = mx.reshape(mx.transpose(x, (0, 2, 1, 3)), (batch, self.num_groups, -1))
        x = mx.fast.layer_norm(x, None, None, self.eps)
        x = mx.transpose(mx.reshape(x, (batch, self.num_groups, -1, size)), (0, 2, 1, 3))
        return mx.reshape(x, (batch, *rest, dims))

    def _strided_groups(self, x):
        batch, *rest, dims = x.shape
        x = mx.reshape(x, (batch, -1, self.num_groups))
        mean = mx.mean(x, axis=1, keepdims=True)
        var = mx.var(x, axis=1, keepdims=True)
        x = (x - mean) * mx.rsqrt(var + self.eps)
        return mx.reshape(x, (batch, *rest, dims))

    def __call__(self, x):
        x = self._contiguous_groups(x) if self.pytorch_compatible else self._strided_groups(x)
        return self.weight * x + self.bias if "weight" in self else x


class InstanceNorm(Module):
    """Normalizes each feature of each sample over the spatial axes of (N, ..., C) inputs; ``affine`` adds
    weight (1) and bias (0) per feature."""

    def __init__(self, dims: int, eps: float = 1e-5, affine: bool = False):
        super().__init__()
        _check_eps(eps, "InstanceNorm")
        if affine:
            self.weight = mx.ones((dims,))
            self.bias = mx.zeros((dims,))
        self.dims = dims
        self.eps = eps

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x):
        if x.ndim < 3:
            raise ValueError(
                f"[InstanceNorm] InstanceNorm expects inputs with at least 3 dimensions (N, ..., C) but the input "
                f"has {x.ndim} dimensions."
            )
        batch, *spatial, features = x.shape
        channels_first = mx.transpose(x, (0, x.ndim - 1, *range(1, x.ndim - 1)))
        y = mx.fast.layer_norm(mx.reshape(channels_first, (batch, features, -1)), None, None, self.eps)
        y = mx.transpose(mx.reshape(y, (batch, features, *spatial)), (0, *range(2, len(spatial) + 2), 1))
        return self.weight * y + self.bias if "weight" in self else y


class BatchNorm(Module):
    """Normalizes each feature over the batch (and spatial) axes of (N, C), (N, L, C) or (N, H, W, C) inputs.

    In training mode the batch statistics normalize and, with ``track_running_stats``, update
    ``running_mean`` and ``running_var`` (unbiased) as ``(1 - momentum) * running + momentum * batch``; in
    evaluation mode the running statistics normalize. The running statistics are always frozen.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True):
        super().__init__()
        _check_eps(eps, "BatchNorm")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = mx.ones((num_features,))
            self.bias = mx.zeros((num_features,))
        if track_running_stats:
            self.running_mean = mx.zeros((num_features,))
            self.running_var = mx.ones((num_features,))
            self.freeze(keys=["running_mean", "running_var"], recurse=False)

    def unfreeze(self, *args, **kwargs):
        """As :meth:`Module.unfreeze`, except that the running statistics stay frozen."""
        super().unfreeze(*args, **kwargs)
        if self.track_running_stats:
            self.freeze(keys=["running_mean", "running_var"], recurse=False)
        return self

    def _extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={'weight' in self}, "
                f"track_running_stats={self.track_running_stats}")

    def _stats(self, x, ddof: int = 0) -> Tuple[mx.array, mx.array]:
        axes = list(range(x.ndim - 1))
        return mx.mean(x, axis=axes), mx.var(x, axis=axes, ddof=ddof)

    def __call__(self, x):
        if x.ndim < 2 or x.ndim > 4:
            raise ValueError(f"[BatchNorm] Expected input tensor to have 2, 3 or 4 dimensions, but got {x.ndim}")
        if self.training and math.prod(x.shape[:-1]) == 1:
            raise ValueError("[BatchNorm] BatchNorm training requires more than one value per channel.")
        mean, var = self._stats(x)
        if self.training and self.track_running_stats:
            mu = self.momentum
            _, unbiased = self._stats(x, ddof=1)
            self.running_mean = (1 - mu) * self.running_mean + mu * mean
            self.running_var = (1 - mu) * self.running_var + mu * unbiased
        elif self.track_running_stats:
            mean, var = self.running_mean, self.running_var
        x = (x - mean) * mx.rsqrt(var + self.eps)
        return self.weight * x + self.bias if "weight" in self else x
