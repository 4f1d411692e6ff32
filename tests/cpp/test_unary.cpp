// Unary elementwise ops against references computed here in double with std:: math: every float
// dtype, special values, arguments outside the vector routines' ranges, odd lengths (SIMD tails),
// every SIMD target, integer and bool semantics, predicates, round, and the error paths.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "elementwise_test_util.h"
#include "hwy/targets.h"
#include "ingot/ingot.h"

using namespace ingot;
using namespace ingot::test;
using ::testing::HasSubstr;

namespace {

using UnaryFn = array (*)(const array&, StreamOrDevice);
constexpr double kInf = INFINITY;
const double kNaN = std::nan("");

// erfinv by bisection over the bit patterns of doubles (monotone in the value), on std::erf, or on
// std::erfc above 0.5 where erf loses the digits that matter: slow, independent of the library.
double ref_erfinv(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return kNaN;
  if (y == 0) return y;
  if (y == 1) return kInf;
  if (y == -1) return -kInf;
  const double a = std::fabs(y);
  uint64_t lo = 0, hi = std::bit_cast<uint64_t>(7.0);
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    const double x = std::bit_cast<double>(mid);
    const bool below = a < 0.5 ? std::erf(x) < a : std::erfc(x) > 1 - a;
    (below ? lo : hi) = mid;
  }
  return std::copysign(std::bit_cast<double>(hi), y);
}
double ref_sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }
double ref_sign(double x) { return x > 0 ? 1 : x < 0 ? -1 : x; }

struct UnaryCase {
  const char* name;
  array (*op)(const array&, StreamOrDevice);
  double (*ref)(double);
  double lo, hi;                 // random inputs are drawn from [lo, hi]
  bool log_scale;                // ... uniformly in log10 of the magnitude, both signs when lo < 0
  std::vector<double> specials;  // added to 0, -0, +-inf and NaN
  double ulps32, ulps64;         // allowed error for float32 / float64 results (0: correctly rounded)
};

