"""complex64 and ingot.fft against numpy (computed in complex128) and MLX on the same inputs."""

import mlx.core as mx
import numpy as np
import pytest

import ingot

RNG = np.random.default_rng(9)


def cplx(shape):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(np.complex64)


def real(shape):
    return RNG.standard_normal(shape).astype(np.float32)


def close(got, want, tol=2e-5):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


# ---- complex64 arrays ----
def test_complex_arrays_round_trip_numpy_and_python():
    z = cplx((3, 4))
    a = ingot.array(z)
    assert a.dtype == ingot.complex64 and np.array(a).dtype == np.complex64
    np.testing.assert_array_equal(np.array(a), z)
    assert ingot.array(1 + 2j).item() == 1 + 2j
    assert ingot.array([1, 2.5, 3j]).dtype == ingot.complex64
    assert ingot.array([1, 2.5, 3j]).tolist() == [1 + 0j, 2.5 + 0j, 3j]
    assert ingot.array(np.array([1 + 1j], np.complex128)).dtype == ingot.complex64  # as float64 -> float32
    assert ingot.issubdtype(ingot.complex64, ingot.complexfloating)
    assert ingot.issubdtype(ingot.complex64, ingot.inexact) and not ingot.issubdtype(ingot.complex64, ingot.floating)
    assert ingot.complex64.size == 8


def test_complex_arithmetic_matches_numpy_and_mlx():
    x, y = cplx((4, 5)), cplx((5,))
    r = real((4, 5))
    ix, iy, ir = ingot.array(x), ingot.array(y), ingot.array(r)
    mxx, mxy, mxr = mx.array(x), mx.array(y), mx.array(r)
    for f in (lambda a, b, c: a + b, lambda a, b, c: a - b, lambda a, b, c: a * b, lambda a, b, c: a / b,
              lambda a, b, c: a * c + 2j, lambda a, b, c: c - 1.5j * a, lambda a, b, c: -a,
              lambda a, b, c: a == a, lambda a, b, c: a != b):
        want = f(x, y, r)
        close(np.array(f(ix, iy, ir)), want)
        close(np.array(f(ix, iy, ir)), np.array(f(mxx, mxy, mxr)))
    for name in ("exp", "log", "sqrt", "sin", "cos", "square", "reciprocal", "abs", "negative", "tanh"):
        want = getattr(np, name)(x.astype(np.complex128))
        got = getattr(ingot, name)(ix)
        close(np.array(got), want, 1e-5)
        assert got.dtype == (ingot.float32 if name == "abs" else ingot.complex64)
    close(np.array(ingot.real(ix)), x.real)
    close(np.array(ingot.imag(ix)), x.imag)
    close(np.array(ix.real), x.real)
    close(np.array(ix.imag), x.imag)
    close(np.array(ingot.conj(ix)), np.conj(x))
    close(np.array(ix.conj()), np.conj(x))
    close(np.array(ingot.sum(ix, axis=0)), x.sum(0), 1e-5)
    close(np.array(ingot.mean(ix)), x.mean(), 1e-5)
    w = cplx((5, 3))
    close(np.array(ix @ ingot.array(w)), x.astype(np.complex128) @ w, 1e-5)
    close(np.array(ingot.astype(ix, ingot.float32)), x.real)  # the real part, as MLX
    close(np.array(ingot.astype(ir, ingot.complex64)), r.astype(np.complex64))
    # copies and indexing work on complex like any dtype
    close(np.array(ix.T[1:, ::2]), x.T[1:, ::2])
    close(np.array(ingot.concatenate([ix, ix], 1)), np.concatenate([x, x], 1))
    close(np.array(ingot.take(ix, ingot.array([3, 0]), 0)), x[[3, 0]])


def test_complex_refusals_name_the_function():
    z = ingot.array(cplx((3,)))
    with pytest.raises(ValueError, match=r"\[less\] does not support complex64 arrays"):
        ingot.less(z, z)
    with pytest.raises(ValueError, match=r"\[maximum\] does not support complex64 arrays"):
        ingot.maximum(z, z)
    with pytest.raises(ValueError, match=r"\[max\] does not support complex64 arrays"):
        ingot.max(z)
    with pytest.raises(ValueError, match=r"\[erf\] does not support complex64 arrays"):
        ingot.erf(z)
    with pytest.raises(ValueError, match=r"derivatives through complex64 values are not supported \(primitive "):
        ingot.grad(lambda x: ingot.abs(ingot.fft.rfft(x)).sum())(ingot.array(real((8,))))
    assert "1+2j" in repr(ingot.array([1 + 2j])) and "-1.5j" in repr(ingot.array([3 - 1.5j]))


# ---- fft ----
ONE_AXIS = [
    ("fft", cplx, {}), ("fft", cplx, {"n": 5}), ("fft", cplx, {"n": 12, "axis": 0}), ("fft", real, {"axis": 0}),
    ("ifft", cplx, {}), ("ifft", cplx, {"n": 7}), ("rfft", real, {}), ("rfft", real, {"n": 9}),
    ("rfft", real, {"axis": 0, "n": 4}), ("irfft", cplx, {}), ("irfft", cplx, {"n": 9}),
    ("irfft", cplx, {"n": 4, "axis": 0}),
]


@pytest.mark.parametrize("name,make,kw", ONE_AXIS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(ONE_AXIS)])
def test_one_axis_transforms_match_numpy_and_mlx(name, make, kw):
    x = make((6, 8))
    got = getattr(ingot.fft, name)(ingot.array(x), **kw)
    want = getattr(np.fft, name)(x.astype(np.complex128 if np.iscomplexobj(x) else np.float64), **kw)
    assert got.dtype == (ingot.float32 if name == "irfft" else ingot.complex64)
    close(np.array(got), want)
    close(np.array(got), np.array(getattr(mx.fft, name)(mx.array(x), **kw, stream=mx.cpu)))


