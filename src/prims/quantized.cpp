// MLX's quantization modes: Quantize (w -> packed uint32 words and scales, plus biases for "affine"),
// Dequantize, and QuantizedMatmul, which multiplies by the packed weights without materializing them.
// Each primitive records its mode by name ("affine", "mxfp4", "mxfp8", "nvfp4"); version 1 of their
// state had no mode (affine only).
#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/quantized.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {

namespace {

using cpu::QuantMode;

struct ModeSpec {
  const char* name;
  QuantMode mode;
  int group_size, bits;  // MLX's defaults; the only values of the floating-point modes
};
constexpr ModeSpec kModes[] = {{"affine", QuantMode::affine, 64, 4},
                               {"mxfp4", QuantMode::mxfp4, 32, 4},
                               {"mxfp8", QuantMode::mxfp8, 32, 8},
                               {"nvfp4", QuantMode::nvfp4, 16, 4}};

const ModeSpec* find_mode(const std::string& name) {
  for (const auto& m : kModes)
    if (name == m.name) return &m;
  return nullptr;
}

const ModeSpec& mode_spec(const char* op, const std::string& name) {
  if (const ModeSpec* m = find_mode(name)) return *m;
  fail(op, "invalid quantization mode '", name, "'. The modes are 'affine', 'mxfp4', 'mxfp8' and 'nvfp4'.");
}

void check_params(const char* op, const ModeSpec& m, int group_size, int bits) {
  if (m.mode != QuantMode::affine) {
    if (group_size != m.group_size)
      fail(op, m.name, " quantization requires group size ", m.group_size, " but got ", group_size, ".");
    if (bits != m.bits) fail(op, m.name, " quantization requires bits to be ", m.bits, " but got ", bits, ".");
    return;
  }
  if (group_size != 32 && group_size != 64 && group_size != 128)
    fail(op, "the requested group size ", group_size, " is not supported. The supported group sizes are 32, 64 and 128.");
  if (bits < 2 || bits > 8 || bits == 7)
    fail(op, "the requested number of bits ", bits, " is not supported. The supported bits are 2, 3, 4, 5, 6 and 8.");
}

void check_global_scale(const char* op, const ModeSpec& m, const std::optional<array>& g) {
  if (!g) return;
  if (m.mode != QuantMode::nvfp4)
    fail(op, "global_scale is only supported by the 'nvfp4' mode, not '", m.name, "'.");
  if (g->size() != 1) fail(op, "global_scale must be a scalar, got shape ", shape_str(g->shape()), ".");
  if (g->dtype() != float32) fail(op, "global_scale must be float32, got ", g->dtype(), ".");
}

bool same_prefix(const Shape& a, const Shape& b, size_t n) {
  return a.size() >= n && b.size() >= n && std::equal(a.begin(), a.begin() + n, b.begin());
}

// The packed matrix w (..., rows, words) with scales (and, for affine, biases) (..., rows, groups):
// checks that they fit together and returns the unpacked width words * 32 / bits.
int64_t check_packed(const char* op, const array& w, const array& scales, const array* biases, int group_size,
                     int bits) {
  if (w.dtype() != uint32) fail(op, "the packed matrix must be uint32, got ", w.dtype(), ".");
  if (w.ndim() < 2)
    fail(op, "the packed matrix must have at least 2 dimensions, got shape ", shape_str(w.shape()), ".");
  if (biases && scales.shape() != biases->shape())
    fail(op, "scales and biases must have the same shape, got ", shape_str(scales.shape()), " and ",
         shape_str(biases->shape()), ".");
  const Shape& ws = w.shape();
  const Shape& ss = scales.shape();
  const int64_t words = ws.back();
  if (ss.size() != ws.size() || !same_prefix(ws, ss, ws.size() - 1) || (words * 32) % bits != 0 ||
      words * 32 / bits != ss.back() * group_size)
    fail(op, "the shapes of the packed matrix and the scales are incompatible with group_size=", group_size,
         " and bits=", bits, ": the matrix has shape ", shape_str(ws), " and the scales ", shape_str(ss), ".");
  return words * 32 / bits;
}

// The mode a primitive's state names, refused (naming the op) when unknown: read from a file, it is
// hostile input.
const ModeSpec& state_mode(const char* op, const ModeSpec* m, const std::string& name) {
  return m ? *m : mode_spec(op, name);
}

const float* global_scale_of(const Arrays& in, size_t i, array& holder) {
  if (in.size() <= i) return nullptr;
  holder = cpu::contiguous(in[i]);
  return holder.data<float>();
}

}  // namespace

