"""ingot.distributed across two processes started by Open MPI's mpirun: the collectives
(mpi_distributed_checks.py), and a tensor-parallel MLP exported by each process from Python
(examples/distributed/export_sharded.py) and run from C++ under mpirun (examples/distributed/run_sharded.cpp,
found in $INGOT_BUILD_DIR/examples as the other cross-language tests find theirs).
"""

import io
import os
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import ingot as mx

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).parent
BUILD_DIR = pathlib.Path(os.environ.get("INGOT_BUILD_DIR", ROOT / "build"))


def missing(what):
    # ./scripts/test installs Open MPI and names the build folder: there a missing piece is a failure.
    (pytest.fail if "INGOT_BUILD_DIR" in os.environ else pytest.skip)(what)


def clean_env():
    """This process's environment as it started. A library that starts MPI here without a launcher (MLX's
    init() does: Open MPI's singleton mode) adds variables to the C environment, which subprocesses
    inherit by default and with which mpirun fails; os.environ still holds the environment as it was."""
    return dict(os.environ)


def mpirun(*cmd, timeout=60):
    """Runs cmd in two processes; returns their output (stdout and stderr), failing on a nonzero exit."""
    if shutil.which("mpirun") is None:
        missing("mpirun is not installed (Debian: openmpi-bin, as scripts/common.sh installs)")
    args = ["mpirun", "-np", "2", "--oversubscribe"]
    if os.geteuid() == 0:  # Open MPI refuses root unless told (CI containers run as root)
        args.append("--allow-run-as-root")
    if "PYTHONPATH" in os.environ:
        args += ["-x", "PYTHONPATH"]
    p = subprocess.run(args + [str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, env=clean_env())
    out = p.stdout + p.stderr
    assert p.returncode == 0, f"{' '.join(args + [str(c) for c in cmd])} exited with {p.returncode}:\n{out}"
    return out


def test_collectives_across_two_processes(tmp_path):
    out = mpirun(sys.executable, HERE / "mpi_distributed_checks.py", tmp_path)
    assert "rank 0: all checks passed" in out and "rank 1: all checks passed" in out, out

    # Here, in one process, a file exported on two refuses to run, saying why; it still reads and draws.
    f = mx.import_function(str(tmp_path / "sum.rank0.ingot"))
    dot = io.StringIO()
    mx.export_to_dot(dot, f)
    assert "AllReduce(sum, 2)" in dot.getvalue()
    (y,) = f(mx.array([1.0]))
    with pytest.raises(ValueError, match=r"\[all_sum\] the function was exported on a group of 2 processes, and this "
                                         r"process's group has 1: run it with as many processes \(mpirun -np 2\)"):
        mx.eval(y)


def test_tensor_parallel_mlp_exported_from_python_runs_from_cpp(tmp_path):
    program = BUILD_DIR / "examples" / "run_sharded"
    if not (program.is_file() and os.access(program, os.X_OK)):
        missing(f"the C++ example run_sharded is not built in {program.parent} (build with -DINGOT_BUILD_EXAMPLES=ON)")
    out = mpirun(sys.executable, ROOT / "examples/distributed/export_sharded.py", tmp_path)
    assert out.count("the sharded model matches the unsharded one; exported") == 2, out
    for r in (0, 1):
        assert (tmp_path / f"mlp.rank{r}.ingot").is_file()
    meta = mx.import_function(str(tmp_path / "mlp.rank1.ingot")).metadata
    assert meta == {"rank": 1, "size": 2}

    out = mpirun(program, tmp_path)
    expected = np.load(tmp_path / "expected.npy")
    for r in (0, 1):
        assert f"rank {r} matches the outputs computed in Python" in out, out
        line = re.search(rf"^rank {r} of 2 output \(3,8\):(.*)$", out, re.M)
        assert line, out
        values = np.array([float(v) for v in line.group(1).split()], dtype=np.float32).reshape(expected.shape)
        np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5)

    # Started without mpirun, the program says so (init(strict=True)).
    p = subprocess.run([str(program), str(tmp_path)], capture_output=True, text=True, timeout=60, env=clean_env())
    assert p.returncode == 2 and "MPI cannot start" in p.stderr, p.stderr
