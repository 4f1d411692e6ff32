"""ingot.random beyond the op table: the submodule's import forms, the global seed, keys and their
splits, raw bits against MLX's uniform, and the distributions' statistics against numpy's
expectations (large samples, tolerances of several standard errors)."""

import math

import numpy as np
import pytest

import ingot

try:
    import mlx.core as mx
except ImportError:  # pragma: no cover
    mx = None

needs_mlx = pytest.mark.skipif(mx is None, reason="mlx is not installed")
N = 200_000


def np_(a):
    return np.asarray(a.astype(ingot.float32) if a.dtype == ingot.bfloat16 else a)


def test_import_forms():
    import ingot.random as r1
    from ingot import random as r2
    from ingot.random import uniform

    assert r1 is r2 is ingot.random
    assert uniform is ingot.random.uniform


def test_every_function_has_a_docstring():
    for name in dir(ingot.random):
        fn = getattr(ingot.random, name)
        if callable(fn) and not name.startswith("_"):
            assert fn.__doc__ and len(fn.__doc__.strip()) > 20, name


def test_key_is_two_words():
    k = ingot.random.key(0x0123456789ABCDEF)
    assert k.dtype == ingot.uint32 and k.shape == (2,)
    assert np.asarray(k).tolist() == [0x01234567, 0x89ABCDEF]


