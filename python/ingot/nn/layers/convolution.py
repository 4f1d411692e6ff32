"""Convolution layers (channels last, as MLX): Conv1d/2d/3d and ConvTranspose1d/2d/3d.

Inputs are (N, spatial..., C_in), weights (C_out, kernel..., C_in / groups), outputs (N, spatial..., C_out).
Weights are initialized from U(-k, k) with k = 1 / sqrt(C_in / groups * prod(kernel)); biases are zero.
"""

import math
from typing import Union

import ingot as mx
from ingot.nn.layers.base import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


def _tuple(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


class _Conv(Module):
    """Shared construction: ``ndim`` spatial dimensions, a weight and an optional bias."""

    _ndim = 0

    def __init__(self, in_channels, out_channels, kernel_size, groups, bias):
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError(
                f"[{type(self).__name__}] The number of input channels ({in_channels}) must be divisible by the "
                f"number of groups ({groups})"
            )
        kernel = _tuple(kernel_size, self._ndim)
        k = math.sqrt(1 / (in_channels // groups * math.prod(kernel)))
        self.weight = mx.random.uniform(-k, k, (out_channels, *kernel, in_channels // groups))
        if bias:
            self.bias = mx.zeros((out_channels,))

    def _add_bias(self, y):
        return y + self.bias if "bias" in self else y

    def _kernel_repr(self):
        kernel = tuple(self.weight.shape[1:-1])
        return kernel[0] if self._ndim == 1 else kernel


class Conv1d(_Conv):
    """1-D convolution over (N, L, C_in) inputs."""

    _ndim = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 dilation: int = 1, groups: int = 1, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, groups, bias)
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups

    def _extra_repr(self):
        return (f"{self.weight.shape[-1] * self.groups}, {self.weight.shape[0]}, kernel_size={self._kernel_repr()}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, groups={self.groups}, "
                f"bias={'bias' in self}")

    def __call__(self, x):
        return self._add_bias(mx.conv1d(x, self.weight, self.stride, self.padding, self.dilation, self.groups))


class Conv2d(_Conv):
    """2-D convolution over (N, H, W, C_in) inputs; sizes are ints or pairs."""

    _ndim = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0, dilation: Union[int, tuple] = 1,
                 groups: int = 1, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, groups, bias)
        self.stride, self.padding = _tuple(stride, 2), _tuple(padding, 2)
        self.dilation, self.groups = dilation, groups

    def _extra_repr(self):
        return (f"{self.weight.shape[-1] * self.groups}, {self.weight.shape[0]}, kernel_size={self._kernel_repr()}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, groups={self.groups}, "
                f"bias={'bias' in self}")

    def __call__(self, x):
        y = mx.conv2d(x, self.weight, self.stride, self.padding, _tuple(self.dilation, 2), self.groups)
        return self._add_bias(y)


class Conv3d(_Conv):
    """3-D convolution over (N, D, H, W, C_in) inputs; sizes are ints or triples."""

    _ndim = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0, dilation: Union[int, tuple] = 1,
                 bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, 1, bias)
        self.stride, self.padding, self.dilation = _tuple(stride, 3), _tuple(padding, 3), dilation

    def _extra_repr(self):
        return (f"{self.weight.shape[-1]}, {self.weight.shape[0]}, kernel_size={self._kernel_repr()}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, bias={'bias' in self}")

    def __call__(self, x):
        return self._add_bias(mx.conv3d(x, self.weight, self.stride, self.padding, _tuple(self.dilation, 3)))


class _ConvTranspose(_Conv):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias):
        super().__init__(in_channels, out_channels, kernel_size, 1, bias)
        n = self._ndim
        if n == 1:
            self.stride, self.padding, self.dilation, self.output_padding = stride, padding, dilation, output_padding
        else:
            self.stride, self.padding = _tuple(stride, n), _tuple(padding, n)
            self.dilation, self.output_padding = dilation, _tuple(output_padding, n)

    def _extra_repr(self):
        return (f"{self.weight.shape[-1]}, {self.weight.shape[0]}, kernel_size={self._kernel_repr()}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
                f"output_padding={self.output_padding}, bias={'bias' in self}")

    def __call__(self, x):
        fn = (mx.conv_transpose1d, mx.conv_transpose2d, mx.conv_transpose3d)[self._ndim - 1]
        dilation = self.dilation if self._ndim == 1 else _tuple(self.dilation, self._ndim)
        return self._add_bias(fn(x, self.weight, self.stride, self.padding, dilation, self.output_padding))


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution over (N, L, C_in) inputs."""

    _ndim = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 dilation: int = 1, output_padding: int = 0, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution over (N, H, W, C_in) inputs; sizes are ints or pairs."""

    _ndim = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0, dilation: Union[int, tuple] = 1,
                 output_padding: Union[int, tuple] = 0, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution over (N, D, H, W, C_in) inputs; sizes are ints or triples."""

    _ndim = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Union[int, tuple],
                 stride: Union[int, tuple] = 1, padding: Union[int, tuple] = 0, dilation: Union[int, tuple] = 1,
                 output_padding: Union[int, tuple] = 0, bias: bool = True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, bias)
