"""Op table rows: linalg (norms, the LAPACK factorizations and the ops built on them)."""

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


# ---- factorizations: numpy (LAPACK too) and MLX on the same inputs ----
def _spd(a):
    """A symmetric positive definite matrix (batch) from a: a a^T + n I."""
    a = np.asarray(a)
    n = a.shape[-1]
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n, dtype=a.dtype)).astype(a.dtype)


SQ = rand((4, 4), seed=11)
SQB = rand((2, 3, 3), seed=12)
SQ64 = rand((5, 5), "float64", seed=13)
SPD = _spd(SQ)
SPDB = _spd(SQB)
SPD64 = _spd(SQ64)
TALL = rand((5, 3), seed=14)
WIDE = rand((2, 3, 5), seed=15)
RHS = rand((4, 2), seed=16)
RHSV = rand((4,), seed=17)
RHSB = rand((2, 3, 2), seed=18)
LOWER = np.tril(SQ) + 4 * np.eye(4, dtype=np.float32)
UPPER = np.triu(SQ) + 4 * np.eye(4, dtype=np.float32)
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)

inv = np.linalg.inv
# Singular vectors and eigenvectors are defined up to sign: numpy calls the same LAPACK routines as
# ingot (same signs); MLX's build picks others, so test_linalg.py compares with MLX sign-free.
SIGNS = "vectors up to sign: compared with MLX in test_linalg.py"
CASES += [
    Case("linalg.inv", (SQ,), ref=inv, rtol=1e-4, atol=1e-5, id="inv"),
    Case("linalg.inv", (SQB,), ref=inv, rtol=1e-4, atol=1e-5, id="inv_batched"),
    Case("linalg.inv", (SQ64,), ref=inv, rtol=1e-10, atol=1e-12, id="inv_float64"),
    Case("linalg.inv", (SQ,), ref=lambda a: inv(a.T).T, rtol=1e-4, atol=1e-5, transform=first(transposed),
         mlx=False, id="inv_transposed_view"),
    Case("linalg.inv", (np.zeros((0, 0), np.float32),), ref=inv, mlx=False, id="inv_empty",
         note="MLX 0.32 crashes the process (SIGFPE) on an empty matrix."),
    Case("linalg.tri_inv", (LOWER,), ref=lambda a: inv(np.tril(a)), rtol=1e-4, atol=1e-6, id="tri_inv_lower"),
    Case("linalg.tri_inv", (UPPER,), {"upper": True}, ref=lambda a, upper: inv(np.triu(a)), rtol=1e-4, atol=1e-6,
         id="tri_inv_upper"),
    Case("linalg.tri_inv", (SQ,), {"upper": True}, ref=lambda a, upper: inv(np.triu(a)), rtol=1e-3, atol=1e-5,
         id="tri_inv_reads_one_triangle"),
    Case("linalg.cholesky", (SPD,), ref=np.linalg.cholesky, rtol=1e-4, atol=1e-5, id="cholesky"),
    Case("linalg.cholesky", (SPDB,), ref=np.linalg.cholesky, rtol=1e-4, atol=1e-5, id="cholesky_batched"),
    Case("linalg.cholesky", (SPD64,), ref=np.linalg.cholesky, rtol=1e-10, atol=1e-12, id="cholesky_float64"),
    Case("linalg.cholesky", (SPD,), {"upper": True}, ref=lambda a, upper: np.linalg.cholesky(a).T, rtol=1e-4,
         atol=1e-5, id="cholesky_upper"),
    Case("linalg.cholesky_inv", (np.linalg.cholesky(SPD),), ref=lambda l: inv(l @ l.T), rtol=1e-4, atol=1e-6,
         id="cholesky_inv"),
    Case("linalg.cholesky_inv", (np.linalg.cholesky(SPD).T.copy(),), {"upper": True},
         ref=lambda u, upper: inv(u.T @ u), rtol=1e-4, atol=1e-6, id="cholesky_inv_upper"),
    Case("linalg.qr", (SQ,), ref=np.linalg.qr, rtol=1e-4, atol=1e-5, id="qr"),
    Case("linalg.qr", (TALL,), ref=np.linalg.qr, rtol=1e-4, atol=1e-5, id="qr_tall"),
    Case("linalg.qr", (WIDE,), ref=np.linalg.qr, rtol=1e-4, atol=1e-5, id="qr_wide_batched"),
    Case("linalg.qr", (SQ64,), ref=np.linalg.qr, rtol=1e-10, atol=1e-12, id="qr_float64"),
    Case("linalg.svd", (SQ,), ref=np.linalg.svd, rtol=1e-4, atol=1e-5, mlx=False, id="svd", note=SIGNS),
    Case("linalg.svd", (TALL,), ref=np.linalg.svd, rtol=1e-4, atol=1e-5, mlx=False, id="svd_tall", note=SIGNS),
    Case("linalg.svd", (WIDE,), ref=np.linalg.svd, rtol=1e-4, atol=1e-5, mlx=False, id="svd_wide_batched", note=SIGNS),
    Case("linalg.svd", (SQ64,), {"compute_uv": False}, ref=lambda a, compute_uv: np.linalg.svd(a, compute_uv=False),
         rtol=1e-10, atol=1e-12, id="svd_values_float64"),
    Case("linalg.svd", (WIDE, False), ref=lambda a, uv: np.linalg.svd(a, compute_uv=uv), rtol=1e-4, atol=1e-5,
         id="svd_values"),
    Case("linalg.eigh", (SPD,), ref=np.linalg.eigh, rtol=1e-4, atol=1e-4, mlx=False, id="eigh", note=SIGNS),
    Case("linalg.eigh", (SPDB,), ref=np.linalg.eigh, rtol=1e-4, atol=1e-4, mlx=False, id="eigh_batched", note=SIGNS),
    Case("linalg.eigh", (SPD64,), ref=np.linalg.eigh, rtol=1e-10, atol=1e-10, mlx=False, id="eigh_float64", note=SIGNS),
    Case("linalg.eigh", (np.tril(SPD),), {"UPLO": "L"}, ref=lambda a, UPLO: np.linalg.eigh(a, UPLO), rtol=1e-4,
         atol=1e-4, mlx=False, id="eigh_reads_lower", note=SIGNS),
    Case("linalg.eigh", (np.triu(SPD),), {"UPLO": "U"}, ref=lambda a, UPLO: np.linalg.eigh(a, UPLO), rtol=1e-4,
         atol=1e-4, mlx=False, id="eigh_reads_upper", note=SIGNS),
    Case("linalg.eigvals", (SQ,), ref=np.linalg.eigvals, rtol=1e-4, atol=1e-5, mlx=False, id="eigvals",
         note="LAPACK's order (numpy's); compared with MLX sorted, and eig's vectors, in test_linalg.py"),
    Case("linalg.eigvals", (SQB,), ref=np.linalg.eigvals, rtol=1e-4, atol=1e-5, mlx=False, id="eigvals_batched",
         note="LAPACK's order (numpy's); compared with MLX sorted in test_linalg.py"),
    Case("linalg.eigvals", (SQ64,), ref=np.linalg.eigvals, rtol=1e-5, atol=1e-6, mlx=False, id="eigvals_float64",
         note="complex64 results, as MLX"),
    Case("linalg.eigvalsh", (SPDB,), ref=np.linalg.eigvalsh, rtol=1e-4, atol=1e-4, id="eigvalsh"),
    Case("linalg.eigvalsh", (np.triu(SPD), "U"), ref=np.linalg.eigvalsh, rtol=1e-4, atol=1e-4, id="eigvalsh_upper"),
    Case("linalg.lu", (SQ,), id="lu"),
    Case("linalg.lu", (TALL,), id="lu_tall"),
    Case("linalg.lu", (WIDE,), id="lu_wide_batched"),
    Case("linalg.lu_factor", (SQB,), id="lu_factor"),
    Case("linalg.lu_factor", (SQ64,), id="lu_factor_float64"),
    Case("linalg.solve", (SQ, RHS), ref=np.linalg.solve, rtol=1e-4, atol=1e-5, id="solve"),
    Case("linalg.solve", (SQ, RHSV), ref=np.linalg.solve, rtol=1e-4, atol=1e-5, id="solve_vector"),
    Case("linalg.solve", (SQB, RHSB), ref=np.linalg.solve, rtol=1e-3, atol=1e-5, id="solve_batched"),
    Case("linalg.solve", (SQ64, rand((5, 3), "float64", seed=19)), ref=np.linalg.solve, rtol=1e-9, atol=1e-12,
         id="solve_float64"),
    Case("linalg.solve_triangular", (LOWER, RHS), ref=lambda a, b: np.linalg.solve(np.tril(a), b), rtol=1e-4,
         atol=1e-6, id="solve_triangular"),
    Case("linalg.solve_triangular", (UPPER, RHSV), {"upper": True},
         ref=lambda a, b, upper: np.linalg.solve(np.triu(a), b), rtol=1e-4, atol=1e-6, id="solve_triangular_upper"),
    Case("linalg.pinv", (TALL,), ref=np.linalg.pinv, rtol=1e-4, atol=1e-5, id="pinv_tall"),
    Case("linalg.pinv", (WIDE,), ref=np.linalg.pinv, rtol=1e-4, atol=1e-5, id="pinv_wide_batched"),
    Case("linalg.pinv", (SINGULAR,), ref=np.linalg.pinv, rtol=1e-5, atol=1e-6, id="pinv_rank_deficient"),
    Case("linalg.pinv", (np.zeros((0, 3), np.float32),), ref=np.linalg.pinv, id="pinv_empty"),
    Case("linalg.det", (SQ,), ref=np.linalg.det, rtol=1e-4, id="det_4x4_lu"),
    Case("linalg.det", (SQB,), ref=np.linalg.det, rtol=1e-4, id="det_3x3_cofactors"),
    Case("linalg.det", (SQ64,), ref=np.linalg.det, rtol=1e-7, id="det_float64"),
    Case("linalg.det", (rand((6, 6), seed=20),), ref=np.linalg.det, rtol=1e-4, id="det_6x6"),
    Case("linalg.det", (np.zeros((5, 5), np.float32),), ref=np.linalg.det, id="det_singular"),
    Case("linalg.det", (np.array([[1, 2], [3, 4]], np.int32),), ref=np.linalg.det, dtype="float32", id="det_int"),
    Case("linalg.slogdet", (SQ,), ref=np.linalg.slogdet, rtol=1e-4, id="slogdet"),
    Case("linalg.slogdet", (rand((2, 6, 6), seed=21),), ref=np.linalg.slogdet, rtol=1e-4, id="slogdet_batched"),
    Case("linalg.cross", (rand((4, 3), seed=22), rand((4, 3), seed=23)), ref=np.cross, id="cross"),
    Case("linalg.cross", (rand((3, 5), seed=24), rand((3, 1), seed=25)), {"axis": 0},
         ref=lambda a, b, axis: np.cross(a, b, axis=axis), id="cross_axis_broadcast"),
    Case("linalg.cross", (rand((4, 2), seed=26), rand((4, 3), seed=27)), ref=np.cross, id="cross_2_and_3_components"),
    Case("linalg.cross", (rand((4, 3), seed=27), rand((4, 2), seed=26)), ref=np.cross, id="cross_3_and_2_components"),
    Case("linalg.cross", (rand((4, 2), seed=26), rand((4, 2), seed=31)), id="cross_2_components",
         note="numpy returns the z component alone; MLX and ingot the 3-vector"),
    Case("linalg.cross", (np.array([[1, 2, 3]], np.int32), np.array([[4, 5, 6]], np.int32)), ref=np.cross,
         id="cross_int"),
    # matrix norms through the singular values
    Case("linalg.norm", (M, 2), ref=np_norm, rtol=1e-5, id="norm_mat_ord2"),
    Case("linalg.norm", (M, -2), ref=np_norm, rtol=1e-5, id="norm_mat_ord_neg2"),
    Case("linalg.norm", (M, "nuc"), ref=np_norm, rtol=1e-5, id="norm_mat_nuc"),
    Case("linalg.norm", (T, "nuc", (2, 0), True), ref=np_norm, rtol=1e-5, id="norm_nuc_axes_keepdims"),
    Case("linalg.norm", (T, 2, (0, 1)), ref=np_norm, rtol=1e-5, id="norm_ord2_axes"),
    Case("linalg.norm", (np.array([[3, 0], [0, 4]], np.int32), 2), ref=np_norm, dtype="float32", mlx=False,
         id="norm_ord2_int", note="MLX 0.32 refuses integer input to the SVD; ingot computes in float32 as for every norm."),
    # errors name the function and the values
    Case("linalg.inv", (np.eye(3, dtype=np.int32),), raises=ValueError,
         match=r"\[linalg::inv\] expects float32 or float64 arrays, got int32", id="inv_int"),
    Case("linalg.inv", (TALL,), raises=ValueError, match=r"\[linalg::inv\] expects square matrices, got shape \(5,3\)",
         id="inv_not_square"),
    Case("linalg.inv", (RHSV,), raises=ValueError, match=r"\[linalg::inv\] expects arrays with at least 2 dimensions",
         id="inv_1d"),
    Case("linalg.inv", (SINGULAR,), raises=RuntimeError, match=r"\[linalg::inv\] the matrix is singular",
         id="inv_singular"),
    Case("linalg.tri_inv", (np.zeros((2, 2), np.float32),), raises=RuntimeError,
         match=r"\[linalg::tri_inv\] the matrix is singular", id="tri_inv_singular"),
    Case("linalg.cholesky", (-SPD,), raises=RuntimeError, match=r"\[linalg::cholesky\] the matrix is not positive definite",
         id="cholesky_not_positive_definite"),
    Case("linalg.cholesky", (TALL,), raises=ValueError, match=r"\[linalg::cholesky\] expects square matrices",
         id="cholesky_not_square"),
    Case("linalg.eigh", (SPD, "X"), raises=ValueError, match=r"\[linalg::eigh\] UPLO must be 'L' or 'U', got 'X'",
         id="eigh_bad_uplo"),
    Case("linalg.qr", (np.ones((3, 3), np.float16),), raises=ValueError,
         match=r"\[linalg::qr\] expects float32 or float64 arrays, got float16", id="qr_half"),
    Case("linalg.svd", (RHSV,), raises=ValueError, match=r"\[linalg::svd\] expects arrays with at least 2 dimensions",
         id="svd_1d"),
    Case("linalg.solve", (SQ, rand((3, 2), seed=28)), raises=ValueError,
         match=r"\[linalg::solve\] the matrix of shape \(4,4\) does not match the right side of shape \(3,2\)",
         id="solve_mismatch"),
    Case("linalg.solve", (np.eye(2, dtype=np.int32), np.ones((2,), np.int32)), raises=ValueError,
         match=r"\[linalg::solve\] expects arrays that promote to float32 or float64", id="solve_int"),
    Case("linalg.det", (TALL,), raises=ValueError, match=r"\[linalg::det\] expects square matrices", id="det_not_square"),
    Case("linalg.cross", (rand((4,), seed=29), rand((3,), seed=30)), raises=ValueError,
         match=r"\[linalg::cross\] the axis -1 must have size 2 or 3, got shape \(4,\)", id="cross_bad_size"),
]


