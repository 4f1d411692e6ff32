"""Language models written with ``ingot.nn`` the way mlx-lm writes them, and what runs them: key/value
caches, sampling, generation, loading Hugging Face checkpoints, and export of generation to one file.

``ingot.models.llama`` is the Llama architecture; ``ingot.models.generate`` has ``load``, ``generate``,
``stream_generate``, ``make_sampler``, ``export_generation`` and ``convert_llama2c``.
"""

from . import base, cache, llama  # noqa: F401
from .generate import (  # noqa: F401
    convert_llama2c,
    export_generation,
    generate,
    generate_step,
    load,
    make_sampler,
    quantize_model,
    stream_generate,
)
