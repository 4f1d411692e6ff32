// Binary elementwise ops against references computed here (double / long double / 128-bit integer
// arithmetic): every dtype family, integer edge cases, NaN and infinity semantics, broadcasting,
// 0-d and empty arrays, weak scalars on either side, divmod, every SIMD target, error paths, and
// non-contiguous inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "elementwise_test_util.h"
#include "hwy/targets.h"
#include "ingot/ingot.h"
#include "prims/primitive.h"

using namespace ingot;
using namespace ingot::test;
using ::testing::HasSubstr;

namespace {

using BinFn = array (*)(const Operand&, const Operand&, StreamOrDevice);
constexpr double kInf = INFINITY;
const double kNaN = std::nan("");

// ---- float references ----
// Python's floor division and remainder, from the exact quotient (long double) and fmod (exact).
double ref_floordiv(double a, double b) {
  if (b == 0 || std::isnan(a) || std::isnan(b) || std::isinf(a)) return b == 0 ? a / b : kNaN;
  if (std::isinf(b)) return (a == 0 || (a > 0) == (b > 0)) ? std::copysign(0.0, a / b) : -1.0;
  const long double q = floorl(static_cast<long double>(a) / static_cast<long double>(b));
  return q == 0 ? std::copysign(0.0, a / b) : static_cast<double>(q);
}
double ref_remainder(Dtype t, double a, double b) {
  double r = std::fmod(a, b);
  if (b == 0 || std::isnan(r)) return r;
  if (r == 0) return std::copysign(0.0, b);
  if ((r < 0) != (b < 0)) r = t == float64 ? r + b : round_to(t, round_to_f32(r + b));  // halves: in float32
  return r;
}
// log(exp(a) + exp(b)) = max + log1p(exp(-|a - b|)) cancels where the result is near zero, in numpy
// as here, so the error allowed is measured at the scale of the larger operand (at least log 2).
::testing::AssertionResult logaddexp_close(double got, double a, double b, Dtype t);
long double ref_logaddexp(long double a, long double b) {
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == b) return a + logl(2);
  const long double m = std::max(a, b);
  return m + log1pl(expl(-fabsl(a - b)));
}