MANY_AXES = [
    ("fft2", cplx, {}), ("ifft2", cplx, {"s": (3, 10)}), ("rfft2", real, {}), ("irfft2", cplx, {"s": (4, 6)}),
    ("fftn", cplx, {}), ("fftn", cplx, {"axes": (0, 2)}), ("ifftn", cplx, {"s": (2, 3), "axes": (2, 0)}),
    ("rfftn", real, {}), ("rfftn", real, {"s": (5, 4), "axes": (1, 2)}), ("irfftn", cplx, {}), ("irfftn", cplx, {"axes": (0, 1)}),
]


@pytest.mark.parametrize("name,make,kw", MANY_AXES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(MANY_AXES)])
def test_multi_axis_transforms_match_numpy_and_mlx(name, make, kw):
    x = make((4, 6, 7))
    got = getattr(ingot.fft, name)(ingot.array(x), **kw)
    want = getattr(np.fft, name)(x.astype(np.complex128 if np.iscomplexobj(x) else np.float64), **kw)
    close(np.array(got), want)
    close(np.array(got), np.array(getattr(mx.fft, name)(mx.array(x), **kw, stream=mx.cpu)))


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_norms_match_numpy(norm):
    x, r = cplx((5, 6)), real((5, 6))
    for name, v in (("fft", x), ("ifft", x), ("rfft", r), ("irfft", x), ("fftn", x), ("irfftn", x)):
        got = getattr(ingot.fft, name)(ingot.array(v), norm=norm)
        close(np.array(got), getattr(np.fft, name)(v.astype(np.complex128 if name != "rfft" else np.float64), norm=norm))


def test_round_trips_primes_and_large_sizes():
    for n in (1, 2, 7, 97, 1000, 1024):
        x = cplx((n,))
        close(np.array(ingot.fft.ifft(ingot.fft.fft(ingot.array(x)))), x, 1e-5)
        close(np.array(ingot.fft.fft(ingot.array(x))), np.fft.fft(x.astype(np.complex128)), 1e-5)
        r = real((n,))
        if n > 1:
            close(np.array(ingot.fft.irfft(ingot.fft.rfft(ingot.array(r)), n)), r, 1e-5)


def test_shifts_match_numpy():
    x = real((5, 6))
    for name in ("fftshift", "ifftshift"):
        np.testing.assert_array_equal(np.array(getattr(ingot.fft, name)(ingot.array(x))), getattr(np.fft, name)(x))
        np.testing.assert_array_equal(np.array(getattr(ingot.fft, name)(ingot.array(x), axes=[1])),
                                      getattr(np.fft, name)(x, axes=[1]))


def test_fft_errors_name_the_function():
    x = ingot.array(cplx((4, 4)))
    with pytest.raises(ValueError, match=r"\[fft\] invalid FFT size 0"):
        ingot.fft.fft(x, n=0)
    with pytest.raises(ValueError, match=r"\[fftn\] repeated axis 1"):
        ingot.fft.fftn(x, axes=[1, -1])
    with pytest.raises(ValueError, match=r"\[fft2\] s has 1 sizes for 2 axes"):
        ingot.fft.fft2(x, s=[3])
    with pytest.raises(ValueError, match=r"\[fft\] norm must be 'backward', 'ortho' or 'forward', got 'bad'"):
        ingot.fft.fft(x, norm="bad")
    with pytest.raises(ValueError, match=r"\[fft\] expects an array with at least one dimension"):
        ingot.fft.fft(ingot.array(1.0))


def test_fft_exports_and_follows_shapes(tmp_path):
    def f(x, r):
        return ingot.fft.fft(x), ingot.fft.irfft(ingot.fft.rfft(r)), ingot.fft.fftn(x, norm="ortho"), ingot.abs(x)

    path = str(tmp_path / "fft.ingot")
    ingot.export_function(path, f, ingot.array(cplx((2, 8))), ingot.array(real((2, 8))), shapeless=True)
    g = ingot.import_function(path)
    for shape in ((2, 8), (3, 5)):
        x, r = ingot.array(cplx(shape)), ingot.array(real(shape))
        for got, want in zip(g(x, r), f(x, r)):
            np.testing.assert_array_equal(np.array(got), np.array(want))
    with pytest.raises(ValueError, match=r"the output size 8"):
        ingot.export_function(str(tmp_path / "n.ingot"), lambda c: ingot.fft.irfft(c, 8), ingot.array(cplx((5,))),
                              shapeless=True)


def test_vmap_of_fft_equals_the_batched_call():
    x = ingot.array(cplx((3, 8)))
    got = ingot.vmap(ingot.fft.fft)(x)
    np.testing.assert_array_equal(np.array(got), np.array(ingot.fft.fft(x)))


def test_complex_saves_and_loads(tmp_path):
    z = cplx((3, 2))
    ingot.save(str(tmp_path / "z.npy"), ingot.array(z))
    np.testing.assert_array_equal(np.load(tmp_path / "z.npy"), z)
    np.testing.assert_array_equal(np.array(ingot.load(str(tmp_path / "z.npy"))), z)
    ingot.save_safetensors(str(tmp_path / "z.safetensors"), {"z": ingot.array(z)})
    np.testing.assert_array_equal(np.array(ingot.load(str(tmp_path / "z.safetensors"))["z"]), z)
