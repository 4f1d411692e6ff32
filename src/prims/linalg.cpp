// The LAPACK-backed primitives of ingot::linalg: Inverse (general or triangular), Cholesky, QRF, SVD,
// Eigh, Eig and LUF, and the ops that build them. Each takes (..., m, n) arrays of float32 or float64
// (MLX's rule; Eig also complex64) and runs LAPACK (OpenBLAS's, through the Fortran interface of
// lapack.h) once per matrix of the batch, on a column-major copy.
#include <complex>
#define lapack_complex_float std::complex<float>  // lapack.h's documented C++ form
#define lapack_complex_double std::complex<double>
#include <lapack.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/utils.h"
#include "cpu/copy.h"
#include "ingot/export.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

// The Fortran routines for float and double, one overload each; n/m are LAPACK's 32-bit integers.
void getrf(int m, int n, float* a, int* ipiv, int& info) { LAPACK_sgetrf(&m, &n, a, &m, ipiv, &info); }
void getrf(int m, int n, double* a, int* ipiv, int& info) { LAPACK_dgetrf(&m, &n, a, &m, ipiv, &info); }
void getri(int n, float* a, const int* ipiv, float* w, int lw, int& info) { LAPACK_sgetri(&n, a, &n, ipiv, w, &lw, &info); }
void getri(int n, double* a, const int* ipiv, double* w, int lw, int& info) { LAPACK_dgetri(&n, a, &n, ipiv, w, &lw, &info); }
void trtri(char uplo, int n, float* a, int& info) { LAPACK_strtri(&uplo, "N", &n, a, &n, &info); }
void trtri(char uplo, int n, double* a, int& info) { LAPACK_dtrtri(&uplo, "N", &n, a, &n, &info); }
void potrf(char uplo, int n, float* a, int& info) { LAPACK_spotrf(&uplo, &n, a, &n, &info); }
void potrf(char uplo, int n, double* a, int& info) { LAPACK_dpotrf(&uplo, &n, a, &n, &info); }
void geqrf(int m, int n, float* a, float* tau, float* w, int lw, int& info) { LAPACK_sgeqrf(&m, &n, a, &m, tau, w, &lw, &info); }
void geqrf(int m, int n, double* a, double* tau, double* w, int lw, int& info) { LAPACK_dgeqrf(&m, &n, a, &m, tau, w, &lw, &info); }
void orgqr(int m, int n, int k, float* a, const float* tau, float* w, int lw, int& info) {
  LAPACK_sorgqr(&m, &n, &k, a, &m, tau, w, &lw, &info);
}
void orgqr(int m, int n, int k, double* a, const double* tau, double* w, int lw, int& info) {
  LAPACK_dorgqr(&m, &n, &k, a, &m, tau, w, &lw, &info);
}
void gesdd(char job, int m, int n, float* a, float* s, float* u, float* vt, float* w, int lw, int* iw, int& info) {
  const int ldu = std::max(m, 1), ldvt = std::max(n, 1);
  LAPACK_sgesdd(&job, &m, &n, a, &ldu, s, u, &ldu, vt, &ldvt, w, &lw, iw, &info);
}
void gesdd(char job, int m, int n, double* a, double* s, double* u, double* vt, double* w, int lw, int* iw, int& info) {
  const int ldu = std::max(m, 1), ldvt = std::max(n, 1);
  LAPACK_dgesdd(&job, &m, &n, a, &ldu, s, u, &ldu, vt, &ldvt, w, &lw, iw, &info);
}
void syevd(char job, char uplo, int n, float* a, float* w, float* work, int lw, int* iw, int liw, int& info) {
  LAPACK_ssyevd(&job, &uplo, &n, a, &n, w, work, &lw, iw, &liw, &info);
}
void syevd(char job, char uplo, int n, double* a, double* w, double* work, int lw, int* iw, int liw, int& info) {
  LAPACK_dsyevd(&job, &uplo, &n, a, &n, w, work, &lw, iw, &liw, &info);
}
void geev(char jobv, int n, float* a, float* wr, float* wi, float* v, float* w, int lw, int& info) {
  const int ldv = std::max(n, 1);
  LAPACK_sgeev("N", &jobv, &n, a, &n, wr, wi, nullptr, &ldv, v, &ldv, w, &lw, &info);
}
void geev(char jobv, int n, double* a, double* wr, double* wi, double* v, double* w, int lw, int& info) {
  const int ldv = std::max(n, 1);
  LAPACK_dgeev("N", &jobv, &n, a, &n, wr, wi, nullptr, &ldv, v, &ldv, w, &lw, &info);
}
void geev(char jobv, int n, std::complex<float>* a, std::complex<float>* w, std::complex<float>* v,
          std::complex<float>* work, int lw, float* rwork, int& info) {
  const int ldv = std::max(n, 1);
  LAPACK_cgeev("N", &jobv, &n, a, &n, w, nullptr, &ldv, v, &ldv, work, &lw, rwork, &info);
}

