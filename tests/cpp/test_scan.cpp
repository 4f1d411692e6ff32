// cumsum, cumprod, cummax, cummin and logcumsumexp, checked against plain loops in double (integer
// results wrapped to their dtype by hand) for every dtype, axis, direction and inclusiveness.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "ingot/ingot.h"
#include "prims/primitive.h"
#include "test_util.h"

using namespace ingot;
using ingot::testing::numel;
using ingot::testing::Rng;
using ingot::testing::error_of;
using ingot::testing::vals;
using ::testing::HasSubstr;

namespace {

using V = std::vector<double>;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

enum class Op { sum, prod, max, min, lse };
const char* op_name(Op op) {
  switch (op) {
    case Op::sum: return "cumsum";
    case Op::prod: return "cumprod";
    case Op::max: return "cummax";
    case Op::min: return "cummin";
    default: return "logcumsumexp";
  }
}
array run(Op op, const array& a, std::optional<int> axis, bool reverse = false, bool inclusive = true) {
  switch (op) {
    case Op::sum: return cumsum(a, axis, reverse, inclusive);
    case Op::prod: return cumprod(a, axis, reverse, inclusive);
    case Op::max: return cummax(a, axis, reverse, inclusive);
    case Op::min: return cummin(a, axis, reverse, inclusive);
    default: return logcumsumexp(a, axis, reverse, inclusive);
  }
}

// The extremes of a dtype as doubles: the identities of an exclusive cummax / cummin.
double lowest(Dtype t) {
  switch (t) {
    case bool_: return 0;
    case uint8: case uint16: case uint32: case uint64: return 0;
    case int8: return INT8_MIN;
    case int16: return INT16_MIN;
    case int32: return INT32_MIN;
    case int64: return static_cast<double>(INT64_MIN);
    default: return -kInf;
  }
}
double highest(Dtype t) {
  switch (t) {
    case bool_: return 1;
    case uint8: return UINT8_MAX;
    case uint16: return UINT16_MAX;
    case uint32: return UINT32_MAX;
    case uint64: return static_cast<double>(UINT64_MAX);
    case int8: return INT8_MAX;
    case int16: return INT16_MAX;
    case int32: return INT32_MAX;
    case int64: return static_cast<double>(INT64_MAX);
    default: return kInf;
  }
}

// An exact integer wrapped to dtype t, as two's complement arithmetic does.
double wrap(double x, Dtype t) {
  if (t == bool_) return x != 0;
  const int bits = static_cast<int>(size_of(t)) * 8;
  if (bits == 64) return x;  // the tests keep 64-bit results in range
  const int64_t m = int64_t{1} << bits;
  int64_t v = static_cast<int64_t>(x) % m;
  if (v < 0) v += m;
  if (!is_unsigned(t) && v >= m / 2) v -= m;
  return static_cast<double>(v);
}

double combine(Op op, double acc, double x) {
  switch (op) {
    case Op::sum: return acc + x;
    case Op::prod: return acc * x;
    case Op::max: return std::isnan(acc) || std::isnan(x) ? kNaN : std::max(acc, x);
    case Op::min: return std::isnan(acc) || std::isnan(x) ? kNaN : std::min(acc, x);
    default: {
      if (std::isnan(acc) || std::isnan(x)) return kNaN;
      const double m = std::max(acc, x);
      if (m == -kInf || m == kInf) return m;
      return m + std::log(std::exp(acc - m) + std::exp(x - m));
    }
  }
}

double identity(Op op, Dtype t) {
  switch (op) {
    case Op::sum: return 0;
    case Op::prod: return 1;
    case Op::max: return lowest(t);
    case Op::min: return highest(t);
    default: return -kInf;
  }
}

// The scan along `axis` of row-major values of shape s, for a result of dtype t.
V ref_scan(const V& v, const Shape& s, int axis, Op op, bool reverse, bool inclusive, Dtype t) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[d];
  const int64_t n = s[axis];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  V out(v.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < inner; ++c) {
      double acc = identity(op, t);
      for (int64_t j = 0; j < n; ++j) {
        const int64_t i = (o * n + (reverse ? n - 1 - j : j)) * inner + c;
        if (inclusive) {
          acc = j == 0 ? v[i] : combine(op, acc, v[i]);
          out[i] = acc;
        } else {
          out[i] = acc;
          acc = combine(op, acc, v[i]);
        }
      }
    }
  if (!is_floating_point(t))
    for (auto& x : out) x = wrap(x, t);
  return out;
}

double tolerance(Dtype t) {
  switch (t) {
    case float16: return 4e-3;
    case bfloat16: return 2e-2;
    case float32: return 2e-6;
    case float64: return 1e-13;
    default: return 0;
  }
}

