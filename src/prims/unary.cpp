// Unary elementwise primitives: one class, one table row per op.
#include <cmath>

#include "core/utils.h"
#include "cpu/elementwise.h"
#include "cpu/simd.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

namespace ingot {
namespace {

using cpu::FloatUnary;

enum class Kind : uint8_t {
  math,       // floats only: integer and bool inputs are promoted to float32 by the op
  numeric,    // every numeric dtype keeps its dtype
  predicate,  // any dtype in, bool out
  bitwise,    // integers and bool
};

struct Row {
  const char* name;  // the primitive name written to files: never change
  Kind kind;
  FloatUnary fop;
};

// Order is internal only (files store names).
enum Op : uint8_t {
  kAbs, kNegative, kSign, kSquare, kSqrt, kRsqrt, kReciprocal, kExp, kExpm1, kLog, kLog1p, kLog2, kLog10,
  kSin, kCos, kTan, kArcSin, kArcCos, kArcTan, kSinh, kCosh, kTanh, kArcSinh, kArcCosh, kArcTanh, kSigmoid,
  kErf, kErfInv, kFloor, kCeil, kLogicalNot, kBitwiseInvert, kIsNan, kIsInf, kIsPosInf, kIsNegInf, kIsFinite,
};

constexpr Row kRows[] = {
    {"Abs", Kind::numeric, FloatUnary::abs},
    {"Negative", Kind::numeric, FloatUnary::negative},
    {"Sign", Kind::numeric, FloatUnary::sign},
    {"Square", Kind::numeric, FloatUnary::square},
    {"Sqrt", Kind::math, FloatUnary::sqrt},
    {"Rsqrt", Kind::math, FloatUnary::rsqrt},
    {"Reciprocal", Kind::math, FloatUnary::reciprocal},
    {"Exp", Kind::math, FloatUnary::exp},
    {"Expm1", Kind::math, FloatUnary::expm1},
    {"Log", Kind::math, FloatUnary::log},
    {"Log1p", Kind::math, FloatUnary::log1p},
    {"Log2", Kind::math, FloatUnary::log2},
    {"Log10", Kind::math, FloatUnary::log10},
    {"Sin", Kind::math, FloatUnary::sin},
    {"Cos", Kind::math, FloatUnary::cos},
    {"Tan", Kind::math, FloatUnary::tan},
    {"ArcSin", Kind::math, FloatUnary::arcsin},
    {"ArcCos", Kind::math, FloatUnary::arccos},
    {"ArcTan", Kind::math, FloatUnary::arctan},
    {"Sinh", Kind::math, FloatUnary::sinh},
    {"Cosh", Kind::math, FloatUnary::cosh},
    {"Tanh", Kind::math, FloatUnary::tanh},
    {"ArcSinh", Kind::math, FloatUnary::arcsinh},
    {"ArcCosh", Kind::math, FloatUnary::arccosh},
    {"ArcTanh", Kind::math, FloatUnary::arctanh},
    {"Sigmoid", Kind::math, FloatUnary::sigmoid},
    {"Erf", Kind::math, FloatUnary::erf},
    {"ErfInv", Kind::math, FloatUnary::erf},  // scalar kernel below
    {"Floor", Kind::math, FloatUnary::floor},
    {"Ceil", Kind::math, FloatUnary::ceil},
    {"LogicalNot", Kind::predicate, FloatUnary::abs},
    {"BitwiseInvert", Kind::bitwise, FloatUnary::abs},
    {"IsNaN", Kind::predicate, FloatUnary::abs},
    {"IsInf", Kind::predicate, FloatUnary::abs},
    {"IsPosInf", Kind::predicate, FloatUnary::abs},
    {"IsNegInf", Kind::predicate, FloatUnary::abs},
    {"IsFinite", Kind::predicate, FloatUnary::abs},
};

// erfinv by Newton's method from a closed-form first guess (Winitzki), in double. Above 0.5 it
// solves erfc(x) = 1 - |y| instead: near +-1, erf(x) - y would cancel to nothing, while erfc keeps
// its relative accuracy and 1 - |y| is exact there.
double erfinv_scalar(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return std::nan("");
  if (y == 0) return y;
  if (y == 1) return HUGE_VAL;
  if (y == -1) return -HUGE_VAL;
  const double a = std::fabs(y), l = std::log((1 - a) * (1 + a)), k = 0.147;
  const double t = 2 / (M_PI * k) + l / 2;
  double x = std::sqrt(std::sqrt(t * t - l / k) - t);
  for (int i = 0; i < 4; ++i) {
    const double slope = 2 / std::sqrt(M_PI) * std::exp(-x * x);
    x -= a < 0.5 ? (std::erf(x) - a) / slope : ((1 - a) - std::erfc(x)) / slope;
  }
  return std::copysign(x, y);
}

template <typename T, typename O, class F>
void map1(const void* in, int step, void* out, int64_t n, F f) {
  const T* x = static_cast<const T*>(in);
  O* y = static_cast<O*>(out);
  if (step) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  } else {
    const O v = f(x[0]);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

template <typename T>
bool predicate(Op op, T v) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case kIsNan: return std::isnan(v);
      case kIsInf: return std::isinf(v);
      case kIsPosInf: return std::isinf(v) && v > 0;
      case kIsNegInf: return std::isinf(v) && v < 0;
      case kIsFinite: return std::isfinite(v);
      default: return v == 0;  // logical_not
    }
  } else {
    switch (op) {
      case kIsNan: case kIsInf: case kIsPosInf: case kIsNegInf: return false;
      case kIsFinite: return true;
      default: return v == 0;
    }
  }
}

