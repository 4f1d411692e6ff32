// Ops used by common layers, composed from other primitives: clip, nan_to_num, repeat, tile, roll,
// meshgrid, diag, diagonal, trace; checked against plain loops and hand-computed values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <tuple>

#include "ingot/ingot.h"
#include "test_util.h"

using namespace ingot;
using ingot::testing::numel;
using ingot::testing::unravel;
using ingot::testing::ravel;
using ingot::testing::ramp;
using ingot::testing::error_of;
using ingot::testing::vals;
using ::testing::HasSubstr;

namespace {

using V = std::vector<double>;
using I = std::vector<int64_t>;
using Ax = std::vector<int>;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

array make(const V& v, const Shape& s, Dtype t) { return array(v, s, t); }

// NaN-aware equality of value lists.
::testing::AssertionResult same(const V& got, const V& want) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << got.size() << " values, want " << want.size();
  for (size_t i = 0; i < got.size(); ++i)
    if (!(got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))))
      return ::testing::AssertionFailure() << "at " << i << ": " << got[i] << " vs " << want[i];
  return ::testing::AssertionSuccess();
}

}  // namespace

// ---- clip ----

TEST(MiscClip, ScalarsArraysAndOneSidedBounds) {
  const V xv{-3, -0.5, 0, 0.25, 2, 7};
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const array x = make(xv, {2, 3}, t);
    auto c = clip(x, -1.0f, 1.0f);
    EXPECT_EQ(c.dtype(), t);  // weak scalars keep the dtype
    EXPECT_EQ(vals(c), (V{-1, -0.5, 0, 0.25, 1, 1}));
    EXPECT_EQ(vals(clip(x, std::nullopt, 0.0f)), (V{-3, -0.5, 0, 0, 0, 0}));
    EXPECT_EQ(vals(clip(x, 0, std::nullopt)), (V{0, 0, 0, 0.25, 2, 7}));
  }
  // integer arrays with integer bounds stay integers; array bounds broadcast
  const array n = make({-5, 0, 3, 9, 12, 100}, {2, 3}, int32);
  EXPECT_EQ(clip(n, 0, 10).dtype(), int32);
  EXPECT_EQ(vals(clip(n, 0, 10)), (V{0, 0, 3, 9, 10, 10}));
  auto lo = array({1, 2, 3}), hi = reshape(array({4, 50}), {2, 1});
  EXPECT_EQ(vals(clip(n, lo, hi)), (V{1, 2, 3, 9, 12, 50}));
  EXPECT_EQ(vals(clip(make({0, 200, 255}, {3}, uint8), 10, 250)), (V{10, 200, 250}));
  // a_min above a_max gives a_max (numpy), NaN passes through, non-contiguous input
  EXPECT_EQ(vals(clip(array({0.0f, 5.0f}), 3.0f, 1.0f)), (V{1, 1}));
  EXPECT_TRUE(same(vals(clip(array({static_cast<float>(kNaN), 2.0f}), 0.0f, 1.0f)), {kNaN, 1}));
  EXPECT_EQ(vals(clip(transpose(n), 0, 10)), (V{0, 9, 0, 10, 3, 10}));
  EXPECT_EQ(clip(zeros({0, 3}), 0.0f, 1.0f).shape(), (Shape{0, 3}));
  EXPECT_EQ(vals(clip(array(4.0f), 0.0f, 1.0f)), (V{1}));
}

TEST(MiscClip, Errors) {
  EXPECT_THAT(error_of([] { clip(zeros({2}), std::nullopt, std::nullopt); }), HasSubstr("[clip] at least one"));
  EXPECT_THAT(error_of([] { clip(zeros({2}), zeros({3}), std::nullopt); }), HasSubstr("[maximum]"));
  EXPECT_THAT(error_of([] { clip(zeros({2}, int8), 0, 1000); }), HasSubstr("[minimum]"));
}

// ---- nan_to_num ----

