// Matrix products with numpy's matmul semantics: Matmul and AddMM (beta * c + alpha * a @ b).
#include "prims/matmul.h"
#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/gemm.h"
#include "cpu/iterate.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

// Two operations (multiply, add) per output element and inner index, plus reading the inputs.
double product_cost(const Arrays& in, const std::vector<Shape>& out) {
  const Shape& a = in[0].shape();
  const double inner = a.empty() ? 1.0 : static_cast<double>(a.back());
  return 2 * detail::elements(out[0]) * inner + detail::elements(a) + detail::elements(in[1].shape());
}

// The shapes of a numpy matmul: a 1-D first operand is a row (1, K), a 1-D second operand a column
// (K, 1), and those added dimensions are dropped from the result; leading dimensions broadcast.
struct MatmulDims {
  Shape out, batch;
  int64_t M, N, K;
};

MatmulDims matmul_dims(const Shape& a, const Shape& b, const char* op) {
  if (a.empty() || b.empty())
    fail(op, "both operands must have at least one dimension, got shapes ", shape_str(a), " and ", shape_str(b), ".");
  MatmulDims d;
  const size_t na = a.size(), nb = b.size();
  d.M = na == 1 ? 1 : a[na - 2];
  d.K = a[na - 1];
  const int64_t kb = nb == 1 ? b[0] : b[nb - 2];
  d.N = nb == 1 ? 1 : b[nb - 1];
  if (d.K != kb)
    fail(op, "the last dimension of the first operand (shape ", shape_str(a), ") must equal the ",
         nb == 1 ? "length" : "second-to-last dimension", " of the second operand (shape ", shape_str(b), ").");
  const size_t ba = na > 2 ? na - 2 : 0, bb = nb > 2 ? nb - 2 : 0, n = std::max(ba, bb);
  d.batch.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = i < n - ba ? 1 : a[i - (n - ba)];
    const int64_t y = i < n - bb ? 1 : b[i - (n - bb)];
    if (x != y && x != 1 && y != 1)
      fail(op, "the batch dimensions of shapes ", shape_str(a), " and ", shape_str(b),
           " cannot be broadcast together.");
    d.batch[i] = x == 1 ? y : x;
  }
  d.out = d.batch;
  if (na != 1) d.out.push_back(d.M);
  if (nb != 1) d.out.push_back(d.N);
  return d;
}

// The operand's matrices as seen by the kernel, batch dimensions aligned to the result's.
cpu::MatrixBatch matrices(const array& x, bool first, const MatmulDims& d) {
  cpu::MatrixBatch m;
  m.data = x.raw_data();
  m.batch_strides.assign(d.batch.size(), 0);
  const Shape& sh = x.shape();
  const Strides& st = x.strides();
  const size_t nd = sh.size();
  if (nd == 1) {
    (first ? m.col_stride : m.row_stride) = st[0];
    return m;
  }
  m.row_stride = st[nd - 2];
  m.col_stride = st[nd - 1];
  const size_t off = d.batch.size() - (nd - 2);
  for (size_t i = 0; i + 2 < nd; ++i)
    if (sh[i] != 1) m.batch_strides[off + i] = st[i];
  return m;
}

void run(const array& a, const array& b, array& out, const MatmulDims& d, float alpha, float beta) {
  cpu::matmul(out.dtype(), d.batch, d.M, d.N, d.K, matrices(a, true, d), matrices(b, false, d), out.raw_data(), alpha,
              beta);
}

// The cotangents of a @ b (either may be a vector) given the product's cotangent.
std::pair<array, array> matmul_vjp(const array& a, const array& b, const array& cot) {
  const array a2 = a.ndim() == 1 ? expand_dims(a, 0) : a;
  const array b2 = b.ndim() == 1 ? expand_dims(b, 1) : b;
  // The product's cotangent with the vectors' axes back (expand_dims follows shapes when shapeless).
  array c2 = cot;
  if (a.ndim() == 1) c2 = expand_dims(c2, b.ndim() == 1 ? 0 : -2);
  if (b.ndim() == 1) c2 = expand_dims(c2, -1);
  // Each cotangent in its operand's layout: the transpose of a weight (x @ w.T) gets a transposed
  // cotangent, which its Transpose node turns back to the weight's own row-major layout (an optimizer then
  // combines it with the weight without copying it across the grain).
  // (Both forms are the same numbers: this only picks a layout.)
  auto transposed = [](const array& m) {
    if (m.ndim() < 2) return false;
    if (m.is_evaluated()) return !m.flags().row_contiguous && m.flags().col_contiguous;
    return m.has_node() && std::string_view(m.primitive().name()) == "Transpose";
  };
  const array ga = rules::unbroadcast(
      transposed(a2) ? swapaxes(matmul(b2, swapaxes(c2, -1, -2)), -1, -2) : matmul(c2, swapaxes(b2, -1, -2)), a2.shape());
  const array gb = rules::unbroadcast(
      transposed(b2) ? swapaxes(matmul(swapaxes(c2, -1, -2), a2), -1, -2) : matmul(swapaxes(a2, -1, -2), c2), b2.shape());
  return {a.ndim() == 1 ? squeeze(ga, 0) : ga, b.ndim() == 1 ? squeeze(gb, -1) : gb};
}

