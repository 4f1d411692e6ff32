"""Runs the op table (op_table.py, rows in cases_*.py) against numpy and MLX."""

import importlib
import pathlib

import numpy as np
import pytest

import ingot
from op_table import BFLOAT16, Case

# MLX is required: a missing peer must fail the run, not skip the differential half silently.
import mlx.core as mx

HERE = pathlib.Path(__file__).parent
CASES = []
for path in sorted(HERE.glob("cases_*.py")):
    CASES += importlib.import_module(path.stem).CASES

# Public names of ingot that are not ops (types, transforms, export, modules); everything else callable
# needs a row.
NOT_OPS = {
    "array", "Dtype", "eval", "export_function", "import_function", "exporter", "export_to_dot",
    "get_active_memory", "get_peak_memory", "reset_peak_memory", "load", "save", "save_safetensors", "save_gguf",
    "get_cache_memory", "get_num_threads", "set_num_threads", "set_cache_limit", "clear_cache", "set_wired_limit", "async_eval", "savez", "savez_compressed",
    "set_memory_limit", "get_memory_limit",
    # devices and streams: test_devices.py
    "default_device", "set_default_device", "is_available", "device_count", "device_info", "default_stream",
    "set_default_stream", "new_stream", "clear_streams", "stream", "synchronize", "metal", "cuda",
    "nn", "utils", "random", "linalg", "fast", "ImportedFunction", "FunctionExporter",
    "issubdtype", "result_type", "can_cast",  # dtype utilities: test_extras.py
    "compile", "disable_compile", "enable_compile",  # transforms: test_transforms.py
    "grad", "value_and_grad", "vjp", "jvp", "vmap", "checkpoint", "custom_function", "optimizers",
    "einsum_path", "contiguous", "depends", "hanning", "hamming", "blackman", "bartlett",  # test_extras.py
    "cmake_dir",  # test_package.py
    "isdtype",  # a dtype predicate: test_surface_extras.py
}


def resolve(module, dotted):
    obj = module
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def to_lib(lib, x):
    """numpy arrays (and lists/tuples of them) become arrays of lib with the same dtype."""
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        x = np.asarray(x)
        if lib is ingot:
            return ingot.array(x, dtype=getattr(ingot, dtype_name(x.dtype)))
        if x.dtype == BFLOAT16:
            return mx.array(x.astype(np.float32)).astype(mx.bfloat16)
        return mx.array(x, dtype=getattr(mx, dtype_name(x.dtype)))
    if isinstance(x, ingot.Dtype) and lib is not ingot:
        # ingot's dtype objects in a row (dtype=ingot.int8) become MLX's.
        name = str(x).split(".")[-1]
        return getattr(mx, "bool_" if name == "bool" else name)
    if isinstance(x, (list, tuple)) and any(isinstance(e, np.ndarray) for e in x):
        return type(x)(to_lib(lib, e) for e in x)
    return x


def dtype_name(dt):
    if BFLOAT16 is not None and dt == BFLOAT16:
        return "bfloat16"
    return "bool_" if dt == np.bool_ else np.dtype(dt).name


def outputs_to_numpy(out):
    if isinstance(out, (list, tuple)):
        return [outputs_to_numpy(o) for o in out]
    if isinstance(out, (bool, int, float)):
        return np.asarray(out)
    if isinstance(out, mx.array):
        if out.dtype == mx.bfloat16:
            return np.asarray(out.astype(mx.float32)).astype(BFLOAT16)
        return np.asarray(out)
    return np.asarray(out)


def result_dtype_name(out):
    return str(out.dtype).split(".")[-1] if hasattr(out, "dtype") else None


def assert_close(got, want, case, what):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{what}: {len(got)} outputs, want {len(want)}"
        for g, w in zip(got, want):
            assert_close(g, w, case, what)
        return
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    # complex values compare as complex128 (a cast to float64 would drop the imaginary parts)
    wide = np.complex128 if np.iscomplexobj(got) or np.iscomplexobj(want) else np.float64
    g = got.astype(wide) if got.dtype != np.bool_ else got
    w = want.astype(wide) if want.dtype != np.bool_ else want
    if g.dtype == np.bool_ or w.dtype == np.bool_:
        np.testing.assert_array_equal(g, w, err_msg=what)
    else:
        np.testing.assert_allclose(g, w, rtol=case.rtol, atol=case.atol, equal_nan=True, err_msg=what)


def call(lib, case):
    fn = resolve(lib, case.mlx_name if (lib is not ingot and case.mlx_name) else case.op)
    args = tuple(to_lib(lib, a) for a in case.args)
    kwargs = {k: to_lib(lib, v) for k, v in case.kwargs.items()}
    if lib is ingot and case.transform is not None:
        args = case.transform(*args)
    return fn(*args, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.name() for c in CASES])
def test_op(case: Case):
    if case.raises is not None:
        with pytest.raises(case.raises, match=case.match):
            ingot.eval(call(ingot, case))
        return
    out = call(ingot, case)
    got = outputs_to_numpy(out)
    if case.dtype is not None:
        names = [result_dtype_name(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
        assert all(n == case.dtype for n in names), f"dtype {names}, want {case.dtype}"
    if case.ref is not None:
        want = case.ref(*case.args, **case.kwargs)
        want = [np.asarray(w) for w in want] if isinstance(want, (list, tuple)) else np.asarray(want)
        assert_close(got, want, case, "against numpy")
        if case.check_ref_dtype and not isinstance(want, list):
            assert got.dtype == want.dtype, f"dtype {got.dtype}, numpy gives {want.dtype}"
    if case.mlx:
        mout = call(mx, case)
        assert_close(got, outputs_to_numpy(mout), case, "against mlx")
        ours = [result_dtype_name(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
        theirs = [result_dtype_name(o) for o in (mout if isinstance(mout, (list, tuple)) else [mout])]
        assert ours == theirs, f"dtypes {ours}, mlx gives {theirs}"


def public_ops():
    names = set()
    for name in dir(ingot):
        if name.startswith("_") or name in NOT_OPS:
            continue
        obj = getattr(ingot, name)
        if callable(obj) and not isinstance(obj, (type, ingot.Dtype)):
            names.add(name)
    for sub in ("random", "linalg"):
        mod = getattr(ingot, sub, None)
        for name in dir(mod) if mod else []:
            if not name.startswith("_") and callable(getattr(mod, name)):
                names.add(f"{sub}.{name}")
    return names


def test_every_op_has_a_row():
    covered = {c.op for c in CASES}
    missing = sorted(public_ops() - covered)
    assert not missing, f"public ops without a row in the op table: {missing}"
