// The submodule ingot.linalg (mlx.core.linalg): norms, factorizations (LAPACK) and what is built on them.
#include <cmath>
#include <string>
#include <vector>

#include "axes.h"
#include "convert.h"

namespace ingot::py {

namespace {

array norm(const array& a, nb::handle ord, const AxisArg& axis, bool keepdims) {
  const std::optional<std::vector<int>> axes =
      axis ? std::optional<std::vector<int>>(axes_of(*axis)) : std::nullopt;
  if (ord.is_none()) return axes ? linalg::norm(a, *axes, keepdims) : linalg::norm(a, keepdims);
  if (nb::isinstance<nb::str>(ord)) {
    const std::string o = nb::cast<std::string>(ord);
    return linalg::norm(a, o.c_str(), axes, keepdims);
  }
  if ((PyLong_Check(ord.ptr()) && !PyBool_Check(ord.ptr())) || PyFloat_Check(ord.ptr()))
    return linalg::norm(a, nb::cast<double>(ord), axes, keepdims);
  throw nb::type_error("[linalg.norm] ord must be None, a number or a string.");
}

}  // namespace

void init_linalg(nb::module_& m) {
  nb::module_ la = m.def_submodule("linalg", "Linear algebra (mlx.core.linalg).");
  la.def("norm", &norm, "a"_a, "ord"_a = nb::none(), "axis"_a = nb::none(), "keepdims"_a = false,
         "Vector or matrix norm (MLX's linalg.norm).\n\n"
         "``ord`` None: the 2-norm over ``axis`` (Frobenius over two axes; every element when ``axis`` is "
         "None). A number: with one axis (or a 1-D array) the vector norm ``sum(abs(x)**ord)**(1/ord)`` "
         "(inf / -inf: max / min of abs(x); 0: count of nonzeros); with two axes (or a 2-D array) the matrix "
         "norms 1 / -1 (max / min column sum of abs(x)) and inf / -inf (row sums). A string: 'fro' (or 'f'), "
         "the Frobenius norm of a matrix. ``axis`` is None, an int or a list of one or two ints. Integer "
         "inputs give float32. Matrix ord 2 / -2 and 'nuc' use the singular values.");
  la.def(
      "inv", [](const array& a) { return linalg::inv(a); }, "a"_a,
      "The inverse of each square matrix over the last two axes (float32 or float64).");
  la.def(
      "tri_inv", [](const array& a, bool upper) { return linalg::tri_inv(a, upper); }, "a"_a, "upper"_a = false,
      "The inverse of each triangular matrix: its upper (or lower) triangle is read, the other triangle of "
      "the result is zero.");
  la.def(
      "cholesky", [](const array& a, bool upper) { return linalg::cholesky(a, upper); }, "a"_a, "upper"_a = false,
      "The Cholesky factor L of each symmetric positive definite matrix (A = L @ L.T), reading its lower "
      "triangle; ``upper``: U with A = U.T @ U, reading the upper one.");
  la.def(
      "cholesky_inv", [](const array& a, bool upper) { return linalg::cholesky_inv(a, upper); }, "L"_a,
      "upper"_a = false, "The inverse of A given its Cholesky factor (lower, or upper with ``upper``).");
  la.def("qr", [](const array& a) { auto [q, r] = linalg::qr(a); return nb::make_tuple(q, r); }, "a"_a,
         "The reduced QR factorization (Q, R): Q (..., m, k) orthonormal columns, R (..., k, n) upper "
         "triangular, k = min(m, n).");
  la.def(
      "svd",
      [](const array& a, bool compute_uv) -> nb::object {
        Arrays o = linalg::svd(a, compute_uv);
        if (!compute_uv) return nb::cast(o[0]);
        return nb::make_tuple(o[0], o[1], o[2]);
      },
      "a"_a, "compute_uv"_a = true,
      "The singular value decomposition (U, S, Vt) with U (..., m, m), S (..., k) descending and Vt "
      "(..., n, n); only S without ``compute_uv``.");
  la.def("eigh", [](const array& a, const std::string& uplo) { auto [w, v] = linalg::eigh(a, uplo); return nb::make_tuple(w, v); },
         "a"_a, "UPLO"_a = "L",
         "Eigenvalues (ascending) and eigenvectors (columns) of each symmetric matrix, reading its lower "
         "(``UPLO='L'``) or upper triangle.");
  la.def(
      "eigvalsh", [](const array& a, const std::string& uplo) { return linalg::eigvalsh(a, uplo); }, "a"_a,
      "UPLO"_a = "L", "The eigenvalues (ascending) of each symmetric matrix.");
  la.def("eig", [](const array& a) { auto [w, v] = linalg::eig(a); return nb::make_tuple(w, v); }, "a"_a,
         "Eigenvalues and right eigenvectors (unit-norm columns) of each general square matrix of float32, float64 "
         "or complex64, as complex64 (LAPACK's geev, numpy's order).");
  la.def(
      "eigvals", [](const array& a) { return linalg::eigvals(a); }, "a"_a,
      "The eigenvalues of each general square matrix, as complex64.");
  la.def("lu", [](const array& a) { Arrays o = linalg::lu(a); return nb::make_tuple(o[0], o[1], o[2]); }, "a"_a,
         "The LU factorization with partial pivoting (p, L, U): A = L[p] @ U, p the row permutation (uint32).");
  la.def("lu_factor", [](const array& a) { auto [lu, piv] = linalg::lu_factor(a); return nb::make_tuple(lu, piv); },
         "a"_a, "The packed LU factorization and LAPACK's pivots (0-based, uint32): row i was swapped with pivots[i].");
  la.def(
      "solve", [](const array& a, const array& b) { return linalg::solve(a, b); }, "a"_a, "b"_a,
      "The solution x of a @ x = b, b (..., n) or (..., n, k).");
  la.def(
      "solve_triangular",
      [](const array& a, const array& b, bool upper) { return linalg::solve_triangular(a, b, upper); }, "a"_a, "b"_a,
      "upper"_a = false, "The solution of a @ x = b for triangular a (its lower, or ``upper``, triangle).");
  la.def(
      "pinv", [](const array& a) { return linalg::pinv(a); }, "a"_a,
      "The Moore-Penrose pseudo-inverse through the SVD (singular values below max(m, n) * eps * the "
      "largest count as zero).");
  la.def("det", [](const array& a) { return linalg::det(a); }, "a"_a, "The determinant of each square matrix.");
  la.def("slogdet", [](const array& a) { auto [s, l] = linalg::slogdet(a); return nb::make_tuple(s, l); }, "a"_a,
         "The sign and the natural log of the absolute value of each determinant.");
  la.def(
      "cross", [](const array& a, const array& b, int axis) { return linalg::cross(a, b, axis); }, "a"_a, "b"_a,
      "axis"_a = -1,
      "The cross product of vectors of 2 or 3 components along ``axis`` (a 2-vector has a zero third one).");
}

}  // namespace ingot::py
