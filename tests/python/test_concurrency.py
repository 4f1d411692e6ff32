"""Lazy arrays shared between Python threads, and deep graphs released by Python.

Each test fails on code that is not safe here by crashing the interpreter or by a wrong value, so every
check compares with a value computed once on one thread (numpy for the arithmetic).
"""

import threading

import numpy as np

import ingot as mx

THREADS = 8


def run_threads(body):
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker(t):
        try:
            barrier.wait()
            body(t)
        except BaseException as e:  # reported on the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]


def lazy_graph(x):
    return mx.sum(mx.sort(mx.exp(x * 0.001)) * 2 + 1) + mx.cumsum(x)[-1]


def test_threads_evaluating_one_lazy_array():
    xs = np.random.default_rng(0).permutation(4096).astype(np.float32)
    want = np.float32(np.sum(np.sort(np.exp(xs * np.float32(0.001))) * 2 + 1) + np.cumsum(xs)[-1])
    for _ in range(30):
        y = lazy_graph(mx.array(xs))
        got = [None] * THREADS

        def body(t):
            mx.eval(y)
            got[t] = y.item()

        run_threads(body)
        assert all(np.isclose(g, want, rtol=1e-5) for g in got), got
        assert len(set(got)) == 1  # the same array: the same bits for everyone


def test_threads_passing_one_lazy_input_to_an_imported_function(tmp_path):
    path = str(tmp_path / "f.ingot")
    mx.export_function(path, lambda x: mx.sort(x * 3) + 1, mx.zeros(256))
    f = mx.import_function(path)
    xs = np.random.default_rng(1).permutation(256).astype(np.float32)
    for _ in range(30):
        lazy = mx.array(xs) - 0  # unevaluated
        got = [None] * THREADS

        def body(t):
            got[t] = np.array(f(lazy)[0])

        run_threads(body)
        for g in got:
            np.testing.assert_array_equal(g, np.sort(xs * 3) + 1)


def test_threads_building_and_dropping_graphs_on_a_shared_array():
    base = mx.exp(mx.arange(64, dtype=mx.float32) * 0.01)
    want = np.exp(np.arange(64, dtype=np.float32) * np.float32(0.01))

    def body(t):
        for i in range(20):
            y = base
            for _ in range(30):
                y = mx.concatenate(mx.split(y * 1.0, 2))
            if i % 2 == t % 2:
                np.testing.assert_allclose(np.array(y), want, rtol=1e-6)
            del y  # the graph above `base` dies, evaluated or not
        np.testing.assert_allclose(np.array(base), want, rtol=1e-6)

    run_threads(body)


def test_deep_multi_output_graph_is_released_without_recursion():
    # Each level splits into two siblings that share one node: a recursive release overflows the stack.
    x = mx.array([1, 2])
    for _ in range(100_000):
        x = mx.concatenate(mx.split(x, 2))
    del x
    y = mx.array([1.0])
    for _ in range(100_000):
        y = y * y  # one array twice among one node's inputs
    del y
    # And the same depth evaluated: still right.
    z = mx.array([1, 2])
    for _ in range(100_000):
        z = mx.concatenate(mx.split(z, 2))
    assert z.tolist() == [1, 2]