// A workspace size LAPACK reported through a query call (lwork = -1).
template <class T>
int work_size(T w) {
  return std::max(1, static_cast<int>(w));
}

[[noreturn]] void runtime_fail(const char* op, const std::string& why) {
  throw std::runtime_error(std::string("[") + op + "] " + why);
}

void check_matrices(const Shape& s, Dtype t, const char* op, bool square) {
  if (t != float32 && t != float64) fail(op, "expects float32 or float64 arrays, got ", t, ".");
  if (s.size() < 2) fail(op, "expects arrays with at least 2 dimensions, got shape ", shape_str(s), ".");
  const int64_t m = s[s.size() - 2], n = s.back();
  if (square && m != n) fail(op, "expects square matrices, got shape ", shape_str(s), ".");
  if (m > std::numeric_limits<int>::max() / std::max<int64_t>(n, 1))
    fail(op, "a ", m, "x", n, " matrix is too large for LAPACK's 32-bit sizes.");
}

// Visits each matrix of `a` (..., m, n) as a column-major m x n copy: f(col_major, batch_index). With
// `finite_op`, NaN or infinity is refused first: geev and gesdd report it as an illegal argument on stderr.
template <class T, class F>
void each_matrix(const array& a, F&& f, const char* finite_op = nullptr) {
  const array c = cpu::contiguous(a);
  const int64_t m = a.shape(-2), n = a.shape(-1);
  int64_t batch = 1;
  for (int d = 0; d + 2 < a.ndim(); ++d) batch *= a.shape(d);
  std::vector<T> cm(static_cast<size_t>(m * n));
  const T* src = static_cast<const T*>(c.raw_data());
  for (int64_t b = 0; b < batch; ++b, src += m * n) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) cm[j * m + i] = src[i * n + j];
    if (finite_op && !std::all_of(cm.begin(), cm.end(), [](const T& x) { return std::isfinite(std::abs(x)); }))
      runtime_fail(finite_op, "the matrix holds NaN or infinity; its factorization needs finite values.");
    f(cm.data(), b);
  }
}

// Writes the first `rows` x `cols` block of a column-major matrix with leading dimension ld, row-major.
template <class T>
void store(const T* cm, int64_t ld, int64_t rows, int64_t cols, T* dst) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) dst[i * cols + j] = cm[j * ld + i];
}

// Zeroes the strict upper (keep_lower) or strict lower triangle of a column-major n x n matrix.
template <class T>
void keep_triangle(T* cm, int64_t n, bool keep_lower) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < n; ++i)
      if (keep_lower ? i < j : i > j) cm[j * n + i] = T(0);
}

template <class F>
void float_dispatch(Dtype t, F&& f) {
  if (t == float64) f(double{});
  else f(float{});
}

array transpose_last(const array& a) { return swapaxes(a, -1, -2); }

// True on the diagonal of each matrix of a's shape; built from a's sizes at run time, so rules and ops
// using it follow shapes in a shapeless replay.
array diagonal_mask(const array& a) {
  return equal(expand_dims(arange_along(a, -2), -1), arange_along(a, -1));
}

// The first k entries of a along axis -1 or -2.
array first(const array& a, int axis, int64_t k) { return slice(a, Shape{0}, std::vector<int>{axis}, Shape{k}); }

// Common to the classes: one input, of float32 or float64, at least 2-D.
template <class Derived>
class LinalgBase : public PrimitiveBase<Derived> {
 public:
  static constexpr bool kFollowsShapes = true;  // every size comes from the input at call time
  static constexpr int kArity = 1;
  void check_inputs(const Arrays& in) const override {
    PrimitiveBase<Derived>::check_inputs(in);
    check_matrices(in[0].shape(), in[0].dtype(), Derived::kOp, Derived::kSquare);
  }
  // A factorization costs a small multiple of m n min(m, n) per matrix (SVD's iterations included).
  double cost(const Arrays& in, const std::vector<Shape>&) const override {
    const Shape& s = in[0].shape();
    const double m = static_cast<double>(s[s.size() - 2]), n = static_cast<double>(s.back());
    return 20 * detail::elements(s) * std::min(m, n);
  }
  // The kernels map over leading axes: the batch axis moves to the front.
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    const auto& self = static_cast<const Derived&>(*this);
    Arrays outs = std::apply([&](const auto&... state) {
      return make_multi<Derived>({rules::batch_first(in[0], axes[0])}, state...);
    }, self.state());
    return {outs, std::vector<int>(outs.size(), 0)};
  }
};

