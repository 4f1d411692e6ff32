"""GGUF files through ingot.load and ingot.save_gguf: round trips; files written by the gguf package
(ggml's own) read by ingot and checked against that package's dequantization and against MLX's load;
files ingot writes read back by gguf.GGUFReader and by MLX; and the errors."""

import io
import pathlib
import struct

import numpy as np
import pytest

import ingot

gguf = pytest.importorskip("gguf")
import gguf.quants  # noqa: E402

try:
    import mlx.core as mx
except ImportError:  # pragma: no cover
    mx = None

needs_mlx = pytest.mark.skipif(mx is None, reason="mlx is not installed")
T = gguf.GGMLQuantizationType
V = gguf.GGUFValueType
SAVED_DTYPES = ["float32", "float16", "int8", "int16", "int32"]
META_DTYPES = ["bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float32"]


def sample(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, shape, endpoint=True, dtype=dt)
    return rng.standard_normal(shape).astype(dt)


def ingot_dtype(np_dtype):
    return getattr(ingot, "bool_" if np_dtype == np.bool_ else np.dtype(np_dtype).name)


def as_numpy(a):
    return np.asarray(a)


def same(a, want):
    got = as_numpy(a)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def random_blocks(qt, rows, cols, rng):
    """Raw blocks of a k-quant or BF16 tensor: random bytes with float16 scales kept small and finite."""
    if qt == T.BF16:
        return (rng.standard_normal((rows, cols)).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).view(np.uint8)
    values, nbytes = gguf.GGML_QUANT_SIZES[qt]
    blocks = rows * cols // values
    raw = rng.integers(0, 256, (blocks, nbytes), dtype=np.uint8)
    for at in {T.Q2_K: (80, 82), T.Q4_K: (0, 2), T.Q6_K: (208,)}[qt]:
        raw[:, at:at + 2] = rng.uniform(-0.05, 0.05, (blocks, 1)).astype(np.float16).view(np.uint8)
    return raw.reshape(rows, -1)


def gguf_file(path, tensors=(), metadata=()):
    """A file written by the gguf package: tensors as (name, numpy data, type), metadata as
    (key, value, value type[, element type])."""
    w = gguf.GGUFWriter(str(path), "llama")
    for key, value, vtype, *sub in metadata:
        w.add_key_value(key, value, vtype, sub_type=sub[0] if sub else None)
    for name, data, qt in tensors:
        if qt in (T.F32, T.F16, T.I8, T.I16, T.I32, T.I64, T.F64):
            w.add_tensor(name, data)
        else:
            w.add_tensor(name, data, raw_dtype=qt)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


# A file with every tensor type ingot loads and metadata of each type (but FLOAT64: MLX crashes on it).
def every_type_file(path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 512)).astype(np.float32)
    tensors = [
        ("f32.weight", x, T.F32),
        ("f16.weight", x.astype(np.float16), T.F16),
        ("i8", sample("int8", (3, 5), 1), T.I8),
        ("i16", sample("int16", (2, 3, 4), 2), T.I16),
        ("i32", sample("int32", (7,), 3), T.I32),
        ("blk.0.q4_0.weight", gguf.quants.quantize(x, T.Q4_0), T.Q4_0),
        ("blk.0.q4_1.weight", gguf.quants.quantize(x, T.Q4_1), T.Q4_1),
        ("blk.0.q8_0.weight", gguf.quants.quantize(x, T.Q8_0), T.Q8_0),
    ] + [(f"{qt.name.lower()}.weight", random_blocks(qt, 3, 512, rng), qt) for qt in (T.BF16, T.Q2_K, T.Q4_K, T.Q6_K)]
    metadata = [
        ("u8", 200, V.UINT8), ("i8", -5, V.INT8), ("u16", 60000, V.UINT16), ("i16", -300, V.INT16),
        ("u32", 4000000000, V.UINT32), ("i32", -70000, V.INT32), ("u64", 2**64 - 1, V.UINT64),
        ("i64", -2**63, V.INT64), ("f32", 1.25, V.FLOAT32), ("flag", True, V.BOOL), ("s", "text ü", V.STRING),
        ("general.file_type", 2, V.UINT32), ("llama.context_length", 4096, V.UINT32),
        ("ints", [1, -2, 3], V.ARRAY, V.INT32), ("u64s", [2**64 - 1, 0], V.ARRAY, V.UINT64),
        ("floats", [0.5, -1.5], V.ARRAY, V.FLOAT32), ("bools", [True, False, True], V.ARRAY, V.BOOL),
        ("tokenizer.ggml.tokens", ["<s>", "</s>", "héllo", ""], V.ARRAY, V.STRING),
    ]
    gguf_file(path, tensors, metadata)
    return dict((name, (data, qt)) for name, data, qt in tensors), metadata


