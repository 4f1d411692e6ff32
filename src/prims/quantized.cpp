// MLX's affine quantization: Quantize (w -> packed uint32, scales, biases), Dequantize, and
// QuantizedMatmul, which multiplies by the packed weights without materializing them.
#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/quantized.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {

namespace {

void check_params(const char* op, int group_size, int bits) {
  if (group_size != 32 && group_size != 64 && group_size != 128)
    fail(op, "the requested group size ", group_size, " is not supported. The supported group sizes are 32, 64 and 128.");
  if (bits < 2 || bits > 8 || bits == 7)
    fail(op, "the requested number of bits ", bits, " is not supported. The supported bits are 2, 3, 4, 5, 6 and 8.");
}

bool same_prefix(const Shape& a, const Shape& b, size_t n) {
  return a.size() >= n && b.size() >= n && std::equal(a.begin(), a.begin() + n, b.begin());
}

// The packed matrix w (..., rows, words) with scales and biases (..., rows, groups): checks that they
// fit together and returns the unpacked width words * 32 / bits.
int64_t check_packed(const char* op, const array& w, const array& scales, const array& biases, int group_size,
                     int bits) {
  if (w.dtype() != uint32) fail(op, "the packed matrix must be uint32, got ", w.dtype(), ".");
  if (w.ndim() < 2)
    fail(op, "the packed matrix must have at least 2 dimensions, got shape ", shape_str(w.shape()), ".");
  if (scales.shape() != biases.shape())
    fail(op, "scales and biases must have the same shape, got ", shape_str(scales.shape()), " and ",
         shape_str(biases.shape()), ".");
  const Shape& ws = w.shape();
  const Shape& ss = scales.shape();
  const int64_t words = ws.back();
  if (ss.size() != ws.size() || !same_prefix(ws, ss, ws.size() - 1) || (words * 32) % bits != 0 ||
      words * 32 / bits != ss.back() * group_size)
    fail(op, "the shapes of the packed matrix and the scales are incompatible with group_size=", group_size,
         " and bits=", bits, ": the matrix has shape ", shape_str(ws), " and the scales ", shape_str(ss), ".");
  return words * 32 / bits;
}

}  // namespace

// Input w of a floating dtype; outputs (packed uint32, scales, biases).
class Quantize : public PrimitiveBase<Quantize> {
 public:
  static constexpr const char* kName = "Quantize";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  Quantize(int group_size, int bits) : group_size_(group_size), bits_(bits) {}
  auto state() const { return std::tuple(group_size_, bits_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const array& w = in[0];
    check_params("quantize", group_size_, bits_);
    if (!is_floating_point(w.dtype()))
      fail("quantize", "only real floating types can be quantized, but w has type ", w.dtype(), ".");
    if (w.ndim() < 2)
      fail("quantize", "the matrix to be quantized must have at least 2 dimensions, but it has shape ",
           shape_str(w.shape()), ".");
    if (w.shape(-1) % group_size_ != 0)
      fail("quantize", "the last dimension of the matrix must be divisible by the group size ", group_size_,
           ", but the matrix has shape ", shape_str(w.shape()), ".");
    Shape wq = w.shape(), s = w.shape();
    wq.back() = w.shape(-1) * bits_ / 32;
    s.back() = w.shape(-1) / group_size_;
    return {wq, s, s};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {uint32, in[0].dtype(), in[0].dtype()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::quantize(cpu::contiguous(in[0]), out[0], out[1], out[2], group_size_, bits_);
  }

 private:
  int group_size_, bits_;
};
INGOT_REGISTER_PRIMITIVE(Quantize)

// Inputs (w uint32, scales, biases) with scales and biases of one floating dtype, the result's.
class Dequantize : public PrimitiveBase<Dequantize> {
 public:
  static constexpr const char* kName = "Dequantize";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 3;
  static constexpr bool kMixedDtypes = true;
  Dequantize(int group_size, int bits) : group_size_(group_size), bits_(bits) {}
  auto state() const { return std::tuple(group_size_, bits_); }

  void check_inputs(const Arrays& in) const override {
    if (in.size() != 3 || in[0].dtype() != uint32 || in[1].dtype() != in[2].dtype() ||
        !is_floating_point(in[1].dtype()))
      detail::bad_inputs(*this, "expects uint32 packed weights and floating scales and biases of one dtype");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_params("dequantize", group_size_, bits_);
    Shape out = in[0].shape();
    const int64_t cols = check_packed("dequantize", in[0], in[1], in[2], group_size_, bits_);
    out.back() = cols;
    return {out};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {in.at(1).dtype()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::dequantize(cpu::contiguous(in[0]), cpu::contiguous(in[1]), cpu::contiguous(in[2]), out[0], group_size_,
                    bits_);
  }
  // out = scale * q + bias per group: the scales' cotangent sums cot * q over each group, the biases' cot.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    auto grouped = [&](const array& a) {
      Shape s = in[1].shape();
      s.push_back(group_size_);
      return sum(reshape(a, s), -1);
    };
    Arrays r;
    for (int i : argnums) {
      if (i == 0) r.push_back(array());  // the packed integers
      else if (i == 1) r.push_back(grouped(multiply(cot[0], make<Dequantize>({in[0], ones_like(in[1]), zeros_like(in[2])}, group_size_, bits_))));
      else r.push_back(grouped(cot[0]));
    }
    return r;
  }

 private:
  int group_size_, bits_;
};
INGOT_REGISTER_PRIMITIVE(Dequantize)

// Inputs (x, w uint32, scales, biases); x, scales and biases of one floating dtype, the result's. w is
// either 2-D (shared by every row of x) or batched with exactly x's batch dimensions (the op
// broadcasts them).
class QuantizedMatmul : public PrimitiveBase<QuantizedMatmul> {
 public:
  static constexpr const char* kName = "QuantizedMatmul";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 4;
  static constexpr bool kMixedDtypes = true;
  QuantizedMatmul(int group_size, int bits, bool transpose)
      : group_size_(group_size), bits_(bits), transpose_(transpose) {}
  auto state() const { return std::tuple(group_size_, bits_, transpose_); }

