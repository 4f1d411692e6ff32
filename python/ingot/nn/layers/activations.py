"""Activation functions and their layer classes, as in ``mlx.nn`` (same formulas, so same values)."""

import math

import ingot as mx
from ingot.nn.layers.base import Module

__all__ = [
    "celu", "elu", "gelu", "gelu_approx", "gelu_fast_approx", "glu", "hard_shrink", "hard_tanh",
    "hardswish", "leaky_relu", "log_sigmoid", "log_softmax", "mish", "prelu", "relu", "relu2", "relu6",
    "selu", "sigmoid", "silu", "softmax", "softmin", "softplus", "softshrink", "softsign", "step", "tanh",
    "CELU", "ELU", "GELU", "GLU", "SELU", "HardShrink", "Hardswish", "HardTanh", "LeakyReLU", "LogSigmoid",
    "LogSoftmax", "Mish", "PReLU", "ReLU", "ReLU2", "ReLU6", "Sigmoid", "SiLU", "Softmax", "Softmin",
    "Softplus", "Softshrink", "Softsign", "Step", "Tanh",
]  # fmt: skip


# ---- functions ----


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return mx.sigmoid(x)


def relu(x):
    """max(x, 0)."""
    return mx.maximum(x, 0)


def relu2(x):
    """max(x, 0) squared."""
    return mx.square(mx.maximum(x, 0))


def relu6(x):
    """min(max(x, 0), 6)."""
    return mx.minimum(mx.maximum(x, 0), 6.0)


def leaky_relu(x, negative_slope=0.01):
    """max(negative_slope * x, x)."""
    return mx.maximum(negative_slope * x, x)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``, computed after subtracting the maximum (stable for large x)."""
    shifted = x - mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
    return shifted - mx.logsumexp(shifted, axis=axis, keepdims=True)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return mx.where(x > 0, x, alpha * (mx.exp(x) - 1))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``."""
    return mx.softmax(x, axis=axis)


def softplus(x):
    """log(1 + exp(x))."""
    return mx.logaddexp(x, 0)


def softsign(x):
    """x / (1 + |x|)."""
    return mx.divide(x, 1 + mx.abs(x))


def softshrink(x, lambd: float = 0.5):
    """x - sign(x) * lambd where |x| > lambd, 0 elsewhere."""
    return mx.where(mx.abs(x) > lambd, x - mx.sign(x) * lambd, 0)


def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
    return mx.maximum(x, 0.0) + alpha * (mx.exp(mx.minimum(x, 0.0) / alpha) - 1)


def silu(x):
    """x * sigmoid(x) (swish)."""
    return x * mx.sigmoid(x)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -softplus(-x)


def gelu(x):
    """x * Phi(x) with the exact normal CDF: x * (1 + erf(x / sqrt(2))) / 2."""
    return x * (1 + mx.erf(x / math.sqrt(2))) / 2


def gelu_approx(x):
    """The tanh approximation of GELU: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1 + mx.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def gelu_fast_approx(x):
    """The sigmoid approximation of GELU: x * sigmoid(1.702 x)."""
    return x * mx.sigmoid(1.702 * x)


def glu(x, axis: int = -1):
    """Splits ``x`` in halves a, b along ``axis`` and returns a * sigmoid(b)."""
    a, b = mx.split(x, 2, axis=axis)
    return a * mx.sigmoid(b)


def step(x, threshold: float = 0.0):
    """1 where x >= threshold, 0 elsewhere (int32, as MLX)."""
    return mx.where(x >= threshold, 1, 0)


def selu(x):
    """1.0507 * elu(x, 1.67326)."""
    return elu(x, 1.67326) * 1.0507


def prelu(x, alpha):
    """max(0, x) + alpha * min(0, x), with ``alpha`` an array broadcast against x."""
    return mx.maximum(0, x) + alpha * mx.minimum(0, x)


def mish(x):
    """x * tanh(softplus(x))."""
    return x * mx.tanh(softplus(x))


def hardswish(x):
    """x * min(max(x + 3, 0), 6) / 6."""
    return x * mx.minimum(mx.maximum(x + 3, 0), 6) / 6


def hard_tanh(x, min_val=-1.0, max_val=1.0):
    """x clipped to [min_val, max_val]."""
    return mx.minimum(mx.maximum(x, min_val), max_val)


def hard_shrink(x, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere."""
    return mx.where(mx.abs(x) > lambd, x, 0)


