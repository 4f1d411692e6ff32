// ingot::random: the bits and every sampler against values produced by MLX 0.32.4 (mlx-cpu) for the
// same keys, statistical checks on 100k samples with fixed keys (so they are deterministic), the
// global key sequence, export replay and every error path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "export_test_util.h"
#include "ingot/ingot.h"

using namespace ingot;
using ingot::testing::error_of;
using ::testing::HasSubstr;
namespace rnd = ingot::random;

namespace {

template <typename T>
std::vector<T> values(const array& a) {
  array c = copy(a);
  c.eval();
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.size());
}

std::vector<double> doubles(const array& a) {
  array c = copy(a);
  c.eval();
  std::vector<double> out(static_cast<size_t>(c.size()));
  const char* p = static_cast<const char*>(c.raw_data());
  for (size_t i = 0; i < out.size(); ++i) out[i] = element_as_double(p + i * c.itemsize(), c.dtype());
  return out;
}

std::vector<int64_t> ints(const array& a) {
  array c = copy(a);
  c.eval();
  std::vector<int64_t> out(static_cast<size_t>(c.size()));
  const char* p = static_cast<const char*>(c.raw_data());
  for (size_t i = 0; i < out.size(); ++i) out[i] = element_as_int64(p + i * c.itemsize(), c.dtype());
  return out;
}

std::vector<uint16_t> half_bits(const array& a) {
  array c = copy(a);
  c.eval();
  std::vector<uint16_t> out(static_cast<size_t>(c.size()));
  std::memcpy(out.data(), c.raw_data(), out.size() * 2);
  return out;
}

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }
double var_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / v.size();
}

// Kolmogorov-Smirnov distance between the samples and the CDF.
double ks(std::vector<double> v, const std::function<double(double)>& cdf) {
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  double d = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const double f = cdf(v[i]);
    d = std::max({d, std::fabs(f - i / n), std::fabs((i + 1) / n - f)});
  }
  return d;
}
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// At alpha = 1e-3 the KS critical value is 1.95 / sqrt(n) (0.0062 for 100k); allow well above it.
constexpr double kKsBound = 0.01;
constexpr int64_t kN = 100000;

void expect_near_all(const std::vector<double>& got, const std::vector<float>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::fabs(static_cast<double>(want[i])))) << i;
}
void expect_exact(const array& a, const std::vector<float>& want) {
  auto got = values<float>(a);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
}

}  // namespace

// ---- keys and bits ----

