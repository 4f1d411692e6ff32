// Binary elementwise primitives (one class, one table row per op) and DivMod.
#include <cmath>
#include <limits>

#include "core/utils.h"
#include "cpu/elementwise.h"
#include "cpu/simd.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {
namespace {

enum class Kind : uint8_t {
  arithmetic,  // every dtype
  real,        // floats only: integer and bool operands are promoted to float32 by the op
  compare,     // bool out
  logical,     // operands cast to bool
  bitwise,     // integers and bool
  shift,       // integers
};

struct Row {
  const char* name;  // the primitive name written to files: never change
  Kind kind;
};

enum Op : uint8_t {
  kAdd, kSubtract, kMultiply, kDivide, kFloorDivide, kRemainder, kPower, kMaximum, kMinimum, kArcTan2,
  kLogAddExp, kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual, kLogicalAnd, kLogicalOr,
  kBitwiseAnd, kBitwiseOr, kBitwiseXor, kLeftShift, kRightShift,
};

constexpr Row kRows[] = {
    {"Add", Kind::arithmetic},        {"Subtract", Kind::arithmetic},  {"Multiply", Kind::arithmetic},
    {"Divide", Kind::real},           {"FloorDivide", Kind::arithmetic}, {"Remainder", Kind::arithmetic},
    {"Power", Kind::arithmetic},      {"Maximum", Kind::arithmetic},   {"Minimum", Kind::arithmetic},
    {"ArcTan2", Kind::real},          {"LogAddExp", Kind::real},       {"Equal", Kind::compare},
    {"NotEqual", Kind::compare},      {"Less", Kind::compare},         {"LessEqual", Kind::compare},
    {"Greater", Kind::compare},       {"GreaterEqual", Kind::compare}, {"LogicalAnd", Kind::logical},
    {"LogicalOr", Kind::logical},     {"BitwiseAnd", Kind::bitwise},   {"BitwiseOr", Kind::bitwise},
    {"BitwiseXor", Kind::bitwise},    {"LeftShift", Kind::shift},      {"RightShift", Kind::shift},
};

template <typename T, typename O, class F>
void map2(const void* const* in, const int* step, void* out, int64_t n, F f) {
  const T* a = static_cast<const T*>(in[0]);
  const T* b = static_cast<const T*>(in[1]);
  O* o = static_cast<O*>(out);
  if (step[0] && step[1]) {
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
  } else if (step[0]) {
    const T bv = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
  } else if (step[1]) {
    const T av = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
  } else {
    const O v = f(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  }
}

// Integer semantics follow numpy: wrapping arithmetic, Python's floor division and remainder,
// and division by zero gives 0 instead of trapping. Wrapping products are computed in an unsigned
// type at least as wide as unsigned int: narrower ones would be promoted to (signed) int, where
// 65535 * 65535 overflows.
template <typename T>
struct Int {
  using W = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                               std::make_unsigned_t<std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>>>;
  static constexpr int kBits = sizeof(T) * 8;
  static T add(T a, T b) {
    if constexpr (std::is_same_v<T, bool>) return a || b;
    else return static_cast<T>(W(a) + W(b));
  }
  static T sub(T a, T b) { return static_cast<T>(W(a) - W(b)); }
  static T mul(T a, T b) {
    if constexpr (std::is_same_v<T, bool>) return a && b;
    else return static_cast<T>(W(a) * W(b));
  }
  static T floordiv(T a, T b) {
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return static_cast<T>(W(0) - W(a));  // INT_MIN // -1 wraps to INT_MIN
      T q = static_cast<T>(a / b);
      if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
      return q;
    } else {
      return static_cast<T>(a / b);
    }
  }
  static T rem(T a, T b) {
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return 0;
      T r = static_cast<T>(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
      return r;
    } else {
      return static_cast<T>(a % b);
    }
  }
  // Negative exponents give the integer part of 1 / a^-b (0 unless |a| == 1; 0 for a == 0, as a
  // division by zero), where numpy raises.
  static T pow(T a, T b) {
    if constexpr (std::is_same_v<T, bool>) return a || !b;
    else {
      if constexpr (std::is_signed_v<T>) {
        if (b < 0) return a == 1 ? T(1) : (a == -1 ? ((b & 1) ? T(-1) : T(1)) : T(0));
      }
      W r = 1, base = W(a);
      for (auto e = static_cast<std::make_unsigned_t<T>>(b); e; e >>= 1) {
        if (e & 1) r *= base;
        base *= base;
      }
      return static_cast<T>(r);
    }
  }
  // Shifts by a negative count or by the bit width or more shift every bit out (numpy).
  static T shl(T a, T b) {
    if constexpr (std::is_same_v<T, bool>) return a && !b;
    else {
      if (b < 0 || b >= kBits) return 0;
      return static_cast<T>(W(a) << b);
    }
  }
  static T shr(T a, T b) {
    if constexpr (std::is_same_v<T, bool>) return a && !b;
    else {
      if (b < 0 || b >= kBits) {
        if constexpr (std::is_signed_v<T>) return a < 0 ? T(-1) : T(0);
        else return T(0);
      }
      return static_cast<T>(a >> b);
    }
  }
};

// numpy's divmod for floats (npy_divmod): the remainder takes the divisor's sign, the quotient is
// snapped to the integer that makes q * b + r == a as nearly as possible (so 1 // 0.1 == 9, as
// Python), and a zero divisor gives a / b and fmod's NaN.
template <typename T>
T float_divmod(T a, T b, T* mod) {
  T m = std::fmod(a, b);
  if (b == 0) {
    *mod = m;
    return a / b;
  }
  T div = (a - m) / b;
  if (m != 0) {
    if ((b < 0) != (m < 0)) {
      m += b;
      div -= T(1);
    }
  } else {
    m = std::copysign(T(0), b);
  }
  *mod = m;
  if (div == 0) return std::copysign(T(0), a / b);
  T q = std::floor(div);
  if (div - q > T(0.5)) q += T(1);
  return q;
}
template <typename T>
T float_floordiv(T a, T b) {
  T m;
  return float_divmod(a, b, &m);
}
template <typename T>
T float_rem(T a, T b) {
  T m;
  float_divmod(a, b, &m);
  return m;
}

template <typename T>
cpu::NaryFn simd_kernel(cpu::FloatBinary f) {
  return [f](const void* const* in, const int* step, void* out, int64_t n) {
    cpu::binary(f, static_cast<const T*>(in[0]), step[0], static_cast<const T*>(in[1]), step[1],
                static_cast<T*>(out), n);
  };
}

#define INGOT_K(O, EXPR) \
  [](const void* const* in, const int* step, void* out, int64_t n) { map2<T, O>(in, step, out, n, [](T a, T b) { return EXPR; }); }

template <typename T>
cpu::NaryFn typed_kernel(Op op) {
  constexpr bool is_float = std::is_floating_point_v<T>;
  using cpu::FloatBinary;
  switch (op) {
    case kEqual: return INGOT_K(bool, a == b);
    case kNotEqual: return INGOT_K(bool, a != b);
    case kLess: return INGOT_K(bool, a < b);
    case kLessEqual: return INGOT_K(bool, a <= b);
    case kGreater: return INGOT_K(bool, a > b);
    case kGreaterEqual: return INGOT_K(bool, a >= b);
    default: break;
  }
  if constexpr (is_float) {
    switch (op) {
      case kAdd: return simd_kernel<T>(FloatBinary::add);
      case kSubtract: return simd_kernel<T>(FloatBinary::subtract);
      case kMultiply: return simd_kernel<T>(FloatBinary::multiply);
      case kDivide: return simd_kernel<T>(FloatBinary::divide);
      case kMaximum: return simd_kernel<T>(FloatBinary::maximum);
      case kMinimum: return simd_kernel<T>(FloatBinary::minimum);
      case kFloorDivide: return INGOT_K(T, float_floordiv(a, b));
      case kRemainder: return INGOT_K(T, float_rem(a, b));
      case kPower:
        return [](const void* const* in, const int* step, void* out, int64_t n) {
          const T* a = static_cast<const T*>(in[0]);
          // x ** 2 (a common case) is x * x exactly, and vectorizes; libm's pow does not.
          if (!step[1] && *static_cast<const T*>(in[1]) == T(2))
            return cpu::binary(cpu::FloatBinary::multiply, a, step[0], a, step[0], static_cast<T*>(out), n);
          map2<T, T>(in, step, out, n, [](T x, T y) { return std::pow(x, y); });
        };
      case kArcTan2: return INGOT_K(T, std::atan2(a, b));
      case kLogAddExp: return simd_kernel<T>(FloatBinary::logaddexp);
      default: break;
    }
  } else {
    using I = Int<T>;
    switch (op) {
      case kAdd: return INGOT_K(T, I::add(a, b));
      case kSubtract: return INGOT_K(T, I::sub(a, b));
      case kMultiply: return INGOT_K(T, I::mul(a, b));
      case kFloorDivide: return INGOT_K(T, I::floordiv(a, b));
      case kRemainder: return INGOT_K(T, I::rem(a, b));
      case kPower: return INGOT_K(T, I::pow(a, b));
      case kMaximum: return INGOT_K(T, a < b ? b : a);
      case kMinimum: return INGOT_K(T, b < a ? b : a);
      case kLogicalAnd: return INGOT_K(bool, a && b);
      case kLogicalOr: return INGOT_K(bool, a || b);
      case kBitwiseAnd: return INGOT_K(T, static_cast<T>(a & b));
      case kBitwiseOr: return INGOT_K(T, static_cast<T>(a | b));
      case kBitwiseXor: return INGOT_K(T, static_cast<T>(a ^ b));
      case kLeftShift: return INGOT_K(T, I::shl(a, b));
      case kRightShift: return INGOT_K(T, I::shr(a, b));
      default: break;
    }
  }
  throw std::logic_error(std::string("[") + kRows[op].name + "] no kernel for this dtype.");
}
#undef INGOT_K

// The rows complex64 takes: arithmetic, powers and (in)equality.
bool takes_complex(Op op) {
  return op == kAdd || op == kSubtract || op == kMultiply || op == kDivide || op == kPower || op == kEqual ||
         op == kNotEqual;
}

cpu::NaryFn complex_kernel(Op op) {
  using C = complex64_t;
  auto k = [](auto f) -> cpu::NaryFn {
    using O = decltype(f(C(), C()));
    return [f](const void* const* in, const int* step, void* out, int64_t n) { map2<C, O>(in, step, out, n, f); };
  };
  switch (op) {
    case kAdd: return k([](C a, C b) { return a + b; });
    case kSubtract: return k([](C a, C b) { return a - b; });
    case kMultiply: return k([](C a, C b) { return a * b; });
    case kDivide: return k([](C a, C b) { return a / b; });
    case kPower: return k([](C a, C b) { return C(std::pow(std::complex<double>(a), std::complex<double>(b))); });
    case kEqual: return k([](C a, C b) { return a == b; });
    case kNotEqual: return k([](C a, C b) { return a != b; });
    default: throw std::logic_error(std::string("[") + kRows[op].name + "] no complex64 kernel.");
  }
}

cpu::NaryFn kernel_for(Op op, Dtype t) {
  if (t == complex64) return complex_kernel(op);
  if (t == float16 || t == bfloat16) {
    const Dtype out = kRows[op].kind == Kind::compare ? bool_ : t;
    return cpu::via_float32(typed_kernel<float>(op), 2, t, out);
  }
  return dispatch_dtype(t, [&](auto tag) -> cpu::NaryFn {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) return {};
    else return typed_kernel<T>(op);
  });
}