// Each matrix's symmetric part.
array symmetric_part(const array& g) { return multiply(add(g, swapaxes(g, -1, -2)), 0.5); }

}  // namespace

// The inverse of each matrix; `tri`: of a triangular one (the `upper` or lower triangle is read and the
// other triangle of the result is zero).
class Inverse : public LinalgBase<Inverse> {
 public:
  static constexpr const char* kName = "Inverse";
  static constexpr const char* kOp = "linalg::inv";
  static constexpr bool kSquare = true;
  static constexpr int kVersion = 1;
  Inverse(bool tri, bool upper) : tri_(tri), upper_(upper) {}
  auto state() const { return std::tuple(tri_, upper_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_matrices(in[0].shape(), in[0].dtype(), kOp, true);
    return {in[0].shape()};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].alloc();
    const int n = static_cast<int>(in[0].shape(-1));
    float_dispatch(in[0].dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* dst = static_cast<T*>(out[0].raw_data());
      std::vector<int> ipiv(std::max(n, 1));
      std::vector<T> work;
      each_matrix<T>(in[0], [&](T* a, int64_t b) {
        if (n == 0) return;
        int info = 0;
        if (tri_) {
          trtri(upper_ ? 'U' : 'L', n, a, info);
          if (info > 0) runtime_fail("linalg::tri_inv", "the matrix is singular (diagonal entry " + std::to_string(info - 1) + " is zero).");
          keep_triangle(a, n, !upper_);
        } else {
          getrf(n, n, a, ipiv.data(), info);
          if (info > 0) runtime_fail("linalg::inv", "the matrix is singular (pivot " + std::to_string(info - 1) + " is zero).");
          T query = 0;
          getri(n, a, ipiv.data(), &query, -1, info);
          work.resize(work_size(query));
          getri(n, a, ipiv.data(), work.data(), static_cast<int>(work.size()), info);
        }
        if (info != 0) runtime_fail(tri_ ? "linalg::tri_inv" : "linalg::inv", "LAPACK failed with code " + std::to_string(info) + ".");
        store(a, n, n, n, dst + b * n * n);
      });
    });
  }
  // d(A^-1) = -A^-1 dA A^-1; a triangular inverse reads one triangle only.
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    const array bt = transpose_last(out[0]);
    array g = negative(matmul(matmul(bt, cot[0]), bt));
    if (tri_) g = upper_ ? triu(g) : tril(g);
    return {g};
  }

 private:
  bool tri_, upper_;
};
INGOT_REGISTER_PRIMITIVE(Inverse)

// The Cholesky factor of each symmetric positive definite matrix, reading its lower (or upper) triangle:
// L with A = L L^T, or U with A = U^T U.
class Cholesky : public LinalgBase<Cholesky> {
 public:
  static constexpr const char* kName = "Cholesky";
  static constexpr const char* kOp = "linalg::cholesky";
  static constexpr bool kSquare = true;
  static constexpr int kVersion = 1;
  explicit Cholesky(bool upper) : upper_(upper) {}
  auto state() const { return std::tuple(upper_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_matrices(in[0].shape(), in[0].dtype(), kOp, true);
    return {in[0].shape()};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].alloc();
    const int n = static_cast<int>(in[0].shape(-1));
    float_dispatch(in[0].dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* dst = static_cast<T*>(out[0].raw_data());
      each_matrix<T>(in[0], [&](T* a, int64_t b) {
        if (n == 0) return;
        int info = 0;
        potrf(upper_ ? 'U' : 'L', n, a, info);
        if (info > 0)
          runtime_fail(kOp, "the matrix is not positive definite (its leading minor of order " + std::to_string(info) + " is not positive).");
        if (info < 0) runtime_fail(kOp, "LAPACK failed with code " + std::to_string(info) + ".");
        keep_triangle(a, n, !upper_);
        store(a, n, n, n, dst + b * n * n);
      });
    });
  }
  // A = L L^T: with P = Phi(L^T dL) (the lower triangle, half the diagonal), dA's symmetric part is
  // L^-T P L^-1 symmetrized.
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    const array l = upper_ ? transpose_last(out[0]) : out[0];
    const array gl = upper_ ? transpose_last(cot[0]) : cot[0];
    array p = tril(matmul(transpose_last(l), gl));
    p = where(diagonal_mask(p), multiply(p, 0.5), p);
    const array li = linalg::tri_inv(l, false);
    const array s = matmul(matmul(transpose_last(li), p), li);
    return {symmetric_part(s)};
  }

 private:
  bool upper_;
};
INGOT_REGISTER_PRIMITIVE(Cholesky)

