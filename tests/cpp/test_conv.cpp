// Convolution and pooling against plain nested loops in double, written out here from MLX's
// definitions (channels last, conv_general's padding/dilation/flip, transposed convolution as the
// scatter of each input element through the kernel, mlx.nn's pooling layers).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "export_test_util.h"
#include "ingot/ingot.h"
#include "prims/primitive.h"

using namespace ingot;
using ingot::testing::numel;
using ::testing::HasSubstr;

namespace {

struct Ref {
  std::vector<double> v;
  Shape shape;
};

// Row-major flat index of a multi-index.
int64_t flat(const Shape& s, const std::vector<int64_t>& idx) {
  int64_t f = 0;
  for (size_t i = 0; i < s.size(); ++i) f = f * s[i] + idx[i];
  return f;
}

// Calls f(idx) for every multi-index of shape s, row-major.
template <class F>
void for_each_index(const Shape& s, F&& f) {
  if (numel(s) == 0) return;
  std::vector<int64_t> idx(s.size(), 0);
  while (true) {
    f(idx);
    int i = static_cast<int>(s.size()) - 1;
    for (; i >= 0; --i) {
      if (++idx[i] < s[i]) break;
      idx[i] = 0;
    }
    if (i < 0) return;
  }
}

std::vector<double> random_values(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist(0.0, 1.0);
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(gen);
  return v;
}

// An array of dtype t holding the values (rounded to t), and those rounded values.
std::pair<array, std::vector<double>> make_input(const Shape& s, Dtype t, uint32_t seed) {
  array a = astype(array(random_values(numel(s), seed), s, float64), t);
  a.eval();
  array back = copy(astype(a, float64));
  back.eval();
  return {a, std::vector<double>(back.data<double>(), back.data<double>() + back.size())};
}

std::vector<double> values_of(const array& a) {
  array b = copy(astype(a, float64));
  b.eval();
  return std::vector<double>(b.data<double>(), b.data<double>() + b.size());
}

// MLX's conv_general: negative padding first crops the input; the output size per axis is
// trunc((1 + idil * (S - 1) + lo + hi - (1 + kdil * (K - 1))) / stride) + 1; taps falling on padding,
// on the holes of the dilated input or past its end read zero.
Ref ref_conv(const std::vector<double>& x, const Shape& xs, const std::vector<double>& w, const Shape& ws,
             std::vector<int> stride, std::vector<int> lo, std::vector<int> hi, std::vector<int> kdil,
             std::vector<int> idil, int groups, bool flip) {
  const size_t d = xs.size() - 2;
  const int64_t cin = xs.back(), cout = ws[0], cg = cin / groups, coutg = cout / groups;
  std::vector<int64_t> crop(d), S(d), K(d), O(d);
  Ref r;
  r.shape.push_back(xs[0]);
  for (size_t i = 0; i < d; ++i) {
    crop[i] = std::max(0, -lo[i]);
    S[i] = std::max<int64_t>(0, xs[i + 1] - crop[i] - std::max(0, -hi[i]));
    lo[i] = std::max(lo[i], 0), hi[i] = std::max(hi[i], 0);
    K[i] = ws[i + 1];
    const int64_t span = 1 + idil[i] * (S[i] - 1) + lo[i] + hi[i] - (1 + kdil[i] * (K[i] - 1));
    O[i] = span / stride[i] + 1;  // C++ division truncates, as MLX's
    r.shape.push_back(O[i]);
  }
  r.shape.push_back(cout);
  r.v.assign(static_cast<size_t>(numel(r.shape)), 0.0);
  Shape kshape(K.begin(), K.end());
  for_each_index(r.shape, [&](const std::vector<int64_t>& oi) {
    const int64_t n = oi[0], co = oi.back(), g = co / coutg;
    double sum = 0;
    for_each_index(kshape, [&](const std::vector<int64_t>& k) {
      std::vector<int64_t> xi{n};
      for (size_t i = 0; i < d; ++i) {
        const int64_t tap = flip ? K[i] - 1 - k[i] : k[i];
        const int64_t p = oi[i + 1] * stride[i] + tap * kdil[i] - lo[i];
        if (p < 0 || p % idil[i] != 0 || p / idil[i] >= S[i]) return;
        xi.push_back(p / idil[i] + crop[i]);
      }
      xi.push_back(0);
      std::vector<int64_t> wi{co};
      wi.insert(wi.end(), k.begin(), k.end());
      wi.push_back(0);
      for (int64_t ci = 0; ci < cg; ++ci) {
        xi.back() = g * cg + ci, wi.back() = ci;
        sum += x[flat(xs, xi)] * w[flat(ws, wi)];
      }
    });
    r.v[flat(r.shape, oi)] = sum;
  });
  return r;
}

// Transposed convolution as a scatter: input position i reaches output o = i * stride + k * dilation
// - padding through kernel tap k (weight (C_out, K..., C_in / groups), as MLX's); the output has
// (S - 1) * stride - 2 * padding + dilation * (K - 1) + 1 + output_padding positions per axis.
Ref ref_conv_transpose(const std::vector<double>& x, const Shape& xs, const std::vector<double>& w, const Shape& ws,
                       std::vector<int> stride, std::vector<int> pad, std::vector<int> dil, std::vector<int> opad,
                       int groups) {
  const size_t d = xs.size() - 2;
  const int64_t cin = xs.back(), cout = ws[0], cg = cin / groups, coutg = cout / groups;
  Ref r;
  r.shape.push_back(xs[0]);
  for (size_t i = 0; i < d; ++i)
    r.shape.push_back((xs[i + 1] - 1) * stride[i] - 2 * pad[i] + dil[i] * (ws[i + 1] - 1) + 1 + opad[i]);
  r.shape.push_back(cout);
  r.v.assign(static_cast<size_t>(numel(r.shape)), 0.0);
  Shape kshape(ws.begin() + 1, ws.end() - 1);
  for_each_index(xs, [&](const std::vector<int64_t>& xi) {
    const int64_t ci = xi.back(), g = ci / cg;
    for_each_index(kshape, [&](const std::vector<int64_t>& k) {
      std::vector<int64_t> oi{xi[0]};
      for (size_t i = 0; i < d; ++i) {
        const int64_t o = xi[i + 1] * stride[i] + k[i] * dil[i] - pad[i];
        if (o < 0 || o >= r.shape[i + 1]) return;
        oi.push_back(o);
      }
      oi.push_back(0);
      std::vector<int64_t> wi{0};
      wi.insert(wi.end(), k.begin(), k.end());
      wi.push_back(ci - g * cg);
      for (int64_t co = g * coutg; co < (g + 1) * coutg; ++co) {
        oi.back() = co, wi[0] = co;
        r.v[flat(r.shape, oi)] += x[flat(xs, xi)] * w[flat(ws, wi)];
      }
    });
  });
  return r;
}

// mlx.nn's pooling: pad with -inf (max) or 0 (mean), slide the window, reduce; the mean divides by
// the window size. Output size floor((S + 2p - k) / s) + 1 (Python's floor division).
Ref ref_pool(const std::vector<double>& x, const Shape& xs, bool is_max, std::vector<int> k, std::vector<int> s,
             std::vector<int> p) {
  const size_t d = k.size();
  Ref r;
  r.shape.push_back(xs[0]);
  for (size_t i = 0; i < d; ++i) {
    const int64_t span = xs[i + 1] + 2 * p[i] - k[i];
    r.shape.push_back(static_cast<int64_t>(std::floor(static_cast<double>(span) / s[i])) + 1);
  }
  r.shape.push_back(xs.back());
  r.v.assign(static_cast<size_t>(numel(r.shape)), 0.0);
  Shape kshape(k.begin(), k.end());
  for_each_index(r.shape, [&](const std::vector<int64_t>& oi) {
    double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
    for_each_index(kshape, [&](const std::vector<int64_t>& kk) {
      std::vector<int64_t> xi{oi[0]};
      for (size_t i = 0; i < d; ++i) {
        const int64_t pos = oi[i + 1] * s[i] + kk[i] - p[i];
        if (pos < 0 || pos >= xs[i + 1]) {
          if (!is_max) acc += 0.0;  // a padded zero
          return;
        }
        xi.push_back(pos);
      }
      xi.push_back(oi.back());
      const double v = x[flat(xs, xi)];
      acc = is_max ? ((v > acc || std::isnan(v)) ? v : acc) : acc + v;
    });
    r.v[flat(r.shape, oi)] = is_max ? acc : acc / static_cast<double>(numel(kshape));
  });
  return r;
}

// |got - want| <= tol * max(1, max |want|), elementwise, with shapes equal.
void expect_close(const array& got, const Ref& want, double tol) {
  ASSERT_EQ(got.shape(), want.shape);
  const auto g = values_of(got);
  double scale = 1;
  for (double v : want.v) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(want.v[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << "at " << i;
      continue;
    }
    if (std::isinf(want.v[i])) {
      EXPECT_EQ(g[i], want.v[i]) << "at " << i;
      continue;
    }
    ASSERT_NEAR(g[i], want.v[i], tol * scale) << "at flat index " << i;
  }
}

double tolerance(Dtype t) { return t == float64 ? 1e-12 : t == float32 ? 1e-5 : t == float16 ? 4e-3 : 3e-2; }

struct ConvCase {
  Shape xs, ws;
  std::vector<int> stride, lo, hi, kdil, idil;
  int groups;
  bool flip;
};

void check_general(const ConvCase& c, Dtype t, uint32_t seed) {
  SCOPED_TRACE(::testing::Message() << "x " << shape_str(c.xs) << " w " << shape_str(c.ws) << " dtype " << t);
  auto [x, xv] = make_input(c.xs, t, seed);
  auto [w, wv] = make_input(c.ws, t, seed + 1);
  array y = conv_general(x, w, c.stride, c.lo, c.hi, c.kdil, c.idil, c.groups, c.flip);
  EXPECT_EQ(y.dtype(), t);
  expect_close(y, ref_conv(xv, c.xs, wv, c.ws, c.stride, c.lo, c.hi, c.kdil, c.idil, c.groups, c.flip),
               tolerance(t));
}

// Random conv_general cases over 1 to 3 spatial dimensions (fixed seed).
std::vector<ConvCase> random_cases(int count, uint32_t seed) {
  std::mt19937 gen(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); };
  std::vector<ConvCase> out;
  while (static_cast<int>(out.size()) < count) {
    const int d = pick(1, 3), groups = pick(1, 3), cg = pick(1, 3), coutg = pick(1, 3);
    ConvCase c;
    c.xs = {pick(1, 3)};
    c.ws = {groups * coutg};
    for (int i = 0; i < d; ++i) {
      c.xs.push_back(pick(1, 7));
      c.ws.push_back(pick(1, 3));
      c.stride.push_back(pick(1, 3)), c.lo.push_back(pick(-1, 2)), c.hi.push_back(pick(-1, 2));
      c.kdil.push_back(pick(1, 2)), c.idil.push_back(pick(1, 2));
    }
    c.xs.push_back(groups * cg);
    c.ws.push_back(cg);
    c.groups = groups;
    c.flip = pick(0, 1) == 1;
    // Keep the cases MLX accepts: the (cropped) input must leave a non-negative quotient.
    bool ok = true;
    for (int i = 0; i < d; ++i) {
      const int64_t s = c.xs[i + 1] - std::max(0, -c.lo[i]) - std::max(0, -c.hi[i]);
      const int64_t span = 1 + c.idil[i] * (std::max<int64_t>(s, 0) - 1) + std::max(c.lo[i], 0) +
                           std::max(c.hi[i], 0) - (1 + c.kdil[i] * (c.ws[i + 1] - 1));
      ok = ok && s > 0 && span / c.stride[i] >= 0;
    }
    if (ok) out.push_back(c);
  }
  return out;
}

}  // namespace