void expect_close(const V& got, const V& want, Dtype t) {
  ASSERT_EQ(got.size(), want.size());
  const double tol = tolerance(t);
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i]) || std::isinf(want[i])) {
      EXPECT_TRUE(std::isnan(want[i]) ? std::isnan(got[i]) : got[i] == want[i]) << "at " << i << ": " << got[i];
    } else {
      EXPECT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << "at " << i;
    }
  }
}

// Inputs per dtype family: bools, small integers, and floats of magnitude near 1 for products.
V inputs(int64_t n, Dtype t, Op op, uint64_t seed) {
  Rng r{seed};
  V v(n);
  for (auto& x : v) {
    const double u = r.next();
    if (t == bool_) x = u < 0.6;
    else if (is_unsigned(t)) x = std::floor(u * (op == Op::prod ? 4 : 9));
    else if (is_integral(t)) x = std::floor(u * (op == Op::prod ? 7 : 13)) - (op == Op::prod ? 3 : 6);
    else if (op == Op::prod) x = (0.8 + 0.45 * r.next()) * (u < 0.5 ? -1 : 1);
    else x = std::floor(u * 16) / 2 - 4;
  }
  return v;
}

Dtype result_dtype(Op op, Dtype t) {
  if (op == Op::sum && t == bool_) return int32;
  if (op == Op::lse && !is_floating_point(t)) return float32;
  return t;
}

}  // namespace

TEST(Scan, EveryOpDtypeAxisAndDirectionMatchesLoops) {
  const Shape s{3, 7, 5};
  for (Op op : {Op::sum, Op::prod, Op::max, Op::min, Op::lse}) {
    for (Dtype t : kAllDtypes) {
      if (op == Op::lse && !is_floating_point(t) && t != int32 && t != bool_) continue;
      SCOPED_TRACE(::testing::Message() << op_name(op) << " " << dtype_name(t));
      const array a(inputs(numel(s), t, op, 7 + static_cast<int>(t)), s, t);
      const V v = vals(a);  // the values as stored (rounded for halves)
      const Dtype rt = result_dtype(op, t);
      for (int axis : {0, 1, 2, -1, -3}) {
        const int ax = axis < 0 ? axis + 3 : axis;
        for (bool reverse : {false, true})
          for (bool inclusive : {true, false}) {
            SCOPED_TRACE(::testing::Message()
                         << "axis " << axis << " reverse " << reverse << " inclusive " << inclusive);
            const array got = run(op, a, axis, reverse, inclusive);
            EXPECT_EQ(got.dtype(), rt);
            EXPECT_EQ(got.shape(), s);
            expect_close(vals(got), ref_scan(v, s, ax, op, reverse, inclusive, rt), rt);
          }
      }
    }
  }
}

TEST(Scan, NoAxisFlattens) {
  const array m = reshape(array({1, 2, 3, 4, 5, 6}), {2, 3});
  const array c = cumsum(m);
  EXPECT_EQ(c.shape(), Shape{6});
  EXPECT_EQ(vals(c), (V{1, 3, 6, 10, 15, 21}));
  EXPECT_EQ(vals(cumprod(m, std::nullopt, true)), (V{720, 720, 360, 120, 30, 6}));
  EXPECT_EQ(vals(cummax(m, std::nullopt, false, false)), (V{INT32_MIN, 1, 2, 3, 4, 5}));
  const array z = cumsum(array(4.0f));
  EXPECT_EQ(z.shape(), Shape{1});
  EXPECT_EQ(vals(z), V{4});
  EXPECT_THAT(error_of([] { cumsum(array(4.0f), 0); }),
              HasSubstr("[cumsum] axis 0 is out of range for an array with 0 dimensions"));
}

TEST(Scan, IntegerSumsAndProductsWrapInTheirDtype) {
  // MLX keeps the dtype: int8 sums wrap in int8 (only bool counts in int32).
  const array i8(V{100, 100, 100}, {3}, int8);
  EXPECT_EQ(cumsum(i8).dtype(), int8);
  EXPECT_EQ(vals(cumsum(i8)), (V{100, -56, 44}));
  EXPECT_EQ(vals(cumsum(array(V{200, 100}, {2}, uint8))), (V{200, 44}));
  EXPECT_EQ(vals(cumprod(array(V{65536, 65536, 3}, {3}, int32))), (V{65536, 0, 0}));
  EXPECT_EQ(vals(cumprod(array(V{-128, -1}, {2}, int8))), (V{-128, -128}));
  const array big(std::vector<int64_t>{int64_t{1} << 62, int64_t{1} << 62}, {2});
  array s = cumsum(big);
  s.eval();
  EXPECT_EQ(s.data<int64_t>()[1], INT64_MIN);  // 2^63 wraps
  const array u64(std::vector<uint64_t>{UINT64_MAX, 2}, {2});
  array su = cumsum(u64);
  su.eval();
  EXPECT_EQ(su.data<uint64_t>()[1], 1u);
}

