// Dtypes: promotion (MLX's table, derived here from its rules), weak scalars, astype between every
// pair, the half types' conversions (scalar and vectorized, on every SIMD target), element access.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "cpu/simd.h"
#include "elementwise_test_util.h"
#include "hwy/targets.h"
#include "ingot/ingot.h"

using namespace ingot;
using namespace ingot::test;
using ::testing::HasSubstr;

namespace {

// ---- promotion, derived from MLX's documented rules (not from its table) ----
enum class Cat { boolean, unsigned_int, signed_int, floating };
Cat cat(Dtype t) {
  if (t == bool_) return Cat::boolean;
  if (is_floating_point(t)) return Cat::floating;
  return is_unsigned(t) ? Cat::unsigned_int : Cat::signed_int;
}
int bits(Dtype t) { return static_cast<int>(size_of(t)) * 8; }
Dtype signed_of_bits(int b) { return b == 8 ? int8 : b == 16 ? int16 : b == 32 ? int32 : int64; }

// bool yields to anything; within a kind the wider wins; unsigned meets signed in the smallest
// signed type holding both, except that uint64 meets any signed type in float32; any float beats
// any integer; float16 and bfloat16 meet in float32; float64 beats every float.
Dtype expected_promotion(Dtype a, Dtype b) {
  if (a == b) return a;
  if (a == bool_) return b;
  if (b == bool_) return a;
  const Cat ca = cat(a), cb = cat(b);
  if (ca == Cat::floating && cb == Cat::floating) {
    if (a == float64 || b == float64) return float64;
    if (a == float32 || b == float32) return float32;
    return float32;  // float16 with bfloat16
  }
  if (ca == Cat::floating) return a;
  if (cb == Cat::floating) return b;
  if (ca == cb) return bits(a) >= bits(b) ? a : b;
  const Dtype u = ca == Cat::unsigned_int ? a : b, s = ca == Cat::unsigned_int ? b : a;
  if (u == uint64) return float32;
  if (bits(u) < bits(s)) return s;
  return signed_of_bits(2 * bits(u));
}

}  // namespace

TEST(DtypePromotion, AllPairsFollowMlxRules) {
  int checked = 0;
  for (Dtype a : kAllDtypes)
    for (Dtype b : kAllDtypes) {
      EXPECT_EQ(promote_types(a, b), expected_promotion(a, b)) << a << " with " << b;
      EXPECT_EQ(promote_types(a, b), promote_types(b, a)) << a << " with " << b;
      ++checked;
    }
  EXPECT_EQ(checked, 169);
}

TEST(DtypePromotion, SpotChecksAgainstMlxTable) {
  EXPECT_EQ(promote_types(uint8, int8), int16);
  EXPECT_EQ(promote_types(uint16, int8), int32);
  EXPECT_EQ(promote_types(uint32, int32), int64);
  EXPECT_EQ(promote_types(uint64, int8), float32);
  EXPECT_EQ(promote_types(uint64, int64), float32);
  EXPECT_EQ(promote_types(uint8, int64), int64);
  EXPECT_EQ(promote_types(int64, float16), float16);
  EXPECT_EQ(promote_types(uint64, bfloat16), bfloat16);
  EXPECT_EQ(promote_types(float16, bfloat16), float32);
  EXPECT_EQ(promote_types(bfloat16, float64), float64);
  EXPECT_EQ(promote_types(bool_, bool_), bool_);
}

TEST(DtypePromotion, BinaryOpsComputeInThePromotedDtype) {
  for (Dtype a : kAllDtypes)
    for (Dtype b : kAllDtypes) {
      const Dtype want = expected_promotion(a, b);
      if (want != bool_) EXPECT_EQ(add(zeros({2}, a), zeros({2}, b)).dtype(), want) << a << "+" << b;
      EXPECT_EQ(equal(zeros({2}, a), zeros({2}, b)).dtype(), bool_);
      EXPECT_EQ(maximum(zeros({2}, a), zeros({2}, b)).dtype(), want);
    }
  // True division and the other float-only ops lift integers and bools to float32.
  EXPECT_EQ(divide(zeros({2}, int64), zeros({2}, uint8)).dtype(), float32);
  EXPECT_EQ(divide(zeros({2}, bool_), zeros({2}, bool_)).dtype(), float32);
  EXPECT_EQ(divide(zeros({2}, float16), zeros({2}, int32)).dtype(), float16);
  EXPECT_EQ(arctan2(zeros({2}, int8), zeros({2}, int8)).dtype(), float32);
  EXPECT_EQ(logaddexp(zeros({2}, bfloat16), zeros({2}, bfloat16)).dtype(), bfloat16);
}

