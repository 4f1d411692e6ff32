// ComplexPart: the real-valued views of complex64 arrays (real, imaginary part, modulus) and the
// conjugate, one class with a row per op; the ops real, imag, conjugate and abs's complex path.
#include <cmath>

#include "core/utils.h"
#include "cpu/elementwise.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {
namespace {

enum Part : uint8_t { kReal, kImag, kConjugate, kAbs };
constexpr const char* kPartNames[] = {"Real", "Imag", "Conjugate", "ComplexAbs"};  // written to files

template <class F>
cpu::NaryFn part_kernel(F f) {
  return [f](const void* const* in, const int* step, void* out, int64_t n) {
    const complex64_t* x = static_cast<const complex64_t*>(in[0]);
    auto* y = static_cast<decltype(f(complex64_t()))*>(out);
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[step[0] ? i : 0]);
  };
}

}  // namespace

class ComplexPart : public PrimitiveBase<ComplexPart> {
 public:
  static constexpr const char* kName = "ComplexPart";  // the family; each row has its own name()
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the input at call time
  static constexpr int kArity = 1;
  explicit ComplexPart(Part part) : part_(part) {}
  const char* name() const override { return kPartNames[part_]; }
  auto state() const { return std::tuple<>(); }

  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    if (in[0].dtype() != complex64)
      detail::bad_inputs(*this, std::string("takes complex64 inputs, got ") + dtype_name(in[0].dtype()));
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  std::vector<Dtype> output_dtypes(const Arrays&) const override {
    return {part_ == kConjugate ? complex64 : float32};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    switch (part_) {
      case kReal: return cpu::apply_elementwise(in, out[0], part_kernel([](complex64_t v) { return v.real(); }));
      case kImag: return cpu::apply_elementwise(in, out[0], part_kernel([](complex64_t v) { return v.imag(); }));
      case kConjugate: return cpu::apply_elementwise(in, out[0], part_kernel([](complex64_t v) { return std::conj(v); }));
      case kAbs: return cpu::apply_elementwise(in, out[0], part_kernel([](complex64_t v) { return std::abs(v); }));
    }
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<ComplexPart>({in[0]}, part_)}, {axes[0]}};
  }

 private:
  Part part_;
};

INGOT_REGISTER_FAMILY(ComplexPart) {
  for (uint8_t i = 0; i < std::size(kPartNames); ++i)
    r.add_entry(kPartNames[i], ComplexPart::kVersion, [part = static_cast<Part>(i)](StateReader& rd) {
      rd.finish();
      return std::make_shared<ComplexPart>(part);
    });
}

array real(const array& a, StreamOrDevice s) {
  to_stream(s, "real");
  return a.dtype() == complex64 ? make<ComplexPart>({a}, kReal) : a;
}
array imag(const array& a, StreamOrDevice s) {
  to_stream(s, "imag");
  return a.dtype() == complex64 ? make<ComplexPart>({a}, kImag) : zeros_like(a);
}
array conjugate(const array& a, StreamOrDevice s) {
  to_stream(s, "conjugate");
  return a.dtype() == complex64 ? make<ComplexPart>({a}, kConjugate) : a;
}
array detail::complex_abs(const array& a) { return make<ComplexPart>({a}, kAbs); }

}  // namespace ingot