// Integer arithmetic wraps, as numpy's. It is done in an unsigned type at least as wide as
// unsigned int: narrower types would be promoted to (signed) int, where 65535 * 65535 overflows.
template <typename T>
using Wrap = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                std::make_unsigned_t<std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>>>;

template <typename T>
cpu::NaryFn typed_kernel(Op op) {
  const Row& row = kRows[op];
  switch (row.kind) {
    case Kind::math:
    case Kind::numeric:
      if constexpr (std::is_floating_point_v<T>) {
        if (op == kErfInv)
          return [](const void* const* in, const int* step, void* out, int64_t n) {
            map1<T, T>(in[0], step[0], out, n, [](T v) { return static_cast<T>(erfinv_scalar(v)); });
          };
        return [f = row.fop](const void* const* in, const int* step, void* out, int64_t n) {
          if (step[0]) return cpu::unary(f, static_cast<const T*>(in[0]), static_cast<T*>(out), n);
          map1<T, T>(in[0], 0, out, n, [f](T v) { return cpu::unary_scalar(f, v); });
        };
      } else {
        return [op](const void* const* in, const int* step, void* out, int64_t n) {
          using W = Wrap<T>;
          switch (op) {
            case kAbs:
              return map1<T, T>(in[0], step[0], out, n, [](T v) {
                if constexpr (std::is_signed_v<T>) return static_cast<T>(v < 0 ? static_cast<T>(W(0) - W(v)) : v);
                else return v;
              });
            case kNegative:
              return map1<T, T>(in[0], step[0], out, n, [](T v) { return static_cast<T>(W(0) - W(v)); });
            case kSign:
              return map1<T, T>(in[0], step[0], out, n, [](T v) { return static_cast<T>((T(0) < v) - (v < T(0))); });
            default:  // square
              return map1<T, T>(in[0], step[0], out, n, [](T v) { return static_cast<T>(W(v) * W(v)); });
          }
        };
      }
    case Kind::predicate:
      return [op](const void* const* in, const int* step, void* out, int64_t n) {
        map1<T, bool>(in[0], step[0], out, n, [op](T v) { return predicate(op, v); });
      };
    case Kind::bitwise:
      if constexpr (std::is_integral_v<T>) {
        return [](const void* const* in, const int* step, void* out, int64_t n) {
          if constexpr (std::is_same_v<T, bool>) map1<T, T>(in[0], step[0], out, n, [](T v) { return !v; });
          else map1<T, T>(in[0], step[0], out, n, [](T v) { return static_cast<T>(~v); });
        };
      }
      break;
  }
  throw std::logic_error(std::string("[") + row.name + "] no kernel for this dtype.");
}