::testing::AssertionResult logaddexp_close(double got, double a, double b, Dtype t) {
  const double ref = static_cast<double>(ref_logaddexp(a, b));
  if (std::isnan(ref) || std::isinf(ref)) return close_ulps(got, ref, t, 0.5);
  const double scale = std::max(std::fabs(std::max(a, b)), 0.6931471805599453);
  const double tol = (t == float64 || t == float32 ? 2 : 1) * ulp_of(t, scale);
  if (std::fabs(got - ref) <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "logaddexp(" << a << ", " << b << ") = " << got << ", expected " << ref;
}

// Values with every kind of float behaviour: signed zeros, infinities, NaN, tiny and huge.
std::vector<double> float_specials() {
  return {0.0, -0.0, 1.0, -1.0, 2.5, -3.75, kInf, -kInf, kNaN, 1e-40, -1e-310, 1e30, -7e37, 65504, 0.1};
}

std::vector<double> random_floats(int n, uint32_t seed, double lo = -100, double hi = 100) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// ---- integer references (128-bit, wrapped into the dtype at the end) ----
__int128 floor_div(__int128 a, __int128 b) {
  __int128 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Values of an integer dtype as they are stored (wrapped), as 128-bit integers.
std::vector<__int128> int_values(Dtype t, const array& a) {
  const auto raw = to_int64s(a);
  std::vector<__int128> v;
  for (int64_t x : raw) v.push_back(t == uint64 ? static_cast<__int128>(static_cast<uint64_t>(x)) : x);
  return v;
}

std::vector<int64_t> int_samples(Dtype t) {
  std::vector<int64_t> v = {0, 1, 2, 3, 7, 100, 127};
  if (t == bool_) return {0, 1};
  const int64_t hi = static_cast<int64_t>(std::min<uint64_t>(int_max(t), INT64_MAX));
  v.push_back(hi);
  v.push_back(hi - 1);
  if (!is_unsigned(t)) {
    const int64_t lo = int_min(t);
    for (int64_t x : {-1, -2, -3, -7, -100}) v.push_back(x);
    v.push_back(lo);
    v.push_back(lo + 1);
  } else {
    v.push_back(static_cast<int64_t>(int_max(t) / 2 + 1));
    if (t == uint64) v.push_back(-1);  // the largest uint64
  }
  return v;
}

// All ordered pairs of xs as two flat arrays.
std::pair<array, array> all_pairs_int(const std::vector<int64_t>& xs, Dtype t) {
  std::vector<int64_t> a, b;
  for (int64_t x : xs)
    for (int64_t y : xs) a.push_back(x), b.push_back(y);
  return {from_int64s(a, t), from_int64s(b, t)};
}
std::pair<array, array> all_pairs_float(const std::vector<double>& xs, Dtype t) {
  std::vector<double> a, b;
  for (double x : xs)
    for (double y : xs) a.push_back(x), b.push_back(y);
  return {from_doubles(a, t), from_doubles(b, t)};
}

}  // namespace

// ---- floats ----
TEST(BinaryFloat, ArithmeticIsCorrectlyRoundedOnEveryFloatDtype) {
  struct Op {
    const char* name;
    BinFn fn;
    double (*ref)(double, double);
  };
  const Op ops[] = {{"add", add, [](double a, double b) { return a + b; }},
                    {"subtract", subtract, [](double a, double b) { return a - b; }},
                    {"multiply", multiply, [](double a, double b) { return a * b; }},
                    {"divide", divide, [](double a, double b) { return a / b; }}};
  for (Dtype t : kFloatDtypes)
    for (const auto& op : ops) {
      // Every pair of special values, then odd lengths with random values (SIMD tails).
      auto [x, y] = all_pairs_float(float_specials(), t);
      std::vector<std::pair<array, array>> inputs = {{x, y}};
      for (int n : {1, 7, 17, 1000})
        inputs.emplace_back(from_doubles(random_floats(n, n, -1e4, 1e4), t), from_doubles(random_floats(n, n + 1), t));
      for (auto& [a, b] : inputs) {
        const auto av = to_doubles(a), bv = to_doubles(b);
        const auto r = op.fn(a, b, {});
        ASSERT_EQ(r.dtype(), t);
        const auto rv = to_doubles(r);
        int bad = 0;
        for (size_t i = 0; i < av.size() && bad < 3; ++i) {
          const double want = round_to(t, op.ref(av[i], bv[i]));
          if (!same_value(rv[i], want))
            ++bad, ADD_FAILURE() << op.name << " " << t << ": " << av[i] << ", " << bv[i] << " gave " << rv[i]
                                 << ", want " << want;
        }
        // An operand repeated (a 0-d array on either side) takes the broadcasting kernels.
        const auto first_a = array(av[0], t), first_b = array(bv[0], t);
        const auto left = to_doubles(op.fn(first_a, b, {})), right = to_doubles(op.fn(a, first_b, {}));
        for (size_t i = 0; i < av.size(); ++i) {
          EXPECT_TRUE(same_value(left[i], round_to(t, op.ref(av[0], bv[i])))) << op.name << " " << t << " scalar left";
          EXPECT_TRUE(same_value(right[i], round_to(t, op.ref(av[i], bv[0]))))
              << op.name << " " << t << " scalar right";
        }
      }
    }
}

TEST(BinaryFloat, MaximumAndMinimumPropagateNaN) {
  for (Dtype t : kFloatDtypes)
    for (int n : {1, 7, 17, 1000}) {
      auto av = random_floats(n, 3 * n), bv = random_floats(n, 3 * n + 1);
      av[n - 1] = kNaN;  // in the tail
      if (n > 1) bv[n - 2] = kNaN;
      if (n > 8) av[3] = kNaN, bv[3] = kNaN, av[5] = kInf, bv[6] = -kInf;
      const auto a = from_doubles(av, t), b = from_doubles(bv, t);
      const auto ai = to_doubles(a), bi = to_doubles(b);
      const auto mx = to_doubles(maximum(a, b)), mn = to_doubles(minimum(a, b));
      for (int i = 0; i < n; ++i) {
        const bool nan = std::isnan(ai[i]) || std::isnan(bi[i]);
        EXPECT_TRUE(nan ? std::isnan(mx[i]) : mx[i] == std::max(ai[i], bi[i])) << t << " max " << ai[i] << " " << bi[i];
        EXPECT_TRUE(nan ? std::isnan(mn[i]) : mn[i] == std::min(ai[i], bi[i])) << t << " min " << ai[i] << " " << bi[i];
      }
      // NaN as a repeated scalar on either side.
      for (double v : to_doubles(maximum(a, array(kNaN, t)))) EXPECT_TRUE(std::isnan(v));
      for (double v : to_doubles(minimum(array(kNaN, t), b))) EXPECT_TRUE(std::isnan(v));
    }
}

TEST(BinaryFloat, FloorDivideAndRemainderFollowPython) {
  // Hand values, checked with numpy.
  const auto q = to_doubles(floor_divide(array({1.0, -7.5, 7.5, -7.5, 0.0, 5.0}, float64),
                                         array({0.1, 2.0, -2.0, -2.0, -1.0, 0.0}, float64)));
  EXPECT_EQ(q[0], 9.0);  // 0.1 is a little above 1/10
  EXPECT_EQ(q[1], -4.0);
  EXPECT_EQ(q[2], -4.0);
  EXPECT_EQ(q[3], 3.0);
  EXPECT_TRUE(std::signbit(q[4]));  // -0.0
  EXPECT_EQ(q[5], kInf);
  const auto r = to_doubles(remainder(array({1.0, -7.5, 7.5, -0.0, 0.0, 5.0, -5.0, 5.0}, float64),
                                      array({0.1, 2.0, -2.0, 1.0, -1.0, kInf, kInf, 0.0}, float64)));
  EXPECT_EQ(r[0], 0.09999999999999995);
  EXPECT_EQ(r[1], 0.5);
  EXPECT_EQ(r[2], -0.5);
  EXPECT_TRUE(same_value(r[3], 0.0));
  EXPECT_TRUE(same_value(r[4], -0.0));
  EXPECT_EQ(r[5], 5.0);
  EXPECT_EQ(r[6], kInf);
  EXPECT_TRUE(std::isnan(r[7]));
  EXPECT_TRUE(std::isnan(to_doubles(floor_divide(array(kInf, float32), array(2.0f)))[0]));
  // Random values on every float dtype against the exact quotient.
  for (Dtype t : kFloatDtypes)
    for (int n : {1, 7, 17, 1000}) {
      auto av = random_floats(n, 11 * n, -50, 50), bv = random_floats(n, 11 * n + 1, -7, 7);
      if (n > 4) bv[1] = 0, av[2] = 6, bv[2] = 3, av[3] = -6, bv[3] = 3, bv[4] = -kInf;
      const auto a = from_doubles(av, t), b = from_doubles(bv, t);
      const auto ai = to_doubles(a), bi = to_doubles(b);
      const auto qv = to_doubles(floor_divide(a, b)), rv = to_doubles(remainder(a, b));
      for (int i = 0; i < n; ++i) {
        EXPECT_TRUE(same_value(qv[i], round_to(t, ref_floordiv(ai[i], bi[i]))))
            << t << " " << ai[i] << " // " << bi[i] << " = " << qv[i];
        EXPECT_TRUE(same_value(rv[i], round_to(t, ref_remainder(t, ai[i], bi[i]))))
            << t << " " << ai[i] << " % " << bi[i] << " = " << rv[i];
      }
    }
}

TEST(BinaryFloat, PowerArcTan2AndLogAddExp) {
  const auto sp = float_specials();
  for (Dtype t : kFloatDtypes) {
    const double ulps = 1;  // scalar libm (powf, atan2f for float32 and the halves)
    auto [a, b] = all_pairs_float(sp, t);
    const auto ai = to_doubles(a), bi = to_doubles(b);
    const auto p = to_doubles(power(a, b)), at = to_doubles(arctan2(a, b)), la = to_doubles(logaddexp(a, b));
    for (size_t i = 0; i < ai.size(); ++i) {
      EXPECT_TRUE(close_ulps(p[i], std::pow(ai[i], bi[i]), t, ulps)) << t << " pow " << ai[i] << " " << bi[i];
      EXPECT_TRUE(close_ulps(at[i], std::atan2(ai[i], bi[i]), t, ulps)) << t << " atan2 " << ai[i] << " " << bi[i];
      EXPECT_TRUE(logaddexp_close(la[i], ai[i], bi[i], t)) << t;
    }
    for (int n : {1, 7, 17, 1000}) {
      const auto x = from_doubles(random_floats(n, 5 * n, -30, 30), t),
                 y = from_doubles(random_floats(n, 5 * n + 1, -30, 30), t);
      const auto xi = to_doubles(x), yi = to_doubles(y);
      const auto l = to_doubles(logaddexp(x, y)), l0 = to_doubles(logaddexp(x, array(yi[0], t)));
      const auto pw = to_doubles(power(abs(x), divide(y, 10)));
      const auto yd = to_doubles(divide(y, 10));
      for (int i = 0; i < n; ++i) {
        EXPECT_TRUE(logaddexp_close(l[i], xi[i], yi[i], t)) << t;
        EXPECT_TRUE(logaddexp_close(l0[i], xi[i], yi[0], t)) << t;
        EXPECT_TRUE(close_ulps(pw[i], std::pow(std::fabs(xi[i]), yd[i]), t, ulps)) << t;
      }
    }
  }
  // A scalar exponent of 2 takes a multiply: the same bits as pow, specials included.
  for (Dtype t : kFloatDtypes) {
    const auto x = from_doubles(float_specials(), t);
    const auto xi = to_doubles(x), sq = to_doubles(power(x, 2)), sq2 = to_doubles(power(x, array(2.0, t)));
    for (size_t i = 0; i < xi.size(); ++i) {
      EXPECT_TRUE(same_value(sq[i], round_to(t, std::pow(xi[i], 2.0)))) << t << " " << xi[i];
      EXPECT_TRUE(same_value(sq2[i], sq[i])) << t << " " << xi[i];
    }
  }
  // logaddexp with infinities, spelled out.
  const auto l = to_doubles(logaddexp(array({kInf, -kInf, kInf, -kInf, 3.0, kNaN, 1.0}, float32),
                                      array({kInf, -kInf, -kInf, 3.0, -kInf, 1.0, kNaN}, float32)));
  EXPECT_EQ(l[0], kInf);
  EXPECT_EQ(l[1], -kInf);
  EXPECT_EQ(l[2], kInf);
  EXPECT_EQ(l[3], 3.0);
  EXPECT_EQ(l[4], 3.0);
  EXPECT_TRUE(std::isnan(l[5]));
  EXPECT_TRUE(std::isnan(l[6]));
  EXPECT_FLOAT_EQ(to_doubles(logaddexp(array(1000.0f), array(1000.0f)))[0], 1000.0f + std::log(2.0f));
}

TEST(BinaryFloat, EverySimdTargetGivesTheSameAnswers) {
  const auto sp = float_specials();
  for (Dtype t : {float32, float64}) {
    auto [a, b] = all_pairs_float(sp, t);
    a.eval();
    b.eval();
    const auto ai = to_doubles(a), bi = to_doubles(b);
    for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
      hwy::SetSupportedTargetsForTest(target);
      const auto s = to_doubles(add(a, b)), mx = to_doubles(maximum(a, b)), la = to_doubles(logaddexp(a, b));
      for (size_t i = 0; i < ai.size(); ++i) {
        EXPECT_TRUE(same_value(s[i], round_to(t, ai[i] + bi[i]))) << hwy::TargetName(target);
        const bool nan = std::isnan(ai[i]) || std::isnan(bi[i]);
        EXPECT_TRUE(nan ? std::isnan(mx[i]) : mx[i] == std::max(ai[i], bi[i])) << hwy::TargetName(target);
        EXPECT_TRUE(logaddexp_close(la[i], ai[i], bi[i], t)) << hwy::TargetName(target);
      }
    }
    hwy::SetSupportedTargetsForTest(0);
  }
}