// Input w of a floating dtype, and for nvfp4 optionally a float32 global scale of one element; outputs
// (packed uint32, scales, biases) of w's dtype for affine, (packed uint32, uint8 scales) otherwise.
class Quantize : public PrimitiveBase<Quantize> {
 public:
  static constexpr const char* kName = "Quantize";
  static constexpr int kVersion = 2;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr bool kMixedDtypes = true;
  Quantize(int group_size, int bits, std::string mode)
      : group_size_(group_size), bits_(bits), mode_(std::move(mode)), spec_(find_mode(mode_)) {}
  auto state() const { return std::tuple(group_size_, bits_, mode_); }
  static std::shared_ptr<Primitive> upgrade(StateReader& r, int) {  // version 1: affine, no mode
    std::tuple<int, int> t;
    r.read_all(t);
    r.finish();
    return std::make_shared<Quantize>(std::get<0>(t), std::get<1>(t), "affine");
  }

  void check_inputs(const Arrays& in) const override {
    const bool nv = state_mode("quantize", spec_, mode_).mode == QuantMode::nvfp4;
    if (in.empty() || in.size() > (nv ? 2u : 1u) || !is_floating_point(in[0].dtype()) ||
        (in.size() == 2 && (in[1].dtype() != float32 || in[1].size() != 1)))
      detail::bad_inputs(*this, "expects a floating w and, for nvfp4, optionally one float32 global scale");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const array& w = in[0];
    const ModeSpec& m = state_mode("quantize", spec_, mode_);
    check_params("quantize", m, group_size_, bits_);
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
    if (m.mode == QuantMode::affine) return {wq, s, s};
    return {wq, s};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    if (spec_ && spec_->mode == QuantMode::affine) return {uint32, in[0].dtype(), in[0].dtype()};
    return {uint32, uint8};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    if (spec_->mode == QuantMode::affine)
      return cpu::quantize(cpu::contiguous(in[0]), out[0], out[1], out[2], group_size_, bits_);
    array g;
    cpu::fp_quantize(cpu::contiguous(in[0]), global_scale_of(in, 1, g), out[0], out[1], spec_->mode);
  }

 private:
  int group_size_, bits_;
  std::string mode_;
  const ModeSpec* spec_;  // null for an unknown name, which output_shapes refuses
};
INGOT_REGISTER_PRIMITIVE(Quantize)

// affine: inputs (w uint32, scales, biases), scales and biases of one floating dtype, the result's.
// Floating-point modes: inputs (w uint32, uint8 scales) and for nvfp4 optionally a float32 global
// scale; the result has dtype `dtype` (float32 or float64 with a global scale). affine ignores
// `dtype`; its nodes record the scales' dtype there (float32 when upgraded from version 1).
class Dequantize : public PrimitiveBase<Dequantize> {
 public:
  static constexpr const char* kName = "Dequantize";
  static constexpr int kVersion = 2;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr bool kMixedDtypes = true;
  Dequantize(int group_size, int bits, std::string mode, Dtype dtype)
      : group_size_(group_size), bits_(bits), mode_(std::move(mode)), dtype_(dtype), spec_(find_mode(mode_)) {}
  auto state() const { return std::tuple(group_size_, bits_, mode_, dtype_); }
  static std::shared_ptr<Primitive> upgrade(StateReader& r, int) {  // version 1: affine, no mode or dtype
    std::tuple<int, int> t;
    r.read_all(t);
    r.finish();
    return std::make_shared<Dequantize>(std::get<0>(t), std::get<1>(t), "affine", float32);
  }

