"""ingot.load, ingot.save and ingot.save_safetensors: round trips of every dtype, files written by numpy,
the safetensors package and MLX read by ingot and the reverse, paths and file objects, and the errors."""

import io
import pathlib

import ml_dtypes
import numpy as np
import pytest

import ingot

try:
    import mlx.core as mx
except ImportError:  # pragma: no cover
    mx = None

needs_mlx = pytest.mark.skipif(mx is None, reason="mlx is not installed")
BF16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16", "bfloat16",
          "float32", "float64"]


def sample(name, shape=(2, 3), seed=0):
    rng = np.random.default_rng(seed)
    if name == "bool":
        return rng.random(shape) < 0.5
    if name == "bfloat16":
        return rng.uniform(-4, 4, shape).astype(BF16)
    dt = np.dtype(name)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(max(info.min, -1000), min(info.max, 1000), shape, endpoint=True).astype(dt)
    return rng.uniform(-4, 4, shape).astype(dt)


def make(x):
    name = "bfloat16" if x.dtype == BF16 else ("bool_" if x.dtype == np.bool_ else x.dtype.name)
    return ingot.array(x, dtype=getattr(ingot, name))


def same(a, want):
    got = np.asarray(a)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.uint16) if got.dtype == BF16 else got,
                                  want.view(np.uint16) if want.dtype == BF16 else want)


# ---- .npy ----
@pytest.mark.parametrize("name", DTYPES)
def test_npy_round_trip(tmp_path, name):
    x = sample(name)
    ingot.save(str(tmp_path / "a.npy"), make(x))
    same(ingot.load(str(tmp_path / "a.npy")), x)


@pytest.mark.parametrize("name", [d for d in DTYPES if d != "bfloat16"])
def test_npy_read_by_numpy(tmp_path, name):
    x = sample(name, (3, 4), seed=1)
    ingot.save(tmp_path / "a.npy", make(x))
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), x)


@pytest.mark.parametrize("name", [d for d in DTYPES if d != "bfloat16"])
def test_npy_written_by_numpy(tmp_path, name):
    x = sample(name, (4, 2), seed=2)
    np.save(tmp_path / "n.npy", x)
    same(ingot.load(tmp_path / "n.npy"), x)
    np.save(tmp_path / "f.npy", np.asfortranarray(sample(name, (3, 5), seed=3)))
    same(ingot.load(tmp_path / "f.npy"), sample(name, (3, 5), seed=3))


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (5,), (2, 1, 3)])
def test_npy_shapes(tmp_path, shape):
    x = sample("float32", shape)
    ingot.save(str(tmp_path / "s.npy"), make(x))
    same(ingot.load(str(tmp_path / "s.npy")), x)


def test_npy_non_contiguous_input(tmp_path):
    x = sample("int32", (4, 6))
    ingot.save(str(tmp_path / "t.npy"), make(x).T[::2])
    np.testing.assert_array_equal(np.load(tmp_path / "t.npy"), x.T[::2])


def test_save_appends_npy_extension(tmp_path):
    ingot.save(str(tmp_path / "noext"), ingot.array([1, 2, 3]))
    assert (tmp_path / "noext.npy").exists()
    np.testing.assert_array_equal(np.load(tmp_path / "noext.npy"), [1, 2, 3])


def test_save_takes_python_values(tmp_path):
    ingot.save(str(tmp_path / "l.npy"), [[1.5, 2.0]])
    same(ingot.load(str(tmp_path / "l.npy")), np.array([[1.5, 2.0]], np.float32))


def test_pathlib_and_format_override(tmp_path):
    p = pathlib.Path(tmp_path) / "weights.bin"
    np.save(tmp_path / "tmp.npy", np.arange(4, dtype=np.int16))
    (tmp_path / "tmp.npy").rename(p)
    same(ingot.load(p, format="npy"), np.arange(4, dtype=np.int16))


def test_npy_file_objects():
    buf = io.BytesIO()
    ingot.save(buf, ingot.array([[1, 2], [3, 4]], dtype=ingot.uint16))
    buf.seek(0)
    np.testing.assert_array_equal(np.load(buf), [[1, 2], [3, 4]])
    buf.seek(0)
    same(ingot.load(buf, format="npy"), np.array([[1, 2], [3, 4]], np.uint16))


@needs_mlx
def test_npy_with_mlx(tmp_path):
    x = sample("bfloat16", (3, 3), seed=4)
    ingot.save(str(tmp_path / "i.npy"), make(x))
    m = mx.load(str(tmp_path / "i.npy"))
    assert m.dtype == mx.bfloat16
    np.testing.assert_array_equal(np.asarray(m.astype(mx.float32)), x.astype(np.float32))
    mx.save(str(tmp_path / "m.npy"), mx.array([[1, 2, 3]], dtype=mx.int8))
    same(ingot.load(str(tmp_path / "m.npy")), np.array([[1, 2, 3]], np.int8))