TEST(RandomKeys, KeyAndSplitMatchMlx) {
  EXPECT_EQ(values<uint32_t>(rnd::key(0)), (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(values<uint32_t>(rnd::key((uint64_t{1} << 40) + 7)), (std::vector<uint32_t>{256, 7}));
  auto k0 = rnd::key(0);
  auto two = rnd::split(k0, 2);
  EXPECT_EQ(two.dtype(), uint32);
  EXPECT_EQ(two.shape(), (Shape{2, 2}));
  EXPECT_EQ(values<uint32_t>(two), (std::vector<uint32_t>{4146024105u, 967050713u, 2718843009u, 1272950319u}));
  auto [a, b] = rnd::split(k0);
  EXPECT_EQ(a.shape(), (Shape{2}));
  EXPECT_EQ(values<uint32_t>(a), (std::vector<uint32_t>{4146024105u, 967050713u}));
  EXPECT_EQ(values<uint32_t>(b), (std::vector<uint32_t>{2718843009u, 1272950319u}));
  EXPECT_EQ(values<uint32_t>(rnd::split(k0, 3)),
            (std::vector<uint32_t>{2467461003u, 428148500u, 3186719485u, 3840466878u, 2562233961u, 1946702221u}));
  EXPECT_EQ(rnd::split(k0, 0).shape(), (Shape{0, 2}));
}

// Every width and odd and even sizes, including partial last words (from MLX's C++ random::bits).
TEST(RandomKeys, BitsMatchMlxForEveryWidthAndSize) {
  struct Row {
    int width;
    std::vector<uint32_t> want;
  };
  const std::vector<Row> rows = {
      {1, {139}},
      {1, {139, 100}},
      {1, {139, 100, 23}},
      {1, {191, 40, 160, 11, 191}},
      {1, {191, 40, 160, 11, 191, 86, 32}},
      {1, {169, 151, 152, 57, 72, 217, 24, 109, 3}},
      {1, {169, 151, 152, 57, 93, 93, 247, 58, 3, 190, 31, 116, 203}},
      {2, {25739}},
      {2, {25739, 55319}},
      {2, {10431, 2976, 22207}},
      {2, {38825, 14744, 55624, 27928, 48643}},
      {2, {38825, 14744, 23901, 15095, 48643, 29727, 9931}},
      {2, {37684, 4219, 37937, 13152, 32622, 42628, 54788, 25052, 10622}},
      {2, {28226, 782, 63053, 24853, 23522, 21979, 63747, 39890, 3524, 47125, 31035, 65486, 53858}},
      {4, {3625411723u}},
      {4, {195045567u, 4062205631u}},
      {4, {966301609u, 1830345032u, 1948237315u}},
      {4, {276534068u, 861967409u, 2793701230u, 1641862660u, 2900896126u}},
      {4, {51277378u, 1628829261u, 1440439266u, 2614294787u, 3088387524u, 4291721531u, 3731608162u}},
      {4,
       {3583082021u, 1059767885u, 1158596951u, 3570483602u, 2502263969u, 1947592014u, 964771841u, 2936027381u,
        2956069637u}},
      {4,
       {3303861898u, 3902490194u, 743709035u, 1871249695u, 2153132326u, 3525862539u, 2024995903u, 2914663392u,
        3997010453u, 1782423295u, 3394530857u, 536474414u, 2328407742u}},
  };
  const auto k = rnd::key(7);
  for (const auto& r : rows) {
    const int64_t n = static_cast<int64_t>(r.want.size());
    SCOPED_TRACE("width " + std::to_string(r.width) + " size " + std::to_string(n));
    auto b = rnd::bits({n}, r.width, k);
    EXPECT_EQ(b.dtype(), r.width == 1 ? uint8 : r.width == 2 ? uint16 : uint32);
    std::vector<uint32_t> got;
    for (auto v : ints(b)) got.push_back(static_cast<uint32_t>(v));
    EXPECT_EQ(got, r.want);
  }
}

TEST(RandomKeys, BitsShapesAndDeterminism) {
  const auto k = rnd::key(42);
  auto a = rnd::bits({3, 4}, 4, k);
  EXPECT_EQ(a.shape(), (Shape{3, 4}));
  EXPECT_EQ(values<uint32_t>(a), values<uint32_t>(rnd::bits({3, 4}, 4, rnd::key(42))));    // same key, same bits
  EXPECT_EQ(values<uint32_t>(reshape(a, {12})), values<uint32_t>(rnd::bits({12}, 4, k)));  // layout is by size only
  EXPECT_NE(values<uint32_t>(a), values<uint32_t>(rnd::bits({3, 4}, 4, rnd::key(43))));
  EXPECT_EQ(rnd::bits({0}, 4, k).size(), 0);
  EXPECT_EQ(rnd::bits({2, 0, 3}, 1, k).shape(), (Shape{2, 0, 3}));
  auto s = rnd::bits({}, 4, k);
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_EQ(values<uint32_t>(s), (std::vector<uint32_t>{values<uint32_t>(rnd::bits({1}, 4, k))[0]}));
  // A non-contiguous key (a column of transposed keys) reads through its strides.
  auto keys = transpose(rnd::split(k, 3));  // (2, 3)
  auto col = slice(keys, {0, 1}, {2, 2});   // (2, 1), stride 3 apart
  auto key1 = reshape(col, {2});
  EXPECT_EQ(values<uint32_t>(rnd::bits({9}, 4, key1)), values<uint32_t>(rnd::bits({9}, 4, copy(key1))));
  EXPECT_EQ(values<uint32_t>(key1), values<uint32_t>(slice(rnd::split(k, 3), {1, 0}, {2, 2})));
}

TEST(RandomKeys, SplitKeysGiveIndependentStreams) {
  auto [k1, k2] = rnd::split(rnd::key(1));
  auto a = doubles(rnd::uniform({kN}, float32, k1));
  auto b = doubles(rnd::uniform({kN}, float32, k2));
  double cov = 0;
  for (int64_t i = 0; i < kN; ++i) cov += (a[i] - 0.5) * (b[i] - 0.5);
  const double corr = cov / kN / (1.0 / 12);
  EXPECT_LT(std::fabs(corr), 0.02);  // standard error about 0.003
  int equal = 0;
  for (int64_t i = 0; i < kN; ++i) equal += a[i] == b[i];
  EXPECT_LT(equal, 10);
}

TEST(RandomKeys, GlobalSequenceMatchesMlxAndReseeds) {
  rnd::seed(5);
  auto a = rnd::uniform({3});
  auto b = rnd::uniform({3});
  expect_exact(a, {0.17823846638202667f, 0.9954615831375122f, 0.09477576613426208f});
  expect_exact(b, {0.6723387837409973f, 0.031405482441186905f, 0.014829898253083229f});
  rnd::seed(5);
  EXPECT_EQ(values<float>(rnd::uniform({3})), values<float>(a));
  // Drawing keys does not build a lazy chain: the key handed out is already data.
  rnd::seed(9);
  for (int i = 0; i < 1000; ++i) rnd::bits({1});
  auto c = rnd::bits({2});
  EXPECT_TRUE(c.inputs()[0].is_evaluated());
  EXPECT_NE(values<uint32_t>(c), values<uint32_t>(rnd::bits({2})));
}

// ---- uniform ----

TEST(RandomUniform, MatchesMlxBitForBit) {
  expect_exact(rnd::uniform({5}, float32, rnd::key(0)), {0.574500560760498f, 0.09968609362840652f, 0.39316028356552124f,
                                                         0.8941783905029297f, 0.5965665578842163f});
  auto lohi = rnd::uniform(-2, 3, {2, 3}, float32, rnd::key(1));
  EXPECT_EQ(lohi.shape(), (Shape{2, 3}));
  expect_exact(lohi, {2.1539692878723145f, -1.169795274734497f, 2.215242862701416f, 1.2144427299499512f,
                      0.8432703018188477f, 1.072223424911499f});
  auto arr =
      rnd::uniform(array({0.0f, 10.0f}), array(std::vector<float>{1.0f, 2.0f}, {2, 1}), {2, 2}, float32, rnd::key(1));
  expect_exact(arr, {0.568552553653717f, 7.097895622253418f, 1.7786593437194824f, 6.226469993591309f});
  auto h = rnd::uniform({6}, float16, rnd::key(3));
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(half_bits(h), (std::vector<uint16_t>{0x3289, 0x3604, 0x3744, 0x3a6c, 0x3942, 0x3a93}));
  auto bf = rnd::uniform({6}, bfloat16, rnd::key(3));
  EXPECT_EQ(bf.dtype(), bfloat16);
  EXPECT_EQ(half_bits(bf), (std::vector<uint16_t>{0x3e51, 0x3ec0, 0x3ee8, 0x3f4e, 0x3f28, 0x3f52}));
}

TEST(RandomUniform, Statistics) {
  auto v = doubles(rnd::uniform({kN}, float32, rnd::key(100)));
  EXPECT_NEAR(mean_of(v), 0.5, 0.005);
  EXPECT_NEAR(var_of(v), 1.0 / 12, 0.002);
  EXPECT_LT(ks(v, [](double x) { return std::clamp(x, 0.0, 1.0); }), kKsBound);
  for (double x : v) ASSERT_TRUE(x >= 0 && x < 1) << x;
}

TEST(RandomUniform, RangesAndDtypes) {
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    auto a = rnd::uniform(-3.0, 5.0, {20000}, t, rnd::key(8));
    EXPECT_EQ(a.dtype(), t);
    auto v = doubles(a);
    for (double x : v) ASSERT_TRUE(x >= -3 && x < 5) << x;
    EXPECT_NEAR(mean_of(v), 1.0, 0.1);
    // The full unit range is reached at both ends but never 1.
    auto u = doubles(rnd::uniform({20000}, t, rnd::key(9)));
    EXPECT_LT(*std::min_element(u.begin(), u.end()), 0.001);
    EXPECT_GT(*std::max_element(u.begin(), u.end()), 0.99);
    EXPECT_LT(*std::max_element(u.begin(), u.end()), 1.0);
  }
  // Per-element bounds broadcast to the shape.
  auto lo = array({0.0f, 100.0f, -50.0f});
  auto b = doubles(rnd::uniform(lo, add(lo, 1.0f), {1000, 3}, float32, rnd::key(2)));
  for (size_t i = 0; i < b.size(); ++i) ASSERT_TRUE(b[i] >= doubles(lo)[i % 3] && b[i] < doubles(lo)[i % 3] + 1);
  EXPECT_EQ(rnd::uniform({0, 4}, float32, rnd::key(1)).shape(), (Shape{0, 4}));
  EXPECT_EQ(rnd::uniform({}, float32, rnd::key(1)).ndim(), 0);
}

// ---- normal, truncated normal, gumbel, laplace ----

TEST(RandomNormal, MatchesMlx) {
  // erfinv may differ from MLX's in the last bits.
  expect_near_all(doubles(rnd::normal({7}, float32, 0.0, 1.0, rnd::key(2))),
                  {-0.6997805237770081f, -0.5052542090415955f, -1.3155035972595215f, -1.484385371208191f,
                   -0.41401734948158264f, 0.04084502160549164f, 1.5706311464309692f},
                  1e-5);
  expect_near_all(doubles(rnd::normal({4}, float32, 1.5, 2.0, rnd::key(2))),
                  {2.3570303916931152f, -0.28911805152893066f, 1.8262759447097778f, -1.7202959060668945f}, 1e-5);
}

TEST(RandomNormal, Statistics) {
  auto v = doubles(rnd::normal({kN}, float32, 0.0, 1.0, rnd::key(200)));
  EXPECT_NEAR(mean_of(v), 0.0, 0.015);
  EXPECT_NEAR(var_of(v), 1.0, 0.02);
  EXPECT_LT(ks(v, normal_cdf), kKsBound);
  auto w = doubles(rnd::normal({kN}, float32, 3.0, 0.5, rnd::key(201)));
  EXPECT_NEAR(mean_of(w), 3.0, 0.01);
  EXPECT_NEAR(std::sqrt(var_of(w)), 0.5, 0.01);
  EXPECT_LT(ks(w, [](double x) { return normal_cdf((x - 3.0) / 0.5); }), kKsBound);
}

TEST(RandomNormal, DtypesAndArrayParameters) {
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    auto a = rnd::normal({1000}, t, 0.0, 1.0, rnd::key(3));
    EXPECT_EQ(a.dtype(), t);
    auto v = doubles(a);
    for (double x : v) ASSERT_TRUE(std::isfinite(x));
    EXPECT_NEAR(mean_of(v), 0.0, 0.15);
  }
  // Per-column means and scales.
  auto loc = array({-10.0f, 0.0f, 10.0f});
  auto scale = array({0.1f, 1.0f, 2.0f});
  auto v = doubles(rnd::normal({20000, 3}, float32, loc, scale, rnd::key(4)));
  for (int c = 0; c < 3; ++c) {
    std::vector<double> col;
    for (size_t i = c; i < v.size(); i += 3) col.push_back(v[i]);
    EXPECT_NEAR(mean_of(col), doubles(loc)[c], 0.05);
    EXPECT_NEAR(std::sqrt(var_of(col)), doubles(scale)[c], 0.05);
  }
}