  void check_inputs(const Arrays& in) const override {
    if (in.size() != 4 || in[1].dtype() != uint32 || !is_floating_point(in[0].dtype()) ||
        in[2].dtype() != in[0].dtype() || in[3].dtype() != in[0].dtype())
      detail::bad_inputs(*this, "expects x, uint32 packed weights, scales and biases, x, scales and biases of one "
                                "floating dtype");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const char* op = "quantized_matmul";
    check_params(op, group_size_, bits_);
    const array &x = in[0], &w = in[1];
    const int64_t cols = check_packed(op, w, in[2], in[3], group_size_, bits_);
    const int64_t inner = transpose_ ? cols : w.shape(-2), outer = transpose_ ? w.shape(-2) : cols;
    if (x.ndim() < 1 || x.shape(-1) != inner)
      fail(op, "the last dimension of the first input, of shape ", shape_str(x.shape()),
           ", does not match the unpacked matrix (", inner, ", ", outer, ") from shape ", shape_str(w.shape()),
           " with group_size=", group_size_, ", bits=", bits_, " and transpose=", transpose_ ? "true" : "false", ".");
    if (w.ndim() > 2 && (x.ndim() != w.ndim() || !same_prefix(x.shape(), w.shape(), w.ndim() - 2)))
      fail(op, "a batched packed matrix of shape ", shape_str(w.shape()), " needs an input with the same batch "
               "dimensions, got shape ", shape_str(x.shape()), ".");
    if (!is_floating_point(x.dtype())) fail(op, "only real floating types are supported, got ", x.dtype(), ".");
    Shape out = x.shape();
    out.back() = outer;
    return {out};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::quantized_matmul(in[0], in[1], in[2], in[3], out[0], group_size_, bits_, transpose_);
  }
  // With respect to the activations only: the product with the matrix the other way round.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    Arrays r;
    for (int i : argnums) {
      if (i >= 2)
        fail("vjp", "primitive QuantizedMatmul has a vjp with respect to its input x only, not its ",
             i == 2 ? "scales" : "biases", ".");
      r.push_back(i == 0 ? make<QuantizedMatmul>({cot[0], in[1], in[2], in[3]}, group_size_, bits_, !transpose_)
                         : array());  // the packed integers
    }
    return r;
  }

 private:
  int group_size_, bits_;
  bool transpose_;
};
INGOT_REGISTER_PRIMITIVE(QuantizedMatmul)

std::tuple<array, array, array> quantize(const array& w, int group_size, int bits) {
  auto out = make_multi<Quantize>({w}, group_size, bits);
  return {out[0], out[1], out[2]};
}

array dequantize(const array& w, const array& scales, const array& biases, int group_size, int bits,
                 std::optional<Dtype> dtype) {
  const char* op = "dequantize";
  check_params(op, group_size, bits);
  const Dtype t = promote_types(scales.dtype(), biases.dtype());
  if (!is_floating_point(t))
    fail(op, "only real floating types are supported, but scales have type ", scales.dtype(), " and biases ",
         biases.dtype(), ".");
  if (dtype && !is_floating_point(*dtype)) fail(op, "only real floating types are supported, got dtype ", *dtype, ".");
  check_packed(op, w, scales, biases, group_size, bits);
  array out = make<Dequantize>({w, astype(scales, t), astype(biases, t)}, group_size, bits);
  return dtype ? astype(out, *dtype) : out;
}

array quantized_matmul(const array& x, const array& w, const array& scales, const array& biases, bool transpose,
                       int group_size, int bits) {
  const char* op = "quantized_matmul";
  check_params(op, group_size, bits);
  const Dtype st = promote_types(scales.dtype(), biases.dtype());
  if (!is_floating_point(st))
    fail(op, "only real floating types are supported, but scales have type ", scales.dtype(), " and biases ",
         biases.dtype(), ".");
  const Dtype t = promote_types(x.dtype(), st);
  if (!is_floating_point(t)) fail(op, "only real floating types are supported, but x has type ", x.dtype(), ".");
  check_packed(op, w, scales, biases, group_size, bits);
  Arrays in{astype(x, t), w, astype(scales, t), astype(biases, t)};
  if (w.ndim() > 2) {
    // Batch dimensions broadcast as matmul's; the broadcast views cost no copy.
    if (x.ndim() < 2)
      fail(op, "a batched packed matrix of shape ", shape_str(w.shape()), " needs an input with at least 2 "
               "dimensions, got shape ", shape_str(x.shape()), ".");
    const Shape xb(x.shape().begin(), x.shape().end() - 2), wb(w.shape().begin(), w.shape().end() - 2);
    const Shape batch = broadcast_shapes(xb, wb, op);
    auto with_batch = [&](const array& a) {
      Shape s = batch;
      s.insert(s.end(), a.shape().end() - 2, a.shape().end());
      return a.shape() == s ? a : broadcast_to(a, s);
    };
    for (auto& a : in) a = with_batch(a);
  }
  return make<QuantizedMatmul>(std::move(in), group_size, bits, transpose);
}

}  // namespace ingot
