// Operands of binary ops: arrays, or weak Python-style scalars that yield to the arrays they meet.
#include <limits>

#include "core/utils.h"
#include "ingot/ops.h"

namespace ingot {

namespace {
bool fits_int32(int64_t v) {
  return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
}

// Whether v is representable in the integer dtype t. 64-bit targets are not checked (MLX neither):
// an int64 holds every scalar, and a uint64 scalar above INT64_MAX arrives here wrapped.
bool fits(int64_t v, Dtype t) {
  return dispatch_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> && sizeof(T) < 8)
      return v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
             v <= static_cast<int64_t>(std::numeric_limits<T>::max());
    else return true;
  });
}
}  // namespace

Dtype Operand::own_dtype() const {
  if (is_array()) return as_array().dtype();
  switch (as_scalar().kind) {
    case Scalar::boolean: return bool_;
    case Scalar::integer: return fits_int32(as_scalar().i) ? int32 : int64;
    case Scalar::real: return float32;
    case Scalar::complex: return complex64;
  }
  return float32;
}

array Operand::to_array(Dtype t, const char* op) const {
  if (is_array()) return as_array().dtype() == t ? as_array() : astype(as_array(), t);
  const Scalar& s = as_scalar();
  if (s.kind == Scalar::complex) return array(complex64_t(static_cast<float>(s.f), static_cast<float>(s.im)), t);
  if (s.kind == Scalar::real) return array(s.f, t);
  if (t == uint64) return array(static_cast<uint64_t>(s.i), t);
  if (is_integral(t)) {
    if (s.kind == Scalar::integer && !fits(s.i, t))
      fail(op, "the scalar ", s.i, " is out of range for ", t, " (it would overflow).");
    return array(s.i, t);
  }
  if (t == bool_) return array(s.i != 0);
  return array(static_cast<double>(s.i), t);  // int64 -> float64 keeps every value float64 can hold
}

// Arrays decide among themselves by promote_types; a scalar then yields to them unless its kind is
// stronger: a float scalar lifts integer or bool arrays to float32, an int scalar lifts bool to int32.
Dtype result_type(const std::vector<Operand>& operands) {
  std::optional<Dtype> arrays;
  int scalar_kind = -1;
  for (const auto& o : operands) {
    if (o.is_array()) arrays = arrays ? promote_types(*arrays, o.own_dtype()) : o.own_dtype();
    else scalar_kind = std::max(scalar_kind, static_cast<int>(o.as_scalar().kind));
  }
  if (!arrays) {
    Dtype t = bool_;
    for (const auto& o : operands) t = promote_types(t, o.own_dtype());
    return t;
  }
  Dtype t = *arrays;
  if (scalar_kind == Operand::Scalar::complex) return complex64;
  if (scalar_kind == Operand::Scalar::real && !is_floating_point(t) && !is_complex(t)) return float32;
  if (scalar_kind == Operand::Scalar::integer && t == bool_) return int32;
  return t;
}

}  // namespace ingot
