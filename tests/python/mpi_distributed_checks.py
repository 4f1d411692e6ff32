"""ingot.distributed across processes, run by test_distributed_mpi.py as

    mpirun -np 2 python tests/python/mpi_distributed_checks.py DIR

Every process runs the same checks (values computed in numpy from what each rank contributes) and
prints "rank R: all checks passed"; a failed check raises, which ends the job with an error. DIR receives
a function each rank exported, for the test to import in a single process.
"""

import pathlib
import sys

import numpy as np
import pytest

import ingot as mx
import ingot.nn as nn
from ingot.nn.layers.distributed import shard_inplace, shard_linear

DTYPES = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16", "bfloat16",
          "float32", "float64"]


def contribution(rank, dtype, shape=(3, 5)):
    """What `rank` contributes: small integers (exact in every dtype, int8 sums wrapping), bools for bool."""
    rng = np.random.default_rng(100 + rank)
    v = rng.integers(-60 if dtype.startswith("int") or dtype.startswith("float") or dtype == "bfloat16" else 0, 120,
                     shape)
    if dtype == "bool_":
        return v % 2 == 1
    return v


def as_ingot(v, dtype):
    return mx.array(np.asarray(v, dtype=np.float64 if dtype in ("float16", "bfloat16") else None)).astype(
        getattr(mx, dtype))


def as_numpy(a):
    return np.array(a.astype(mx.float64) if a.dtype in (mx.float16, mx.bfloat16) else a)


def check_reductions(world):
    n, r = world.size(), world.rank()
    for dt in DTYPES:
        parts = [contribution(k, dt) for k in range(n)]
        np_dt = np.bool_ if dt == "bool_" else (np.float64 if dt in ("float16", "bfloat16") else getattr(np, dt))
        stack = np.stack([np.asarray(p).astype(np_dt) for p in parts])
        x = as_ingot(parts[r], dt)
        y = mx.distributed.all_sum(x)
        assert y.dtype == x.dtype and y.shape == x.shape, (dt, y.dtype, y.shape)
        want = stack.any(0) if dt == "bool_" else stack.sum(0, dtype=np_dt)  # integers wrap in their dtype
        np.testing.assert_array_equal(as_numpy(y), want, err_msg=f"all_sum {dt}")
        np.testing.assert_array_equal(as_numpy(mx.distributed.all_max(x)), stack.max(0), err_msg=f"all_max {dt}")
        np.testing.assert_array_equal(as_numpy(mx.distributed.all_min(x)), stack.min(0), err_msg=f"all_min {dt}")
    # NaN wins max and min, as in ingot.max; a transposed view is reduced in its logical order.
    x = mx.array([np.nan if r == 0 else 1.0, 2.0 + r, -1.0])
    assert np.isnan(np.array(mx.distributed.all_max(x))[0]) and np.isnan(np.array(mx.distributed.all_min(x))[0])
    m = mx.arange(6, dtype=mx.float32).reshape(2, 3) * (r + 1)
    np.testing.assert_array_equal(np.array(mx.distributed.all_sum(m.T)), np.arange(6).reshape(2, 3).T * 3)
    # Python scalars and lists are array-likes, as in MLX.
    assert mx.distributed.all_sum(r + 1).item() == 3
    assert mx.distributed.all_sum(mx.array(2.5)).shape == ()


def check_gather(world):
    n, r = world.size(), world.rank()
    x = mx.arange(6, dtype=mx.int32).reshape(3, 2) + 10 * r
    y = mx.distributed.all_gather(x)
    assert y.shape == (3 * n, 2)
    np.testing.assert_array_equal(np.array(y), np.concatenate([np.arange(6).reshape(3, 2) + 10 * k for k in range(n)]))
    np.testing.assert_array_equal(np.array(mx.distributed.all_gather(mx.array(float(r)))), np.arange(n))
    np.testing.assert_array_equal(np.array(mx.distributed.all_gather(x.T)),
                                  np.concatenate([(np.arange(6).reshape(3, 2) + 10 * k).T for k in range(n)]))
    for dt in ("bool_", "float16", "bfloat16", "int64"):
        g = mx.distributed.all_gather(mx.ones((2, 2), dtype=getattr(mx, dt)))
        assert g.dtype == getattr(mx, dt) and g.shape == (2 * n, 2) and np.all(as_numpy(g) == 1)


