"""Helpers for Python trees (nested lists, tuples and dicts of arrays), as ``mlx.utils``.

A tree's leaves are whatever is not a list, tuple or dict (or whatever ``is_leaf`` accepts). Flattened
trees name each leaf by its path with dots: ``{"layers": [{"w": a}]}`` flattens to ``[("layers.0.w", a)]``.
"""

from collections import defaultdict
from itertools import zip_longest
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

__all__ = [
    "tree_flatten",
    "tree_unflatten",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_merge",
]


def _rebuild(node, children):
    """A list, tuple or namedtuple of the same type as ``node`` holding ``children``."""
    if isinstance(node, tuple) and hasattr(node, "_fields"):
        return type(node)(*children)
    return type(node)(children)


def tree_map(fn: Callable, tree: Any, *rest: Any, is_leaf: Optional[Callable] = None) -> Any:
    """A tree of the same structure as ``tree`` with ``fn(leaf, *matching leaves of rest)`` at each leaf.

    Each tree of ``rest`` has at least the structure of ``tree``; its node at a leaf position of ``tree``
    is passed whole. ``is_leaf(node)`` returning True makes a node a leaf.
    """
    return tree_map_with_path(lambda _, *leaves: fn(*leaves), tree, *rest, is_leaf=is_leaf)


def tree_map_with_path(
    fn: Callable,
    tree: Any,
    *rest: Any,
    is_leaf: Optional[Callable] = None,
    path: Optional[Any] = None,
) -> Any:
    """As :func:`tree_map`, calling ``fn(path, leaf, *rest_leaves)`` with the dotted path of each leaf.

    ``path`` is a prefix for the paths (None: none; the path of a bare leaf is then None).
    """

    def visit(node, others, where):
        if is_leaf is not None and is_leaf(node):
            return fn(where, node, *others)
        prefix = f"{where}." if where else ""
        if isinstance(node, (list, tuple)):
            return _rebuild(
                node,
                [visit(child, [o[i] for o in others], f"{prefix}{i}") for i, child in enumerate(node)],
            )
        if isinstance(node, dict):
            return {k: visit(child, [o[k] for o in others], f"{prefix}{k}") for k, child in node.items()}
        return fn(where, node, *others)

    return visit(tree, rest, path)


def tree_flatten(
    tree: Any,
    prefix: str = "",
    is_leaf: Optional[Callable] = None,
    destination: Optional[Union[List[Tuple[str, Any]], Dict[str, Any]]] = None,
) -> Union[List[Tuple[str, Any]], Dict[str, Any]]:
    """The leaves of ``tree`` as ``(dotted path, leaf)`` pairs, in depth-first order.

    ``prefix`` starts every path; its first character is dropped (MLX's convention: pass ".model" to get
    "model.x"). ``destination``: a list to extend (the default, a new list) or a dict to fill.
    """
    if destination is None:
        destination = []
    if isinstance(destination, list):
        add = destination.append
    elif isinstance(destination, dict):

        def add(item):
            destination[item[0]] = item[1]

    else:
        raise ValueError("[tree_flatten] destination must be a list, a dict or None.")

    def visit(node, where):
        if is_leaf is not None and is_leaf(node):
            add((where[1:], node))
        elif isinstance(node, (list, tuple)):
            for i, child in enumerate(node):
                visit(child, f"{where}.{i}")
        elif isinstance(node, dict):
            for k, child in node.items():
                visit(child, f"{where}.{k}")
        else:
            add((where[1:], node))

    visit(tree, prefix)
    return destination


def tree_unflatten(tree: Union[List[Tuple[str, Any]], Dict[str, Any]]) -> Any:
    """The nested tree described by ``(dotted path, leaf)`` pairs (a list of pairs or a dict).

    A level whose keys are all integers becomes a list (missing indices are filled with empty dicts);
    any other level becomes a dict. A single pair with the empty path is the leaf itself.
    """
    items = list(tree.items()) if isinstance(tree, dict) else list(tree)
    if len(items) == 1 and items[0][0] == "":
        return items[0][1]

    groups = defaultdict(list)
    for key, value in items:
        head, _, tail = key.partition(".")
        groups[head].append((tail, value))

    indices = {}
    for head in groups:
        try:
            indices[int(head)] = head
        except ValueError:
            indices = None
            break
    # "1" and "01" are different keys: such a level stays a dict.
    if indices is not None and len(indices) == len(groups):
        result = []
        for i in sorted(indices):
            while len(result) < i:
                result.append({})
            result.append(tree_unflatten(groups[indices[i]]))
        return result
    return {head: tree_unflatten(children) for head, children in groups.items()}


def tree_reduce(fn: Callable, tree: Any, initializer: Any = None, is_leaf: Optional[Callable] = None) -> Any:
    """Folds ``fn(accumulator, leaf)`` over the leaves of ``tree``; without ``initializer`` the first
    leaf starts the accumulation."""
    state = [initializer]

    def visit(node):
        if (is_leaf is None or not is_leaf(node)) and isinstance(node, (list, tuple, dict)):
            for child in node.values() if isinstance(node, dict) else node:
                visit(child)
        else:
            state[0] = node if state[0] is None else fn(state[0], node)

    visit(tree)
    return state[0]


def tree_merge(tree_a: Any, tree_b: Any, merge_fn: Optional[Callable] = None) -> Any:
    """A tree holding the leaves of both trees (a deep ``dict.update``); empty containers count as
    absent. Where both have a leaf, ``merge_fn(a, b)`` decides (without it that is an error)."""

    def empty(t):
        return isinstance(t, (dict, list, tuple)) and len(t) == 0

    if empty(tree_a) and empty(tree_b):
        if type(tree_a) is not type(tree_b):
            raise ValueError(
                f"[tree_merge] cannot merge {type(tree_a).__name__} with {type(tree_b).__name__}."
            )
        return type(tree_a)()
    a = None if empty(tree_a) else tree_a
    b = None if empty(tree_b) else tree_b
    if a is None or b is None:
        return b if a is None else a
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return _rebuild(a, [tree_merge(x, y, merge_fn) for x, y in zip_longest(a, b)])
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: tree_merge(a.get(k), b.get(k), merge_fn) for k in set(a) | set(b)}
    if merge_fn is None:
        raise ValueError(
            "[tree_merge] the trees hold leaves at the same place but no merge_fn was given."
        )
    return merge_fn(a, b)
