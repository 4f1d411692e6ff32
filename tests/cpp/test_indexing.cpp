// Indexing: take, take_along_axis, put_along_axis / scatter_add_axis, gather, scatter and its
// reductions, slice_update (static and with a run-time start), the dynamic slice and pad, checked
// against plain loops written here (independent of the kernels).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "export_test_util.h"
#include "ingot/ingot.h"
#include "prims/primitive.h"

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

array make(const V& v, const Shape& s, Dtype t) { return array(v, s, t); }
array make_idx(const I& v, const Shape& s, Dtype t) { return array(v, s, t); }

// The reference rules: run-time reads wrap negatives then clamp; writes wrap then drop.
int64_t ref_clamp(int64_t i, int64_t n, int64_t w = 1) {
  if (i < 0) i += n;
  return std::clamp<int64_t>(i, 0, n - w);
}
bool ref_inside(int64_t& i, int64_t n, int64_t w = 1) {
  if (i < 0) i += n;
  return i >= 0 && i + w <= n;
}

V ref_take(const V& a, const Shape& s, const I& idx, int axis) {
  int64_t pre = 1, post = 1;
  for (int d = 0; d < axis; ++d) pre *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) post *= s[d];
  const int64_t n = s[axis];
  V out;
  for (int64_t p = 0; p < pre; ++p)
    for (int64_t k : idx)
      for (int64_t q = 0; q < post; ++q) out.push_back(a[(p * n + ref_clamp(k, n)) * post + q]);
  return out;
}

const Dtype kValueDtypes[] = {bool_,  uint8,   int8,     uint16,  int32,  uint32,
                              int64,  uint64,  float16,  bfloat16, float32, float64};
const Dtype kIndexDtypes[] = {int8, uint8, int16, uint16, int32, uint32, int64, uint64};

}  // namespace

// ---- take ----

TEST(IndexingTake, EveryValueDtypeAlongEachAxis) {
  const Shape s{3, 4, 2};
  for (Dtype t : kValueDtypes) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    const array a = make(av, s, t);
    const I idx{2, 0, -1, 1, 1};
    for (int axis = 0; axis < 3; ++axis) {
      auto r = take(a, make_idx(idx, {5}, int32), axis);
      Shape want = s;
      want[axis] = 5;
      EXPECT_EQ(r.shape(), want);
      EXPECT_EQ(r.dtype(), t);
      EXPECT_EQ(vals(r), ref_take(av, s, idx, axis)) << "axis " << axis;
    }
    auto neg = take(a, make_idx({1}, {1}, int64), -1);
    EXPECT_EQ(vals(neg), ref_take(av, s, {1}, 2));
  }
}

TEST(IndexingTake, EveryIndexDtype) {
  const Shape s{4, 3};
  const V av = ramp(s, float32);
  const array a = make(av, s, float32);
  for (Dtype it : kIndexDtypes) {
    SCOPED_TRACE(dtype_name(it));
    const I idx = is_unsigned(it) ? I{3, 0, 2, 2} : I{3, -4, -1, 2};
    auto r = take(a, make_idx(idx, {2, 2}, it), 0);
    EXPECT_EQ(r.shape(), (Shape{2, 2, 3}));
    EXPECT_EQ(vals(r), ref_take(av, s, idx, 0));
  }
}

TEST(IndexingTake, MultiDimensionalIndicesGoWhereTheAxisWas) {
  const Shape s{2, 5, 3};
  const V av = ramp(s, float32);
  const I idx{4, 0, 1, 3, 3, 2};
  auto r = take(make(av, s, float32), make_idx(idx, {3, 2}, int32), 1);
  EXPECT_EQ(r.shape(), (Shape{2, 3, 2, 3}));
  EXPECT_EQ(vals(r), ref_take(av, s, idx, 1));
  // A 0-d index array removes the axis.
  auto z = take(make(av, s, float32), array(int32_t{2}), 1);
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals(z), ref_take(av, s, {2}, 1));
}

TEST(IndexingTake, OutOfRangeRunTimeIndicesAreClamped) {
  // Documented choice: negative indices wrap once, what is still out of range is clamped.
  auto a = array({10.0f, 11.0f, 12.0f});
  EXPECT_EQ(vals(take(a, array({3, 7, -4, -100, 1000000}), 0)), (V{12, 12, 10, 10, 12}));
  // uint64 above INT64_MAX stays out of range (clamped to the end), never wraps to a negative index.
  auto huge = array(std::vector<uint64_t>{~uint64_t{0}, 1}, {2}, uint64);
  EXPECT_EQ(vals(take(a, huge, 0)), (V{12, 11}));
  auto i64 = array(std::vector<int64_t>{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}, {2});
  EXPECT_EQ(vals(take(a, i64, 0)), (V{10, 12}));
}

TEST(IndexingTake, FlattenedAndStaticIndex) {
  const Shape s{2, 3};
  const V av = ramp(s, int32);
  const array a = make(av, s, int32);
  EXPECT_EQ(vals(take(a, array({5, 0, -2}))), (V{5, 0, 4}));
  EXPECT_EQ(take(a, array({5, 0, -2})).shape(), (Shape{3}));
  auto t = transpose(a);  // flattening follows the logical order
  EXPECT_EQ(vals(take(t, array({1, 2}))), (V{3, 1}));
  auto st = take(a, int64_t{-1}, 1);
  EXPECT_EQ(st.shape(), (Shape{2}));
  EXPECT_EQ(vals(st), (V{2, 5}));
  auto sc = take(a, 4);
  EXPECT_EQ(sc.shape(), Shape{});
  EXPECT_EQ(vals(sc), (V{4}));
}

TEST(IndexingTake, NonContiguousInputsAndIndices) {
  const Shape s{4, 3};
  const V av = ramp(s, float32);
  const array a = make(av, s, float32);
  auto at = transpose(a);  // (3, 4), strides (1, 3)
  V atv = vals(at);
  auto idx = slice(array({3, 9, 0, 9, 1, 9}), {0}, {6}, Shape{2});  // 3, 0, 1 with stride 2
  EXPECT_EQ(vals(take(at, idx, 1)), ref_take(atv, {3, 4}, {3, 0, 1}, 1));
  EXPECT_EQ(vals(take(at, idx, 0)), ref_take(atv, {3, 4}, {3, 0, 1}, 0));
  auto rev = slice(a, {3, 0}, {-5, 3}, Shape{-1, 1});  // reversed rows
  EXPECT_EQ(vals(take(rev, array({0, 1}), 0)), (V{9, 10, 11, 6, 7, 8}));
  auto bidx = broadcast_to(array({2}), {3});  // stride-0 indices
  EXPECT_EQ(vals(take(a, bidx, 0)), (V{6, 7, 8, 6, 7, 8, 6, 7, 8}));
}

TEST(IndexingTake, EmptyArraysAndIndices) {
  const array a = make(ramp({2, 3}, float32), {2, 3}, float32);
  auto e = take(a, array(std::vector<int32_t>{}, {0}), 1);
  EXPECT_EQ(e.shape(), (Shape{2, 0}));
  EXPECT_EQ(vals(e).size(), 0u);
  auto ea = take(zeros({0, 3}), array({1, 2}), 1);  // empty elsewhere: fine
  EXPECT_EQ(ea.shape(), (Shape{0, 2}));
  EXPECT_EQ(take(zeros({0, 3}), array(std::vector<int32_t>{}, {0}), 0).shape(), (Shape{0, 3}));
}