  void check_inputs(const Arrays& in) const override {
    if (state_mode("dequantize", spec_, mode_).mode == QuantMode::affine) {
      if (in.size() != 3 || in[0].dtype() != uint32 || in[1].dtype() != in[2].dtype() ||
          !is_floating_point(in[1].dtype()))
        detail::bad_inputs(*this, "expects uint32 packed weights and floating scales and biases of one dtype");
      return;
    }
    const bool global = in.size() == 3 && spec_->mode == QuantMode::nvfp4;
    if ((in.size() != 2 && !global) || in[0].dtype() != uint32 || in[1].dtype() != uint8 ||
        !is_floating_point(dtype_) ||
        (global && (in[2].dtype() != float32 || in[2].size() != 1 || (dtype_ != float32 && dtype_ != float64))))
      detail::bad_inputs(*this, "expects uint32 packed weights, uint8 scales and for nvfp4 optionally one float32 "
                                "global scale (with a float32 or float64 result)");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const ModeSpec& m = state_mode("dequantize", spec_, mode_);
    check_params("dequantize", m, group_size_, bits_);
    Shape out = in[0].shape();
    out.back() =
        check_packed("dequantize", in[0], in[1], m.mode == QuantMode::affine ? &in[2] : nullptr, group_size_, bits_);
    return {out};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    return {spec_ && spec_->mode == QuantMode::affine ? in.at(1).dtype() : dtype_};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    if (spec_->mode == QuantMode::affine)
      return cpu::dequantize(cpu::contiguous(in[0]), cpu::contiguous(in[1]), cpu::contiguous(in[2]), out[0],
                             group_size_, bits_);
    array g;
    cpu::fp_dequantize(cpu::contiguous(in[0]), cpu::contiguous(in[1]), global_scale_of(in, 2, g), out[0], spec_->mode);
  }
  // affine: out = scale * q + bias per group: the scales' cotangent sums cot * q over each group, the
  // biases' cot. nvfp4's global scale g: out = value * scale * g / 2688, so its cotangent sums
  // cot * value * scale over everything, over 2688. The packed codes and uint8 scales have none.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    const bool affine = spec_->mode == QuantMode::affine;
    auto grouped = [&](const array& a) {
      Shape s = in[1].shape();
      s.push_back(group_size_);
      return sum(reshape(a, s), -1);
    };
    Arrays r;
    for (int i : argnums) {
      if (i == 0 || (i == 1 && !affine)) {
        r.push_back(array());
      } else if (i == 1) {
        r.push_back(grouped(multiply(
            cot[0], make<Dequantize>({in[0], ones_like(in[1]), zeros_like(in[2])}, group_size_, bits_, mode_, dtype_))));
      } else if (affine) {
        r.push_back(grouped(cot[0]));
      } else {
        const array unscaled = make<Dequantize>({in[0], in[1]}, group_size_, bits_, mode_, dtype_);
        r.push_back(astype(reshape(divide(sum(multiply(cot[0], unscaled)), array(2688.0, dtype_)), in[2].shape()),
                           in[2].dtype()));
      }
    }
    return r;
  }

 private:
  int group_size_, bits_;
  std::string mode_;
  Dtype dtype_;
  const ModeSpec* spec_;  // null for an unknown name, which output_shapes refuses
};
INGOT_REGISTER_PRIMITIVE(Dequantize)

// affine: inputs (x, w uint32, scales, biases); x, scales and biases of one floating dtype, the
// result's. Floating-point modes: inputs (x, w uint32, uint8 scales); the result has x's dtype. w is
// either 2-D (shared by every row of x) or batched with exactly x's batch dimensions (the op
// broadcasts them).
class QuantizedMatmul : public PrimitiveBase<QuantizedMatmul> {
 public:
  static constexpr const char* kName = "QuantizedMatmul";
  static constexpr int kVersion = 2;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr bool kMixedDtypes = true;
  QuantizedMatmul(int group_size, int bits, bool transpose, std::string mode)
      : group_size_(group_size), bits_(bits), transpose_(transpose), mode_(std::move(mode)), spec_(find_mode(mode_)) {}
  auto state() const { return std::tuple(group_size_, bits_, transpose_, mode_); }
  static std::shared_ptr<Primitive> upgrade(StateReader& r, int) {  // version 1: affine, no mode
    std::tuple<int, int, bool> t;
    r.read_all(t);
    r.finish();
    return std::make_shared<QuantizedMatmul>(std::get<0>(t), std::get<1>(t), std::get<2>(t), "affine");
  }

  void check_inputs(const Arrays& in) const override {
    const bool affine = state_mode("quantized_matmul", spec_, mode_).mode == QuantMode::affine;
    if (in.size() != (affine ? 4u : 3u) || in[1].dtype() != uint32 || !is_floating_point(in[0].dtype()) ||
        (affine && (in[2].dtype() != in[0].dtype() || in[3].dtype() != in[0].dtype())) ||
        (!affine && in[2].dtype() != uint8))
      detail::bad_inputs(*this, affine ? "expects x, uint32 packed weights, scales and biases, x, scales and "
                                         "biases of one floating dtype"
                                       : "expects a floating x, uint32 packed weights and uint8 scales");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const char* op = "quantized_matmul";
    const ModeSpec& m = state_mode(op, spec_, mode_);
    check_params(op, m, group_size_, bits_);
    const array &x = in[0], &w = in[1];
    const int64_t cols =
        check_packed(op, w, in[2], m.mode == QuantMode::affine ? &in[3] : nullptr, group_size_, bits_);
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
  double cost(const Arrays& in, const std::vector<Shape>& out) const override {  // as a product, plus unpacking
    return 2 * detail::elements(out[0]) * static_cast<double>(in[0].shape().back()) + 8 * detail::elements(in[1].shape());
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const bool affine = spec_->mode == QuantMode::affine;
    cpu::quantized_matmul(in[0], in[1], in[2], affine ? in[3] : in[2], out[0], group_size_, bits_, transpose_,
                          spec_->mode);
  }
  // With respect to the activations only: the product with the matrix the other way round. The packed
  // codes (and the floating-point modes' uint8 scales) have no cotangent.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    const bool affine = spec_->mode == QuantMode::affine;
    Arrays r;
    for (int i : argnums) {
      if (i >= 2 && affine)
        fail("vjp", "primitive QuantizedMatmul has a vjp with respect to its input x only, not its ",
             i == 2 ? "scales" : "biases", ".");
      if (i != 0) {
        r.push_back(array());
        continue;
      }
      Arrays args = in;
      args[0] = cot[0];
      r.push_back(make<QuantizedMatmul>(std::move(args), group_size_, bits_, !transpose_, mode_));
    }
    return r;
  }