// The rows complex64 takes (abs of a complex array is real: ComplexPart's).
bool takes_complex(Op op) {
  switch (op) {
    case kNegative: case kSquare: case kSqrt: case kReciprocal: case kExp: case kLog: case kSin: case kCos:
    case kTanh: case kIsNan: case kIsInf: case kIsFinite:
      return true;
    default:
      return false;
  }
}

cpu::NaryFn complex_kernel(Op op) {
  using C = complex64_t;
  auto k = [](auto f) -> cpu::NaryFn {
    using O = decltype(f(C()));
    return [f](const void* const* in, const int* step, void* out, int64_t n) { map1<C, O>(in[0], step[0], out, n, f); };
  };
  switch (op) {
    case kNegative: return k([](C v) { return -v; });
    case kSquare: return k([](C v) { return v * v; });
    case kSqrt: return k([](C v) { return std::sqrt(v); });
    case kReciprocal: return k([](C v) { return C(1) / v; });
    case kExp: return k([](C v) { return std::exp(v); });
    case kLog: return k([](C v) { return std::log(v); });
    case kSin: return k([](C v) { return std::sin(v); });
    case kCos: return k([](C v) { return std::cos(v); });
    case kTanh: return k([](C v) { return std::tanh(v); });
    case kIsNan: return k([](C v) { return std::isnan(v.real()) || std::isnan(v.imag()); });
    case kIsInf: return k([](C v) { return std::isinf(v.real()) || std::isinf(v.imag()); });
    case kIsFinite: return k([](C v) { return std::isfinite(v.real()) && std::isfinite(v.imag()); });
    default: throw std::logic_error(std::string("[") + kRows[op].name + "] no complex64 kernel.");
  }
}

cpu::NaryFn kernel_for(Op op, Dtype t) {
  if (t == complex64) return complex_kernel(op);
  if (t == float16 || t == bfloat16) {
    const Dtype out = kRows[op].kind == Kind::predicate ? bool_ : t;
    return cpu::via_float32(typed_kernel<float>(op), 1, t, out);
  }
  return dispatch_dtype(t, [&](auto tag) -> cpu::NaryFn {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) return {};
    else return typed_kernel<T>(op);
  });
}

// dy/dx of a floating row at x, whose result is y: the table's derivative column.
array derivative(Op op, const array& x, const array& y) {
  constexpr double kLn2 = 0.69314718055994530942, kLn10 = 2.30258509299404568402;
  constexpr double kTwoOverSqrtPi = 1.12837916709551257390, kSqrtPiOverTwo = 0.88622692545275801365;
  switch (op) {
    case kAbs: return sign(x);
    case kNegative: return full_like(x, -1.0);
    case kSquare: return multiply(x, 2.0);
    case kSqrt: return divide(0.5, y);
    case kRsqrt: return multiply(divide(y, x), -0.5);
    case kReciprocal: return negative(square(y));
    case kExp: return y;
    case kExpm1: return add(y, 1.0);
    case kLog: return reciprocal(x);
    case kLog1p: return reciprocal(add(x, 1.0));
    case kLog2: return reciprocal(multiply(x, kLn2));
    case kLog10: return reciprocal(multiply(x, kLn10));
    case kSin: return cos(x);
    case kCos: return negative(sin(x));
    case kTan: return add(square(y), 1.0);
    case kArcSin: return rsqrt(subtract(1.0, square(x)));
    case kArcCos: return negative(rsqrt(subtract(1.0, square(x))));
    case kArcTan: return reciprocal(add(square(x), 1.0));
    case kSinh: return cosh(x);
    case kCosh: return sinh(x);
    case kTanh: return subtract(1.0, square(y));
    case kArcSinh: return rsqrt(add(square(x), 1.0));
    case kArcCosh: return rsqrt(subtract(square(x), 1.0));
    case kArcTanh: return reciprocal(subtract(1.0, square(x)));
    case kSigmoid: return multiply(y, subtract(1.0, y));
    case kErf: return multiply(exp(negative(square(x))), kTwoOverSqrtPi);
    case kErfInv: return multiply(exp(square(y)), kSqrtPiOverTwo);
    default: return zeros_like(x);  // piecewise constant (sign, floor, ceil) or not floating
  }
}

}  // namespace