TEST(RandomTruncatedNormal, MatchesMlxAndStaysInBounds) {
  expect_near_all(
      doubles(rnd::truncated_normal(-1.0, 1.0, Shape{5}, float32, rnd::key(0))),
      {0.12783627212047577f, -0.7497257590293884f, -0.18385997414588928f, 0.7358908653259277f, 0.16600875556468964f},
      1e-5);
  auto two = rnd::truncated_normal(array({0.0f, -2.0f}), array({1.0f, 0.5f}), float32, rnd::key(6));
  EXPECT_EQ(two.shape(), (Shape{2}));
  expect_near_all(doubles(two), {0.7875252962112427f, -0.16349615156650543f}, 1e-5);
  auto v = doubles(rnd::truncated_normal(-0.5, 2.0, Shape{kN}, float32, rnd::key(7)));
  for (double x : v) ASSERT_TRUE(x >= -0.5 && x <= 2.0) << x;
  // KS against the truncated normal's CDF.
  const double a = normal_cdf(-0.5), b = normal_cdf(2.0);
  EXPECT_LT(ks(v, [&](double x) { return (normal_cdf(x) - a) / (b - a); }), kKsBound);
  EXPECT_EQ(rnd::truncated_normal(-1.0, 1.0, Shape{3}, float16, rnd::key(1)).dtype(), float16);
}