// ---- weak scalars ----
TEST(WeakScalars, ScalarsYieldToArrays) {
  const auto x16 = array({1.5f, 2.0f}, float16);
  EXPECT_EQ(add(x16, 2).dtype(), float16);
  EXPECT_EQ(add(x16, 2.5).dtype(), float16);  // a float scalar with float16 stays float16
  EXPECT_EQ(multiply(2.5f, x16).dtype(), float16);
  EXPECT_EQ(add(array({1, 2}, bfloat16), 3).dtype(), bfloat16);
  EXPECT_EQ(add(array({1.0}, float64), 2.5).dtype(), float64);

  const auto i32 = array({1, 2, 3});
  const auto r = add(i32, 2.5);  // int32 x + 2.5 gives float32
  EXPECT_EQ(r.dtype(), float32);
  EXPECT_EQ(to_doubles(r), (std::vector<double>{3.5, 4.5, 5.5}));

  const auto b = array({true, false});
  const auto rb = add(b, 1);  // bool x + 1 gives int32
  EXPECT_EQ(rb.dtype(), int32);
  EXPECT_EQ(to_doubles(rb), (std::vector<double>{2, 1}));
  EXPECT_EQ(add(b, true).dtype(), bool_);
  EXPECT_EQ(add(b, 0.5).dtype(), float32);

  const auto u8 = array({250, 3}, uint8);
  const auto ru = add(u8, 2);  // uint8 x + 2 stays uint8 (and wraps)
  EXPECT_EQ(ru.dtype(), uint8);
  EXPECT_EQ(to_doubles(ru), (std::vector<double>{252, 5}));
  EXPECT_EQ(to_doubles(add(u8, 10)), (std::vector<double>{4, 13}));
  EXPECT_EQ(subtract(u8, 255).dtype(), uint8);
  EXPECT_EQ(add(array({1}, int8), -128).dtype(), int8);
  EXPECT_EQ(add(array({1}, uint64), 5).dtype(), uint64);
  EXPECT_EQ(add(array({1}, int64), int64_t{1} << 40).dtype(), int64);
}

TEST(WeakScalars, ScalarOnTheLeftKeepsItsPlace) {
  const auto x = array({1.0f, 4.0f});
  EXPECT_EQ(to_doubles(subtract(10, x)), (std::vector<double>{9, 6}));
  EXPECT_EQ(to_doubles(divide(1, x)), (std::vector<double>{1, 0.25}));
  EXPECT_EQ(to_doubles(2.0f - x), (std::vector<double>{1, -2}));
  EXPECT_EQ(to_doubles(power(2, array({3, 4}, uint8))), (std::vector<double>{8, 16}));
  EXPECT_EQ(power(2, array({3, 4}, uint8)).dtype(), uint8);
}

TEST(WeakScalars, ScalarsAloneUseTheirOwnDtypes) {
  EXPECT_EQ(add(2, 3).dtype(), int32);
  EXPECT_EQ(add(2, 3).item<int>(), 5);
  EXPECT_EQ(add(2, 0.5).dtype(), float32);
  EXPECT_EQ(add(true, false).dtype(), bool_);
  EXPECT_EQ(add(int64_t{1} << 40, 1).dtype(), int64);  // beyond int32: int64, as MLX
  EXPECT_EQ(add(int64_t{1} << 40, 1).item<int64_t>(), (int64_t{1} << 40) + 1);
  EXPECT_EQ(result_type({Operand(1), Operand(2.0)}), float32);
  EXPECT_EQ(result_type({Operand(true)}), bool_);
}

TEST(WeakScalars, ResultTypeOverSeveralArraysAndScalars) {
  EXPECT_EQ(result_type({zeros({1}, uint8), zeros({1}, int8), Operand(1)}), int16);
  EXPECT_EQ(result_type({zeros({1}, uint8), zeros({1}, int8), Operand(1.0)}), float32);
  EXPECT_EQ(result_type({zeros({1}, bool_), Operand(1), Operand(true)}), int32);
  EXPECT_EQ(result_type({zeros({1}, float16), Operand(1), Operand(1.0)}), float16);
}

