"""to_fp8 / from_fp8 and gather_qmm against MLX on the same inputs (and numpy for the products)."""

import mlx.core as mx
import numpy as np
import pytest

import ingot

RNG = np.random.default_rng(11)


def sweep():
    """Every E4M3 value, the midpoints between neighbours (ties), just off them, subnormals, the saturation
    range, infinities, NaN and signed zeros, as float32."""
    codes = np.arange(256, dtype=np.uint8)
    vals = np.array(mx.from_fp8(mx.array(codes), mx.float32))
    finite = np.unique(vals[np.isfinite(vals)])
    mids = (finite[1:] + finite[:-1]) / 2
    extra = [0.0, -0.0, np.inf, -np.inf, np.nan, 448, 449, 463.9, 464, 465, 1e6, -1e6, 2.0**-10, 2.0**-12,
             -(2.0**-10), 1e-30]
    x = np.concatenate([finite, mids, np.nextafter(mids, np.inf), np.nextafter(mids, -np.inf), extra,
                        RNG.standard_normal(2000) * 50])
    return x.astype(np.float32)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_to_fp8_matches_mlx_bit_for_bit(dtype):
    x = sweep()
    got = np.array(ingot.to_fp8(ingot.array(x).astype(getattr(ingot, dtype))))
    want = np.array(mx.to_fp8(mx.array(x).astype(getattr(mx, dtype)), stream=mx.cpu))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
def test_from_fp8_decodes_every_code_as_mlx(dtype):
    codes = np.arange(256, dtype=np.uint8)
    got = ingot.from_fp8(ingot.array(codes), getattr(ingot, dtype))
    assert got.dtype == getattr(ingot, dtype)
    ref_dtype = "float32" if dtype == "float64" else dtype  # MLX's CPU decodes float64 through float32
    want = np.array(mx.from_fp8(mx.array(codes), getattr(mx, ref_dtype), stream=mx.cpu).astype(mx.float32))
    np.testing.assert_array_equal(np.array(got.astype(ingot.float32)), want)
    assert np.isnan(want[0x7F]) and np.isnan(want[0xFF]) and want[0x7E] == 448


def test_fp8_round_trip_default_dtype_and_errors():
    x = ingot.array([0.5, -3.0, 448.0, 1000.0])
    y = ingot.from_fp8(ingot.to_fp8(x))
    assert y.dtype == ingot.bfloat16
    np.testing.assert_array_equal(np.array(y.astype(ingot.float32)), [0.5, -3.0, 448.0, 448.0])
    with pytest.raises(ValueError, match=r"\[to_fp8\] only real floating types are supported, got x.dtype\(\) == int32"):
        ingot.to_fp8(ingot.array([1, 2]))
    with pytest.raises(ValueError, match=r"\[from_fp8\] the input must have type uint8, got float32"):
        ingot.from_fp8(x)
    with pytest.raises(ValueError, match=r"\[from_fp8\] only real floating types are supported, got dtype == int32"):
        ingot.from_fp8(ingot.to_fp8(x), ingot.int32)


def test_fp8_exports_and_replays_shapeless(tmp_path):
    path = str(tmp_path / "fp8.ingot")
    ingot.export_function(path, lambda x: ingot.from_fp8(ingot.to_fp8(x), ingot.float32), ingot.zeros((4,)),
                          shapeless=True)
    f = ingot.import_function(path)
    x = sweep()
    np.testing.assert_array_equal(np.array(f(ingot.array(x))[0]),
                                  np.array(mx.from_fp8(mx.to_fp8(mx.array(x), stream=mx.cpu), mx.float32, stream=mx.cpu)))


def quantized(mode, experts, n, k):
    w = RNG.standard_normal((experts, n, k)).astype(np.float32)
    q = mx.quantize(mx.array(w), mode=mode)
    return [np.array(a) for a in q]


@pytest.mark.parametrize("mode", ["affine", "mxfp4", "mxfp8", "nvfp4"])
@pytest.mark.parametrize("case", ["rhs", "lhs", "both", "broadcast"])
def test_gather_qmm_matches_mlx(mode, case):
    experts, n, k = 4, 24, 64
    packed = quantized(mode, experts, n, k)
    x = RNG.standard_normal((3, 2, k)).astype(np.float32)
    kw = {}
    if case == "rhs":
        kw = {"rhs_indices": np.array([[3, 0], [1, 1], [2, 0]], np.uint32)[..., :1]}
    elif case == "lhs":
        x = RNG.standard_normal((5, 2, k)).astype(np.float32)
        packed = quantized(mode, 1, n, k)
        packed = [p[0] for p in packed]
        kw = {"lhs_indices": np.array([4, 0, 2], np.int32)}
    elif case == "both":
        x = RNG.standard_normal((5, 2, k)).astype(np.float32)
        kw = {"lhs_indices": np.array([4, 0, 2], np.int32), "rhs_indices": np.array([1, 3, 3], np.int32)}
    else:  # index arrays broadcasting together
        x = RNG.standard_normal((5, 2, k)).astype(np.float32)
        kw = {"lhs_indices": np.array([[4], [1]], np.int32), "rhs_indices": np.array([0, 3, 2], np.int32)}
    args = packed[:2] if mode != "affine" else packed[:3]
    ours = ingot.gather_qmm(ingot.array(x), *(ingot.array(a) for a in args[:1]), ingot.array(args[1]),
                            *(ingot.array(a) for a in args[2:]), mode=mode,
                            **{key: ingot.array(v) for key, v in kw.items()})
    theirs = mx.gather_qmm(mx.array(x), *(mx.array(a) for a in args[:1]), mx.array(args[1]),
                           *(mx.array(a) for a in args[2:]), mode=mode,
                           **{key: mx.array(v) for key, v in kw.items()}, stream=mx.cpu)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-4, atol=1e-4)


def test_gather_qmm_without_indices_is_quantized_matmul_and_errors():
    w = RNG.standard_normal((16, 64)).astype(np.float32)
    q = ingot.quantize(ingot.array(w))
    x = ingot.array(RNG.standard_normal((3, 64)).astype(np.float32))
    np.testing.assert_array_equal(np.array(ingot.gather_qmm(x, *q)), np.array(ingot.quantized_matmul(x, *q)))
    with pytest.raises(ValueError, match=r"\[gather_qmm\] indices must be integers, got float32"):
        ingot.gather_qmm(x, *q, lhs_indices=ingot.array([0.0]))
    # Vectors are refused, as MLX refuses them.
    with pytest.raises(ValueError, match=r"\[gather_qmm\] expects x and packed w with at least 2 dimensions each, "
                                         r"got shapes \(64,\) and \(16,8\)"):
        ingot.gather_qmm(ingot.zeros((64,)), *q, rhs_indices=ingot.array([0]))
    with pytest.raises(ValueError, match=r"\[gather_qmm\] Input must have at least two dimensions"):
        mx.gather_qmm(mx.zeros((64,)), *(mx.array(np.array(a)) for a in q), rhs_indices=mx.array([0]), stream=mx.cpu)