TEST(RandomGumbel, MatchesMlxAndMoments) {
  expect_near_all(
      doubles(rnd::gumbel({5}, float32, rnd::key(0))),
      {0.5901318192481995f, -0.835396945476532f, 0.06877371668815613f, 2.19059681892395f, 0.6605551242828369f}, 1e-5);
  auto v = doubles(rnd::gumbel({kN}, float32, rnd::key(300)));
  EXPECT_NEAR(mean_of(v), 0.5772156649, 0.015);  // Euler-Mascheroni
  EXPECT_NEAR(var_of(v), M_PI * M_PI / 6, 0.05);
  EXPECT_LT(ks(v, [](double x) { return std::exp(-std::exp(-x)); }), kKsBound);
}

TEST(RandomLaplace, MatchesMlxAndMoments) {
  expect_near_all(
      doubles(rnd::laplace({5}, float32, 0.0f, 1.0f, rnd::key(0))),
      {-0.16134454309940338f, 1.612581729888916f, 0.24039064347743988f, -1.5528535842895508f, -0.21459664404392242f},
      1e-5);
  expect_near_all(
      doubles(rnd::laplace({5}, float32, 1.0f, 0.5f, rnd::key(0))),
      {0.9193277359008789f, 1.806290864944458f, 1.1201952695846558f, 0.2235732078552246f, 0.8927016854286194f}, 1e-5);
  auto v = doubles(rnd::laplace({kN}, float32, 0.0f, 1.0f, rnd::key(301)));
  EXPECT_NEAR(mean_of(v), 0.0, 0.02);
  EXPECT_NEAR(var_of(v), 2.0, 0.05);
  EXPECT_LT(ks(v, [](double x) { return x < 0 ? 0.5 * std::exp(x) : 1 - 0.5 * std::exp(-x); }), kKsBound);
}

