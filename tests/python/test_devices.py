"""Devices and streams with MLX's names: the CPU is the device, the GPU is named but unavailable, and
every op takes a stream= keyword that accepts the CPU and refuses the GPU by name, as MLX code expects."""

import inspect

import mlx.core as mlx_core
import numpy as np
import pytest

import ingot as mx


def test_devices_as_mlx_names_them():
    assert mx.default_device() == mx.cpu
    assert mx.default_device() == mx.Device(mx.cpu)
    assert mx.Device(mx.cpu, 0).type == mx.DeviceType.cpu
    assert repr(mx.default_device()) == "Device(cpu, 0)"
    assert mx.is_available(mx.cpu) and not mx.is_available(mx.gpu)
    assert mx.device_count(mx.cpu) == 1 and mx.device_count(mx.gpu) == 0
    assert not mx.metal.is_available() and not mx.cuda.is_available()
    info = mx.device_info()
    assert info["memory_size"] > 0 and info["num_cores"] >= 1 and isinstance(info["device_name"], str)
    mx.set_default_device(mx.cpu)
    mx.set_default_device(mx.Device(mx.cpu))
    # The same names exist in MLX and mean the same on its CPU build.
    assert mlx_core.default_device() == mlx_core.cpu or mlx_core.is_available(mlx_core.gpu)
    assert mx.DeviceType.cpu == mx.cpu and mx.cpu != mx.gpu


def test_a_gpu_request_is_an_error_never_a_silent_cpu_run():
    a = mx.ones(3)
    for call, name in [
        (lambda: mx.add(a, a, stream=mx.gpu), "add"),
        (lambda: mx.exp(a, stream=mx.Device(mx.gpu)), "exp"),
        (lambda: mx.random.normal((2,), stream=mx.gpu), "normal"),
        (lambda: mx.linalg.norm(a, stream=mx.gpu), "norm"),
        (lambda: mx.set_default_device(mx.gpu), "set_default_device"),
        (lambda: mx.new_stream(mx.gpu), "new_stream"),
        (lambda: mx.stream(mx.gpu), "stream"),
    ]:
        with pytest.raises(ValueError, match=rf"\[{name}\] there is no GPU: ingot computes on the CPU"):
            call()
    with pytest.raises(ValueError, match=r"\[add\] expected a Stream, Device or DeviceType, got str"):
        mx.add(a, a, stream="cpu")
    with pytest.raises(ValueError, match=r"\[set_default_device\] there is one CPU device \(index 0\), got index 1"):
        mx.set_default_device(mx.Device(mx.cpu, 1))
    with pytest.raises(RuntimeError, match=r"\[metal.device_info\] there is no metal device"):
        mx.metal.device_info()


def test_streams_run_on_the_calling_thread():
    s = mx.new_stream(mx.cpu)
    assert s.device == mx.cpu and s != mx.default_stream(mx.cpu)
    a = mx.array([1.0, 2.0])
    with mx.stream(s):
        b = mx.exp(a)
    with mx.stream(mx.cpu):
        c = mx.multiply(b, 2, stream=s)
    mx.async_eval(c)
    mx.synchronize()
    mx.synchronize(s)
    np.testing.assert_allclose(np.array(c), 2 * np.exp([1.0, 2.0]), rtol=1e-6)
    old = mx.default_stream(mx.cpu)
    mx.set_default_stream(s)
    assert mx.default_stream(mx.cpu) == s
    mx.set_default_stream(old)
    mx.clear_streams()
    assert mx.set_wired_limit(1 << 20) == 0 and mx.set_wired_limit(0) == 1 << 20


def test_every_op_takes_the_stream_keyword():
    a = mx.ones((2, 3))
    for name in ("sum", "reshape", "matmul", "concatenate", "softmax", "split", "take", "where", "conv1d"):
        assert "stream" in inspect.signature(getattr(mx, name)).parameters, name
    assert mx.sum(a, stream=mx.cpu).item() == 6.0
    assert mx.reshape(a, (3, 2), stream=mx.default_stream(mx.cpu)).shape == (3, 2)
    assert mx.fast.rms_norm(a, None, 1e-5, stream=mx.cpu).shape == (2, 3)
    assert mx.acos is mx.arccos  # aliases are the same function, stream keyword included


def test_array_methods_take_the_stream_keyword():
    a = mx.ones((2, 3))
    assert a.sum(stream=mx.cpu).item() == 6.0
    assert a.reshape(3, 2, stream=mx.cpu).shape == (3, 2)
    assert a.exp(stream=mx.default_stream(mx.cpu)).shape == (2, 3)
    with pytest.raises(ValueError, match=r"\[array.sum\] there is no GPU"):
        a.sum(axis=0, stream=mx.gpu)


def test_openblas_runs_the_kernels_of_the_cpu():
    # The library (not Python) picks OpenBLAS's kernels from the CPU's features when OpenBLAS fell back to
    # its generic ones; tests/cpp/test_threads.cpp checks the rule itself.
    import ctypes

    with open("/proc/cpuinfo") as f:
        info = f.read()
    flags = set(next((l.split(":", 1)[1].split() for l in info.splitlines() if l.startswith("flags")), []))
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_corename.restype = ctypes.c_char_p
    if "GenuineIntel" in info and {"avx2", "fma"} <= flags:
        assert lib.openblas_get_corename() != b"Prescott"