TEST(IndexingTake, Errors) {
  const array a = zeros({2, 3});
  EXPECT_THAT(error_of([&] { take(a, array({1.0f}), 0); }), HasSubstr("[take] indices must be integers"));
  EXPECT_THAT(error_of([&] { take(a, array({true}), 0); }), HasSubstr("[take] indices must be integers"));
  EXPECT_THAT(error_of([&] { take(a, array({1}), 2); }), HasSubstr("[take]"));
  EXPECT_THAT(error_of([&] { take(a, array({1}), -3); }), HasSubstr("[take]"));
  EXPECT_THAT(error_of([&] { take(array(1.0f), array({0}), 0); }), HasSubstr("[take]"));
  EXPECT_THAT(error_of([&] { take(zeros({0, 3}), array({0}), 0); }),
              HasSubstr("[take] cannot take from axis 0 of size 0"));
  EXPECT_THAT(error_of([&] { take(a, int64_t{3}, 1); }),
              HasSubstr("[take] index 3 is out of range for axis 1 with size 3"));
  EXPECT_THAT(error_of([&] { take(a, int64_t{-4}, 1); }), HasSubstr("[take] index -4 is out of range"));
  EXPECT_THAT(error_of([&] { take(a, int64_t{6}); }), HasSubstr("[take] index 6 is out of range"));
  EXPECT_THAT(error_of([&] { take(array(1.0f), int64_t{0}, 0); }),
              HasSubstr("[take] cannot take along an axis of a 0-dimensional array"));
}

// ---- take_along_axis ----

TEST(IndexingTakeAlongAxis, MatchesLoopsForEachAxisAndDtype) {
  const Shape s{3, 4};
  for (Dtype t : {bool_, int16, uint64, float16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    const array a = make(av, s, t);
    // axis 1: idx (3, 2)
    const I i1{3, -1, 0, 0, 2, 7};
    auto r1 = take_along_axis(a, make_idx(i1, {3, 2}, int64), 1);
    EXPECT_EQ(r1.shape(), (Shape{3, 2}));
    V want;
    for (int64_t r = 0; r < 3; ++r)
      for (int64_t j = 0; j < 2; ++j) want.push_back(av[r * 4 + ref_clamp(i1[r * 2 + j], 4)]);
    EXPECT_EQ(vals(r1), want);
    // axis 0: idx (1, 4) broadcast-free, values from column c at row idx[c]
    const I i0{2, 0, -1, 1};
    auto r0 = take_along_axis(a, make_idx(i0, {1, 4}, int32), 0);
    want.clear();
    for (int64_t c = 0; c < 4; ++c) want.push_back(av[ref_clamp(i0[c], 3) * 4 + c]);
    EXPECT_EQ(vals(r0), want);
  }
}

TEST(IndexingTakeAlongAxis, BroadcastsOutsideTheAxisAndAcceptsViews) {
  const V av = ramp({1, 4}, float32);  // a (1, 4) broadcast against idx (3, 2)
  auto r = take_along_axis(make(av, {1, 4}, float32), reshape(array({0u, 1u, 2u, 3u, 3u, 0u}), {3, 2}), 1);
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(vals(r), (V{0, 1, 2, 3, 3, 0}));
  // a transposed input, one row of indices per column
  const V tv = ramp({3, 4}, float32);
  auto at = transpose(make(tv, {3, 4}, float32));  // (4, 3)
  auto idx = array({1, 3, 0}, int32);
  auto r2 = take_along_axis(at, reshape(idx, {1, 3}), 0);
  // at[i][j] = tv[j * 4 + i]; take row idx[j] in column j
  EXPECT_EQ(vals(r2), (V{tv[0 * 4 + 1], tv[1 * 4 + 3], tv[2 * 4 + 0]}));
  auto e = take_along_axis(at, array(std::vector<int32_t>{}, {0, 3}), 0);
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
}

TEST(IndexingTakeAlongAxis, Errors) {
  const array a = zeros({2, 3});
  EXPECT_THAT(error_of([&] { take_along_axis(a, array({0}), 1); }), HasSubstr("[take_along_axis]"));
  EXPECT_THAT(error_of([&] { take_along_axis(a, zeros({3, 1}, int32), 1); }),
              HasSubstr("[take_along_axis] indices of shape (3,1) do not broadcast"));
  EXPECT_THAT(error_of([&] { take_along_axis(a, zeros({2, 1}), 1); }),
              HasSubstr("[take_along_axis] indices must be integers"));
  EXPECT_THAT(error_of([&] { take_along_axis(a, zeros({2, 1}, int32), 2); }), HasSubstr("[take_along_axis]"));
  EXPECT_THAT(error_of([&] { take_along_axis(array(1.0f), array(0), 0); }),
              HasSubstr("[take_along_axis] cannot take along an axis of a 0-dimensional array"));
  EXPECT_THAT(error_of([&] { take_along_axis(zeros({2, 0}), zeros({2, 1}, int32), 1); }),
              HasSubstr("[take_along_axis] cannot take from axis 1 of size 0"));
}

// ---- put_along_axis / scatter_add_axis ----

TEST(IndexingPutAlongAxis, MatchesLoopsWithDuplicatesAndOutOfRange) {
  const Shape s{2, 4};
  for (Dtype t : {int8, uint32, int64, float16, bfloat16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    const array a = make(av, s, t);
    const I idx{1, 1, -1, 9, 0, 2, 0, -5};  // (2, 4) along axis 1; 9 and -5 are dropped
    const V upd{10, 20, 30, 40, 50, 60, 70, 80};
    auto put = put_along_axis(a, make_idx(idx, {2, 4}, int32), make(upd, {2, 4}, t), 1);
    auto add = scatter_add_axis(a, make_idx(idx, {2, 4}, int32), make(upd, {2, 4}, t), 1);
    V wp = av, wa = av;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t j = 0; j < 4; ++j) {
        int64_t i = idx[r * 4 + j];
        if (!ref_inside(i, 4)) continue;
        wp[r * 4 + i] = upd[r * 4 + j];
        wa[r * 4 + i] += upd[r * 4 + j];
      }
    EXPECT_EQ(put.dtype(), t);
    EXPECT_EQ(vals(put), wp);  // the last duplicate wins
    EXPECT_EQ(vals(add), wa);  // duplicates accumulate
  }
}

TEST(IndexingPutAlongAxis, ScalarValuesBroadcastAndViews) {
  const V av = ramp({3, 2}, float32);
  auto a = transpose(make(av, {3, 2}, float32));  // (2, 3)
  auto r = put_along_axis(a, reshape(array({2, 0}, int64), {2, 1}), -1.5, 1);
  EXPECT_EQ(vals(r), (V{0, 2, -1.5, -1.5, 3, 5}));
  // values broadcast along the indices; indices (1, 3) broadcast along axis 0 of a (2, 3)
  auto r2 = put_along_axis(zeros({2, 3}, int32), reshape(array({1, 0, 1}), {1, 3}), array({7, 8, 9}), 0);
  EXPECT_EQ(vals(r2), (V{0, 8, 0, 7, 0, 9}));
  auto e = put_along_axis(zeros({2, 3}), array(std::vector<int32_t>{}, {2, 0}), 1.0f, 1);
  EXPECT_EQ(vals(e), V(6, 0.0));
}

TEST(IndexingPutAlongAxis, Errors) {
  const array a = zeros({2, 3});
  EXPECT_THAT(error_of([&] { put_along_axis(a, array({0}), 1.0f, 1); }), HasSubstr("[put_along_axis]"));
  EXPECT_THAT(error_of([&] { put_along_axis(a, zeros({2, 1}), 1.0f, 1); }),
              HasSubstr("[put_along_axis] indices must be integers"));
  EXPECT_THAT(error_of([&] { put_along_axis(a, zeros({3, 1}, int32), 1.0f, 1); }),
              HasSubstr("[put_along_axis] indices of shape (3,1)"));
  EXPECT_THAT(error_of([&] { put_along_axis(a, zeros({2, 1}, int32), zeros({3, 1}), 1); }),
              HasSubstr("[put_along_axis]"));
  EXPECT_THAT(error_of([&] { put_along_axis(a, zeros({2, 1}, int32), 1.0f, 3); }), HasSubstr("[put_along_axis]"));
  EXPECT_THAT(error_of([&] { scatter_add_axis(array(1.0f), array(0), 1.0f, 0); }), HasSubstr("[scatter_add_axis]"));
  EXPECT_THAT(error_of([&] { put_along_axis(zeros({2}, int8), array({0}), 300, 0); }), HasSubstr("[put_along_axis]"));
  EXPECT_THAT(error_of([&] { put_along_axis(zeros({2}), array({0}), zeros({2, 2}), 0); }),
              HasSubstr("[put_along_axis] values of shape (2,2) have more dimensions"));
}

// ---- gather ----

namespace {
// out[k, w] = a[start(k) + w], start along `axes` from the indices (clamped to fit the window).
V ref_gather(const V& a, const Shape& s, const std::vector<I>& idx, const Ax& axes, const Shape& sizes) {
  const int64_t positions = idx.empty() ? 1 : static_cast<int64_t>(idx[0].size());
  V out;
  for (int64_t k = 0; k < positions; ++k) {
    I start(s.size(), 0);
    for (size_t j = 0; j < axes.size(); ++j) start[axes[j]] = ref_clamp(idx[j][k], s[axes[j]], sizes[axes[j]]);
    for (int64_t w = 0; w < numel(sizes); ++w) {
      I pos = unravel(w, sizes);
      for (size_t d = 0; d < s.size(); ++d) pos[d] += start[d];
      out.push_back(a[ravel(pos, s)]);
    }
  }
  return out;
}
}  // namespace

TEST(IndexingGather, WindowsAlongSeveralAxes) {
  const Shape s{4, 5, 3};
  for (Dtype t : {uint8, int32, float16, float32, float64, bool_}) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    const array a = make(av, s, t);
    const I i0{0, 3, -1, 2}, i2{2, 0, 1, -3};
    const Shape sizes{1, 2, 1};
    auto g = gather(a, {make_idx(i0, {2, 2}, int32), make_idx(i2, {2, 2}, int64)}, {0, 2}, sizes);
    EXPECT_EQ(g.shape(), (Shape{2, 2, 1, 2, 1}));
    EXPECT_EQ(vals(g), ref_gather(av, s, {i0, i2}, {0, 2}, sizes));
    // one index array, a window spanning the other axes, negative axis
    auto g1 = gather(a, make_idx({4, -2}, {2}, int16), -2, {4, 2, 3});
    EXPECT_EQ(vals(g1), ref_gather(av, s, {{4, -2}}, {1}, {4, 2, 3}));
  }
}