def check_send_recv(world):
    r = world.rank()
    peer = 1 - r
    x = mx.arange(10, dtype=mx.float32)
    # Ping-pong: each step one side sends twice what it holds, the other receives.
    for step in range(6):
        if step % 2 == r:
            s = mx.distributed.send(2 * x, peer)
            mx.eval(s)
            np.testing.assert_array_equal(np.array(s), np.array(2 * x))  # send returns its input
        else:
            x = mx.distributed.recv_like(x, peer)
    np.testing.assert_array_equal(np.array(x), np.arange(10) * (2**6 if r == 0 else 2**5))
    # recv by shape and dtype, a receive evaluated with other work, and bfloat16 and bool payloads.
    if r == 0:
        mx.eval(mx.distributed.send(mx.array([[1, 2, 3]], dtype=mx.int16), 1))
        mx.eval(mx.distributed.send(mx.array([1.5, -2.25], dtype=mx.bfloat16), 1))
        mx.eval(mx.distributed.send(mx.array([True, False]), 1))
    else:
        a = mx.distributed.recv((1, 3), mx.int16, 0)
        b = mx.ones((4, 4)) + 2
        mx.eval(a, b)
        assert a.dtype == mx.int16 and a.tolist() == [[1, 2, 3]]
        assert mx.distributed.recv([2], mx.bfloat16, src=0).tolist() == [1.5, -2.25]
        assert mx.distributed.recv_like(mx.array([False, False]), 0).tolist() == [True, False]
    # A receive expecting more than was sent says so.
    if r == 0:
        mx.eval(mx.distributed.send(mx.zeros((4,)), 1))
    else:
        with pytest.raises(RuntimeError, match=r"\[recv\] rank 0 sent 4 elements; the receive expects 5"):
            mx.eval(mx.distributed.recv((5,), mx.float32, 0))
    with pytest.raises(ValueError, match=r"\[send\] the destination .* is this process"):
        mx.distributed.send(x, r)
    with pytest.raises(ValueError, match=r"\[recv\] the source 2 is not a rank of a group of 2"):
        mx.distributed.recv_like(x, 2)


def check_split(world):
    r = world.rank()
    alone = world.split(r)  # a color each: groups of one
    assert alone.size() == 1 and alone.rank() == 0
    x = mx.array([1.0, 2.0]) * (r + 1)
    np.testing.assert_array_equal(np.array(mx.distributed.all_sum(x, group=alone)), np.array(x))
    reversed_ = world.split(0, key=1 - r)  # one group, ranks swapped
    assert reversed_.size() == 2 and reversed_.rank() == 1 - r
    np.testing.assert_array_equal(np.array(mx.distributed.all_gather(mx.array([r]), group=reversed_)), [1, 0])
    np.testing.assert_array_equal(np.array(mx.distributed.all_sum(x, group=reversed_)), [3.0, 6.0])
    again = mx.distributed.init()
    assert again.rank() == r and again.size() == world.size()


def check_transforms(world):
    n, r = world.size(), world.rank()
    x = mx.array([1.0, -2.0, 3.0]) * (r + 1)
    # all_sum passes its cotangent through (MLX's convention); sum_gradients sums it over the group.
    np.testing.assert_array_equal(np.array(mx.grad(lambda a: mx.distributed.all_sum(a).sum())(x)), [1, 1, 1])
    np.testing.assert_array_equal(
        np.array(mx.grad(lambda a: (mx.distributed.sum_gradients(a) * (r + 1)).sum())(x)), [3, 3, 3])
    # all_gather's cotangent: this process's rows.
    w = mx.arange(3 * n, dtype=mx.float32)
    np.testing.assert_array_equal(np.array(mx.grad(lambda a: (mx.distributed.all_gather(a) * w).sum())(x)),
                                  np.arange(3) + 3 * r)
    # all_max's goes to the process holding the maximum.
    y = mx.array([5.0, 0.0]) if r == 0 else mx.array([1.0, 7.0])
    g = mx.grad(lambda a: mx.distributed.all_max(a).sum())(y)
    np.testing.assert_array_equal(np.array(g), [1, 0] if r == 0 else [0, 1])
    # jvp of all_sum: the sum of the tangents.
    _, (t,) = mx.jvp(lambda a: mx.distributed.all_sum(a), [x], [mx.ones(3) * (r + 1)])
    np.testing.assert_array_equal(np.array(t), [3, 3, 3])
    # vmap: each entry of the batch reduced or gathered on its own.
    b = mx.arange(6, dtype=mx.float32).reshape(2, 3) + r
    np.testing.assert_array_equal(np.array(mx.vmap(mx.distributed.all_sum)(b)), (np.arange(6).reshape(2, 3) * 2 + 1))
    g = mx.vmap(mx.distributed.all_gather)(b)
    assert g.shape == (2, 6)
    # compile replays the collective on every call.
    f = mx.compile(lambda a: mx.distributed.all_sum(a) * 2)
    for k in range(3):
        np.testing.assert_array_equal(np.array(f(mx.array([float(k + r)]))), [2 * (2 * k + 1)])


