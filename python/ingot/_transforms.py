"""MLX's function transforms over trees of arrays: grad, value_and_grad, vjp, jvp, vmap,
custom_function and checkpoint. The C++ core transforms flat lists of arrays (``_core._vjp`` ...);
this module flattens the arguments and rebuilds the results the way ``mlx.core`` does."""

import functools
import itertools

from . import _core
from ._core import array

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "vmap", "custom_function", "checkpoint", "compile",
           "disable_compile", "enable_compile"]

from ._core import disable_compile, enable_compile  # noqa: E402


# ---- trees: lists, tuples and dicts of arrays, visited in order ----


def _flatten(tree, arrays, strict, fn):
    """Appends tree's arrays to ``arrays``; other leaves are an error when ``strict``."""
    if isinstance(tree, array):
        arrays.append(tree)
    elif isinstance(tree, (list, tuple)):
        for t in tree:
            _flatten(t, arrays, strict, fn)
    elif isinstance(tree, dict):
        for t in tree.values():
            _flatten(t, arrays, strict, fn)
    elif strict:
        raise ValueError(f"[{fn}] the arguments must be arrays or trees (lists, tuples, dicts) of arrays, "
                         f"found {type(tree).__name__}.")
    return arrays


def _rebuild(tree, items):
    """A container of tree's type (list and tuple subclasses, named tuples, dicts) holding ``items``."""
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*items)
    if isinstance(tree, dict):
        return dict(zip(tree.keys(), items))
    return type(tree)(items)


def _fill(tree, it, leaf=array):
    """``tree`` with its arrays (or other ``leaf`` objects) replaced, in order, by the next values of ``it``."""
    if isinstance(tree, leaf):
        return next(it)
    if isinstance(tree, (list, tuple)):
        return _rebuild(tree, [_fill(t, it, leaf) for t in tree])
    if isinstance(tree, dict):
        return _rebuild(tree, [_fill(v, it, leaf) for v in tree.values()])
    return tree


class _Slot:
    """Where an array was in a call's arguments (a traced function keeps the call's shape, not its arrays)."""


def _fill_in_place(tree, it, slots):
    """As _fill, but lists and dicts are filled in place (a function may assign into its arguments, and
    keeps what it assigned, as in MLX); each (container, key, new, old) filled is recorded in slots."""
    if isinstance(tree, array):
        return next(it)
    if isinstance(tree, (list, dict)):
        for k in (range(len(tree)) if isinstance(tree, list) else list(tree.keys())):
            old = tree[k]
            new = _fill_in_place(old, it, slots)
            if isinstance(old, array):
                tree[k] = new
                slots.append((tree, k, new, old))
        return tree
    if isinstance(tree, tuple):
        return _rebuild(tree, [_fill_in_place(t, it, slots) for t in tree])
    return tree


def _restore(slots):
    """Puts back the arrays _fill_in_place replaced, where the function left them."""
    for container, key, new, old in slots:
        if container[key] is new:
            container[key] = old


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class _Traced:
    """``fun`` as a function of a flat list of arrays, as the C++ transforms call it: the arrays are
    filled, in order, into the trees of ``args`` and ``kwargs``; the tree of the result is kept, to put
    the transformed results back into."""

    def __init__(self, fun, args, kwargs, fn):
        self.fun, self.args, self.kwargs, self.fn, self.tree = fun, args, kwargs, fn, None

    def inputs(self, arrays):
        it = iter(arrays)
        return [_fill(a, it) for a in self.args], {k: _fill(v, it) for k, v in self.kwargs.items()}

    def __call__(self, arrays):
        a, k = self.inputs(arrays)
        self.tree = self.fun(*a, **k)
        return _flatten(self.tree, [], True, self.fn)

    def outputs(self, arrays):
        return _fill(self.tree, iter(arrays))


# ---- vjp and jvp ----


def vjp(fun, primals, cotangents):
    """The outputs of ``fun(*primals)`` and the vector-Jacobian product: the cotangents of the primals
    given one cotangent per output. ``primals`` and ``cotangents`` are lists (of arrays or trees)."""
    primals, cotangents = _as_list(primals), _as_list(cotangents)
    traced = _Traced(fun, primals, {}, "vjp")
    outs, grads = _core._vjp(traced, _flatten(primals, [], True, "vjp"), _flatten(cotangents, [], True, "vjp"))
    return _as_list(traced.outputs(outs)), _fill(primals, iter(grads))


