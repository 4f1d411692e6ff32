"""Optimizers over trees of parameters, as ``mlx.optimizers``.

An optimizer keeps everything it knows in one tree, :attr:`Optimizer.state`: ``step`` (a uint64 count of
updates), its scheduled hyperparameters (``learning_rate``) and, at the path of each parameter, a dict of
that parameter's arrays (``m``, ``v``, ...). It holds only arrays, so ``ingot.utils.tree_flatten`` turns it
into named arrays that save like weights, and ``tree_unflatten`` brings them back.
"""

import numbers
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import ingot as mx
from ingot.optimizers.schedulers import _check_one_fewer
from ingot.utils import tree_flatten, tree_map, tree_map_with_path, tree_reduce, tree_unflatten

__all__ = [
    "Optimizer", "MultiOptimizer", "SGD", "RMSprop", "Adagrad", "AdaDelta", "Adam", "AdamW", "Adamax",
    "Lion", "Adafactor", "Muon", "clip_grad_norm",
]  # fmt: skip

# A hyperparameter given as a number or as a function of the step count (see ``schedulers.py``).
Scheduled = Union[float, mx.array, Callable[[mx.array], mx.array]]


def _join(where: str, key) -> str:
    return f"{where}.{key}" if where else str(key)


class Optimizer:
    """The base of every optimizer: applies a per-array rule (:meth:`apply_single`) to a whole tree.

    ``schedulers`` maps state names to functions of the step count; before each update the state entry
    of that name is set to ``schedule(step)``. Subclasses put their learning rate on a schedule through
    :meth:`_maybe_schedule`, which accepts a number or such a function.
    """

    def __init__(self, schedulers: Optional[dict] = None):
        self._state = {"step": mx.array(0, mx.uint64)}
        self._schedulers = dict(schedulers or {})

    # ---- what subclasses provide ----

    # The arrays a rule keeps per parameter when they all start as zeros like it (Adam: ("m", "v")).
    _zero_state: Tuple[str, ...] = ()

    def init_single(self, parameter: mx.array, state: dict) -> None:
        """Fills ``state`` (an empty dict) with the arrays the rule keeps for ``parameter``: by default a
        zero array like it for each name in ``_zero_state``."""
        if not self._zero_state:
            raise NotImplementedError(f"[{type(self).__name__}] does not implement init_single.")
        for name in self._zero_state:
            state[name] = mx.zeros_like(parameter)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """The updated ``parameter``; updates ``state`` in place."""
        raise NotImplementedError(f"[{type(self).__name__}] does not implement apply_single.")

    # ---- the tree ----

    def init(self, parameters: dict) -> None:
        """Creates the state of every parameter of the tree that has none yet (existing entries are kept).

        Optional: :meth:`apply_gradients` creates what is missing itself; calling it first makes
        :attr:`state` complete before the first update.
        """
        self._grow_state(parameters, None, self.state, "")

    def apply_gradients(self, gradients: dict, parameters: dict) -> dict:
        """The parameters updated by one step, as a tree of the structure of ``gradients``.

        ``parameters`` (a tree or a :class:`ingot.nn.Module`) may hold more than ``gradients``; each
        gradient needs a parameter of its shape at its path. Parameters seen for the first time get their
        state here.
        """
        self._grow_state(gradients, parameters, self.state, "")
        for name, schedule in self._schedulers.items():
            self.state[name] = schedule(self.step)
        self.state["step"] = self.step + 1
        return tree_map(self.apply_single, gradients, parameters, self.state)

    def update(self, model, gradients: dict) -> None:
        """Updates the parameters of ``model`` (an :class:`ingot.nn.Module`) by one step."""
        model.update(self.apply_gradients(gradients, model))

    def _grow_state(self, tree, parameters, state, where: str):
        """``state`` (the node of the state tree at ``where``) with an initialized entry for each leaf of
        ``tree``; checks ``tree`` against ``parameters`` unless that is None. Mutates dicts in place."""
        refuse = self._refuse
        if where == "" and not isinstance(tree, dict):
            refuse(f"expected a dict of parameters or gradients, got {type(tree).__name__}.")
        if isinstance(tree, dict):
            if parameters is not None and not isinstance(parameters, dict):
                refuse(f"the gradients hold a dict at '{where}' where the parameters hold {_kind(parameters)}.")
            if not isinstance(state, dict):
                refuse(f"the state holds {_kind(state)} at '{where}' where the parameters hold a dict.")
            for key, child in tree.items():
                if parameters is not None and key not in parameters:
                    refuse(f"the gradient '{_join(where, key)}' has no matching parameter.")
                below = None if parameters is None else parameters[key]
                state[key] = self._grow_state(child, below, state.get(key, {}), _join(where, key))
            return state

        if isinstance(tree, (list, tuple)):
            if parameters is not None and (not isinstance(parameters, (list, tuple)) or len(parameters) < len(tree)):
                refuse(f"the gradients hold a list of {len(tree)} at '{where}' where the parameters hold "
                       f"{_kind(parameters)}.")
            if isinstance(state, (list, tuple)):
                children = list(state)
            elif isinstance(state, dict) and not state:  # nothing stored here yet
                children = []
            else:
                refuse(f"the state holds {_kind(state)} at '{where}' where the parameters hold a list.")
            children += [{} for _ in range(len(tree) - len(children))]
            for i, child in enumerate(tree):
                below = None if parameters is None else parameters[i]
                children[i] = self._grow_state(child, below, children[i], _join(where, i))
            return children

        if not isinstance(tree, mx.array):
            refuse(f"expected an array at '{where}', got {_kind(tree)}.")
        if parameters is not None:
            if not isinstance(parameters, mx.array):
                refuse(f"the gradient '{where}' is an array but the parameter there is {_kind(parameters)}.")
            if tuple(parameters.shape) != tuple(tree.shape):
                refuse(f"the gradient '{where}' has shape {tuple(tree.shape)} but its parameter has shape "
                       f"{tuple(parameters.shape)}.")
        if not isinstance(state, dict):
            refuse(f"the state at '{where}' is {_kind(state)}, not a dict of the parameter's arrays.")
        if not state:
            self.init_single(tree, state)
        return state

    # ---- state and hyperparameters ----

    @property
    def state(self) -> dict:
        """The tree of everything the optimizer keeps (``step``, ``learning_rate``, per-parameter arrays)."""
        return self._state

    @state.setter
    def state(self, state: dict):
        self._state = state

    @property
    def step(self) -> mx.array:
        """How many updates have been applied (uint64)."""
        return self.state["step"]

    @property
    def learning_rate(self) -> mx.array:
        """The learning rate of the last update (or of the first one, before any)."""
        return self.state["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, learning_rate: Union[float, mx.array]):
        self.state["learning_rate"] = mx.array(learning_rate)

    def _maybe_schedule(self, name: str, value: Scheduled) -> None:
        """Stores hyperparameter ``name`` in the state: a number as an array, a schedule (a callable of
        the step) as its value now, re-evaluated before every update."""
        if callable(value):
            self._schedulers[name] = value
            self.state[name] = value(self.step)
        elif isinstance(value, mx.array) or (isinstance(value, numbers.Real) and not isinstance(value, bool)):
            self.state[name] = mx.array(value)
        else:
            self._refuse(f"{name} must be a number, an array or a schedule, got {value!r}.")

    def _refuse(self, message: str) -> None:
        raise ValueError(f"[{type(self).__name__}] {message}")

    def _require(self, ok: bool, message: str) -> None:
        if not ok:
            self._refuse(message)

    def _check_betas(self, betas) -> None:
        self._require(
            isinstance(betas, (list, tuple)) and len(betas) == 2,
            f"betas must be a pair (beta1, beta2), got {betas!r}.",
        )
        for i, beta in enumerate(betas):
            self._require(0.0 <= beta < 1.0, f"beta{i + 1} must be in [0, 1), got {beta}.")


def _running_mean(state: dict, name: str, beta, value: mx.array) -> mx.array:
    """Moves ``state[name]`` to ``beta * state[name] + (1 - beta) * value`` and returns it."""
    state[name] = beta * state[name] + (1 - beta) * value
    return state[name]


def _kind(value) -> str:
    """How error messages describe a tree node: "a dict", "a list of 3", "an array", "a float"."""
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, mx.array):
        return "an array"
    return f"a {type(value).__name__}"