TEST(WeakScalars, OutOfRangeIntegerScalarIsAnError) {
  const auto u8 = array({1, 2}, uint8);
  auto msg = error_of([&] { add(u8, 300); });
  EXPECT_THAT(msg, HasSubstr("[add]"));
  EXPECT_THAT(msg, HasSubstr("300"));
  EXPECT_THAT(msg, HasSubstr("uint8"));
  EXPECT_THAT(error_of([&] { add(u8, -1); }), HasSubstr("[add]"));
  EXPECT_THAT(error_of([&] { less(array({1}, int8), 200); }), HasSubstr("[less]"));
  EXPECT_THAT(error_of([&] { multiply(array({1}, int32), int64_t{1} << 40); }), HasSubstr("[multiply]"));
  // Limits themselves are fine.
  EXPECT_EQ(to_doubles(add(array({0}, int8), 127)), (std::vector<double>{127}));
  EXPECT_EQ(to_doubles(add(array({0}, int8), -128)), (std::vector<double>{-128}));
  EXPECT_EQ(to_doubles(add(array({0}, uint16), 65535)), (std::vector<double>{65535}));
  // A float scalar lifts integers to float32 rather than overflowing.
  EXPECT_EQ(add(u8, 300.0).dtype(), float32);
}

// ---- dtype facts ----
TEST(DtypeFacts, SizesNamesAndKinds) {
  const size_t sizes[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8};
  const char* names[] = {"bool",  "uint8", "uint16",  "uint32",   "uint64",  "int8",   "int16",
                         "int32", "int64", "float16", "bfloat16", "float32", "float64"};
  for (int i = 0; i < 13; ++i) {
    const Dtype t = kAllDtypes[i];
    EXPECT_EQ(static_cast<int>(t), i + 1);  // file codes: fixed forever
    EXPECT_EQ(size_of(t), sizes[i]);
    EXPECT_STREQ(dtype_name(t), names[i]);
    EXPECT_EQ(is_floating_point(t), i >= 9);
    EXPECT_EQ(is_integral(t), i >= 1 && i <= 8);
    EXPECT_EQ(is_unsigned(t), i <= 4);
    EXPECT_TRUE(is_valid_dtype_code(static_cast<uint8_t>(i + 1)));
  }
  EXPECT_EQ(static_cast<int>(complex64), 14);
  EXPECT_EQ(size_of(complex64), 8u);
  EXPECT_STREQ(dtype_name(complex64), "complex64");
  EXPECT_TRUE(is_complex(complex64) && !is_floating_point(complex64) && !is_integral(complex64));
  for (Dtype t : kAllDtypes) EXPECT_EQ(promote_types(t, complex64), complex64);
  EXPECT_TRUE(is_valid_dtype_code(14));
  EXPECT_FALSE(is_valid_dtype_code(0));
  EXPECT_FALSE(is_valid_dtype_code(15));
}

TEST(DtypeAccess, WrongDataTypeAndNonScalarItemAreErrors) {
  auto x = array({1.0f, 2.0f, 3.0f});
  x.eval();
  auto msg = error_of([&] { x.data<int32_t>(); });
  EXPECT_THAT(msg, HasSubstr("[data]"));
  EXPECT_THAT(msg, HasSubstr("int32"));
  EXPECT_THAT(msg, HasSubstr("float32"));
  EXPECT_THAT(error_of([&] { x.data<double>(); }), HasSubstr("float64"));
  auto h = array({1.0f}, float16);
  h.eval();
  EXPECT_THAT(error_of([&] { h.data<uint16_t>(); }), HasSubstr("[data]"));
  EXPECT_NO_THROW(h.data<float16_t>());
  msg = error_of([&] { x.item<float>(); });
  EXPECT_THAT(msg, HasSubstr("[item]"));
  EXPECT_THAT(msg, HasSubstr("3"));
  EXPECT_THAT(error_of([&] { zeros({0}).item<float>(); }), HasSubstr("[item]"));
  EXPECT_EQ(array({7.5f}).item<float>(), 7.5f);  // one element, even if not 0-d
}

// ---- astype ----
namespace {
// Representative values of each dtype, exactly representable in it.
std::vector<double> samples(Dtype t) {
  if (t == bool_) return {0, 1};
  if (is_unsigned(t)) return {0, 1, 2, 100, 127, 200, static_cast<double>(int_max(t) >= 255 ? 255 : 1)};
  if (is_integral(t)) return {0, 1, -1, 2, -2, 100, -100, 127, -128};
  std::vector<double> v = {0.0,  -0.0,   1.0,     -1.0,  2.5,  -2.5,     3.5,       0.3,
                           -0.7, 100.75, -100.75, 127.0, 1e-3, INFINITY, -INFINITY, NAN};
  for (auto& x : v) x = round_to(t, x);
  return v;
}
}  // namespace