def jvp(fun, primals, tangents):
    """The outputs of ``fun(*primals)`` and the Jacobian-vector product: the tangents of the outputs
    given one tangent per primal."""
    primals, tangents = _as_list(primals), _as_list(tangents)
    traced = _Traced(fun, primals, {}, "jvp")
    outs, touts = _core._jvp(traced, _flatten(primals, [], True, "jvp"), _flatten(tangents, [], True, "jvp"))
    return _as_list(traced.outputs(outs)), _as_list(traced.outputs(touts))


# ---- grad and value_and_grad ----


def _argnums(argnums, argnames, fn):
    names = [argnames] if isinstance(argnames, str) else list(argnames)
    if argnums is None:
        nums = [] if names else [0]
    elif isinstance(argnums, int):
        nums = [argnums]
    else:
        nums = list(argnums)
    if not nums and not names:
        raise ValueError(f"[{fn}] argnums and argnames are both empty: there is nothing to differentiate with "
                         "respect to.")
    for n in nums:
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"[{fn}] argnums must be ints, got {n!r}.")
        if n < 0:
            raise ValueError(f"[{fn}] argnums must be non-negative, got {n}.")
    if len(set(nums)) != len(nums):
        raise ValueError(f"[{fn}] duplicate argument index in argnums {nums}.")
    return sorted(nums), names


def _value_and_grad(fun, argnums, argnames, fn, scalar_only):
    nums, names = _argnums(argnums, argnames, fn)

    def run(*args, **kwargs):
        if nums and nums[-1] >= len(args):
            raise ValueError(f"[{fn}] cannot compute the gradient of argument index {nums[-1]}: the function "
                             f"was called with {len(args)} positional arguments.")
        for k in names:
            if k not in kwargs:
                raise ValueError(f"[{fn}] cannot compute the gradient of keyword argument '{k}': the function "
                                 f"was called with the keyword arguments {sorted(kwargs)}.")
        # Every array of the arguments, in order; those of the differentiated ones are traced.
        arrays, wanted, counts = [], [], []
        for i, a in enumerate(args):
            start = len(arrays)
            _flatten(a, arrays, i in nums, fn)
            if i in nums:
                wanted.extend(range(start, len(arrays)))
                counts.append(len(arrays) - start)
        kw_order = []
        for k, v in kwargs.items():
            start = len(arrays)
            _flatten(v, arrays, k in names, fn)
            if k in names:
                wanted.extend(range(start, len(arrays)))
                counts.append(len(arrays) - start)
                kw_order.append(k)
        value = [None]

        def flat_fun(flat):
            it, slots = iter(flat), []
            a2 = [_fill_in_place(a, it, slots) for a in args]
            k2 = {k: _fill_in_place(v, it, slots) for k, v in kwargs.items()}
            try:
                out = fun(*a2, **k2)
            finally:
                _restore(slots)
            if not isinstance(out, array):
                if scalar_only:
                    raise ValueError(f"[{fn}] the function must return a scalar array, got {type(out).__name__}.")
                if not isinstance(out, tuple) or not out or not isinstance(out[0], array):
                    raise ValueError(f"[{fn}] the function must return a scalar array or a tuple whose first "
                                     f"value is a scalar array, got {_describe(out)}.")
            value[0] = out
            flat_out = _flatten(out, [], False, fn)
            if flat_out[0].ndim != 0:
                raise ValueError(f"[{fn}] the function's first output must be a scalar (the loss), got shape "
                                 f"{tuple(flat_out[0].shape)}.")
            return flat_out

        if wanted:
            _, grads = _core._value_and_grad(flat_fun, arrays, wanted)
        else:  # nothing to differentiate (the arguments hold no arrays): the value, empty gradients
            flat_fun(arrays)
            grads = []
        it = iter(grads)
        pos = [_fill(args[i], it) for i in nums]
        kw = {k: _fill(kwargs[k], it) for k in kw_order}
        positional = pos[0] if len(nums) == 1 else (tuple(pos) if nums else None)
        return value[0], ((positional, kw) if names else positional)

    return run


def _describe(out):
    if isinstance(out, tuple):
        return "an empty tuple" if not out else f"a tuple whose first value is {type(out[0]).__name__}"
    return type(out).__name__