// dy/da and dy/db of a row at (a, b), whose result is y (zero for the piecewise constant and
// non-floating rows).
std::pair<array, array> partials(Op op, const array& a, const array& b, const array& y) {
  switch (op) {
    case kAdd: return {ones_like(a), ones_like(b)};
    case kSubtract: return {ones_like(a), full_like(b, -1.0)};
    case kMultiply: return {b, a};
    case kDivide: return {reciprocal(b), negative(divide(y, b))};
    case kRemainder: return {ones_like(a), negative(floor_divide(a, b))};
    case kPower: {
      // d/db = y log a, taken as 0 where y is 0 (0 * log 0).
      const array db = where(not_equal(y, 0.0), multiply(y, log(a)), zeros_like(y));
      return {multiply(power(a, subtract(b, 1.0)), b), db};
    }
    case kMaximum:
    case kMinimum: {  // ties go to a
      const array pick_a = op == kMaximum ? greater_equal(a, b) : less_equal(a, b);
      return {astype(pick_a, a.dtype()), astype(logical_not(pick_a), b.dtype())};
    }
    case kArcTan2: {
      const array r = add(square(a), square(b));
      return {divide(b, r), negative(divide(a, r))};
    }
    case kLogAddExp: return {exp(subtract(a, y)), exp(subtract(b, y))};
    default: return {zeros_like(a), zeros_like(b)};
  }
}

}  // namespace

