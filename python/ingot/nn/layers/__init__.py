"""The layers of ``ingot.nn``."""

from ingot.nn.layers.activations import *  # noqa: F401,F403
from ingot.nn.layers.base import Module  # noqa: F401
from ingot.nn.layers.convolution import *  # noqa: F401,F403
from ingot.nn.layers.distributed import (  # noqa: F401
    AllToShardedLinear,
    QuantizedAllToShardedLinear,
    QuantizedShardedToAllLinear,
    ShardedToAllLinear,
)
from ingot.nn.layers.dropout import *  # noqa: F401,F403
from ingot.nn.layers.linear import *  # noqa: F401,F403
from ingot.nn.layers.normalization import *  # noqa: F401,F403
from ingot.nn.layers.pooling import *  # noqa: F401,F403
from ingot.nn.layers.positional_encoding import *  # noqa: F401,F403
from ingot.nn.layers.quantized import *  # noqa: F401,F403
from ingot.nn.layers.recurrent import *  # noqa: F401,F403
from ingot.nn.layers.transformer import *  # noqa: F401,F403
from ingot.nn.layers.upsample import *  # noqa: F401,F403