# ---- .safetensors ----
def test_safetensors_round_trip_every_dtype(tmp_path):
    arrays = {f"t_{name}": make(sample(name, seed=i)) for i, name in enumerate(DTYPES)}
    ingot.save_safetensors(str(tmp_path / "all.safetensors"), arrays)
    loaded = ingot.load(str(tmp_path / "all.safetensors"))
    assert isinstance(loaded, dict) and sorted(loaded) == sorted(arrays)
    for i, name in enumerate(DTYPES):
        same(loaded[f"t_{name}"], sample(name, seed=i))


def test_safetensors_metadata(tmp_path):
    path = str(tmp_path / "m.safetensors")
    ingot.save_safetensors(path, {"w": ingot.ones((2, 2))}, metadata={"format": "mlx", "note": "x"})
    arrays, meta = ingot.load(path, return_metadata=True)
    assert meta == {"format": "mlx", "note": "x"}
    same(arrays["w"], np.ones((2, 2), np.float32))
    ingot.save_safetensors(path, {"w": ingot.ones((1,))})
    assert ingot.load(path, return_metadata=True)[1] == {}


def test_safetensors_appends_extension_and_takes_paths(tmp_path):
    ingot.save_safetensors(tmp_path / "model", {"a": ingot.arange(3)})
    assert (tmp_path / "model.safetensors").exists()
    same(ingot.load(tmp_path / "model.safetensors")["a"], np.arange(3, dtype=np.int32))


def test_safetensors_empty_and_scalar_tensors(tmp_path):
    path = str(tmp_path / "e.safetensors")
    ingot.save_safetensors(path, {"empty": ingot.zeros((0, 3)), "scalar": ingot.array(2.5),
                                  "view": ingot.array(np.arange(12, dtype=np.float32).reshape(3, 4)).T})
    loaded = ingot.load(path)
    same(loaded["empty"], np.zeros((0, 3), np.float32))
    same(loaded["scalar"], np.array(2.5, np.float32))
    same(loaded["view"], np.arange(12, dtype=np.float32).reshape(3, 4).T.copy())


def test_safetensors_read_and_written_by_the_safetensors_package(tmp_path):
    import safetensors.numpy

    tensors = {"a": sample("float32", (2, 5)), "b": sample("int64", (3,)), "c": sample("bool", (4, 1))}
    safetensors.numpy.save_file(tensors, str(tmp_path / "hf.safetensors"), metadata={"k": "v"})
    arrays, meta = ingot.load(str(tmp_path / "hf.safetensors"), return_metadata=True)
    assert meta == {"k": "v"}
    for k, v in tensors.items():
        same(arrays[k], v)
    ingot.save_safetensors(str(tmp_path / "ours.safetensors"), {k: make(v) for k, v in tensors.items()})
    back = safetensors.numpy.load_file(str(tmp_path / "ours.safetensors"))
    for k, v in tensors.items():
        np.testing.assert_array_equal(back[k], v)


def test_safetensors_file_objects():
    buf = io.BytesIO()
    ingot.save_safetensors(buf, {"x": ingot.array([1.0, 2.0])}, {"a": "b"})
    buf.seek(0)
    arrays, meta = ingot.load(buf, format="safetensors", return_metadata=True)
    same(arrays["x"], np.array([1.0, 2.0], np.float32))
    assert meta == {"a": "b"}


@needs_mlx
def test_safetensors_with_mlx(tmp_path):
    x = sample("bfloat16", (2, 4), seed=5)
    ingot.save_safetensors(str(tmp_path / "i.safetensors"), {"x": make(x)}, {"m": "1"})
    m, meta = mx.load(str(tmp_path / "i.safetensors"), return_metadata=True)
    assert meta == {"m": "1"}
    np.testing.assert_array_equal(np.asarray(m["x"].astype(mx.float32)), x.astype(np.float32))
    mx.save_safetensors(str(tmp_path / "m.safetensors"), {"y": mx.array([[3, 4]], dtype=mx.uint32)}, {"a": "b"})
    arrays, meta = ingot.load(str(tmp_path / "m.safetensors"), return_metadata=True)
    same(arrays["y"], np.array([[3, 4]], np.uint32))
    assert meta == {"a": "b"}


@needs_mlx
def test_safetensors_from_mlx_without_metadata(tmp_path):
    # MLX writes "__metadata__": null when there is none.
    mx.save_safetensors(str(tmp_path / "m.safetensors"), {"y": mx.array([[3, 4]], dtype=mx.uint32)})
    same(ingot.load(str(tmp_path / "m.safetensors"))["y"], np.array([[3, 4]], np.uint32))


def test_loaded_arrays_compute(tmp_path):
    # Loading returns arrays that read on first use; the values are those of the file.
    path = str(tmp_path / "lazy.safetensors")
    ingot.save_safetensors(path, {"w": ingot.arange(6).reshape(2, 3)})
    w = ingot.load(path)["w"]
    same(w * 2, np.arange(6, dtype=np.int32).reshape(2, 3) * 2)