TEST(IndexingGather, WindowsAreMovedToFitAndIndicesBroadcast) {
  const V av = ramp({6}, float32);
  const array a = make(av, {6}, float32);
  // size-3 windows at 5 and 4 are moved back to 3; -1 wraps to 5 and is then moved to 3 too
  EXPECT_EQ(vals(gather(a, array({5, 4, -1, 1}), 0, {3})), (V{3, 4, 5, 3, 4, 5, 3, 4, 5, 1, 2, 3}));
  // index arrays broadcast together: (2, 1) with (3,)
  const Shape s{3, 4};
  const V bv = ramp(s, int32);
  auto g = gather(make(bv, s, int32), {reshape(array({0, 2}), {2, 1}), array({1, 3, 0})}, {0, 1}, {1, 1});
  EXPECT_EQ(g.shape(), (Shape{2, 3, 1, 1}));
  EXPECT_EQ(vals(g), ref_gather(bv, s, {{0, 0, 0, 2, 2, 2}, {1, 3, 0, 1, 3, 0}}, {0, 1}, {1, 1}));
  // no index arrays: one window at the origin
  auto g0 = gather(make(bv, s, int32), Arrays{}, Ax{}, {2, 2});
  EXPECT_EQ(g0.shape(), (Shape{2, 2}));
  EXPECT_EQ(vals(g0), (V{0, 1, 4, 5}));
}

TEST(IndexingGather, NonContiguousEmptyAndZeroSizedWindows) {
  const Shape s{3, 4};
  const V av = ramp(s, float32);
  auto at = transpose(make(av, s, float32));  // (4, 3)
  const V atv = vals(at);
  auto g = gather(at, slice(array({3, 0, 1}), {0}, {3}, Shape{2}), 0, {1, 3});
  EXPECT_EQ(vals(g), ref_gather(atv, {4, 3}, {{3, 1}}, {0}, {1, 3}));
  EXPECT_EQ(gather(at, array(std::vector<int32_t>{}, {0}), 0, {1, 3}).shape(), (Shape{0, 1, 3}));
  EXPECT_EQ(gather(at, array({1}), 0, {0, 3}).shape(), (Shape{1, 0, 3}));
  EXPECT_EQ(gather(zeros({0, 3}), array({1}), 0, {0, 3}).shape(), (Shape{1, 0, 3}));
}

TEST(IndexingGather, Errors) {
  const array a = zeros({3, 4});
  EXPECT_THAT(error_of([&] { gather(a, {array({0}), array({0})}, {0}, {1, 1}); }),
              HasSubstr("[gather] expects one index array per axis"));
  EXPECT_THAT(error_of([&] { gather(a, {array({0}), array({0})}, {0, -2}, {1, 1}); }),
              HasSubstr("[gather] repeated axis"));
  EXPECT_THAT(error_of([&] { gather(a, {array({0})}, {2}, {1, 1}); }), HasSubstr("[gather] axis 2 is out of range"));
  EXPECT_THAT(error_of([&] { gather(a, {array({0})}, {0}, {1}); }), HasSubstr("[gather] slice_sizes has 1 entries"));
  EXPECT_THAT(error_of([&] { gather(a, {array({0})}, {0}, {4, 1}); }),
              HasSubstr("[gather] slice sizes (4,1) do not fit"));
  EXPECT_THAT(error_of([&] { gather(a, {array({0})}, {0}, {1, -1}); }), HasSubstr("[gather] slice sizes"));
  EXPECT_THAT(error_of([&] { gather(a, {array({0.5f})}, {0}, {1, 1}); }),
              HasSubstr("[gather] indices must be integers"));
  EXPECT_THAT(error_of([&] { gather(a, {array({0, 1}), array({0, 1, 2})}, {0, 1}, {1, 1}); }), HasSubstr("[gather]"));
  EXPECT_THAT(error_of([&] { gather(a, {array({0}), array({0}), array({0})}, {0, 1, 2}, {1, 1}); }),
              HasSubstr("[gather] too many index arrays"));
}

// ---- scatter ----