def test_same_key_same_numbers_and_keys_differ():
    k = ingot.random.key(7)
    a = np.asarray(ingot.random.uniform(shape=(100,), key=k))
    b = np.asarray(ingot.random.uniform(shape=(100,), key=k))
    c = np.asarray(ingot.random.uniform(shape=(100,), key=ingot.random.key(8)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_split_gives_distinct_keys():
    keys = np.asarray(ingot.random.split(ingot.random.key(3), 16))
    assert keys.shape == (16, 2) and keys.dtype == np.uint32
    assert len({tuple(k) for k in keys}) == 16
    two = np.asarray(ingot.random.split(ingot.random.key(3)))
    assert two.shape == (2, 2)
    np.testing.assert_array_equal(two, np.asarray(ingot.random.split(ingot.random.key(3), 2)))


def test_global_seed_replays():
    ingot.random.seed(11)
    a = np.asarray(ingot.random.normal((50,)))
    b = np.asarray(ingot.random.normal((50,)))
    ingot.random.seed(11)
    c = np.asarray(ingot.random.normal((50,)))
    d = np.asarray(ingot.random.normal((50,)))
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    assert not np.array_equal(a, b)


@needs_mlx
def test_global_seed_matches_mlx():
    ingot.random.seed(5)
    mx.random.seed(5)
    for _ in range(3):
        np.testing.assert_array_equal(np.asarray(ingot.random.uniform(shape=(20,))),
                                      np.asarray(mx.random.uniform(shape=(20,))))


@needs_mlx
@pytest.mark.parametrize("seed", [0, 1, 2**33 + 5])
def test_bits_give_mlx_uniform(seed):
    # MLX's uniform in [0, 1) is bits / (2^32 - 1) in float32, clamped below one: the same words.
    words = np.asarray(ingot.random.bits((1000,), key=ingot.random.key(seed))).astype(np.float32)
    u = np.minimum(words / np.float32(2**32 - 1), np.nextafter(np.float32(1), np.float32(0)))
    want = np.asarray(mx.random.uniform(shape=(1000,), key=mx.random.key(seed)))
    np.testing.assert_array_equal(u, want)


def test_bits_widths_share_the_stream():
    k = ingot.random.key(9)
    w4 = np.asarray(ingot.random.bits((64,), 4, key=k))
    w1 = np.asarray(ingot.random.bits((64,), 1, key=k))
    assert w4.dtype == np.uint32 and w1.dtype == np.uint8
    # Each byte value occurs: the narrow words are random too.
    assert len(np.unique(np.asarray(ingot.random.bits((4096,), 1, key=k)))) > 200
    assert len(np.unique(w4)) == 64


def test_uniform_statistics():
    u = np.asarray(ingot.random.uniform(-1.0, 3.0, (N,), key=ingot.random.key(1)), np.float64)
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 5 * 4 / math.sqrt(12 * N)
    assert abs(u.var() - 16 / 12) < 0.02
    hist, _ = np.histogram(u, bins=8, range=(-1, 3))
    assert np.all(np.abs(hist / N - 1 / 8) < 0.005)


@pytest.mark.parametrize("dtype", [ingot.float16, ingot.bfloat16, ingot.float64])
def test_uniform_other_dtypes_stay_below_high(dtype):
    u = ingot.random.uniform(shape=(N,), dtype=dtype, key=ingot.random.key(2))
    assert u.dtype == dtype
    v = np_(u).astype(np.float64)
    assert v.min() >= 0.0 and v.max() < 1.0
    assert abs(v.mean() - 0.5) < 0.01


def test_uniform_float64_carries_float32_values():
    # The documented difference from MLX: float64 samples hold 24 random bits, as float32 ones.
    k = ingot.random.key(4)
    a = np.asarray(ingot.random.uniform(shape=(1000,), dtype=ingot.float64, key=k))
    b = np.asarray(ingot.random.uniform(shape=(1000,), key=k))
    np.testing.assert_array_equal(a, b.astype(np.float64))


def test_normal_statistics():
    x = np.asarray(ingot.random.normal((N,), loc=2.0, scale=3.0, key=ingot.random.key(5)), np.float64)
    assert abs(x.mean() - 2.0) < 5 * 3 / math.sqrt(N)
    assert abs(x.std() - 3.0) < 0.03
    # Tail mass beyond two standard deviations: 4.55%.
    assert abs(np.mean(np.abs(x - 2.0) > 6.0) - 0.0455) < 0.003


def test_normal_array_loc_scale_broadcast():
    loc = ingot.array([0.0, 100.0])
    x = np.asarray(ingot.random.normal((N // 2, 2), loc=loc, scale=ingot.array([1.0, 0.1]), key=ingot.random.key(6)))
    assert abs(x[:, 0].mean()) < 0.03 and abs(x[:, 1].mean() - 100.0) < 0.003
    assert abs(x[:, 1].std() - 0.1) < 0.003


def test_randint_statistics():
    x = np.asarray(ingot.random.randint(-3, 4, (N,), key=ingot.random.key(7)))
    assert x.dtype == np.int32 and x.min() == -3 and x.max() == 3
    counts = np.bincount(x + 3) / N
    assert np.all(np.abs(counts - 1 / 7) < 0.005)


def test_randint_dtypes():
    x = ingot.random.randint(0, 250, (1000,), dtype=ingot.uint8, key=ingot.random.key(8))
    assert x.dtype == ingot.uint8
    v = np.asarray(x)
    assert v.min() >= 0 and v.max() < 250


def test_bernoulli_statistics():
    p = ingot.array([0.1, 0.5, 0.9])
    x = np.asarray(ingot.random.bernoulli(p, (N // 4, 3), key=ingot.random.key(9)))
    assert x.dtype == np.bool_
    np.testing.assert_allclose(x.mean(axis=0), [0.1, 0.5, 0.9], atol=0.01)
    assert np.asarray(ingot.random.bernoulli(0.0, (100,))).sum() == 0
    assert np.asarray(ingot.random.bernoulli(1.0, (100,))).all()


def test_truncated_normal_statistics():
    x = np.asarray(ingot.random.truncated_normal(-1.0, 2.0, (N,), key=ingot.random.key(10)), np.float64)
    assert x.min() >= -1.0 and x.max() <= 2.0
    # Mean of a standard normal truncated to [a, b]: (phi(a) - phi(b)) / (Phi(b) - Phi(a)).
    phi = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda t: 0.5 * (1 + math.erf(t / math.sqrt(2)))  # noqa: E731
    want = (phi(-1.0) - phi(2.0)) / (cdf(2.0) - cdf(-1.0))
    assert abs(x.mean() - want) < 0.01


def test_gumbel_statistics():
    x = np.asarray(ingot.random.gumbel((N,), key=ingot.random.key(11)), np.float64)
    assert abs(x.mean() - 0.5772156649) < 0.015
    assert abs(x.var() - math.pi**2 / 6) < 0.05


def test_laplace_statistics():
    x = np.asarray(ingot.random.laplace((N,), loc=1.0, scale=2.0, key=ingot.random.key(12)), np.float64)
    assert abs(np.median(x) - 1.0) < 0.03
    assert abs(x.var() - 2 * 2.0**2) < 0.2


def test_categorical_frequencies():
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    logits = ingot.array(np.log(probs).astype(np.float32))
    for kwargs in ({"num_samples": N}, {"shape": (N,)}):
        x = np.asarray(ingot.random.categorical(logits, key=ingot.random.key(13), **kwargs))
        assert x.dtype == np.uint32
        np.testing.assert_allclose(np.bincount(x, minlength=4) / N, probs, atol=0.006)


def test_permutation_is_a_permutation():
    p = np.asarray(ingot.random.permutation(1000, key=ingot.random.key(14)))
    assert p.dtype == np.uint32
    np.testing.assert_array_equal(np.sort(p), np.arange(1000))
    assert not np.array_equal(p, np.arange(1000))
    x = np.arange(20, dtype=np.int32).reshape(4, 5)
    rows = np.asarray(ingot.random.permutation(ingot.array(x), key=ingot.random.key(15)))
    np.testing.assert_array_equal(np.sort(rows[:, 0]), x[:, 0])
    np.testing.assert_array_equal(rows - rows[:, :1], x - x[:, :1])  # whole rows move
    cols = np.asarray(ingot.random.permutation(ingot.array(x), axis=1, key=ingot.random.key(15)))
    np.testing.assert_array_equal(np.sort(cols, axis=1), x)


def test_positional_argument_order_as_mlx():
    k = ingot.random.key(16)
    a = ingot.random.uniform(0.0, 1.0, (3,), ingot.float32, k)
    b = ingot.random.uniform(low=0.0, high=1.0, shape=(3,), dtype=ingot.float32, key=k)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    c = ingot.random.normal((3,), ingot.float32, 0.0, 1.0, k)
    d = ingot.random.normal(shape=(3,), key=k)
    np.testing.assert_array_equal(np.asarray(c), np.asarray(d))


def test_bad_key_type():
    with pytest.raises(TypeError):
        ingot.random.uniform(shape=(2,), key=[1, 2])


def test_multivariate_normal_matches_mlx_and_its_moments():
    import mlx.core as mx

    mean = np.array([1.0, -2.0, 0.5], np.float32)
    cov = np.array([[2.0, 0.6, 0.2], [0.6, 1.0, -0.3], [0.2, -0.3, 0.5]], np.float32)
    key = ingot.random.key(3)
    got = np.array(ingot.random.multivariate_normal(ingot.array(mean), ingot.array(cov), (4,), key=key))
    want = np.array(mx.random.multivariate_normal(mx.array(mean), mx.array(cov), (4,), key=mx.random.key(3),
                                                  stream=mx.cpu))
    assert got.shape == (4, 3) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    x = np.array(ingot.random.multivariate_normal(ingot.array(mean), ingot.array(cov), (200000,),
                                                  key=ingot.random.key(4)), np.float64)
    np.testing.assert_allclose(x.mean(0), mean, atol=0.01)
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.01)


def test_multivariate_normal_shapes_and_errors():
    mean = ingot.array([[0.0, 7.0], [1.0, 2.0], [3.0, 4.0]])
    cov = ingot.array([[1.0, 0.5], [0.5, 1.0]])
    assert ingot.random.multivariate_normal(mean, cov, shape=(4, 3)).shape == (4, 3, 2)
    assert ingot.random.multivariate_normal(ingot.array([0, 0]), ingot.array([[1, 0], [0, 1]])).dtype == ingot.float32
    with pytest.raises(ValueError, match=r"\[multivariate_normal\] dtype must be float32, got float16"):
        ingot.random.multivariate_normal(mean, cov, dtype=ingot.float16)
    with pytest.raises(ValueError, match=r"\[multivariate_normal\] cov of shape \(2,3\) must be \(\.\.\., 2, 2\)"):
        ingot.random.multivariate_normal(ingot.zeros((2,)), ingot.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\[multivariate_normal\]"):
        ingot.random.multivariate_normal(ingot.zeros((2, 2)), ingot.zeros((2, 2)), shape=(3,))
    with pytest.raises(ValueError, match=r"\[multivariate_normal\] mean needs at least 1 dimension"):
        ingot.random.multivariate_normal(ingot.array(0.0), ingot.zeros((2, 2)))


def test_state_is_the_global_key():
    state = ingot.random.state
    assert len(state) == 1 and isinstance(state, list) and state is ingot.random.state
    ingot.random.seed(11)
    assert np.array_equal(np_(state[0]), np_(ingot.random.key(11)))
    first = np_(ingot.random.uniform(shape=(3,)))
    state[0] = ingot.random.key(11)  # setting the key replays the sequence, as seed does
    assert np.array_equal(np_(ingot.random.uniform(shape=(3,))), first)
    assert [np_(k).tolist() for k in state] == [np_(state[0]).tolist()]
    with pytest.raises(IndexError, match=r"\[random.state\] index 1 is out of range"):
        state[1]
    with pytest.raises(ValueError, match=r"\[random.state\] expected a key of shape \(2,\)"):
        state[0] = ingot.zeros((3,), dtype=ingot.uint32)


def test_compile_with_the_random_state_draws_fresh_numbers_as_eager_code_does():
    from functools import partial

    @partial(ingot.compile, inputs=ingot.random.state, outputs=ingot.random.state)
    def fun():
        return ingot.random.uniform(shape=(10, 10))

    ingot.random.seed(5)
    compiled = [np_(fun()) for _ in range(3)]
    ingot.random.seed(5)
    eager = [np_(ingot.random.uniform(shape=(10, 10))) for _ in range(3)]
    assert not np.allclose(compiled[0], compiled[1])
    for c, e in zip(compiled, eager):
        np.testing.assert_array_equal(c, e)
    # nested in a larger state tree, too
    nested = [{"unused": ingot.array(0.0)}, ingot.random.state]
    g = ingot.compile(lambda: ingot.random.normal((4,)), inputs=nested, outputs=nested)
    assert not np.array_equal(np_(g()), np_(g()))
    # without the state as input, the key is a constant of the trace (MLX's behaviour)
    h = ingot.compile(lambda: ingot.random.normal((4,)))
    assert np.array_equal(np_(h()), np_(h()))