TEST(BinaryFloat, ComparisonsWithNaNAndSignedZeros) {
  for (Dtype t : kFloatDtypes) {
    auto [a, b] = all_pairs_float(float_specials(), t);
    const auto ai = to_doubles(a), bi = to_doubles(b);
    const auto eq = to_doubles(equal(a, b)), ne = to_doubles(not_equal(a, b)), lt = to_doubles(less(a, b)),
               le = to_doubles(less_equal(a, b)), gt = to_doubles(greater(a, b)), ge = to_doubles(greater_equal(a, b));
    EXPECT_EQ(equal(a, b).dtype(), bool_);
    for (size_t i = 0; i < ai.size(); ++i) {
      EXPECT_EQ(eq[i], ai[i] == bi[i]) << t << " " << ai[i] << " == " << bi[i];
      EXPECT_EQ(ne[i], ai[i] != bi[i]) << t << " " << ai[i] << " != " << bi[i];
      EXPECT_EQ(lt[i], ai[i] < bi[i]) << t << " " << ai[i] << " < " << bi[i];
      EXPECT_EQ(le[i], ai[i] <= bi[i]) << t << " " << ai[i] << " <= " << bi[i];
      EXPECT_EQ(gt[i], ai[i] > bi[i]) << t << " " << ai[i] << " > " << bi[i];
      EXPECT_EQ(ge[i], ai[i] >= bi[i]) << t << " " << ai[i] << " >= " << bi[i];
    }
  }
  EXPECT_EQ(to_doubles(equal(array({kNaN, 0.0}, float32), array({kNaN, -0.0}, float32))), (std::vector<double>{0, 1}));
  EXPECT_EQ(to_doubles(not_equal(array(kNaN, float32), array(kNaN, float32))), (std::vector<double>{1}));
}