# ---- gathered and block-masked matrix products ----
def np_gather_mm(a, b, lhs_indices=None, rhs_indices=None, sorted_indices=False):
    lhs, rhs = lhs_indices, rhs_indices
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    va = a[None] if a.ndim == 1 else a
    vb = b[..., None] if b.ndim == 1 else b
    af = va.reshape((-1,) + va.shape[-2:])
    bf = vb.reshape((-1,) + vb.shape[-2:])
    la = np.arange(af.shape[0]).reshape(va.shape[:-2]) if lhs is None else np.asarray(lhs)
    rb = np.arange(bf.shape[0]).reshape(vb.shape[:-2]) if rhs is None else np.asarray(rhs)
    la, rb = np.broadcast_arrays(la, rb)
    out = af[la] @ bf[rb]
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return out


def np_block_masked_mm(a, b, block_size=64, mask_out=None, mask_lhs=None, mask_rhs=None):
    def up(m, rows, cols):
        m = np.asarray(m)
        m = np.repeat(np.repeat(m, block_size, -2), block_size, -1)[..., :rows, :cols]
        return m.astype(np.float64)

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if mask_lhs is not None:
        a = a * up(mask_lhs, *a.shape[-2:])
    if mask_rhs is not None:
        b = b * up(mask_rhs, *b.shape[-2:])
    out = a @ b
    if mask_out is not None:
        out = out * up(mask_out, *out.shape[-2:])
    return out