TEST(Conv, Conv1dHandComputed) {
  // x = [1, 2, 3, 4] (one channel), w = [1, -1]: differences of neighbours.
  array x = array(std::vector<float>{1, 2, 3, 4}, {1, 4, 1});
  array w = array(std::vector<float>{1, -1}, {1, 2, 1});
  array y = conv1d(x, w);
  y.eval();
  EXPECT_EQ(y.shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(values_of(y), (std::vector<double>{-1, -1, -1}));
  // padding 1 adds the edges: [0 - 1, 1 - 2, 2 - 3, 3 - 4, 4 - 0]
  EXPECT_EQ(values_of(conv1d(x, w, 1, 1)), (std::vector<double>{-1, -1, -1, -1, 4}));
  // stride 2 keeps every other output; dilation 2 pairs x[i] with x[i + 2]
  EXPECT_EQ(values_of(conv1d(x, w, 2)), (std::vector<double>{-1, -1}));
  EXPECT_EQ(values_of(conv1d(x, w, 1, 0, 2)), (std::vector<double>{-2, -2}));
  // flipped (true convolution): w acts as [-1, 1]
  EXPECT_EQ(values_of(conv_general(x, w, {1}, {0}, {0}, {1}, {1}, 1, true)), (std::vector<double>{1, 1, 1}));
}

TEST(Conv, Conv2dHandComputed) {
  // A 3x3 ramp with a 2x2 box filter: each output is the sum of a 2x2 window.
  array x = reshape(arange(1.0, 10.0, 1.0), {1, 3, 3, 1});
  array w = ones({1, 2, 2, 1});
  EXPECT_EQ(values_of(conv2d(x, w)), (std::vector<double>{12, 16, 24, 28}));
  // Two output channels, the second doubling: channels stay last.
  array w2 = concatenate({w, 2.0f * w}, 0);
  EXPECT_EQ(values_of(conv2d(x, w2)), (std::vector<double>{12, 24, 16, 32, 24, 48, 28, 56}));
}

TEST(Conv, GeneralMatchesReferenceFloat64) {
  uint32_t seed = 100;
  for (const auto& c : random_cases(120, 7)) check_general(c, float64, seed += 2);
}

TEST(Conv, GeneralMatchesReferenceFloat32) {
  uint32_t seed = 500;
  for (const auto& c : random_cases(80, 11)) check_general(c, float32, seed += 2);
}

TEST(Conv, HalvesComputeInFloat32) {
  uint32_t seed = 900;
  for (Dtype t : {float16, bfloat16})
    for (const auto& c : random_cases(25, 13)) check_general(c, t, seed += 2);
  // the depthwise and 1x1 paths too
  check_general({{2, 5, 5, 4}, {4, 3, 3, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 4, false}, float16, 1);
  check_general({{2, 5, 5, 4}, {3, 1, 1, 4}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, {1, 1}, 1, false}, bfloat16, 2);
}

TEST(Conv, WrappersMatchReference) {
  {
    auto [x, xv] = make_input({2, 9, 4}, float32, 1);
    auto [w, wv] = make_input({6, 3, 2}, float32, 2);
    expect_close(conv1d(x, w, 2, 1, 2, 2), ref_conv(xv, {2, 9, 4}, wv, {6, 3, 2}, {2}, {1}, {1}, {2}, {1}, 2, false),
                 2e-6);
  }
  {
    auto [x, xv] = make_input({2, 7, 6, 3}, float32, 3);
    auto [w, wv] = make_input({5, 3, 2, 3}, float32, 4);
    expect_close(conv2d(x, w, {2, 1}, {1, 2}, {1, 2}),
                 ref_conv(xv, {2, 7, 6, 3}, wv, {5, 3, 2, 3}, {2, 1}, {1, 2}, {1, 2}, {1, 2}, {1, 1}, 1, false), 2e-6);
  }
  {
    auto [x, xv] = make_input({1, 5, 4, 6, 2}, float64, 5);
    auto [w, wv] = make_input({3, 2, 3, 2, 2}, float64, 6);
    expect_close(conv3d(x, w, {1, 2, 2}, {1, 0, 1}, {2, 1, 1}),
                 ref_conv(xv, {1, 5, 4, 6, 2}, wv, {3, 2, 3, 2, 2}, {1, 2, 2}, {1, 0, 1}, {1, 0, 1}, {2, 1, 1},
                          {1, 1, 1}, 1, false),
                 1e-12);
  }
}

TEST(Conv, DepthwiseAndChannelMultiplier) {
  // groups == channels: one filter per channel (the direct path), and two filters per channel.
  for (int64_t mult : {1, 2}) {
    SCOPED_TRACE(mult);
    auto [x, xv] = make_input({2, 6, 5, 8}, float32, 20);
    auto [w, wv] = make_input({8 * mult, 3, 3, 1}, float32, 21);
    expect_close(conv2d(x, w, {1, 2}, {1, 1}, {1, 1}, 8),
                 ref_conv(xv, {2, 6, 5, 8}, wv, {8 * mult, 3, 3, 1}, {1, 2}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 8, false),
                 2e-6);
  }
}

TEST(Conv, PointwiseAndLargeBlockedLayers) {
  {  // 1x1 kernel at stride 1: the input is the column matrix
    auto [x, xv] = make_input({3, 4, 5, 6}, float32, 30);
    auto [w, wv] = make_input({7, 1, 1, 6}, float32, 31);
    expect_close(conv2d(x, w), ref_conv(xv, {3, 4, 5, 6}, wv, {7, 1, 1, 6}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, {1, 1}, 1, false),
                 2e-6);
  }
  {  // enough output rows for several im2col blocks, with two groups
    auto [x, xv] = make_input({2, 48, 48, 64}, float32, 32);
    auto [w, wv] = make_input({8, 3, 3, 32}, float32, 33);
    expect_close(conv2d(x, w, {1, 1}, {1, 1}, {1, 1}, 2),
                 ref_conv(xv, {2, 48, 48, 64}, wv, {8, 3, 3, 32}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 2, false),
                 5e-6);
  }
}

TEST(Conv, MixedDtypesPromote) {
  auto [x, xv] = make_input({1, 6, 2}, float16, 40);
  auto [w, wv] = make_input({3, 2, 2}, float32, 41);
  array y = conv1d(x, w);
  EXPECT_EQ(y.dtype(), float32);
  expect_close(y, ref_conv(xv, {1, 6, 2}, wv, {3, 2, 2}, {1}, {0}, {0}, {1}, {1}, 1, false), 2e-6);
  EXPECT_EQ(conv1d(astype(x, bfloat16), astype(w, float16)).dtype(), float32);
  EXPECT_EQ(conv1d(x, astype(w, int32)).dtype(), float16);
}

TEST(Conv, NonContiguousInputs) {
  // x built as (N, C, L) and transposed to (N, L, C); w taken with a negative step along the kernel axis.
  auto [xt, xtv] = make_input({2, 3, 8}, float32, 50);
  array x = transpose(xt, {0, 2, 1});
  auto [wbig, wbv] = make_input({4, 6, 3}, float32, 51);
  array w = slice(wbig, {0, 5, 0}, {4, -7, 3}, Shape{1, -2, 1});  // kernel taps 5, 3, 1
  ASSERT_EQ(w.shape(), (Shape{4, 3, 3}));
  const auto xv = values_of(x), wv = values_of(w);
  expect_close(conv1d(x, w, 1, 1), ref_conv(xv, {2, 8, 3}, wv, {4, 3, 3}, {1}, {1}, {1}, {1}, {1}, 1, false), 2e-6);
}

TEST(Conv, NegativePaddingCropsAsMlx) {
  auto [x, xv] = make_input({1, 7, 2}, float32, 60);
  auto [w, wv] = make_input({3, 2, 2}, float32, 61);
  array y = conv1d(x, w, 1, -1);
  EXPECT_EQ(y.shape(), (Shape{1, 4, 3}));
  expect_close(y, ref_conv(xv, {1, 7, 2}, wv, {3, 2, 2}, {1}, {-1}, {-1}, {1}, {1}, 1, false), 2e-6);
  expect_close(conv_general(x, w, {2}, {-2}, {1}), ref_conv(xv, {1, 7, 2}, wv, {3, 2, 2}, {2}, {-2}, {1}, {1}, {1}, 1, false),
               2e-6);
}

TEST(Conv, KernelOverhangingByLessThanAStride) {
  // MLX truncates the size quotient toward zero: a dilated kernel (5 wide) over 3 inputs at stride 3
  // still gives one output, whose taps past the input read zero.
  auto [x, xv] = make_input({1, 3, 2}, float32, 70);
  auto [w, wv] = make_input({2, 3, 2}, float32, 71);
  array y = conv1d(x, w, 3, 0, 2);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2}));
  expect_close(y, ref_conv(xv, {1, 3, 2}, wv, {2, 3, 2}, {3}, {0}, {0}, {2}, {1}, 1, false), 2e-6);
}

