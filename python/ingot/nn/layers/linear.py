"""Affine layers: Identity, Linear, Bilinear, Embedding and Sequential, as in ``mlx.nn``."""

import math
from typing import Any, Optional

import ingot as mx
from ingot.nn.layers.base import Module

__all__ = ["Identity", "Linear", "Bilinear", "Embedding", "Sequential"]


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def __call__(self, x):
        return x


class Linear(Module):
    """y = x W^T + b, with W of shape (output_dims, input_dims) and b of shape (output_dims,).

    Both are initialized from U(-k, k) with k = 1 / sqrt(input_dims). ``bias=False`` leaves b out.
    """

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        k = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(-k, k, (output_dims, input_dims))
        if bias:
            self.bias = mx.random.uniform(-k, k, (output_dims,))

    def _extra_repr(self) -> str:
        out_dims, in_dims = self.weight.shape
        return f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}"

    def __call__(self, x):
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T

    def to_quantized(self, group_size: Optional[int] = None, bits: Optional[int] = None, mode: str = "affine",
                     quantize_input: bool = False):
        """A :class:`QuantizedLinear` approximating this layer (weights quantized, see ``ingot.quantize``)."""
        from ingot.nn.layers.quantized import QuantizedLinear

        if quantize_input:
            raise ValueError("[Linear.to_quantized] Quantized inputs are not supported.")
        return QuantizedLinear.from_linear(self, group_size, bits, mode)


class Bilinear(Module):
    """y_i = x2^T W_i x1 + b_i, with W of shape (output_dims, input2_dims, input1_dims).

    W and b are initialized from U(-k, k) with k = 1 / sqrt(input1_dims).
    """

    def __init__(self, input1_dims: int, input2_dims: int, output_dims: int, bias: bool = True) -> None:
        super().__init__()
        k = math.sqrt(1.0 / input1_dims)
        self.weight = mx.random.uniform(-k, k, (output_dims, input2_dims, input1_dims))
        if bias:
            self.bias = mx.random.uniform(-k, k, (output_dims,))

    def _extra_repr(self) -> str:
        out, in2, in1 = self.weight.shape
        return f"input1_dims={in1}, input2_dims={in2}, output_dims={out}, bias={'bias' in self}"

    def __call__(self, x1, x2):
        out, in2, in1 = self.weight.shape
        batch_shape = tuple(x1.shape[:-1])
        x1 = mx.reshape(x1, (-1, in1))
        x2 = mx.reshape(x2, (-1, 1, in2))
        # (n, in1) @ (in1, out * in2) -> (n, out, in2), then contract in2 with x2.
        y = x1 @ mx.reshape(self.weight, (out * in2, in1)).T
        y = mx.swapaxes(mx.reshape(y, (-1, out, in2)), -2, -1)
        y = mx.squeeze(x2 @ y, 1)
        y = mx.reshape(y, (*batch_shape, out))
        if "bias" in self:
            y = y + self.bias
        return y


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, dims) for each integer i of the input.

    The table is initialized from N(0, 1 / dims).
    """

    def __init__(self, num_embeddings: int, dims: int):
        super().__init__()
        self.weight = mx.random.normal(shape=(num_embeddings, dims), scale=math.sqrt(1 / dims))

    def _extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, {self.weight.shape[1]}"

    def __call__(self, x):
        return self.weight[x]

    def as_linear(self, x):
        """x @ weight^T: the embedding used as an output projection (tied weights)."""
        return x @ self.weight.T

    def to_quantized(self, group_size: Optional[int] = None, bits: Optional[int] = None, mode: str = "affine",
                     quantize_input: bool = False):
        """A :class:`QuantizedEmbedding` approximating this layer."""
        from ingot.nn.layers.quantized import QuantizedEmbedding

        if quantize_input:
            raise ValueError("[Embedding.to_quantized] Quantized input is not supported.")
        return QuantizedEmbedding.from_embedding(self, group_size, bits, mode)


class Sequential(Module):
    """Calls the given modules (or plain callables) in order, each on the previous one's output."""

    def __init__(self, *modules):
        super().__init__()
        self.layers = list(modules)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
