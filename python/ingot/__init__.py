"""ingot: arrays with MLX's API whose functions export to one file and run anywhere.

``import ingot as mx`` works for the part of ``mlx.core`` that ingot covers.
"""

from ._core import *  # noqa: E402,F401,F403
from ._core import __version__  # noqa: E402,F401
from . import _core as _core_module  # noqa: E402

import sys as _sys

from ._core import linalg  # noqa: F401

# `import ingot.linalg` and `from ingot.linalg import norm` find the extension's submodule.
_sys.modules[__name__ + ".linalg"] = linalg

from ._core import random  # noqa: E402,F401

_sys.modules[__name__ + ".random"] = random

from ._core import fast  # noqa: E402,F401

_sys.modules[__name__ + ".fast"] = fast

from ._core import distributed  # noqa: E402,F401

_sys.modules[__name__ + ".distributed"] = distributed

from ._core import fft  # noqa: E402,F401

_sys.modules[__name__ + ".fft"] = fft

# Every op takes MLX's stream= keyword (a CPU stream or device; a GPU is refused).
from . import _streams  # noqa: E402

_streams.wrap_ops(_core_module, _sys.modules[__name__])
_streams.wrap_ops(random, random, _streams._NOT_RANDOM_OPS)
_streams.wrap_ops(linalg, linalg)
_streams.wrap_ops(fast, fast)
_streams.wrap_ops(distributed, distributed, {"init", "is_available"})
_streams.wrap_ops(fft, fft)
from ._streams import async_eval, cuda, metal  # noqa: E402,F401

_sys.modules[__name__ + ".metal"] = metal
_sys.modules[__name__ + ".cuda"] = cuda

# numpy's .npz archives.
from . import _npz  # noqa: E402

load = _npz.wrap_load(load)  # noqa: F405
savez, savez_compressed = _npz.savez, _npz.savez_compressed

# Methods of ingot.array (a.sum(), a.reshape(2, 3), ...) over the functions above.
from . import _array_methods  # noqa: E402,F401

# The pure-Python parts, last: they use the ops above.
from . import nn, utils  # noqa: E402,F401

# Constants, aliases, small ops and dtype utilities composed from the ops above.
from ._extras import *  # noqa: E402,F401,F403
from . import _extras  # noqa: E402

# grad, value_and_grad, vjp, jvp, vmap, custom_function and checkpoint over trees of arrays.
from ._transforms import *  # noqa: E402,F401,F403
from ._transforms import RandomState as _RandomState  # noqa: E402

random.state = _RandomState()

fft.fftfreq, fft.rfftfreq = _extras.fftfreq, _extras.rfftfreq
_streams.metal_memory_aliases(metal)


def cmake_dir() -> str:
    """The folder holding ingot's CMake package (ingotConfig.cmake) in this installation, for C++ programs
    built against it: ``cmake -Dingot_DIR="$(python -m ingot --cmake-dir)"``, then ``find_package(ingot)``."""
    import os

    # An editable install spans two folders (the sources and the installed files): __path__ lists both.
    for root in __path__:
        d = os.path.join(root, "lib", "cmake", "ingot")
        if os.path.isfile(os.path.join(d, "ingotConfig.cmake")):
            return d
    raise RuntimeError(f"[cmake_dir] this installation of ingot has no lib/cmake/ingot/ingotConfig.cmake (under "
                       f"{', '.join(__path__)}); reinstall it with pip: its wheel carries the C++ package")