EXPERTS = rand((4, 6, 5), seed=40)          # 4 matrices (6, 5)
TOKENS = rand((3, 1, 6), seed=41)           # 3 row vectors
IDX = np.array([2, 0, 3], np.uint32)
BIG_A = rand((2, 70, 40), seed=42)
BIG_B = rand((40, 100), seed=43)
BOOL_LHS = np.array([[[True], [False]], [[False], [True]]])       # (2, 2, 1): blocks of A
BOOL_OUT = np.array([[True, False], [True, True]])                # (2, 2): blocks of the (70, 100) product
FLOAT_RHS = np.array([[0.5, 2.0]], np.float32)                     # (1, 2): blocks of B
CASES += [
    Case("gather_mm", (TOKENS, EXPERTS), {"rhs_indices": IDX[:, None]}, ref=np_gather_mm, id="gather_mm_rhs"),
    Case("gather_mm", (EXPERTS, rand((4, 5, 2), seed=44)), {"lhs_indices": np.array([1, 1, 3], np.int32),
         "rhs_indices": np.array([0, 2, 2], np.int32)}, ref=np_gather_mm, id="gather_mm_both"),
    Case("gather_mm", (EXPERTS, rand((5, 2), seed=45)), {"lhs_indices": np.array([[3], [0]], np.int64)},
         ref=np_gather_mm, id="gather_mm_lhs_broadcast"),
    Case("gather_mm", (rand((5,), seed=46), EXPERTS.transpose(0, 2, 1).copy()), {"rhs_indices": IDX},
         ref=np_gather_mm, id="gather_mm_vector_lhs"),
    Case("gather_mm", (TOKENS, EXPERTS), {"rhs_indices": np.array([[0], [3], [3]], np.uint32),
         "sorted_indices": True}, ref=np_gather_mm, id="gather_mm_sorted"),
    Case("gather_mm", (TOKENS, EXPERTS[:3]), ref=np_gather_mm, id="gather_mm_no_indices"),
    Case("gather_mm", (TOKENS, EXPERTS), {"rhs_indices": IDX.astype(np.float32)[:, None]}, raises=ValueError,
         match=r"\[gather_mm\] indices must be integers, got float32", id="gather_mm_float_indices"),
    Case("gather_mm", (TOKENS, rand((4, 5, 6), seed=47)), {"rhs_indices": IDX[:, None]}, raises=ValueError,
         match=r"\[gather_mm\] the last dimension of shape \(3,1,6\) must match", id="gather_mm_mismatch"),
    Case("gather_mm", (np.ones((2, 2), np.int32), np.ones((2, 2), np.int32)), {"lhs_indices": np.array([0], np.int32)},
         raises=ValueError, match=r"\[gather_mm\] expects operands that promote to a floating type", id="gather_mm_int"),
    Case("block_masked_mm", (BIG_A, BIG_B, 32), {"mask_out": np.ones((2, 3, 4), bool)}, ref=np_block_masked_mm,
         rtol=1e-4, atol=1e-4, id="block_masked_mm_all_true"),
    Case("block_masked_mm", (BIG_A, BIG_B, 64, BOOL_OUT, BOOL_LHS), ref=np_block_masked_mm, rtol=1e-4, atol=1e-4,
         id="block_masked_mm_bool_out_lhs"),
    Case("block_masked_mm", (BIG_A, BIG_B, 64), {"mask_rhs": FLOAT_RHS, "mask_lhs": np.array([[1.0], [0.25]], np.float32)},
         ref=np_block_masked_mm, rtol=1e-4, atol=1e-4, id="block_masked_mm_float_operands"),
    Case("block_masked_mm", (BIG_A, BIG_B, 32), ref=np_block_masked_mm, rtol=1e-4, atol=1e-4,
         id="block_masked_mm_no_masks"),
    Case("block_masked_mm", (BIG_A, BIG_B, 16, BOOL_OUT), raises=ValueError,
         match=r"\[block_masked_mm\] block_size must be 32 or 64, got 16", id="block_masked_mm_block_16"),
    Case("block_masked_mm", (BIG_A, BIG_B, 64, np.ones((3, 3), bool)), raises=ValueError,
         match=r"\[block_masked_mm\] a mask for blocks of 64 over a \(70, 100\) matrix must end in \(2, 2\)",
         id="block_masked_mm_bad_mask"),
]