class MultiOptimizer(Optimizer):
    """Sends each parameter to one of several optimizers.

    ``filters[i](path, gradient)`` (``path`` dotted, as ``tree_flatten`` names it) claims a parameter
    for ``optimizers[i]``; the first filter that returns True wins and the last optimizer, which has no
    filter, takes the rest. The state is ``{"states": [state of each optimizer]}``.
    """

    def __init__(self, optimizers: Sequence[Optimizer], filters: Sequence[Callable] = ()):
        super().__init__()
        self._state = {}
        _check_one_fewer("MultiOptimizer", optimizers, "optimizer", filters, "filters")
        self.optimizers = list(optimizers)
        self.filters = list(filters) + [lambda path, gradient: True]

    def _split(self, tree: dict) -> List[dict]:
        """``tree`` cut into one tree per optimizer (an empty dict for an optimizer that gets nothing)."""
        if len(self.optimizers) == 1:
            return [tree]
        parts = [[] for _ in self.optimizers]
        for path, leaf in tree_flatten(tree):
            owner = next(i for i, claims in enumerate(self.filters) if claims(path, leaf))
            parts[owner].append((path, leaf))
        return [tree_unflatten(part) if part else {} for part in parts]

    def init(self, parameters: dict) -> None:
        """Initializes each optimizer's state for the parameters it is given."""
        for optimizer, part in zip(self.optimizers, self._split(parameters)):
            optimizer.init(part)

    def apply_gradients(self, gradients: dict, parameters: dict) -> dict:
        """Each optimizer's update of its share of ``gradients``, put together in the structure of
        ``gradients``."""
        if len(self.optimizers) == 1:
            return self.optimizers[0].apply_gradients(gradients, parameters)
        # Looked up by path rather than merged as trees: a share may hold a shorter list than another
        # (filters that split a list of layers), which a tree merge cannot line up.
        updated = {}
        for optimizer, part in zip(self.optimizers, self._split(gradients)):
            tree_flatten(optimizer.apply_gradients(part, parameters), destination=updated)
        return tree_map_with_path(lambda path, _: updated[path], gradients)

    @property
    def state(self) -> dict:
        """``{"states": [...]}``, one state tree per optimizer."""
        return {"states": [optimizer.state for optimizer in self.optimizers]}

    @state.setter
    def state(self, state: dict):
        states = state.get("states") if isinstance(state, dict) else None
        if not isinstance(states, (list, tuple)) or len(states) != len(self.optimizers):
            self._refuse(f"the state must be {{'states': [...]}} with one entry per optimizer ({len(self.optimizers)}).")
        for optimizer, sub in zip(self.optimizers, states):
            optimizer.state = sub

    @property
    def step(self) -> mx.array:
        """The step count (every optimizer counts every update)."""
        return self.optimizers[0].step

    @property
    def learning_rate(self) -> mx.array:
        """The first optimizer's learning rate; setting it sets every optimizer's."""
        return self.optimizers[0].learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate: Union[float, mx.array]):
        for optimizer in self.optimizers:
            optimizer.learning_rate = learning_rate


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay.

    With weight decay the gradient is first ``g + weight_decay * w``; then ``v = momentum * v +
    (1 - dampening) * g`` and ``w -= learning_rate * v`` (or ``* (g + momentum * v)`` with ``nesterov``).
    Without momentum the update is ``w -= learning_rate * g``.
    """

    _zero_state = ("v",)  # the velocity

    def __init__(self, learning_rate: Scheduled, momentum: float = 0.0, weight_decay: float = 0.0,
                 dampening: float = 0.0, nesterov: bool = False):
        super().__init__()
        self._require(momentum >= 0, f"momentum must be >=0, got {momentum}.")
        self._require(weight_decay >= 0, f"weight_decay must be >=0, got {weight_decay}.")
        self._require(0 <= dampening <= 1, f"dampening must be in [0, 1], got {dampening}.")
        self._require(
            not nesterov or (momentum > 0 and dampening == 0),
            f"Nesterov momentum needs momentum > 0 and dampening 0, got momentum={momentum}, dampening={dampening}.",
        )
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.dampening = dampening
        self.nesterov = nesterov

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One SGD step; keeps the velocity in ``state["v"]``."""
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        lr = self.learning_rate.astype(gradient.dtype)
        if self.momentum <= 0:
            return parameter - lr * gradient
        # (1 - 0) * g is exactly g, so one expression serves with and without dampening.
        velocity = self.momentum * state["v"] + (1 - self.dampening) * gradient
        state["v"] = velocity
        direction = gradient + self.momentum * velocity if self.nesterov else velocity
        return parameter - lr * direction