namespace {
enum class Red { none, sum, prod, max, min };
double combine(Red r, double d, double s) {
  switch (r) {
    case Red::none: return s;
    case Red::sum: return d + s;
    case Red::prod: return d * s;
    case Red::max: return (std::isnan(s) || s > d) ? s : d;
    case Red::min: return (std::isnan(s) || s < d) ? s : d;
  }
  return 0;
}
// Updates in row-major order of positions; a window that does not fit after wrapping is dropped.
V ref_scatter(V out, const Shape& s, const std::vector<I>& idx, const Ax& axes, const V& upd, const Shape& window,
              Red r) {
  const int64_t positions = idx.empty() ? 1 : static_cast<int64_t>(idx[0].size());
  const int64_t w = numel(window);
  for (int64_t k = 0; k < positions; ++k) {
    I start(s.size(), 0);
    bool inside = true;
    for (size_t j = 0; j < axes.size(); ++j) {
      int64_t i = idx[j][k];
      inside = inside && ref_inside(i, s[axes[j]], window[axes[j]]);
      start[axes[j]] = i;
    }
    if (!inside) continue;
    for (int64_t e = 0; e < w; ++e) {
      I pos = unravel(e, window);
      for (size_t d = 0; d < s.size(); ++d) pos[d] += start[d];
      double& dst = out[ravel(pos, s)];
      dst = combine(r, dst, upd[k * w + e]);
    }
  }
  return out;
}
using ScatterFn = array (*)(const array&, const Arrays&, const array&, const std::vector<int>&, StreamOrDevice);
const std::pair<Red, ScatterFn> kScatters[] = {
    {Red::none, scatter},    {Red::sum, scatter_add}, {Red::prod, scatter_prod},
    {Red::max, scatter_max}, {Red::min, scatter_min}};
}  // namespace

TEST(IndexingScatter, EveryReductionWithDuplicatesMatchesLoops) {
  const Shape s{4, 3};
  for (Dtype t : {int8, int32, uint16, int64, float16, bfloat16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    // rows 1, 3, 1, -1 (= 3), 7 (dropped): duplicates on rows 1 and 3
    const I idx{1, 3, 1, -1, 7};
    const Shape window{1, 3};
    V upd;
    for (int i = 0; i < 15; ++i) upd.push_back((i * 7) % 5 + 1);
    for (auto [r, fn] : kScatters) {
      auto out = fn(make(av, s, t), {make_idx(idx, {5}, int32)}, make(upd, {5, 1, 3}, t), {0}, {});
      EXPECT_EQ(out.dtype(), t);
      EXPECT_EQ(out.shape(), s);
      EXPECT_EQ(vals(out), ref_scatter(av, s, {idx}, {0}, upd, window, r)) << "reduction " << static_cast<int>(r);
    }
  }
}

TEST(IndexingScatter, PlainScatterKeepsTheLastWriteDeterministically) {
  for (int rep = 0; rep < 3; ++rep) {
    auto r = scatter(zeros({3}, int32), array({1, 1, 1, 2, 1}), reshape(array({5, 6, 7, 8, 9}), {5, 1}), 0);
    EXPECT_EQ(vals(r), (V{0, 9, 8}));
  }
}

TEST(IndexingScatter, IntegersWrapBoolAndNaN) {
  // uint8: 250 + 3 + 4 wraps to 1; prod 16 * 16 wraps to 0
  auto u = array(std::vector<uint8_t>{250, 16}, {2}, uint8);
  auto ia = array({0, 0, 1, 1});
  auto upd = reshape(array(std::vector<uint8_t>{3, 4, 16, 1}, {4}, uint8), {4, 1});
  EXPECT_EQ(vals(scatter_add(u, {ia}, upd, {0})), (V{1, 33}));
  EXPECT_EQ(vals(scatter_prod(u, {ia}, upd, {0})), (V{(250 * 12) % 256, 0}));
  // int8 overflow wraps too
  EXPECT_EQ(vals(scatter_add(array(std::vector<int8_t>{127}, {1}, int8), {array({0})},
                             array(std::vector<int8_t>{1}, {1, 1}, int8), {0})),
            (V{-128}));
  // bool: add is or, prod is and, max or, min and
  auto b = array(std::vector<bool>{false, true}, {2});
  auto bu = reshape(array(std::vector<bool>{true, false, false, false}, {4}), {4, 1});
  EXPECT_EQ(vals(scatter_add(b, {ia}, bu, {0})), (V{1, 1}));
  EXPECT_EQ(vals(scatter_prod(b, {ia}, bu, {0})), (V{0, 0}));
  EXPECT_EQ(vals(scatter_max(b, {ia}, bu, {0})), (V{1, 1}));
  EXPECT_EQ(vals(scatter_min(b, {ia}, bu, {0})), (V{0, 0}));
  EXPECT_EQ(vals(scatter(b, {ia}, bu, {0})), (V{0, 0}));
  // NaN wins in max and min, from either side
  auto f = array({1.0f, static_cast<float>(kNaN)});
  auto fu = reshape(array({static_cast<float>(kNaN), 5.0f, 2.0f, -3.0f}), {4, 1});
  auto mx = vals(scatter_max(f, {ia}, fu, {0}));
  EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mx[1]));
  auto mn = vals(scatter_min(f, {ia}, fu, {0}));
  EXPECT_TRUE(std::isnan(mn[0]) && std::isnan(mn[1]));
}

TEST(IndexingScatter, MultiAxisWindowsNonContiguousAndIndexDtypes) {
  const Shape s{3, 4, 2};
  const V av = ramp(s, float32);
  for (Dtype it : kIndexDtypes) {
    SCOPED_TRACE(dtype_name(it));
    const I i0 = is_unsigned(it) ? I{0, 2, 2, 1} : I{0, -1, 2, 1};
    const I i1 = I{2, 0, 0, 3};  // the last window (size 2 along axis 1) at 3 does not fit: dropped
    const Shape window{1, 2, 2};
    V upd;
    for (int i = 0; i < 16; ++i) upd.push_back(100 + i);
    auto out = scatter_add(make(av, s, float32), {make_idx(i0, {2, 2}, it), make_idx(i1, {2, 2}, it)},
                           make(upd, {2, 2, 1, 2, 2}, float32), {0, 1});
    EXPECT_EQ(vals(out), ref_scatter(av, s, {i0, i1}, {0, 1}, upd, window, Red::sum));
  }
  // transposed input and transposed updates
  const V tv = ramp({4, 3}, int32);
  auto at = transpose(make(tv, {4, 3}, int32));               // (3, 4)
  auto ut = transpose(reshape(array({1, 2, 3, 4, 5, 6}), {3, 2}));  // (2, 3) = [[1,3,5],[2,4,6]]
  // windows (1, 3) along columns: the one at column 2 does not fit and is dropped
  auto out = scatter(at, array({2, 0}), reshape(ut, {2, 1, 3}), 1);
  auto out2 = scatter(at, array({2, 0}), reshape(ut, {2, 3, 1}), 1);
  V want = vals(at);
  const V uv{1, 3, 5, 2, 4, 6};
  for (int k = 0; k < 2; ++k) {
    const int col = k == 0 ? 2 : 0;
    for (int r = 0; r < 3; ++r) want[r * 4 + col] = uv[k * 3 + r];
  }
  EXPECT_EQ(vals(out2), want);
  EXPECT_EQ(vals(out), ref_scatter(vals(at), {3, 4}, {{2, 0}}, {1}, uv, {1, 3}, Red::none));
}

TEST(IndexingScatter, EmptyUpdatesAndArrays) {
  const array a = make(ramp({2, 3}, float32), {2, 3}, float32);
  EXPECT_EQ(vals(scatter(a, array(std::vector<int32_t>{}, {0}), zeros({0, 1, 3}), 0)), vals(a));
  EXPECT_EQ(vals(scatter(a, array({1}), zeros({1, 1, 0}), 0)), vals(a));
  EXPECT_EQ(scatter_add(zeros({0, 3}), array({0}), zeros({1, 0, 3}), 0).shape(), (Shape{0, 3}));
  // no index arrays: the window goes to the origin
  EXPECT_EQ(vals(scatter(zeros({2, 2}), Arrays{}, reshape(array({7.0f}), {1, 1}), Ax{})),
            (V{7, 0, 0, 0}));
}