def value_and_grad(fun, argnums=None, argnames=()):
    """A function returning ``(fun(*args, **kwargs), gradients)``. ``fun`` returns a scalar loss, or a
    tuple whose first value is the scalar loss (the rest rides along). Gradients are taken with respect
    to the positional arguments ``argnums`` (default 0) and the keyword arguments ``argnames``, each a
    tree of arrays, and come back in the same structure (a tuple for several argnums; ``(positional,
    dict)`` when argnames are given)."""
    if not callable(fun):
        raise ValueError(f"[value_and_grad] fun must be callable, got {type(fun).__name__}.")
    return functools.wraps(fun)(_value_and_grad(fun, argnums, argnames, "value_and_grad", False))


def grad(fun, argnums=None, argnames=()):
    """The gradient of ``fun`` (which returns a scalar array): as :func:`value_and_grad`, gradients only."""
    if not callable(fun):
        raise ValueError(f"[grad] fun must be callable, got {type(fun).__name__}.")
    vg = _value_and_grad(fun, argnums, argnames, "grad", True)

    @functools.wraps(fun)
    def run(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    return run


# ---- vmap ----


def _flat_axes(tree, axes, output, fn="vmap"):
    """One axis per array of ``tree``: ``axes`` is a prefix of it (an int or None applies to everything
    below); None maps to -1 (not mapped). Negative axes count from the end."""
    out = []

    def visit(t, a):
        if isinstance(t, array):
            if isinstance(a, tuple) and len(a) == 1:
                a = a[0]
            if a is None:
                out.append(-1)
                return
            if not isinstance(a, int) or isinstance(a, bool):
                raise ValueError(f"[{fn}] an axis must be an int or None, got {a!r}.")
            n = t.ndim + (1 if output else 0)
            ax = a + n if a < 0 else a
            if not 0 <= ax < n:
                kind = "output " if output else ""
                raise ValueError(f"[{fn}] invalid {kind}vectorization axis {a} for an array with shape {tuple(t.shape)}.")
            out.append(ax)
        elif isinstance(t, (list, tuple)):
            if isinstance(a, (list, tuple)):
                if len(a) != len(t):
                    raise ValueError(f"[{fn}] the axes {a!r} do not match the structure of the arguments.")
                for ti, ai in zip(t, a):
                    visit(ti, ai)
            else:
                for ti in t:
                    visit(ti, a)
        elif isinstance(t, dict):
            if isinstance(a, dict):
                for k, v in t.items():
                    if k not in a:
                        raise ValueError(f"[{fn}] the axes have no entry for key {k!r}.")
                    visit(v, a[k])
            else:
                for v in t.values():
                    visit(v, a)
        else:
            raise ValueError(f"[{fn}] the arguments must be arrays or trees of arrays, found {type(t).__name__}.")

    visit(tree, axes)
    return out


def vmap(fun, in_axes=0, out_axes=0):
    """``fun`` mapped over an axis of its inputs: ``in_axes`` and ``out_axes`` are ints, None (not mapped)
    or trees of them matching the arguments and the results."""
    if not callable(fun):
        raise ValueError(f"[vmap] fun must be callable, got {type(fun).__name__}.")

    @functools.wraps(fun)
    def run(*args):
        flat = _flatten(list(args), [], True, "vmap")
        # One argument takes in_axes as its own tree, unless in_axes is a 1-tuple holding its axes.
        single = len(args) == 1 and not (isinstance(in_axes, tuple) and len(in_axes) == 1)
        axes = _flat_axes(args[0] if single else args, in_axes, False)
        traced = _Traced(fun, args, {}, "vmap")
        outs = _core._vmap(traced, flat, axes, [])
        # The results carry the mapped axis first; out_axes moves it (an unmapped result, None, keeps
        # only the first entry).
        want = _flat_axes(traced.outputs(outs), out_axes, False)
        moved = []
        for o, ax in zip(outs, want):
            if ax == -1:
                moved.append(o[0])
            else:
                moved.append(_core.moveaxis(o, 0, ax) if ax != 0 else o)
        return traced.outputs(moved)

    return run


# ---- custom_function and checkpoint ----


class custom_function:  # noqa: N801 (MLX's name)
    """A function with its own transforms: decorate it, then give ``.vjp(primals, cotangents, outputs)``,
    ``.jvp(primals, tangents)`` and ``.vmap(inputs, axes)`` rules as MLX's ``mx.custom_function``. Those
    not given are the function's own (a custom vjp leaves jvp and vmap as they were, as in MLX)."""

    def __init__(self, fun):
        if not callable(fun):
            raise ValueError(f"[custom_function] fun must be callable, got {type(fun).__name__}.")
        self._fun = fun
        self._vjp = self._jvp = self._vmap = None
        functools.update_wrapper(self, fun)

    def vjp(self, fun):
        self._vjp = fun
        return self

    def jvp(self, fun):
        self._jvp = fun
        return self

    def vmap(self, fun):
        self._vmap = fun
        return self

    def __call__(self, *args, **kwargs):
        flat = _flatten(list(args) + list(kwargs.values()), [], False, "custom_function")
        traced = _Traced(self._fun, args, kwargs, "custom_function")
        rebuild = traced.inputs

        def primal_arg(a):
            return a[0] if len(a) == 1 else tuple(a)

        flat_vjp = flat_jvp = flat_vmap = None
        if self._vjp is not None:
            def flat_vjp(primals, cotangents, outputs):
                a, k = rebuild(primals)
                res = self._vjp(primal_arg(a), traced.outputs(cotangents), traced.outputs(outputs), **k)
                return _flatten(res, [], False, "custom_function")
        if self._jvp is not None:
            def flat_jvp(primals, tangents, argnums):
                if kwargs:
                    raise ValueError("[custom_function] a custom jvp takes positional arguments only.")
                a, _ = rebuild(primals)
                have, it = set(argnums), iter(tangents)  # None where an input has no tangent, as MLX
                tans, _ = rebuild([next(it) if i in have else None for i in range(len(primals))])
                res = self._jvp(primal_arg(a), primal_arg(tans))
                return _flatten(res, [], False, "custom_function")
        if self._vmap is not None:
            def flat_vmap(arrays, axes):
                a, _ = rebuild(arrays)
                ax = _fill(list(args), iter([None if x < 0 else x for x in axes]))
                outs, out_axes = self._vmap(primal_arg(a), primal_arg(ax))
                flat_outs = _flatten(outs, [], True, "custom_function")
                flat_ax = _flat_axes(outs, out_axes, False, "custom_function")
                return flat_outs, flat_ax
        outs = _core._custom_call(traced, flat_vjp, flat_jvp, flat_vmap, flat)
        return traced.outputs(outs)


def checkpoint(fun):
    """``fun`` whose intermediates are not kept for the backward pass: its vjp runs ``fun`` again."""
    if not callable(fun):
        raise ValueError(f"[checkpoint] fun must be callable, got {type(fun).__name__}.")

    @functools.wraps(fun)
    def run(*args, **kwargs):
        flat = _flatten(list(args) + list(kwargs.values()), [], False, "checkpoint")
        traced = _Traced(fun, args, kwargs, "checkpoint")
        return traced.outputs(_core._checkpoint_call(traced, flat))

    return run


# ---- compile ----


def _structure(tree, shapeless):
    """A hashable picture of a call's arguments: the containers, each array's dtype and shape (rank when
    shapeless), and the other leaves by value (a changed Python constant traces again, as in MLX)."""
    if isinstance(tree, array):
        return ("A", str(tree.dtype), tree.ndim if shapeless else tuple(tree.shape))
    if isinstance(tree, (list, tuple)):
        return (type(tree).__name__, tuple(_structure(t, shapeless) for t in tree))
    if isinstance(tree, dict):
        return ("dict", tuple((k, _structure(v, shapeless)) for k, v in tree.items()))
    if tree is None or isinstance(tree, (bool, int, float, str)):
        return ("C", type(tree).__name__, tree)
    raise ValueError(f"[compile] arguments must be trees of arrays and constants (None, bool, int, float, str), "
                     f"got {type(tree).__name__}.")


def _leaf_slots(tree, out, read_only=False):
    """(container, key) for every array leaf of tree, in order; tuples only when ``read_only`` (captured
    outputs are written back)."""
    if isinstance(tree, (list, dict)) or (read_only and isinstance(tree, tuple)):
        for k in (list(tree.keys()) if isinstance(tree, dict) else range(len(tree))):
            v = tree[k]
            if isinstance(v, array):
                out.append((tree, k))
            else:
                _leaf_slots(v, out, read_only)
    elif isinstance(tree, tuple):
        for v in tree:
            if isinstance(v, array):
                raise ValueError("[compile] captured outputs must be held in lists or dicts (a tuple cannot be "
                                 "updated in place).")
            _leaf_slots(v, out)
    return out


class RandomState(list):
    """``random.state``: the global key sequence's key as a one-element list, as MLX's. Reading
    ``state[0]`` gives the current key and assigning it replaces the key, so ``compile(...,
    inputs=random.state, outputs=random.state)`` threads the key through a compiled function (fresh
    numbers each call)."""

    def __len__(self):
        return 1

    def _index(self, i):
        if i not in (0, -1):
            raise IndexError(f"[random.state] index {i} is out of range: the state holds one key.")

    def __getitem__(self, i):
        self._index(i)
        return _core.random._state()

    def __setitem__(self, i, key):
        self._index(i)
        _core.random._set_state(key)

    def __iter__(self):
        yield self[0]

    def __repr__(self):
        return f"[{self[0]!r}]"


def _bind(container, key, obj, value):
    """Makes a captured leaf read as ``value``: the random state through its container, other arrays in
    place (every holder of the array object sees it)."""
    if isinstance(container, RandomState):
        container[key] = value
    else:
        _core._rebind(obj, value)


def compile(fun, inputs=None, outputs=None, shapeless=False):
    """``fun`` traced once per signature of its arguments (array dtypes and shapes, or ranks when
    ``shapeless``; other arguments by value) and replayed from the recorded graph afterwards, without
    running ``fun``. ``inputs`` and ``outputs`` are trees of arrays the function reads and writes
    besides its arguments (model and optimizer state, as in MLX): they are read at every call, and the
    arrays found in ``outputs`` after a call are updated in place."""
    if not callable(fun):
        raise ValueError(f"[compile] fun must be callable, got {type(fun).__name__}.")
    compiled = {}

    simple = inputs is None and outputs is None

    @functools.wraps(fun)
    def run(*args, **kwargs):
        key = None
        if simple and not kwargs:
            # The common call, arrays only: a cheaper key of the same information (a key of this form
            # never equals one of the general form below, whose parts start with a string).
            parts = []
            for a in args:
                if type(a) is not array:
                    break
                parts.append(a.dtype)
                parts.append(a.ndim if shapeless else tuple(a.shape))
            else:
                flat, state_in, key = list(args), [], tuple(parts)
        if key is None:
            state_in = _flatten(inputs, [], False, "compile") if inputs is not None else []
            flat = _flatten([list(args), kwargs], [], False, "compile")
            key = (_structure(args, shapeless), _structure(kwargs, shapeless),
                   tuple(_structure(x, shapeless) for x in state_in))
        entry = compiled.get(key)
        if entry is None:
            out_tree = [None]
            n_args = len(flat)
            # The arguments with their arrays replaced by slots: the trace, kept with the compiled
            # function, must not hold the first call's arrays.
            skeleton = _fill((args, kwargs), itertools.repeat(_Slot()))

            def flat_fun(arrays):
                a2, k2 = _fill(skeleton, iter(arrays[:n_args]), _Slot)
                # The captured inputs read as the traced values while the function runs.
                in_slots = _leaf_slots(inputs, [], True) if inputs is not None else []
                held = [(c[k], _core._handle(c[k])) for c, k in in_slots]
                slots = _leaf_slots(outputs, []) if outputs is not None else []
                before = [(c[k], _core._handle(c[k])) for c, k in slots]
                for (c, k), (obj, _), tracer in zip(in_slots, held, arrays[n_args:]):
                    _bind(c, k, obj, tracer)
                try:
                    out = fun(*a2, **k2)
                    written = [_core._handle(c[k]) for c, k in _leaf_slots(outputs, [])] if outputs is not None else []
                finally:  # the state as it was: the replay below computes its new values
                    for (c, k), (obj, h) in zip(in_slots, held):
                        _bind(c, k, obj, h)
                    for (c, k), (obj, h) in zip(slots, before):
                        if not isinstance(c, RandomState):
                            c[k] = obj
                        _bind(c, k, obj, h)
                out_tree[0] = out
                return _flatten(out, [], False, "compile") + written

            entry = compiled[key] = [_core._compile(flat_fun, shapeless), out_tree, None]
        fn, out_tree, n_out = entry
        results = fn(flat + state_in if state_in else flat)
        if n_out is None:  # known once the first call has traced
            n_out = entry[2] = len(_flatten(out_tree[0], [], False, "compile"))
        if type(out_tree[0]) is array and outputs is None:
            return results[0]
        if outputs is not None:
            for (c, k), value in zip(_leaf_slots(outputs, []), results[n_out:]):
                if isinstance(c[k], array):
                    _bind(c, k, c[k], value)
                else:
                    c[k] = value
        return _fill(out_tree[0], iter(results[:n_out]))

    return run