def check_layers(world, out_dir):
    n, r = world.size(), world.rank()
    mx.random.seed(3)
    lin1, lin2 = nn.Linear(8, 12), nn.Linear(12, 6)
    x = mx.random.normal((4, 8))

    def mlp(l1, l2, x):
        return l2(nn.relu(l1(x)))

    def loss(l1, l2, x):
        return (mlp(l1, l2, x) ** 2).sum()

    want = mlp(lin1, lin2, x)
    want_dx = mx.grad(lambda a: loss(lin1, lin2, a))(x)
    s1, s2 = shard_linear(lin1, "all-to-sharded"), shard_linear(lin2, "sharded-to-all")
    assert isinstance(s1, nn.AllToShardedLinear) and isinstance(s2, nn.ShardedToAllLinear)
    assert s1.weight.shape == (12 // n, 8) and s1.bias.shape == (12 // n,) and s2.weight.shape == (6, 12 // n)
    assert "input_dims=8, output_dims=12" in repr(s1) and "input_dims=12, output_dims=6" in repr(s2)
    np.testing.assert_allclose(np.array(mlp(s1, s2, x)), np.array(want), rtol=1e-5, atol=1e-5)
    # The input's gradient is summed over the shards (sum_gradients in AllToShardedLinear).
    np.testing.assert_allclose(np.array(mx.grad(lambda a: loss(s1, s2, a))(x)), np.array(want_dx), rtol=1e-4, atol=1e-5)
    # Each weight shard's gradient is the matching part of the unsharded gradient.
    full = nn.value_and_grad(lin1, lambda a: loss(lin1, lin2, a))(x)[1]["weight"]
    part = nn.value_and_grad(s1, lambda a: loss(s1, s2, a))(x)[1]["weight"]
    np.testing.assert_allclose(np.array(part), np.array(full)[r * 12 // n:(r + 1) * 12 // n], rtol=1e-4, atol=1e-5)

    # Fused projections keep each part's shard: segments=3 splits q, k and v separately.
    qkv = nn.Linear(4, 6, bias=False)
    w = np.array(qkv.weight)
    shard_inplace(qkv, "all-to-sharded", segments=3)
    np.testing.assert_array_equal(np.array(qkv.weight), np.concatenate([np.split(p, n)[r] for p in np.split(w, 3)]))

    # Quantized layers.
    q1 = nn.QuantizedLinear.from_linear(nn.Linear(64, 32), group_size=32, bits=4)
    q2 = nn.QuantizedLinear.from_linear(nn.Linear(128, 16), group_size=32, bits=4)
    xq = mx.random.normal((2, 64))
    sq1 = shard_linear(q1, "all-to-sharded")
    assert isinstance(sq1, nn.QuantizedAllToShardedLinear)
    np.testing.assert_allclose(np.array(mx.distributed.all_gather(sq1(xq).T).T), np.array(q1(xq)), rtol=1e-5, atol=1e-5)
    sq2 = shard_linear(q2, "sharded-to-all")
    assert isinstance(sq2, nn.QuantizedShardedToAllLinear)
    xq2 = mx.random.normal((2, 128))
    mine = xq2[:, r * 128 // n:(r + 1) * 128 // n]
    np.testing.assert_allclose(np.array(sq2(mine)), np.array(q2(xq2)), rtol=1e-4, atol=1e-4)
    q3 = nn.QuantizedLinear.from_linear(nn.Linear(128, 16), mode="mxfp4")
    np.testing.assert_allclose(np.array(shard_linear(q3, "sharded-to-all")(mine)), np.array(q3(xq2)), rtol=1e-4,
                               atol=1e-4)

    # Data parallelism: the mean of the processes' gradients, batched or one array at a time.
    grads = {"a": mx.ones((3,)) * (r + 1), "b": [mx.ones((2, 2)) * (r + 3), mx.ones((5,)) * r]}
    for size in (0, 16, 1 << 20):
        avg = nn.average_gradients(grads, all_reduce_size=size)
        np.testing.assert_array_equal(np.array(avg["a"]), [1.5] * 3)
        np.testing.assert_array_equal(np.array(avg["b"][0]), np.full((2, 2), 3.5))
        np.testing.assert_array_equal(np.array(avg["b"][1]), [0.5] * 5)

    # A function with a collective, exported by each process: the test imports it where there is one.
    mx.export_function(str(out_dir / f"sum.rank{r}.ingot"), lambda a: mx.distributed.all_sum(a * 2), mx.array([1.0]))
    f = mx.import_function(str(out_dir / f"sum.rank{r}.ingot"))
    np.testing.assert_array_equal(np.array(f(mx.array([float(r + 1)]))[0]), [6.0])


def main(out_dir):
    world = mx.distributed.init(strict=True, backend="mpi")
    assert world.size() == 2, world.size()
    assert mx.distributed.is_available() and mx.distributed.is_available("mpi")
    assert repr(world) == f"Group(rank={world.rank()}, size=2)"
    check_reductions(world)
    check_gather(world)
    check_send_recv(world)
    check_split(world)
    check_transforms(world)
    check_layers(world, pathlib.Path(out_dir))
    print(f"rank {world.rank()}: all checks passed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
