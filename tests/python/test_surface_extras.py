"""MLX's newer top-level functions composed in Python: isdtype, convolve, as_strided, hadamard_transform,
fft.fftfreq / rfftfreq and the mx.metal memory aliases, against numpy and MLX on the same inputs."""

import mlx.core as mx
import numpy as np
import pytest

import ingot

RNG = np.random.default_rng(21)


@pytest.mark.parametrize("kind", ["bool", "signed integer", "unsigned integer", "integral", "real floating",
                                  "complex floating", "numeric", ("bool", "real floating"), "float32"])
def test_isdtype_matches_mlx(kind):
    for name in ["bool_", "uint8", "uint32", "int16", "int64", "float16", "bfloat16", "float32", "float64",
                 "complex64"]:
        k = getattr(ingot, kind) if kind == "float32" else kind
        mk = getattr(mx, kind) if kind == "float32" else kind
        assert ingot.isdtype(getattr(ingot, name), k) == mx.isdtype(getattr(mx, name), mk), (name, kind)


def test_isdtype_errors():
    with pytest.raises(ValueError, match=r"\[isdtype\] Unknown data type kind: 'floats'"):
        ingot.isdtype(ingot.float32, "floats")
    with pytest.raises(ValueError, match=r"\[isdtype\] `kind` must be a dtype, a string, or a tuple"):
        ingot.isdtype(ingot.float32, 3)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n,m", [(10, 3), (10, 4), (3, 10), (1, 1), (7, 7)])
def test_convolve_matches_numpy_and_mlx(mode, n, m):
    a = RNG.standard_normal(n).astype(np.float32)
    v = RNG.standard_normal(m).astype(np.float32)
    got = np.array(ingot.convolve(ingot.array(a), ingot.array(v), mode))
    np.testing.assert_allclose(got, np.convolve(a, v, mode), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got, np.array(mx.convolve(mx.array(a), mx.array(v), mode)), rtol=1e-5, atol=1e-5)


def test_convolve_errors():
    with pytest.raises(ValueError, match=r"\[convolve\] inputs must be 1-D, got shapes \(2, 2\) and \(2,\)"):
        ingot.convolve(ingot.zeros((2, 2)), ingot.zeros((2,)))
    with pytest.raises(ValueError, match=r"\[convolve\] inputs cannot be empty"):
        ingot.convolve(ingot.zeros((0,)), ingot.zeros((2,)))
    with pytest.raises(ValueError, match=r"\[convolve\] mode must be 'full', 'same' or 'valid', got 'wide'"):
        ingot.convolve(ingot.zeros((3,)), ingot.zeros((2,)), "wide")


@pytest.mark.parametrize("shape,strides,offset", [
    ((3, 3), (1, 1), 0),      # sliding windows
    ((2, 4), (4, 1), 4),      # rows from an offset
    ((4, 3), (1, 4), 0),      # a transpose
    ((5,), (0,), 7),          # a broadcast of one element
    (None, None, 0),          # the array itself
])
def test_as_strided_matches_mlx(shape, strides, offset):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    got = np.array(ingot.as_strided(ingot.array(a), shape, strides, offset))
    want = np.array(mx.as_strided(mx.array(a), shape, strides, offset))
    np.testing.assert_array_equal(got, want)
    if shape is not None:
        np.testing.assert_array_equal(got, np.lib.stride_tricks.as_strided(a.ravel()[offset:], shape,
                                                                           [s * 4 for s in strides]))


def test_as_strided_refuses_positions_outside_the_array():
    with pytest.raises(ValueError, match=r"\[as_strided\] shape \(4, 4\), strides \(4, 1\) and offset 0 reach "
                                         r"positions 0 to 15 of an array of 12 elements"):
        ingot.as_strided(ingot.zeros((3, 4)), (4, 4), (4, 1))


@pytest.mark.parametrize("n", [1, 2, 8, 64])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_hadamard_transform_matches_mlx(n, dtype):
    x = RNG.standard_normal((3, n)).astype(np.float32)
    got = ingot.hadamard_transform(ingot.array(x).astype(getattr(ingot, dtype)))
    want = mx.hadamard_transform(mx.array(x).astype(getattr(mx, dtype)), stream=mx.cpu)
    assert got.dtype == getattr(ingot, dtype)
    tol = 1e-5 if dtype == "float32" else 2e-3
    np.testing.assert_allclose(np.array(got.astype(ingot.float32)), np.array(want.astype(mx.float32)), rtol=tol,
                               atol=tol)
    # An orthonormal transform, its own inverse.
    back = ingot.hadamard_transform(ingot.hadamard_transform(ingot.array(x)))
    np.testing.assert_allclose(np.array(back), x, atol=1e-5)
    np.testing.assert_allclose(np.array(ingot.hadamard_transform(ingot.array(x), scale=2.0)),
                               np.array(mx.hadamard_transform(mx.array(x), scale=2.0, stream=mx.cpu)), rtol=1e-5,
                               atol=1e-5)


def test_hadamard_transform_refuses_other_sizes():
    with pytest.raises(ValueError, match=r"\[hadamard_transform\] the last axis must have a power-of-two size, got 12"):
        ingot.hadamard_transform(ingot.zeros((2, 12)))


@pytest.mark.parametrize("n,d", [(1, 1.0), (5, 0.1), (8, 1.0), (9, 2.5)])
def test_fft_sample_frequencies_match_numpy_and_mlx(n, d):
    for ours, theirs, ref in [(ingot.fft.fftfreq, mx.fft.fftfreq, np.fft.fftfreq),
                              (ingot.fft.rfftfreq, mx.fft.rfftfreq, np.fft.rfftfreq)]:
        got = ours(n, d)
        assert got.dtype == ingot.float32
        np.testing.assert_allclose(np.array(got), ref(n, d), rtol=1e-6)
        np.testing.assert_allclose(np.array(got), np.array(theirs(n, d)), rtol=1e-6)
    with pytest.raises(ValueError, match=r"\[fftfreq\] n must be a positive integer, got 0"):
        ingot.fft.fftfreq(0)


def test_metal_memory_functions_are_the_top_level_ones():
    for name in ["get_active_memory", "get_peak_memory", "reset_peak_memory", "get_cache_memory", "set_cache_limit",
                 "set_memory_limit", "set_wired_limit", "clear_cache"]:
        assert getattr(ingot.metal, name) is getattr(ingot._core, name)
    ingot.array([1.0, 2.0]).tolist()
    assert ingot.metal.get_active_memory() == ingot.get_active_memory()
    assert ingot.metal.get_peak_memory() == ingot.get_peak_memory() > 0
    with pytest.raises(RuntimeError, match=r"\[metal.start_capture\] there is no metal device"):
        ingot.metal.start_capture("trace.gputrace")


@pytest.mark.parametrize("fn,what", [
    (lambda x: ingot.convolve(x, x[:3]), r"\[convolve\] pads and orders its inputs by their traced lengths"),
    (lambda x: ingot.as_strided(x, (2, 2), (1, 1)), r"\[as_strided\] gathers positions checked against the traced"),
    (lambda x: ingot.hadamard_transform(x), r"\[hadamard_transform\] multiplies by the Hadamard matrix of the traced"),
])
def test_compositions_sized_by_the_traced_shape_refuse_shapeless_export(tmp_path, fn, what):
    with pytest.raises(ValueError, match=what + r".*which a shapeless export cannot follow"):
        ingot.export_function(str(tmp_path / "f.ingot"), fn, ingot.zeros((8,)), shapeless=True)
    ingot.export_function(str(tmp_path / "g.ingot"), fn, ingot.zeros((8,)))  # fixed shapes export