TEST(AsType, EveryPairOnRepresentativeValues) {
  for (Dtype from : kAllDtypes)
    for (Dtype to : kAllDtypes) {
      const auto vals = samples(from);
      const auto src = from_doubles(vals, from);
      const auto got = astype(src, to);
      ASSERT_EQ(got.dtype(), to);
      ASSERT_EQ(got.shape(), src.shape());
      const auto g = to_doubles(got);
      for (size_t i = 0; i < vals.size(); ++i) {
        const double v = vals[i];
        double want;
        if (to == bool_) {
          want = v != 0 || std::isnan(v) ? 1 : 0;
        } else if (is_floating_point(to)) {
          want = round_to(to, v);
        } else {
          // float -> int truncates toward zero; values outside the target (or NaN, inf) are
          // unspecified in C++ and skipped.
          if (!std::isfinite(v)) continue;
          const double tv = std::trunc(v);
          if (is_floating_point(from) &&
              (tv < static_cast<double>(int_min(to)) || tv > static_cast<double>(int_max(to))))
            continue;
          const int64_t w = wrap_to(to, static_cast<__int128>(tv));
          want = to == uint64 ? static_cast<double>(static_cast<uint64_t>(w)) : static_cast<double>(w);
        }
        EXPECT_TRUE(same_value(g[i], want) || (to == bool_ && g[i] == want))
            << from << " -> " << to << ": " << v << " gave " << g[i] << ", expected " << want;
      }
    }
}

TEST(AsType, IntegerWrapAndExtremes) {
  const auto big = from_int64s({-1, 256, 257, -129, INT64_MIN, INT64_MAX}, int64);
  EXPECT_EQ(to_int64s(astype(big, uint8)), (std::vector<int64_t>{255, 0, 1, 127, 0, 255}));
  EXPECT_EQ(to_int64s(astype(big, int8)), (std::vector<int64_t>{-1, 0, 1, 127, 0, -1}));
  EXPECT_EQ(to_int64s(astype(big, uint64))[0], -1);  // all ones
  EXPECT_EQ(to_doubles(astype(from_int64s({INT64_MAX}, int64), float32))[0], 9223372036854775808.0);
  EXPECT_EQ(to_doubles(astype(from_int64s({-1}, uint64), float64))[0], 18446744073709551616.0);
  EXPECT_EQ(to_doubles(astype(from_int64s({65519, 65520, 100000}, int32), float16)),
            (std::vector<double>{65504, INFINITY, INFINITY}));
  EXPECT_EQ(to_doubles(astype(from_int64s({2049, 2051, -2049}, int32), float16)),
            (std::vector<double>{2048, 2052, -2048}));  // ties to even
  EXPECT_EQ(to_doubles(astype(from_int64s({257, 259}, int32), bfloat16)), (std::vector<double>{256, 260}));
}

TEST(AsType, FloatToHalfRoundsToNearestEvenOverflowsAndKeepsSubnormals) {
  const std::vector<float> src = {1.0f + 0x1p-11f,             // tie below: stays 1
                                  1.0f + 3 * 0x1p-11f,         // tie: rounds up to even
                                  1.0f + 0x1p-11f + 0x1p-20f,  // just above the tie: up
                                  65504.0f,
                                  65519.0f,
                                  65520.0f,
                                  1e6f,
                                  -1e6f,
                                  0x1p-24f,             // smallest subnormal
                                  0x1p-25f,             // tie with 0: to even (0)
                                  0x1p-25f + 0x1p-40f,  // above the tie: smallest subnormal
                                  1e-6f,
                                  6.0e-5f,
                                  -0.0f,
                                  1e-30f,
                                  -1e-30f};
  const auto x = array(src, Shape{static_cast<int64_t>(src.size())});
  const auto h = to_doubles(astype(x, float16));
  for (size_t i = 0; i < src.size(); ++i)
    EXPECT_TRUE(same_value(h[i], round_to_f16(src[i]))) << src[i] << " -> " << h[i];
  EXPECT_EQ(h[0], 1.0);
  EXPECT_EQ(h[1], 1.0 + 2 * 0x1p-10);
  EXPECT_EQ(h[5], INFINITY);
  EXPECT_EQ(h[8], 0x1p-24);
  EXPECT_EQ(h[9], 0.0);
  EXPECT_TRUE(std::signbit(h[13]));
  EXPECT_TRUE(std::signbit(h[15]));  // -1e-30 underflows to -0

  const auto b = to_doubles(astype(x, bfloat16));
  for (size_t i = 0; i < src.size(); ++i)
    EXPECT_TRUE(same_value(b[i], round_to_bf16(src[i]))) << src[i] << " -> " << b[i];
  const auto bf = to_doubles(astype(array({3.4e38f, 1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f}), bfloat16));
  EXPECT_EQ(bf[0], INFINITY);  // above the largest bfloat16 after rounding
  EXPECT_EQ(bf[1], 1.0);
  EXPECT_EQ(bf[2], 1.0 + 0x1p-6);
}