// Matrices batched like elementwise operands: the batch dimensions broadcast as the leading ones do.
std::pair<Arrays, std::vector<int>> matmul_vmap(const Arrays& in, const std::vector<int>& axes,
                                                const std::function<array(const Arrays&)>& op) {
  for (size_t i = 0; i < 2; ++i)
    if (in[i].ndim() - (axes[i] >= 0 ? 1 : 0) < 2) return {};  // vectors: run per entry
  return {{op(rules::align_batched(in, axes))}, {0}};
}

}  // namespace

class Matmul : public PrimitiveBase<Matmul> {
 public:
  static constexpr const char* kName = "Matmul";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 2;  // of one dtype: the op builder promotes
  auto state() const { return std::tuple<>(); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    return {matmul_dims(in[0].shape(), in[1].shape(), "matmul").out};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].alloc();
    run(in[0], in[1], out[0], matmul_dims(in[0].shape(), in[1].shape(), "matmul"), 1.0f, 0.0f);
  }
  double cost(const Arrays& in, const std::vector<Shape>& out) const override { return product_cost(in, out); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    auto [ga, gb] = matmul_vjp(in[0], in[1], cot[0]);
    Arrays r;
    for (int i : argnums) r.push_back(i == 0 ? ga : gb);
    return r;
  }
  Arrays jvp(const Arrays& in, const Arrays& t, const std::vector<int>& argnums, const Arrays&) const override {
    array r = matmul(argnums[0] == 0 ? t[0] : in[0], argnums[0] == 0 ? in[1] : t[0]);
    if (argnums.size() > 1) r = add(r, matmul(in[0], t[1]));
    return {r};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return matmul_vmap(in, axes, [](const Arrays& a) { return make<Matmul>(a); });
  }
};
INGOT_REGISTER_PRIMITIVE(Matmul)

// Inputs (a, b, c) as MLX; c broadcasts to the product's shape.
class AddMM : public PrimitiveBase<AddMM> {
 public:
  static constexpr const char* kName = "AddMM";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 3;
  AddMM(float alpha, float beta) : alpha_(alpha), beta_(beta) {}
  auto state() const { return std::tuple(alpha_, beta_); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    if (!is_floating_point(in[0].dtype()))
      fail("addmm", "only floating point types are supported, got ", in[0].dtype(), ".");
    Shape out = matmul_dims(in[0].shape(), in[1].shape(), "addmm").out;
    if (broadcast_shapes(in[2].shape(), out, "addmm") != out)
      fail("addmm", "c of shape ", shape_str(in[2].shape()), " cannot be broadcast to the product's shape ",
           shape_str(out), ".");
    return {out};
  }
  double cost(const Arrays& in, const std::vector<Shape>& out) const override { return product_cost(in, out); }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const MatmulDims d = matmul_dims(in[0].shape(), in[1].shape(), "addmm");
    array& o = out[0];
    o.alloc();
    if (beta_ != 0 && o.size() > 0) {  // BLAS convention: beta == 0 never reads c
      const array& c = in[2];
      if (c.shape() == o.shape()) {
        cpu::copy_to_row_major(c, o.raw_data(), o.dtype());
      } else {
        array view(std::make_shared<ArrayDesc>(o.shape(), c.dtype()));
        view.copy_shared_buffer(c, cpu::broadcast_strides(c, o.shape()), Flags{false, false, false}, c.data_size());
        cpu::copy_to_row_major(view, o.raw_data(), o.dtype());
      }
    }
    run(in[0], in[1], o, d, alpha_, beta_);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    auto [ga, gb] = matmul_vjp(in[0], in[1], cot[0]);
    Arrays r;
    for (int i : argnums)
      r.push_back(i == 2 ? multiply(rules::unbroadcast(cot[0], in[2].shape()), beta_) : multiply(i == 0 ? ga : gb, alpha_));
    return r;
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return matmul_vmap(in, axes, [this](const Arrays& a) { return make<AddMM>(a, alpha_, beta_); });
  }
  bool plain() const { return alpha_ == 1.0f && beta_ == 1.0f; }

 private:
  float alpha_, beta_;
};
INGOT_REGISTER_PRIMITIVE(AddMM)

bool is_plain_addmm(const Primitive& p) {
  const auto* m = dynamic_cast<const AddMM*>(&p);
  return m && m->plain();
}

array matmul(const array& a, const array& b, StreamOrDevice s) {
  to_stream(s, "matmul");
  matmul_dims(a.shape(), b.shape(), "matmul");
  const Dtype t = promote_types(a.dtype(), b.dtype());
  if (t == complex64) {  // four real products: (ar + i ai)(br + i bi)
    const array ar = real(a), ai = imag(a), br = real(b), bi = imag(b);
    return add(astype(subtract(matmul(ar, br), matmul(ai, bi)), complex64),
               multiply(astype(add(matmul(ar, bi), matmul(ai, br)), complex64), complex64_t(0.0f, 1.0f)));
  }
  return make<Matmul>({astype(a, t), astype(b, t)});
}

array addmm(const array& c, const array& a, const array& b, float alpha, float beta, StreamOrDevice s) {
  to_stream(s, "addmm");
  const Dtype t = promote_types(promote_types(a.dtype(), b.dtype()), c.dtype());
  if (!is_floating_point(t))
    fail("addmm", "only floating point types are supported, got ", a.dtype(), ", ", b.dtype(), " and ", c.dtype(),
         " (promoting to ", t, ").");
  return make<AddMM>({astype(a, t), astype(b, t), astype(c, t)}, alpha, beta);
}

}  // namespace ingot