class Binary : public PrimitiveBase<Binary> {
 public:
  static constexpr const char* kName = "Binary";  // the family; each row has its own name()
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 2;
  explicit Binary(Op op) : op_(op) {}
  const char* name() const override { return kRows[op_].name; }
  auto state() const { return std::tuple<>(); }

  // Only the dtypes the op builders produce, so an imported file cannot ask for a missing kernel.
  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    const Dtype t = in[0].dtype();
    bool ok = t != complex64 || takes_complex(op_);
    if (t != complex64) switch (kRows[op_].kind) {
      case Kind::real: ok = is_floating_point(t); break;
      case Kind::logical:
      case Kind::bitwise: ok = !is_floating_point(t); break;
      case Kind::shift: ok = is_integral(t); break;
      default: break;
    }
    if (!ok) detail::bad_inputs(*this, std::string("does not take ") + dtype_name(t) + " inputs");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    return {broadcast_shapes(in[0].shape(), in[1].shape(), name())};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    const Kind k = kRows[op_].kind;
    return {k == Kind::compare || k == Kind::logical ? bool_ : in[0].dtype()};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::apply_elementwise(in, out[0], kernel_for(op_, in[0].dtype()));
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays& out) const override {
    auto [da, db] = partials(op_, in[0], in[1], out[0]);
    Arrays r;
    for (int i : argnums) r.push_back(rules::unbroadcast(multiply(cot[0], i == 0 ? da : db), in[i].shape()));
    return r;
  }
  Arrays jvp(const Arrays& in, const Arrays& t, const std::vector<int>& argnums, const Arrays& out) const override {
    if (out[0].dtype() == bool_) return {zeros_like(out[0])};  // comparisons and logic
    auto [da, db] = partials(op_, in[0], in[1], out[0]);
    array r = broadcast_like(multiply(t[0], argnums[0] == 0 ? da : db), {out[0]});
    if (argnums.size() > 1) r = add(r, multiply(t[1], db));
    return {r};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<Binary>(rules::align_batched(in, axes), op_)}, {0}};
  }

 private:
  Op op_;
};