// ---- integers ----
TEST(BinaryInt, ArithmeticWrapsAndDivisionFollowsPython) {
  for (Dtype t : kIntDtypes) {
    auto [a, b] = all_pairs_int(int_samples(t), t);
    const auto av = int_values(t, a), bv = int_values(t, b);
    struct R {
      const char* name;
      array got;
      std::function<__int128(__int128, __int128)> ref;
    };
    const int bits = static_cast<int>(size_of(t)) * 8;
    const R rs[] = {
        {"add", add(a, b), [](__int128 x, __int128 y) { return x + y; }},
        {"subtract", subtract(a, b), [](__int128 x, __int128 y) { return x - y; }},
        {"multiply", multiply(a, b),
         [](__int128 x, __int128 y) {
           return static_cast<__int128>(static_cast<unsigned __int128>(x) * static_cast<unsigned __int128>(y));
         }},
        {"floor_divide", floor_divide(a, b), [](__int128 x, __int128 y) { return y == 0 ? 0 : floor_div(x, y); }},
        {"remainder", remainder(a, b), [](__int128 x, __int128 y) { return y == 0 ? 0 : x - y * floor_div(x, y); }},
        {"maximum", maximum(a, b), [](__int128 x, __int128 y) { return std::max(x, y); }},
        {"minimum", minimum(a, b), [](__int128 x, __int128 y) { return std::min(x, y); }},
        {"bitwise_and", bitwise_and(a, b), [](__int128 x, __int128 y) { return x & y; }},
        {"bitwise_or", bitwise_or(a, b), [](__int128 x, __int128 y) { return x | y; }},
        {"bitwise_xor", bitwise_xor(a, b), [](__int128 x, __int128 y) { return x ^ y; }},
        {"left_shift", left_shift(a, b),
         [bits](__int128 x, __int128 y) {
           return y < 0 || y >= bits ? 0
                                     : static_cast<__int128>(static_cast<unsigned __int128>(x) << static_cast<int>(y));
         }},
        {"right_shift", right_shift(a, b),
         [bits](__int128 x, __int128 y) { return y < 0 || y >= bits ? (x < 0 ? -1 : 0) : x >> static_cast<int>(y); }},
    };
    for (const auto& r : rs) {
      ASSERT_EQ(r.got.dtype(), t) << r.name;
      const auto gv = to_int64s(r.got);
      int bad = 0;
      for (size_t i = 0; i < av.size() && bad < 3; ++i) {
        const int64_t want = wrap_to(t, r.ref(av[i], bv[i]));
        if (gv[i] != want)
          ++bad, ADD_FAILURE() << r.name << " " << t << ": " << static_cast<int64_t>(av[i]) << ", "
                               << static_cast<int64_t>(bv[i]) << " gave " << gv[i] << ", want " << want;
      }
    }
  }
}

TEST(BinaryInt, EdgeCasesSpelledOut) {
  // Python's signs.
  const auto a = array({-7, 7, -7, 7, 0, -1});
  const auto b = array({2, -2, -2, 2, -3, 5});
  EXPECT_EQ(to_int64s(floor_divide(a, b)), (std::vector<int64_t>{-4, -4, 3, 3, 0, -1}));
  EXPECT_EQ(to_int64s(remainder(a, b)), (std::vector<int64_t>{1, -1, -1, 1, 0, 4}));
  EXPECT_EQ(to_int64s(a % b), (std::vector<int64_t>{1, -1, -1, 1, 0, 4}));
  // Division and remainder by zero give 0 and never trap, INT_MIN // -1 wraps.
  for (Dtype t : {int8, int16, int32, int64}) {
    const auto x = from_int64s({5, -5, int_min(t), int_min(t), 0}, t), y = from_int64s({0, 0, -1, 0, 0}, t);
    EXPECT_EQ(to_int64s(floor_divide(x, y)), (std::vector<int64_t>{0, 0, int_min(t), 0, 0})) << t;
    EXPECT_EQ(to_int64s(remainder(x, y)), (std::vector<int64_t>{0, 0, 0, 0, 0})) << t;
    const auto [q, r] = divmod(x, y);
    EXPECT_EQ(to_int64s(q), (std::vector<int64_t>{0, 0, int_min(t), 0, 0})) << t;
    EXPECT_EQ(to_int64s(r), (std::vector<int64_t>{0, 0, 0, 0, 0})) << t;
  }
  EXPECT_EQ(to_int64s(floor_divide(from_int64s({7, 0}, uint8), from_int64s({0, 0}, uint8))),
            (std::vector<int64_t>{0, 0}));
  // Shifts by the bit width or more, and negative counts, shift everything out.
  EXPECT_EQ(to_int64s(left_shift(array({1, 1, 1, 1}), array({31, 32, 40, -1}))),
            (std::vector<int64_t>{INT32_MIN, 0, 0, 0}));
  EXPECT_EQ(to_int64s(right_shift(array({-8, -8, 8, -1}), array({1, 32, 32, 100}))),
            (std::vector<int64_t>{-4, -1, 0, -1}));
  EXPECT_EQ(to_int64s(right_shift(from_int64s({255, 128}, uint8), from_int64s({4, 8}, uint8))),
            (std::vector<int64_t>{15, 0}));
  EXPECT_EQ(to_int64s(left_shift(from_int64s({255}, uint8), 1)), (std::vector<int64_t>{254}));
  // Overflowing products of narrow types wrap (computed wide enough to stay defined).
  EXPECT_EQ(to_int64s(multiply(from_int64s({65535, 300}, uint16), from_int64s({65535, 300}, uint16))),
            (std::vector<int64_t>{1, 24464}));
  EXPECT_EQ(to_int64s(multiply(from_int64s({-32768}, int16), from_int64s({-1}, int16))),
            (std::vector<int64_t>{-32768}));
}

