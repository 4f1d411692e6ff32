// Element types, their on-disk codes and MLX's promotion rules.
#pragma once

#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <type_traits>

namespace ingot {

// The numeric codes are part of the file format: never reorder them, never reuse a removed one.
enum class Dtype : uint8_t {
  bool_ = 1,
  uint8 = 2,
  uint16 = 3,
  uint32 = 4,
  uint64 = 5,
  int8 = 6,
  int16 = 7,
  int32 = 8,
  int64 = 9,
  float16 = 10,
  bfloat16 = 11,
  float32 = 12,
  float64 = 13,
  complex64 = 14,  // two float32: real, imaginary (numpy's layout)
};

inline constexpr Dtype bool_ = Dtype::bool_;
inline constexpr Dtype uint8 = Dtype::uint8;
inline constexpr Dtype uint16 = Dtype::uint16;
inline constexpr Dtype uint32 = Dtype::uint32;
inline constexpr Dtype uint64 = Dtype::uint64;
inline constexpr Dtype int8 = Dtype::int8;
inline constexpr Dtype int16 = Dtype::int16;
inline constexpr Dtype int32 = Dtype::int32;
inline constexpr Dtype int64 = Dtype::int64;
inline constexpr Dtype float16 = Dtype::float16;
inline constexpr Dtype bfloat16 = Dtype::bfloat16;
inline constexpr Dtype float32 = Dtype::float32;
inline constexpr Dtype float64 = Dtype::float64;
inline constexpr Dtype complex64 = Dtype::complex64;
using complex64_t = std::complex<float>;

// The real dtypes (complex64 is supported by fewer ops and listed apart).
inline constexpr Dtype kAllDtypes[] = {bool_, uint8, uint16, uint32, uint64, int8,   int16,
                                       int32, int64, float16, bfloat16, float32, float64};

// IEEE binary16, stored as bits; arithmetic goes through float.
struct float16_t {
  uint16_t bits = 0;
  float16_t() = default;
  float16_t(float f) : bits(from_float(f)) {}
  operator float() const { return to_float(bits); }
  static uint16_t from_float(float f) {
    uint32_t x = std::bit_cast<uint32_t>(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return sign | (ax > 0x7f800000u ? 0x7e00u : 0x7c00u);
    if (ax >= 0x477ff000u) return sign | 0x7c00u;  // rounds past 65504: infinity
    if (ax < 0x38800000u) {                          // half subnormal: m * 2^-24, exact scaling
      float v = std::bit_cast<float>(ax) * 16777216.0f;
      return sign | static_cast<uint32_t>(std::nearbyint(v));
    }
    uint32_t e = ax - 0x38000000u;  // rebias 127 -> 15
    return sign | ((e + 0xfffu + ((e >> 13) & 1u)) >> 13);
  }
  static float to_float(uint16_t h) {
    uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) {
      float v = static_cast<float>(m) * (1.0f / 16777216.0f);
      return sign ? -v : v;
    }
    if (e == 31) return std::bit_cast<float>(sign | 0x7f800000u | (m << 13));
    return std::bit_cast<float>(sign | ((e + 112u) << 23) | (m << 13));
  }
};

// bfloat16: the top half of a float32, rounded to nearest even.
struct bfloat16_t {
  uint16_t bits = 0;
  bfloat16_t() = default;
  bfloat16_t(float f) : bits(from_float(f)) {}
  operator float() const { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }
  static uint16_t from_float(float f) {
    uint32_t x = std::bit_cast<uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
    return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
  }
};

size_t size_of(Dtype t);
const char* dtype_name(Dtype t);  // "float32", ...
std::ostream& operator<<(std::ostream& os, Dtype t);
bool is_floating_point(Dtype t);  // real floating point: float16, bfloat16, float32, float64
bool is_complex(Dtype t);         // complex64
bool is_integral(Dtype t);  // signed or unsigned integer; bool is not integral
bool is_unsigned(Dtype t);  // unsigned integers (and bool)
bool is_valid_dtype_code(uint8_t code);

// MLX's table for array-array operations.
Dtype promote_types(Dtype a, Dtype b);

template <typename T>
constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, bool>) return bool_;
  else if constexpr (std::is_same_v<T, uint8_t>) return uint8;
  else if constexpr (std::is_same_v<T, uint16_t>) return uint16;
  else if constexpr (std::is_same_v<T, uint32_t>) return uint32;
  else if constexpr (std::is_same_v<T, uint64_t> || std::is_same_v<T, unsigned long long>) return uint64;
  else if constexpr (std::is_same_v<T, int8_t>) return int8;
  else if constexpr (std::is_same_v<T, int16_t>) return int16;
  else if constexpr (std::is_same_v<T, int32_t>) return int32;
  else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, long long>) return int64;
  else if constexpr (std::is_same_v<T, float16_t>) return float16;
  else if constexpr (std::is_same_v<T, bfloat16_t>) return bfloat16;
  else if constexpr (std::is_same_v<T, float>) return float32;
  else if constexpr (std::is_same_v<T, complex64_t>) return complex64;
  // A C++ double defaults to float32 as a Python float does in MLX; ask for float64 explicitly.
  else if constexpr (std::is_same_v<T, double>) return float32;
  else static_assert(sizeof(T) == 0, "no ingot dtype for this C++ type");
}

// The exact C++ storage type of each dtype (double for float64).
template <typename T>
constexpr Dtype storage_dtype_of() {
  if constexpr (std::is_same_v<T, double>) return float64;
  else return dtype_of<T>();
}

template <typename T>
struct TypeTag {
  using type = T;
};

namespace detail {
[[noreturn]] void complex_unsupported();
}

// Calls f(TypeTag<T>{}) with T the storage type of real dtype t; complex64 throws (kernels that take it
// use dispatch_with_complex).
template <typename F>
decltype(auto) dispatch_dtype(Dtype t, F&& f) {
  switch (t) {
    case complex64: detail::complex_unsupported();
    case bool_: return f(TypeTag<bool>{});
    case uint8: return f(TypeTag<uint8_t>{});
    case uint16: return f(TypeTag<uint16_t>{});
    case uint32: return f(TypeTag<uint32_t>{});
    case uint64: return f(TypeTag<uint64_t>{});
    case int8: return f(TypeTag<int8_t>{});
    case int16: return f(TypeTag<int16_t>{});
    case int32: return f(TypeTag<int32_t>{});
    case int64: return f(TypeTag<int64_t>{});
    case float16: return f(TypeTag<float16_t>{});
    case bfloat16: return f(TypeTag<bfloat16_t>{});
    case float32: return f(TypeTag<float>{});
    case float64: return f(TypeTag<double>{});
  }
  return f(TypeTag<float>{});  // unreachable for valid dtypes
}

// dispatch_dtype with complex64 (T = complex64_t) too.
template <typename F>
decltype(auto) dispatch_with_complex(Dtype t, F&& f) {
  if (t == complex64) return f(TypeTag<complex64_t>{});
  return dispatch_dtype(t, std::forward<F>(f));
}

}  // namespace ingot