INGOT_REGISTER_FAMILY(Binary) {
  for (size_t i = 0; i < std::size(kRows); ++i)
    r.add_entry(kRows[i].name, Binary::kVersion, [op = static_cast<Op>(i)](StateReader& rd) {
      rd.finish();
      return std::make_shared<Binary>(op);
    });
}

// Floor division and remainder in one node with two outputs.
class DivMod : public PrimitiveBase<DivMod> {
 public:
  static constexpr const char* kName = "DivMod";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 2;
  auto state() const { return std::tuple<>(); }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    auto s = broadcast_shapes(in[0].shape(), in[1].shape(), "divmod");
    return {s, s};
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override { return {in[0].dtype(), in[0].dtype()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::apply_elementwise(in, out[0], kernel_for(kFloorDivide, in[0].dtype()));
    cpu::apply_elementwise(in, out[1], kernel_for(kRemainder, in[0].dtype()));
  }
  // The quotient is piecewise constant; the remainder is a - q b.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays& out) const override {
    Arrays r;
    for (int i : argnums)
      r.push_back(rules::unbroadcast(i == 0 ? cot[1] : negative(multiply(cot[1], out[0])), in[i].shape()));
    return r;
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {make_multi<DivMod>(rules::align_batched(in, axes)), {0, 0}};
  }
};
INGOT_REGISTER_PRIMITIVE(DivMod)