TEST(BinaryInt, PowerIncludingNegativeExponents) {
  EXPECT_EQ(
      to_int64s(power(array({2, 3, -2, 0, 5, 1, -1, -1, 2, 0, 7}), array({10, 3, 3, 0, 0, -5, -3, -4, -1, -1, 1}))),
      (std::vector<int64_t>{1024, 27, -8, 1, 1, 1, -1, 1, 0, 0, 7}));
  EXPECT_EQ(to_int64s(power(from_int64s({2, 3}, uint8), from_int64s({8, 5}, uint8))), (std::vector<int64_t>{0, 243}));
  EXPECT_EQ(to_int64s(power(from_int64s({3}, int64), from_int64s({40}, int64))),
            (std::vector<int64_t>{-6289078614652622815}));  // 3^40 - 2^64
  EXPECT_EQ(to_int64s(power(from_int64s({2, 255}, uint16), from_int64s({16, 2}, uint16))),
            (std::vector<int64_t>{0, 65025}));
  for (Dtype t : kIntDtypes) {  // against 128-bit repeated multiplication
    const std::vector<int64_t> base = {0, 1, 2, 3, 7, 10, is_unsigned(t) ? 200 : -3};
    const std::vector<int64_t> ex = {0, 1, 2, 5, 9, 13, 31, 62, 63, 64, 65};
    std::vector<int64_t> av, bv;
    for (int64_t x : base)
      for (int64_t e : ex) av.push_back(x), bv.push_back(e);
    const auto a = from_int64s(av, t), b = from_int64s(bv, t);
    const auto ai = int_values(t, a), bi = int_values(t, b);
    const auto got = to_int64s(power(a, b));
    for (size_t i = 0; i < av.size(); ++i) {
      unsigned __int128 r = 1;
      for (__int128 k = 0; k < bi[i]; ++k) r *= static_cast<unsigned __int128>(ai[i]);
      EXPECT_EQ(got[i], wrap_to(t, static_cast<__int128>(r)))
          << t << " " << static_cast<int64_t>(ai[i]) << "^" << static_cast<int64_t>(bi[i]);
    }
  }
}

