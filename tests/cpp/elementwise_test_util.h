// Helpers shared by the elementwise tests (unary, binary, dtype): reading arrays back, building
// inputs of any dtype, independent rounding references and tolerant comparisons.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ingot/ingot.h"
#include "test_util.h"

namespace ingot::test {

using ::ingot::testing::error_of;

// Every element of `a` (any layout) in row-major order, as double.
inline std::vector<double> to_doubles(const array& a) {
  array c = copy(a);
  c.eval();
  std::vector<double> out(static_cast<size_t>(c.size()));
  const char* p = static_cast<const char*>(c.raw_data());
  for (size_t i = 0; i < out.size(); ++i) out[i] = element_as_double(p + i * c.itemsize(), c.dtype());
  return out;
}

// Every element of an integer array as int64 (uint64 bits reinterpreted) in row-major order.
inline std::vector<int64_t> to_int64s(const array& a) {
  array c = copy(a);
  c.eval();
  std::vector<int64_t> out(static_cast<size_t>(c.size()));
  const char* p = static_cast<const char*>(c.raw_data());
  for (size_t i = 0; i < out.size(); ++i) out[i] = element_as_int64(p + i * c.itemsize(), c.dtype());
  return out;
}

// A 1-d array of dtype t holding `values` (converted by the library; read the array back for the
// exact values it holds).
inline array from_doubles(const std::vector<double>& values, Dtype t) {
  return array(values, Shape{static_cast<int64_t>(values.size())}, t);
}
// A 1-d integer array; each value wraps into t (so -1 is the largest uint64).
inline array from_int64s(const std::vector<int64_t>& values, Dtype t) {
  return array(values, Shape{static_cast<int64_t>(values.size())}, t);
}

// Round-to-nearest-even of x into a binary format with `mant` fraction bits, smallest normal
// exponent `emin` and largest finite value `max` (overflow gives inf). Independent of the library.
inline double round_to_format(double x, int mant, int emin, double max) {
  if (std::isnan(x) || std::isinf(x) || x == 0) return x;
  int e;
  std::frexp(std::fabs(x), &e);  // |x| = f * 2^e, f in [0.5, 1): the leading bit is 2^(e-1)
  const int lead = std::max(e - 1, emin);
  const double q = std::ldexp(1.0, lead - mant);  // spacing of the format around |x|
  const double r = std::nearbyint(std::fabs(x) / q) * q;
  if (r > max) return std::copysign(INFINITY, x);
  return std::copysign(r, x);
}
inline double round_to_f16(double x) { return round_to_format(x, 10, -14, 65504.0); }
inline double round_to_bf16(double x) { return round_to_format(x, 7, -126, 3.3895313892515355e38); }
inline double round_to_f32(double x) { return round_to_format(x, 23, -126, 3.4028234663852886e38); }
inline double round_to(Dtype t, double x) {
  switch (t) {
    case float16:
      return round_to_f16(x);
    case bfloat16:
      return round_to_bf16(x);
    case float32:
      return round_to_f32(x);
    default:
      return x;
  }
}

// Unit in the last place of the format at |x| (normal range; the subnormal spacing below it).
inline double ulp_of(Dtype t, double x) {
  int mant = 52, emin = -1022;
  if (t == float32) mant = 23, emin = -126;
  if (t == float16) mant = 10, emin = -14;
  if (t == bfloat16) mant = 7, emin = -126;
  int e;
  std::frexp(std::fabs(x), &e);
  return std::ldexp(1.0, std::max(e - 1, emin) - mant);
}

// got matches ref (an exact value in double) within `ulps` units in the last place of dtype t at
// ref, plus `abs_tol`; NaN matches NaN only, an infinity only itself.
inline ::testing::AssertionResult close_ulps(double got, double ref, Dtype t, double ulps, double abs_tol = 0) {
  if (std::isnan(ref)) {
    if (std::isnan(got)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected NaN, got " << got;
  }
  const double rounded = round_to(t, ref);
  if (std::isinf(rounded) || std::isinf(got)) {
    if (got == rounded) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected " << rounded << " (exact " << ref << "), got " << got;
  }
  const double tol = ulps * ulp_of(t, ref) + abs_tol;
  if (std::fabs(got - ref) <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << ref << ", got " << got << " (error "
                                       << std::fabs(got - ref) / ulp_of(t, ref) << " ulp, allowed " << ulps << " + "
                                       << abs_tol << ")";
}

// Bitwise equality of doubles that treats all NaNs as equal and tells -0 from +0.
inline bool same_value(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

inline constexpr Dtype kFloatDtypes[] = {float16, bfloat16, float32, float64};
inline constexpr Dtype kIntDtypes[] = {uint8, uint16, uint32, uint64, int8, int16, int32, int64};

// Wraps an integer into dtype t as two's complement does (t integral or bool).
inline int64_t wrap_to(Dtype t, __int128 v) {
  if (t == bool_) return v != 0;
  const int bits = static_cast<int>(size_of(t)) * 8;
  const unsigned __int128 m =
      bits == 64 ? ~static_cast<unsigned __int128>(0) >> 64 : (static_cast<unsigned __int128>(1) << bits) - 1;
  unsigned __int128 u = static_cast<unsigned __int128>(v) & m;
  if (is_unsigned(t)) return static_cast<int64_t>(static_cast<uint64_t>(u));
  if (u >> (bits - 1)) return static_cast<int64_t>(static_cast<__int128>(u) - (static_cast<__int128>(1) << bits));
  return static_cast<int64_t>(u);
}

inline int64_t int_min(Dtype t) {
  if (is_unsigned(t)) return 0;
  if (size_of(t) == 8) return std::numeric_limits<int64_t>::min();
  return -(static_cast<int64_t>(1) << (size_of(t) * 8 - 1));
}
inline uint64_t int_max(Dtype t) {
  if (t == bool_) return 1;
  const int bits = static_cast<int>(size_of(t)) * 8 - (is_unsigned(t) ? 0 : 1);
  return bits == 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
}

}  // namespace ingot::test