// The reduced QR factorization: Q (..., m, k) with orthonormal columns and upper triangular R (..., k, n),
// k = min(m, n), as LAPACK's geqrf + orgqr give them.
class QRF : public LinalgBase<QRF> {
 public:
  static constexpr const char* kName = "QRF";
  static constexpr const char* kOp = "linalg::qr";
  static constexpr bool kSquare = false;
  static constexpr int kVersion = 1;
  auto state() const { return std::tuple(); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_matrices(in[0].shape(), in[0].dtype(), kOp, false);
    Shape q = in[0].shape(), r = in[0].shape();
    const int64_t k = std::min(q[q.size() - 2], q.back());
    q.back() = k;
    r[r.size() - 2] = k;
    return {q, r};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {in[0].dtype(), in[0].dtype()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].alloc(), out[1].alloc();
    const int m = static_cast<int>(in[0].shape(-2)), n = static_cast<int>(in[0].shape(-1)), k = std::min(m, n);
    float_dispatch(in[0].dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* q = static_cast<T*>(out[0].raw_data());
      T* r = static_cast<T*>(out[1].raw_data());
      std::vector<T> tau(std::max(k, 1)), work;
      each_matrix<T>(in[0], [&](T* a, int64_t b) {
        if (k == 0) {
          std::fill(r + b * k * n, r + (b + 1) * k * n, T(0));
          return;
        }
        int info = 0;
        T query = 0;
        geqrf(m, n, a, tau.data(), &query, -1, info);
        work.resize(work_size(query));
        geqrf(m, n, a, tau.data(), work.data(), static_cast<int>(work.size()), info);
        T* rb = r + b * k * n;
        for (int i = 0; i < k; ++i)
          for (int j = 0; j < n; ++j) rb[i * n + j] = j >= i ? a[j * m + i] : T(0);
        orgqr(m, k, k, a, tau.data(), &query, -1, info);
        work.resize(std::max<size_t>(work.size(), work_size(query)));
        orgqr(m, k, k, a, tau.data(), work.data(), static_cast<int>(work.size()), info);
        if (info != 0) runtime_fail(kOp, "LAPACK failed with code " + std::to_string(info) + ".");
        store(a, m, m, k, q + b * m * k);
      });
    });
  }
};
INGOT_REGISTER_PRIMITIVE(QRF)