TEST(MiscNanToNum, DefaultsPerDtypeAndCustomValues) {
  const V xv{kNaN, kInf, -kInf, 1.5, -2};
  const std::pair<Dtype, double> big[] = {{float16, 65504.0},
                                          {bfloat16, 3.3895313892515355e38},
                                          {float32, static_cast<double>(std::numeric_limits<float>::max())},
                                          {float64, std::numeric_limits<double>::max()}};
  for (auto [t, m] : big) {
    SCOPED_TRACE(dtype_name(t));
    const array x = make(xv, {5}, t);
    auto r = nan_to_num(x);
    EXPECT_EQ(r.dtype(), t);
    EXPECT_EQ(vals(r), (V{0, m, -m, 1.5, -2}));
    EXPECT_EQ(vals(nan_to_num(x, 7.0, 100.0, -100.0)), (V{7, 100, -100, 1.5, -2}));
    EXPECT_EQ(vals(nan_to_num(x, -1.0, std::nullopt, 3.0)), (V{-1, m, 3, 1.5, -2}));
  }
  // a float16 replacement beyond its range overflows to infinity, as numpy's cast does
  EXPECT_EQ(vals(nan_to_num(make(xv, {5}, float16), 0.0, 1e6)), (V{0, kInf, -65504, 1.5, -2}));
  // integers and bool are returned unchanged; views and empty arrays work
  const array n = array({1, 2, 3});
  EXPECT_TRUE(nan_to_num(n).is_same(n));
  const array b = array({true, false});
  EXPECT_TRUE(nan_to_num(b).is_same(b));
  auto t = transpose(reshape(make(V{kNaN, 1, kInf, 2, -kInf, 3}, {6}, float32), {3, 2}));
  EXPECT_EQ(vals(nan_to_num(t, 0.0, 9.0, -9.0)), (V{0, 9, -9, 1, 2, 3}));
  EXPECT_EQ(nan_to_num(zeros({0})).shape(), (Shape{0}));
}

// ---- repeat and tile ----

TEST(MiscRepeat, AlongAnAxisAndFlattened) {
  const Shape s{2, 3};
  for (Dtype t : {bool_, int8, uint64, float16, float32}) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    const array a = make(av, s, t);
    for (int axis : {0, 1, -1}) {
      const int ax = axis < 0 ? axis + 2 : axis;
      auto r = repeat(a, 3, axis);
      Shape os = s;
      os[ax] *= 3;
      EXPECT_EQ(r.shape(), os);
      EXPECT_EQ(r.dtype(), t);
      V want;
      for (int64_t p = 0; p < numel(os); ++p) {
        I i = unravel(p, os);
        i[ax] /= 3;
        want.push_back(av[ravel(i, s)]);
      }
      EXPECT_EQ(vals(r), want);
    }
    V flat;
    for (double v : av) flat.insert(flat.end(), 2, v);
    EXPECT_EQ(vals(repeat(a, 2)), flat);
  }
  const array a = make(ramp({2, 2}, int32), {2, 2}, int32);
  EXPECT_EQ(vals(repeat(transpose(a), 2, 1)), (V{0, 0, 2, 2, 1, 1, 3, 3}));
  EXPECT_EQ(repeat(a, 0, 1).shape(), (Shape{2, 0}));  // numpy's shape (MLX gives an empty 1-D array)
  EXPECT_TRUE(repeat(a, 1, 0).is_same(a));
  EXPECT_EQ(vals(repeat(array(5), 3)), (V{5, 5, 5}));
  EXPECT_EQ(repeat(zeros({0, 2}), 4, 1).shape(), (Shape{0, 8}));
  EXPECT_THAT(error_of([&] { repeat(a, -1, 0); }), HasSubstr("[repeat] the number of repeats cannot be negative"));
  EXPECT_THAT(error_of([&] { repeat(a, 2, 2); }), HasSubstr("[repeat]"));
  EXPECT_THAT(error_of([&] { repeat(array(1), 2, 0); }), HasSubstr("[repeat]"));
}

TEST(MiscTile, RepsShorterLongerAndZero) {
  const Shape s{2, 3};
  const V av = ramp(s, float32);
  const array a = make(av, s, float32);
  auto check = [&](const array& src, const V& sv, const Shape& ss, const Shape& reps) {
    // numpy: pad shape and reps with leading 1s to a common length; out[i] = src[i mod shape]
    Shape sh = ss, rp = reps;
    while (sh.size() < rp.size()) sh.insert(sh.begin(), 1);
    while (rp.size() < sh.size()) rp.insert(rp.begin(), 1);
    Shape os(sh.size());
    for (size_t d = 0; d < sh.size(); ++d) os[d] = sh[d] * rp[d];
    auto r = tile(src, reps);
    EXPECT_EQ(r.shape(), os);
    V want;
    for (int64_t p = 0; p < numel(os); ++p) {
      I i = unravel(p, os);
      for (size_t d = 0; d < sh.size(); ++d) i[d] %= sh[d];
      want.push_back(sv[ravel(i, sh)]);
    }
    EXPECT_EQ(vals(r), want) << shape_str(reps);
  };
  check(a, av, s, {2, 3});
  check(a, av, s, {2});
  check(a, av, s, {2, 1, 2});
  check(a, av, s, {1, 1});
  check(a, av, s, {0, 2});
  check(transpose(a), vals(transpose(a)), {3, 2}, {2, 2});
  check(array(7.0f), {7}, {}, {3});
  check(array(std::vector<bool>{true, false}, {2}), {1, 0}, {2}, {3});
  EXPECT_THAT(error_of([&] { tile(a, {-1, 2}); }), HasSubstr("[tile] repetitions cannot be negative"));
}

