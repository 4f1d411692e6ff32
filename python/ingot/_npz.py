"""numpy's .npz archives: savez and savez_compressed as MLX has them, and load of .npz files (a dict of
arrays). The archive format is numpy's own, so numpy writes and reads it."""

import numpy as _np

from . import _core


def _as_numpy(name, a, fn):
    if not isinstance(a, _core.array):
        raise ValueError(f"[{fn}] {name} must be an array, got {type(a).__name__}.")
    return _np.array(a)


def _arrays(args, kwargs, fn):
    named = {f"arr_{i}": a for i, a in enumerate(args)}
    for k, v in kwargs.items():
        if k in named:
            raise ValueError(f"[{fn}] the name {k} is given twice (positional arrays are named arr_0, arr_1, ...).")
        named[k] = v
    return {k: _as_numpy(k, v, fn) for k, v in named.items()}


def savez(file, *args, **kwargs):
    """Saves arrays to an uncompressed .npz archive (``.npz`` is appended to a path without it):
    positional arrays as ``arr_0``, ``arr_1``, ..., keyword arrays under their names."""
    _np.savez(file, **_arrays(args, kwargs, "savez"))


def savez_compressed(file, *args, **kwargs):
    """As :func:`savez`, compressed (zip deflate)."""
    _np.savez_compressed(file, **_arrays(args, kwargs, "savez_compressed"))


def _wants_npz(file, format):
    if format is not None:
        return format == "npz"
    name = file if isinstance(file, str) else getattr(file, "name", None) or getattr(file, "__fspath__", lambda: "")()
    return isinstance(name, str) and name.endswith(".npz")


def wrap_load(load):
    """``load`` that also reads .npz archives (a dict of arrays, as MLX)."""

    def load_any(file, format=None, return_metadata=False):
        if _wants_npz(file, format):
            if return_metadata:
                raise ValueError("[load] metadata is read from safetensors and GGUF files only, not .npz.")
            with _np.load(file, allow_pickle=False) as archive:
                return {k: _core.array(archive[k]) for k in archive.files}
        return load(file, format=format, return_metadata=return_metadata)

    load_any.__doc__ = load.__doc__ + " .npz archives give a dict of arrays."
    load_any.__name__ = "load"
    return load_any