 private:
  int group_size_, bits_;
  bool transpose_;
  std::string mode_;
  const ModeSpec* spec_;  // null for an unknown name, which output_shapes refuses
};
INGOT_REGISTER_PRIMITIVE(QuantizedMatmul)

std::vector<array> quantize(const array& w, std::optional<int> group_size, std::optional<int> bits,
                            const std::string& mode, const std::optional<array>& global_scale, StreamOrDevice s) {
  to_stream(s, "quantize");
  const ModeSpec& m = mode_spec("quantize", mode);
  check_global_scale("quantize", m, global_scale);
  Arrays in{w};
  if (global_scale) in.push_back(*global_scale);
  return make_multi<Quantize>(std::move(in), group_size.value_or(m.group_size), bits.value_or(m.bits), mode);
}

std::tuple<array, array, array> quantize(const array& w, int group_size, int bits, StreamOrDevice s) {
  to_stream(s, "quantize");
  auto out = quantize(w, group_size, bits, "affine");
  return {out[0], out[1], out[2]};
}

array dequantize(const array& w, const array& scales, const std::optional<array>& biases, std::optional<int> group_size,
                 std::optional<int> bits, const std::string& mode, const std::optional<array>& global_scale,
                 std::optional<Dtype> dtype, StreamOrDevice s) {
  to_stream(s, "dequantize");
  const char* op = "dequantize";
  const ModeSpec& m = mode_spec(op, mode);
  if (dtype && !is_floating_point(*dtype)) fail(op, "only real floating types are supported, got dtype ", *dtype, ".");
  const int gs = group_size.value_or(m.group_size), b = bits.value_or(m.bits);
  if (m.mode == QuantMode::affine) {
    if (!biases) fail(op, "the 'affine' mode needs biases.");
    check_global_scale(op, m, global_scale);
    return dequantize(w, scales, *biases, gs, b, dtype);
  }
  if (scales.dtype() != uint8) fail(op, "the scales of the '", mode, "' mode must be uint8, got ", scales.dtype(), ".");
  if (biases) fail(op, "the '", mode, "' mode has no biases; pass None.");
  check_params(op, m, gs, b);
  check_global_scale(op, m, global_scale);
  check_packed(op, w, scales, nullptr, gs, b);
  // MLX's default is bfloat16; a global scale (float32) promotes the result.
  Dtype t = dtype.value_or(bfloat16);
  Arrays in{w, scales};
  if (global_scale) in.push_back(*global_scale), t = promote_types(t, float32);
  return make<Dequantize>(std::move(in), gs, b, mode, t);
}

array dequantize(const array& w, const array& scales, const array& biases, int group_size, int bits,
                 std::optional<Dtype> dtype, StreamOrDevice s) {
  to_stream(s, "dequantize");
  const char* op = "dequantize";
  check_params(op, kModes[0], group_size, bits);
  const Dtype t = promote_types(scales.dtype(), biases.dtype());
  if (!is_floating_point(t))
    fail(op, "only real floating types are supported, but scales have type ", scales.dtype(), " and biases ",
         biases.dtype(), ".");
  if (dtype && !is_floating_point(*dtype)) fail(op, "only real floating types are supported, got dtype ", *dtype, ".");
  check_packed(op, w, scales, &biases, group_size, bits);
  array out = make<Dequantize>({w, astype(scales, t), astype(biases, t)}, group_size, bits, "affine", t);
  return dtype ? astype(out, *dtype) : out;
}