TEST(BinaryInt, ComparisonsAndLogicalOpsOnEveryDtype) {
  for (Dtype t : kIntDtypes) {
    auto [a, b] = all_pairs_int(int_samples(t), t);
    const auto av = int_values(t, a), bv = int_values(t, b);
    const auto lt = to_doubles(less(a, b)), eq = to_doubles(equal(a, b)), ge = to_doubles(greater_equal(a, b));
    const auto la = to_doubles(logical_and(a, b)), lo = to_doubles(logical_or(a, b));
    EXPECT_EQ(logical_and(a, b).dtype(), bool_);
    for (size_t i = 0; i < av.size(); ++i) {
      EXPECT_EQ(lt[i], av[i] < bv[i]) << t;
      EXPECT_EQ(eq[i], av[i] == bv[i]) << t;
      EXPECT_EQ(ge[i], av[i] >= bv[i]) << t;
      EXPECT_EQ(la[i], av[i] != 0 && bv[i] != 0) << t;
      EXPECT_EQ(lo[i], av[i] != 0 || bv[i] != 0) << t;
    }
  }
  // Mixed signedness compares in the promoted type (uint64 with a signed type: float32, as MLX).
  EXPECT_EQ(to_doubles(less(from_int64s({-1}, int8), from_int64s({200}, uint8))), (std::vector<double>{1}));
  EXPECT_EQ(to_doubles(less(from_int64s({-1}, int32), from_int64s({3000000000}, uint32))), (std::vector<double>{1}));
  // Logical ops on floats: NaN is true.
  EXPECT_EQ(to_doubles(logical_and(array({kNaN, 0.0, 2.0}, float32), array({1.0f, 1.0f, -0.0f}))),
            (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(to_doubles(logical_or(array({0.0f, 0.0f}), 0.5)), (std::vector<double>{1, 1}));
}

TEST(BinaryBool, ArithmeticAndLogic) {
  const auto a = array({false, false, true, true}), b = array({false, true, false, true});
  EXPECT_EQ(add(a, b).dtype(), bool_);
  EXPECT_EQ(to_doubles(add(a, b)), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(to_doubles(multiply(a, b)), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(to_doubles(maximum(a, b)), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(to_doubles(minimum(a, b)), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(to_doubles(logical_and(a, b)), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(to_doubles(logical_or(a, b)), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(to_doubles(bitwise_xor(a, b)), (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(to_doubles(bitwise_and(a, b)), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(to_doubles(bitwise_or(a, b)), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(bitwise_or(a, b).dtype(), bool_);
  EXPECT_EQ(to_doubles(equal(a, b)), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(to_doubles(less(a, b)), (std::vector<double>{0, 1, 0, 0}));
  EXPECT_EQ(to_doubles(power(a, b)), (std::vector<double>{1, 0, 1, 1}));
  EXPECT_EQ(to_doubles(floor_divide(a, b)), (std::vector<double>{0, 0, 0, 1}));  // by False: 0
  const auto dv = to_doubles(divide(a, b));                                      // true division: float32
  EXPECT_TRUE(std::isnan(dv[0]));
  EXPECT_EQ(dv[1], 0);
  EXPECT_EQ(dv[2], kInf);
  EXPECT_EQ(dv[3], 1);
  EXPECT_EQ(divide(a, b).dtype(), float32);
  EXPECT_EQ(to_doubles(a && b), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(to_doubles(a || b), (std::vector<double>{0, 1, 1, 1}));
}

// ---- broadcasting, shapes, scalars ----
namespace {
// c[i, j] from row-major inputs of shapes (ra, ca) and (rb, cb) broadcast to (r, c).
void check_broadcast(const Shape& sa, const Shape& sb, const Shape& want) {
  const int64_t na = shape_size(sa), nb = shape_size(sb);
  std::vector<float> av(na), bv(nb);
  for (int64_t i = 0; i < na; ++i) av[i] = static_cast<float>(i + 1);
  for (int64_t i = 0; i < nb; ++i) bv[i] = static_cast<float>(100 * (i + 1));
  const auto a = array(av, sa), b = array(bv, sb);
  const auto r = add(a, b), r2 = subtract(b, a);
  ASSERT_EQ(r.shape(), want) << shape_str(sa) << " + " << shape_str(sb);
  ASSERT_EQ(r2.shape(), want);
  const auto rv = to_doubles(r), r2v = to_doubles(r2);
  // Index each operand by the broadcast rule: right-aligned, size-1 dimensions repeat.
  const int nd = static_cast<int>(want.size());
  auto index_of = [&](const Shape& s, std::vector<int64_t> idx) {
    int64_t off = 0, stride = 1;
    for (int d = static_cast<int>(s.size()) - 1, k = nd - 1; d >= 0; --d, --k) {
      off += (s[d] == 1 ? 0 : idx[k]) * stride;
      stride *= s[d];
    }
    return off;
  };
  std::vector<int64_t> idx(nd, 0);
  for (size_t flat = 0; flat < rv.size(); ++flat) {
    const double x = av[index_of(sa, idx)], y = bv[index_of(sb, idx)];
    EXPECT_EQ(rv[flat], x + y) << shape_str(sa) << " + " << shape_str(sb) << " at " << flat;
    EXPECT_EQ(r2v[flat], y - x);
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < want[d]) break;
      idx[d] = 0;
    }
  }
}
}  // namespace

TEST(BinaryBroadcast, ShapesCombine) {
  check_broadcast({3, 1}, {1, 4}, {3, 4});  // column with row: both sides broadcast
  check_broadcast({4}, {3, 4}, {3, 4});     // row
  check_broadcast({3, 1}, {3, 4}, {3, 4});  // column
  check_broadcast({}, {2, 3}, {2, 3});      // 0-d scalar
  check_broadcast({2, 3}, {}, {2, 3});
  check_broadcast({2, 1, 3}, {4, 1}, {2, 4, 3});
  check_broadcast({1}, {5}, {5});
  check_broadcast({}, {}, {});
  check_broadcast({2, 3, 4}, {2, 3, 4}, {2, 3, 4});
  check_broadcast({1, 1, 1}, {17}, {1, 1, 17});
  check_broadcast({5, 1, 7}, {1, 6, 1}, {5, 6, 7});
  check_broadcast({0, 3}, {3}, {0, 3});  // empty
  check_broadcast({0}, {1}, {0});
  check_broadcast({2, 0}, {2, 1}, {2, 0});
}

TEST(BinaryBroadcast, MismatchesNameTheOpAndBothShapes) {
  const auto a = zeros({2, 3}), b = zeros({4});
  struct Case {
    const char* name;
    std::function<void()> f;
  };
  const Case cases[] = {{"[add]", [&] { add(a, b); }},
                        {"[multiply]", [&] { multiply(a, b); }},
                        {"[less]", [&] { less(a, b); }},
                        {"[logaddexp]", [&] { logaddexp(a, b); }},
                        {"[bitwise_and]", [&] { bitwise_and(astype(a, int32), astype(b, int32)); }},
                        {"[divmod]", [&] { divmod(a, b); }},
                        {"[logical_or]", [&] { logical_or(a, b); }}};
  for (const auto& c : cases) {
    const auto msg = error_of(c.f);
    EXPECT_THAT(msg, HasSubstr(c.name));
    EXPECT_THAT(msg, HasSubstr("(2,3)"));
    EXPECT_THAT(msg, HasSubstr("(4,)"));
  }
  EXPECT_THAT(error_of([] { add(zeros({2, 3}), zeros({3, 2})); }), HasSubstr("(3,2)"));
  EXPECT_THAT(error_of([] { add(zeros({0}), zeros({2})); }), HasSubstr("[add]"));
}

TEST(BinaryShapes, ZeroDimensionalAndEmpty) {
  auto s = add(array(2.0f), array(3.0f));
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_EQ(s.item<float>(), 5.0f);
  auto si = multiply(array(int16_t{300}), array(int16_t{300}));
  EXPECT_EQ(si.dtype(), int16);
  EXPECT_EQ(si.item<int>(), static_cast<int16_t>(90000));
  for (Dtype t : {float32, float16, int32, bool_, uint8}) {
    auto e = t == bool_ ? logical_and(zeros({0, 5}, t), zeros({5}, t)) : add(zeros({0, 5}, t), zeros({1, 5}, t));
    e.eval();
    EXPECT_EQ(e.shape(), (Shape{0, 5}));
    EXPECT_EQ(e.size(), 0);
    auto c = less(zeros({3, 0}, t), array(1));
    c.eval();
    EXPECT_EQ(c.shape(), (Shape{3, 0}));
  }
  auto [q, r] = divmod(zeros({0}), zeros({0}));
  eval({q, r});
  EXPECT_EQ(q.size(), 0);
  EXPECT_EQ(r.size(), 0);
}

TEST(BinaryScalars, WeakScalarsOnEitherSide) {
  const auto x = array({1.0f, 2.0f, 3.0f}, float16);
  EXPECT_EQ(to_doubles(x * 2), (std::vector<double>{2, 4, 6}));
  EXPECT_EQ((x * 2).dtype(), float16);
  EXPECT_EQ(to_doubles(2.5 - x), (std::vector<double>{1.5, 0.5, -0.5}));
  EXPECT_EQ(to_doubles(maximum(x, 2)), (std::vector<double>{2, 2, 3}));
  EXPECT_EQ(to_doubles(minimum(2, x)), (std::vector<double>{1, 2, 2}));
  EXPECT_EQ(to_doubles(x > 1.5), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(to_doubles(array({5, 6}) / 2), (std::vector<double>{2.5, 3}));
  EXPECT_EQ((array({5, 6}) / 2).dtype(), float32);
  EXPECT_EQ(to_int64s(floor_divide(array({5, -6}), 4)), (std::vector<int64_t>{1, -2}));
  EXPECT_EQ(to_int64s(floor_divide(-7, array({2, -2}))), (std::vector<int64_t>{-4, 3}));
  EXPECT_EQ(to_int64s(array({1, 2}, uint8) << 3), (std::vector<int64_t>{8, 16}));
  EXPECT_EQ(to_int64s(right_shift(256, from_int64s({1, 4}, int32))), (std::vector<int64_t>{128, 16}));
  EXPECT_EQ(to_int64s(array({0b1100}, int8) & 0b1010), (std::vector<int64_t>{0b1000}));
  EXPECT_EQ((array({1}, int8) & 3).dtype(), int8);
  EXPECT_EQ(to_doubles(power(array({2.0f, 3.0f}), 2)), (std::vector<double>{4, 9}));
  EXPECT_EQ(to_doubles(power(2.0f, array({3.0f, -1.0f}))), (std::vector<double>{8, 0.5}));
  EXPECT_EQ(to_doubles(array({true, false}) + 1.5), (std::vector<double>{2.5, 1.5}));
}

TEST(BinaryDivMod, TwoOutputsMatchFloorDivideAndRemainder) {
  for (Dtype t : {int8, int32, int64, uint8, uint32, float16, bfloat16, float32, float64}) {
    std::vector<double> av = {7, 8, 100, 5, 0, 1, 127}, bv = {2, 3, 7, 0, 3, 1, 10};
    if (!is_unsigned(t)) av.insert(av.end(), {-7, -8, 7, -100}), bv.insert(bv.end(), {2, -3, -2, -7});
    if (is_floating_point(t)) av.insert(av.end(), {7.5, -7.5, 1.0, kInf}), bv.insert(bv.end(), {2, 2, 0.1, 2});
    const auto a = from_doubles(av, t), b = from_doubles(bv, t);
    auto [q, r] = divmod(a, b);
    EXPECT_EQ(q.dtype(), t);
    EXPECT_EQ(r.dtype(), t);
    EXPECT_EQ(q.shape(), a.shape());
    EXPECT_TRUE(q.has_node() && r.has_node() && &q.primitive() == &r.primitive()) << "one node, two outputs";
    const auto qv = to_doubles(q), rv = to_doubles(r), fq = to_doubles(floor_divide(a, b)),
               fr = to_doubles(remainder(a, b));
    for (size_t i = 0; i < av.size(); ++i) {
      EXPECT_TRUE(same_value(qv[i], fq[i])) << t << " " << av[i] << " // " << bv[i];
      EXPECT_TRUE(same_value(rv[i], fr[i])) << t << " " << av[i] << " % " << bv[i];
      if (bv[i] != 0 && std::isfinite(av[i]) && !is_floating_point(t)) EXPECT_EQ(qv[i] * bv[i] + rv[i], av[i]) << t;
    }
  }
  auto [q, r] = divmod(array({7.0f, -7.0f}), 2);  // a weak scalar divisor
  EXPECT_EQ(to_doubles(q), (std::vector<double>{3, -4}));
  EXPECT_EQ(to_doubles(r), (std::vector<double>{1, 1}));
  auto [q2, r2] = divmod(zeros({3, 1}, int32) + 7, array({2, 3}));  // broadcast
  EXPECT_EQ(q2.shape(), (Shape{3, 2}));
  EXPECT_EQ(to_int64s(q2), (std::vector<int64_t>{3, 2, 3, 2, 3, 2}));
  EXPECT_EQ(to_int64s(r2), (std::vector<int64_t>{1, 1, 1, 1, 1, 1}));
}

// ---- errors ----
TEST(BinaryErrors, BitwiseAndShiftsRejectWrongDtypes) {
  const auto f = array({1.0f}), h = array({1.0f}, float16), b = array({true}), i = array({1});
  for (auto [name, fn] : std::vector<std::pair<const char*, BinFn>>{
           {"[bitwise_and]", bitwise_and}, {"[bitwise_or]", bitwise_or}, {"[bitwise_xor]", bitwise_xor}}) {
    auto msg = error_of([&] { fn(f, i, {}); });
    EXPECT_THAT(msg, HasSubstr(name));
    EXPECT_THAT(msg, HasSubstr("float32"));
    EXPECT_THAT(error_of([&] { fn(h, h, {}); }), HasSubstr(name));
    EXPECT_THAT(error_of([&] { fn(i, 1.5, {}); }), HasSubstr(name));  // a float scalar makes it float
  }
  for (auto [name, fn] :
       std::vector<std::pair<const char*, BinFn>>{{"[left_shift]", left_shift}, {"[right_shift]", right_shift}}) {
    auto msg = error_of([&] { fn(b, b, {}); });
    EXPECT_THAT(msg, HasSubstr(name));
    EXPECT_THAT(msg, HasSubstr("bool"));
    EXPECT_THAT(error_of([&] { fn(f, i, {}); }), HasSubstr(name));
    EXPECT_THAT(error_of([&] { fn(i, f, {}); }), HasSubstr("float32"));
  }
  EXPECT_THAT(error_of([&] { f & i; }), HasSubstr("[bitwise_and]"));
  // A bool array with an int scalar computes in int32, where shifts are fine.
  EXPECT_EQ((b << 1).dtype(), int32);
  EXPECT_EQ(to_int64s(b << 3), (std::vector<int64_t>{8}));
}

TEST(BinaryErrors, SubtractingBoolsIsAnError) {
  const auto b = array({true, false});
  auto msg = error_of([&] { subtract(b, b); });
  EXPECT_THAT(msg, HasSubstr("[subtract]"));
  EXPECT_THAT(msg, HasSubstr("bool"));
  EXPECT_EQ(subtract(b, 1).dtype(), int32);  // an int scalar lifts bool to int32 first
}

// ---- non-contiguous inputs (transpose, slice and broadcast views) ----
TEST(BinaryLayouts, NonContiguousInputsMatchContiguousOnes) {
  std::vector<float> av(4 * 6), bv(6 * 4);
  for (size_t i = 0; i < av.size(); ++i) av[i] = static_cast<float>(i) * 0.5f - 3;
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = static_cast<float>(i % 7) - 2.5f;
  const auto a = array(av, {4, 6}), b = array(bv, {6, 4});
  const auto at = transpose(a);                           // (6, 4), column-major
  const auto at_c = copy(at);                             // the same values, row-major
  const auto bs = slice(b, {0, 0}, {6, 4}, Shape{2, 1});  // (3, 4), every other row
  const auto bs_c = copy(bs);
  const auto rev = slice(b, {5, 3}, {-7, -5}, Shape{-1, -1});  // reversed: negative strides
  const auto rev_c = copy(rev);
  for (BinFn fn : {add, multiply, maximum, logaddexp, less, floor_divide, power}) {
    auto same = [&](const array& x, const array& y) {
      const auto xv = to_doubles(x), yv = to_doubles(y);
      ASSERT_EQ(x.shape(), y.shape());
      for (size_t i = 0; i < xv.size(); ++i) EXPECT_TRUE(same_value(xv[i], yv[i])) << i;
    };
    same(fn(at, b, {}), fn(at_c, b, {}));
    same(fn(b, at, {}), fn(b, at_c, {}));
    same(fn(at, at, {}), fn(at_c, at_c, {}));  // both transposed: the output may stay transposed
    same(fn(bs, array(1.5f), {}), fn(bs_c, array(1.5f), {}));
    same(fn(rev, at, {}), fn(rev_c, at_c, {}));
    same(fn(transpose(bs), array({1.0f, 2.0f, 3.0f}), {}), fn(copy(transpose(bs)), array({1.0f, 2.0f, 3.0f}), {}));
    same(fn(broadcast_to(array({2.0f, -1.0f, 0.5f, 4.0f}), {6, 4}), rev, {}),
         fn(copy(broadcast_to(array({2.0f, -1.0f, 0.5f, 4.0f}), {6, 4})), rev_c, {}));
  }
  // Integer and half inputs through the strided gather.
  const auto ai = astype(a, int32), bi = astype(b, int32);
  EXPECT_EQ(to_int64s(remainder(transpose(ai), bi)), to_int64s(remainder(copy(transpose(ai)), bi)));
  const auto ah = astype(a, float16), bh = astype(b, bfloat16);
  EXPECT_EQ(to_doubles(subtract(transpose(ah), astype(bh, float16))),
            to_doubles(subtract(copy(transpose(ah)), astype(bh, float16))));
  EXPECT_EQ(to_doubles(exp(transpose(ah))), to_doubles(exp(copy(transpose(ah)))));
  EXPECT_EQ(to_doubles(astype(transpose(ah), float32)), to_doubles(astype(copy(transpose(ah)), float32)));
  EXPECT_EQ(to_doubles(round(slice(bh, {0, 0}, {6, 4}, Shape{3, 2}), 1)),
            to_doubles(round(copy(slice(bh, {0, 0}, {6, 4}, Shape{3, 2})), 1)));
}

// ---- nodes rebuilt from a file check their inputs before any kernel runs ----
namespace {
std::shared_ptr<Primitive> from_registry(const std::string& name) {
  StateReader r(nullptr, 0, name);  // these primitives have no state
  return primitive_registry().entries().at(name).factory(r);
}
}  // namespace

TEST(ElementwiseImport, NodesRejectInputsNoOpBuilderMakes) {
  const auto f = zeros({2}), i = zeros({2}, int32), b = zeros({2}, bool_);
  auto rejects = [](const std::string& name, const Arrays& in) {
    const auto msg = error_of([&] { from_registry(name)->check_inputs(in); });
    EXPECT_THAT(msg, HasSubstr("[" + name + "]")) << name;
  };
  auto accepts = [](const std::string& name, const Arrays& in) {
    EXPECT_NO_THROW(from_registry(name)->check_inputs(in)) << name;
  };
  rejects("Exp", {i});  // integer math would run the integer table
  rejects("Sqrt", {b});
  rejects("BitwiseInvert", {f});
  rejects("Exp", {f, f});
  accepts("Exp", {f});
  accepts("Abs", {i});
  accepts("IsNaN", {b});
  accepts("BitwiseInvert", {b});
  rejects("Divide", {i, i});
  rejects("LogAddExp", {b, b});
  rejects("LeftShift", {b, b});
  rejects("RightShift", {f, f});
  rejects("BitwiseAnd", {f, f});
  rejects("LogicalOr", {f, f});
  rejects("Add", {f, i});  // one dtype for both
  rejects("Add", {f});
  rejects("DivMod", {f});
  accepts("Add", {i, i});
  accepts("LeftShift", {i, i});
  accepts("LogicalAnd", {b, b});
  accepts("Less", {f, f});
  accepts("DivMod", {b, b});
}
