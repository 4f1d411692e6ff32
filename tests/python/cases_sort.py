"""Op table rows: sort, argsort, partition, argpartition, topk, searchsorted.

A partition's order within each side is not promised, so partition rows use inputs whose result is
determined (at most one element on each side, or equal values on each side); test_ops_properties.py checks
the defining property on random inputs.
"""

import numpy as np

from cases_indexing import first, reversed_, strided, transposed
from op_table import ALL_DTYPES, Case, rand


def np_sort(a, axis=-1):
    return np.sort(a, axis=axis, kind="stable")


def np_argsort(a, axis=-1):
    return np.argsort(a, axis=axis, kind="stable")


def np_topk(a, k, axis=-1):
    if axis is None:
        a, axis = a.reshape(-1), 0
    s = np.sort(a, axis=axis)
    n = a.shape[axis]
    return np.take(s, np.arange(n - k, n), axis=axis)


def np_partition(a, kth, axis=-1):
    return np.partition(a, kth, axis=axis)


def np_searchsorted(s, v, side="left"):
    return np.searchsorted(s, v, side=side)


NAN = float("nan")
CASES = []
A = rand((3, 6))
TIES = np.array([[1, 0, 1, 0, 2, 1], [2, 2, 0, 0, 1, 1]], np.int32)
WITH_NAN = np.array([3.0, NAN, -1.0, 0.0, NAN, -np.inf, np.inf, 2.0], np.float32)

# ---- sort ----
CASES += [
    Case("sort", (A,), ref=np_sort, id="sort_last_axis"),
    Case("sort", (A,), {"axis": 0}, ref=np_sort, id="sort_axis0"),
    Case("sort", (A,), {"axis": None}, ref=np_sort, id="sort_none"),
    Case("sort", (rand((2, 3, 4)),), {"axis": 1}, ref=np_sort, id="sort_middle_axis"),
    Case("sort", (WITH_NAN,), ref=np_sort, id="sort_nan_last"),
    Case("sort", (np.array(2.5, np.float32),), {"axis": None}, ref=np_sort, id="sort_0d_none"),
    Case("sort", (np.zeros((0, 3), np.float32),), ref=np_sort, id="sort_empty"),
    Case("sort", (rand((4, 5)),), {"axis": 0}, ref=np_sort, transform=first(transposed), id="sort_transposed"),
    Case("sort", (rand((4, 5)),), ref=np_sort, transform=first(strided), id="sort_strided"),
    Case("sort", (rand((4, 5)),), {"axis": 0}, ref=np_sort, transform=first(reversed_), id="sort_reversed"),
    Case("sort", (np.array(2.5, np.float32),), raises=ValueError, match=r"\[sort\]", id="sort_0d_axis"),
    Case("sort", (A,), {"axis": 2}, raises=ValueError, match=r"\[sort\]", id="sort_bad_axis"),
]
for dt in ALL_DTYPES:
    CASES.append(Case("sort", (rand((3, 7), dt, low=-50, high=50),), ref=np_sort, id=f"sort_{dt}"))

# ---- argsort ----
CASES += [
    Case("argsort", (A,), ref=np_argsort, dtype="uint32", id="argsort_last_axis"),
    Case("argsort", (A,), {"axis": 0}, ref=np_argsort, dtype="uint32", id="argsort_axis0"),
    Case("argsort", (A,), {"axis": None}, ref=np_argsort, dtype="uint32", id="argsort_none"),
    Case("argsort", (TIES,), ref=np_argsort, dtype="uint32", id="argsort_stable_ties"),
    Case("argsort", (TIES,), {"axis": None}, ref=np_argsort, dtype="uint32", id="argsort_stable_ties_flat"),
    Case("argsort", (WITH_NAN,), ref=np_argsort, dtype="uint32", id="argsort_nan_last"),
    Case("argsort", (np.array([0.0, -0.0, 0.0, -0.0], np.float32),), ref=np_argsort, dtype="uint32",
         id="argsort_signed_zeros_equal"),
    Case("argsort", (np.zeros((2, 0), np.float32),), ref=np_argsort, dtype="uint32", id="argsort_empty"),
    Case("argsort", (rand((4, 5)),), {"axis": 0}, ref=np_argsort, transform=first(transposed),
         id="argsort_transposed"),
    Case("argsort", (rand((4, 5)),), {"axis": 0}, ref=np_argsort, transform=first(reversed_),
         id="argsort_reversed"),
    Case("argsort", (A,), {"axis": -3}, raises=ValueError, match=r"\[argsort\]", id="argsort_bad_axis"),
]
for dt in ALL_DTYPES:
    CASES.append(Case("argsort", (rand((3, 7), dt, low=-50, high=50, seed=1),), ref=np_argsort, dtype="uint32",
                      id=f"argsort_{dt}"))