class RMSprop(Optimizer):
    r"""RMSprop (Tieleman and Hinton, 2012): ``v = alpha * v + (1 - alpha) * g^2`` and
    ``w -= learning_rate * g / (sqrt(v) + eps)``."""

    _zero_state = ("v",)  # the running mean of squared gradients

    def __init__(self, learning_rate: Scheduled, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__()
        self._require(alpha >= 0, f"alpha must be >=0, got {alpha}.")
        self._require(eps > 0, f"eps must be >0, got {eps}.")
        self._maybe_schedule("learning_rate", learning_rate)
        self.alpha = alpha
        self.eps = eps

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One RMSprop step; keeps ``v`` in the state."""
        lr = self.learning_rate.astype(gradient.dtype)
        mean_square = _running_mean(state, "v", self.alpha, mx.square(gradient))
        return parameter - lr * gradient / (mx.sqrt(mean_square) + self.eps)


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan and Singer, 2011): ``v += g^2`` and ``w -= learning_rate * g / (sqrt(v) + eps)``."""

    _zero_state = ("v",)  # the sum of squared gradients

    def __init__(self, learning_rate: Scheduled, eps: float = 1e-8):
        super().__init__()
        self._require(eps > 0, f"eps must be >0, got {eps}.")
        self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One Adagrad step; keeps ``v`` in the state."""
        lr = self.learning_rate.astype(gradient.dtype)
        total = state["v"] + mx.square(gradient)
        state["v"] = total
        return parameter - lr * gradient / (mx.sqrt(total) + self.eps)


class AdaDelta(Optimizer):
    r"""AdaDelta (Zeiler, 2012) scaled by a learning rate.

    ``v = rho * v + (1 - rho) * g^2``, ``d = sqrt(u + eps) / sqrt(v + eps) * g``,
    ``u = rho * u + (1 - rho) * d^2`` and ``w -= learning_rate * d``.
    """

    _zero_state = ("v", "u")  # running means of squared gradients and of squared steps

    def __init__(self, learning_rate: Scheduled, rho: float = 0.9, eps: float = 1e-6):
        super().__init__()
        self._require(rho >= 0, f"rho must be >=0, got {rho}.")
        self._require(eps > 0, f"eps must be >0, got {eps}.")
        self._maybe_schedule("learning_rate", learning_rate)
        self.rho = rho
        self.eps = eps

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One AdaDelta step; keeps ``v`` and ``u`` in the state."""
        lr = self.learning_rate.astype(gradient.dtype)
        grad_sq = _running_mean(state, "v", self.rho, mx.square(gradient))
        delta = mx.sqrt(state["u"] + self.eps) / mx.sqrt(grad_sq + self.eps) * gradient
        _running_mean(state, "u", self.rho, mx.square(delta))
        return parameter - lr * delta


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2015).

    ``m = beta1 * m + (1 - beta1) * g``, ``v = beta2 * v + (1 - beta2) * g^2`` and
    ``w -= learning_rate * m / (sqrt(v) + eps)``. With ``bias_correction`` the two averages are divided by
    ``1 - beta^step`` first, as in the paper; without it (the default, as MLX) they are used as they are.
    """

    _zero_state = ("m", "v")  # the running means of gradients and of their squares

    def __init__(self, learning_rate: Scheduled, betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8,
                 bias_correction: bool = False):
        super().__init__()
        self._check_betas(betas)
        self._require(eps >= 0, f"eps must be >=0, got {eps}.")
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.eps = eps
        self.bias_correction = bias_correction

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One Adam step; keeps ``m`` and ``v`` in the state."""
        lr = self.learning_rate.astype(gradient.dtype)
        beta1, beta2 = self.betas
        mean = _running_mean(state, "m", beta1, gradient)
        mean_sq = _running_mean(state, "v", beta2, mx.square(gradient))
        if not self.bias_correction:
            return parameter - lr * mean / (mx.sqrt(mean_sq) + self.eps)
        step = self.step
        step_size = (lr / (1 - beta1**step)).astype(gradient.dtype)
        sq_scale = mx.rsqrt(1 - beta2**step).astype(gradient.dtype)
        return parameter - step_size * mean / (mx.sqrt(mean_sq) * sq_scale + self.eps)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019): the parameter is first scaled by
    ``1 - learning_rate * weight_decay``, then takes Adam's step."""

    def __init__(self, learning_rate: Scheduled, betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01, bias_correction: bool = False):
        super().__init__(learning_rate, betas, eps, bias_correction)
        self._require(weight_decay >= 0, f"weight_decay must be >=0, got {weight_decay}.")
        self.weight_decay = weight_decay

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One AdamW step; keeps ``m`` and ``v`` in the state."""
        decay = 1 - self.learning_rate.astype(gradient.dtype) * self.weight_decay
        return super().apply_single(gradient, parameter * decay, state)


class Adamax(Adam):
    r"""Adamax, Adam's infinity-norm variant (Kingma and Ba, 2015), without bias correction:
    ``m = beta1 * m + (1 - beta1) * g``, ``v = max(beta2 * v, |g|)`` and ``w -= learning_rate * m / (v + eps)``."""

    def __init__(self, learning_rate: Scheduled, betas: Sequence[float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(learning_rate, betas, eps)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One Adamax step; keeps ``m`` and ``v`` in the state."""
        lr = self.learning_rate.astype(gradient.dtype)
        beta1, beta2 = self.betas
        mean = _running_mean(state, "m", beta1, gradient)
        peak = mx.maximum(beta2 * state["v"], mx.abs(gradient))
        state["v"] = peak
        return parameter - lr * mean / (peak + self.eps)


