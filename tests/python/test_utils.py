"""ingot.utils against mlx.utils: the same trees give the same results."""

from collections import namedtuple

import mlx.utils as mu
import numpy as np
import pytest

import ingot as mx
from ingot import utils as iu

Point = namedtuple("Point", ["x", "y"])

TREES = [
    0,
    [],
    {},
    [[[0]]],
    (1, 2, (3, 4)),
    {"a": {"b": 1}, "c": [2, 3, {"d": 4}]},
    {"model": [{"w": 0, "b": 1}, {"w": 2, "b": 3}], "head": {"w": 5}},
    [Point(1, 2), Point(3, [4, 5])],
    {"empty": {}, "list": [], "x": None},
]


@pytest.mark.parametrize("tree", TREES)
def test_tree_flatten_matches_mlx(tree):
    assert iu.tree_flatten(tree) == mu.tree_flatten(tree)
    assert iu.tree_flatten(tree, prefix=".top") == mu.tree_flatten(tree, prefix=".top")
    assert iu.tree_flatten(tree, destination={}) == mu.tree_flatten(tree, destination={})


def test_tree_flatten_is_leaf_and_destination():
    tree = {"a": [1, 2], "b": {"c": [3]}}

    def is_leaf(x):
        return isinstance(x, list)

    assert iu.tree_flatten(tree, is_leaf=is_leaf) == [("a", [1, 2]), ("b.c", [3])]
    assert iu.tree_flatten(tree, is_leaf=is_leaf) == mu.tree_flatten(tree, is_leaf=is_leaf)
    dest = [("already", 0)]
    out = iu.tree_flatten(tree, destination=dest)
    assert out is dest and out == [("already", 0), ("a.0", 1), ("a.1", 2), ("b.c.0", 3)]
    with pytest.raises(ValueError, match=r"\[tree_flatten\] destination must be a list, a dict or None"):
        iu.tree_flatten(tree, destination=set())


FLAT = [
    [("hello.world", 42)],
    {"hello.world": 42},
    [("", 7)],
    [("0", 1), ("1", 2)],
    [("2", "c"), ("0", "a")],  # missing index 1 is filled with {}
    [("01", 1), ("1", 2)],  # "01" and "1" are different keys: a dict
    [("a.0.w", 1), ("a.0.b", 2), ("a.1.w", 3), ("b", 4)],
    [("layers.10.w", 1), ("layers.2.w", 2)],  # integer order, not string order
    [],
]


@pytest.mark.parametrize("flat", FLAT)
def test_tree_unflatten_matches_mlx(flat):
    assert iu.tree_unflatten(flat) == mu.tree_unflatten(flat)


@pytest.mark.parametrize("tree", TREES[3:])
def test_flatten_unflatten_round_trip(tree):
    flat = iu.tree_flatten(tree)
    assert iu.tree_unflatten(flat) == mu.tree_unflatten(flat)


@pytest.mark.parametrize("tree", TREES)
def test_tree_map_matches_mlx(tree):
    def fn(x):
        return ("leaf", x)

    assert iu.tree_map(fn, tree) == mu.tree_map(fn, tree)


def test_tree_map_keeps_container_types():
    out = iu.tree_map(lambda x: x * 10, [Point(1, 2), (3,), {"a": [4]}])
    assert isinstance(out[0], Point) and out[0] == Point(10, 20)
    assert isinstance(out[1], tuple) and out[1] == (30,)
    assert out[2] == {"a": [40]}


def test_tree_map_with_rest_and_is_leaf():
    a = {"x": [1, 2], "y": 3}
    b = {"x": [10, 20], "y": 30, "extra": 99}
    c = {"x": [100, 200], "y": 300}
    assert iu.tree_map(lambda p, q, r: p + q + r, a, b, c) == {"x": [111, 222], "y": 333}
    # The rest trees' nodes at a leaf of the first tree are passed whole.
    assert iu.tree_map(lambda p, q: (p, q), {"x": 1}, {"x": [1, 2]}) == {"x": (1, [1, 2])}
    is_leaf = lambda x: isinstance(x, list)  # noqa: E731
    assert iu.tree_map(lambda x: "L", a, is_leaf=is_leaf) == mu.tree_map(lambda x: "L", a, is_leaf=is_leaf)
    assert iu.tree_map(lambda x: "L", a, is_leaf=is_leaf) == {"x": "L", "y": "L"}