class Unary : public PrimitiveBase<Unary> {
 public:
  static constexpr const char* kName = "Unary";  // the family; each row has its own name()
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  explicit Unary(Op op) : op_(op) {}
  const char* name() const override { return kRows[op_].name; }
  auto state() const { return std::tuple<>(); }

  // Only the dtypes the op builders produce: an imported file must not reach a kernel that does not
  // exist, or the wrong one (an integer Exp would run the integer table).
  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    const Dtype t = in[0].dtype();
    const Kind k = kRows[op_].kind;
    if (t == complex64 ? !takes_complex(op_)
                       : (k == Kind::math && !is_floating_point(t)) || (k == Kind::bitwise && is_floating_point(t)))
      detail::bad_inputs(*this, std::string("does not take ") + dtype_name(t) + " inputs");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    return {kRows[op_].kind == Kind::predicate ? bool_ : in[0].dtype()};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::apply_elementwise(in, out[0], kernel_for(op_, in[0].dtype()));
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays& out) const override {
    return {multiply(cot[0], derivative(op_, in[0], out[0]))};
  }
  Arrays jvp(const Arrays& in, const Arrays& t, const std::vector<int>&, const Arrays& out) const override {
    return {multiply(t[0], derivative(op_, in[0], out[0]))};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<Unary>({in[0]}, op_)}, {axes[0]}};
  }

 private:
  Op op_;
};

INGOT_REGISTER_FAMILY(Unary) {
  for (size_t i = 0; i < std::size(kRows); ++i)
    r.add_entry(kRows[i].name, Unary::kVersion, [op = static_cast<Op>(i)](StateReader& rd) {
      rd.finish();
      return std::make_shared<Unary>(op);
    });
}

namespace {
array unary(Op op, const array& a, const char* fn, const StreamOrDevice& s = {}) {
  to_stream(s, fn);
  const Row& row = kRows[op];
  if (a.dtype() == complex64) {
    if (op == kAbs) return detail::complex_abs(a);
    if (!takes_complex(op)) fail(fn, "does not support complex64 arrays.");
    return make<Unary>({a}, op);
  }
  switch (row.kind) {
    case Kind::math:
      return make<Unary>({is_floating_point(a.dtype()) ? a : astype(a, float32)}, op);
    case Kind::numeric:
      if (a.dtype() == bool_ && (op == kNegative))
        fail(fn, "not supported for bool arrays; use logical_not.");
      if (a.dtype() == bool_) return a;  // abs, sign and square of a bool are the identity
      return make<Unary>({a}, op);
    case Kind::predicate:
      return make<Unary>({a}, op);
    case Kind::bitwise:
      if (is_floating_point(a.dtype())) fail(fn, "requires an integer or bool array, got ", a.dtype(), ".");
      return make<Unary>({a}, op);
  }
  return a;
}
}  // namespace