// ---- integers and booleans ----

TEST(RandomRandint, MatchesMlx) {
  EXPECT_EQ(ints(rnd::randint(0, 10, {8}, int32, rnd::key(0))), (std::vector<int64_t>{5, 3, 3, 9, 1, 9, 1, 8}));
  EXPECT_EQ(ints(rnd::randint(-5, 5, {9}, int32, rnd::key(11))), (std::vector<int64_t>{-4, 0, 3, 1, 0, -1, 1, -4, 4}));
  EXPECT_EQ(ints(rnd::randint(5, 3, {4}, int32, rnd::key(11))), (std::vector<int64_t>{5, 5, 5, 5}));  // empty: low
  auto i64 = rnd::randint(-100, 1000, {5}, int64, rnd::key(12));
  EXPECT_EQ(i64.dtype(), int64);
  EXPECT_EQ(ints(i64), (std::vector<int64_t>{163, 717, 462, -80, 716}));
  EXPECT_EQ(ints(rnd::randint(0, 200, {5}, uint8, rnd::key(12))), (std::vector<int64_t>{47, 148, 102, 3, 148}));
}

TEST(RandomRandint, FrequenciesRangesAndDtypes) {
  auto v = ints(rnd::randint(-3, 7, {kN}, int32, rnd::key(400)));
  std::vector<int> count(10, 0);
  for (auto x : v) {
    ASSERT_TRUE(x >= -3 && x < 7) << x;
    ++count[static_cast<size_t>(x + 3)];
  }
  for (int c : count) EXPECT_NEAR(c / double(kN), 0.1, 0.006);  // standard error 0.00095
  for (Dtype t : {bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64}) {
    SCOPED_TRACE(dtype_name(t));
    const int64_t hi = t == bool_ ? 2 : 100;
    auto a = rnd::randint(0, hi, {2000}, t, rnd::key(5));
    EXPECT_EQ(a.dtype(), t);
    auto w = ints(a);
    EXPECT_EQ(*std::min_element(w.begin(), w.end()), 0);
    EXPECT_EQ(*std::max_element(w.begin(), w.end()), hi - 1);
  }
  // Array bounds, per column.
  auto r = ints(rnd::randint(array({0, 10, 100}), array({1, 12, 200}), {500, 3}, int32, rnd::key(6)));
  for (size_t i = 0; i < r.size(); i += 3) {
    ASSERT_EQ(r[i], 0);
    ASSERT_TRUE(r[i + 1] == 10 || r[i + 1] == 11);
    ASSERT_TRUE(r[i + 2] >= 100 && r[i + 2] < 200);
  }
}

TEST(RandomBernoulli, MatchesMlxAndFrequencies) {
  EXPECT_EQ(ints(rnd::bernoulli(0.3, Shape{10}, rnd::key(4))), (std::vector<int64_t>{0, 0, 0, 0, 0, 1, 0, 1, 0, 0}));
  auto p = array({0.1f, 0.5f, 0.9f, 0.0f, 1.0f, 0.7f});
  auto b = rnd::bernoulli(p, rnd::key(4));
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_EQ(b.shape(), (Shape{6}));
  EXPECT_EQ(ints(b), (std::vector<int64_t>{1, 1, 1, 0, 1, 1}));
  auto v = doubles(rnd::bernoulli(0.3, Shape{kN}, rnd::key(500)));
  EXPECT_NEAR(mean_of(v), 0.3, 0.006);  // standard error 0.0015
  // p <= 0 is never true, p >= 1 always.
  auto edge = ints(rnd::bernoulli(array({0.0f, -1.0f, 1.0f, 2.0f}), Shape{5000, 4}, rnd::key(7)));
  for (size_t i = 0; i < edge.size(); i += 4)
    ASSERT_TRUE(edge[i] == 0 && edge[i + 1] == 0 && edge[i + 2] == 1 && edge[i + 3] == 1);
  EXPECT_EQ(rnd::bernoulli(0.5, rnd::key(1)).ndim(), 0);
  EXPECT_EQ(rnd::bernoulli(array(0.5, float16), Shape{3}, rnd::key(1)).shape(), (Shape{3}));
}