# ---- partition / argpartition (determined results) ----
SIDES = np.array([[3, 0, 3, 1, 0, 3, 0], [9, 2, 9, 4, 2, 9, 2]], np.int32)  # kth=3: equal values each side
THREE = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0], [1.0, 1.5, 0.25]], np.float32)
CASES += [
    Case("partition", (SIDES, 3), ref=np_partition, id="partition_equal_sides"),
    Case("partition", (SIDES, -4), ref=np_partition, id="partition_negative_kth"),
    Case("partition", (SIDES.T.copy(), 3), {"axis": 0}, ref=np_partition, id="partition_axis0"),
    Case("partition", (THREE, 1), ref=np_partition, id="partition_three"),
    Case("partition", (THREE, 1), {"axis": 0}, ref=np_partition, transform=first(transposed),
         id="partition_transposed"),
    Case("partition", (np.array([[2], [-1], [0]], np.int8), 1), {"axis": None}, ref=np_partition,
         id="partition_none"),
    Case("partition", (np.zeros((2, 0), np.float32), 0), {"axis": 0}, ref=np_partition, id="partition_empty"),
    Case("partition", (THREE, 3), raises=ValueError, match=r"\[partition\]", id="partition_kth_too_big"),
    Case("partition", (THREE, -4), raises=ValueError, match=r"\[partition\]", id="partition_kth_too_small"),
    Case("partition", (THREE, 1), {"axis": 2}, raises=ValueError, match=r"\[partition\]", id="partition_bad_axis"),
    Case("argpartition", (THREE, 1), ref=lambda a, k: np.argsort(a, axis=-1), dtype="uint32",
         id="argpartition_three"),
    Case("argpartition", (THREE, -1), {"axis": 0}, ref=lambda a, k, axis: np.argsort(a, axis=0), dtype="uint32",
         id="argpartition_axis0"),
    Case("argpartition", (np.array([5.0, -3.0], np.float32), 0), {"axis": None},
         ref=lambda a, k, axis: np.array([1, 0]), dtype="uint32", id="argpartition_none"),
    Case("argpartition", (THREE, 1), ref=lambda a, k: np.argsort(a, axis=-1), dtype="uint32",
         transform=first(strided), id="argpartition_strided"),
    Case("argpartition", (THREE, 5), raises=ValueError, match=r"\[argpartition\]", id="argpartition_kth_too_big"),
]
for dt in ALL_DTYPES:
    x = np.array([[2, 0, 1], [1, 2, 0]]).astype(rand((1,), dt).dtype) if dt != "bool" else np.array([[True, False]])
    kth = 1 if dt != "bool" else 0
    CASES.append(Case("partition", (x, kth), ref=np_partition, id=f"partition_{dt}"))
    CASES.append(Case("argpartition", (x, kth), ref=lambda a, k: np.argsort(a, axis=-1, kind="stable"),
                      dtype="uint32", id=f"argpartition_{dt}"))

# ---- topk (ascending: element 0 is the kth largest) ----
TOPK_NOTE = "MLX returns the k largest in no promised order; ingot sorts them ascending (docs/python.md)."
DISTINCT = np.array([[3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0], [0.5, -2.0, 7.0, 8.0, -1.0, 2.5, 3.5, 1.0]],
                    np.float32)