std::vector<UnaryCase> cases() {
  const double tiny32 = 1e-40, tiny64 = 1e-310;  // subnormal in float32 / float64
  return {
      {"abs", abs, [](double x) { return std::fabs(x); }, -1e30, 1e30, true, {tiny32, -tiny32}, 0, 0},
      {"negative", negative, [](double x) { return -x; }, -1e30, 1e30, true, {tiny32}, 0, 0},
      {"sign", sign, ref_sign, -1e10, 1e10, true, {tiny32, -tiny32}, 0, 0},
      {"square", square, [](double x) { return x * x; }, -1e20, 1e20, true, {1e20, -3e19, 1e-30}, 0.5, 0.5},
      {"sqrt", sqrt, [](double x) { return std::sqrt(x); }, 0, 1e30, true, {-1, tiny32, tiny64, 4}, 0.5, 0.5},
      {"rsqrt", rsqrt, [](double x) { return 1 / std::sqrt(x); }, 0, 1e30, true, {-1, tiny32, tiny64, 4}, 1.5, 1.5},
      {"reciprocal", reciprocal, [](double x) { return 1 / x; }, -1e30, 1e30, true, {tiny32, 1e38, -3}, 0.5, 0.5},
      {"exp",
       exp,
       [](double x) { return std::exp(x); },
       -87,
       88,
       false,
       {100, -100, -1000, 88.5, 88.7, -87.5, -103.9, -104.5, 709, 710, -745, 1e-8},
       2,
       2},
      {"expm1",
       expm1,
       [](double x) { return std::expm1(x); },
       -30,
       30,
       false,
       {100, -100, -1000, 1e-10, -1e-10, 0.3, -0.3, 709, 710},
       4,
       4},
      {"log",
       log,
       [](double x) { return std::log(x); },
       1e-37,
       1e37,
       true,
       {tiny32, tiny64, -1, 1, 1.0000001, 0.9999999, 3.4e38},
       2,
       2},
      {"log2",
       log2,
       [](double x) { return std::log2(x); },
       1e-37,
       1e37,
       true,
       {tiny32, tiny64, -1, 1, 1024, 0.5},
       2,
       2},
      {"log10",
       log10,
       [](double x) { return std::log10(x); },
       1e-37,
       1e37,
       true,
       {tiny32, tiny64, -1, 1, 1000, 0.1},
       2,
       2},
      {"log1p",
       log1p,
       [](double x) { return std::log1p(x); },
       -0.999,
       1e30,
       false,
       {-0.9999999, -0.99999994, -1, -1.5, 1e-10, -1e-10, 3e38, 1.7e308, -0.5, 1e-30},
       2,
       2},
      {"sin",
       sin,
       [](double x) { return std::sin(x); },
       -100,
       100,
       false,
       {1e6, -1e6, 39000, 39001, 1e30, 3.14159265, 1.5707963, 1e-20, 6.2831855},
       2,
       2},
      {"cos",
       cos,
       [](double x) { return std::cos(x); },
       -100,
       100,
       false,
       {1e6, -1e6, 39000, 39001, 1e30, 3.14159265, 1.5707963, 1e-20},
       2,
       2},
      {"tan",
       tan,
       [](double x) { return std::tan(x); },
       -10,
       10,
       false,
       {1e6, -1e6, 39000, 39001, 1e30, 1.5707963, -1.5707963, 1e-20},
       4,
       4},
      {"arcsin", arcsin, [](double x) { return std::asin(x); }, -1, 1, false, {1, -1, 1.0000001, 2, -2, 1e-20}, 3, 3},
      {"arccos", arccos, [](double x) { return std::acos(x); }, -1, 1, false, {1, -1, 1.0000001, 2, -2, 1e-20}, 3, 3},
      {"arctan", arctan, [](double x) { return std::atan(x); }, -1e10, 1e10, true, {1e30, -1e30, 1e-20}, 3, 3},
      {"sinh", sinh, [](double x) { return std::sinh(x); }, -80, 80, false, {100, -100, 88.5, -88.5, 710, 1e-10}, 4, 4},
      {"cosh", cosh, [](double x) { return std::cosh(x); }, -80, 80, false, {100, -100, 88.5, 710, 1e-10}, 3, 3},
      {"tanh", tanh, [](double x) { return std::tanh(x); }, -20, 20, false, {30, -30, 1e-10, 0.5}, 4, 4},
      {"arcsinh",
       arcsinh,
       [](double x) { return std::asinh(x); },
       -1e30,
       1e30,
       true,
       {1e30, -1e30, 1e-10, 3.3e38},
       4,
       4},
      {"arccosh",
       arccosh,
       [](double x) { return std::acosh(x); },
       1,
       1e30,
       true,
       {1, 0.5, 1e30, 1.0000001, 3.3e38},
       4,
       4},
      {"arctanh",
       arctanh,
       [](double x) { return std::atanh(x); },
       -0.999,
       0.999,
       false,
       {0.9999, -0.9999, 0.99999994, -0.99999994, 1, -1, 1.5, 1e-10},
       4,
       4},
      {"sigmoid", sigmoid, ref_sigmoid, -80, 80, false, {100, -100, -88.5, -103, 1000, -1000, 1e-10}, 4, 4},
      {"erf",
       erf,
       [](double x) { return std::erf(x); },
       -5,
       5,
       false,
       {5, -5, 1e-10, 0.4999, 0.5, -0.5, 1e30, 1, 3.9, 4.1},
       2,
       1},
      {"erfinv",
       erfinv,
       ref_erfinv,
       -0.999,
       0.999,
       false,
       {1, -1, 0.999999, -0.999999, 0.9999999999, 2, 1e-10, 1e-300},
       1,
       4},
      {"floor",
       floor,
       [](double x) { return std::floor(x); },
       -1e9,
       1e9,
       true,
       {-0.5, 0.5, 2.5, -2.5, 1e30, 8388607.5},
       0,
       0},
      {"ceil",
       ceil,
       [](double x) { return std::ceil(x); },
       -1e9,
       1e9,
       true,
       {-0.5, 0.5, 2.5, -2.5, 1e30, 8388607.5},
       0,
       0},
  };
}

std::vector<double> random_inputs(const UnaryCase& c, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<double> v(n);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& x : v) {
    if (c.log_scale) {
      const double lo = c.lo > 0 ? c.lo : 1e-30, hi = std::max(std::fabs(c.lo), std::fabs(c.hi));
      x = std::pow(10.0, std::log10(lo) + u(rng) * (std::log10(hi) - std::log10(lo)));
      if (c.lo < 0 && u(rng) < 0.5) x = -x;
    } else {
      x = c.lo + u(rng) * (c.hi - c.lo);
    }
  }
  return v;
}

