"""Format compatibility with Hugging Face's `safetensors` package, both ways.

Writes files with `safetensors` (every dtype ingot shares with it, bfloat16 as raw bytes), runs the
C++ test IoSafetensorsCompat.* of the given ingot_tests binary on them (it checks the values and writes
its own file), then reads ingot's file back with `safetensors`, whose reader validates the layout.

Usage: python tests/python/safetensors_compat.py BUILD_DIR/tests/cpp/ingot_tests
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
import safetensors
import safetensors.numpy
from safetensors import TensorSpec

FLOATS = [0.5, -1.25, 2.0, 1024.0, -0.0, 3.0]

# name -> (safetensors dtype, numpy dtype or None for raw bfloat16, shape, values). The C++ test has
# the same table.
TABLE = {
    "t_bool": ("BOOL", np.bool_, (2, 3), [True, False, False, True, True, False]),
    "t_u8": ("U8", np.uint8, (2, 3), [0, 1, 2, 254, 255, 7]),
    "t_i8": ("I8", np.int8, (2, 3), [-128, -1, 0, 1, 127, 5]),
    "t_u16": ("U16", np.uint16, (2, 3), [0, 1, 65535, 300, 2, 9]),
    "t_i16": ("I16", np.int16, (2, 3), [-32768, 32767, -1, 0, 5, 6]),
    "t_u32": ("U32", np.uint32, (2, 3), [0, 4294967295, 1, 2, 3, 123456789]),
    "t_i32": ("I32", np.int32, (2, 3), [-(2**31), 2**31 - 1, -1, 0, 1, 42]),
    "t_u64": ("U64", np.uint64, (2, 3), [0, 2**64 - 1, 1, 2**63, 3, 4]),
    "t_i64": ("I64", np.int64, (2, 3), [-(2**63), 2**63 - 1, -1, 0, 1, 1234567890123]),
    "t_f16": ("F16", np.float16, (2, 3), FLOATS),
    "t_bf16": ("BF16", None, (2, 3), FLOATS),
    "t_f32": ("F32", np.float32, (2, 3), FLOATS),
    "t_f64": ("F64", np.float64, (2, 3), FLOATS),
    "scalar": ("F32", np.float32, (), [7.5]),
    "empty": ("I64", np.int64, (0, 4), []),
}
METADATA = {"framework": "ingot-compat", "note": "h\u00e9llo"}
SPEC_DTYPES = {"BOOL": "bool", "U8": "uint8", "I8": "int8", "U16": "uint16", "I16": "int16", "U32": "uint32",
               "I32": "int32", "U64": "uint64", "I64": "int64", "F16": "float16", "BF16": "bfloat16",
               "F32": "float32", "F64": "float64"}


def numpy_value(name):
    st, dt, shape, values = TABLE[name]
    if dt is None:  # bfloat16: the top half of each float32 (these values are exact in bfloat16)
        return (np.array(values, np.float32).view(np.uint32) >> 16).astype(np.uint16).reshape(shape)
    return np.array(values, dtype=dt).reshape(shape)


def write_python_files(d):
    arrays = {name: numpy_value(name).copy(order="C") for name in TABLE}  # ascontiguousarray makes 0-d 1-d
    specs = {name: TensorSpec(dtype=SPEC_DTYPES[TABLE[name][0]], shape=a.shape, data_ptr=a.ctypes.data,
                              data_len=a.nbytes) for name, a in arrays.items()}
    safetensors.serialize_file(specs, os.path.join(d, "from_python.safetensors"), metadata=METADATA)
    plain = {name: a for name, a in arrays.items() if TABLE[name][1] is not None}
    safetensors.numpy.save_file(plain, os.path.join(d, "from_python_numpy.safetensors"), metadata=METADATA)


def check_ingot_file(d):
    """Returns a list of problems with the file ingot wrote."""
    path = os.path.join(d, "from_ingot.safetensors")
    problems = []
    with open(path, "rb") as f:
        tensors = dict(safetensors.deserialize(f.read()))  # validates offsets, sizes and coverage
    if set(tensors) != set(TABLE):
        problems.append(f"tensor names differ: {sorted(tensors)}")
    for name, (st, dt, shape, values) in TABLE.items():
        t = tensors.get(name)
        if t is None:
            continue
        want = numpy_value(name)
        if t["dtype"] != st or tuple(t["shape"]) != shape or bytes(t["data"]) != want.tobytes():
            problems.append(f"{name}: got {t['dtype']} {t['shape']} {bytes(t['data'])!r}")
    with safetensors.safe_open(path, framework="numpy") as f:
        if f.metadata() != METADATA:
            problems.append(f"metadata differs: {f.metadata()}")
        for name, (st, dt, shape, values) in TABLE.items():
            if dt is None or name not in f.keys():
                continue  # numpy has no bfloat16; a missing name is reported above
            got = f.get_tensor(name)
            want = numpy_value(name)
            if got.dtype != want.dtype or got.shape != want.shape or got.tobytes() != want.tobytes():
                problems.append(f"{name} through safetensors.numpy: got {got!r}")
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    results = {}  # check -> problems
    with tempfile.TemporaryDirectory() as d:
        write_python_files(d)
        env = dict(os.environ, INGOT_SAFETENSORS_COMPAT_DIR=d)
        run = subprocess.run([binary, "--gtest_filter=IoSafetensorsCompat.*"], env=env, capture_output=True,
                             text=True, timeout=120)
        ran = run.returncode == 0 and "[  PASSED  ] 1 test" in run.stdout and "SKIPPED" not in run.stdout
        results["files written by safetensors load in ingot"] = [] if ran else [run.stdout + run.stderr]
        if ran:
            results["the file ingot writes loads in safetensors"] = check_ingot_file(d)
    failed = 0
    for check, problems in results.items():
        print(("ok      " if not problems else "FAILED  ") + check)
        for p in problems:
            print("    " + p)
        failed += bool(problems)
    print(f"safetensors_compat: {len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed or len(results) < 2 else 0)


if __name__ == "__main__":
    main()
