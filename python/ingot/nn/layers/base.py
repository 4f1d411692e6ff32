"""The base class of layers and models: a dict of parameters and child modules, as ``mlx.nn.Module``."""

from __future__ import annotations

import textwrap
from typing import Any, Callable, List, Optional, Tuple, Union

import ingot as mx
from ingot.utils import tree_flatten, tree_unflatten

__all__ = ["Module"]


def _is_container(value):
    return isinstance(value, (dict, list))


class Module(dict):
    """Base class of neural network layers and models.

    A module is a ``dict``: attributes that are arrays, dicts, lists or tuples (and therefore child modules)
    are stored as its items, so the module is the tree of its parameters and children. Other attributes
    (ints, strings, ...) are plain Python attributes. Items whose name starts with ``_`` are not parameters.

    Subclasses define ``__call__``; a module is then a function of its inputs and can be passed where a
    function is expected, e.g. ``ingot.export_function(path, model, x)``.
    """

    def __init__(self):
        """Subclasses call this before setting any attribute."""
        object.__setattr__(self, "_no_grad", set())
        object.__setattr__(self, "_training", True)

    def __call__(self, *args, **kwargs):
        raise NotImplementedError(f"[{type(self).__name__}] the module does not define __call__.")

    # ---- attributes are items ----

    @property
    def training(self) -> bool:
        """True in training mode (Dropout drops, BatchNorm updates its statistics)."""
        return self._training

    @property
    def state(self) -> "Module":
        """The module's own dict (a live reference, not a copy): parameters and everything else stored."""
        return self

    def __getattr__(self, key: str):
        # Only reached when normal attribute lookup fails: fall back to the items.
        value = self.get(key, None)
        if value is not None:
            return value
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")

    def __setattr__(self, key: str, value: Any):
        if isinstance(value, (mx.array, dict, list, tuple)):
            # A plain attribute of the same name would shadow the item.
            if key in self.__dict__:
                object.__delattr__(self, key)
            self[key] = value
        else:
            object.__setattr__(self, key, value)
            self.pop(key, None)

    def __delattr__(self, key: str):
        if self.get(key, None) is not None:
            del self[key]
        else:
            object.__delattr__(self, key)

    def _extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = tree_flatten(self.children(), is_leaf=self.is_module)
        text = f"{type(self).__name__}({self._extra_repr()}"
        for name, child in children:
            text += "\n" + textwrap.indent(f"({name}): {child!r}", "  ")
        return text + ("\n)" if children else ")")

    # ---- filters ----

    @staticmethod
    def is_module(value) -> bool:
        return isinstance(value, Module)

    @staticmethod
    def valid_child_filter(module: "Module", key: str, value: Any) -> bool:
        return _is_container(value)

    @staticmethod
    def valid_parameter_filter(module: "Module", key: str, value: Any) -> bool:
        return isinstance(value, (dict, list, mx.array)) and not key.startswith("_")

    @staticmethod
    def trainable_parameter_filter(module: "Module", key: str, value: Any) -> bool:
        return Module.valid_parameter_filter(module, key, value) and key not in module._no_grad

    def filter_and_map(
        self,
        filter_fn: Callable[["Module", str, Any], bool],
        map_fn: Optional[Callable] = None,
        is_leaf_fn: Optional[Callable[["Module", str, Any], bool]] = None,
    ) -> dict:
        """The module's contents, recursively, kept where ``filter_fn(module, key, value)`` holds.

        ``map_fn`` transforms each kept leaf; ``is_leaf_fn(module, key, value)`` says what a leaf is
        (default: anything that is not a module, dict or list). Inside plain dicts and lists the key
        passed to the filter is the dotted path from the owning module ("layers.0"); an entry of a list
        or dict that the filter rejects is kept as ``{}`` so that positions are preserved.
        """
        map_fn = map_fn or (lambda x: x)
        if is_leaf_fn is None:

            def is_leaf_fn(m, k, v):
                return not isinstance(v, (Module, dict, list))

        def visit(owner, key, value):
            if is_leaf_fn(owner, key, value):
                return map_fn(value)
            if isinstance(value, Module):
                return {k: visit(value, k, v) for k, v in value.items() if filter_fn(value, k, v)}
            if isinstance(value, dict):
                out = {}
                for k, v in value.items():
                    path = f"{key}.{k}"
                    out[k] = visit(owner, path, v) if filter_fn(owner, path, v) else {}
                return out
            if isinstance(value, list):
                out = []
                for i, v in enumerate(value):
                    path = f"{key}.{i}"
                    out.append(visit(owner, path, v) if filter_fn(owner, path, v) else {})
                return out
            raise RuntimeError(f"[filter_and_map] unexpected leaf of type {type(value).__name__} at '{key}'.")

        return {k: visit(self, k, v) for k, v in self.items() if filter_fn(self, k, v)}

    # ---- views of the tree ----

    def parameters(self) -> dict:
        """Every array of the module and its children (names not starting with ``_``), as nested dicts
        and lists."""
        return self.filter_and_map(self.valid_parameter_filter)

    def trainable_parameters(self) -> dict:
        """As :meth:`parameters`, without the frozen ones."""
        return self.filter_and_map(self.trainable_parameter_filter)

    def children(self) -> dict:
        """The direct child modules (inside nested dicts and lists as they are stored)."""
        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=lambda m, k, v: isinstance(v, Module))

    def leaf_modules(self) -> dict:
        """The descendant modules that have no child modules, as nested dicts and lists."""

        def is_leaf_module(m, k, v):
            return isinstance(v, Module) and not tree_flatten(v.children())

        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=is_leaf_module)

    def apply_to_modules(self, apply_fn: Callable[[str, "Module"], Any]) -> "Module":
        """Calls ``apply_fn(path, module)`` for this module (path "") and every descendant ("layers.0")."""
        stack = [("", self)]
        while stack:
            path, module = stack.pop()
            apply_fn(path, module)
            stack.extend(tree_flatten(module.children(), prefix=f".{path}" if path else "", is_leaf=self.is_module))
        return self

    def modules(self) -> List["Module"]:
        """This module and all its descendants."""
        found = []
        self.apply_to_modules(lambda _, m: found.append(m))
        return found

    def named_modules(self) -> List[Tuple[str, "Module"]]:
        """``(dotted path, module)`` for this module ("") and all its descendants."""
        found = []
        self.apply_to_modules(lambda path, m: found.append((path, m)))
        return found

    # ---- changing the tree ----

    def update(self, parameters: dict, strict: bool = True) -> "Module":
        """Replaces the arrays found at the places given by the (partial) tree ``parameters``.

        With ``strict``, every place must exist in the module and hold an array where the module holds one.
        """

        def assign(dst, key, new, merge):
            current = dst[key]
            if isinstance(current, mx.array):
                if strict and not isinstance(new, mx.array):
                    raise ValueError(f"[update] Received invalid type: {type(new).__name__}.")
                dst[key] = new
            else:
                merge(current, new)

        _merge_tree(self, parameters, assign, strict, "update", "parameter")
        return self

    def update_modules(self, modules: dict, strict: bool = True) -> "Module":
        """Replaces child modules at the places given by the (partial) tree ``modules``; used to swap
        layers (e.g. by :func:`quantize`). With ``strict``, every place must exist."""

        def assign(dst, key, new, merge):
            current = dst[key]
            if isinstance(current, Module) and isinstance(new, Module):
                dst[key] = new
            elif _is_container(current):
                merge(current, new)
            elif strict and new != {}:
                raise ValueError(f"[update_modules] Received invalid type: {type(new).__name__}.")

        _merge_tree(self, modules, assign, strict, "update_modules", "sub-module")
        return self

    def apply(
        self,
        map_fn: Callable[[mx.array], mx.array],
        filter_fn: Optional[Callable[["Module", str, Any], bool]] = None,
    ) -> "Module":
        """Replaces each parameter ``p`` (or each array selected by ``filter_fn``) with ``map_fn(p)``,
        e.g. ``model.apply(lambda p: p.astype(ingot.float16))``."""
        self.update(self.filter_and_map(filter_fn or Module.valid_parameter_filter, map_fn))
        return self

    def set_dtype(self, dtype, predicate: Optional[Callable] = None) -> None:
        """Casts the parameters to ``dtype``; by default only floating ones (``predicate(dtype)`` picks
        others)."""
        if predicate is None:

            def predicate(t):
                return t in (mx.float16, mx.bfloat16, mx.float32, mx.float64)

        self.apply(lambda p: p.astype(dtype) if predicate(p.dtype) else p)

    # ---- weights on disk ----

    def load_weights(
        self, file_or_weights: Union[str, List[Tuple[str, mx.array]]], strict: bool = True
    ) -> "Module":
        """Sets the parameters from a ``.safetensors`` or ``.npz`` file or a list of ``(name, array)``.

        With ``strict`` (the default) the names must be exactly the module's parameter names and each
        array must have the parameter's shape; otherwise only the given names are set, unchecked.
        """
        weights = file_or_weights
        if isinstance(weights, str):
            weights = list(_load_file(weights).items())
        else:
            weights = list(weights.items()) if isinstance(weights, dict) else list(weights)

        if strict:
            given = dict(weights)
            current = tree_flatten(self.parameters(), destination={})
            extra = given.keys() - current.keys()
            if extra:
                names = ",\n".join(sorted(extra))
                raise ValueError(f"[load_weights] Received {len(extra)} parameters not in model: \n{names}.")
            missing = current.keys() - given.keys()
            if missing:
                names = ",\n".join(sorted(missing))
                raise ValueError(f"[load_weights] Missing {len(missing)} parameters: \n{names}.")
            for name, old in current.items():
                new = given[name]
                if not isinstance(new, mx.array):
                    raise ValueError(
                        f"[load_weights] Expected an array but received {type(new).__name__} for parameter {name}."
                    )
                if tuple(new.shape) != tuple(old.shape):
                    raise ValueError(
                        f"[load_weights] Expected shape {tuple(old.shape)} but received shape "
                        f"{tuple(new.shape)} for parameter {name}."
                    )
        if weights:
            self.update(tree_unflatten(weights), strict=False)
        return self

    def save_weights(self, file: str) -> None:
        """Writes the parameters, named by their dotted paths, to a ``.safetensors`` or ``.npz`` file."""
        params = tree_flatten(self.parameters(), destination={})
        if file.endswith(".safetensors"):
            mx.save_safetensors(file, params)
        elif file.endswith(".npz"):
            _save_npz(file, params)
        else:
            raise ValueError(f"[save_weights] Unsupported file extension for {file}. Use '.npz' or '.safetensors'.")

    # ---- freezing and modes ----

    def _validate_keys(self, keys, strict):
        keys = keys if isinstance(keys, list) else [keys]
        if strict:
            for k in keys:
                if k not in self:
                    raise KeyError(f"Module doesn't contain member {k}.")
        return keys

    def _validate_keys_recursive(self, keys):
        # A key such as "bias" must exist somewhere in the model, not in every module.
        keys = keys if isinstance(keys, list) else [keys]
        modules = self.modules()
        for k in keys:
            if not any(k in m for m in modules):
                raise KeyError(f"Module doesn't contain member {k}.")

    def freeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> "Module":
        """Marks parameters as frozen (left out of :meth:`trainable_parameters`): all of them, or those
        named by ``keys`` (e.g. ``"bias"``), in this module and (``recurse``) its descendants. With
        ``strict``, each key must exist (somewhere in the model when recursing)."""

        def freeze_one(_, m):
            names = keys
            if names is None:
                own = m.filter_and_map(
                    lambda mm, k, v: not isinstance(v, Module) and mm.valid_parameter_filter(mm, k, v)
                )
                names = [k for k, _ in tree_flatten(own)]
            m._no_grad.update(m._validate_keys(names, check))

        check = strict
        if recurse:
            if strict and keys is not None:
                self._validate_keys_recursive(keys)
                check = False
            self.apply_to_modules(freeze_one)
        else:
            freeze_one("", self)
        return self

    def unfreeze(
        self,
        *,
        recurse: bool = True,
        keys: Optional[Union[str, List[str]]] = None,
        strict: bool = False,
    ) -> "Module":
        """Undoes :meth:`freeze` for all parameters or those named by ``keys``."""

        def unfreeze_one(_, m):
            if keys is None:
                m._no_grad.clear()
            else:
                m._no_grad.difference_update(m._validate_keys(keys, check))

        check = strict
        if recurse:
            if strict and keys is not None:
                self._validate_keys_recursive(keys)
                check = False
            self.apply_to_modules(unfreeze_one)
        else:
            unfreeze_one("", self)
        return self

    def _set_training_mode(self, mode: bool) -> None:
        object.__setattr__(self, "_training", mode)

    def train(self, mode: bool = True) -> "Module":
        """Sets training mode (``mode=False``: evaluation mode) on this module and its descendants."""
        self.apply_to_modules(lambda _, m: m._set_training_mode(mode))
        return self

    def eval(self) -> "Module":
        """Sets evaluation mode: ``train(False)``."""
        return self.train(False)


