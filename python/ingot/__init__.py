"""ingot: arrays with MLX's API whose functions export to one file and run anywhere.

``import ingot as mx`` works for the part of ``mlx.core`` that ingot covers.
"""

from ._platform import choose_openblas_kernels as _choose_openblas_kernels

_choose_openblas_kernels()

from ._core import *  # noqa: E402,F401,F403
from ._core import __version__  # noqa: E402,F401

import sys as _sys

from ._core import linalg  # noqa: F401

# `import ingot.linalg` and `from ingot.linalg import norm` find the extension's submodule.
_sys.modules[__name__ + ".linalg"] = linalg

from ._core import random  # noqa: E402,F401

_sys.modules[__name__ + ".random"] = random

from ._core import fast  # noqa: E402,F401

_sys.modules[__name__ + ".fast"] = fast

# Methods of ingot.array (a.sum(), a.reshape(2, 3), ...) over the functions above.
from . import _array_methods  # noqa: E402,F401

# The pure-Python parts, last: they use the ops above.
from . import nn, utils  # noqa: E402,F401

# Constants, aliases, small ops and dtype utilities composed from the ops above.
from ._extras import *  # noqa: E402,F401,F403

# grad, value_and_grad, vjp, jvp, vmap, custom_function and checkpoint over trees of arrays.
from ._transforms import *  # noqa: E402,F401,F403