// The singular value decomposition: U (..., m, m), S (..., k) descending, Vt (..., n, n) with
// A = U[:, :k] diag(S) Vt[:k]; only S without `compute_uv`.
class SVD : public LinalgBase<SVD> {
 public:
  static constexpr const char* kName = "SVD";
  static constexpr const char* kOp = "linalg::svd";
  static constexpr bool kSquare = false;
  static constexpr int kVersion = 1;
  explicit SVD(bool compute_uv) : uv_(compute_uv) {}
  auto state() const { return std::tuple(uv_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& a = in[0].shape();
    check_matrices(a, in[0].dtype(), kOp, false);
    const int64_t m = a[a.size() - 2], n = a.back();
    Shape s(a.begin(), a.end() - 1);
    s.back() = std::min(m, n);
    if (!uv_) return {s};
    Shape u = a, vt = a;
    u.back() = m;
    vt[vt.size() - 2] = n;
    return {u, s, vt};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    return std::vector<Dtype>(uv_ ? 3 : 1, in[0].dtype());
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    for (auto& o : out) o.alloc();
    const int m = static_cast<int>(in[0].shape(-2)), n = static_cast<int>(in[0].shape(-1)), k = std::min(m, n);
    float_dispatch(in[0].dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* s = static_cast<T*>(out[uv_ ? 1 : 0].raw_data());
      T* u = uv_ ? static_cast<T*>(out[0].raw_data()) : nullptr;
      T* vt = uv_ ? static_cast<T*>(out[2].raw_data()) : nullptr;
      std::vector<T> ub(uv_ ? size_t(m) * m : 1), vb(uv_ ? size_t(n) * n : 1), work;
      std::vector<int> iwork(8 * std::max(k, 1));
      each_matrix<T>(in[0], [&](T* a, int64_t b) {
        if (k == 0) {  // an empty matrix: identities for U and Vt
          if (uv_) {
            T* ud = u + b * m * m;
            T* vd = vt + b * n * n;
            for (int i = 0; i < m * m; ++i) ud[i] = i % (m + 1) == 0 ? T(1) : T(0);
            for (int i = 0; i < n * n; ++i) vd[i] = i % (n + 1) == 0 ? T(1) : T(0);
          }
          return;
        }
        int info = 0;
        T query = 0;
        const char job = uv_ ? 'A' : 'N';
        gesdd(job, m, n, a, s + b * k, ub.data(), vb.data(), &query, -1, iwork.data(), info);
        work.resize(std::max<size_t>(work.size(), work_size(query)));
        gesdd(job, m, n, a, s + b * k, ub.data(), vb.data(), work.data(), static_cast<int>(work.size()), iwork.data(), info);
        if (info > 0) runtime_fail(kOp, "the decomposition did not converge.");
        if (info < 0) runtime_fail(kOp, "LAPACK failed with code " + std::to_string(info) + ".");
        if (uv_) store(ub.data(), m, m, m, u + b * m * m), store(vb.data(), n, n, n, vt + b * n * n);
      }, kOp);
    });
  }
  // The singular values alone: dA = U[:, :k] diag(dS) Vt[:k]. Singular vectors have no rule here.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    if (uv_) throw std::invalid_argument("[vjp] primitive SVD has a vjp for the singular values only (compute_uv=False).");
    const Arrays usv = linalg::svd(in[0], true);
    const int64_t k = cot[0].shape(-1);
    const array u = first(usv[0], -1, k), vt = first(usv[2], -2, k);
    return {matmul(multiply(u, expand_dims(cot[0], -2)), vt)};
  }

 private:
  bool uv_;
};
INGOT_REGISTER_PRIMITIVE(SVD)

// Eigenvalues (ascending) and, with `vectors`, eigenvectors (the columns of V) of each symmetric
// matrix, reading its lower ("L") or upper ("U") triangle.
class Eigh : public LinalgBase<Eigh> {
 public:
  static constexpr const char* kName = "Eigh";
  static constexpr const char* kOp = "linalg::eigh";
  static constexpr bool kSquare = true;
  static constexpr int kVersion = 1;
  Eigh(std::string uplo, bool vectors) : uplo_(std::move(uplo)), vectors_(vectors) {}
  auto state() const { return std::tuple(uplo_, vectors_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& a = in[0].shape();
    check_matrices(a, in[0].dtype(), kOp, true);
    check_uplo(uplo_);
    Shape w(a.begin(), a.end() - 1);
    if (!vectors_) return {w};
    return {w, a};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    return std::vector<Dtype>(vectors_ ? 2 : 1, in[0].dtype());
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    for (auto& o : out) o.alloc();
    const int n = static_cast<int>(in[0].shape(-1));
    float_dispatch(in[0].dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* w = static_cast<T*>(out[0].raw_data());
      T* v = vectors_ ? static_cast<T*>(out[1].raw_data()) : nullptr;
      std::vector<T> work;
      std::vector<int> iwork;
      each_matrix<T>(in[0], [&](T* a, int64_t b) {
        if (n == 0) return;
        int info = 0, iquery = 0;
        T query = 0;
        const char job = vectors_ ? 'V' : 'N';
        syevd(job, uplo_[0], n, a, w + b * n, &query, -1, &iquery, -1, info);
        work.resize(std::max<size_t>(work.size(), work_size(query)));
        iwork.resize(std::max<size_t>(iwork.size(), std::max(iquery, 1)));
        syevd(job, uplo_[0], n, a, w + b * n, work.data(), static_cast<int>(work.size()), iwork.data(),
              static_cast<int>(iwork.size()), info);
        if (info > 0) runtime_fail(kOp, "the eigenvalue computation did not converge.");
        if (info < 0) runtime_fail(kOp, "LAPACK failed with code " + std::to_string(info) + ".");
        if (vectors_) store(a, n, n, n, v + b * n * n);
      });
    });
  }
  // dA = V (diag(dw) + F o (V^T dV)) V^T with F_ij = 1 / (w_j - w_i) off the diagonal, symmetrized
  // (the input is taken as symmetric).
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    array w = out[0], v;
    if (vectors_) v = out[1];
    else v = linalg::eigh(in[0], uplo_).second;
    const array vt = transpose_last(v);
    const array diag = diagonal_mask(v);
    array inner = where(diag, expand_dims(cot[0], -1), 0.0);
    if (vectors_) {
      const array gap = subtract(expand_dims(w, -2), expand_dims(w, -1));  // w_j - w_i
      const array f = where(diag, 0.0, divide(1.0, where(diag, 1.0, gap)));
      inner = add(inner, multiply(f, matmul(vt, cot[1])));
    }
    const array g = matmul(matmul(v, inner), vt);
    return {symmetric_part(g)};
  }
  static void check_uplo(const std::string& uplo) {
    if (uplo != "L" && uplo != "U") fail(kOp, "UPLO must be 'L' or 'U', got '", uplo, "'.");
  }

 private:
  std::string uplo_;
  bool vectors_;
};
INGOT_REGISTER_PRIMITIVE(Eigh)

