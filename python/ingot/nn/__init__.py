"""Neural network layers, initializers and losses with ``mlx.nn``'s API (``import ingot.nn as nn``).

Models are :class:`Module` trees of parameters; a module is a function of its inputs, so a model can be
exported directly: ``ingot.export_function(path, model, x)``.
"""

from ingot.nn import init, losses  # noqa: F401
from ingot.nn.layers import *  # noqa: F401,F403
from ingot.nn.utils import average_gradients, checkpoint, value_and_grad  # noqa: F401
