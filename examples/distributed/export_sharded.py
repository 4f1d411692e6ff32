"""A two-layer MLP split across processes (tensor parallelism), exported for C++.

    mpirun -np 2 python examples/distributed/export_sharded.py DIR

Every process builds the same MLP (same seed), shards it with ``nn.layers.distributed.shard_linear``: the
first layer's output features and the second layer's input features are split across the processes, so
the hidden activations stay sharded and one ``all_sum`` joins the second layer's partial products. Each
process checks that the sharded model gives the unsharded one's outputs, then exports its shard to
DIR/mlp.rank<r>.ingot; process 0 also writes DIR/input.npy and DIR/expected.npy. Run the files with
``mpirun -np 2 run_sharded DIR`` (examples/distributed/run_sharded.cpp).
"""

import pathlib
import sys

import numpy as np

import ingot as mx
import ingot.nn as nn
from ingot.nn.layers.distributed import shard_linear


class MLP(nn.Module):
    def __init__(self, dims, hidden, out):
        super().__init__()
        self.up = nn.Linear(dims, hidden)
        self.down = nn.Linear(hidden, out)

    def __call__(self, x):
        return self.down(nn.gelu(self.up(x)))


def main(out_dir):
    world = mx.distributed.init(strict=True)
    rank = world.rank()
    out_dir = pathlib.Path(out_dir)

    mx.random.seed(7)  # the same weights and input in every process
    model = MLP(16, 32, 8)
    x = mx.random.normal((3, 16))
    expected = model(x)

    model.up = shard_linear(model.up, "all-to-sharded", group=world)
    model.down = shard_linear(model.down, "sharded-to-all", group=world)
    assert model.up.weight.shape == (32 // world.size(), 16), model.up.weight.shape
    y = model(x)
    np.testing.assert_allclose(np.array(y), np.array(expected), rtol=1e-5, atol=1e-5)

    mx.export_function(str(out_dir / f"mlp.rank{rank}.ingot"), model, x, metadata={"rank": rank, "size": world.size()})
    if rank == 0:
        np.save(out_dir / "input.npy", np.array(x))
        np.save(out_dir / "expected.npy", np.array(expected))
    print(f"rank {rank} of {world.size()}: the sharded model matches the unsharded one; exported", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