TEST(IndexingScatter, Errors) {
  const array a = zeros({3, 4});
  EXPECT_THAT(error_of([&] { scatter(a, {array({0})}, zeros({1, 1, 4}), {0, 1}); }),
              HasSubstr("[scatter] expects one index array per axis"));
  EXPECT_THAT(error_of([&] { scatter_add(a, {array({0}), array({0})}, zeros({1, 1, 1}), {1, 1}); }),
              HasSubstr("[scatter_add] repeated axis"));
  EXPECT_THAT(error_of([&] { scatter_prod(a, {array({0})}, zeros({1, 1, 4}), {2}); }),
              HasSubstr("[scatter_prod] axis 2 is out of range"));
  EXPECT_THAT(error_of([&] { scatter_max(a, {array({0.0f})}, zeros({1, 1, 4}), {0}); }),
              HasSubstr("[scatter_max] indices must be integers"));
  EXPECT_THAT(error_of([&] { scatter_min(a, {array({0, 1})}, zeros({1, 1, 4}), {0}); }),
              HasSubstr("[scatter_min] updates of shape (1,1,4) do not fit"));
  EXPECT_THAT(error_of([&] { scatter(a, {array({0})}, zeros({1, 4}), {0}); }),
              HasSubstr("[scatter] updates of shape (1,4)"));
  EXPECT_THAT(error_of([&] { scatter(a, {array({0})}, zeros({1, 1, 5}), {0}); }),
              HasSubstr("[scatter] updates of shape (1,1,5)"));
  EXPECT_THAT(error_of([&] { scatter(a, {array({0, 1}), array({0, 1, 2})}, zeros({3, 1, 1}), {0, 1}); }),
              HasSubstr("[scatter]"));
  EXPECT_THAT(error_of([&] { scatter(a, {array({0}), array({0}), array({0})}, zeros({1, 1, 1}), {0, 1, 2}); }),
              HasSubstr("[scatter] too many index arrays"));
}

// ---- slice_update (static) ----

TEST(IndexingSliceUpdate, StridedAndNegativeStepsMatchLoops) {
  const Shape s{4, 5};
  for (Dtype t : {bool_, int16, uint32, float16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    // rows 3, 1 (step -2), columns 0, 2, 4
    V upd{1, 0, 1, 1, 0, 0};
    if (t != bool_) upd = {50, 51, 52, 53, 54, 55};
    auto r = slice_update(make(av, s, t), make(upd, {2, 3}, t), {3, 0}, {0, 5}, Shape{-2, 2});
    V want = av;
    const int rows[] = {3, 1}, cols[] = {0, 2, 4};
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) want[rows[i] * 5 + cols[j]] = upd[i * 3 + j];
    EXPECT_EQ(r.dtype(), t);
    EXPECT_EQ(vals(r), want);
  }
}

TEST(IndexingSliceUpdate, BroadcastPromotionClampingAndViews) {
  const V av = ramp({3, 4}, float32);
  auto at = transpose(make(av, {3, 4}, float32));  // (4, 3)
  V want = vals(at);
  auto r = slice_update(at, array(-1), {1, -2}, {3, 100});  // stop clamped as Python's
  for (int i = 1; i < 3; ++i)
    for (int j = 1; j < 3; ++j) want[i * 3 + j] = -1;
  EXPECT_EQ(r.dtype(), float32);
  EXPECT_EQ(vals(r), want);
  // an update row broadcast over the slice; the update's dtype follows the source
  auto r2 = slice_update(zeros({2, 3}, int32), array({1.5f, 2.5f, 3.5f}), {0, 0}, {2, 3});
  EXPECT_EQ(r2.dtype(), int32);
  EXPECT_EQ(vals(r2), (V{1, 2, 3, 1, 2, 3}));
  // empty slice: unchanged
  EXPECT_EQ(vals(slice_update(at, zeros({0, 3}), {2, 0}, {2, 3})), vals(at));
  // scalar source
  EXPECT_EQ(vals(slice_update(array(1.0f), array(4.0f), {}, {})), (V{4}));
}

TEST(IndexingSliceUpdate, Errors) {
  const array a = zeros({3, 4});
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({2, 2}), {0}, {2}); }),
              HasSubstr("[slice_update] start, stop and strides"));
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({2, 3}), {0, 0}, {2, 2}); }),
              HasSubstr("[slice_update] cannot broadcast an update of shape (2,3) to the slice shape (2,2)"));
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({2, 2}), {0, 0}, {2, 2}, Shape{1, 0}); }),
              HasSubstr("[slice_update] slice step cannot be zero"));
}

// ---- dynamic slice and slice_update ----

TEST(IndexingDynamicSlice, StartFromAnArrayClampedAsDocumented) {
  const Shape s{5, 4};
  const V av = ramp(s, float32);
  const array a = make(av, s, float32);
  auto window = [&](int64_t r0, int64_t c0, int64_t h, int64_t w) {
    V out;
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) out.push_back(av[(r0 + i) * 4 + c0 + j]);
    return out;
  };
  for (Dtype it : {int32, int64, uint32, int8, uint64}) {
    SCOPED_TRACE(dtype_name(it));
    auto r = slice(a, make_idx({1, 2}, {2}, it), {0, 1}, {2, 2});
    EXPECT_EQ(r.shape(), (Shape{2, 2}));
    EXPECT_EQ(vals(r), window(1, 2, 2, 2));
    // past the end: moved back to fit (rows 3..4, cols 2..3)
    EXPECT_EQ(vals(slice(a, make_idx({9, 100}, {2}, it), {0, 1}, {2, 2})), window(3, 2, 2, 2));
  }
  // negative start counts from the end, then clamps: -1 -> 4 -> 3 for a 2-row window; -9 -> 0
  EXPECT_EQ(vals(slice(a, array({-1, -9}), {0, 1}, {2, 3})), window(3, 0, 2, 3));
  // 0-d start, one axis; the other dimension's size is taken from slice_size (a prefix window)
  EXPECT_EQ(vals(slice(a, array(int64_t{2}), {-1}, {3, 2})), window(0, 2, 3, 2));
  // a view of the input: no copy
  auto v = slice(a, array({1}), {0}, {2, 4});
  v.eval();
  EXPECT_EQ(static_cast<const float*>(v.raw_data()), static_cast<const float*>(a.raw_data()) + 4);
  // non-contiguous input, empty window
  auto at = transpose(a);  // (4, 5)
  EXPECT_EQ(vals(slice(at, array({1, 3}), {0, 1}, {2, 2})),
            (V{av[3 * 4 + 1], av[4 * 4 + 1], av[3 * 4 + 2], av[4 * 4 + 2]}));
  EXPECT_EQ(slice(a, array({3}), {0}, {0, 4}).shape(), (Shape{0, 4}));
}

TEST(IndexingDynamicSlice, Errors) {
  const array a = zeros({3, 4});
  EXPECT_THAT(error_of([&] { slice(a, array({1.0f}), {0}, {1, 4}); }),
              HasSubstr("[slice] start indices must be integers"));
  EXPECT_THAT(error_of([&] { slice(a, array({1, 2}), {0}, {1, 4}); }),
              HasSubstr("[slice] got 2 start indices for 1 axes"));
  EXPECT_THAT(error_of([&] { slice(a, zeros({1, 1}, int32), {0}, {1, 4}); }),
              HasSubstr("[slice] start indices must be 0- or 1-dimensional"));
  EXPECT_THAT(error_of([&] { slice(a, array({1}), {2}, {1, 4}); }), HasSubstr("[slice] axis 2 is out of range"));
  EXPECT_THAT(error_of([&] { slice(a, array({1, 1}), {0, -2}, {1, 4}); }), HasSubstr("[slice] repeated axis"));
  EXPECT_THAT(error_of([&] { slice(a, array({1}), {0}, {1}); }), HasSubstr("[slice] slice size (1,) is invalid"));
  EXPECT_THAT(error_of([&] { slice(a, array({1}), {0}, {4, 4}); }), HasSubstr("[slice] slice size (4,4) is invalid"));
}