array abs(const array& a, StreamOrDevice s) { return unary(kAbs, a, "abs", s); }
array negative(const array& a, StreamOrDevice s) { return unary(kNegative, a, "negative", s); }
array sign(const array& a, StreamOrDevice s) { return unary(kSign, a, "sign", s); }
array square(const array& a, StreamOrDevice s) { return unary(kSquare, a, "square", s); }
array sqrt(const array& a, StreamOrDevice s) { return unary(kSqrt, a, "sqrt", s); }
array rsqrt(const array& a, StreamOrDevice s) { return unary(kRsqrt, a, "rsqrt", s); }
array reciprocal(const array& a, StreamOrDevice s) { return unary(kReciprocal, a, "reciprocal", s); }
array exp(const array& a, StreamOrDevice s) { return unary(kExp, a, "exp", s); }
array expm1(const array& a, StreamOrDevice s) { return unary(kExpm1, a, "expm1", s); }
array log(const array& a, StreamOrDevice s) { return unary(kLog, a, "log", s); }
array log1p(const array& a, StreamOrDevice s) { return unary(kLog1p, a, "log1p", s); }
array log2(const array& a, StreamOrDevice s) { return unary(kLog2, a, "log2", s); }
array log10(const array& a, StreamOrDevice s) { return unary(kLog10, a, "log10", s); }
array sin(const array& a, StreamOrDevice s) { return unary(kSin, a, "sin", s); }
array cos(const array& a, StreamOrDevice s) { return unary(kCos, a, "cos", s); }
array tan(const array& a, StreamOrDevice s) { return unary(kTan, a, "tan", s); }
array arcsin(const array& a, StreamOrDevice s) { return unary(kArcSin, a, "arcsin", s); }
array arccos(const array& a, StreamOrDevice s) { return unary(kArcCos, a, "arccos", s); }
array arctan(const array& a, StreamOrDevice s) { return unary(kArcTan, a, "arctan", s); }
array sinh(const array& a, StreamOrDevice s) { return unary(kSinh, a, "sinh", s); }
array cosh(const array& a, StreamOrDevice s) { return unary(kCosh, a, "cosh", s); }
array tanh(const array& a, StreamOrDevice s) { return unary(kTanh, a, "tanh", s); }
array arcsinh(const array& a, StreamOrDevice s) { return unary(kArcSinh, a, "arcsinh", s); }
array arccosh(const array& a, StreamOrDevice s) { return unary(kArcCosh, a, "arccosh", s); }
array arctanh(const array& a, StreamOrDevice s) { return unary(kArcTanh, a, "arctanh", s); }
array sigmoid(const array& a, StreamOrDevice s) { return unary(kSigmoid, a, "sigmoid", s); }
array erf(const array& a, StreamOrDevice s) { return unary(kErf, a, "erf", s); }
array erfinv(const array& a, StreamOrDevice s) { return unary(kErfInv, a, "erfinv", s); }
// Rounding an integer is the identity (MLX keeps the dtype).
array floor(const array& a, StreamOrDevice s) {
  to_stream(s, "floor");
  return is_floating_point(a.dtype()) ? unary(kFloor, a, "floor") : a;
}
array ceil(const array& a, StreamOrDevice s) {
  to_stream(s, "ceil");
  return is_floating_point(a.dtype()) ? unary(kCeil, a, "ceil") : a;
}
array logical_not(const array& a, StreamOrDevice s) { return unary(kLogicalNot, a, "logical_not", s); }
array bitwise_invert(const array& a, StreamOrDevice s) { return unary(kBitwiseInvert, a, "bitwise_invert", s); }
array isnan(const array& a, StreamOrDevice s) { return unary(kIsNan, a, "isnan", s); }
array isinf(const array& a, StreamOrDevice s) { return unary(kIsInf, a, "isinf", s); }
array isposinf(const array& a, StreamOrDevice s) { return unary(kIsPosInf, a, "isposinf", s); }
array isneginf(const array& a, StreamOrDevice s) { return unary(kIsNegInf, a, "isneginf", s); }
array isfinite(const array& a, StreamOrDevice s) { return unary(kIsFinite, a, "isfinite", s); }

}  // namespace ingot