TEST(Scan, Bools) {
  const array b = array(std::vector<bool>{true, false, true, true}, {4});
  EXPECT_EQ(cumsum(b).dtype(), int32);
  EXPECT_EQ(vals(cumsum(b)), (V{1, 1, 2, 3}));
  EXPECT_EQ(vals(cumsum(b, 0, true, false)), (V{2, 2, 1, 0}));
  EXPECT_EQ(cumprod(b).dtype(), bool_);
  EXPECT_EQ(vals(cumprod(b)), (V{1, 0, 0, 0}));
  EXPECT_EQ(vals(cumprod(b, 0, true)), (V{0, 0, 1, 1}));
  EXPECT_EQ(vals(cummax(array(std::vector<bool>{false, true, false}, {3}))), (V{0, 1, 1}));
  EXPECT_EQ(vals(cummin(array(std::vector<bool>{true, false, true}, {3}))), (V{1, 0, 0}));
  EXPECT_EQ(vals(cummin(b, 0, false, false)), (V{1, 1, 0, 0}));
  EXPECT_EQ(logcumsumexp(b).dtype(), float32);
}

TEST(Scan, NaNPropagatesThroughCumMaxAndCumMin) {
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const array a(V{1, kNaN, 3, 0}, {4}, t);
    const V mx = vals(cummax(a)), mn = vals(cummin(a));
    EXPECT_EQ(mx[0], 1);
    EXPECT_EQ(mn[0], 1);
    for (int i = 1; i < 4; ++i) EXPECT_TRUE(std::isnan(mx[i]) && std::isnan(mn[i])) << i;
    const V rmx = vals(cummax(a, 0, true));  // from the end: 0, 3, then NaN
    EXPECT_EQ(rmx[3], 0);
    EXPECT_EQ(rmx[2], 3);
    EXPECT_TRUE(std::isnan(rmx[1]) && std::isnan(rmx[0]));
    const V ex = vals(cummax(a, 0, false, false));  // exclusive: -inf, 1, NaN, NaN
    EXPECT_EQ(ex[0], -kInf);
    EXPECT_EQ(ex[1], 1);
    EXPECT_TRUE(std::isnan(ex[2]) && std::isnan(ex[3]));
    const V cs = vals(cumsum(a));
    EXPECT_EQ(cs[0], 1);
    EXPECT_TRUE(std::isnan(cs[3]));
  }
}

TEST(Scan, HalvesAccumulateInFloat32) {
  // Rounded once per output: 2048 + 1 + 1 = 2050 exactly, where a float16 accumulator would stay at 2048.
  const array h(V{2048, 1, 1}, {3}, float16);
  EXPECT_EQ(cumsum(h).dtype(), float16);
  EXPECT_EQ(vals(cumsum(h)), (V{2048, 2048, 2050}));
  const array b(V{256, 1, 1}, {3}, bfloat16);
  EXPECT_EQ(vals(cumsum(b)), (V{256, 256, 258}));
}

TEST(Scan, SignedZeroAndInclusiveSeed) {
  const V z = vals(cumsum(array({-0.0f, -0.0f})));
  EXPECT_TRUE(std::signbit(z[0]));  // -0 + nothing stays -0, as numpy
  EXPECT_TRUE(std::signbit(z[1]));
  const V e = vals(cumsum(array({-0.0f}), 0, false, false));
  EXPECT_EQ(e[0], 0.0);  // an exclusive scan starts at +0
  EXPECT_FALSE(std::signbit(e[0]));
}

TEST(Scan, LogCumSumExpIsStable) {
  const double ln2 = std::log(2.0);
  const V big = vals(logcumsumexp(array({1000.0f, 1000.0f, -INFINITY})));
  EXPECT_NEAR(big[0], 1000, 1e-3);
  EXPECT_NEAR(big[1], 1000 + ln2, 1e-3);
  EXPECT_NEAR(big[2], 1000 + ln2, 1e-3);
  const V small = vals(logcumsumexp(array({-1000.0, -1000.0}, float64)));
  EXPECT_NEAR(small[1], -1000 + ln2, 1e-12);
  EXPECT_EQ(vals(logcumsumexp(array({-INFINITY, -INFINITY}))), (V{-kInf, -kInf}));
  EXPECT_EQ(vals(logcumsumexp(array({-INFINITY, 0.0f}))), (V{-kInf, 0}));
  EXPECT_EQ(vals(logcumsumexp(array({INFINITY, 0.0f, INFINITY}))), (V{kInf, kInf, kInf}));
  EXPECT_EQ(vals(logcumsumexp(array({1.0f, 2.0f}), 0, false, false))[0], -kInf);
  EXPECT_TRUE(std::isnan(vals(logcumsumexp(array({1.0f, NAN, 2.0f})))[2]));
  const array ints = logcumsumexp(array({0, 0, 0}));
  EXPECT_EQ(ints.dtype(), float32);
  const V iv = vals(ints);
  EXPECT_NEAR(iv[2], std::log(3.0), 1e-6);
  // float16 intermediate sums would overflow exp; the log-domain accumulation does not.
  const V h = vals(logcumsumexp(array(V{20, 20}, {2}, float16)));
  EXPECT_NEAR(h[1], 20 + ln2, 2e-2);
}

