"""ingot.distributed in one process (no launcher): the group of this process alone, MLX's names and
signatures, the errors, and the sharded layers of ingot.nn. Across processes: test_distributed_mpi.py."""

import inspect
import io

import numpy as np
import pytest

import ingot as mx
import ingot.distributed
import ingot.nn as nn
from ingot.distributed import all_sum
from ingot.nn.layers.distributed import shard_inplace, shard_linear

import mlx.core as mlx_core
import mlx.nn as mlx_nn
import mlx.nn.layers.distributed as mlx_dist_layers


def test_module_has_mlx_names():
    assert mx.distributed is ingot.distributed and all_sum is mx.distributed.all_sum
    ours = {n for n in dir(mx.distributed) if not n.startswith("_")}
    theirs = {n for n in dir(mlx_core.distributed) if not n.startswith("_")}
    assert theirs - ours == {"sum_scatter"}  # not provided (docs/python.md)
    assert ours - theirs == {"sum_gradients"}  # an addition
    for name in ("all_sum", "all_max", "all_min", "all_gather", "send", "recv", "recv_like"):
        sig = inspect.signature(getattr(mx.distributed, name))
        assert "stream" in sig.parameters, name
    layers = {n for n in dir(mlx_dist_layers) if not n.startswith("_") and n[0].isupper() and "Linear" in n}
    assert layers <= set(dir(nn)), layers - set(dir(nn))
    assert {"shard_linear", "shard_inplace"} <= set(dir(nn.layers.distributed))


def test_the_group_of_one_process():
    g = mx.distributed.init()
    assert (g.rank(), g.size()) == (0, 1)
    assert repr(g) == "Group(rank=0, size=1)"
    g2 = mx.distributed.init(backend="mpi")
    assert (g2.rank(), g2.size()) == (0, 1)
    sub = g.split(1)
    assert (sub.rank(), sub.size()) == (0, 1)
    assert g.split(0, key=5).size() == 1
    with pytest.raises(ValueError, match=r"\[Group.split\] the color must be non-negative, got -2"):
        g.split(-2)
    with pytest.raises(TypeError):
        mx.distributed.Group()
    assert isinstance(mx.distributed.is_available(), bool)
    assert mx.distributed.is_available() == mx.distributed.is_available("mpi")
    assert not mx.distributed.is_available("ring") and not mx.distributed.is_available(backend="nccl")


def test_init_errors():
    with pytest.raises(RuntimeError, match=r"\[distributed.init\] MPI cannot start: "):
        mx.distributed.init(strict=True)
    with pytest.raises(RuntimeError, match=r"ingot has no 'ring' backend"):
        mx.distributed.init(True, "ring")
    assert mx.distributed.init(backend="jaccl").size() == 1  # not strict: this process alone, as MLX
    with pytest.raises(ValueError, match=r"the backend must be 'any', 'mpi', 'ring', 'nccl' or 'jaccl', got 'tcp'"):
        mx.distributed.init(backend="tcp")
    with pytest.raises(ValueError, match=r"all_gather_factory is for MLX's 'jaccl' backend"):
        mx.distributed.init(backend="jaccl", all_gather_factory=lambda r, s: None)


def test_collectives_of_one_process_return_their_input():
    x = mx.array([[1.0, -2.0], [3.0, 4.0]])
    for fn in (mx.distributed.all_sum, mx.distributed.all_max, mx.distributed.all_min, mx.distributed.all_gather):
        y = fn(x)
        assert y.shape == x.shape and y.dtype == x.dtype
        np.testing.assert_array_equal(np.array(y), np.array(x))
        np.testing.assert_array_equal(np.array(fn(x, group=mx.distributed.init(), stream=mx.cpu)), np.array(x))
        with pytest.raises(ValueError, match="gpu|GPU"):
            fn(x, stream=mx.gpu)
    # as MLX: a 0-d array stays 0-d, Python scalars are arrays, bools and integers keep their dtype
    assert mx.distributed.all_gather(mx.array(2.0)).shape == ()
    assert mx.distributed.all_sum(3).item() == 3
    assert mx.distributed.all_sum(mx.array([True])).dtype == mx.bool_
    assert mx.distributed.all_max(mx.array([1], dtype=mx.int8)).dtype == mx.int8
    np.testing.assert_array_equal(np.array(mx.distributed.sum_gradients(x)), np.array(x))
    assert np.array(mx.grad(lambda a: mx.distributed.all_sum(a).sum())(x)).tolist() == [[1, 1], [1, 1]]


def test_send_and_recv_need_another_process():
    x = mx.ones((3,))
    with pytest.raises(ValueError, match=r"\[send\] there is no other process in a group of one process"):
        mx.distributed.send(x, 0)
    with pytest.raises(ValueError, match=r"\[recv\] there is no other process in a group of one process"):
        mx.distributed.recv((3,), mx.float32, 0)
    with pytest.raises(ValueError, match=r"\[recv\] there is no other process"):
        mx.distributed.recv_like(x, src=0)
    with pytest.raises(ValueError, match=r"\[recv\] negative dimension"):
        mx.distributed.recv((-1,), mx.float32, 0)


