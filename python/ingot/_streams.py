"""MLX's `stream=` keyword on every op, and its GPU namespaces. ingot computes on the CPU: a stream or
device naming the CPU is accepted (CPU streams run on the calling thread), one naming the GPU is refused
with an error naming the op, never run on the CPU in its place."""

import functools
import types

from . import _core

# Functions of the extension that are not ops: they take no stream.
_NOT_OPS = {
    "eval", "async_eval", "export_function", "import_function", "exporter", "export_to_dot", "load", "save",
    "save_safetensors", "save_gguf", "get_active_memory", "get_peak_memory", "reset_peak_memory", "get_cache_memory",
    "set_cache_limit", "clear_cache", "set_wired_limit", "set_memory_limit", "get_memory_limit", "default_device",
    "set_default_device", "is_available",
    "device_count", "device_info", "default_stream", "set_default_stream", "new_stream", "clear_streams",
    "synchronize", "stream", "disable_compile", "enable_compile", "get_num_threads", "set_num_threads",
}
_NOT_RANDOM_OPS = {"seed", "key"}


def _with_stream(fn, name):
    @functools.wraps(fn)
    def op(*args, stream=None, **kwargs):
        if stream is not None:
            _core._check_stream(stream, name)
        return fn(*args, **kwargs)

    del op.__wrapped__  # inspect.signature shows the stream keyword (the docstring keeps the op's own)
    return op


def wrap_ops(module, target, not_ops=_NOT_OPS):
    """Replaces each op of `module`, there and in `target`, by one taking `stream=` (so that every path
    to an op, aliases included, is the same function)."""
    for name in dir(module):
        fn = getattr(module, name)
        if name.startswith("_") or name in not_ops or not callable(fn) or isinstance(fn, type):
            continue
        if type(fn).__name__ != "nb_func":  # classes, dtypes, submodules
            continue
        wrapped = _with_stream(fn, name)
        setattr(module, name, wrapped)
        setattr(target, name, wrapped)


def async_eval(*args):
    """MLX's asynchronous eval: ingot evaluates on the calling thread, so the arrays are ready on return."""
    _core.eval(*args)


def _unavailable_backend(name):
    ns = types.ModuleType(f"ingot.{name}")
    ns.__doc__ = f"MLX's {name} namespace: ingot has no {name} backend, so is_available() is False."
    ns.is_available = lambda: False
    ns.is_available.__doc__ = f"Whether the {name} backend is available: never, in ingot."

    def device_info():
        raise RuntimeError(f"[{name}.device_info] there is no {name} device: ingot computes on the CPU.")

    ns.device_info = device_info
    return ns


metal = _unavailable_backend("metal")
cuda = _unavailable_backend("cuda")


def metal_memory_aliases(ns):
    """MLX's older mx.metal memory functions, the same as the top-level ones (which count CPU memory
    here); capture, a Metal debugger feature, is refused."""
    for name in ("get_active_memory", "get_peak_memory", "reset_peak_memory", "get_cache_memory",
                 "set_cache_limit", "set_memory_limit", "set_wired_limit", "clear_cache"):
        setattr(ns, name, getattr(_core, name))

    def capture(*args, **kwargs):
        raise RuntimeError("[metal.start_capture] there is no metal device to capture: ingot computes on the CPU.")

    ns.start_capture = ns.stop_capture = capture