TEST(RandomCategorical, MatchesMlx) {
  auto lg = array(std::vector<float>{0, 1, 2, 2, 1, 0}, {2, 3});
  auto c = rnd::categorical(lg, -1, rnd::key(5));
  EXPECT_EQ(c.dtype(), uint32);
  EXPECT_EQ(ints(c), (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(ints(rnd::categorical(lg, 0, rnd::key(5))), (std::vector<int64_t>{1, 0, 0}));
  auto ns = rnd::categorical(lg, -1, 4, rnd::key(5));
  EXPECT_EQ(ns.shape(), (Shape{2, 4}));
  EXPECT_EQ(ints(ns), (std::vector<int64_t>{2, 2, 2, 2, 0, 0, 0, 1}));
  auto sh = rnd::categorical(lg, -1, Shape{3, 2}, rnd::key(5));
  EXPECT_EQ(sh.shape(), (Shape{3, 2}));
  EXPECT_EQ(ints(sh), (std::vector<int64_t>{2, 0, 2, 0, 2, 0}));
  // A single distribution drawn several times goes through its CDF, as in MLX.
  auto one = array({0.1f, 0.2f, 0.3f, 0.4f});
  EXPECT_EQ(ints(rnd::categorical(one, -1, 12, rnd::key(9))),
            (std::vector<int64_t>{1, 2, 0, 3, 1, 0, 0, 1, 2, 3, 0, 1}));
  auto row = array(std::vector<float>{1.0f, -1.0f, 0.5f}, {1, 3});
  auto drawn = rnd::categorical(row, -1, Shape{3, 1}, rnd::key(2));
  EXPECT_EQ(drawn.shape(), (Shape{3, 1}));
  EXPECT_EQ(ints(drawn), (std::vector<int64_t>{2, 2, 0}));
  // ... but a single draw (a scalar result) still goes through Gumbel noise.
  EXPECT_EQ(ints(rnd::categorical(reshape(row, {3, 1}), 0, rnd::key(2))),
            (std::vector<int64_t>{0}));
}

TEST(RandomCategorical, Frequencies) {
  const std::vector<double> p = {0.2, 0.5, 0.3};
  auto lg = array(std::vector<double>{std::log(p[0]), std::log(p[1]), std::log(p[2])}, {3}, float32);
  auto v = ints(rnd::categorical(lg, -1, kN, rnd::key(600)));
  ASSERT_EQ(v.size(), static_cast<size_t>(kN));
  std::vector<int> count(3, 0);
  for (auto x : v) ++count[static_cast<size_t>(x)];
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(count[k] / double(kN), p[k], 0.006);
  // Several distributions at once (the Gumbel path): each row keeps its own frequencies.
  auto rows = array(std::vector<float>{std::log(0.7f), std::log(0.3f), std::log(0.1f), std::log(0.9f)}, {2, 2});
  auto both = ints(rnd::categorical(rows, -1, 20000, rnd::key(601)));
  double first = 0, second = 0;
  for (int i = 0; i < 20000; ++i) first += both[i] == 0, second += both[20000 + i] == 0;
  EXPECT_NEAR(first / 20000, 0.7, 0.015);
  EXPECT_NEAR(second / 20000, 0.1, 0.015);
  // An impossible category (-inf) is never drawn.
  auto never = ints(rnd::categorical(array({0.0f, -INFINITY, 0.0f}), -1, 2000, rnd::key(8)));
  for (auto x : never) ASSERT_NE(x, 1);
}

// ---- errors ----

// MLX's C++ calls, written as MLX code writes them, bind as they do in MLX: the key is never taken for
// a parameter, braced shapes compile, and each short form equals its long form.
TEST(RandomOverloads, MlxCallsBindAsInMlx) {
  const array k = rnd::key(11);
  const auto same = [](const array& a, const array& b) {
    EXPECT_EQ(a.shape(), b.shape());
    EXPECT_EQ(a.dtype(), b.dtype());
    EXPECT_EQ(doubles(a), doubles(b));
  };
  const array n01 = rnd::normal({4}, float32, 0.0f, 1.0f, k);
  same(rnd::normal({4}, float32, k), n01);  // the key is the key, not loc
  same(rnd::normal({4}, k), n01);
  same(rnd::normal({4}, 0.0f, 1.0f, k), n01);
  same(rnd::normal({4}, float16, k), rnd::normal({4}, float16, 0.0f, 1.0f, k));
  EXPECT_EQ(rnd::normal({2, 3}, float16, 2.0f, 3.0f).dtype(), float16);
  same(rnd::bits({5}, k), rnd::bits({5}, 4, k));
  same(rnd::uniform({5}, k), rnd::uniform({5}, float32, k));
  same(rnd::laplace({5}, k), rnd::laplace({5}, float32, 0.0f, 1.0f, k));
  same(rnd::laplace({5}, 0.5f, 2.0f, k), rnd::laplace({5}, float32, 0.5f, 2.0f, k));
  same(rnd::laplace({5}, float16, k), rnd::laplace({5}, float16, 0.0f, 1.0f, k));
  const int64_t n = 6;
  same(rnd::bernoulli(0.5, {n}, k), rnd::bernoulli(0.5, Shape{6}, k));  // a braced shape
  same(rnd::bernoulli(array(0.25f), {n}, k), rnd::bernoulli(0.25f, Shape{6}, k));
  same(rnd::bernoulli(rnd::Key(k)), rnd::bernoulli(0.5, k));
  same(rnd::bernoulli(array({0.1f, 0.9f}), k), rnd::bernoulli(array({0.1f, 0.9f}), Shape{2}, k));
  EXPECT_EQ(rnd::bernoulli().ndim(), 0);
  const array logits = array(std::vector<float>{0, 1, 2, 2, 1, 0}, {2, 3});
  same(rnd::categorical(logits, -1, k), rnd::categorical(logits, 1, Shape{2}, k));
  EXPECT_EQ(rnd::categorical(logits, 1, 5, k).shape(), (Shape{2, 5}));  // num_samples
  EXPECT_EQ(rnd::categorical(logits, 1, {4, 2}, k).shape(), (Shape{4, 2}));  // a braced shape
  EXPECT_EQ(rnd::categorical(logits).shape(), (Shape{2}));
  same(rnd::truncated_normal(-1.0, 1.0, float32, k), rnd::truncated_normal(-1.0, 1.0, Shape{}, float32, k));
}

TEST(RandomErrors, NameTheOpAndTheProblem) {
  const auto k = rnd::key(0);
  EXPECT_THAT(error_of<std::exception>([&] { rnd::bits({2}, 4, array({1, 2})); }), HasSubstr("[bits] expected a key of dtype uint32"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::bits({2}, 4, rnd::split(k, 2)); }), HasSubstr("[bits] expected a key of shape (2,)"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::bits({2}, 3, k); }), HasSubstr("[bits] the bit width must be 1, 2 or 4"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::bits({-1}, 4, k); }), HasSubstr("[bits]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::split(array({1u, 2u, 3u}), 2); }), HasSubstr("[split] expected a key of shape (2,)"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::split(k, -1); }), HasSubstr("[split] the number of keys must be non-negative"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::uniform({2}, int32, k); }),
              HasSubstr("[uniform] can only generate samples of a floating dtype"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::uniform(array({0.0f, 1.0f, 2.0f}), 5.0, {2}, float32, k); }),
              HasSubstr("[uniform] cannot generate samples of shape (2,) from bounds of shape (3,)"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::uniform({2}, float32, array({1.0f, 2.0f})); }),
              HasSubstr("[bits] expected a key of dtype uint32"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::normal({2}, int8, 0.0, 1.0, k); }), HasSubstr("[normal]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::normal({2}, float32, array({1.0f, 2.0f, 3.0f}), 1.0, k); }), HasSubstr("[normal]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::randint(0, 5, {2}, float32, k); }),
              HasSubstr("[randint] can only generate integers"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::bernoulli(array({1, 0}), k); }),
              HasSubstr("[bernoulli] the probability p must be of a floating dtype"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::bernoulli(array({0.5f, 0.2f}), Shape{3}, k); }), HasSubstr("[bernoulli]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::truncated_normal(0.0, 1.0, Shape{2}, int32, k); }), HasSubstr("[truncated_normal]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::gumbel({2}, uint8, k); }), HasSubstr("[gumbel]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::laplace({2}, int16, 0.0f, 1.0f, k); }), HasSubstr("[laplace]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::normal({2}, int8, k); }), HasSubstr("[normal]"));
  auto lg = array(std::vector<float>{0, 1, 2, 2, 1, 0}, {2, 3});
  EXPECT_THAT(error_of<std::exception>([&] { rnd::categorical(lg, 2, k); }), HasSubstr("[categorical]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::categorical(lg, -1, Shape{3}, k); }),
              HasSubstr("[categorical] the requested shape (3,) does not broadcast"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::categorical(array(1.0f), -1, k); }),
              HasSubstr("[categorical]"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::categorical(lg, -1, -2, k); }), HasSubstr("[categorical]"));
}