TEST(IndexingDynamicSliceUpdate, KeyValueCacheWrite) {
  // cache (batch 2, heads 1, positions 6, dim 3); one new position written at a run-time offset
  const Shape cs{2, 1, 6, 3};
  const V cv = ramp(cs, float32);
  const array cache = make(cv, cs, float32);
  V nv;
  for (int i = 0; i < 6; ++i) nv.push_back(-1 - i);
  const array fresh = make(nv, {2, 1, 1, 3}, float32);
  for (int64_t pos : {0, 4, 5, 6, 99, -1, -7}) {
    SCOPED_TRACE(pos);
    auto r = slice_update(cache, fresh, array(std::vector<int32_t>{static_cast<int32_t>(pos)}, {1}), {2});
    const int64_t at = std::clamp<int64_t>(pos < 0 ? pos + 6 : pos, 0, 5);
    V want = cv;
    for (int b = 0; b < 2; ++b)
      for (int d = 0; d < 3; ++d) want[(b * 6 + at) * 3 + d] = nv[b * 3 + d];
    EXPECT_EQ(vals(r), want);
  }
}

TEST(IndexingDynamicSliceUpdate, MultiAxisBroadcastDtypesAndViews) {
  const Shape s{4, 5};
  for (Dtype t : {bool_, uint8, int64, bfloat16, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    const V uv = t == bool_ ? V{1, 1, 0, 1} : V{90, 91, 92, 93};
    auto r = slice_update(make(av, s, t), make(uv, {2, 2}, t), array({3, -2}, int64), {0, 1});  // rows 2..3, cols 3..4
    V want = av;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) want[(2 + i) * 5 + 3 + j] = uv[i * 2 + j];
    EXPECT_EQ(vals(r), want);
  }
  // a missing leading dimension spans the array (every row); a smaller update starts at 0 on unindexed axes
  auto r = slice_update(zeros({3, 4}, int32), array({7, 8}), array(1), {1});
  EXPECT_EQ(vals(r), (V{0, 7, 8, 0, 0, 7, 8, 0, 0, 7, 8, 0}));
  auto r2 = slice_update(zeros({3, 4}, int32), reshape(array({5, 6}), {1, 2}), array(2), {1});
  EXPECT_EQ(vals(r2), (V{0, 0, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0}));
  // transposed source and update
  const V tv = ramp({3, 2}, float32);
  auto src = transpose(make(tv, {3, 2}, float32));  // (2, 3): [[0,2,4],[1,3,5]]
  auto upd = transpose(reshape(array({10.0f, 11.0f}), {1, 2}));  // (2, 1)
  EXPECT_EQ(vals(slice_update(src, upd, array({1}), {1})), (V{0, 10, 4, 1, 11, 5}));
  // an empty update leaves the source
  EXPECT_EQ(vals(slice_update(src, zeros({2, 0}), array({1}), {1})), vals(src));
}

TEST(IndexingDynamicSliceUpdate, Errors) {
  const array a = zeros({3, 4});
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({1, 4}), array({0.0f}), {0}); }),
              HasSubstr("[slice_update] start indices must be integers"));
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({1, 4}), array({0, 0}), {0}); }),
              HasSubstr("[slice_update] got 2 start indices"));
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({1, 5}), array({0}), {0}); }),
              HasSubstr("[slice_update] update of shape (1,5) does not fit"));
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({1, 1, 4}), array({0}), {0}); }),
              HasSubstr("[slice_update] update of shape (1,1,4) has more dimensions"));
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({1, 4}), array({0}), {-3}); }),
              HasSubstr("[slice_update] axis -3 is out of range"));
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({1, 1}), array({0, 0}), {1, -1}); }),
              HasSubstr("[slice_update] repeated axis"));
  EXPECT_THAT(error_of([&] { slice_update(a, zeros({1, 1}), zeros({1, 1}, int32), {0}); }),
              HasSubstr("[slice_update] start indices must be 0- or 1-dimensional"));
}

// The start is an input of the exported function: one file serves every position.
TEST(IndexingDynamicSliceUpdate, ExportedStartIsAFunctionInput) {
  ingot::testing::TempDir dir;
  const auto path = dir.file("kv.ingot");
  auto fun = [](const Args& a) {
    auto cache = slice_update(a[0], a[1], a[2], {1});
    return Args{cache, slice(cache, a[2], {1}, {2, 1})};
  };
  const array cache = zeros({2, 5});
  const array fresh = reshape(array({1.0f, 2.0f}), {2, 1});
  export_function(path, fun, {cache, fresh, array(std::vector<int32_t>{0}, {1})});
  auto f = import_function(path);
  for (int32_t pos : {0, 3, 4, 7}) {
    auto got = f({cache, fresh, array(std::vector<int32_t>{pos}, {1})});
    const int at = std::min(pos, 4);
    V want(10, 0.0);
    want[at] = 1;
    want[5 + at] = 2;
    EXPECT_EQ(vals(got[0]), want) << pos;
    EXPECT_EQ(vals(got[1]), (V{1, 2})) << pos;
  }
}

// ---- pad ----

namespace {
V ref_pad(const V& a, const Shape& s, const Shape& low, const Shape& high, double value, bool edge) {
  Shape os(s.size());
  for (size_t d = 0; d < s.size(); ++d) os[d] = s[d] + low[d] + high[d];
  V out;
  for (int64_t p = 0; p < numel(os); ++p) {
    I pos = unravel(p, os);
    bool inside = true;
    for (size_t d = 0; d < s.size(); ++d) {
      int64_t j = pos[d] - low[d];
      if (j < 0 || j >= s[d]) {
        inside = false;
        j = std::clamp<int64_t>(j, 0, s[d] - 1);
      }
      pos[d] = j;
    }
    out.push_back(inside || edge ? a[ravel(pos, s)] : value);
  }
  return out;
}
}  // namespace

TEST(IndexingPad, ConstantAndEdgeForEveryDtype) {
  const Shape s{2, 3};
  for (Dtype t : kValueDtypes) {
    SCOPED_TRACE(dtype_name(t));
    const V av = ramp(s, t);
    const array a = make(av, s, t);
    auto c = pad(a, {{1, 2}, {0, 1}}, 1);
    EXPECT_EQ(c.dtype(), t);
    EXPECT_EQ(c.shape(), (Shape{5, 4}));
    EXPECT_EQ(vals(c), ref_pad(av, s, {1, 0}, {2, 1}, 1, false));
    auto e = pad(a, {{2, 1}, {1, 3}}, 0, "edge");
    EXPECT_EQ(vals(e), ref_pad(av, s, {2, 1}, {1, 3}, 0, true));
  }
}