def test_exported_on_one_process_runs_anywhere(tmp_path):
    # On one process the collectives leave no node: the file has no communication to replay.
    model = nn.Sequential(nn.AllToShardedLinear(4, 6), nn.ReLU(), nn.ShardedToAllLinear(6, 2))
    x = mx.random.normal((3, 4))
    path = str(tmp_path / "one.ingot")
    mx.export_function(path, model, x)
    dot = io.StringIO()
    f = mx.import_function(path)
    mx.export_to_dot(dot, f)
    assert "AllReduce" not in dot.getvalue() and "SumGradients" not in dot.getvalue()
    np.testing.assert_allclose(np.array(f(x)[0]), np.array(model(x)), rtol=1e-6)


def test_sharded_layers_of_one_process_equal_their_linear():
    lin = nn.Linear(8, 6)
    x = mx.random.normal((2, 8))
    for sharding, cls in (("all-to-sharded", nn.AllToShardedLinear), ("sharded-to-all", nn.ShardedToAllLinear)):
        s = shard_linear(lin, sharding)
        assert type(s) is cls and s.weight.shape == (6, 8) and "bias" in s
        np.testing.assert_allclose(np.array(s(x)), np.array(lin(x)), rtol=1e-6)
        assert "input_dims=8, output_dims=6, bias=True" in repr(s)
    no_bias = shard_linear(nn.Linear(8, 6, bias=False), "all-to-sharded")
    assert "bias" not in no_bias
    q = nn.QuantizedLinear.from_linear(nn.Linear(64, 32), group_size=32, bits=4)
    xq = mx.random.normal((2, 64))
    for sharding, cls in (("all-to-sharded", nn.QuantizedAllToShardedLinear),
                          ("sharded-to-all", nn.QuantizedShardedToAllLinear)):
        s = shard_linear(q, sharding)
        assert type(s) is cls and s.trainable_parameters() == {}
        np.testing.assert_allclose(np.array(s(xq)), np.array(q(xq)), rtol=1e-6)
        assert "input_dims=64, output_dims=32" in repr(s) and "group_size=32, bits=4" in repr(s)
    fp4 = nn.QuantizedLinear.from_linear(nn.Linear(64, 32), mode="mxfp4")  # no biases in this mode
    s = shard_linear(fp4, "sharded-to-all")
    assert s.mode == "mxfp4" and "biases" not in s
    np.testing.assert_allclose(np.array(s(xq)), np.array(fp4(xq)), rtol=1e-6)
    layer = nn.QuantizedShardedToAllLinear(64, 16, group_size=32, bits=4)
    assert layer.weight.shape == (16, 8) and layer.bias.shape == (16,)
    layer.unfreeze()
    assert layer.trainable_parameters() == {}
    with pytest.raises(ValueError, match=r"\[shard\] the sharding must be 'all-to-sharded' or 'sharded-to-all'"):
        shard_linear(lin, "rows")
    with pytest.raises(ValueError, match=r"\[QuantizedAllToShardedLinear\] Invalid quantization mode 'fp4'"):
        nn.QuantizedAllToShardedLinear(64, 32, mode="fp4")


def test_shard_inplace_with_a_predicate():
    lin = nn.Linear(4, 6)
    before = np.array(lin.weight)
    shard_inplace(lin, lambda path, w: 0 if path == "weight" else None, segments=3)
    np.testing.assert_array_equal(np.array(lin.weight), before)  # one process keeps everything
    with pytest.raises(ValueError, match=r"\[shard\] the sharding function must return None, an int or a tuple"):
        shard_inplace(lin, lambda path, w: "rows")
    shard_inplace(lin, "sharded-to-all", segments=[0.5])  # fractional segments, as MLX
    np.testing.assert_array_equal(np.array(lin.weight), before)


def test_average_gradients_of_one_process_is_the_identity():
    grads = {"w": mx.ones((2,)), "b": [mx.zeros((3,))]}
    assert nn.average_gradients(grads) is grads


def test_sharded_layers_match_mlx():
    """The same weights in MLX's and ingot's layers give the same outputs (one process)."""
    lin = nn.Linear(8, 6)
    mlin = mlx_nn.Linear(8, 6)
    mlin.update({"weight": mlx_core.array(np.array(lin.weight)), "bias": mlx_core.array(np.array(lin.bias))})
    x = np.random.default_rng(0).standard_normal((2, 8)).astype(np.float32)
    for sharding in ("all-to-sharded", "sharded-to-all"):
        ours = shard_linear(lin, sharding)(mx.array(x))
        theirs = mlx_dist_layers.shard_linear(mlin, sharding)(mlx_core.array(x))
        np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-5, atol=1e-6)
