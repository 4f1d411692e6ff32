"""Recurrent layers (RNN, GRU, LSTM) over (..., L, features) inputs, unrolled over L, as in ``mlx.nn``.

Every weight and bias is initialized from U(-k, k) with k = 1 / sqrt(hidden_size).
"""

import math
from typing import Callable, Optional

import ingot as mx
from ingot.nn.layers.activations import tanh
from ingot.nn.layers.base import Module

__all__ = ["RNN", "GRU", "LSTM"]


def _uniform(k, *shape):
    return mx.random.uniform(-k, k, shape)


def _project(x, w, b):
    """x @ w^T (+ b)."""
    return x @ w.T if b is None else mx.addmm(b, x, w.T)


class RNN(Module):
    """h_t = nonlinearity(W_xh x_t + W_hh h_{t-1} + b) (default tanh); returns every h_t, (..., L, hidden).
    ``__call__(x, hidden=None)``: the initial state (None: zeros)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: Optional[Callable] = None):
        super().__init__()
        self.nonlinearity = tanh if nonlinearity is None else nonlinearity
        if not callable(self.nonlinearity):
            raise ValueError(f"[RNN] Nonlinearity must be callable. Current value: {nonlinearity}.")
        k = 1.0 / math.sqrt(hidden_size)
        self.hidden_size = hidden_size
        self.Wxh = _uniform(k, hidden_size, input_size)
        self.Whh = _uniform(k, hidden_size, hidden_size)
        self.bias = _uniform(k, hidden_size) if bias else None

    def _extra_repr(self):
        return (f"input_dims={self.Wxh.shape[1]}, hidden_size={self.hidden_size}, "
                f"nonlinearity={self.nonlinearity}, bias={self.bias is not None}")

    def __call__(self, x, hidden=None):
        x = _project(x, self.Wxh, self.bias)
        states = []
        for t in range(x.shape[-2]):
            pre = x[..., t, :]
            if hidden is not None:
                pre = mx.addmm(pre, hidden, self.Whh.T)
            hidden = self.nonlinearity(pre)
            states.append(hidden)
        return mx.stack(states, axis=-2)


class GRU(Module):
    """Gated recurrent unit with reset, update and new gates (weights stacked in that order in ``Wx``,
    ``Wh``; ``bhn`` is the hidden bias of the new gate). Returns every hidden state, (..., L, hidden)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(k, 3 * hidden_size, input_size)
        self.Wh = _uniform(k, 3 * hidden_size, hidden_size)
        self.b = _uniform(k, 3 * hidden_size) if bias else None
        self.bhn = _uniform(k, hidden_size) if bias else None

    def _extra_repr(self):
        return f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, bias={self.b is not None}"

    def __call__(self, x, hidden=None):
        n_h = self.hidden_size
        x = _project(x, self.Wx, self.b)
        x_rz, x_n = x[..., :-n_h], x[..., -n_h:]
        states = []
        for t in range(x.shape[-2]):
            rz = x_rz[..., t, :]
            n = x_n[..., t, :]
            if hidden is not None:
                h_proj = hidden @ self.Wh.T
                h_rz, h_n = h_proj[..., :-n_h], h_proj[..., -n_h:]
                if self.bhn is not None:
                    h_n = h_n + self.bhn
                rz = rz + h_rz
            r, z = mx.split(mx.sigmoid(rz), 2, axis=-1)
            if hidden is not None:
                n = n + r * h_n
            elif self.bhn is not None:
                n = n + r * self.bhn
            n = mx.tanh(n)
            hidden = (1 - z) * n if hidden is None else (1 - z) * n + z * hidden
            states.append(hidden)
        return mx.stack(states, axis=-2)


class LSTM(Module):
    """Long short-term memory with input, forget, cell and output gates (stacked in that order in ``Wx``,
    ``Wh``, ``bias``). ``__call__(x, hidden=None, cell=None)`` returns (hidden states, cell states), each
    (..., L, hidden)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1.0 / math.sqrt(hidden_size)
        self.Wx = _uniform(k, 4 * hidden_size, input_size)
        self.Wh = _uniform(k, 4 * hidden_size, hidden_size)
        self.bias = _uniform(k, 4 * hidden_size) if bias else None

    def _extra_repr(self):
        return f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, bias={self.bias is not None}"

    def __call__(self, x, hidden=None, cell=None):
        x = _project(x, self.Wx, self.bias)
        hiddens, cells = [], []
        for t in range(x.shape[-2]):
            gates = x[..., t, :]
            if hidden is not None:
                gates = mx.addmm(gates, hidden, self.Wh.T)
            i, f, g, o = mx.split(gates, 4, axis=-1)
            i, f, g, o = mx.sigmoid(i), mx.sigmoid(f), mx.tanh(g), mx.sigmoid(o)
            cell = i * g if cell is None else f * cell + i * g
            hidden = o * mx.tanh(cell)
            hiddens.append(hidden)
            cells.append(cell)
        return mx.stack(hiddens, axis=-2), mx.stack(cells, axis=-2)
