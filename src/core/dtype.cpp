#include "ingot/dtype.h"

#include <cfloat>
#include <stdexcept>

#include "core/limits.h"

namespace ingot {

size_t size_of(Dtype t) {
  switch (t) {
    case bool_: case uint8: case int8: return 1;
    case uint16: case int16: case float16: case bfloat16: return 2;
    case uint32: case int32: case float32: return 4;
    case uint64: case int64: case float64: case complex64: return 8;
  }
  return 0;
}

const char* dtype_name(Dtype t) {
  switch (t) {
    case bool_: return "bool";
    case uint8: return "uint8";
    case uint16: return "uint16";
    case uint32: return "uint32";
    case uint64: return "uint64";
    case int8: return "int8";
    case int16: return "int16";
    case int32: return "int32";
    case int64: return "int64";
    case float16: return "float16";
    case bfloat16: return "bfloat16";
    case float32: return "float32";
    case float64: return "float64";
    case complex64: return "complex64";
  }
  return "invalid";
}

std::ostream& operator<<(std::ostream& os, Dtype t) { return os << dtype_name(t); }

bool is_floating_point(Dtype t) { return t == float16 || t == bfloat16 || t == float32 || t == float64; }
bool is_complex(Dtype t) { return t == complex64; }
bool is_integral(Dtype t) { return !is_floating_point(t) && t != bool_ && t != complex64; }
bool is_unsigned(Dtype t) { return t == bool_ || t == uint8 || t == uint16 || t == uint32 || t == uint64; }
bool is_valid_dtype_code(uint8_t code) { return code >= 1 && code <= 14; }

namespace detail {
void complex_unsupported() {
  throw std::invalid_argument("[dtype] this operation does not support complex64 arrays.");
}
}  // namespace detail

Dtype promote_types(Dtype a, Dtype b) {
  if (a == complex64 || b == complex64) return complex64;  // complex wins over every real dtype (MLX)
  // Rows and columns in code order (bool .. float64), as in MLX's table: integers of mixed
  // signedness widen, uint64 with a signed integer becomes float32, any float wins over any
  // integer, and float16 with bfloat16 meets at float32.
  using D = Dtype;
  constexpr D b1 = D::bool_, u8 = D::uint8, u16 = D::uint16, u32 = D::uint32, u64 = D::uint64, i8 = D::int8,
              i16 = D::int16, i32 = D::int32, i64 = D::int64, f16 = D::float16, bf = D::bfloat16,
              f32 = D::float32, f64 = D::float64;
  static constexpr D table[13][13] = {
      // b1  u8   u16  u32  u64  i8   i16  i32  i64  f16  bf   f32  f64
      {b1, u8, u16, u32, u64, i8, i16, i32, i64, f16, bf, f32, f64},           // bool
      {u8, u8, u16, u32, u64, i16, i16, i32, i64, f16, bf, f32, f64},          // uint8
      {u16, u16, u16, u32, u64, i32, i32, i32, i64, f16, bf, f32, f64},        // uint16
      {u32, u32, u32, u32, u64, i64, i64, i64, i64, f16, bf, f32, f64},        // uint32
      {u64, u64, u64, u64, u64, f32, f32, f32, f32, f16, bf, f32, f64},        // uint64
      {i8, i16, i32, i64, f32, i8, i16, i32, i64, f16, bf, f32, f64},          // int8
      {i16, i16, i32, i64, f32, i16, i16, i32, i64, f16, bf, f32, f64},        // int16
      {i32, i32, i32, i64, f32, i32, i32, i32, i64, f16, bf, f32, f64},        // int32
      {i64, i64, i64, i64, f32, i64, i64, i64, i64, f16, bf, f32, f64},        // int64
      {f16, f16, f16, f16, f16, f16, f16, f16, f16, f16, f32, f32, f64},       // float16
      {bf, bf, bf, bf, bf, bf, bf, bf, bf, f32, bf, f32, f64},                 // bfloat16
      {f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f64},       // float32
      {f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64},       // float64
  };
  return table[static_cast<int>(a) - 1][static_cast<int>(b) - 1];
}

double finite_max(Dtype t) {
  switch (t) {
    case float16: return 65504.0;
    case bfloat16: return 3.3895313892515355e38;  // (2 - 2^-7) * 2^127
    case float32: return FLT_MAX;
    default: return DBL_MAX;
  }
}

}  // namespace ingot