TEST(Conv, TransposedMatchScatterReference) {
  struct T {
    Shape xs, ws;
    std::vector<int> stride, pad, dil, opad;
    int groups;
  };
  const std::vector<T> cases = {
      {{2, 5, 3}, {4, 3, 3}, {2}, {1}, {1}, {1}, 1},
      {{1, 4, 4}, {6, 2, 2}, {3}, {0}, {2}, {0}, 2},
      {{1, 6, 2}, {2, 3, 2}, {1}, {3}, {1}, {0}, 1},  // padding beyond the kernel crops (stride 1)
      {{2, 3, 4, 2}, {3, 3, 2, 2}, {2, 1}, {1, 0}, {1, 2}, {1, 0}, 1},
      {{1, 4, 3, 4}, {4, 2, 3, 2}, {2, 2}, {0, 1}, {1, 1}, {0, 1}, 2},
      {{1, 3, 2, 3, 2}, {2, 2, 2, 2, 2}, {2, 1, 2}, {0, 0, 1}, {1, 1, 1}, {1, 0, 0}, 1},
  };
  uint32_t seed = 80;
  for (const auto& c : cases) {
    SCOPED_TRACE(shape_str(c.xs) + " " + shape_str(c.ws));
    auto [x, xv] = make_input(c.xs, float64, seed++);
    auto [w, wv] = make_input(c.ws, float64, seed++);
    array y;
    const size_t d = c.stride.size();
    if (d == 1) y = conv_transpose1d(x, w, c.stride[0], c.pad[0], c.dil[0], c.opad[0], c.groups);
    else if (d == 2)
      y = conv_transpose2d(x, w, {c.stride[0], c.stride[1]}, {c.pad[0], c.pad[1]}, {c.dil[0], c.dil[1]},
                           {c.opad[0], c.opad[1]}, c.groups);
    else
      y = conv_transpose3d(x, w, {c.stride[0], c.stride[1], c.stride[2]}, {c.pad[0], c.pad[1], c.pad[2]},
                           {c.dil[0], c.dil[1], c.dil[2]}, {c.opad[0], c.opad[1], c.opad[2]}, c.groups);
    expect_close(y, ref_conv_transpose(xv, c.xs, wv, c.ws, c.stride, c.pad, c.dil, c.opad, c.groups), 1e-12);
  }
  // float32 and float16 go through the same path
  auto [x, xv] = make_input({1, 4, 4, 2}, float16, 90);
  auto [w, wv] = make_input({3, 3, 3, 2}, float16, 91);
  array y = conv_transpose2d(x, w, {2, 2}, {1, 1}, {1, 1}, {1, 1});
  EXPECT_EQ(y.dtype(), float16);
  expect_close(y, ref_conv_transpose(xv, {1, 4, 4, 2}, wv, {3, 3, 3, 2}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1), 4e-3);
}