// Eigenvalues and right eigenvectors of general square matrices (MLX's eig): complex64 results for
// float32, float64 and complex64 input, as LAPACK's geev gives them (numpy's order; each vector of unit
// norm with its largest component real).
class Eig : public LinalgBase<Eig> {
 public:
  static constexpr const char* kName = "Eig";
  static constexpr const char* kOp = "linalg::eig";
  static constexpr bool kSquare = true;
  static constexpr int kVersion = 1;
  explicit Eig(bool vectors) : vectors_(vectors) {}
  auto state() const { return std::tuple(vectors_); }

  void check_inputs(const Arrays& in) const override {
    PrimitiveBase<Eig>::check_inputs(in);
    check(in[0].shape(), in[0].dtype(), kOp);
  }
  static void check(const Shape& s, Dtype t, const char* op) {
    if (t != float32 && t != float64 && t != complex64)
      fail(op, "expects float32, float64 or complex64 arrays, got ", t, ".");
    check_matrices(s, t == complex64 ? float32 : t, op, true);
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& a = in[0].shape();
    check(a, in[0].dtype(), kOp);
    Shape w(a.begin(), a.end() - 1);
    if (!vectors_) return {w};
    return {w, a};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override {
    return std::vector<Dtype>(vectors_ ? 2 : 1, complex64);
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    for (auto& o : out) o.alloc();
    const int n = static_cast<int>(in[0].shape(-1));
    if (n == 0) return;
    auto* w = static_cast<complex64_t*>(out[0].raw_data());
    auto* v = vectors_ ? static_cast<complex64_t*>(out[1].raw_data()) : nullptr;
    const char job = vectors_ ? 'V' : 'N';
    auto done = [&](int info) {
      if (info > 0) runtime_fail(kOp, "the QR algorithm did not converge.");
      if (info < 0) runtime_fail(kOp, "LAPACK failed with code " + std::to_string(info) + ".");
    };
    if (in[0].dtype() == complex64) {
      using C = std::complex<float>;
      std::vector<C> vr(vectors_ ? static_cast<size_t>(n) * n : 1), work, vals(n);
      std::vector<float> rwork(2 * static_cast<size_t>(n));
      each_matrix<C>(in[0], [&](C* a, int64_t b) {
        int info = 0;
        C query;
        geev(job, n, a, vals.data(), vr.data(), &query, -1, rwork.data(), info);
        work.resize(std::max<size_t>(work.size(), work_size(query.real())));
        geev(job, n, a, vals.data(), vr.data(), work.data(), static_cast<int>(work.size()), rwork.data(), info);
        done(info);
        for (int j = 0; j < n; ++j) w[b * n + j] = vals[j];
        if (vectors_) store(vr.data(), n, n, n, reinterpret_cast<C*>(v) + b * n * n);
      }, kOp);
      return;
    }
    float_dispatch(in[0].dtype(), [&](auto zero) {
      using T = decltype(zero);
      std::vector<T> wr(n), wi(n), vr(vectors_ ? static_cast<size_t>(n) * n : 1), work;
      each_matrix<T>(in[0], [&](T* a, int64_t b) {
        int info = 0;
        T query = 0;
        geev(job, n, a, wr.data(), wi.data(), vr.data(), &query, -1, info);
        work.resize(std::max<size_t>(work.size(), work_size(query)));
        geev(job, n, a, wr.data(), wi.data(), vr.data(), work.data(), static_cast<int>(work.size()), info);
        done(info);
        for (int j = 0; j < n; ++j) w[b * n + j] = complex64_t(static_cast<float>(wr[j]), static_cast<float>(wi[j]));
        if (!vectors_) return;
        // A complex pair (j, j + 1) shares columns: v_j = vr[:, j] + i vr[:, j + 1], v_{j+1} its conjugate.
        complex64_t* vb = v + b * n * n;
        for (int j = 0; j < n; ++j) {
          const bool pair = wi[j] != 0 && j + 1 < n;
          for (int i = 0; i < n; ++i) {
            const float re = static_cast<float>(vr[j * n + i]), im = pair ? static_cast<float>(vr[(j + 1) * n + i]) : 0.f;
            vb[i * n + j] = complex64_t(re, im);
            if (pair) vb[i * n + j + 1] = complex64_t(re, -im);
          }
          if (pair) ++j;
        }
      }, kOp);
    });
  }

 private:
  bool vectors_;
};
INGOT_REGISTER_PRIMITIVE(Eig)

// LU factorization with partial pivoting, as MLX's: LU (..., m, n) holding unit lower L below the
// diagonal and U on and above it, LAPACK's pivots (..., k) 0-based, and the row permutation r
// (..., m) with A = (L U)[r].
class LUF : public LinalgBase<LUF> {
 public:
  static constexpr const char* kName = "LUF";
  static constexpr const char* kOp = "linalg::lu_factor";
  static constexpr bool kSquare = false;
  static constexpr int kVersion = 1;
  auto state() const { return std::tuple(); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& a = in[0].shape();
    check_matrices(a, in[0].dtype(), kOp, false);
    Shape piv(a.begin(), a.end() - 1), rows(a.begin(), a.end() - 1);
    piv.back() = std::min(a[a.size() - 2], a.back());
    return {a, piv, rows};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {in[0].dtype(), uint32, uint32}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    for (auto& o : out) o.alloc();
    const int m = static_cast<int>(in[0].shape(-2)), n = static_cast<int>(in[0].shape(-1)), k = std::min(m, n);
    float_dispatch(in[0].dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* lu = static_cast<T*>(out[0].raw_data());
      uint32_t* piv = static_cast<uint32_t*>(out[1].raw_data());
      uint32_t* rows = static_cast<uint32_t*>(out[2].raw_data());
      std::vector<int> ipiv(std::max(k, 1));
      each_matrix<T>(in[0], [&](T* a, int64_t b) {
        uint32_t* r = rows + b * m;
        for (int i = 0; i < m; ++i) r[i] = static_cast<uint32_t>(i);
        if (k == 0) return;
        int info = 0;
        getrf(m, n, a, ipiv.data(), info);  // info > 0: U is singular, still a valid factorization
        if (info < 0) runtime_fail(kOp, "LAPACK failed with code " + std::to_string(info) + ".");
        // The swaps applied to the identity give P A = L U; r is P's inverse.
        std::vector<uint32_t> perm(r, r + m);
        for (int j = 0; j < k; ++j) {
          piv[b * k + j] = static_cast<uint32_t>(ipiv[j] - 1);
          std::swap(perm[j], perm[ipiv[j] - 1]);
        }
        for (int i = 0; i < m; ++i) r[perm[i]] = static_cast<uint32_t>(i);
        store(a, m, m, n, lu + b * m * n);
      });
    });
  }
  // Square matrices: with A = P L U, dA = P L^-T (tril(L^T dL, -1) + triu(dU U^T)) U^-T.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    const int64_t n = in[0].shape(-1);
    if (in[0].shape(-2) != n)
      throw std::invalid_argument("[vjp] primitive LUF has a vjp for square matrices only, got shape " +
                                  shape_str(in[0].shape()) + ".");
    const array l = where(diagonal_mask(out[0]), 1.0, tril(out[0], -1)), u = triu(out[0]);
    const array inner = add(tril(matmul(transpose_last(l), tril(cot[0], -1)), -1),
                            triu(matmul(triu(cot[0]), transpose_last(u))));
    const array g = matmul(matmul(transpose_last(linalg::tri_inv(l, false)), inner),
                           transpose_last(linalg::tri_inv(u, true)));
    return {take_along_axis(g, expand_dims(out[2], -1), -2)};
  }
};
INGOT_REGISTER_PRIMITIVE(LUF)