// ---- roll ----

TEST(MiscRoll, FlattenedPerAxisAndTupleShifts) {
  const Shape s{3, 4};
  const V av = ramp(s, int32);
  const array a = make(av, s, int32);
  auto ref = [&](const std::vector<int64_t>& per_axis) {
    V out(av.size());
    for (int64_t p = 0; p < numel(s); ++p) {
      I i = unravel(p, s);
      I j = i;
      for (size_t d = 0; d < s.size(); ++d) j[d] = ((i[d] + per_axis[d]) % s[d] + s[d]) % s[d];
      out[ravel(j, s)] = av[p];
    }
    return out;
  };
  auto ref_flat = [&](int64_t k) {
    V out(av.size());
    const int64_t n = static_cast<int64_t>(av.size());
    for (int64_t p = 0; p < n; ++p) out[((p + k) % n + n) % n] = av[p];
    return out;
  };
  EXPECT_EQ(vals(roll(a, 1, 0)), ref({1, 0}));
  EXPECT_EQ(vals(roll(a, -1, 1)), ref({0, -1}));
  EXPECT_EQ(vals(roll(a, 6, -1)), ref({0, 6}));
  EXPECT_EQ(vals(roll(a, 2, Ax{0, 1})), ref({2, 2}));
  EXPECT_EQ(vals(roll(a, Shape{1, -3}, Ax{0, 1})), ref({1, -3}));
  EXPECT_EQ(vals(roll(a, Shape{1, 1}, Ax{1, 1})), ref({0, 2}));  // a repeated axis adds up
  EXPECT_EQ(vals(roll(a, Shape{2, 3}, 1)), ref({0, 5}));       // shifts on one axis add up
  EXPECT_EQ(vals(roll(a, 5)), ref_flat(5));
  EXPECT_EQ(vals(roll(a, -13)), ref_flat(-13));
  EXPECT_EQ(vals(roll(a, Shape{4, 3})), ref_flat(7));
  EXPECT_EQ(roll(a, 5).shape(), s);
  EXPECT_TRUE(roll(a, 4, 1).is_same(a));    // a whole turn is the input
  EXPECT_TRUE(roll(a, 1, Ax{}).is_same(a));  // no axes
  // views, dtypes, empty and 0-d
  const V tv = vals(transpose(a));
  V want(tv.size());
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 3; ++c) want[r * 3 + (c + 1) % 3] = tv[r * 3 + c];
  EXPECT_EQ(vals(roll(transpose(a), 1, 1)), want);
  EXPECT_EQ(vals(roll(array({1.5f, 2.5f, 3.5f}, float16), 1)), (V{3.5, 1.5, 2.5}));
  EXPECT_EQ(vals(roll(array(std::vector<bool>{true, false, false}, {3}), -1, 0)), (V{0, 0, 1}));
  EXPECT_EQ(roll(zeros({0, 3}), 2, 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(vals(roll(array(4.0f), 3)), (V{4}));
  EXPECT_THAT(error_of([&] { roll(a, 1, 2); }), HasSubstr("[roll]"));
  EXPECT_THAT(error_of([&] { roll(a, Shape{1, 2, 3}, Ax{0, 1}); }), HasSubstr("[roll] got 3 shifts for 2 axes"));
  EXPECT_THAT(error_of([&] { roll(a, Shape{}, Ax{0}); }), HasSubstr("[roll]"));
}

// ---- meshgrid ----

TEST(MiscMeshgrid, XyAndIjDenseAndSparse) {
  const array x = array({1, 2, 3}), y = array({10.0f, 20.0f});
  auto ij = meshgrid({x, y}, false, "ij");
  ASSERT_EQ(ij.size(), 2u);
  EXPECT_EQ(ij[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(ij[0].dtype(), int32);
  EXPECT_EQ(ij[1].dtype(), float32);
  EXPECT_EQ(vals(ij[0]), (V{1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(vals(ij[1]), (V{10, 20, 10, 20, 10, 20}));
  auto xy = meshgrid({x, y});
  EXPECT_EQ(xy[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(vals(xy[0]), (V{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(vals(xy[1]), (V{10, 10, 10, 20, 20, 20}));
  auto sp = meshgrid({x, y}, true);
  EXPECT_EQ(sp[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(sp[1].shape(), (Shape{2, 1}));
  // three inputs, xy: shape (len(y), len(x), len(z)); 2-D inputs are flattened
  const array z = reshape(array({7, 8, 9, 6}), {2, 2});
  auto three = meshgrid({x, y, z});
  EXPECT_EQ(three[2].shape(), (Shape{2, 3, 4}));
  V wz;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (double v : {7, 8, 9, 6}) wz.push_back(v);
  EXPECT_EQ(vals(three[2]), wz);
  V wx;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) wx.push_back(j + 1);
  EXPECT_EQ(vals(three[0]), wx);
  // one input, empty inputs, views
  EXPECT_EQ(vals(meshgrid({x})[0]), (V{1, 2, 3}));
  EXPECT_EQ(meshgrid({x, zeros({0})})[0].shape(), (Shape{0, 3}));
  EXPECT_TRUE(meshgrid({}).empty());
  EXPECT_EQ(vals(meshgrid({slice(x, {2}, {-4}, Shape{-1}), y}, false, "ij")[0]), (V{3, 3, 2, 2, 1, 1}));
  EXPECT_THAT(error_of([&] { meshgrid({x, y}, false, "xz"); }), HasSubstr("[meshgrid] indexing must be 'xy' or 'ij'"));
}

// ---- diag, diagonal, trace ----

namespace {
// diagonal of a (shape s) over (ax1, ax2) with offset k, as numpy: other axes first, diagonal last.
V ref_diagonal(const V& a, const Shape& s, int k, int ax1, int ax2, Shape* out_shape) {
  const int64_t o1 = std::max(-k, 0), o2 = std::max(k, 0);
  const int64_t len = std::max<int64_t>(std::min(s[ax1] - o1, s[ax2] - o2), 0);
  Shape rest;
  for (int d = 0; d < static_cast<int>(s.size()); ++d)
    if (d != ax1 && d != ax2) rest.push_back(s[d]);
  *out_shape = rest;
  out_shape->push_back(len);
  V out;
  for (int64_t p = 0; p < numel(rest); ++p) {
    I r = unravel(p, rest);
    for (int64_t i = 0; i < len; ++i) {
      I full(s.size());
      size_t q = 0;
      for (int d = 0; d < static_cast<int>(s.size()); ++d)
        full[d] = d == ax1 ? o1 + i : d == ax2 ? o2 + i : r[q++];
      out.push_back(a[ravel(full, s)]);
    }
  }
  return out;
}
}  // namespace

TEST(MiscDiagonal, OffsetsAxesAndDtypes) {
  const Shape s{3, 4, 2};
  for (Dtype t : {bool_, int16, uint32, float16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    const array a = make(av, s, t);
    for (auto [k, a1, a2] : std::vector<std::tuple<int, int, int>>{{0, 0, 1}, {1, 0, 1}, {-2, 0, 1}, {0, 1, 0},
                                                                   {1, 2, 0}, {-1, -1, 1}, {5, 0, 1}, {-3, 0, 1}}) {
      Shape ws;
      const int n1 = a1 < 0 ? a1 + 3 : a1, n2 = a2 < 0 ? a2 + 3 : a2;
      V want = ref_diagonal(av, s, k, n1, n2, &ws);
      auto d = diagonal(a, k, a1, a2);
      EXPECT_EQ(d.shape(), ws) << k << " " << a1 << " " << a2;
      EXPECT_EQ(d.dtype(), t);
      EXPECT_EQ(vals(d), want) << k << " " << a1 << " " << a2;
    }
  }
  // a transposed input
  const V mv = ramp({4, 3}, float32);
  auto mt = transpose(make(mv, {4, 3}, float32));  // (3, 4)
  EXPECT_EQ(vals(diagonal(mt, 1)), (V{mv[1 * 3 + 0], mv[2 * 3 + 1], mv[3 * 3 + 2]}));
  EXPECT_EQ(diagonal(zeros({0, 3})).shape(), (Shape{0}));
  EXPECT_THAT(error_of([] { diagonal(zeros({3})); }),
              HasSubstr("[diagonal] the array must have at least 2 dimensions"));
  EXPECT_THAT(error_of([] { diagonal(zeros({3, 3}), 0, 1, -1); }),
              HasSubstr("[diagonal] axis1 and axis2 cannot be the same"));
  EXPECT_THAT(error_of([] { diagonal(zeros({3, 3}), 0, 0, 2); }), HasSubstr("[diagonal]"));
}

TEST(MiscDiag, VectorToMatrixAndBack) {
  const array v = array({1, 2, 3});
  for (int k : {0, 1, -2}) {
    SCOPED_TRACE(k);
    auto m = diag(v, k);
    const int64_t n = 3 + std::abs(k);
    EXPECT_EQ(m.shape(), (Shape{n, n}));
    EXPECT_EQ(m.dtype(), int32);
    V want(static_cast<size_t>(n * n), 0.0);
    for (int i = 0; i < 3; ++i) want[(i + std::max(-k, 0)) * n + i + std::max(k, 0)] = i + 1;
    EXPECT_EQ(vals(m), want);
    EXPECT_EQ(vals(diag(m, k)), (V{1, 2, 3}));  // and back
  }
  EXPECT_EQ(vals(diag(array({1.5f, -2.0f}, bfloat16))), (V{1.5, 0, 0, -2}));
  EXPECT_EQ(vals(diag(slice(array({1.0f, 2.0f, 3.0f}), {2}, {-4}, Shape{-2}))), (V{3, 0, 0, 1}));
  EXPECT_EQ(diag(zeros({0}), 2).shape(), (Shape{2, 2}));
  EXPECT_EQ(vals(diag(zeros({0}), 2)), V(4, 0.0));
  EXPECT_EQ(vals(diag(reshape(array({1, 2, 3, 4, 5, 6}), {2, 3}), 1)), (V{2, 6}));
  EXPECT_THAT(error_of([] { diag(zeros({2, 2, 2})); }), HasSubstr("[diag] the array must be 1- or 2-dimensional"));
  EXPECT_THAT(error_of([] { diag(array(1.0f)); }), HasSubstr("[diag]"));
}

TEST(MiscTrace, SumsTheDiagonal) {
  const Shape s{3, 4};
  const V av = ramp(s, float32);
  const array a = make(av, s, float32);
  EXPECT_EQ(vals(trace(a)), (V{0 + 5 + 10}));
  EXPECT_EQ(vals(trace(a, 1)), (V{1 + 6 + 11}));
  EXPECT_EQ(vals(trace(a, -1)), (V{4 + 9}));
  EXPECT_EQ(vals(trace(a, 9)), (V{0}));
  EXPECT_EQ(vals(trace(transpose(a), 0, 1, 0)), (V{15}));
  // batched: trace over axes (1, 2) of a (2, 2, 2)
  auto b = make(ramp({2, 2, 2}, float32), {2, 2, 2}, float32);
  EXPECT_EQ(vals(trace(b, 0, 1, 2)), (V{0 + 3, 4 + 7}));
  EXPECT_EQ(trace(b, 0, 1, 2).shape(), (Shape{2}));
  // dtypes: int8 sums as the sum op does; an explicit dtype converts before summing
  auto i8 = make(V{100, 0, 0, 100}, {2, 2}, int8);
  auto t8 = trace(i8);
  EXPECT_EQ(t8.dtype(), sum(array(std::vector<int8_t>{1}, {1}, int8)).dtype());
  EXPECT_EQ(vals(t8), (V{200}));
  auto tf = trace(i8, 0, 0, 1, float16);
  EXPECT_EQ(tf.dtype(), float16);
  EXPECT_EQ(vals(tf), (V{200}));
  EXPECT_THAT(error_of([] { trace(zeros({3})); }), HasSubstr("[trace] the array must have at least 2 dimensions"));
  EXPECT_THAT(error_of([] { trace(zeros({3, 3}), 0, 1, 1); }), HasSubstr("[trace] axis1 and axis2 cannot be the same"));
  EXPECT_THAT(error_of([] { trace(zeros({3, 3}), 0, 0, 5); }), HasSubstr("[trace]"));
}
