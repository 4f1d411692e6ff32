"""Positional encodings: RoPE, SinusoidalPositionalEncoding and ALiBi, as in ``mlx.nn``."""

import math
from typing import Optional

import ingot as mx
from ingot.nn.layers.base import Module

__all__ = ["RoPE", "SinusoidalPositionalEncoding", "ALiBi"]


class RoPE(Module):
    """Rotary positional encoding of the first ``dims`` features of (..., L, D) inputs.

    Row i along axis -2 is at position (offset + i) * ``scale``; feature pair j rotates by position *
    ``base`` ** (-2j / dims). ``traditional`` pairs adjacent features (2j, 2j + 1); otherwise feature j pairs
    with j + dims / 2. ``__call__(x, offset=0)``.
    """

    def __init__(self, dims: int, traditional: bool = False, base: float = 10000, scale: float = 1.0):
        super().__init__()
        self.dims = dims
        self.traditional = traditional
        self.base = base
        self.scale = scale

    def _extra_repr(self):
        return f"{self.dims}, traditional={self.traditional}"

    def __call__(self, x, offset: int = 0):
        return mx.fast.rope(x, self.dims, traditional=self.traditional, base=self.base, scale=self.scale, offset=offset)


class SinusoidalPositionalEncoding(Module):
    """Maps positions x (any shape) to [sin(x * f), cos(x * f)] (``cos_first`` swaps them) times ``scale``
    (default sqrt(2 / dims)), with dims / 2 frequencies f from ``max_freq`` down to ``min_freq`` on a log
    scale (times 2 pi with ``full_turns``)."""

    def __init__(self, dims: int, min_freq: float = 0.0001, max_freq: float = 1, scale: Optional[float] = None,
                 cos_first: bool = False, full_turns: bool = False):
        super().__init__()
        if dims <= 0 or dims % 2 != 0:
            raise ValueError(f"[SinusoidalPositionalEncoding] dims must be positive and even but got {dims}.")
        half = dims // 2
        # Interpolation weights from 1 (max_freq) down to 0 (min_freq).
        if half == 1:
            one_zero = mx.array([1.0])
        else:
            one_zero = 1 - mx.arange(0, half) / (half - 1)
        log_min, log_max = math.log(min_freq), math.log(max_freq)
        self._sigmas = mx.exp(one_zero * (log_max - log_min) + log_min)
        if full_turns:
            self._sigmas = self._sigmas * (2 * math.pi)
        self.scale = scale if scale is not None else (2 / dims) ** 0.5
        self.cos_first = cos_first

    def __call__(self, x):
        y = mx.expand_dims(x, -1) * self._sigmas
        parts = [mx.cos(y), mx.sin(y)] if self.cos_first else [mx.sin(y), mx.cos(y)]
        y = mx.concatenate(parts, axis=-1)
        if self.scale != 1:
            y = y * self.scale
        return y


class ALiBi(Module):
    """Attention with linear biases: adds -slope_h * |i - j| to the scores (B, H, T_q, T_kv) of head h."""

    @staticmethod
    def create_alibi_matrix(q_sequence_length: int, k_sequence_length: int, num_heads: int, offset: int = 0,
                            dtype=mx.float32):
        """The bias (1, num_heads, q_sequence_length - offset, k_sequence_length)."""
        rows = mx.arange(offset, q_sequence_length)
        cols = mx.arange(0, k_sequence_length)
        distance = -mx.abs(mx.expand_dims(rows, 1) - mx.expand_dims(cols, 0))
        distance = mx.expand_dims(distance, [0, 1])
        return (distance * ALiBi.create_alibi_slope(num_heads, dtype)).astype(dtype)

    @staticmethod
    def create_alibi_slope(num_heads: int, dtype=mx.float32):
        """The slopes (num_heads, 1, 1): a geometric sequence from 2^(-8 / n), interleaved for non powers
        of two as in the ALiBi paper."""

        def slopes(n):
            if math.log2(n).is_integer():
                start = 2 ** (-(2 ** -(math.log2(n) - 3)))
                return [start * start**i for i in range(n)]
            power = 2 ** math.floor(math.log2(n))
            return slopes(power) + slopes(2 * power)[0::2][: n - power]

        return mx.expand_dims(mx.array(slopes(num_heads), dtype=dtype), [-1, -2])

    def __call__(self, attention_scores, offset: int = 0, mask=None):
        bias = ALiBi.create_alibi_matrix(
            q_sequence_length=attention_scores.shape[-2] + offset,
            k_sequence_length=attention_scores.shape[-1],
            num_heads=attention_scores.shape[1],
            offset=offset,
            dtype=attention_scores.dtype,
        )
        if mask is not None:
            bias = bias + mask
        return attention_scores + bias