namespace linalg {

array inv(const array& a, StreamOrDevice s) {
  to_stream(s, "linalg::inv");
  check_matrices(a.shape(), a.dtype(), "linalg::inv", true);
  return make<Inverse>({a}, false, false);
}

array tri_inv(const array& a, bool upper, StreamOrDevice s) {
  to_stream(s, "linalg::tri_inv");
  check_matrices(a.shape(), a.dtype(), "linalg::tri_inv", true);
  return make<Inverse>({a}, true, upper);
}

array cholesky(const array& a, bool upper, StreamOrDevice s) {
  to_stream(s, "linalg::cholesky");
  check_matrices(a.shape(), a.dtype(), "linalg::cholesky", true);
  return make<Cholesky>({a}, upper);
}

std::pair<array, array> qr(const array& a, StreamOrDevice s) {
  to_stream(s, "linalg::qr");
  check_matrices(a.shape(), a.dtype(), "linalg::qr", false);
  const Arrays o = make_multi<QRF>({a});
  return {o[0], o[1]};
}

Arrays svd(const array& a, bool compute_uv, StreamOrDevice s) {
  to_stream(s, "linalg::svd");
  check_matrices(a.shape(), a.dtype(), "linalg::svd", false);
  return make_multi<SVD>({a}, compute_uv);
}

// Singular values below max(m, n) * eps * the largest one count as zero, as numpy and MLX.
array pinv(const array& a, StreamOrDevice stream) {
  to_stream(stream, "linalg::pinv");
  if (a.ndim() < 2) fail("linalg::pinv", "expects arrays with at least 2 dimensions, got shape ", shape_str(a.shape()), ".");
  if (detail::in_shapeless_trace())
    fail("linalg::pinv", "keeps min(m, n) singular vectors, a count taken from the traced shape ", shape_str(a.shape()),
         ", which a shapeless export cannot follow.");
  const int64_t m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  if (a.size() == 0) {
    Shape s = a.shape();
    std::swap(s[s.size() - 1], s[s.size() - 2]);
    return zeros(s, a.dtype());
  }
  const Arrays usv = svd(a, true);
  const array u = swapaxes(first(usv[0], -1, k), -1, -2);
  const array v = swapaxes(first(usv[2], -2, k), -1, -2);
  const array s = expand_dims(usv[1], -2);
  const double eps = a.dtype() == float64 ? std::numeric_limits<double>::epsilon() : std::numeric_limits<float>::epsilon();
  const array cutoff = multiply(max(s, -1, true), 10.0 * static_cast<double>(std::max(m, n)) * eps);
  const array rs = where(greater(s, cutoff), reciprocal(s), 0.0);
  return matmul(multiply(v, rs), u);
}

std::pair<array, array> eigh(const array& a, const std::string& uplo, StreamOrDevice s) {
  to_stream(s, "linalg::eigh");
  check_matrices(a.shape(), a.dtype(), "linalg::eigh", true);
  Eigh::check_uplo(uplo);
  const Arrays o = make_multi<Eigh>({a}, uplo, true);
  return {o[0], o[1]};
}

std::pair<array, array> eig(const array& a, StreamOrDevice s) {
  to_stream(s, "linalg::eig");
  Eig::check(a.shape(), a.dtype(), "linalg::eig");
  const Arrays o = make_multi<Eig>({a}, true);
  return {o[0], o[1]};
}

array eigvals(const array& a, StreamOrDevice s) {
  to_stream(s, "linalg::eigvals");
  Eig::check(a.shape(), a.dtype(), "linalg::eigvals");
  return make<Eig>({a}, false);
}

array eigvalsh(const array& a, const std::string& uplo, StreamOrDevice s) {
  to_stream(s, "linalg::eigvalsh");
  check_matrices(a.shape(), a.dtype(), "linalg::eigvalsh", true);
  Eigh::check_uplo(uplo);
  return make<Eigh>({a}, uplo, false);
}

std::pair<array, array> lu_factor(const array& a, StreamOrDevice s) {
  to_stream(s, "linalg::lu_factor");
  check_matrices(a.shape(), a.dtype(), "linalg::lu_factor", false);
  const Arrays o = make_multi<LUF>({a});
  return {o[0], o[1]};
}

Arrays lu(const array& a, StreamOrDevice s) {
  to_stream(s, "linalg::lu");
  check_matrices(a.shape(), a.dtype(), "linalg::lu", false);
  const Arrays o = make_multi<LUF>({a});
  const int64_t m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  if (m != n && detail::in_shapeless_trace())
    fail("linalg::lu", "of a non-square matrix cuts L and U to min(m, n) from the traced shape ", shape_str(a.shape()),
         ", which a shapeless export cannot follow.");
  array l = tril(o[0], -1), u = triu(o[0]);
  if (n != k) l = first(l, -1, k);
  if (m != k) u = first(u, -2, k);
  return {o[2], where(diagonal_mask(l), 1.0, l), u};
}

}  // namespace linalg

}  // namespace ingot
