"""Op table rows: linalg.norm."""

import numpy as np

from cases_indexing import first, reversed_, strided, transposed
from op_table import ALL_DTYPES, Case, rand

INF = float("inf")


def np_norm(a, ord=None, axis=None, keepdims=False):
    """numpy's norm computed in float64 (its bfloat16 and half support is partial)."""
    x = np.asarray(a).astype(np.float64)
    if isinstance(axis, list):
        axis = tuple(axis)
    if ord == "f":
        ord = "fro"
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


V = rand((7,))
M = rand((4, 5), seed=1)
T = rand((2, 3, 4), seed=2)
CASES = [
    Case("linalg.norm", (V,), ref=np_norm, id="norm_vector"),
    Case("linalg.norm", (M,), ref=np_norm, id="norm_matrix_frobenius"),
    Case("linalg.norm", (T,), ref=np_norm, id="norm_3d_flattened"),
    Case("linalg.norm", (T,), {"axis": 1}, ref=np_norm, id="norm_axis_int"),
    Case("linalg.norm", (T,), {"axis": [2]}, ref=np_norm, id="norm_axis_list1"),
    Case("linalg.norm", (T,), {"axis": [1, 2]}, ref=np_norm, id="norm_axis_pair"),
    Case("linalg.norm", (T,), {"axis": (-1, 0)}, ref=np_norm, id="norm_axis_tuple_negative"),
    Case("linalg.norm", (T,), {"axis": 1, "keepdims": True}, ref=np_norm, id="norm_keepdims"),
    Case("linalg.norm", (M,), {"keepdims": True}, ref=np_norm, id="norm_keepdims_all"),
    Case("linalg.norm", (np.array(-3.5, np.float32),), ref=np_norm, id="norm_0d"),
    Case("linalg.norm", (np.array([100, -100, 90], np.int8),), ref=np_norm, mlx=False, dtype="float32",
         id="norm_int8_no_overflow", note="MLX squares int8 in int8 and wraps around; ingot computes in float32."),
    Case("linalg.norm", (np.zeros((0,), np.float32),), ref=np_norm, id="norm_empty"),
    Case("linalg.norm", (np.zeros((3, 0), np.float32),), {"axis": 1}, ref=np_norm, id="norm_empty_axis"),
    Case("linalg.norm", (M,), {"axis": 0}, ref=np_norm, transform=first(transposed), id="norm_transposed"),
    Case("linalg.norm", (M,), {"ord": 1, "axis": 1}, ref=np_norm, transform=first(strided), id="norm_strided"),
    Case("linalg.norm", (M,), {"ord": INF}, ref=np_norm, transform=first(reversed_), id="norm_reversed"),
    # vector ords
    Case("linalg.norm", (V, 1), ref=np_norm, id="norm_vec_ord1"),
    Case("linalg.norm", (V, 2), ref=np_norm, id="norm_vec_ord2"),
    Case("linalg.norm", (V, 2.0), ref=np_norm, id="norm_vec_ord2_float"),
    Case("linalg.norm", (V, INF), ref=np_norm, id="norm_vec_inf"),
    Case("linalg.norm", (V, -INF), ref=np_norm, id="norm_vec_neg_inf"),
    Case("linalg.norm", (np.array([0.0, 1.5, 0.0, -2.0], np.float32), 0), ref=np_norm, id="norm_vec_ord0"),
    Case("linalg.norm", (V, 3), ref=np_norm, rtol=1e-5, id="norm_vec_ord3"),
    Case("linalg.norm", (V, 0.5), ref=np_norm, rtol=1e-5, id="norm_vec_ord_half"),
    Case("linalg.norm", (V, -1), ref=np_norm, rtol=1e-5, id="norm_vec_ord_neg1"),
    Case("linalg.norm", (M, 3), {"axis": 0}, ref=np_norm, rtol=1e-5, id="norm_vec_ord3_axis"),
    Case("linalg.norm", (M, INF), {"axis": -1, "keepdims": True}, ref=np_norm, id="norm_vec_inf_keepdims"),
    # matrix ords
    Case("linalg.norm", (M, 1), ref=np_norm, id="norm_mat_ord1"),
    Case("linalg.norm", (M, -1), ref=np_norm, id="norm_mat_ord_neg1"),
    Case("linalg.norm", (M, INF), ref=np_norm, id="norm_mat_inf"),
    Case("linalg.norm", (M, -INF), ref=np_norm, id="norm_mat_neg_inf"),
    Case("linalg.norm", (M, "fro"), ref=np_norm, id="norm_mat_fro"),
    Case("linalg.norm", (T, "fro", [0, 2]), ref=np_norm, id="norm_mat_fro_axes"),
    Case("linalg.norm", (T, 1, (2, 1)), ref=np_norm, id="norm_mat_ord1_swapped_axes"),
    Case("linalg.norm", (T, -INF, (0, 1), True), ref=np_norm, id="norm_mat_neg_inf_keepdims"),
    Case("linalg.norm", (M, "f"), ref=np_norm, mlx=False, id="norm_mat_f",
         note="'f' is accepted as a synonym of 'fro'; MLX 0.32 refuses it."),
    # errors
    Case("linalg.norm", (M, "nuc"), raises=ValueError, match=r"\[linalg::norm\] ord 'nuc' needs singular values",
         id="norm_nuc_unsupported"),
    Case("linalg.norm", (M, 2), raises=ValueError, match=r"\[linalg::norm\] matrix ord 2 needs singular values",
         id="norm_mat_ord2_unsupported"),
    Case("linalg.norm", (M, 3), raises=ValueError, match=r"\[linalg::norm\] invalid ord 3 for a matrix norm",
         id="norm_mat_bad_ord"),
    Case("linalg.norm", (T, 1), raises=ValueError, match=r"\[linalg::norm\] an ord without axes needs a 1-D or 2-D",
         id="norm_ord_3d_no_axis"),
    Case("linalg.norm", (V, "fro"), raises=ValueError, match=r"\[linalg::norm\] ord 'fro' is a matrix norm",
         id="norm_fro_vector"),
    Case("linalg.norm", (M, "fro", [0]), raises=ValueError, match=r"\[linalg::norm\] ord 'fro' is a matrix norm",
         id="norm_fro_one_axis"),
    Case("linalg.norm", (M, "abc"), raises=ValueError, match=r"\[linalg::norm\] invalid ord 'abc'",
         id="norm_bad_string"),
    Case("linalg.norm", (T,), {"axis": [0, 1, 2]}, raises=ValueError,
         match=r"\[linalg::norm\] expects 1 axis \(vector norm\) or 2 axes", id="norm_three_axes"),
    Case("linalg.norm", (M,), {"axis": [1, 1]}, raises=ValueError, match=r"\[linalg::norm\] repeated axis",
         id="norm_same_axes"),
    Case("linalg.norm", (M,), {"axis": 2}, raises=ValueError, match=r"\[linalg::norm\]", id="norm_bad_axis"),
    Case("linalg.norm", (M, float("nan")), raises=ValueError, match=r"\[linalg::norm\] ord cannot be NaN",
         id="norm_nan_ord"),
    Case("linalg.norm", (np.zeros((0,), np.float32), INF), raises=ValueError,
         match=r"\[linalg::norm\] ord inf is undefined over the empty axis", id="norm_inf_empty"),
    Case("linalg.norm", (M,), {"axis": "0"}, raises=TypeError, match=r"incompatible function arguments",
         id="norm_axis_type"),
    Case("linalg.norm", (M, [1]), raises=TypeError, match=r"\[linalg.norm\] ord must be", id="norm_ord_type"),
]
for dt in ALL_DTYPES:
    x = rand((3, 4), dt, low=-20, high=20, seed=3)
    tol = {"float16": 2e-3, "bfloat16": 1e-2}.get(dt, 1e-5)
    # MLX squares 8-bit integers in their own type (and overflows); ingot computes in float32.
    mlx_ok = dt not in ("int8", "uint8")
    CASES.append(Case("linalg.norm", (x,), ref=np_norm, rtol=tol, mlx=mlx_ok, dtype=None if mlx_ok else "float32",
                      id=f"norm_{dt}", note="" if mlx_ok else "MLX overflows 8-bit squares"))
    CASES.append(Case("linalg.norm", (x, 1), {"axis": 1}, ref=np_norm, rtol=tol, id=f"norm_ord1_{dt}"))