TEST(Conv, ZeroSizes) {
  {  // empty batch
    array y = conv2d(zeros({0, 5, 5, 2}), ones({3, 3, 3, 2}), {1, 1}, {1, 1});
    EXPECT_EQ(y.shape(), (Shape{0, 5, 5, 3}));
    y.eval();
  }
  {  // empty kernel: MLX's size formula (dilated kernel of 1 + 2 * (0 - 1) = -1) and zeros
    array y = conv1d(ones({2, 5, 2}), ones({3, 0, 2}), 1, 0, 2);
    EXPECT_EQ(y.shape(), (Shape{2, 7, 3}));
    EXPECT_EQ(values_of(y), std::vector<double>(42, 0.0));
  }
  {  // no input channels: every sum is empty
    array y = conv1d(ones({1, 4, 0}), ones({2, 2, 0}));
    EXPECT_EQ(y.shape(), (Shape{1, 3, 2}));
    EXPECT_EQ(values_of(y), std::vector<double>(6, 0.0));
  }
  {  // no output channels, and an empty spatial axis that only padding fills
    EXPECT_EQ(conv1d(ones({1, 4, 2}), ones({0, 2, 2})).shape(), (Shape{1, 3, 0}));
    array y = conv_general(ones({1, 0, 2}), ones({1, 0, 2}), {1}, {1}, {1});
    EXPECT_EQ(y.shape(), (Shape{1, 3, 1}));
    EXPECT_EQ(values_of(y), std::vector<double>(3, 0.0));
  }
}

