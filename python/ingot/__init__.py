"""ingot: arrays with MLX's API whose functions export to one file and run anywhere.

``import ingot as mx`` works for the part of ``mlx.core`` that ingot covers.
"""

from ._core import *  # noqa: F401,F403
from ._core import __version__  # noqa: F401