TEST(IndexingPad, WidthFormsValuesAndViews) {
  const Shape s{2, 3};
  const V av = ramp(s, float32);
  const array a = make(av, s, float32);
  EXPECT_EQ(vals(pad(a, 1, -2.5f)), ref_pad(av, s, {1, 1}, {1, 1}, -2.5, false));
  EXPECT_EQ(vals(pad(a, {2, 0})), ref_pad(av, s, {2, 2}, {0, 0}, 0, false));
  // one pair for every axis
  EXPECT_EQ(vals(pad(a, std::vector<std::pair<int64_t, int64_t>>{{0, 2}})), ref_pad(av, s, {0, 0}, {2, 2}, 0, false));
  EXPECT_EQ(vals(pad(a, Ax{1}, Shape{2}, Shape{1}, array(9.0f))), ref_pad(av, s, {0, 2}, {0, 1}, 9, false));
  EXPECT_EQ(vals(pad(a, Ax{-2}, Shape{1}, Shape{0}, 0, "edge")), ref_pad(av, s, {1, 0}, {0, 0}, 0, true));
  // int array padded with a float value: cast to the array's dtype
  EXPECT_EQ(vals(pad(array({1, 2}), 1, 7.9)), (V{7, 1, 2, 7}));
  // transposed and reversed inputs
  auto at = transpose(a);
  const V atv = vals(at);
  EXPECT_EQ(vals(pad(at, {{1, 1}, {2, 0}}, 5)), ref_pad(atv, {3, 2}, {1, 2}, {1, 0}, 5, false));
  EXPECT_EQ(vals(pad(at, {{1, 1}, {2, 0}}, 0, "edge")), ref_pad(atv, {3, 2}, {1, 2}, {1, 0}, 0, true));
  auto rev = slice(a, {0, 2}, {2, -4}, Shape{1, -1});
  EXPECT_EQ(vals(pad(rev, 1, 0, "edge")), ref_pad(vals(rev), s, {1, 1}, {1, 1}, 0, true));
  // no padding returns the input; empty inputs pad with the constant
  EXPECT_TRUE(pad(a, 0).is_same(a));
  EXPECT_EQ(vals(pad(zeros({0, 2}), {{1, 0}, {0, 0}}, 3.0f)), (V{3, 3}));
  EXPECT_EQ(pad(zeros({0, 2}), {{0, 0}, {1, 1}}, 0, "edge").shape(), (Shape{0, 4}));
  // a 1-D edge pad and a scalar
  EXPECT_EQ(vals(pad(array({4, 5, 6}), {2, 1}, 0, "edge")), (V{4, 4, 4, 5, 6, 6}));
  EXPECT_EQ(vals(pad(array(3.0f), 2)), (V{3}));
}

TEST(IndexingPad, Errors) {
  const array a = zeros({2, 3});
  EXPECT_THAT(error_of([&] { pad(a, -1); }), HasSubstr("[pad] pad widths must be non-negative"));
  EXPECT_THAT(error_of([&] { pad(a, {{1, 1}, {1, 1}, {1, 1}}); }),
              HasSubstr("[pad] expects one (low, high) pair per axis"));
  EXPECT_THAT(error_of([&] { pad(a, 1, 0, "reflect"); }), HasSubstr("[pad] unknown mode 'reflect'"));
  EXPECT_THAT(error_of([&] { pad(a, 1, zeros({2})); }), HasSubstr("[pad] the pad value must be a scalar"));
  EXPECT_THAT(error_of([&] { pad(a, Ax{0, 0}, Shape{1}, Shape{1}); }),
              HasSubstr("[pad] expects one low and one high pad width per axis"));
  EXPECT_THAT(error_of([&] { pad(a, Ax{0, -2}, Shape{1, 1}, Shape{1, 1}); }), HasSubstr("[pad] repeated axis"));
  EXPECT_THAT(error_of([&] { pad(a, Ax{2}, Shape{1}, Shape{1}); }), HasSubstr("[pad]"));
  EXPECT_THAT(error_of([&] { pad(zeros({0, 2}), 1, 0, "edge"); }), HasSubstr("[pad] cannot edge-pad axis 0 of size 0"));
  EXPECT_THAT(error_of([&] { pad(zeros({2}, int8), 1, 1000); }), HasSubstr("[pad]"));
  EXPECT_THAT(error_of([&] { pad(a, std::numeric_limits<int64_t>::max()); }), HasSubstr("[pad]"));
}

// ---- hostile state ----

namespace {
std::shared_ptr<Primitive> rebuilt(const std::string& name, const auto& state) {
  StateWriter w;
  w.write_all(state);
  StateReader r(w.bytes().data(), w.bytes().size(), name);
  return primitive_registry().entries().at(name).factory(r);
}
}  // namespace

TEST(IndexingState, RoundTripsThroughTheRegistry) {
  const array x = make(ramp({3, 4}, float32), {3, 4}, float32);
  const Arrays outs = {take(x, array({1, 0}), 1),
                       take_along_axis(x, zeros({3, 1}, int32), 1),
                       gather(x, {array({1})}, {0}, {2, 2}),
                       scatter_max(x, {array({1})}, zeros({1, 1, 4}), {0}),
                       put_along_axis(x, zeros({3, 1}, int32), 1.0f, 1),
                       slice_update(x, zeros({1, 2}), {1, 1}, {2, 3}),
                       slice(x, array({1}), {1}, {3, 2}),
                       slice_update(x, zeros({1, 2}), array({1, 1}), {0, 1}),
                       pad(x, 1, 2.0f),
                       pad(x, 1, 0, "edge")};
  for (const array& y : outs) {
    const Primitive& p = *y.node()->primitive;
    SCOPED_TRACE(p.name());
    StateWriter w;
    p.write_state(w);
    StateReader r(w.bytes().data(), w.bytes().size(), p.name());
    const auto q = primitive_registry().entries().at(p.name()).factory(r);
    EXPECT_TRUE(q->is_equivalent(p));
    q->check_inputs(y.inputs());
    EXPECT_EQ(q->output_shapes(y.inputs()).at(0), y.shape());
    EXPECT_EQ(q->output_dtypes(y.inputs()).at(0), y.dtype());
  }
}

