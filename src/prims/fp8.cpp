// ConvertFP8: MLX's to_fp8 / from_fp8, elementwise E4M3 codes held in uint8 (the codec is the mxfp8
// quantization's, src/cpu/quantized_fp.cpp).
#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/quantized.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {

namespace {
void check_float(Dtype t, const char* op, const char* what) {
  if (!is_floating_point(t)) fail(op, "only real floating types are supported, got ", what, " ", t, ".");
}
}  // namespace

// encode: floating x -> uint8 codes; otherwise uint8 codes -> `dtype`.
class ConvertFP8 : public PrimitiveBase<ConvertFP8> {
 public:
  static constexpr const char* kName = "ConvertFP8";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the input at call time
  static constexpr int kArity = 1;
  ConvertFP8(bool encode, Dtype dtype) : encode_(encode), dtype_(dtype) {}
  auto state() const { return std::tuple(encode_, dtype_); }
  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    if (encode_ ? !is_floating_point(in[0].dtype()) : in[0].dtype() != uint8 || !is_floating_point(dtype_))
      detail::bad_inputs(*this, encode_ ? "encodes floating inputs" : "decodes uint8 inputs to a floating dtype");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {encode_ ? uint8 : dtype_}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array x = cpu::contiguous(in[0]);
    if (encode_) cpu::fp8_encode(x, out[0]);
    else cpu::fp8_decode(x, out[0]);
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<ConvertFP8>({in[0]}, encode_, dtype_)}, axes};
  }

 private:
  bool encode_;
  Dtype dtype_;
};
INGOT_REGISTER_PRIMITIVE(ConvertFP8)

array to_fp8(const array& x, StreamOrDevice s) {
  to_stream(s, "to_fp8");
  check_float(x.dtype(), "to_fp8", "x.dtype() ==");
  return make<ConvertFP8>({x}, true, uint8);
}

array from_fp8(const array& x, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "from_fp8");
  if (x.dtype() != uint8) fail("from_fp8", "the input must have type uint8, got ", x.dtype(), ".");
  check_float(dtype, "from_fp8", "dtype ==");
  return make<ConvertFP8>({x}, false, dtype);
}

}  // namespace ingot