// Checks op(x) for one input array against the reference, element by element.
void check_case(const UnaryCase& c, const array& x, const std::string& where) {
  const Dtype t = x.dtype();
  const auto in = to_doubles(x);
  const auto y = c.op(x, {});
  ASSERT_EQ(y.dtype(), t) << c.name;
  ASSERT_EQ(y.shape(), x.shape()) << c.name;
  const auto out = to_doubles(y);
  // Halves: a float32 result rounded once.
  const double ulps = t == float64 ? c.ulps64 : t == float32 ? c.ulps32 : 1;
  int failures = 0;
  for (size_t i = 0; i < in.size() && failures < 3; ++i) {
    const double ref = c.ref(in[i]);
    // Halves compute in float32: the reference is the exact result rounded to float32 first only
    // where that matters (overflow); otherwise the exact value.
    double want = ref;
    if (t == float16 || t == bfloat16) want = round_to_f32(ref);
    auto r = close_ulps(out[i], want, t, std::max(ulps, 0.5));
    if (!r) ++failures, ADD_FAILURE() << c.name << "(" << in[i] << ") " << t << " " << where << ": " << r.message();
  }
}

}  // namespace

TEST(Unary, EveryFloatOpMatchesReferenceAtOddLengths) {
  for (const auto& c : cases())
    for (Dtype t : kFloatDtypes)
      for (int n : {1, 7, 17, 1000}) {
        auto vals = random_inputs(c, n, 1234u + n);
        // Special values at the end (the SIMD tail) and, for long arrays, at the start too.
        std::vector<double> sp = c.specials;
        for (double s : {0.0, -0.0, kInf, -kInf, kNaN}) sp.push_back(s);
        for (size_t k = 0; k < sp.size() && k < static_cast<size_t>(n); ++k) vals[n - 1 - k] = sp[k];
        if (n >= 100)
          for (size_t k = 0; k < sp.size(); ++k) vals[k * 3] = sp[k];
        check_case(c, from_doubles(vals, t), "n=" + std::to_string(n));
      }
}

TEST(Unary, SpecialValuesAsZeroDimensionalArrays) {
  for (const auto& c : cases())
    for (Dtype t : kFloatDtypes) {
      std::vector<double> sp = c.specials;
      for (double s : {0.0, -0.0, kInf, -kInf, kNaN, 1.0, -1.0}) sp.push_back(s);
      for (double s : sp) {
        const auto x = array(s, t);
        ASSERT_EQ(x.ndim(), 0);
        check_case(c, x, "0-d");
      }
    }
}

TEST(Unary, SignedZerosAndExactSpecials) {
  auto bits = [](const array& a) { return to_doubles(a)[0]; };
  EXPECT_TRUE(std::signbit(bits(sqrt(array(-0.0f)))));
  EXPECT_FALSE(std::signbit(bits(abs(array(-0.0f)))));
  EXPECT_TRUE(std::signbit(bits(negative(array(0.0f)))));
  EXPECT_EQ(bits(reciprocal(array(-0.0f))), -kInf);
  EXPECT_EQ(bits(rsqrt(array(0.0f))), kInf);
  EXPECT_EQ(bits(log(array(0.0f))), -kInf);
  EXPECT_EQ(bits(log1p(array(-1.0f))), -kInf);
  EXPECT_EQ(bits(arctanh(array(1.0f))), kInf);
  EXPECT_EQ(bits(arctanh(array(-1.0f))), -kInf);
  EXPECT_EQ(bits(exp(array(100.0f))), kInf);
  EXPECT_EQ(bits(exp(array(-kInf, float32))), 0.0);
  EXPECT_EQ(bits(sigmoid(array(kInf, float32))), 1.0);
  EXPECT_EQ(bits(sigmoid(array(-kInf, float32))), 0.0);
  EXPECT_EQ(bits(tanh(array(-kInf, float32))), -1.0);
  EXPECT_EQ(bits(erf(array(kInf, float32))), 1.0);
  EXPECT_EQ(bits(erfinv(array(1.0f))), kInf);
  EXPECT_TRUE(std::isnan(bits(sign(array(kNaN, float32)))));
  EXPECT_TRUE(std::signbit(bits(floor(array(-0.0f)))));
  EXPECT_TRUE(std::signbit(bits(ceil(array(-0.5f)))));
  EXPECT_EQ(bits(log1p(array(3e38f))), std::log1p(3e38f));  // no overflow inside the vector form
  const auto big = to_doubles(log1p(array(std::vector<float>(16, 3.4e38f), Shape{16})));
  for (double v : big) EXPECT_NEAR(v, std::log1p(3.4e38), 1e-4);
}