TEST(Conv, Errors) {
  using ingot::testing::error_of;
  const array x = ones({1, 5, 4}), w = ones({3, 2, 4});
  auto msg = error_of([&] { conv1d(x, ones({3, 2, 3})); });
  EXPECT_THAT(msg, HasSubstr("[conv1d]"));
  EXPECT_THAT(msg, HasSubstr("input channels"));
  EXPECT_THAT(error_of([&] { conv1d(x, ones({3, 2, 2}), 1, 0, 1, 2); }),
              HasSubstr("[conv1d] the output channels must be divisible by the number of groups"));
  EXPECT_THAT(error_of([&] { conv1d(ones({1, 5, 3}), ones({3, 2, 1}), 1, 0, 1, 2); }),
              HasSubstr("[conv1d] the input channels must be divisible by the number of groups"));
  EXPECT_THAT(error_of([&] { conv1d(x, ones({4, 2, 1}), 1, 0, 1, 2); }), HasSubstr("[conv1d] with groups=2 and a weight of shape (4,2,1), expected 2 input channels but got 4"));
  EXPECT_THAT(error_of([&] { conv1d(x, w, 1, 0, 1, 0); }), HasSubstr("[conv1d] groups must be positive"));
  EXPECT_THAT(error_of([&] { conv1d(x, w, 0); }), HasSubstr("[conv1d] strides must be positive"));
  EXPECT_THAT(error_of([&] { conv1d(x, w, 1, 0, 0); }), HasSubstr("[conv1d] kernel dilation must be positive"));
  EXPECT_THAT(error_of([&] { conv_general(x, w, {1}, {0}, {0}, {1}, {0}); }),
              HasSubstr("[conv_general] input dilation must be positive"));
  EXPECT_THAT(error_of([&] { conv_general(x, w, {1, 2}); }), HasSubstr("[conv_general] invalid strides (1,2)"));
  EXPECT_THAT(error_of([&] { conv1d(ones({1, 1, 4}), w); }), HasSubstr("[conv1d] spatial dimensions of the input"));
  // Negative padding that crops more than the kernel needs.
  EXPECT_THAT(error_of([&] { conv1d(ones({1, 3, 4}), w, 1, -1); }), HasSubstr("[conv1d] spatial dimensions"));
  EXPECT_THAT(error_of([&] { conv1d(astype(x, int32), w); }), HasSubstr("[conv1d] only floating point inputs"));
  EXPECT_THAT(error_of([&] { conv1d(ones({5, 4}), w); }), HasSubstr("[conv1d] expected an input with 3 dimensions"));
  EXPECT_THAT(error_of([&] { conv2d(x, w); }), HasSubstr("[conv2d] expected an input with 4 dimensions"));
  EXPECT_THAT(error_of([&] { conv1d(x, ones({3, 2, 2, 4})); }), HasSubstr("[conv1d] expected a weight with 3 dimensions"));
  EXPECT_THAT(error_of([&] { conv_general(ones({1, 2, 2, 2, 2, 1}), ones({1, 1, 1, 1, 1, 1})); }),
              HasSubstr("[conv_general] only inputs with 1 to 3 spatial dimensions"));
  EXPECT_THAT(error_of([&] { conv_transpose2d(x, w); }), HasSubstr("[conv_transpose2d] expected an input"));
  EXPECT_THAT(error_of([&] { conv_transpose1d(x, w, 0); }), HasSubstr("[conv_transpose1d] strides and dilation"));
}

