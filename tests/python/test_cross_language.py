"""Cross-language round trips with the example programs: Python exports and C++ runs (examples/mlp), and
C++ exports and Python runs (examples/from_cpp).

The C++ programs come from the C++ build with examples (./scripts/test, or cmake -DINGOT_BUILD_EXAMPLES=ON):
their folder is $INGOT_BUILD_DIR/examples, with INGOT_BUILD_DIR defaulting to the repository's build/.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD_DIR = pathlib.Path(os.environ.get("INGOT_BUILD_DIR", ROOT / "build"))
EXAMPLES = BUILD_DIR / "examples"


def program(name):
    path = EXAMPLES / name
    if not path.is_file() or not os.access(path, os.X_OK):
        # ./scripts/test names the build folder: there a missing program is a failure, not a skip.
        (pytest.fail if "INGOT_BUILD_DIR" in os.environ else pytest.skip)(
            f"the C++ example {name} is not built in {EXAMPLES} (build with -DINGOT_BUILD_EXAMPLES=ON, as "
            "./scripts/test does, or point INGOT_BUILD_DIR at a build folder that has it)"
        )
    return str(path)


def run(cmd, expect_rc=0):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == expect_rc, f"{cmd} exited with {p.returncode}:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def test_python_exports_cpp_runs(tmp_path):
    run_mlp = program("run_mlp")
    out = run([sys.executable, str(ROOT / "examples/mlp/export_mlp.py"), str(tmp_path)])
    assert "exported" in out
    for name in ("mlp.ingot", "input.npy", "expected.npy"):
        assert (tmp_path / name).is_file()
    out = run([run_mlp, str(tmp_path)])
    assert "matches the outputs computed in Python" in out
    assert '"model":"mlp"' in out and "trace (float32[3,16]) -> (float32[3,4])" in out

    # The C++ program notices wrong expectations (exit code 1) and bad files (exit code 2).
    expected = np.load(tmp_path / "expected.npy")
    expected[1, 2] += 0.01
    np.save(tmp_path / "expected.npy", expected)
    out = run([run_mlp, str(tmp_path)], expect_rc=1)
    assert "MISMATCH" in out
    (tmp_path / "mlp.ingot").write_bytes(b"garbage")
    run([run_mlp, str(tmp_path)], expect_rc=2)


def test_cpp_exports_python_runs(tmp_path):
    export_model = program("export_model")
    out = run([export_model, str(tmp_path)])
    assert "with 2 traces" in out
    out = run([sys.executable, str(ROOT / "examples/from_cpp/run_model.py"), str(tmp_path)])
    assert out.count("matches numpy") == 2

    # The same checks in this process: metadata, signatures, and values against numpy.
    import ingot as mx

    f = mx.import_function(str(tmp_path / "model.ingot"))
    assert f.metadata == {"model": "two-layer mlp", "inputs": 8, "outputs": 2, "from": "C++"}
    assert [s["args"] for s in f.signatures] == [[((1, 8), mx.float32)], [((4, 8), mx.float32)]]
    assert all(s["kwargs"] == {"scale": ((), mx.float32)} for s in f.signatures)
    w1, b1, w2 = (np.load(tmp_path / f"{n}.npy") for n in ("w1", "b1", "w2"))
    x = np.random.default_rng(3).standard_normal((4, 8)).astype(np.float32)
    (y,) = f(x, scale=mx.array(2.0))
    np.testing.assert_allclose(np.array(y), (np.maximum(x @ w1 + b1, 0) @ w2) * 2.0, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"no trace in .*model\.ingot accepts the call \(float32\[2,8\]"):
        f(x[:2], scale=mx.array(2.0))


def test_cpp_example_export_import(tmp_path):
    # examples/export_import writes a file from C++; Python reads it and checks it against numpy.
    exe = program("export_import")
    path = tmp_path / "mlp.ingot"
    out = run([exe, str(path)])
    assert "matches the direct call" in out
    import ingot as mx

    f = mx.import_function(str(path))
    assert f.metadata == {"model": "mlp", "hidden": 8}
    w1 = (np.arange(32, dtype=np.float32) / 32).reshape(4, 8)
    w2 = (np.arange(24, dtype=np.float32) / 24).reshape(8, 3)
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    (y,) = f(x)
    np.testing.assert_allclose(np.array(y), np.maximum(x @ w1 - 0.5, 0) @ w2, rtol=1e-5)
    (y1,) = f(np.ones((1, 4), np.float32))
    np.testing.assert_allclose(np.array(y1), np.maximum(np.ones((1, 4)) @ w1 - 0.5, 0) @ w2, rtol=1e-5)


def test_training_step_exported_from_python_trains_in_cpp(tmp_path):
    """examples/train: Python exports init and step (value_and_grad and an AdamW update); the C++ program
    runs 100 steps on data it makes, and its losses are Python's own 100 steps on the same data."""
    train = program("train")
    out = run([sys.executable, str(ROOT / "examples/train/export_train.py"), str(tmp_path)])
    assert "20 state arrays" in out
    losses_file = tmp_path / "losses.npy"
    out = run([train, str(tmp_path), "100", str(losses_file)])
    printed = [line for line in out.splitlines() if line.startswith("step")]
    assert len(printed) == 10 and printed[0].split()[1] == "10" and printed[-1].split()[1] == "100"
    got = np.load(losses_file)
    sys.path.insert(0, str(ROOT / "examples/train"))
    try:
        import export_train
    finally:
        sys.path.pop(0)
    want = np.array(export_train.python_losses(100), dtype=np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    for line, k in zip(printed, range(9, 100, 10)):  # the printed losses are the saved ones
        assert np.isclose(float(line.split()[-1]), got[k], rtol=1e-5)
    assert got[-1] < got[0] / 100
    # A missing file is an error, not a crash.
    run([train, str(tmp_path / "missing")], expect_rc=1)
