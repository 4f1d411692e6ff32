"""Quantized layers and ``quantize(model)``, as in ``mlx.nn``, in MLX's modes ("affine", "mxfp4", "mxfp8",
"nvfp4"); a layer holds ``biases`` in the affine mode only."""

import math
from typing import Callable, Optional, Union

import ingot as mx
from ingot.nn.layers.base import Module
from ingot.utils import tree_map_with_path

__all__ = ["QuantizedLinear", "QuantizedEmbedding", "quantize"]


_MODE_DEFAULTS = {"affine": (64, 4), "mxfp4": (32, 4), "nvfp4": (16, 4), "mxfp8": (32, 8)}


def _config(mode, group_size, bits, who):
    """group_size and bits with MLX's defaults for ``mode``."""
    if mode not in _MODE_DEFAULTS:
        raise ValueError(f"[{who}] Invalid quantization mode '{mode}'. Valid modes are: {', '.join(_MODE_DEFAULTS)}.")
    default_group_size, default_bits = _MODE_DEFAULTS[mode]
    return group_size or default_group_size, bits or default_bits


def _quantized(layer, weight):
    """Sets ``layer``'s weight, scales and (affine) biases to ``weight`` quantized in its mode."""
    layer.weight, layer.scales, *biases = mx.quantize(weight, layer.group_size, layer.bits, mode=layer.mode)
    layer.biases = biases[0] if biases else None


def quantize(
    model: Module,
    group_size: int = None,
    bits: int = None,
    *,
    mode: str = "affine",
    quantize_input: bool = False,
    class_predicate: Optional[Callable[[str, Module], Union[bool, dict]]] = None,
) -> None:
    """Replaces, in place, the leaf modules of ``model`` that have a ``to_quantized`` method (Linear,
    Embedding) with their quantized versions.

    ``class_predicate(path, module)`` chooses the modules instead: False keeps a module, True quantizes it
    with ``group_size``, ``bits`` and ``mode`` (defaults: the mode's, see ``ingot.quantize``), and a dict
    gives the ``to_quantized`` arguments for that module. A chosen module without ``to_quantized`` is an
    error.
    """
    if class_predicate is None:

        def class_predicate(_, m):
            return hasattr(m, "to_quantized")

    def swap(path, m):
        choice = class_predicate(path, m)
        if not choice:
            return m
        if not hasattr(m, "to_quantized"):
            raise ValueError(f"[quantize] Unable to quantize model of type {type(m)}")
        if isinstance(choice, bool):
            kwargs = {"group_size": group_size, "bits": bits, "mode": mode}
            if quantize_input:
                kwargs["quantize_input"] = True
            return m.to_quantized(**kwargs)
        if isinstance(choice, dict):
            kwargs = dict(choice)
            if "quantize_input" in kwargs and not kwargs["quantize_input"]:
                del kwargs["quantize_input"]
            return m.to_quantized(**kwargs)
        raise ValueError(
            "[quantize] class_predicate must return a bool or a dict of parameters to pass to to_quantized"
        )

    leaves = tree_map_with_path(swap, model.leaf_modules(), is_leaf=Module.is_module)
    model.update_modules(leaves)


class QuantizedLinear(Module):
    """:class:`Linear` with a quantized weight: ``weight`` (packed uint32), ``scales`` and (affine mode)
    ``biases`` from ``ingot.quantize``, and an unquantized ``bias``. Its parameters are frozen.

    Constructed directly it quantizes a random U(-k, k) weight (k = 1 / sqrt(input_dims)) and a zero bias;
    :meth:`from_linear` converts a :class:`Linear`.
    """

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True, group_size: int = None,
                 bits: int = None, mode: str = "affine"):
        super().__init__()
        self.group_size, self.bits = _config(mode, group_size, bits, "QuantizedLinear")
        self.mode = mode
        k = math.sqrt(1 / input_dims)
        _quantized(self, mx.random.uniform(-k, k, (output_dims, input_dims)))
        if bias:
            self.bias = mx.zeros((output_dims,))
        self.freeze()

    def _extra_repr(self) -> str:
        out_dims, packed = self.weight.shape
        return (
            f"input_dims={packed * 32 // self.bits}, output_dims={out_dims}, bias={'bias' in self}, "
            f"group_size={self.group_size}, bits={self.bits}, mode={self.mode}"
        )

    def __call__(self, x):
        y = mx.quantized_matmul(x, self["weight"], self["scales"], self.get("biases"), transpose=True,
                                group_size=self.group_size, bits=self.bits, mode=self.mode)
        if "bias" in self:
            y = y + self["bias"]
        return y

    @classmethod
    def from_linear(cls, linear_layer: Module, group_size: int = None, bits: int = None, mode: str = "affine"):
        """A :class:`QuantizedLinear` holding ``linear_layer``'s weight quantized and its bias as is."""
        group_size, bits = _config(mode, group_size, bits, "QuantizedLinear")
        layer = cls.__new__(cls)
        Module.__init__(layer)
        layer.group_size, layer.bits, layer.mode = group_size, bits, mode
        _quantized(layer, linear_layer.weight)
        # As MLX: the quantized weight is frozen, a bias carried over from the Linear stays trainable.
        layer.freeze()
        if "bias" in linear_layer:
            layer.bias = linear_layer.bias
        return layer


class QuantizedEmbedding(Module):
    """:class:`Embedding` with a quantized table (rows dequantized on lookup). Its parameters are frozen.

    Constructed directly it quantizes a random N(0, 1 / dims) table; :meth:`from_embedding` converts an
    :class:`Embedding`.
    """

    def __init__(self, num_embeddings: int, dims: int, group_size: int = None, bits: int = None,
                 mode: str = "affine"):
        super().__init__()
        self.group_size, self.bits = _config(mode, group_size, bits, "QuantizedEmbedding")
        self.mode = mode
        _quantized(self, mx.random.normal(shape=(num_embeddings, dims), scale=math.sqrt(1 / dims)))
        self.num_embeddings = num_embeddings
        self.dims = dims
        self.freeze()

    def __call__(self, x):
        biases = self.get("biases")
        return mx.dequantize(self["weight"][x], self["scales"][x], biases[x] if biases is not None else None,
                             group_size=self.group_size, bits=self.bits, mode=self.mode)

    def as_linear(self, x):
        """x @ table^T computed from the quantized table (tied input and output embeddings)."""
        return mx.quantized_matmul(x, self["weight"], self["scales"], self.get("biases"), transpose=True,
                                   group_size=self.group_size, bits=self.bits, mode=self.mode)

    def _extra_repr(self) -> str:
        return (f"{self.num_embeddings}, {self.dims}, group_size={self.group_size}, bits={self.bits}, "
                f"mode={self.mode}")

    @classmethod
    def from_embedding(cls, embedding_layer: Module, group_size: int = None, bits: int = None,
                       mode: str = "affine"):
        """A :class:`QuantizedEmbedding` holding ``embedding_layer``'s table quantized."""
        group_size, bits = _config(mode, group_size, bits, "QuantizedEmbedding")
        layer = cls.__new__(cls)
        Module.__init__(layer)
        layer.group_size, layer.bits, layer.mode = group_size, bits, mode
        layer.num_embeddings, layer.dims = embedding_layer.weight.shape
        _quantized(layer, embedding_layer.weight)
        layer.freeze()
        return layer