# ---- files written by the gguf package ----
def test_reads_files_written_by_gguf(tmp_path):
    path = tmp_path / "every.gguf"
    tensors, metadata = every_type_file(path)
    arrays, meta = ingot.load(str(path), return_metadata=True)
    for name in ("f32.weight", "f16.weight", "i8", "i16", "i32"):
        same(arrays[name], tensors[name][0])
    for name, bits in (("blk.0.q4_0", 4), ("blk.0.q4_1", 4), ("blk.0.q8_0", 8)):
        data, qt = tensors[name + ".weight"]
        w, s, b = arrays[name + ".weight"], arrays[name + ".scales"], arrays[name + ".biases"]
        assert w.dtype == ingot.uint32 and w.shape == (4, 512 * bits // 32)
        assert s.dtype == b.dtype == ingot.float16 and s.shape == b.shape == (4, 512 // 32)
        want = gguf.quants.dequantize(data, qt)  # float32; ingot's float16 scale * q + bias is close
        got = as_numpy(ingot.dequantize(w, s, b, group_size=32, bits=bits)).astype(np.float32)
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3 * np.abs(want).max())
    for qt in (T.BF16, T.Q2_K, T.Q4_K, T.Q6_K):
        data, _ = tensors[f"{qt.name.lower()}.weight"]
        same(arrays[f"{qt.name.lower()}.weight"], gguf.quants.dequantize(data, qt).astype(np.float16))
    assert meta["general.architecture"] == "llama"
    assert meta["s"] == "text ü"
    assert meta["tokenizer.ggml.tokens"] == ["<s>", "</s>", "héllo", ""]
    for key, value, vtype, *sub in metadata:
        if vtype in (V.STRING,) or sub == [V.STRING]:
            continue
        np_type = {V.UINT8: np.uint8, V.INT8: np.int8, V.UINT16: np.uint16, V.INT16: np.int16, V.UINT32: np.uint32,
                   V.INT32: np.int32, V.UINT64: np.uint64, V.INT64: np.int64, V.FLOAT32: np.float32,
                   V.BOOL: np.bool_}[sub[0] if sub else vtype]
        same(meta[key], np.array(value, dtype=np_type))
    # What a loader of llama.cpp models does with them.
    assert meta["general.file_type"] == 2 and int(meta["llama.context_length"]) == 4096


@needs_mlx
def test_reads_as_mlx_does(tmp_path):
    path = tmp_path / "every.gguf"
    every_type_file(path)
    arrays, meta = ingot.load(path, return_metadata=True)
    m_arrays, m_meta = mx.load(str(path), return_metadata=True)
    assert sorted(arrays) == sorted(m_arrays)
    for name, a in arrays.items():
        if name == "q4_k.weight":
            continue  # MLX applies each even sub-block's scale to the odd one after it (ggml does not)
        m = m_arrays[name]
        assert str(a.dtype).split(".")[-1] == str(m.dtype).split(".")[-1] and a.shape == m.shape, name
        np.testing.assert_array_equal(as_numpy(a), np.array(m), err_msg=name)
    assert sorted(meta) == sorted(m_meta)
    for key, v in meta.items():
        if isinstance(v, ingot.array):
            assert str(v.dtype).split(".")[-1] == str(m_meta[key].dtype).split(".")[-1], key
            np.testing.assert_array_equal(as_numpy(v), np.array(m_meta[key]), err_msg=key)
        else:
            assert v == m_meta[key], key


def test_types_mlx_does_not_read(tmp_path):
    # I64 and F64 tensors keep their dtype; FLOAT64 metadata gives float32, as MLX means it to.
    path = tmp_path / "wide.gguf"
    i64 = sample("int64", (2, 3), 4)
    f64 = sample("float64", (5,), 5)
    gguf_file(path, [("i64", i64, T.I64), ("f64", f64, T.F64)],
              [("d", 0.1, V.FLOAT64), ("ds", [0.5, 1e300], V.ARRAY, V.FLOAT64)])
    arrays, meta = ingot.load(str(path), return_metadata=True)
    same(arrays["i64"], i64)
    same(arrays["f64"], f64)
    same(meta["d"], np.array(0.1, np.float32))
    same(meta["ds"], np.array([0.5, np.inf], np.float32))


# ---- files ingot writes ----
def saved_arrays():
    arrays = {f"t.{dt}": sample(dt, (3, 4), i) for i, dt in enumerate(SAVED_DTYPES)}
    arrays["deep"] = sample("float32", (4, 6, 3, 1, 2), 9)
    arrays["row"] = sample("int16", (23,), 10)
    return arrays


def saved_metadata():
    meta = {f"one.{dt}": sample(dt, (), i) for i, dt in enumerate(META_DTYPES)}
    meta.update({f"list.{dt}": sample(dt, (3,), 20 + i) for i, dt in enumerate(META_DTYPES)})
    return meta


def test_round_trip(tmp_path):
    arrays, meta = saved_arrays(), saved_metadata()
    strings = {"name": "tiny ü", "tokens": ["a", "", "ü"], "tuple": ("x", "y")}
    ingot.save_gguf(tmp_path / "m", {k: ingot.array(v) for k, v in arrays.items()},
                    {**{k: ingot.array(v, dtype=ingot_dtype(v.dtype)) for k, v in meta.items()}, **strings})
    assert (tmp_path / "m.gguf").exists()  # ".gguf" appended, as MLX
    loaded, m = ingot.load(str(tmp_path / "m.gguf"), return_metadata=True)
    assert sorted(loaded) == sorted(arrays)
    for k, v in arrays.items():
        same(loaded[k], v)
    for k, v in meta.items():
        same(m[k], v)
    assert m["name"] == "tiny ü" and m["tokens"] == ["a", "", "ü"] and m["tuple"] == ["x", "y"]
    # Without metadata; format given; loads without return_metadata give the dict alone.
    ingot.save_gguf(str(tmp_path / "plain.gguf"), {"x": ingot.ones((2, 2))})
    (tmp_path / "plain.gguf").rename(tmp_path / "plain.bin")
    loaded, m = ingot.load(tmp_path / "plain.bin", format="gguf", return_metadata=True)
    assert m == {} and sorted(loaded) == ["x"]
    assert sorted(ingot.load(str(tmp_path / "plain.bin"), format="gguf")) == ["x"]


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    ingot.save_gguf(buf, {"x": ingot.array([1.0, 2.0])}, {"k": "v"})
    buf.seek(0)
    arrays, meta = ingot.load(buf, format="gguf", return_metadata=True)
    same(arrays["x"], np.array([1.0, 2.0], np.float32))
    assert meta == {"k": "v"}
    (tmp_path / "f.gguf").write_bytes(buf.getvalue())
    with open(tmp_path / "f.gguf", "rb") as f:
        same(ingot.load(f)["x"], np.array([1.0, 2.0], np.float32))


def save_sample(path):
    """Saves saved_arrays() and saved_metadata() with a str and a list of str; returns the first two."""
    arrays, meta = saved_arrays(), saved_metadata()
    ingot.save_gguf(path, {k: ingot.array(v) for k, v in arrays.items()},
                    {**{k: ingot.array(v, dtype=ingot_dtype(v.dtype)) for k, v in meta.items()},
                     "s": "text", "l": ["a", "bc"]})
    return arrays, meta


def test_saved_files_read_by_gguf(tmp_path):
    path = str(tmp_path / "s.gguf")
    arrays, meta = save_sample(path)
    r = gguf.GGUFReader(path)
    types = {"float32": T.F32, "float16": T.F16, "int8": T.I8, "int16": T.I16, "int32": T.I32}
    tensors = {t.name: t for t in r.tensors}
    assert sorted(tensors) == sorted(arrays)
    for name, want in arrays.items():
        t = tensors[name]
        assert t.tensor_type == types[want.dtype.name]
        assert list(t.shape) == list(reversed(want.shape))  # innermost first
        np.testing.assert_array_equal(np.asarray(t.data).reshape(want.shape), want)
    vtypes = {"bool": V.BOOL, "uint8": V.UINT8, "int8": V.INT8, "uint16": V.UINT16, "int16": V.INT16,
              "uint32": V.UINT32, "int32": V.INT32, "uint64": V.UINT64, "int64": V.INT64, "float32": V.FLOAT32}
    for key, want in meta.items():
        f = r.fields[key]
        if want.ndim == 0:
            assert f.types == [vtypes[want.dtype.name]], key
            np.testing.assert_array_equal(np.array(f.contents(), dtype=want.dtype), want)
        else:
            assert f.types == [V.ARRAY, vtypes[want.dtype.name]], key
            np.testing.assert_array_equal(np.array(f.contents(), dtype=want.dtype), want)
    assert r.fields["s"].contents() == "text" and r.fields["l"].contents() == ["a", "bc"]


@needs_mlx
def test_saved_files_read_by_mlx_and_back(tmp_path):
    path = str(tmp_path / "s.gguf")
    arrays, meta = save_sample(path)
    m_arrays, m_meta = mx.load(path, return_metadata=True)
    for k, v in arrays.items():
        np.testing.assert_array_equal(np.array(m_arrays[k]), v)
    for k, v in meta.items():
        np.testing.assert_array_equal(np.array(m_meta[k]), v)
    assert m_meta["s"] == "text" and m_meta["l"] == ["a", "bc"]
    # And MLX's own files.
    mx.save_gguf(str(tmp_path / "m.gguf"), {"w": mx.arange(6, dtype=mx.int16).reshape(2, 3)},
                 {"a": mx.array([1, 2], dtype=mx.uint16), "b": "x", "c": ["y", "z"], "d": mx.array(1.5)})
    arrays, meta = ingot.load(str(tmp_path / "m.gguf"), return_metadata=True)
    same(arrays["w"], np.arange(6, dtype=np.int16).reshape(2, 3))
    same(meta["a"], np.array([1, 2], np.uint16))
    same(meta["d"], np.array(1.5, np.float32))
    assert meta["b"] == "x" and meta["c"] == ["y", "z"]


# ---- errors ----
def test_load_errors(tmp_path):
    path = tmp_path / "q5.gguf"
    gguf_file(path, [("w", gguf.quants.quantize(np.ones((2, 32), np.float32), T.Q5_0), T.Q5_0)])
    with pytest.raises(RuntimeError, match=r"\[load_gguf\] .*q5.gguf: tensor 'w' has the tensor type Q5_0 \(6\)"):
        ingot.load(str(path))
    ingot.save_gguf(str(tmp_path / "t.gguf"), {"x": ingot.ones((64,))})
    data = (tmp_path / "t.gguf").read_bytes()
    for n in (0, 3, 20, 60, len(data) - 40):
        (tmp_path / "cut.gguf").write_bytes(data[:n])
        with pytest.raises(RuntimeError, match=r"\[load_gguf\] .*cut.gguf: "):
            ingot.load(str(tmp_path / "cut.gguf"))
    # Names and strings must be UTF-8.
    bad = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<IQ", 8, 2) + b"\xff\xfe"
    (tmp_path / "u.gguf").write_bytes(bad)
    with pytest.raises(ValueError, match="the value of metadata 'k' is not valid UTF-8"):
        ingot.load(str(tmp_path / "u.gguf"), return_metadata=True)
    with pytest.raises(ValueError, match="supported: npy, npz, safetensors, gguf"):
        ingot.load(str(path), format="ggml")


def test_save_errors(tmp_path):
    path = str(tmp_path / "e.gguf")
    for dt in ("bfloat16", "float64", "uint8", "bool_"):
        with pytest.raises(ValueError, match=rf"\[save_gguf\] the array 'w' has dtype {dt.rstrip('_')}"):
            ingot.save_gguf(path, {"w": ingot.zeros((2,), dtype=getattr(ingot, dt))})
    for dt in ("float16", "bfloat16", "float64"):
        with pytest.raises(ValueError, match=rf"the metadata array 'k' has dtype {dt}"):
            ingot.save_gguf(path, {}, {"k": ingot.zeros((1,), dtype=getattr(ingot, dt))})
    with pytest.raises(ValueError, match="has 2 dimensions"):
        ingot.save_gguf(path, {}, {"k": ingot.zeros((1, 1))})
    with pytest.raises(ValueError, match="is empty"):
        ingot.save_gguf(path, {}, {"k": ingot.zeros((0,), dtype=ingot.int32)})
    for value in (3, 1.5, None, b"x", np.array([1])):
        with pytest.raises(ValueError, match="must be an array, a str or a list of str"):
            ingot.save_gguf(path, {}, {"k": value})
    with pytest.raises(ValueError, match="holds a non-str item"):
        ingot.save_gguf(path, {}, {"k": ["a", 1]})
    assert not pathlib.Path(path).exists()