// ---- export: key in, numbers out ----

TEST(RandomExport, KeyAsInputOrConstantReplaysIdentically) {
  ingot::testing::TempDir dir;
  // The key as an input: the imported function gives the direct call's numbers for any key.
  auto fun = ArgsFunction([](const Args& a) {
    return Args{rnd::normal({4, 3}, float32, 0.0, 1.0, a[0]), rnd::randint(0, 9, {5}, int32, a[0]),
                rnd::bernoulli(0.5, Shape{7}, a[0])};
  });
  export_function(dir.file("f.ingot"), fun, {rnd::key(0)});
  auto f = import_function(dir.file("f.ingot"));
  for (uint64_t s : {0ull, 1ull, 123456789ull}) {
    auto want = fun({rnd::key(s)});
    auto got = f({rnd::key(s)});
    for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(ingot::testing::same_bits(got[i], want[i])) << s << " " << i;
  }
  // A key drawn from the global sequence while tracing becomes a constant: every call replays it.
  rnd::seed(77);
  auto g = ArgsFunction([](const Args& a) { return Args{a[0] + rnd::uniform({3})}; });
  export_function(dir.file("g.ingot"), g, {zeros({3})});
  auto gi = import_function(dir.file("g.ingot"));
  rnd::seed(77);
  auto want = rnd::uniform({3});
  EXPECT_TRUE(ingot::testing::same_bits(gi({zeros({3})})[0], want));
  EXPECT_TRUE(ingot::testing::same_bits(gi({zeros({3})})[0], want));
}

