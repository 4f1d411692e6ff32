"""What mlx-lm's model files share: arguments read from a ``config.json`` and the attention mask."""

import inspect
from dataclasses import dataclass

import ingot as mx


@dataclass
class BaseModelArgs:
    """A model's arguments, read from a ``config.json`` with :meth:`from_dict`."""

    @classmethod
    def from_dict(cls, params: dict):
        """The dataclass from a ``config.json`` dict; keys the class does not name are ignored."""
        fields = inspect.signature(cls).parameters
        return cls(**{k: v for k, v in params.items() if k in fields})


def create_attention_mask(h, cache=None):
    """The mask for a block of ``h.shape[1]`` new positions: ``"causal"`` for more than one (the fused
    attention aligns it to the end of the keys, so a filled cache before them stays visible), ``None`` for
    one token, which sees every key."""
    return "causal" if h.shape[1] > 1 else None


def scaled_dot_product_attention(queries, keys, values, cache, scale: float, mask):
    """``mx.fast.scaled_dot_product_attention``; the cache argument is kept for mlx-lm's signature."""
    return mx.fast.scaled_dot_product_attention(queries, keys, values, scale=scale, mask=mask)