def _load_file(path: str) -> dict:
    if not path.endswith(".npz"):
        return mx.load(path)
    import numpy as np

    def convert(a):
        # bfloat16 is stored as 2-byte void ('<V2'), as MLX writes it.
        if a.dtype == np.dtype("V2"):
            import ml_dtypes

            a = a.view(ml_dtypes.bfloat16)
        return mx.array(a)

    with np.load(path) as data:
        return {k: convert(data[k]) for k in data.files}


def _save_npz(path: str, params: dict) -> None:
    import numpy as np

    # numpy writes bfloat16 arrays (ml_dtypes) as '<V2', which MLX reads back as bfloat16.
    np.savez(path, **{k: np.array(v) for k, v in params.items()})


def _merge_tree(dst, src, assign, strict, op, what):
    """Walks the partial tree ``src`` over ``dst`` (dicts by key, lists by index) and calls
    ``assign(container, key, value, merge)`` at each place; with ``strict``, places must exist."""

    def merge(dst, src):
        if isinstance(src, dict):
            for k in src:
                if k in dst:
                    assign(dst, k, src[k], merge)
                elif strict:
                    raise ValueError(f'[{op}] Module does not have {what} named "{k}".')
        elif isinstance(src, list) and isinstance(dst, list):
            for i in range(len(src)):
                if i < len(dst):
                    assign(dst, i, src[i], merge)
                elif strict:
                    raise ValueError(
                        f"[{op}] List index {i} is out of bounds for destination of length {len(dst)}."
                    )
        elif strict:
            raise ValueError(f"[{op}] Received invalid type: {type(src).__name__}.")

    merge(dst, src)