def test_tree_map_with_path_matches_mlx():
    tree = {"model": [{"w": 0, "b": 1}, {"w": 0, "b": 1}], "t": (5, Point(6, 7))}
    seen, seen_mlx = [], []
    out = iu.tree_map_with_path(lambda p, x: seen.append(p) or p, tree)
    out_mlx = mu.tree_map_with_path(lambda p, x: seen_mlx.append(p) or p, tree)
    assert seen == seen_mlx == ["model.0.w", "model.0.b", "model.1.w", "model.1.b", "t.0", "t.1.0", "t.1.1"]
    assert out == out_mlx
    assert iu.tree_map_with_path(lambda p, x: p, [1, [2]], path="root") == ["root.0", ["root.1.0"]]
    assert iu.tree_map_with_path(lambda p, x: p, 5) is None
    rest = {"model": [{"w": 10, "b": 11}, {"w": 12, "b": 13}], "t": (0, Point(0, 0))}
    assert iu.tree_map_with_path(lambda p, x, y: (p, x + y), tree, rest) == mu.tree_map_with_path(
        lambda p, x, y: (p, x + y), tree, rest
    )


@pytest.mark.parametrize(
    "tree,init",
    [({"a": [1, 2, 3], "b": [4, 5]}, 0), ({"a": [1, 2, 3], "b": [4, 5]}, None), ([[2], (3, {"x": 4})], 1), (5, None),
     (5, 10), ([], None), ([], 3)],
)  # fmt: skip
def test_tree_reduce_matches_mlx(tree, init):
    fn = lambda acc, x: acc * 2 + x  # noqa: E731
    assert iu.tree_reduce(fn, tree, init) == mu.tree_reduce(fn, tree, init)


def test_tree_reduce_is_leaf():
    tree = {"a": [1, 2], "b": [3]}
    fn = lambda acc, x: acc + [len(x)]  # noqa: E731
    is_leaf = lambda x: isinstance(x, list)  # noqa: E731
    assert iu.tree_reduce(fn, tree, [], is_leaf) == mu.tree_reduce(fn, tree, [], is_leaf) == [2, 1]


def test_tree_merge_matches_mlx():
    a = {"x": [1, {}], "y": {"z": 2}}
    b = {"x": [{}, 3], "w": 4}
    assert iu.tree_merge(a, b) == mu.tree_merge(a, b) == {"x": [1, 3], "y": {"z": 2}, "w": 4}
    assert iu.tree_merge([], []) == [] and iu.tree_merge({}, {}) == {}
    assert iu.tree_merge({"a": 1}, {"a": 2}, lambda p, q: p + q) == {"a": 3}
    with pytest.raises(ValueError, match=r"\[tree_merge\] cannot merge list with dict"):
        iu.tree_merge([], {})
    with pytest.raises(ValueError, match=r"\[tree_merge\] the trees hold leaves at the same place but no merge_fn"):
        iu.tree_merge({"a": 1}, {"a": 2})


def test_trees_of_arrays():
    w = mx.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    b = mx.array(np.ones(3, dtype=np.float32))
    tree = {"layers": [{"w": w, "b": b}]}
    flat = iu.tree_flatten(tree)
    assert [k for k, _ in flat] == ["layers.0.w", "layers.0.b"]
    assert flat[0][1] is w and flat[1][1] is b
    back = iu.tree_unflatten(flat)
    assert back["layers"][0]["w"] is w
    doubled = iu.tree_map(lambda x: x * 2, tree)
    np.testing.assert_array_equal(np.array(doubled["layers"][0]["w"]), np.arange(6).reshape(2, 3) * 2)
    total = iu.tree_reduce(lambda acc, x: acc + x.size, tree, 0)
    assert total == 9


def test_reachable_from_package():
    assert mx.utils.tree_flatten is iu.tree_flatten