TEST(IndexingState, HostileStateIsRefused) {
  const array x = zeros({2, 3});
  const array i = array({0});
  auto shapes_of = [&](const char* name, const auto& state, const Arrays& in) {
    return error_of([&] { rebuilt(name, state)->output_shapes(in); });
  };
  EXPECT_THAT(shapes_of("Gather", std::tuple(Ax{0}, Shape{1, 3}), Arrays{x}), HasSubstr("[gather]"));
  EXPECT_THAT(shapes_of("Gather", std::tuple(Ax{2}, Shape{1, 3}), Arrays{x, i}), HasSubstr("[gather]"));
  EXPECT_THAT(shapes_of("Gather", std::tuple(Ax{-1}, Shape{1, 3}), Arrays{x, i}), HasSubstr("[gather]"));
  EXPECT_THAT(shapes_of("Gather", std::tuple(Ax{0}, Shape{3, 3}), Arrays{x, i}), HasSubstr("[gather]"));
  EXPECT_THAT(shapes_of("Gather", std::tuple(Ax{0}, Shape{1}), Arrays{x, i}), HasSubstr("[gather]"));
  EXPECT_THAT(shapes_of("Gather", std::tuple(Ax{0, 1}, Shape{1, 1}), Arrays{x, i, array({0, 1})}),
              HasSubstr("[gather]"));
  EXPECT_THAT(shapes_of("Take", std::tuple(2), Arrays{x, i}), HasSubstr("[take]"));
  EXPECT_THAT(shapes_of("Take", std::tuple(0), Arrays{zeros({0, 3}), i}), HasSubstr("[take]"));
  EXPECT_THAT(shapes_of("GatherAxis", std::tuple(1), Arrays{x, zeros({3, 1}, int32)}), HasSubstr("[take_along_axis]"));
  EXPECT_THAT(shapes_of("GatherAxis", std::tuple(-1), Arrays{x, zeros({2, 1}, int32)}), HasSubstr("[take_along_axis]"));
  EXPECT_THAT(shapes_of("Scatter", std::tuple(std::string("mean"), Ax{0}), Arrays{x, i, zeros({1, 1, 3})}),
              HasSubstr("[scatter] unknown reduction"));
  EXPECT_THAT(shapes_of("Scatter", std::tuple(std::string("sum"), Ax{0}), Arrays{x, i, zeros({1, 3, 3})}),
              HasSubstr("[scatter]"));
  EXPECT_THAT(shapes_of("Scatter", std::tuple(std::string("sum"), Ax{0, 0}), Arrays{x, i, i, zeros({1, 1, 3})}),
              HasSubstr("[scatter]"));
  EXPECT_THAT(shapes_of("Scatter", std::tuple(std::string("sum"), Ax{}), Arrays{x, i, zeros({1, 1, 3})}),
              HasSubstr("[scatter]"));
  const array i21 = zeros({2, 1}, int32);
  EXPECT_THAT(shapes_of("ScatterAxis", std::tuple(std::string("sum"), 1), Arrays{x, i21, zeros({2, 2})}),
              HasSubstr("[put_along_axis]"));
  EXPECT_THAT(shapes_of("ScatterAxis", std::tuple(std::string("xor"), 1), Arrays{x, i21, zeros({2, 1})}),
              HasSubstr("[put_along_axis]"));
  EXPECT_THAT(shapes_of("ScatterAxis", std::tuple(std::string("none"), 2), Arrays{x, i21, zeros({2, 1})}),
              HasSubstr("[put_along_axis]"));
  EXPECT_THAT(shapes_of("SliceUpdate", std::tuple(Shape{0, 0}, Shape{2, 4}, Shape{1, 1}), Arrays{x, zeros({2, 4})}),
              HasSubstr("[slice_update]"));
  EXPECT_THAT(shapes_of("SliceUpdate", std::tuple(Shape{0, 0}, Shape{2, 3}, Shape{1, 1}), Arrays{x, zeros({2, 2})}),
              HasSubstr("[slice_update]"));
  EXPECT_THAT(shapes_of("SliceUpdate", std::tuple(Shape{0, 0}, Shape{2, 3}, Shape{1, 0}), Arrays{x, zeros({2, 3})}),
              HasSubstr("[slice_update]"));
  EXPECT_THAT(shapes_of("DynamicSlice", std::tuple(Ax{0}, Shape{3, 3}), Arrays{x, i}), HasSubstr("[slice]"));
  EXPECT_THAT(shapes_of("DynamicSlice", std::tuple(Ax{2}, Shape{1, 3}), Arrays{x, i}), HasSubstr("[slice]"));
  EXPECT_THAT(shapes_of("DynamicSlice", std::tuple(Ax{0, 1}, Shape{1, 3}), Arrays{x, i}), HasSubstr("[slice]"));
  EXPECT_THAT(shapes_of("DynamicSliceUpdate", std::tuple(Ax{0}), Arrays{x, zeros({3, 3}), i}),
              HasSubstr("[slice_update]"));
  EXPECT_THAT(shapes_of("DynamicSliceUpdate", std::tuple(Ax{1, 1}), Arrays{x, zeros({1, 1}), array({0, 0})}),
              HasSubstr("[slice_update]"));
  EXPECT_THAT(shapes_of("Pad", std::tuple(Shape{1}, Shape{1}, std::string("constant")), Arrays{x, array(0.0f)}),
              HasSubstr("[pad]"));
  EXPECT_THAT(shapes_of("Pad", std::tuple(Shape{1, -1}, Shape{1, 1}, std::string("constant")), Arrays{x, array(0.0f)}),
              HasSubstr("[pad]"));
  EXPECT_THAT(shapes_of("Pad", std::tuple(Shape{1, 1}, Shape{1, 1}, std::string("wrap")), Arrays{x, array(0.0f)}),
              HasSubstr("[pad]"));
  EXPECT_THAT(shapes_of("Pad", std::tuple(Shape{1, 1}, Shape{1, 1}, std::string("constant")), Arrays{x, zeros({1})}),
              HasSubstr("[pad]"));
  const int64_t huge = std::numeric_limits<int64_t>::max();
  const array zero = array(0.0f);
  EXPECT_THAT(shapes_of("Pad", std::tuple(Shape{1, huge}, Shape{1, 1}, std::string("constant")), Arrays{x, zero}),
              HasSubstr("[pad]"));
  EXPECT_THAT(shapes_of("Pad", std::tuple(Shape{1, 0}, Shape{1, 0}, std::string("edge")), Arrays{zeros({0, 3})}),
              HasSubstr("[pad]"));
  // input counts and dtypes
  auto inputs_of = [&](const char* name, const auto& state, const Arrays& in) {
    return error_of<std::exception>([&] { rebuilt(name, state)->check_inputs(in); });
  };
  EXPECT_THAT(inputs_of("Gather", std::tuple(Ax{0}, Shape{1, 3}), Arrays{x, array({0.0f})}), HasSubstr("Gather"));
  EXPECT_THAT(inputs_of("Gather", std::tuple(Ax{}, Shape{1, 3}), Arrays{}), HasSubstr("Gather"));
  EXPECT_THAT(inputs_of("Take", std::tuple(0), Arrays{x, array({true})}), HasSubstr("Take"));
  EXPECT_THAT(inputs_of("Take", std::tuple(0), Arrays{x}), HasSubstr("Take"));
  EXPECT_THAT(inputs_of("GatherAxis", std::tuple(0), Arrays{x, x}), HasSubstr("GatherAxis"));
  EXPECT_THAT(inputs_of("Scatter", std::tuple(std::string("none"), Ax{0}), Arrays{x, i, zeros({1, 1, 3}, int32)}),
              HasSubstr("Scatter"));
  EXPECT_THAT(inputs_of("Scatter", std::tuple(std::string("none"), Ax{0}), Arrays{x, x, x}), HasSubstr("Scatter"));
  EXPECT_THAT(inputs_of("Scatter", std::tuple(std::string("none"), Ax{}), Arrays{x}), HasSubstr("Scatter"));
  EXPECT_THAT(inputs_of("ScatterAxis", std::tuple(std::string("none"), 0), Arrays{x, i, zeros({1}, int32)}),
              HasSubstr("ScatterAxis"));
  EXPECT_THAT(inputs_of("SliceUpdate", std::tuple(Shape{0}, Shape{1}, Shape{1}), Arrays{x, zeros({1}, int32)}),
              HasSubstr("SliceUpdate"));
  EXPECT_THAT(inputs_of("DynamicSlice", std::tuple(Ax{0}, Shape{1, 3}), Arrays{x, array({0.0f})}),
              HasSubstr("DynamicSlice"));
  EXPECT_THAT(inputs_of("DynamicSliceUpdate", std::tuple(Ax{0}), Arrays{x, zeros({1, 3}, int32), i}),
              HasSubstr("DynamicSliceUpdate"));
  EXPECT_THAT(inputs_of("DynamicSliceUpdate", std::tuple(Ax{0}), Arrays{x, x, array({false})}),
              HasSubstr("DynamicSliceUpdate"));
  EXPECT_THAT(inputs_of("Pad", std::tuple(Shape{1, 1}, Shape{1, 1}, std::string("constant")), Arrays{x}),
              HasSubstr("Pad"));
  EXPECT_THAT(inputs_of("Pad", std::tuple(Shape{1, 1}, Shape{1, 1}, std::string("edge")), Arrays{x, array(0.0f)}),
              HasSubstr("Pad"));
  EXPECT_THAT(inputs_of("Pad", std::tuple(Shape{1, 1}, Shape{1, 1}, std::string("constant")), Arrays{x, array(0)}),
              HasSubstr("Pad"));
}