// ---- permutation ----

TEST(RandomPermutation, MatchesMlxAndIsAPermutation) {
  auto p = rnd::permutation(8, rnd::key(0));
  EXPECT_EQ(p.dtype(), uint32);
  EXPECT_EQ(ints(p), (std::vector<int64_t>{4, 6, 1, 2, 0, 7, 3, 5}));
  auto x = reshape(arange(12), {4, 3});
  EXPECT_EQ(ints(rnd::permutation(x, 0, rnd::key(9))), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 9, 10, 11, 6, 7, 8}));
  EXPECT_EQ(ints(rnd::permutation(x, 1, rnd::key(9))), (std::vector<int64_t>{1, 0, 2, 4, 3, 5, 7, 6, 8, 10, 9, 11}));
  EXPECT_EQ(ints(rnd::permutation(x, -1, rnd::key(9))), ints(rnd::permutation(x, 1, rnd::key(9))));
  // Large n: every index exactly once, and the order is far from the identity.
  auto big = ints(rnd::permutation(10000, rnd::key(3)));
  auto sorted = big;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 10000; ++i) ASSERT_EQ(sorted[i], i);
  int fixed = 0;
  for (int64_t i = 0; i < 10000; ++i) fixed += big[i] == i;
  EXPECT_LT(fixed, 10);  // about one fixed point expected
  // Each position is uniform over values: position 0 of many permutations of 4.
  auto keys = rnd::split(rnd::key(11), 4000);
  std::vector<int> first(4, 0);
  for (int i = 0; i < 4000; ++i) ++first[ints(rnd::permutation(4, reshape(slice(keys, {i, 0}, {i + 1, 2}), {2})))[0]];
  for (int c : first) EXPECT_NEAR(c / 4000.0, 0.25, 0.03);
  EXPECT_EQ(rnd::permutation(0, rnd::key(0)).size(), 0);
  EXPECT_THAT(error_of<std::exception>([] { rnd::permutation(-1, rnd::key(0)); }), HasSubstr("[permutation]"));
  EXPECT_THAT(error_of<std::exception>([] { rnd::permutation(array(1.0f), 0, rnd::key(0)); }),
              HasSubstr("[permutation] cannot permute a scalar"));
  EXPECT_THAT(error_of<std::exception>([&] { rnd::permutation(x, 2, rnd::key(0)); }), HasSubstr("[permutation]"));
}