# ---- errors ----
def test_load_errors(tmp_path):
    ingot.save(str(tmp_path / "a.npy"), ingot.array([1]))
    with pytest.raises(ValueError, match=r"\[load\] metadata is not supported for the npy format"):
        ingot.load(str(tmp_path / "a.npy"), return_metadata=True)
    with pytest.raises(ValueError, match=r"\[load\] unknown or unsupported file format 'foo'"):
        ingot.load(str(tmp_path / "a.foo"))
    with pytest.raises(RuntimeError, match=r"\[load_gguf\] .*a\.npy: not a GGUF file"):
        ingot.load(str(tmp_path / "a.npy"), format="gguf")
    with pytest.raises(ValueError, match=r"\[load\] cannot infer the file format"):
        ingot.load(str(tmp_path / "noext"))
    with pytest.raises(ValueError, match=r"\[load\] cannot infer the file format"):
        ingot.load(io.BytesIO(b""))
    with pytest.raises(RuntimeError, match=r"\[load\].*missing\.npy"):
        ingot.load(str(tmp_path / "missing.npy"))
    with pytest.raises(RuntimeError, match=r"\[load_safetensors\]"):
        ingot.load(str(tmp_path / "a.npy"), format="safetensors")
    (tmp_path / "bad.npy").write_bytes(b"not numpy at all")
    with pytest.raises(RuntimeError, match=r"\[load\].*magic"):
        ingot.eval(ingot.load(str(tmp_path / "bad.npy")))


def test_save_safetensors_errors(tmp_path):
    path = str(tmp_path / "e.safetensors")
    with pytest.raises(ValueError, match=r"\[save_safetensors\] metadata must be a dict with str keys"):
        ingot.save_safetensors(path, {"a": ingot.array([1])}, metadata={"k": 1})
    with pytest.raises(TypeError, match=r"\[save_safetensors\] array names must be str"):
        ingot.save_safetensors(path, {1: ingot.array([1])})
    with pytest.raises(ValueError, match=r"\[save_safetensors\].*__metadata__"):
        ingot.save_safetensors(path, {"__metadata__": ingot.array([1])})
    with pytest.raises(RuntimeError, match=r"\[save_safetensors\]"):
        ingot.save_safetensors(str(tmp_path / "no_such_dir" / "x.safetensors"), {"a": ingot.array([1])})


def test_docstrings():
    for fn in (ingot.load, ingot.save, ingot.save_safetensors):
        assert fn.__doc__ and len(fn.__doc__) > 40


class _BytesPath:
    def __fspath__(self):
        return b"/tmp/ingot-bytes-path"


@pytest.mark.parametrize("name, call", [
    ("load", lambda p: ingot.load(p)),
    ("save", lambda p: ingot.save(p, ingot.array([1.0]))),
    ("save_safetensors", lambda p: ingot.save_safetensors(p, {"a": ingot.array([1.0])})),
])
def test_byte_string_paths_are_refused_by_name(name, call):
    with pytest.raises(TypeError, match=rf"\[{name}\] byte-string paths are not supported"):
        call(_BytesPath())


def test_npz_archives_both_ways_with_mlx(tmp_path):
    import mlx.core as mlx_core

    a = ingot.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    b = ingot.array(np.array([1, -2, 3], np.int16))
    ingot.savez(str(tmp_path / "i"), a, b=b)  # .npz appended, as numpy and MLX do
    for loaded in (ingot.load(str(tmp_path / "i.npz")), mlx_core.load(str(tmp_path / "i.npz"))):
        assert sorted(loaded) == ["arr_0", "b"]
        np.testing.assert_array_equal(np.array(loaded["arr_0"]), np.array(a))
        np.testing.assert_array_equal(np.array(loaded["b"]), np.array(b))
        assert str(loaded["b"].dtype).endswith("int16")
    mlx_core.savez_compressed(str(tmp_path / "m.npz"), x=mlx_core.array([0.5, 1.5]))
    np.testing.assert_array_equal(np.array(ingot.load(str(tmp_path / "m.npz"))["x"]), [0.5, 1.5])
    buf = io.BytesIO()
    ingot.savez_compressed(buf, y=a)
    buf.seek(0)
    np.testing.assert_array_equal(np.array(ingot.load(buf, format="npz")["y"]), np.array(a))
    with pytest.raises(ValueError, match=r"\[savez\] the name arr_0 is given twice"):
        ingot.savez(str(tmp_path / "x.npz"), a, arr_0=b)
    with pytest.raises(ValueError, match=r"\[savez\] b must be an array, got list"):
        ingot.savez(str(tmp_path / "x.npz"), b=[1, 2])
    with pytest.raises(ValueError, match=r"\[load\] metadata is read from safetensors and GGUF files only"):
        ingot.load(str(tmp_path / "i.npz"), return_metadata=True)