TEST(AsType, NaNsStayNaNsThroughEveryFloat) {
  const float qnan = std::numeric_limits<float>::quiet_NaN();
  const float snan_low = std::bit_cast<float>(0x7f800001u);  // payload only in the low bits
  const auto x = array({qnan, -qnan, snan_low});
  for (Dtype t : kFloatDtypes) {
    const auto back = to_doubles(astype(astype(x, t), float32));
    for (double v : back) EXPECT_TRUE(std::isnan(v)) << t;
  }
}

TEST(AsType, BoolConversions) {
  const auto f = array({0.0f, -0.0f, 0.5f, -2.0f, INFINITY, NAN, 1e-40f});
  EXPECT_EQ(to_doubles(astype(f, bool_)), (std::vector<double>{0, 0, 1, 1, 1, 1, 1}));
  EXPECT_EQ(to_doubles(astype(astype(f, float16), bool_)), (std::vector<double>{0, 0, 1, 1, 1, 1, 0}));
  EXPECT_EQ(to_doubles(astype(array({1e-300, 0.0, -1e-310}, float64), bool_)), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(to_doubles(astype(from_int64s({0, 256, -1, INT64_MIN}, int64), bool_)), (std::vector<double>{0, 1, 1, 1}));
  const auto b = array({true, false, true});
  for (Dtype t : kAllDtypes) EXPECT_EQ(to_doubles(astype(b, t)), (std::vector<double>{1, 0, 1})) << t;
}

TEST(AsType, SameDtypeIsTheInputAndShapesAreKept) {
  const auto x = array({1.0f, 2.0f});
  EXPECT_TRUE(astype(x, float32).is_same(x));
  auto s = astype(array(2.5f), int32);  // 0-d
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_EQ(s.item<int>(), 2);
  auto e = astype(zeros({0, 3}), float16);
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
  e.eval();
  EXPECT_EQ(e.size(), 0);
}

// ---- the half types' conversions: scalar references and vector kernels on every target ----
namespace {
// Runs f once per SIMD target compiled into the library and usable on this CPU.
void for_each_target(const std::function<void(const char*)>& f) {
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(t);
    f(hwy::TargetName(t));
  }
  hwy::SetSupportedTargetsForTest(0);
}
}  // namespace

TEST(HalfConversion, EveryFloat16RoundTripsThroughFloat32) {
  std::vector<uint16_t> all(65536);
  for (int i = 0; i < 65536; ++i) all[i] = static_cast<uint16_t>(i);
  // Independent decoding: sign, exponent, mantissa.
  auto decode = [](uint16_t h) {
    const int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? std::ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : std::ldexp(1024 + m, e - 25);
    return (h & 0x8000) ? -v : v;
  };
  for (int i = 0; i < 65536; ++i) {
    const float f = float16_t::to_float(all[i]);
    ASSERT_TRUE(same_value(f, decode(all[i]))) << std::hex << i;
    const uint16_t back = float16_t::from_float(f);
    if (std::isnan(f))
      EXPECT_TRUE((back & 0x7c00) == 0x7c00 && (back & 0x3ff)) << std::hex << i;
    else
      EXPECT_EQ(back, all[i]) << std::hex << i;
  }
  for_each_target([&](const char* target) {
    std::vector<float> f(65536);
    std::vector<uint16_t> back(65536);
    cpu::f16_to_f32(all.data(), f.data(), 65536);
    cpu::f32_to_f16(f.data(), back.data(), 65536);
    int bad = 0;
    for (int i = 0; i < 65536 && bad < 5; ++i) {
      const bool ok = same_value(f[i], decode(all[i])) &&
                      (std::isnan(f[i]) ? ((back[i] & 0x7c00) == 0x7c00 && (back[i] & 0x3ff)) : back[i] == all[i]);
      if (!ok) ++bad, ADD_FAILURE() << target << ": " << std::hex << i << " -> " << f[i] << " -> " << back[i];
    }
  });
}