TEST(Scan, NonContiguousInputs) {
  const Shape s{4, 5};
  const V v = inputs(numel(s), float32, Op::sum, 3);
  const array a(v, s, float32);
  const array t = transpose(a);  // (5, 4)
  const V tv = vals(t);
  for (Op op : {Op::sum, Op::max, Op::lse})
    for (int axis : {0, 1})
      for (bool reverse : {false, true}) {
        SCOPED_TRACE(::testing::Message() << op_name(op) << " axis " << axis << " reverse " << reverse);
        expect_close(vals(run(op, t, axis, reverse)), ref_scan(tv, {5, 4}, axis, op, reverse, true, float32), float32);
      }
  const array sl = slice(a, {3, 4}, {-5, -6}, Shape{-1, -2});  // (4, 3), negative strides
  const V sv = vals(sl);
  expect_close(vals(cumsum(sl, 0)), ref_scan(sv, {4, 3}, 0, Op::sum, false, true, float32), float32);
  expect_close(vals(cummin(sl, 1, true, false)), ref_scan(sv, {4, 3}, 1, Op::min, true, false, float32), float32);
  const array bc = broadcast_to(array({1.0f, 2.0f, 3.0f}), {2, 3});
  EXPECT_EQ(vals(cumsum(bc, 0)), (V{1, 2, 3, 2, 4, 6}));
  EXPECT_EQ(vals(cumsum(bc, 1)), (V{1, 3, 6, 1, 3, 6}));
}

TEST(Scan, EmptyArrays) {
  for (Op op : {Op::sum, Op::prod, Op::max, Op::min, Op::lse}) {
    SCOPED_TRACE(op_name(op));
    for (Shape s : {Shape{0, 3}, Shape{3, 0}, Shape{0}}) {
      const array a = zeros(s);
      for (int axis = 0; axis < static_cast<int>(s.size()); ++axis) {
        array r = run(op, a, axis);
        EXPECT_EQ(r.shape(), s);
        r.eval();
      }
    }
    EXPECT_EQ(run(op, zeros({0, 2}), std::nullopt).shape(), Shape{0});
  }
}

TEST(Scan, Errors) {
  const array m = zeros({2, 3});
  for (Op op : {Op::sum, Op::prod, Op::max, Op::min, Op::lse}) {
    const std::string name = op_name(op);
    EXPECT_THAT(error_of([&] { run(op, m, 2); }),
                HasSubstr("[" + name + "] axis 2 is out of range for an array with 2 dimensions"));
    EXPECT_THAT(error_of([&] { run(op, m, -3); }), HasSubstr("[" + name + "] axis -3 is out of range"));
  }
}

namespace {
template <typename... F>
std::shared_ptr<Primitive> rebuilt(const std::string& name, const F&... fields) {
  StateWriter w;
  (w.write(fields), ...);
  StateReader r(w.bytes().data(), w.bytes().size(), name);
  return primitive_registry().entries().at(name).factory(r);
}
}  // namespace

TEST(Scan, HostileStateIsRefusedBeforeAnyKernel) {
  const Arrays m{array::placeholder({2, 3}, float32)};
  for (const char* name : {"CumSum", "CumProd", "CumMax", "CumMin", "LogCumSumExp"}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(error_of([&] { rebuilt(name, 2, false, true)->output_shapes(m); }),
                HasSubstr("axis 2 is out of range"));
    EXPECT_THAT(error_of([&] { rebuilt(name, -1, false, true)->output_shapes(m); }),
                HasSubstr("axis -1 is out of range"));
    EXPECT_EQ(rebuilt(name, 1, true, false)->output_shapes(m)[0], (Shape{2, 3}));
  }
  const Arrays ints{array::placeholder({2}, int32)};
  EXPECT_THAT(error_of([&] { rebuilt("LogCumSumExp", 0, false, true)->output_dtypes(ints); }),
              HasSubstr("[logcumsumexp] expects a floating point array, got int32"));
  EXPECT_EQ(rebuilt("CumSum", 0, false, true)->output_dtypes({array::placeholder({2}, int8)})[0], int8);
}
