#include "core/utils.h"
#include "ingot/ops.h"

namespace ingot {

Dtype Operand::own_dtype() const {
  if (is_array()) return as_array().dtype();
  switch (as_scalar().kind) {
    case Scalar::boolean: return bool_;
    case Scalar::integer: return int32;
    case Scalar::real: return float32;
  }
  return float32;
}

array Operand::to_array(Dtype t) const {
  if (is_array()) return as_array().dtype() == t ? as_array() : astype(as_array(), t);
  const Scalar& s = as_scalar();
  if (s.kind == Scalar::real) return array(s.f, t);
  if (t == uint64) return array(static_cast<uint64_t>(s.i), t);
  if (is_integral(t) || t == bool_) return array(s.i, t);
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
  if (scalar_kind == Operand::Scalar::real && !is_floating_point(t)) return float32;
  if (scalar_kind == Operand::Scalar::integer && t == bool_) return int32;
  return t;
}

}  // namespace ingot