namespace {

// Batch dimensions of x and a batched w broadcast as matmul's (views, no copies); `in` holds x first
// and w's companions after it.
void broadcast_batch(const char* op, const array& x, const array& w, Arrays& in) {
  if (w.ndim() <= 2) return;
  if (x.ndim() < 2)
    fail(op, "a batched packed matrix of shape ", shape_str(w.shape()), " needs an input with at least 2 "
             "dimensions, got shape ", shape_str(x.shape()), ".");
  const Shape xb(x.shape().begin(), x.shape().end() - 2), wb(w.shape().begin(), w.shape().end() - 2);
  const Shape batch = broadcast_shapes(xb, wb, op);
  for (auto& a : in) {
    Shape s = batch;
    s.insert(s.end(), a.shape().end() - 2, a.shape().end());
    if (a.shape() != s) a = broadcast_to(a, s);
  }
}

}  // namespace

array quantized_matmul(const array& x, const array& w, const array& scales, const std::optional<array>& biases,
                       bool transpose, std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
                       StreamOrDevice s) {
  to_stream(s, "quantized_matmul");
  const char* op = "quantized_matmul";
  const ModeSpec& m = mode_spec(op, mode);
  const int gs = group_size.value_or(m.group_size), b = bits.value_or(m.bits);
  if (m.mode == QuantMode::affine) {
    if (!biases) fail(op, "the 'affine' mode needs biases.");
    return quantized_matmul(x, w, scales, *biases, transpose, gs, b);
  }
  if (scales.dtype() != uint8) fail(op, "the scales of the '", mode, "' mode must be uint8, got ", scales.dtype(), ".");
  if (biases) fail(op, "the '", mode, "' mode has no biases; pass None.");
  check_params(op, m, gs, b);
  check_packed(op, w, scales, nullptr, gs, b);
  if (!is_floating_point(x.dtype())) fail(op, "only real floating types are supported, but x has type ", x.dtype(), ".");
  Arrays in{x, w, scales};
  broadcast_batch(op, x, w, in);
  return make<QuantizedMatmul>(std::move(in), gs, b, transpose, mode);
}

array quantized_matmul(const array& x, const array& w, const array& scales, const array& biases, bool transpose,
                       int group_size, int bits, StreamOrDevice s) {
  to_stream(s, "quantized_matmul");
  const char* op = "quantized_matmul";
  check_params(op, kModes[0], group_size, bits);
  const Dtype st = promote_types(scales.dtype(), biases.dtype());
  if (!is_floating_point(st))
    fail(op, "only real floating types are supported, but scales have type ", scales.dtype(), " and biases ",
         biases.dtype(), ".");
  const Dtype t = promote_types(x.dtype(), st);
  if (!is_floating_point(t)) fail(op, "only real floating types are supported, but x has type ", x.dtype(), ".");
  check_packed(op, w, scales, &biases, group_size, bits);
  Arrays in{astype(x, t), w, astype(scales, t), astype(biases, t)};
  broadcast_batch(op, x, w, in);
  return make<QuantizedMatmul>(std::move(in), group_size, bits, transpose, "affine");
}

// The picked matrices go through quantized_matmul, which broadcasts the index arrays' shapes as batches;
// a side without indices keeps its own batch, as its default indices (its positions) would.
array gather_qmm(const array& x, const array& w, const array& scales, const std::optional<array>& biases,
                 const std::optional<array>& lhs_indices, const std::optional<array>& rhs_indices, bool transpose,
                 std::optional<int> group_size, std::optional<int> bits, const std::string& mode, bool,
                 StreamOrDevice s) {
  const char* op = "gather_qmm";
  to_stream(s, op);
  if (!lhs_indices && !rhs_indices) return quantized_matmul(x, w, scales, biases, transpose, group_size, bits, mode);
  for (const auto* idx : {&lhs_indices, &rhs_indices})
    if (*idx && ((*idx)->dtype() == bool_ || !is_integral((*idx)->dtype())))
      fail(op, "indices must be integers, got ", (*idx)->dtype(), ".");
  if (x.ndim() < 2 || w.ndim() < 2)  // as MLX: matrices, not vectors
    fail(op, "expects x and packed w with at least 2 dimensions each, got shapes ", shape_str(x.shape()), " and ",
         shape_str(w.shape()), ".");
  auto pick = [](const array& m, const std::optional<array>& idx) {
    if (!idx) return m;
    return take(m.ndim() == 2 ? expand_dims(m, 0) : flatten(m, 0, m.ndim() - 3), *idx, 0);
  };
  std::optional<array> b;
  if (biases) b = pick(*biases, rhs_indices);
  return quantized_matmul(pick(x, lhs_indices), pick(w, rhs_indices), pick(scales, rhs_indices), b, transpose,
                          group_size, bits, mode);
}

}  // namespace ingot
