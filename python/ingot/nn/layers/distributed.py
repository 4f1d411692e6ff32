"""Tensor-parallel linear layers and sharding, as ``mlx.nn.layers.distributed``.

A group of N processes splits a linear layer's weight in N shards. ``AllToShardedLinear`` turns an input
every process holds into a sharded output (each process computes its rows of the output features);
``ShardedToAllLinear`` turns a sharded input back into one every process holds (each process multiplies
its columns, and ``all_sum`` adds the parts). A layer of the first kind followed by one of the second is a
tensor-parallel MLP. Both export: the collectives are nodes of the graph, so a model exported by each
process runs from C++ under the same launcher.
"""

import math
from typing import Callable, Optional, Union

import ingot as mx
from ingot.nn.layers.base import Module
from ingot.nn.layers.linear import Linear
from ingot.nn.layers.quantized import _config, _quantized
from ingot.utils import tree_map_with_path

__all__ = [
    "AllToShardedLinear",
    "ShardedToAllLinear",
    "QuantizedAllToShardedLinear",
    "QuantizedShardedToAllLinear",
    "shard_linear",
    "shard_inplace",
    "sum_gradients",
]


def sum_gradients(group):
    """A function returning its input, whose gradient is summed over ``group`` (identity on one process)."""
    return lambda x: mx.distributed.sum_gradients(x, group=group)


def _split(weight, segments, axis):
    """``mx.split``, where ``segments`` may also be fractions of the axis ([0.25, 0.5] cuts at 1/4 and 1/2)."""
    if isinstance(segments, int) or isinstance(segments[0], int):
        return mx.split(weight, segments, axis=axis)
    n = weight.shape[axis]
    return mx.split(weight, [int(f * n) for f in segments], axis=axis)


def _shard(parameters, predicate, group):
    """The parameter tree with each array the predicate names cut to this process's shard.

    ``predicate(path, weight)`` gives None (keep the array whole), an axis, or ``(axis, segments)``: the
    weight is made of ``segments`` parts along the axis (a fused QKV projection is 3), each cut in N
    shards, and this process keeps its shard of every part, concatenated.
    """
    group = group or mx.distributed.init()
    n, rank = group.size(), group.rank()

    def shard(path, weight):
        if not isinstance(weight, mx.array):
            return weight
        s = predicate(path, weight)
        if s is None:
            return weight
        if isinstance(s, int):
            axis, segments = s, 1
        elif isinstance(s, tuple):
            axis, segments = s
        else:
            raise ValueError(
                f"[shard] the sharding function must return None, an int or a tuple, got {type(s).__name__}")
        parts = [_split(part, n, axis)[rank] for part in _split(weight, segments, axis)]
        return mx.contiguous(mx.concatenate(parts, axis=axis))

    return tree_map_with_path(shard, parameters)


def _all_to_sharded(segments):
    """Output features split: the weight's (and quantized scales' and biases') rows, and the bias."""

    def predicate(path, weight):
        if path.endswith("bias"):
            return -1, segments
        return max(weight.ndim - 2, 0), segments

    return predicate


def _sharded_to_all(segments):
    """Input features split: the weight's columns; the bias stays whole (added once, after the sum)."""

    def predicate(path, weight):
        if path.endswith("bias"):
            return None
        return -1, segments

    return predicate


def _check_sharding(sharding):
    if sharding not in ("all-to-sharded", "sharded-to-all"):
        raise ValueError(f"[shard] the sharding must be 'all-to-sharded' or 'sharded-to-all', got {sharding!r}")


def shard_inplace(
    module: Module,
    sharding: Union[str, Callable],
    *,
    segments: Union[int, list] = 1,
    group: Optional[mx.distributed.Group] = None,
):
    """Replaces ``module``'s parameters by this process's shards. ``sharding`` is "all-to-sharded",
    "sharded-to-all" or a predicate ``(path, weight) -> None | axis | (axis, segments)``. The module's code
    is unchanged: it must communicate itself where the shards need it."""
    if isinstance(sharding, str):
        _check_sharding(sharding)
        sharding = _all_to_sharded(segments) if sharding == "all-to-sharded" else _sharded_to_all(segments)
    module.update(_shard(module.parameters(), sharding, group))


def shard_linear(
    module: Module,
    sharding: str,
    *,
    segments: Union[int, list] = 1,
    group: Optional[mx.distributed.Group] = None,
):
    """A new sharded layer from a ``Linear`` or ``QuantizedLinear`` (left unchanged): its
    ``AllToShardedLinear`` or ``ShardedToAllLinear`` version (quantized ones for a quantized layer)."""
    _check_sharding(sharding)
    if isinstance(module, Linear):
        cls = AllToShardedLinear if sharding == "all-to-sharded" else ShardedToAllLinear
        return cls.from_linear(module, segments=segments, group=group)
    cls = QuantizedAllToShardedLinear if sharding == "all-to-sharded" else QuantizedShardedToAllLinear
    return cls.from_quantized_linear(module, segments=segments, group=group)


def _uniform(input_dims, shape):
    k = math.sqrt(1.0 / input_dims)
    return mx.random.uniform(low=-k, high=k, shape=shape)


