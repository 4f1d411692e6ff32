"""Schedules: functions of the step count that give a hyperparameter's value, as MLX's.

Pass one where an optimizer takes a learning rate (``SGD(learning_rate=cosine_decay(0.1, 1000))``); the
optimizer calls it with its ``step`` (a uint64 array, 0 before the first update) before each update.
Called with a Python int a schedule may return a Python number.
"""

import math
from typing import Callable, Sequence

import ingot as mx

__all__ = ["exponential_decay", "step_decay", "cosine_decay", "linear_schedule", "join_schedules"]


def _at_least_one(function: str, name: str, value) -> None:
    if value < 1:
        raise ValueError(f"[{function}] {name} must be at least 1, got {value}.")


def _check_one_fewer(function: str, items: Sequence, item: str, links: Sequence, links_name: str) -> None:
    """Refuses unless there is at least one of ``items`` and one fewer ``links`` (the boundaries between
    schedules, the filters of all optimizers but the last)."""
    if len(items) == 0:
        raise ValueError(f"[{function}] needs at least one {item}.")
    if len(links) != len(items) - 1:
        raise ValueError(f"[{function}] {len(items)} {item}s need {len(items) - 1} {links_name}, got {len(links)}.")


def exponential_decay(init: float, decay_rate: float) -> Callable:
    """``init * decay_rate ** step``."""

    def schedule(step):
        return init * decay_rate**step

    return schedule


def step_decay(init: float, decay_rate: float, step_size: int) -> Callable:
    """``init`` multiplied by ``decay_rate`` once every ``step_size`` steps."""
    _at_least_one("step_decay", "step_size", step_size)

    def schedule(step):
        return init * decay_rate ** (step // step_size)

    return schedule


def cosine_decay(init: float, decay_steps: int, end: float = 0.0) -> Callable:
    """Half a cosine from ``init`` (step 0) down to ``end`` (step ``decay_steps`` and after)."""
    _at_least_one("cosine_decay", "decay_steps", decay_steps)

    def schedule(step):
        progress = mx.minimum(step, decay_steps)
        weight = 0.5 * (1.0 + mx.cos((math.pi / decay_steps) * progress))
        return end + weight * (init - end)

    return schedule


def linear_schedule(init: float, end: float, steps: int) -> Callable:
    """A straight line from ``init`` (step 0) to ``end`` (step ``steps`` and after)."""
    _at_least_one("linear_schedule", "steps", steps)

    def schedule(step):
        return mx.minimum(step, steps) * ((end - init) / steps) + init

    return schedule


def join_schedules(schedules: Sequence[Callable], boundaries: Sequence[int]) -> Callable:
    """``schedules[0]`` until ``boundaries[0]``, then ``schedules[1]`` (counting its steps from that
    boundary) until ``boundaries[1]``, and so on: ``len(boundaries)`` is ``len(schedules) - 1``.

    Warm-up then decay: ``join_schedules([linear_schedule(0, 1e-3, 100), cosine_decay(1e-3, 900)], [100])``.
    """
    _check_one_fewer("join_schedules", schedules, "schedule", boundaries, "boundaries")

    def schedule(step):
        value = schedules[0](step)
        for boundary, later in zip(boundaries, schedules[1:]):
            value = mx.where(step < boundary, value, later(step - boundary))
        return value

    return schedule
