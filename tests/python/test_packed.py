"""Products by packed constant weights in imported and compiled functions (oneDNN): the same values as the
eager product to rounding, only for products with rows enough, and within ``max_packed_bytes``."""
import ctypes

import numpy as np
import pytest

import ingot as mx
import ingot.nn as nn


def _onednn_installed():
    try:
        ctypes.CDLL("libdnnl.so.2")
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _onednn_installed(), reason="oneDNN (libdnnl.so.2) is not installed")


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Linear(256, 320)  # weights of 2^16 elements or more are packed
        self.down = nn.Linear(320, 256, bias=False)

    def __call__(self, x):
        return self.down(mx.tanh(self.up(x)))


def _node(tmp_path, out):
    dot = tmp_path / "g.dot"
    mx.export_to_dot(str(dot), out)
    return dot.read_text()


@pytest.fixture
def model():
    mx.random.seed(3)
    m = Mlp()
    mx.eval(m.parameters())
    return m


def test_imported_linear_layers_read_their_weights_packed(tmp_path, model):
    x = mx.random.normal((2, 16, 256))
    mx.eval(x)  # inputs with data: one node replays the plan
    path = str(tmp_path / "mlp.ingot")
    mx.export_function(path, model, x)
    f = mx.import_function(path)
    got = f(x)[0]
    assert "ImportedCall(3 nodes; packed: 2)" in _node(tmp_path, got)
    np.testing.assert_allclose(np.array(got), np.array(model(x)), rtol=1e-5, atol=1e-5)
    # Few rows (a decode step's one): the weights are read where they are.
    one = mx.random.normal((1, 1, 256))
    mx.eval(one)
    mx.export_function(path, model, one)
    got = mx.import_function(path)(one)[0]
    assert "packed" not in _node(tmp_path, got)
    np.testing.assert_allclose(np.array(got), np.array(model(one)), rtol=1e-5, atol=1e-5)


def test_max_packed_bytes_zero_packs_nothing(tmp_path, model):
    x = mx.random.normal((32, 256))
    mx.eval(x)
    path = str(tmp_path / "mlp.ingot")
    mx.export_function(path, model, x)
    got = mx.import_function(path, max_packed_bytes=0)(x)[0]
    assert "packed" not in _node(tmp_path, got)
    np.testing.assert_allclose(np.array(got), np.array(model(x)), rtol=1e-5, atol=1e-5)


def test_compiled_linear_layers_read_their_weights_packed(tmp_path, model):
    x = mx.random.normal((48, 256))
    mx.eval(x)
    compiled = mx.compile(model)
    for _ in range(2):
        got = compiled(x)
        assert "CompiledCall(3 nodes; packed: 2)" in _node(tmp_path, got)
        np.testing.assert_allclose(np.array(got), np.array(model(x)), rtol=1e-5, atol=1e-5)