TEST(Unary, EverySimdTargetGivesTheSameAnswers) {
  std::vector<double> vals;
  std::mt19937 rng(99);
  std::uniform_real_distribution<double> u(-50, 50);
  for (int i = 0; i < 203; ++i) vals.push_back(u(rng));
  for (double s : {0.0, -0.0, kInf, -kInf, kNaN, 1e-40, 1e6, -0.9999999, 0.99999, 100.0, -100.0}) vals.push_back(s);
  for (const auto& c : cases())
    for (Dtype t : {float32, float64, float16}) {
      auto x = from_doubles(vals, t);
      x.eval();
      for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
        hwy::SetSupportedTargetsForTest(target);
        check_case(c, x, hwy::TargetName(target));
      }
      hwy::SetSupportedTargetsForTest(0);
    }
}

TEST(Unary, IntegerInputsOfMathOpsBecomeFloat32) {
  for (Dtype t : {bool_, uint8, int8, int16, int32, int64, uint64}) {
    const auto x = from_doubles({0, 1, 4}, t == bool_ ? bool_ : t);
    for (UnaryFn op : {sqrt, exp, log, sin, sigmoid, erf, erfinv, rsqrt, reciprocal, arctan})
      EXPECT_EQ(op(x, {}).dtype(), float32) << t;
  }
  const auto s = to_doubles(sqrt(array({4, 9, 2})));
  EXPECT_EQ(s[0], 2);
  EXPECT_EQ(s[1], 3);
  EXPECT_FLOAT_EQ(s[2], std::sqrt(2.0f));
  const auto e = to_doubles(exp(array({true, false})));
  EXPECT_NEAR(e[0], std::exp(1.0), 1e-6);
  EXPECT_EQ(e[1], 1);
  EXPECT_EQ(reciprocal(array({0}, int32)).item<float>(), kInf);
}