class _Sharded(Module):
    """What the sharded layers share: the group, which features are split (``_splits_output``), this
    process's weight shape, the repr, and building a layer from its unsharded version."""

    _splits_output = True

    def _set_group(self, group, input_dims, output_dims):
        self.group = group or mx.distributed.init()
        n = self.group.size()
        dims, what = (output_dims, "output") if self._splits_output else (input_dims, "input")
        if dims % n != 0:
            raise ValueError(f"[{type(self).__name__}] the {what} features ({dims}) cannot be split across {n} "
                             f"processes")
        return (output_dims // n, input_dims) if self._splits_output else (output_dims, input_dims // n)

    def _extra_repr(self) -> str:
        out_dims, in_dims = self.weight.shape
        quantized = hasattr(self, "bits")
        if quantized:
            in_dims = in_dims * 32 // self.bits
        n = self.group.size()
        in_dims, out_dims = (in_dims, out_dims * n) if self._splits_output else (in_dims * n, out_dims)
        text = f"input_dims={in_dims}, output_dims={out_dims}, bias={'bias' in self}"
        if quantized:
            text += f", group_size={self.group_size}, bits={self.bits}, mode={self.mode}"
        return text

    @classmethod
    def _sharded(cls, layer, segments, group, **kwargs):
        group = group or mx.distributed.init()
        output_dims, input_dims = layer.weight.shape
        if "bits" in kwargs:
            input_dims = input_dims * 32 // kwargs["bits"]
        sharded = cls(input_dims, output_dims, "bias" in layer, group=group, **kwargs)
        predicate = _all_to_sharded(segments) if cls._splits_output else _sharded_to_all(segments)
        sharded.update(_shard(layer.parameters(), predicate, group))
        return sharded


class _ShardedLinear(_Sharded):
    def __init__(self, input_dims: int, output_dims: int, bias: bool = True, group=None):
        super().__init__()
        shape = self._set_group(group, input_dims, output_dims)
        self.weight = _uniform(input_dims, shape)
        if bias:
            self.bias = _uniform(input_dims, shape[:1])

    @classmethod
    def from_linear(cls, linear_layer: Module, *, segments: Union[int, list] = 1, group=None):
        """This process's shard of ``linear_layer``, whose split features hold ``segments`` parts (a fused
        QKV projection: 3), each split across the group."""
        return cls._sharded(linear_layer, segments, group)


class AllToShardedLinear(_ShardedLinear):
    """A linear layer whose output features are split across ``group``: each process computes its
    ``output_dims / N`` of them from the whole input. The input's gradient is summed over the group.

    Args:
        input_dims (int): input features.
        output_dims (int): output features of the whole layer (a multiple of the group's size).
        bias (bool): whether the layer adds a bias. Default: True.
        group (Group): the processes sharing the layer; the global group when None.
    """

    def __call__(self, x):
        x = sum_gradients(self.group)(x)
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T


class ShardedToAllLinear(_ShardedLinear):
    """A linear layer whose input features are split across ``group``: each process multiplies its
    ``input_dims / N`` of them and ``all_sum`` adds the parts, so every process gets the whole output.

    Args:
        input_dims (int): input features of the whole layer (a multiple of the group's size).
        output_dims (int): output features.
        bias (bool): whether the layer adds a bias. Default: True.
        group (Group): the processes sharing the layer; the global group when None.
    """

    _splits_output = False

    def __call__(self, x):
        x = mx.distributed.all_sum(x @ self["weight"].T, group=self.group)
        if "bias" in self:
            x = x + self["bias"]
        return x


class _QuantizedSharded(_Sharded):
    """A quantized weight in one of MLX's modes (frozen, as ``QuantizedLinear``'s; see ``ingot.quantize``)
    and an unquantized bias (zeros when constructed)."""

    def __init__(self, input_dims: int, output_dims: int, bias: bool = True, group_size: int = None,
                 bits: int = None, mode: str = "affine", group=None):
        super().__init__()
        self.group_size, self.bits = _config(mode, group_size, bits, type(self).__name__)
        self.mode = mode
        shape = self._set_group(group, input_dims, output_dims)
        _quantized(self, _uniform(input_dims, shape))
        if bias:
            self.bias = mx.zeros(shape[:1])
        self.freeze()

    def unfreeze(self, *args, **kwargs):
        """Unfreezes contained modules; this layer's own parameters stay frozen."""
        super().unfreeze(*args, **kwargs)
        self.freeze(recurse=False)
        return self

    def _matmul(self, x):
        return mx.quantized_matmul(x, self["weight"], self["scales"], self.get("biases"), transpose=True,
                                   group_size=self.group_size, bits=self.bits, mode=self.mode)

    @classmethod
    def from_quantized_linear(cls, quantized_linear_layer: Module, *, segments: Union[int, list] = 1, group=None):
        """This process's shard of a ``QuantizedLinear``, whose split features hold ``segments`` parts."""
        layer = quantized_linear_layer
        return cls._sharded(layer, segments, group, group_size=layer.group_size, bits=layer.bits,
                            mode=getattr(layer, "mode", "affine"))


class QuantizedAllToShardedLinear(_QuantizedSharded):
    """:class:`AllToShardedLinear` with a quantized weight; its parameters are frozen."""

    def __call__(self, x):
        x = self._matmul(sum_gradients(self.group)(x))
        if "bias" in self:
            x = x + self["bias"]
        return x


class QuantizedShardedToAllLinear(_QuantizedSharded):
    """:class:`ShardedToAllLinear` with a quantized weight; its parameters are frozen."""

    _splits_output = False

    def __call__(self, x):
        x = mx.distributed.all_sum(self._matmul(x), group=self.group)
        if "bias" in self:
            x = x + self["bias"]
        return x