// The importer rebuilds primitives from file state: state that does not fit is refused by name.
TEST(Conv, PrimitiveRefusesBadState) {
  auto build = [](auto state) {
    StateWriter sw;
    sw.write_all(state);
    StateReader r(sw.bytes().data(), sw.bytes().size(), "Convolution");
    return primitive_registry().entries().at("Convolution").factory(r);
  };
  const Arrays in{ones({1, 5, 2}), ones({3, 2, 2})};
  using V = std::vector<int>;
  auto ok = build(std::tuple(V{1}, V{0}, V{0}, V{1}, V{1}, 1, false));
  EXPECT_EQ(ok->output_shapes(in), (std::vector<Shape>{{1, 4, 3}}));
  auto err = [&](auto state) { return ingot::testing::error_of([&] { build(state)->output_shapes(in); }); };
  EXPECT_THAT(err(std::tuple(V{1}, V{-1}, V{0}, V{1}, V{1}, 1, false)), HasSubstr("[conv] padding must be non-negative"));
  EXPECT_THAT(err(std::tuple(V{0}, V{0}, V{0}, V{1}, V{1}, 1, false)), HasSubstr("[conv] strides and dilations"));
  EXPECT_THAT(err(std::tuple(V{1, 1}, V{0}, V{0}, V{1}, V{1}, 1, false)), HasSubstr("[conv] expected 1 values"));
  EXPECT_THAT(err(std::tuple(V{1}, V{0}, V{0}, V{1}, V{1}, 3, false)), HasSubstr("do not fit 3 groups"));
  EXPECT_THAT(err(std::tuple(V{1}, V{0}, V{0}, V{1}, V{1}, 0, false)), HasSubstr("do not fit 0 groups"));
  EXPECT_THAT(err(std::tuple(V{1}, V{0}, V{0}, V{1 << 30}, V{1}, 1, false)), HasSubstr("[conv] spatial dimensions"));
  EXPECT_THAT(ingot::testing::error_of([&] { ok->output_shapes({ones({1, 5, 2}, int32), ones({3, 2, 2}, int32)}); }),
              HasSubstr("[conv] only floating point"));
}