TEST(HalfConversion, VectorAndScalarAgreeOnManyFloat32Patterns) {
  std::mt19937 rng(7);
  std::vector<float> src;
  // Random bit patterns (every exponent), values near the half range's edges and ties.
  for (int i = 0; i < 200000; ++i) src.push_back(std::bit_cast<float>(static_cast<uint32_t>(rng())));
  std::uniform_real_distribution<float> small(-7e-5f, 7e-5f), mid(-70000.f, 70000.f);
  for (int i = 0; i < 50000; ++i) src.push_back(small(rng)), src.push_back(mid(rng));
  for (uint32_t h = 0; h < 0x7c00; h += 7) {  // exact ties between neighbouring halves
    const float lo = float16_t::to_float(static_cast<uint16_t>(h)),
                hi = float16_t::to_float(static_cast<uint16_t>(h + 1));
    src.push_back((lo + hi) / 2);
    src.push_back(-(lo + hi) / 2);
  }
  for (float v : {INFINITY, -INFINITY, NAN, 0.0f, -0.0f, 65504.f, 65519.99f, 65520.f, 3.4e38f, 1e-45f})
    src.push_back(v);
  const int64_t n = static_cast<int64_t>(src.size());
  for (size_t i = 0; i < src.size(); i += 9973) {  // the reference itself, against rounding in double
    if (!std::isnan(src[i])) {
      EXPECT_TRUE(same_value(float16_t::to_float(float16_t::from_float(src[i])), round_to_f16(src[i]))) << src[i];
      EXPECT_TRUE(same_value(static_cast<float>(bfloat16_t(src[i])), round_to_bf16(src[i]))) << src[i];
    }
  }
  int mismatched_refs = 0;
  for (float v : src)
    if (!std::isnan(v) && !same_value(float16_t::to_float(float16_t::from_float(v)), round_to_f16(v)))
      ++mismatched_refs;
  EXPECT_EQ(mismatched_refs, 0);
  for_each_target([&](const char* target) {
    std::vector<uint16_t> h(src.size()), b(src.size());
    cpu::f32_to_f16(src.data(), h.data(), n);
    cpu::f32_to_bf16(src.data(), b.data(), n);
    int bad = 0;
    for (size_t i = 0; i < src.size() && bad < 5; ++i) {
      const uint16_t hs = float16_t::from_float(src[i]), bs = bfloat16_t::from_float(src[i]);
      const bool nan = std::isnan(src[i]);
      const bool hok = nan ? ((h[i] & 0x7c00) == 0x7c00 && (h[i] & 0x3ff)) : h[i] == hs;
      const bool bok = nan ? ((b[i] & 0x7f80) == 0x7f80 && (b[i] & 0x7f)) : b[i] == bs;
      if (!hok || !bok)
        ++bad, ADD_FAILURE() << target << ": " << src[i] << std::hex << " f16 " << h[i] << " vs " << hs << ", bf16 "
                             << b[i] << " vs " << bs;
    }
    // bfloat16 -> float32 is exact for every pattern.
    std::vector<uint16_t> all(65536);
    for (int i = 0; i < 65536; ++i) all[i] = static_cast<uint16_t>(i);
    std::vector<float> f(65536);
    cpu::bf16_to_f32(all.data(), f.data(), 65536);
    for (int i = 0; i < 65536; ++i)
      if (std::bit_cast<uint32_t>(f[i]) != static_cast<uint32_t>(i) << 16) {
        ADD_FAILURE() << target << ": bf16 " << std::hex << i;
        break;
      }
  });
}

TEST(HalfConversion, OddLengthsUseTheVectorAndTailPathsAlike) {
  for (int64_t n : {1, 7, 17, 1000}) {
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = 1.0f + static_cast<float>(i) * 0x1p-11f;  // every other one a tie
    const auto h = to_doubles(astype(array(v, Shape{n}), float16));
    const auto b = to_doubles(astype(array(v, Shape{n}), bfloat16));
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_EQ(h[i], round_to_f16(v[i])) << n << " " << i;
      EXPECT_EQ(b[i], round_to_bf16(v[i])) << n << " " << i;
    }
  }
}
