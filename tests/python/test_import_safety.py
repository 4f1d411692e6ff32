"""What a file may make ingot do (import budgets), copied constants, and crash-safe writes.

The budgets bound the work a small hostile file can ask for; copy_constants frees a function from its
file; an export killed part way (a real process, SIGKILL) leaves the old file and no litter behind.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ingot as mx


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "f.ingot")


def test_a_huge_intermediate_is_refused_at_import_by_default(path):
    # A scalar input, a 16 GiB intermediate: a few hundred bytes of file asking for the machine's memory.
    mx.export_function(path, lambda x: mx.sum(x + mx.full((1 << 16, 1 << 16), 1.0)), mx.array(1.0))
    with pytest.raises(RuntimeError, match=r"trace 0 needs 17179869184 bytes of intermediate and output arrays "
                                           r"per call \(reached at a Full node\), more than the limit "
                                           r"max_call_bytes = 8589934592"):
        mx.import_function(path)
    mx.import_function(path, max_call_bytes=64 << 30)  # trusted: allowed, and nothing runs yet


def test_budgets_are_keywords_and_count_what_they_say(path):
    mx.export_function(path, lambda a, b: (a @ b) * 2, mx.zeros((32, 32)), mx.zeros((32, 32)))
    # Two (32, 32) float32 arrays: 8,192 bytes. 2 * 32^3 multiply-adds plus reading the inputs: 67,584.
    f = mx.import_function(path, max_call_bytes=8192, max_call_flops=67584 + 2048 * 2)
    a = np.arange(1024, dtype=np.float32).reshape(32, 32) / 1024
    np.testing.assert_allclose(np.asarray(f(mx.array(a), mx.array(a.T))[0]), (a @ a.T) * 2, rtol=1e-5)
    with pytest.raises(RuntimeError, match=r"needs 8192 bytes .* max_call_bytes = 8191"):
        mx.import_function(path, max_call_bytes=8191)
    with pytest.raises(RuntimeError, match=r"reached at a Matmul node\), more than the limit max_call_flops = 60000"):
        mx.import_function(path, max_call_flops=60000)
    with pytest.raises(RuntimeError, match=r"the file has more than 1 nodes, the limit max_nodes"):
        mx.import_function(path, max_nodes=1)
    with pytest.raises(ValueError, match=r"\[import_function\] max_call_flops must be >= 0, got -1"):
        mx.import_function(path, max_call_flops=-1)
    with pytest.raises(TypeError):
        mx.import_function(path, False, 10)  # the budgets are keyword-only


def test_shapeless_calls_are_checked_when_their_shapes_are_known(path):
    mx.export_function(path, lambda x: mx.exp(x), mx.zeros((4,)), shapeless=True)
    f = mx.import_function(path, max_call_bytes=4000)
    np.testing.assert_allclose(np.asarray(f(mx.zeros((1000,)))[0]), np.ones(1000))
    with pytest.raises(RuntimeError, match=r"trace 0 needs 4004 bytes .* max_call_bytes = 4000"):
        f(mx.zeros((1001,)))


def test_copied_constants_survive_the_file_changing(path):
    w = np.linspace(-1, 1, 4096).astype(np.float32)
    mx.export_function(path, lambda x: x * mx.array(w), mx.ones((4096,)))
    f = mx.import_function(path, copy_constants=True)
    with open(path, "r+b") as fh:  # overwritten in place, then cut short
        fh.write(b"\x7f" * os.path.getsize(path))
        fh.truncate(0)
    np.testing.assert_array_equal(np.asarray(f(mx.full((4096,), 3.0))[0]), w * 3)


def test_a_directory_is_refused_as_the_destination(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    with pytest.raises(RuntimeError, match=r"\[export_function\] .*out is a directory; give a file path"):
        mx.export_function(str(d), lambda x: x + 1, mx.zeros((2,)))
    assert list(d.iterdir()) == []


WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import ingot as mx
    w = mx.array(np.random.default_rng(0).standard_normal(64 << 20, dtype=np.float32))  # 256 MiB
    mx.eval(w)
    print("ready", flush=True)
    while True:
        mx.export_function(sys.argv[1], lambda x: x * w, mx.ones((64 << 20,)))
""")


def _writing(pid, folder):
    """Whether process `pid` has a file open in `folder` (the export under way)."""
    fds = f"/proc/{pid}/fd"
    for fd in os.listdir(fds):
        try:
            target = os.readlink(os.path.join(fds, fd))
        except OSError:
            continue
        if target.startswith(str(folder) + "/"):
            return True
    return False


def test_an_export_killed_part_way_leaves_the_old_file_and_nothing_else(tmp_path):
    path = tmp_path / "model.ingot"
    mx.export_function(str(path), lambda x: x * 2, mx.ones((3,)))
    before = path.read_bytes()
    for attempt in range(3):
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE)
        try:
            assert p.stdout.readline().strip() == b"ready"
            deadline = time.time() + 60
            while not _writing(p.pid, tmp_path) and time.time() < deadline:
                time.sleep(0.001)
            time.sleep(0.05 * attempt)  # further into the write on later attempts
            p.send_signal(signal.SIGKILL)
        finally:
            p.kill()
            p.wait()
        assert p.returncode == -signal.SIGKILL
        names = sorted(x.name for x in tmp_path.iterdir())
        # The file is the old one, or (if the kill came after a rename) a whole new one; nothing else.
        assert names == ["model.ingot"], names
        f = mx.import_function(str(path))
        if path.read_bytes() == before:
            np.testing.assert_array_equal(np.asarray(f(mx.ones((3,)))[0]), [2, 2, 2])
        else:
            assert tuple(f.signatures[0]["args"][0][0]) == (64 << 20,)
