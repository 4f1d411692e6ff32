"""Parameter initializers, as ``mlx.nn.init``.

Each function returns an initializer: a function of an array (only its shape is used) returning a new
array of that shape, drawn with ``ingot.random`` (the global key sequence: ``ingot.random.seed`` makes it
reproducible). Glorot and He initializers take the fans from the shape: ``fan_out = shape[0]``,
``fan_in = shape[-1]``, both multiplied by the product of the dimensions in between (a convolution's
kernel size).
"""

import math
from typing import Callable

import ingot as mx

__all__ = [
    "constant",
    "normal",
    "uniform",
    "identity",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "sparse",
    "orthogonal",
]


def constant(value: float, dtype=mx.float32) -> Callable:
    """Fills with ``value``."""

    def initializer(a):
        return mx.full(a.shape, value, dtype=dtype)

    return initializer


def normal(mean: float = 0.0, std: float = 1.0, dtype=mx.float32) -> Callable:
    """Samples from N(mean, std^2)."""

    def initializer(a):
        return mx.random.normal(shape=a.shape, scale=std, loc=mean, dtype=dtype)

    return initializer


def uniform(low: float = 0.0, high: float = 1.0, dtype=mx.float32) -> Callable:
    """Samples from U[low, high)."""

    def initializer(a):
        return mx.random.uniform(low, high, a.shape, dtype=dtype)

    return initializer


def identity(dtype=mx.float32) -> Callable:
    """The identity matrix (the array must be square)."""

    def initializer(a):
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"[identity] The input array must be a square matrix but got shape {tuple(a.shape)}.")
        return mx.eye(a.shape[0], dtype=dtype)

    return initializer


def _fans(a, name):
    if a.ndim < 2:
        raise ValueError(
            f"[{name}] Glorot / He initialization requires at least 2 dimensional input but input with "
            f"{a.ndim} dimensions."
        )
    receptive_field = 1
    for d in a.shape[1:-1]:
        receptive_field *= d
    return a.shape[-1] * receptive_field, a.shape[0] * receptive_field


def _fan(a, mode, name):
    fan_in, fan_out = _fans(a, name)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"[{name}] Invalid mode: {mode}. Valid modes are: fan_in, fan_out")


def glorot_normal(dtype=mx.float32) -> Callable:
    """Initializer ``f(a, gain=1.0)``: N(0, sigma^2) with sigma = gain * sqrt(2 / (fan_in + fan_out))."""

    def initializer(a, gain: float = 1.0):
        fan_in, fan_out = _fans(a, "glorot_normal")
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        return mx.random.normal(shape=a.shape, scale=std, dtype=dtype)

    return initializer


def glorot_uniform(dtype=mx.float32) -> Callable:
    """Initializer ``f(a, gain=1.0)``: U[-limit, limit) with limit = gain * sqrt(6 / (fan_in + fan_out))."""

    def initializer(a, gain: float = 1.0):
        fan_in, fan_out = _fans(a, "glorot_uniform")
        limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def he_normal(dtype=mx.float32) -> Callable:
    """Initializer ``f(a, mode="fan_in", gain=1.0)``: N(0, sigma^2) with sigma = gain / sqrt(fan)."""

    def initializer(a, mode: str = "fan_in", gain: float = 1.0):
        std = gain / math.sqrt(_fan(a, mode, "he_normal"))
        return mx.random.normal(shape=a.shape, scale=std, dtype=dtype)

    return initializer


def he_uniform(dtype=mx.float32) -> Callable:
    """Initializer ``f(a, mode="fan_in", gain=1.0)``: U[-limit, limit) with limit = gain * sqrt(3 / fan)."""

    def initializer(a, mode: str = "fan_in", gain: float = 1.0):
        limit = gain * math.sqrt(3.0 / _fan(a, mode, "he_uniform"))
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def sparse(sparsity: float, mean: float = 0.0, std: float = 1.0, dtype=mx.float32) -> Callable:
    """A 2-D N(mean, std^2) matrix with ``ceil(sparsity * columns)`` entries of every row set to zero, at
    random places chosen independently per row."""

    def initializer(a):
        if a.ndim != 2:
            raise ValueError("[sparse] Only tensors with 2 dimensions are supported")
        num_zeros = int(math.ceil(sparsity * a.shape[1]))
        order = mx.argsort(mx.random.uniform(shape=a.shape), axis=1)
        values = mx.random.normal(shape=a.shape, scale=std, loc=mean, dtype=dtype)
        return mx.put_along_axis(values, order[:, :num_zeros], mx.array(0, dtype=dtype), axis=1)

    return initializer


def orthogonal(gain: float = 1.0, dtype=mx.float32) -> Callable:
    """A 2-D matrix with orthonormal rows or columns (the Q of a random normal matrix's QR decomposition,
    signs fixed by R's diagonal), times ``gain``."""

    def initializer(a):
        if a.ndim != 2:
            raise ValueError(f"[orthogonal] Orthogonal initialization requires a 2D array but got a {a.ndim}D array.")
        rows, cols = a.shape
        n = max(rows, cols)
        q, r = mx.linalg.qr(mx.random.normal(shape=(n, n)))
        q = q * mx.sign(mx.diag(r))
        return (q[:rows, :cols] * gain).astype(dtype)

    return initializer