def softmin(x, axis=-1):
    """softmax(-x) along ``axis``."""
    return mx.softmax(-x, axis=axis)


def tanh(x):
    """The hyperbolic tangent."""
    return mx.tanh(x)


# ---- layers ----


def _stateless(fn, doc):
    """A layer class with no parameters whose call is ``fn(x)``."""

    class Layer(Module):
        def __call__(self, x):
            return fn(x)

    Layer.__doc__ = doc
    return Layer


Sigmoid = _stateless(sigmoid, "Applies :func:`sigmoid`.")
Mish = _stateless(mish, "Applies :func:`mish`.")
ReLU = _stateless(relu, "Applies :func:`relu`.")
ReLU2 = _stateless(relu2, "Applies :func:`relu2`.")
ReLU6 = _stateless(relu6, "Applies :func:`relu6`.")
Softmax = _stateless(softmax, "Applies :func:`softmax` over the last axis.")
Softplus = _stateless(softplus, "Applies :func:`softplus`.")
Softsign = _stateless(softsign, "Applies :func:`softsign`.")
SiLU = _stateless(silu, "Applies :func:`silu`.")
LogSoftmax = _stateless(log_softmax, "Applies :func:`log_softmax` over the last axis.")
LogSigmoid = _stateless(log_sigmoid, "Applies :func:`log_sigmoid`.")
Tanh = _stateless(tanh, "Applies :func:`tanh`.")
Hardswish = _stateless(hardswish, "Applies :func:`hardswish`.")
SELU = _stateless(selu, "Applies :func:`selu`.")
HardTanh = _stateless(hard_tanh, "Applies :func:`hard_tanh` with bounds -1 and 1.")
Softmin = _stateless(softmin, "Applies :func:`softmin` over the last axis.")
for _name in ("Sigmoid", "Mish", "ReLU", "ReLU2", "ReLU6", "Softmax", "Softplus", "Softsign", "SiLU",
              "LogSoftmax", "LogSigmoid", "Tanh", "Hardswish", "SELU", "HardTanh", "Softmin"):  # fmt: skip
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name
del _name


class GLU(Module):
    """Applies :func:`glu` along ``axis``."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def __call__(self, x):
        return glu(x, self.axis)


class LeakyReLU(Module):
    """Applies :func:`leaky_relu` with ``negative_slope``."""

    def __init__(self, negative_slope=1e-2):
        super().__init__()
        self._negative_slope = negative_slope

    def __call__(self, x):
        return leaky_relu(x, self._negative_slope)


class ELU(Module):
    """Applies :func:`elu` with ``alpha``."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return elu(x, self._alpha)


class CELU(Module):
    """Applies :func:`celu` with ``alpha``."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return celu(x, self._alpha)


class Softshrink(Module):
    """Applies :func:`softshrink` with ``lambd``."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return softshrink(x, self.lambd)


class HardShrink(Module):
    """Applies :func:`hard_shrink` with ``lambd``."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return hard_shrink(x, self.lambd)


class PReLU(Module):
    """Applies :func:`prelu` with a learned slope ``weight`` of ``num_parameters`` values (all ``init``)."""

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.weight = mx.full([num_parameters], init)

    def __call__(self, x):
        return prelu(x, self.weight)


class GELU(Module):
    """Applies GELU: ``approx`` "none" (exact, :func:`gelu`), "precise" or "tanh" (:func:`gelu_approx`), or
    "fast" (:func:`gelu_fast_approx`)."""

    def __init__(self, approx="none"):
        super().__init__()
        allowed = ["none", "precise", "tanh", "fast"]
        if approx not in allowed:
            raise ValueError(f"[GELU] The approximation should be in {allowed} but '{approx}' was given.")
        self._approx = approx

    def __call__(self, x):
        if self._approx == "none":
            return gelu(x)
        if self._approx in ("precise", "tanh"):
            return gelu_approx(x)
        return gelu_fast_approx(x)


class Step(Module):
    """Applies :func:`step` with ``threshold``."""

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = threshold

    def __call__(self, x):
        return step(x, self.threshold)