class Lion(Optimizer):
    r"""Lion (Chen et al., 2023): steps by the sign of an interpolation of momentum and gradient.

    ``c = beta1 * m + (1 - beta1) * g``, ``m = beta2 * m + (1 - beta2) * g`` and
    ``w = w * (1 - learning_rate * weight_decay) - learning_rate * sign(c)``. Its steps are larger than
    Adam's: a learning rate 3-10x smaller and a weight decay 3-10x larger than AdamW's are typical.
    """

    _zero_state = ("m",)  # the momentum

    def __init__(self, learning_rate: Scheduled, betas: Sequence[float] = (0.9, 0.99), weight_decay: float = 0.0):
        super().__init__()
        self._check_betas(betas)
        self._require(weight_decay >= 0, f"weight_decay must be >=0, got {weight_decay}.")
        self._maybe_schedule("learning_rate", learning_rate)
        self.betas = betas
        self.weight_decay = weight_decay

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One Lion step; keeps ``m`` in the state."""
        lr = self.learning_rate.astype(gradient.dtype)
        beta1, beta2 = self.betas
        direction = beta1 * state["m"] + (1 - beta1) * gradient
        _running_mean(state, "m", beta2, gradient)
        if self.weight_decay > 0:
            parameter = (1 - lr * self.weight_decay) * parameter
        return parameter - lr * mx.sign(direction)


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer and Stern, 2018): Adam-like steps whose second moment of a matrix is stored as
    its row and column means (arrays of two or more dimensions are factored over the last two axes).

    ``eps`` is a pair: the term added to squared gradients and the floor of the parameter scale. With
    ``relative_step`` the step size is ``min(1e-2, 1/sqrt(step))`` (``min(1e-6 * step, ...)`` with
    ``warmup_init``) and ``learning_rate`` is ignored; otherwise ``learning_rate`` is required.
    ``scale_parameter`` multiplies the step size by ``max(eps[1], rms(w))``; ``decay_rate`` gives the
    second-moment decay ``1 - step^decay_rate``; updates are clipped to an RMS of ``clip_threshold``;
    ``beta_1`` adds a first moment.
    """

    def __init__(self, learning_rate: Optional[Scheduled] = None, eps: Tuple[float, float] = (1e-30, 1e-3),
                 clip_threshold: float = 1.0, decay_rate: float = -0.8, beta_1: Optional[float] = None,
                 weight_decay: float = 0.0, scale_parameter: bool = True, relative_step: bool = True,
                 warmup_init: bool = False):
        super().__init__()
        self._require(isinstance(eps, (list, tuple)) and len(eps) == 2, f"eps must be a pair, got {eps!r}.")
        self._require(clip_threshold > 0, f"clip_threshold must be >0, got {clip_threshold}.")
        self._require(beta_1 is None or 0.0 <= beta_1 < 1.0, f"beta_1 must be in [0, 1) or None, got {beta_1}.")
        self._require(weight_decay >= 0, f"weight_decay must be >=0, got {weight_decay}.")
        self._require(
            relative_step or learning_rate is not None,
            "a learning_rate is required when relative_step is False.",
        )
        if learning_rate is not None:
            self._maybe_schedule("learning_rate", learning_rate)
        self.eps = eps
        self.clip_threshold = clip_threshold
        self.decay_rate = decay_rate
        self.beta_1 = beta_1
        self.weight_decay = weight_decay
        self.scale_parameter = scale_parameter
        self.relative_step = relative_step
        self.warmup_init = warmup_init

    def init_single(self, parameter: mx.array, state: dict) -> None:
        """Row and column means of squared gradients (or their full average for fewer than two
        dimensions) and, with ``beta_1``, the first moment, all zero."""
        shape, dtype = tuple(parameter.shape), parameter.dtype
        if parameter.ndim >= 2:
            state["exp_avg_sq_row"] = mx.zeros(shape[:-1], dtype=dtype)
            state["exp_avg_sq_col"] = mx.zeros(shape[:-2] + shape[-1:], dtype=dtype)
        else:
            state["exp_avg_sq"] = mx.zeros_like(parameter)
        if self.beta_1 is not None:
            state["exp_avg"] = mx.zeros_like(parameter)

    @staticmethod
    def _rms(x: mx.array) -> mx.array:
        return mx.sqrt(mx.mean(mx.square(x)))

    def _step_size(self, parameter_rms: mx.array) -> mx.array:
        if self.relative_step:
            ceiling = 1e-6 * self.step if self.warmup_init else 1e-2
            size = mx.minimum(ceiling, mx.rsqrt(self.step))
        else:
            size = self.learning_rate
        size = size.astype(parameter_rms.dtype)
        if self.scale_parameter:
            return mx.maximum(self.eps[1], parameter_rms) * size
        return size

    @staticmethod
    def _factored_rsqrt(row: mx.array, col: mx.array) -> mx.array:
        """1/sqrt of the rank-one estimate of the second moment from its row and column means."""
        row_factor = mx.rsqrt(row / mx.mean(row, axis=-1, keepdims=True))
        return mx.expand_dims(row_factor, -1) * mx.expand_dims(mx.rsqrt(col), -2)

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One Adafactor step; keeps the (factored) second moment and the first moment in the state."""
        parameter_rms = self._rms(parameter)
        step_size = self._step_size(parameter_rms)
        beta2 = 1.0 - (self.step**self.decay_rate).astype(parameter_rms.dtype)
        squared = mx.square(gradient) + self.eps[0]

        if gradient.ndim >= 2:
            row = _running_mean(state, "exp_avg_sq_row", beta2, mx.mean(squared, axis=-1))
            col = _running_mean(state, "exp_avg_sq_col", beta2, mx.mean(squared, axis=-2))
            update = self._factored_rsqrt(row, col) * gradient
        else:
            update = mx.rsqrt(_running_mean(state, "exp_avg_sq", beta2, squared)) * gradient

        update = update / mx.maximum(1.0, self._rms(update) / self.clip_threshold)
        update = step_size * update
        if self.beta_1 is not None:
            update = _running_mean(state, "exp_avg", self.beta_1, update)
        if self.weight_decay != 0:
            parameter = parameter + parameter * (-self.weight_decay * step_size)
        return parameter - update


class Muon(Optimizer):
    r"""Muon (Jordan et al., 2024): momentum whose update of a matrix is orthogonalized by a few
    Newton-Schulz iterations. Arrays of more than two dimensions are flattened to (first axis, rest);
    arrays of fewer than two take the plain momentum step, though another optimizer (through
    :class:`MultiOptimizer`) usually serves them, embeddings and output layers better.
    """

    # Coefficients of the quintic iteration (Keller Jordan's), tuned to converge fast, not exactly.
    _NS = (3.4445, -4.7750, 2.0315)
    _zero_state = ("v",)  # the momentum

    def __init__(self, learning_rate: Scheduled, momentum: float = 0.95, weight_decay: float = 0.01,
                 nesterov: bool = True, ns_steps: int = 5):
        super().__init__()
        self._require(momentum >= 0, f"momentum must be >=0, got {momentum}.")
        self._require(weight_decay >= 0, f"weight_decay must be >=0, got {weight_decay}.")
        self._require(isinstance(ns_steps, int) and ns_steps >= 0, f"ns_steps must be an int >=0, got {ns_steps!r}.")
        self._maybe_schedule("learning_rate", learning_rate)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.nesterov = nesterov
        self.ns_steps = ns_steps

    def _orthogonalize(self, x: mx.array) -> mx.array:
        a, b, c = self._NS
        wide = x.shape[-2] <= x.shape[-1]
        x = x if wide else x.T
        x = x / (mx.linalg.norm(x, keepdims=True) + 1e-7)
        for _ in range(self.ns_steps):
            gram = x @ x.T
            poly = mx.addmm(b * gram, gram, gram, alpha=c, beta=1.0)
            x = mx.addmm(a * x, poly, x, alpha=1.0, beta=1.0)
        return x if wide else x.T

    def apply_single(self, gradient: mx.array, parameter: mx.array, state: dict) -> mx.array:
        """One Muon step; keeps the momentum in ``state["v"]``."""
        if self.weight_decay != 0:
            gradient = gradient + self.weight_decay * parameter
        velocity = _running_mean(state, "v", self.momentum, gradient)
        update = gradient * (1 - self.momentum) + velocity * self.momentum if self.nesterov else velocity
        lr = self.learning_rate.astype(gradient.dtype)
        if update.ndim >= 2:
            shape = tuple(update.shape)
            update = self._orthogonalize(update.reshape(shape[0], -1)).reshape(shape)
            lr = lr * max(1, shape[-2] / shape[-1]) ** 0.5
        return parameter - lr * update


def clip_grad_norm(grads: Any, max_norm: float) -> Tuple[Any, mx.array]:
    """``(grads scaled so that their global L2 norm is at most max_norm, the norm before scaling)``.

    The norm is over every leaf of the tree; float16 leaves are squared in float32 so that it does not
    overflow, and each floating leaf keeps its dtype.
    """
    if max_norm < 0:
        raise ValueError(f"[clip_grad_norm] max_norm must be >=0, got {max_norm}.")

    def squared(g):
        return mx.sum(mx.square(g.astype(mx.float32) if g.dtype == mx.float16 else g))

    total = mx.sqrt(tree_reduce(lambda acc, g: acc + squared(g), grads, 0.0))
    factor = mx.minimum(max_norm / (total + 1e-6), 1.0)

    def scale(g):
        scaled = g * factor
        return scaled.astype(g.dtype) if mx.issubdtype(g.dtype, mx.floating) else scaled

    return tree_map(scale, grads), total
