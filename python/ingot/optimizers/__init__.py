"""Optimizers and learning-rate schedules with ``mlx.optimizers``' API (``import ingot.optimizers as optim``).

``optimizer.update(model, grads)`` takes one step for an :class:`ingot.nn.Module`;
``optimizer.apply_gradients(grads, params)`` does the same for a plain tree and returns the new one.
"""

from ingot.optimizers.optimizers import *  # noqa: F401,F403
from ingot.optimizers.schedulers import *  # noqa: F401,F403