CASES += [
    Case("topk", (DISTINCT, 3), ref=np_topk, mlx=False, note=TOPK_NOTE, id="topk_last_axis"),
    Case("topk", (DISTINCT, 1), {"axis": 0}, ref=np_topk, id="topk_axis0"),
    Case("topk", (DISTINCT, 4), {"axis": None}, ref=np_topk, mlx=False, note=TOPK_NOTE, id="topk_none"),
    Case("topk", (DISTINCT, 8), ref=np_topk, mlx=False, note=TOPK_NOTE, id="topk_all"),
    Case("topk", (DISTINCT, 0), ref=np_topk, id="topk_zero"),
    Case("topk", (np.array([1, 3, 3, 2, 3], np.int32), 2), ref=np_topk, id="topk_ties"),
    Case("topk", (DISTINCT, 2), {"axis": 0}, ref=np_topk, mlx=False, note=TOPK_NOTE, transform=first(transposed),
         id="topk_transposed"),
    Case("topk", (DISTINCT, 3), ref=np_topk, mlx=False, note=TOPK_NOTE, transform=first(reversed_),
         id="topk_reversed"),
    Case("topk", (DISTINCT, 1), ref=np_topk, transform=first(strided), id="topk_k1_strided"),
    Case("topk", (DISTINCT, 9), raises=ValueError, match=r"\[topk\]", id="topk_k_too_big"),
    Case("topk", (DISTINCT, 1), {"axis": 3}, raises=ValueError, match=r"\[topk\]", id="topk_bad_axis"),
]
for dt in ALL_DTYPES:
    x = rand((2, 9), dt, low=-100, high=100, seed=3)
    CASES.append(Case("topk", (x, 3), ref=np_topk, mlx=False, note=TOPK_NOTE, id=f"topk_{dt}"))

# ---- searchsorted ----
SORTED = np.array([-2.0, 0.0, 0.0, 1.5, 3.0, 3.0, 3.0, 8.0], np.float32)
VALUES = np.array([[-5.0, 0.0, 3.0], [2.0, 8.0, 9.0]], np.float32)
CASES += [
    Case("searchsorted", (SORTED, VALUES), ref=np_searchsorted, dtype="uint32", id="searchsorted_left"),
    Case("searchsorted", (SORTED, VALUES), {"side": "right"}, ref=np_searchsorted, dtype="uint32",
         id="searchsorted_right"),
    Case("searchsorted", (SORTED, np.array(3.0, np.float32)), ref=np_searchsorted, dtype="uint32",
         id="searchsorted_0d_value"),
    Case("searchsorted", (SORTED, 1.5), ref=np_searchsorted, dtype="uint32", mlx=False,
         id="searchsorted_python_scalar", note="MLX asks for an array of values; a scalar works here."),
    Case("searchsorted", (np.array([1, 2, 3], np.int32), np.array([1.5, 2.5, 3.0], np.float32)),
         {"side": "right"}, ref=np_searchsorted, dtype="uint32", id="searchsorted_promotes"),
    Case("searchsorted", (np.array([1.0, 2.0, NAN], np.float32), np.array([NAN, 2.0, np.inf], np.float32)),
         ref=np_searchsorted, dtype="uint32", id="searchsorted_nan_last"),
    Case("searchsorted", (np.array([1.0, 2.0, NAN], np.float32), np.array([NAN, 2.0, np.inf], np.float32)),
         {"side": "right"}, ref=np_searchsorted, dtype="uint32", id="searchsorted_nan_right"),
    Case("searchsorted", (np.zeros((0,), np.float32), VALUES), ref=np_searchsorted, dtype="uint32",
         id="searchsorted_empty_sorted"),
    Case("searchsorted", (SORTED, np.zeros((2, 0), np.float32)), ref=np_searchsorted, dtype="uint32",
         id="searchsorted_empty_values"),
    Case("searchsorted", (SORTED, VALUES), ref=np_searchsorted, dtype="uint32",
         transform=lambda s, v: (reversed_(s), transposed(v)), id="searchsorted_noncontiguous"),
    Case("searchsorted", (SORTED.reshape(2, 4), VALUES), raises=ValueError,
         match=r"\[searchsorted\] the sorted sequence must be 1-D", id="searchsorted_2d"),
    Case("searchsorted", (SORTED, VALUES), {"side": "middle"}, raises=ValueError,
         match=r"\[searchsorted\] side must be 'left' or 'right'", id="searchsorted_bad_side"),
]
for dt in ALL_DTYPES:
    s = np.sort(rand((12,), dt, low=-20, high=20, seed=4))
    v = rand((2, 5), dt, low=-25, high=25, seed=5)
    CASES.append(Case("searchsorted", (s, v), ref=np_searchsorted, dtype="uint32", id=f"searchsorted_{dt}"))
    CASES.append(Case("searchsorted", (s, v), {"side": "right"}, ref=np_searchsorted, dtype="uint32",
                      id=f"searchsorted_right_{dt}"))
