"""set_num_threads / get_num_threads and INGOT_NUM_THREADS: one thread count for the pool and OpenBLAS."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ingot as mx


def test_set_num_threads_returns_the_previous_count_and_keeps_results():
    initial = mx.get_num_threads()
    rng = np.random.default_rng(0)
    x = mx.array(rng.normal(size=(300, 700)).astype(np.float32))
    try:
        assert mx.set_num_threads(1) == initial
        one = np.array(mx.exp(mx.tanh(x) * 0.5)), np.array(mx.sum(x * x, axis=1))
        for n in (2, 3):
            mx.set_num_threads(n)
            assert mx.get_num_threads() == n
            many = np.array(mx.exp(mx.tanh(x) * 0.5)), np.array(mx.sum(x * x, axis=1))
            for a, b in zip(one, many):
                np.testing.assert_array_equal(a, b)
    finally:
        mx.set_num_threads(initial)


@pytest.mark.parametrize("n", [0, -3, 257])
def test_set_num_threads_refuses_counts_out_of_range(n):
    with pytest.raises(ValueError, match=rf"\[set_num_threads\] expects 1 to 256 threads, got {n}\."):
        mx.set_num_threads(n)


def test_ingot_num_threads_sets_the_pool_at_start():
    env = dict(os.environ, INGOT_NUM_THREADS="3")
    env.pop("OPENBLAS_NUM_THREADS", None)
    out = subprocess.run([sys.executable, "-c", "import ingot; print(ingot.get_num_threads())"], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "3"


@pytest.mark.parametrize("shape,axis", [((600, 1500), 1), ((1500, 600), 0), ((40, 300, 90), 1), ((9, 200000), None)])
def test_reductions_split_over_threads_give_the_same_bits(shape, axis):
    # Rows (or column chunks) run on different threads; each output element is reduced the same way.
    initial = mx.get_num_threads()
    rng = np.random.default_rng(1)
    x_np = rng.normal(size=shape).astype(np.float32)
    x = mx.array(x_np)
    ops = [lambda a: mx.sum(a, axis=axis), lambda a: mx.max(a, axis=axis), lambda a: mx.prod(a * 0 + 1.0001, axis=axis),
           lambda a: mx.argmax(a, axis=axis if axis is not None else None),
           lambda a: mx.argmin(a, axis=axis if axis is not None else None)]
    try:
        mx.set_num_threads(1)
        one = [np.array(f(x)) for f in ops]
        for n in (2, 3):
            mx.set_num_threads(n)
            for f, want in zip(ops, one):
                np.testing.assert_array_equal(np.array(f(x)), want)
    finally:
        mx.set_num_threads(initial)
    np.testing.assert_allclose(one[0], x_np.sum(axis=axis, dtype=np.float64), rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(one[1], x_np.max(axis=axis))
    np.testing.assert_array_equal(one[3], np.argmax(x_np, axis=axis))
    np.testing.assert_array_equal(one[4], np.argmin(x_np, axis=axis))