namespace {
std::pair<array, array> prepare(Op op, const Operand& a, const Operand& b, const char* fn) {
  Dtype t = result_type({a, b});
  if (t == complex64 && !takes_complex(op)) fail(fn, "does not support complex64 arrays.");
  if (t != complex64) switch (kRows[op].kind) {
    case Kind::real:
      if (!is_floating_point(t)) t = float32;
      break;
    case Kind::logical: t = bool_; break;
    case Kind::bitwise:
      if (is_floating_point(t)) fail(fn, "requires integer or bool arrays, got ", t, ".");
      break;
    case Kind::shift:
      if (!is_integral(t)) fail(fn, "requires integer arrays, got ", t, ".");
      break;
    default:
      if (op == kSubtract && t == bool_) fail(fn, "subtracting bool arrays is not supported; use bitwise_xor.");
      break;
  }
  array x = a.to_array(t, fn), y = b.to_array(t, fn);
  broadcast_shapes(x.shape(), y.shape(), fn);
  return {std::move(x), std::move(y)};
}

array binary(Op op, const Operand& a, const Operand& b, const char* fn, const StreamOrDevice& s = {}) {
  to_stream(s, fn);
  auto [x, y] = prepare(op, a, b, fn);
  return make<Binary>({std::move(x), std::move(y)}, op);
}
}  // namespace

array add(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kAdd, a, b, "add", s); }
array subtract(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kSubtract, a, b, "subtract", s); }
array multiply(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kMultiply, a, b, "multiply", s); }
array divide(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kDivide, a, b, "divide", s); }
array floor_divide(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kFloorDivide, a, b, "floor_divide", s);
}
array remainder(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kRemainder, a, b, "remainder", s);
}
array power(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kPower, a, b, "power", s); }
array maximum(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kMaximum, a, b, "maximum", s); }
array minimum(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kMinimum, a, b, "minimum", s); }
array arctan2(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kArcTan2, a, b, "arctan2", s); }
array logaddexp(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kLogAddExp, a, b, "logaddexp", s);
}
array equal(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kEqual, a, b, "equal", s); }
array not_equal(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kNotEqual, a, b, "not_equal", s);
}
array less(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kLess, a, b, "less", s); }
array less_equal(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kLessEqual, a, b, "less_equal", s);
}
array greater(const Operand& a, const Operand& b, StreamOrDevice s) { return binary(kGreater, a, b, "greater", s); }
array greater_equal(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kGreaterEqual, a, b, "greater_equal", s);
}
array logical_and(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kLogicalAnd, a, b, "logical_and", s);
}
array logical_or(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kLogicalOr, a, b, "logical_or", s);
}
array bitwise_and(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kBitwiseAnd, a, b, "bitwise_and", s);
}
array bitwise_or(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kBitwiseOr, a, b, "bitwise_or", s);
}
array bitwise_xor(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kBitwiseXor, a, b, "bitwise_xor", s);
}
array left_shift(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kLeftShift, a, b, "left_shift", s);
}
array right_shift(const Operand& a, const Operand& b, StreamOrDevice s) {
  return binary(kRightShift, a, b, "right_shift", s);
}

std::pair<array, array> divmod(const Operand& a, const Operand& b, StreamOrDevice s) {
  to_stream(s, "divmod");
  auto [x, y] = prepare(kFloorDivide, a, b, "divmod");
  auto outs = make_multi<DivMod>({std::move(x), std::move(y)});
  return {outs[0], outs[1]};
}

}  // namespace ingot