TEST(Pool, HandComputed) {
  const array x = array(std::vector<float>{1, 3, 2, 5, 4}, {1, 5, 1});
  EXPECT_EQ(values_of(max_pool1d(x, 2)), (std::vector<double>{3, 5}));
  // padding 1 with -inf: windows [-inf, 1], [3, 2], [5, 4]
  EXPECT_EQ(values_of(max_pool1d(x, 2, std::nullopt, 1)), (std::vector<double>{1, 3, 5}));
  // average counts the padded zeros: [0, 1], [3, 2], [5, 4] -> 0.5, 2.5, 4.5
  EXPECT_EQ(values_of(avg_pool1d(x, 2, std::nullopt, 1)), (std::vector<double>{0.5, 2.5, 4.5}));
  const array y = array(std::vector<float>{1, 2, 3}, {1, 3, 1});
  EXPECT_EQ(values_of(avg_pool1d(y, 2, 1, 1)), (std::vector<double>{0.5, 1.5, 2.5, 1.5}));
  // 2-D: a 4x4 ramp, 2x2 windows
  const array z = reshape(arange(16.0), {1, 4, 4, 1});
  EXPECT_EQ(values_of(max_pool2d(z, {2, 2})), (std::vector<double>{5, 7, 13, 15}));
  EXPECT_EQ(values_of(max_pool2d(z, {2, 2}, {2, 1})), (std::vector<double>{5, 6, 7, 13, 14, 15}));
  EXPECT_EQ(values_of(avg_pool2d(z, {2, 2})), (std::vector<double>{2.5, 4.5, 10.5, 12.5}));
}