TEST(Unary, IntegerArithmeticWrapsAndKeepsTheDtype) {
  for (Dtype t : kIntDtypes) {
    const bool sgn = !is_unsigned(t);
    const int64_t lo = int_min(t);
    const int64_t hi = static_cast<int64_t>(std::min<uint64_t>(int_max(t), INT64_MAX));
    std::vector<int64_t> v = {0, 1, 2, 7, 100, hi, hi - 1};
    if (sgn) v.insert(v.end(), {-1, -7, lo, lo + 1});
    if (t == uint64) v.push_back(-1);  // the largest uint64
    const auto x = from_int64s(v, t);
    const auto xs = to_int64s(x);
    const auto a = to_int64s(abs(x)), ng = to_int64s(negative(x)), sg = to_int64s(sign(x)), sq = to_int64s(square(x));
    for (UnaryFn op : {abs, negative, sign, square, floor, ceil}) EXPECT_EQ(op(x, {}).dtype(), t);
    for (size_t i = 0; i < v.size(); ++i) {
      const __int128 xv = t == uint64 ? static_cast<__int128>(static_cast<uint64_t>(xs[i])) : xs[i];
      EXPECT_EQ(a[i], wrap_to(t, xv < 0 ? -xv : xv)) << t << " abs " << (int64_t)xv;
      EXPECT_EQ(ng[i], wrap_to(t, -xv)) << t << " negative " << (int64_t)xv;
      EXPECT_EQ(sg[i], xv > 0 ? 1 : xv < 0 ? -1 : 0) << t << " sign";
      EXPECT_EQ(sq[i], wrap_to(t, static_cast<__int128>(static_cast<unsigned __int128>(xv) *
                                                        static_cast<unsigned __int128>(xv))))
          << t << " square " << (int64_t)xv;
    }
    EXPECT_TRUE(floor(x).is_same(x));  // rounding an integer is the identity
    EXPECT_TRUE(ceil(x).is_same(x));
  }
  // The classic overflow cases, spelled out.
  EXPECT_EQ(to_int64s(square(from_int64s({65535, 256}, uint16))), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(to_int64s(abs(from_int64s({-128}, int8))), (std::vector<int64_t>{-128}));
  EXPECT_EQ(to_int64s(negative(from_int64s({1}, uint8))), (std::vector<int64_t>{255}));
  EXPECT_EQ(to_int64s(negative(from_int64s({INT32_MIN}, int32))), (std::vector<int64_t>{INT32_MIN}));
}

TEST(Unary, BoolInputs) {
  const auto b = array({true, false, true});
  EXPECT_EQ(abs(b).dtype(), bool_);
  EXPECT_EQ(to_doubles(abs(b)), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(to_doubles(sign(b)), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(to_doubles(square(b)), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(to_doubles(logical_not(b)), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(to_doubles(bitwise_invert(b)), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(bitwise_invert(b).dtype(), bool_);
  EXPECT_EQ(floor(b).dtype(), bool_);
  auto msg = error_of([&] { negative(b); });
  EXPECT_THAT(msg, HasSubstr("[negative]"));
  EXPECT_THAT(msg, HasSubstr("bool"));
  EXPECT_THAT(error_of([&] { -b; }), HasSubstr("[negative]"));
}

TEST(Unary, PredicatesOnEveryDtype) {
  const std::vector<double> v = {0, -0.0, 1.5, -2, kInf, -kInf, kNaN, 1e-3};
  for (Dtype t : kFloatDtypes) {
    const auto x = from_doubles(v, t);
    auto check = [&](array r, std::vector<double> want, const char* name) {
      EXPECT_EQ(r.dtype(), bool_) << name;
      EXPECT_EQ(to_doubles(r), want) << name << " " << t;
    };
    check(isnan(x), {0, 0, 0, 0, 0, 0, 1, 0}, "isnan");
    check(isinf(x), {0, 0, 0, 0, 1, 1, 0, 0}, "isinf");
    check(isposinf(x), {0, 0, 0, 0, 1, 0, 0, 0}, "isposinf");
    check(isneginf(x), {0, 0, 0, 0, 0, 1, 0, 0}, "isneginf");
    check(isfinite(x), {1, 1, 1, 1, 0, 0, 0, 1}, "isfinite");
    check(logical_not(x), {1, 1, 0, 0, 0, 0, 0, 0}, "logical_not");  // NaN is true, as numpy
  }
  for (Dtype t : kIntDtypes) {
    const auto x = from_int64s({0, 1, 5}, t);
    EXPECT_EQ(to_doubles(isnan(x)), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(to_doubles(isinf(x)), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(to_doubles(isposinf(x)), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(to_doubles(isneginf(x)), (std::vector<double>{0, 0, 0}));
    EXPECT_EQ(to_doubles(isfinite(x)), (std::vector<double>{1, 1, 1}));
    EXPECT_EQ(to_doubles(logical_not(x)), (std::vector<double>{1, 0, 0}));
    EXPECT_EQ(logical_not(x).dtype(), bool_);
  }
  const auto b = array({true, false});
  EXPECT_EQ(to_doubles(isnan(b)), (std::vector<double>{0, 0}));
  EXPECT_EQ(to_doubles(isfinite(b)), (std::vector<double>{1, 1}));
}

TEST(Unary, BitwiseInvert) {
  for (Dtype t : kIntDtypes) {
    const auto x = from_int64s({0, 1, 5, -1}, t);
    const auto xs = to_int64s(x);
    const auto r = to_int64s(bitwise_invert(x));
    EXPECT_EQ(bitwise_invert(x).dtype(), t);
    for (size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(r[i], wrap_to(t, ~static_cast<__int128>(xs[i]))) << t;
  }
  EXPECT_EQ(to_int64s(~from_int64s({0, 0x0f}, uint8)), (std::vector<int64_t>{255, 0xf0}));
  auto msg = error_of([] { bitwise_invert(array({1.0f})); });
  EXPECT_THAT(msg, HasSubstr("[bitwise_invert]"));
  EXPECT_THAT(msg, HasSubstr("float32"));
  EXPECT_THAT(error_of([] { bitwise_invert(array({1.0f}, float16)); }), HasSubstr("[bitwise_invert]"));
}

TEST(Unary, EmptyAndZeroDimensional) {
  for (Dtype t : {float32, float16, int32, bool_}) {
    const auto e = zeros({0, 4}, t);
    for (UnaryFn op : {abs, isnan, logical_not, exp, floor}) {
      auto r = op(e, {});
      r.eval();
      EXPECT_EQ(r.shape(), (Shape{0, 4}));
      EXPECT_EQ(r.size(), 0);
    }
  }
  auto s = exp(array(1.0f));
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_FLOAT_EQ(s.item<float>(), std::exp(1.0f));
  EXPECT_EQ(square(array(int8_t{12})).item<int>(), static_cast<int8_t>(144));
}

// ---- round ----
namespace {
// numpy's around, step by step in the array's own precision: scale, rint, scale back. Where the
// scaled value reaches 2^(mantissa bits) the decimal grid is finer than the type's, so x itself is
// the correctly rounded answer; numpy's x * s / s may be an ulp off there, ingot returns x.
template <typename T>
T numpy_round(T x, int d) {
  if (d == 0) return std::nearbyint(x);
  const T s = static_cast<T>(std::pow(10.0, std::abs(d)));
  const T r = d > 0 ? x * s : x / s;
  if (!(std::fabs(r) < 1 / std::numeric_limits<T>::epsilon())) return x;
  return d > 0 ? std::nearbyint(r) / s : std::nearbyint(r) * s;
}
}  // namespace

TEST(Round, HalfToEvenAtZeroDecimals) {
  const std::vector<double> v = {0.5,    1.5,  2.5,  3.5,  -0.5,  -1.5, -2.5,      2.4999,
                                 2.5001, -0.0, 1e30, kInf, -kInf, kNaN, 8388607.5, 4503599627370495.5};
  const std::vector<double> want = {0, 2,    2,    4,    -0.0,  -2,   -2,      2,
                                    3, -0.0, 1e30, kInf, -kInf, kNaN, 8388608, 4503599627370496};
  for (Dtype t : kFloatDtypes) {
    const auto x = from_doubles(v, t);
    const auto in = to_doubles(x);
    const auto r = to_doubles(round(x));
    EXPECT_EQ(round(x).dtype(), t);
    for (size_t i = 0; i < v.size(); ++i) EXPECT_TRUE(same_value(r[i], std::nearbyint(in[i]))) << t << " " << in[i];
  }
  const auto r = to_doubles(round(from_doubles(v, float64)));
  for (size_t i = 0; i < v.size(); ++i) EXPECT_TRUE(same_value(r[i], want[i])) << v[i] << " -> " << r[i];
}

TEST(Round, DecimalsFollowNumpyInTheArraysPrecision) {
  // Hand-checked against numpy.
  EXPECT_EQ(to_doubles(round(array({1.2345, 2.675, -2.675, 0.125}, float64), 2)),
            (std::vector<double>{1.23, 2.68, -2.68, 0.12}));                        // 2.675 * 100 rounds to 267.5
  EXPECT_EQ(to_doubles(round(array({2.675f}), 2))[0], static_cast<double>(2.68f));  // float32 2.675 * 100 == 267.5
  EXPECT_EQ(to_doubles(round(array({1234.5678, 1250.0, 1350.0, -1250.0, 149.9}, float64), -2)),
            (std::vector<double>{1200, 1200, 1400, -1200, 100}));
  // Many values and decimals, against the same algorithm in plain C++.
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1000, 1000);
  for (int d = -3; d <= 6; ++d)
    for (int n : {1, 7, 17, 1000}) {
      std::vector<double> v(n);
      for (auto& x : v) x = u(rng);
      const auto r64 = to_doubles(round(from_doubles(v, float64), d));
      const auto x32 = from_doubles(v, float32);
      const auto in32 = to_doubles(x32);
      const auto r32 = to_doubles(round(x32, d));
      for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(same_value(r64[i], numpy_round(v[i], d))) << v[i] << " d=" << d;
        ASSERT_TRUE(same_value(r32[i], numpy_round(static_cast<float>(in32[i]), d))) << in32[i] << " d=" << d;
      }
    }
}

TEST(Round, HalvesExtremesAndSpecials) {
  const auto h = to_doubles(round(array({1.2345f, 2.5f, -3.14159f}, float16), 2));
  EXPECT_EQ(h[0], round_to_f16(1.23));
  EXPECT_EQ(h[1], 2.5);
  EXPECT_EQ(h[2], round_to_f16(-3.14));
  EXPECT_EQ(round(array({1.0f}, bfloat16), 1).dtype(), bfloat16);
  EXPECT_EQ(to_doubles(round(array({2.5f}, bfloat16)))[0], 2);
  // Values already integral at the scale are left alone rather than overflowing.
  EXPECT_EQ(to_doubles(round(array({3e38f, -3e38f}), 1)), (std::vector<double>{3e38f, -3e38f}));
  EXPECT_EQ(to_doubles(round(array({1.5f}), 60))[0], 1.5);
  // Scales beyond the type's exponent range.
  EXPECT_EQ(to_doubles(round(array({1e-40f, 6e-40f}), 39)), (std::vector<double>{0, static_cast<float>(1e-39)}));
  EXPECT_EQ(to_doubles(round(array({1e300, -1e300}, float64), -400))[0], 0);
  EXPECT_TRUE(std::signbit(to_doubles(round(array({1e300, -1e300}, float64), -400))[1]));
  EXPECT_EQ(to_doubles(round(array({0.5}, float64), 400))[0], 0.5);
  const auto sp = to_doubles(round(array({kInf, -kInf, kNaN}, float32), 3));
  EXPECT_EQ(sp[0], kInf);
  EXPECT_EQ(sp[1], -kInf);
  EXPECT_TRUE(std::isnan(sp[2]));
  const auto sn = to_doubles(round(array({kInf, kNaN}, float32), -3));
  EXPECT_EQ(sn[0], kInf);
  EXPECT_TRUE(std::isnan(sn[1]));
  EXPECT_TRUE(std::signbit(to_doubles(round(array({-0.001f}), 2))[0]));  // -0, as numpy
}

TEST(Round, IntegersAreIdentityForNonNegativeDecimals) {
  for (Dtype t : kIntDtypes) {
    const auto x = from_int64s({1, 25, 127}, t);
    EXPECT_TRUE(round(x).is_same(x));
    EXPECT_TRUE(round(x, 3).is_same(x));
  }
  const auto b = array({true, false});
  EXPECT_TRUE(round(b, -2).is_same(b));
}

TEST(Round, IntegersWithNegativeDecimalsRoundHalfToEvenExactly) {
  EXPECT_EQ(to_int64s(round(from_int64s({1250, 1350, -1250, -1350, 149, 150, 250, 251, -251, 0}, int32), -2)),
            (std::vector<int64_t>{1200, 1400, -1200, -1400, 100, 200, 200, 300, -300, 0}));
  EXPECT_EQ(round(from_int64s({1}, int32), -2).dtype(), int32);
  EXPECT_EQ(to_int64s(round(from_int64s({100, -128, 127, 49, 50}, int8), -2)),
            (std::vector<int64_t>{100, -100, 100, 0, 0}));
  EXPECT_EQ(to_int64s(round(from_int64s({100, -100}, int8), -3)), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(to_int64s(round(from_int64s({250, 255, 15}, uint8), -1)), (std::vector<int64_t>{250, 4, 20}));  // 260 wraps
  EXPECT_EQ(to_int64s(round(from_int64s({123456789012345678, -123456789012345500}, int64), -3)),
            (std::vector<int64_t>{123456789012346000, -123456789012346000}));  // exact beyond 2^53
  EXPECT_EQ(to_int64s(round(from_int64s({INT64_MAX, INT64_MIN, 5}, int64), -25)), (std::vector<int64_t>{0, 0, 0}));
  // 2^64 - 1 rounds up to 2 * 10^19, which wraps like any uint64 arithmetic.
  EXPECT_EQ(to_int64s(round(from_int64s({-1}, uint64), -19)),
            (std::vector<int64_t>{1553255926290448384}));  // 2 * 10^19 - 2^64
  for (Dtype t : kIntDtypes) {                             // every integer dtype against numpy's double-precision route
    std::vector<int64_t> v;
    for (int i = 0; i < 40; ++i) v.push_back(is_unsigned(t) ? i * 5 + 5 : i * 5 - 100);  // ties included
    const auto r = to_int64s(round(from_int64s(v, t), -1));
    for (size_t i = 0; i < v.size(); ++i)
      EXPECT_EQ(r[i], wrap_to(t, static_cast<__int128>(std::nearbyint(v[i] / 10.0) * 10))) << t << " " << v[i];
  }
}