TEST(Pool, MatchesReference) {
  std::mt19937 gen(3);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); };
  uint32_t seed = 200;
  for (int it = 0; it < 60; ++it) {
    const int d = pick(1, 2);
    std::vector<int> k, s, p;
    Shape xs{pick(1, 2)};
    for (int i = 0; i < d; ++i) {
      k.push_back(pick(1, 3)), s.push_back(pick(1, 3)), p.push_back(pick(0, 2));
      xs.push_back(pick(3, 8));
    }
    xs.push_back(pick(1, 4));
    const bool is_max = it % 2 == 0;
    const Dtype t = it % 3 == 0 ? float16 : float32;
    SCOPED_TRACE(::testing::Message() << shape_str(xs) << (is_max ? " max" : " avg") << " " << t);
    auto [x, xv] = make_input(xs, t, seed++);
    array y;
    if (d == 1) y = is_max ? max_pool1d(x, k[0], s[0], p[0]) : avg_pool1d(x, k[0], s[0], p[0]);
    else
      y = is_max ? max_pool2d(x, {k[0], k[1]}, std::pair{s[0], s[1]}, {p[0], p[1]})
                 : avg_pool2d(x, {k[0], k[1]}, std::pair{s[0], s[1]}, {p[0], p[1]});
    EXPECT_EQ(y.dtype(), t);
    expect_close(y, ref_pool(xv, xs, is_max, k, s, p), t == float16 ? 2e-3 : 1e-6);
  }
}

TEST(Pool, DtypesNanAndEdges) {
  // integers: max stays integral (padding never wins), the mean is float32
  const array xi = array(std::vector<int32_t>{-7, -3, -9, 4}, {1, 4, 1});
  array m = max_pool1d(xi, 2, 1, 1);
  EXPECT_EQ(m.dtype(), int32);
  EXPECT_EQ(values_of(m), (std::vector<double>{-7, -3, -3, 4, 4}));
  array a = avg_pool1d(astype(xi, uint8), 2, 2);
  EXPECT_EQ(a.dtype(), float32);
  EXPECT_EQ(values_of(a), (std::vector<double>{(249 + 253) / 2.0, (247 + 4) / 2.0}));
  EXPECT_EQ(avg_pool1d(ones({1, 4, 2}, float64), 2).dtype(), float64);
  // NaN propagates through max, as mx.max does
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto v = values_of(max_pool1d(array(std::vector<float>{1, nan, 3}, {1, 3, 1}), 2, 1));
  EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[1]));
  // a window wholly in the padding: -inf, as MLX's -inf padding gives
  auto e = values_of(max_pool1d(array(std::vector<float>{1, 2, 3, 4}, {1, 4, 1}), 2, 2, 2));
  EXPECT_EQ(e, (std::vector<double>{-INFINITY, 2, 4, -INFINITY}));
  // a window overshooting the input by less than a stride gives an empty axis (Python floor division)
  EXPECT_EQ(max_pool1d(ones({1, 4, 2}), 5, 2).shape(), (Shape{1, 0, 2}));
  EXPECT_EQ(avg_pool2d(ones({0, 4, 4, 3}), {2, 2}).shape(), (Shape{0, 2, 2, 3}));
  // non-contiguous input: (N, C, L) transposed to (N, L, C)
  auto [xt, xtv] = make_input({2, 3, 7}, float32, 300);
  array x = transpose(xt, {0, 2, 1});
  expect_close(max_pool1d(x, 3, 2, 1), ref_pool(values_of(x), {2, 7, 3}, true, {3}, {2}, {1}), 0);
}

TEST(Pool, Errors) {
  using ingot::testing::error_of;
  const array x = ones({1, 4, 4, 2});
  EXPECT_THAT(error_of([&] { max_pool2d(x, {0, 2}); }), HasSubstr("[max_pool2d] 'kernel_size' must be positive"));
  EXPECT_THAT(error_of([&] { avg_pool2d(x, {2, 2}, std::pair{1, 0}); }), HasSubstr("[avg_pool2d] 'stride' must be positive"));
  EXPECT_THAT(error_of([&] { max_pool2d(x, {2, 2}, std::nullopt, {-1, 0}); }),
              HasSubstr("[max_pool2d] 'padding' must be non-negative"));
  EXPECT_THAT(error_of([&] { max_pool1d(x, 2); }), HasSubstr("[max_pool1d] expected an input with 3 dimensions"));
  EXPECT_THAT(error_of([&] { avg_pool2d(ones({4, 4, 2}), {2, 2}); }), HasSubstr("[avg_pool2d] expected an input with 4"));
  EXPECT_THAT(error_of([&] { max_pool1d(ones({1, 3, 2}), 5, 1); }), HasSubstr("[max_pool1d] the kernel size (5,) is larger"));
  EXPECT_THAT(error_of([&] { max_pool1d(ones({1, 3, 2}, bool_), 2); }), HasSubstr("[max_pool1d] boolean arrays"));
}
