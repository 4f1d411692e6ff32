// sort, argsort, partition, argpartition, topk and searchsorted, checked against std::stable_sort and
// plain counting loops over the logical values (in double, NaN ordered last as numpy).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
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

// Few distinct values (many ties) suited to each dtype family.
V random_values(int64_t n, Dtype t, uint64_t seed) {
  Rng r{seed};
  V v(n);
  for (auto& x : v) {
    const double u = r.next();
    if (t == bool_) x = u < 0.5;
    else if (is_unsigned(t)) x = std::floor(u * 7);
    else if (is_integral(t)) x = std::floor(u * 13) - 6;
    else x = std::floor(u * 16) / 2 - 4;  // halves hold these exactly
  }
  return v;
}

// numpy's order: NaN after everything, NaNs tie.
bool before(double a, double b) { return a < b || (std::isnan(b) && !std::isnan(a)); }
bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// For a row-major (outer, n, inner) view of `v`, the stable sort permutation of every row along n.
struct Rows {
  int64_t outer = 1, n = 1, inner = 1;
  int64_t at(int64_t o, int64_t j, int64_t c) const { return (o * n + j) * inner + c; }
};
Rows rows_of(const Shape& s, int axis) {
  Rows r;
  for (int d = 0; d < axis; ++d) r.outer *= s[d];
  r.n = s[axis];
  for (size_t d = axis + 1; d < s.size(); ++d) r.inner *= s[d];
  return r;
}

// The stable argsort along `axis` of row-major values of shape s.
std::vector<int64_t> ref_argsort(const V& v, const Shape& s, int axis) {
  const Rows r = rows_of(s, axis);
  std::vector<int64_t> out(v.size());
  for (int64_t o = 0; o < r.outer; ++o)
    for (int64_t c = 0; c < r.inner; ++c) {
      std::vector<int64_t> idx(r.n);
      std::iota(idx.begin(), idx.end(), 0);
      std::stable_sort(idx.begin(), idx.end(),
                       [&](int64_t i, int64_t j) { return before(v[r.at(o, i, c)], v[r.at(o, j, c)]); });
      for (int64_t j = 0; j < r.n; ++j) out[r.at(o, j, c)] = idx[j];
    }
  return out;
}

V ref_sort(const V& v, const Shape& s, int axis) {
  const Rows r = rows_of(s, axis);
  const auto idx = ref_argsort(v, s, axis);
  V out(v.size());
  for (int64_t o = 0; o < r.outer; ++o)
    for (int64_t c = 0; c < r.inner; ++c)
      for (int64_t j = 0; j < r.n; ++j) out[r.at(o, j, c)] = v[r.at(o, idx[r.at(o, j, c)], c)];
  return out;
}

void expect_same_values(const V& got, const V& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(same(got[i], want[i])) << "at " << i << ": " << got[i] << " vs " << want[i];
}

std::vector<int64_t> as_indices(const array& a) {
  std::vector<int64_t> out;
  for (double x : vals(a)) out.push_back(static_cast<int64_t>(x));
  return out;
}

}  // namespace

TEST(Sort, EveryDtypeEveryAxisMatchesStableSort) {
  const Shape s{3, 5, 7};
  for (Dtype t : kAllDtypes) {
    SCOPED_TRACE(dtype_name(t));
    const V v = random_values(numel(s), t, 11 + static_cast<int>(t));
    const array a(v, s, t);
    for (int axis : {0, 1, 2, -1, -2, -3}) {
      SCOPED_TRACE(axis);
      const int ax = axis < 0 ? axis + 3 : axis;
      const array got = sort(a, axis);
      EXPECT_EQ(got.dtype(), t);
      EXPECT_EQ(got.shape(), s);
      expect_same_values(vals(got), ref_sort(v, s, ax));
      const array idx = argsort(a, axis);
      EXPECT_EQ(idx.dtype(), uint32);
      EXPECT_EQ(idx.shape(), s);
      EXPECT_EQ(as_indices(idx), ref_argsort(v, s, ax));  // ties keep index order: stable
    }
  }
}

// MLX's C++ overload set: without an axis every sort flattens (Python's default axis=-1 is the binding's).
TEST(Sort, WithoutAnAxisTheFlattenedArrayIsSorted) {
  const array a({3.f, 1.f, 2.f, 0.f, 5.f, 4.f}, float32);
  const array m = reshape(a, {2, 3});
  expect_same_values(vals(sort(m, -1)), {1, 2, 3, 0, 4, 5});
  for (const array& f : {sort(m), sort(m, std::nullopt)}) {
    EXPECT_EQ(f.shape(), Shape{6});
    expect_same_values(vals(f), {0, 1, 2, 3, 4, 5});
  }
  EXPECT_EQ(as_indices(argsort(m)), (std::vector<int64_t>{3, 1, 2, 0, 5, 4}));
  EXPECT_EQ(as_indices(argsort(m, -1)), (std::vector<int64_t>{1, 2, 0, 0, 2, 1}));
  EXPECT_EQ(topk(m, 2).shape(), Shape{2});
  expect_same_values(vals(topk(m, 2)), {4, 5});
  EXPECT_EQ(topk(m, 2, 1).shape(), (Shape{2, 2}));
  const V p = vals(partition(m, 1));
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[1], 1);
  EXPECT_TRUE(p[0] <= 1 && p[2] >= 1 && p[5] >= 1);
  EXPECT_EQ(as_indices(argpartition(m, 0))[0], 3);
  // A 0-d array has no last axis, but flattens to one element.
  EXPECT_THAT(error_of([] { sort(array(1.0f), -1); }), HasSubstr("[sort] axis -1 is out of range"));
  const array z = sort(array(2.5f));
  EXPECT_EQ(z.shape(), Shape{1});
  expect_same_values(vals(z), {2.5});
}

TEST(Sort, NaNSortsLastAndSignedZerosTie) {
  const V v{kNaN, 1.0, -kInf, 0.0, kNaN, -0.0, kInf, -2.5, 0.0};
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const array a(v, {9}, t);
    const V got = vals(sort(a));
    const V want{-kInf, -2.5, 0.0, -0.0, 0.0, 1.0, kInf, kNaN, kNaN};
    expect_same_values(got, want);
    // Stable: the zeros keep their input order (0.0 at 3, -0.0 at 5, 0.0 at 8), and so do the NaNs.
    EXPECT_EQ(as_indices(argsort(a)), (std::vector<int64_t>{2, 7, 3, 5, 8, 1, 6, 0, 4}));
    EXPECT_FALSE(std::signbit(got[2]));
    EXPECT_TRUE(std::signbit(got[3]));
  }
}

TEST(Sort, LargeRandomRowsMatchStableSort) {
  Rng r{99};
  const Shape s{4, 1000};
  V v(numel(s));
  for (auto& x : v) x = std::round(r.next() * 200) / 4 - 25;  // plenty of ties
  v[17] = kNaN, v[1500] = kNaN;
  const array a(v, s, float32);
  expect_same_values(vals(sort(a, 1)), ref_sort(v, s, 1));
  EXPECT_EQ(as_indices(argsort(a, 1)), ref_argsort(v, s, 1));
  expect_same_values(vals(sort(a, 0)), ref_sort(v, s, 0));
  EXPECT_EQ(as_indices(argsort(a, 0)), ref_argsort(v, s, 0));
}

TEST(Sort, NonContiguousInputs) {
  const Shape s{4, 6};
  const V v = random_values(numel(s), int32, 5);
  const array a(v, s, int32);
  // Transposed view (6, 4) and a reversed, strided slice.
  const array t = transpose(a);
  const V tv = vals(t);
  for (int axis : {0, 1}) {
    expect_same_values(vals(sort(t, axis)), ref_sort(tv, {6, 4}, axis));
    EXPECT_EQ(as_indices(argsort(t, axis)), ref_argsort(tv, {6, 4}, axis));
  }
  const array sl = slice(a, {3, 5}, {-5, -7}, Shape{-1, -2});  // rows 3..0, columns 5, 3, 1
  ASSERT_EQ(sl.shape(), (Shape{4, 3}));
  const V sv = vals(sl);
  expect_same_values(vals(sort(sl, -1)), ref_sort(sv, {4, 3}, 1));
  expect_same_values(vals(sort(sl, 0)), ref_sort(sv, {4, 3}, 0));
  EXPECT_EQ(as_indices(argsort(sl, 0)), ref_argsort(sv, {4, 3}, 0));
  // A broadcast input (stride 0).
  const array b = broadcast_to(array({3, 1, 2}), {2, 3});
  expect_same_values(vals(sort(b, 0)), {3, 1, 2, 3, 1, 2});
  expect_same_values(vals(sort(b, 1)), {1, 2, 3, 1, 2, 3});
}

TEST(Sort, ResultsFeedOtherOps) {
  // Sorting along a leading axis lays the result out with that axis innermost: downstream ops and a
  // reshape must see the logical order.
  const array a({5, 2, 4, 1, 3, 0}, int32);
  const array m = reshape(a, {3, 2});
  const array s = sort(m, 0);
  expect_same_values(vals(s), {3, 0, 4, 1, 5, 2});
  expect_same_values(vals(reshape(s, {6})), {3, 0, 4, 1, 5, 2});
  expect_same_values(vals(add(s, 1)), {4, 1, 5, 2, 6, 3});
  expect_same_values(vals(sum(s, 0)), {12, 3});
}

TEST(Sort, EmptyArrays) {
  for (Shape s : {Shape{0, 3}, Shape{3, 0}, Shape{0}}) {
    SCOPED_TRACE(shape_str(s));
    const array a = zeros(s, float32);
    for (int axis = 0; axis < static_cast<int>(s.size()); ++axis) {
      const array x = sort(a, axis), i = argsort(a, axis);
      EXPECT_EQ(x.shape(), s);
      EXPECT_EQ(i.shape(), s);
      EXPECT_EQ(i.dtype(), uint32);
      eval(x, i);
      EXPECT_EQ(x.size(), 0);
    }
  }
  EXPECT_EQ(topk(zeros({2, 0}), 0, -1).shape(), (Shape{2, 0}));
  EXPECT_EQ(topk(zeros({0, 5}), 2, -1).shape(), (Shape{0, 2}));
  EXPECT_EQ(vals(topk(zeros({0, 5}), 2, -1)).size(), 0u);
  EXPECT_EQ(topk(zeros({2, 0}), 0).shape(), (Shape{0}));
}

TEST(Partition, EveryDtypePartitionsAroundKth) {
  const Shape s{4, 9};
  for (Dtype t : kAllDtypes) {
    SCOPED_TRACE(dtype_name(t));
    V v = random_values(numel(s), t, 31 + static_cast<int>(t));
    if (is_floating_point(t)) v[3] = kNaN, v[20] = kNaN;
    const array a(v, s, t);
    for (int axis : {0, 1, -1}) {
      const int ax = axis < 0 ? axis + 2 : axis;
      const Rows r = rows_of(s, ax);
      const V sorted = ref_sort(v, s, ax);
      for (int64_t kth : {int64_t{0}, int64_t{2}, r.n - 1, int64_t{-1}, -r.n}) {
        SCOPED_TRACE(::testing::Message() << "axis " << axis << " kth " << kth);
        const int64_t k = kth < 0 ? kth + r.n : kth;
        const array p = partition(a, kth, axis);
        const array ip = argpartition(a, kth, axis);
        EXPECT_EQ(p.dtype(), t);
        EXPECT_EQ(ip.dtype(), uint32);
        const V pv = vals(p);
        const auto iv = as_indices(ip);
        for (int64_t o = 0; o < r.outer; ++o)
          for (int64_t c = 0; c < r.inner; ++c) {
            const double pivot = sorted[r.at(o, k, c)];
            V row, via_index;
            std::vector<int64_t> perm;
            for (int64_t j = 0; j < r.n; ++j) {
              row.push_back(pv[r.at(o, j, c)]);
              perm.push_back(iv[r.at(o, j, c)]);
              via_index.push_back(v[r.at(o, perm.back(), c)]);
            }
            for (const V* x : {&row, &via_index}) {
              EXPECT_TRUE(same((*x)[k], pivot));
              for (int64_t j = 0; j < k; ++j) EXPECT_FALSE(before(pivot, (*x)[j])) << j;
              for (int64_t j = k + 1; j < r.n; ++j) EXPECT_FALSE(before((*x)[j], pivot)) << j;
              V xs = *x, want;
              std::sort(xs.begin(), xs.end(), before);
              for (int64_t j = 0; j < r.n; ++j) want.push_back(sorted[r.at(o, j, c)]);
              expect_same_values(xs, want);  // the same multiset
            }
            std::sort(perm.begin(), perm.end());
            for (int64_t j = 0; j < r.n; ++j) EXPECT_EQ(perm[j], j);  // a permutation
          }
      }
    }
  }
}

TEST(Partition, FlattenedAndNonContiguous) {
  const array a = transpose(reshape(array({9, 4, 7, 1, 8, 2}), {2, 3}));  // logical 9 1 / 4 8 / 7 2
  const V p = vals(partition(a, 2, std::nullopt));
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[2], 4);
  for (int j = 0; j < 2; ++j) EXPECT_LT(p[j], 4);
  for (int j = 3; j < 6; ++j) EXPECT_GT(p[j], 4);
  const auto ip = as_indices(argpartition(a, 0, 0));  // columns (9 4 7) and (1 8 2)
  EXPECT_EQ(ip[0], 1);                                 // row-major: [0][0], [0][1]
  EXPECT_EQ(ip[1], 0);
}

TEST(TopK, LargestInAscendingOrder) {
  const Shape s{3, 8};
  for (Dtype t : kAllDtypes) {
    SCOPED_TRACE(dtype_name(t));
    V v = random_values(numel(s), t, 51 + static_cast<int>(t));
    if (is_floating_point(t)) v[5] = kNaN;  // the largest of its row
    const array a(v, s, t);
    for (int axis : {0, 1}) {
      const Rows r = rows_of(s, axis);
      const V sorted = ref_sort(v, s, axis);
      for (int64_t k = 0; k <= r.n; ++k) {
        SCOPED_TRACE(::testing::Message() << "axis " << axis << " k " << k);
        const array got = topk(a, k, axis);
        Shape want_shape = s;
        want_shape[axis] = k;
        EXPECT_EQ(got.shape(), want_shape);
        EXPECT_EQ(got.dtype(), t);
        const V gv = vals(got);
        // row-major over want_shape: the last k of each sorted row
        V want(gv.size());
        for (int64_t o = 0; o < r.outer; ++o)
          for (int64_t j = 0; j < k; ++j)
            for (int64_t c = 0; c < r.inner; ++c)
              want[(o * k + j) * r.inner + c] = sorted[r.at(o, r.n - k + j, c)];
        expect_same_values(gv, want);
      }
    }
  }
}

TEST(TopK, DefaultsAndFlattened) {
  const array m = reshape(array({4.f, 9.f, 1.f, 7.f, 3.f, 8.f}), {2, 3});
  expect_same_values(vals(topk(m, 2, -1)), {4, 9, 7, 8});
  expect_same_values(vals(topk(m, 2)), {8, 9});  // no axis: the flattened array, as MLX's C++
  expect_same_values(vals(topk(m, 1, 0)), {7, 9, 8});  // (1, 3): the largest of each column
  EXPECT_EQ(topk(m, 1, 0).shape(), (Shape{1, 3}));
  expect_same_values(vals(topk(m, 2, 0)), {4, 3, 1, 7, 9, 8});  // k == n: each column sorted
  expect_same_values(vals(topk(m, 3, std::nullopt)), {7, 8, 9});
}

TEST(SearchSorted, LeftAndRightMatchCounting) {
  const V sorted_v{-1, 0, 0, 2, 2, 2, 5, kInf, kNaN};
  const V queries{-3, -1, 0, 1, 2, 3, 5, 6, kInf, kNaN, -kInf};
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    SCOPED_TRACE(dtype_name(t));
    const array a(sorted_v, {9}, t);
    const array q(queries, {11}, t);
    const array l = searchsorted(a, q), r = searchsorted(a, q, "right");
    EXPECT_EQ(l.dtype(), uint32);
    EXPECT_EQ(l.shape(), Shape{11});
    std::vector<int64_t> wl, wr;
    for (double x : queries) {
      int64_t cl = 0, cr = 0;
      for (double y : sorted_v) cl += before(y, x), cr += !before(x, y);
      wl.push_back(cl), wr.push_back(cr);
    }
    EXPECT_EQ(as_indices(l), wl);
    EXPECT_EQ(as_indices(r), wr);
  }
  // numpy: searchsorted([1, 2, nan], nan) is 2 (left) and 3 (right).
  EXPECT_EQ(as_indices(searchsorted(array({1.f, 2.f, NAN}), array({NAN}))), std::vector<int64_t>{2});
  EXPECT_EQ(as_indices(searchsorted(array({1.f, 2.f, NAN}), array({NAN}), "right")), std::vector<int64_t>{3});
}

TEST(SearchSorted, IntegersShapesScalarsAndPromotion) {
  for (Dtype t : kAllDtypes) {
    if (t == bool_) continue;
    SCOPED_TRACE(dtype_name(t));
    const array a(V{1, 2, 2, 4}, {4}, t);
    const array q(V{0, 2, 3, 5, 1, 4}, {2, 3}, t);
    const array l = searchsorted(a, q);
    EXPECT_EQ(l.shape(), (Shape{2, 3}));
    EXPECT_EQ(as_indices(l), (std::vector<int64_t>{0, 1, 3, 4, 0, 3}));
    EXPECT_EQ(as_indices(searchsorted(a, q, "right")), (std::vector<int64_t>{0, 3, 3, 4, 1, 4}));
    // A non-contiguous query array.
    EXPECT_EQ(as_indices(searchsorted(a, transpose(q))), (std::vector<int64_t>{0, 4, 1, 0, 3, 3}));
  }
  const array b(V{0, 0, 1}, {3}, bool_);
  EXPECT_EQ(as_indices(searchsorted(b, array({false, true}), "right")), (std::vector<int64_t>{2, 3}));
  // A weak scalar: 0-d result; an int32 sequence searched with a float promotes to float32.
  const array ints({1, 3, 5});
  array s = searchsorted(ints, 2.5);
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.item<uint32_t>(), 1u);
  EXPECT_EQ(searchsorted(ints, 3, "right").item<uint32_t>(), 2u);
  EXPECT_EQ(as_indices(searchsorted(ints, array({2.5f, 5.5f}))), (std::vector<int64_t>{1, 3}));
  // Empty sequence, empty queries.
  EXPECT_EQ(as_indices(searchsorted(zeros({0}), array({1.f, -1.f}))), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(searchsorted(ints, zeros({0, 2}, int32)).shape(), (Shape{0, 2}));
  // A non-contiguous sorted sequence (reversed view of a descending array).
  const array desc({9, 7, 4, 1});
  EXPECT_EQ(as_indices(searchsorted(slice(desc, {3}, {-5}, Shape{-1}), array({5, 0}))), (std::vector<int64_t>{2, 0}));
}

TEST(Sort, Errors) {
  const array m = zeros({2, 3});
  EXPECT_THAT(error_of([&] { sort(m, 2); }), HasSubstr("[sort] axis 2 is out of range for an array with 2 dimensions"));
  EXPECT_THAT(error_of([&] { argsort(m, -3); }), HasSubstr("[argsort] axis -3 is out of range"));
  EXPECT_THAT(error_of([&] { partition(m, 0, 5); }), HasSubstr("[partition] axis 5 is out of range"));
  EXPECT_THAT(error_of([&] { argpartition(m, 0, -4); }), HasSubstr("[argpartition] axis -4 is out of range"));
  EXPECT_THAT(error_of([&] { topk(m, 1, 2); }), HasSubstr("[topk] axis 2 is out of range"));
  EXPECT_THAT(error_of([&] { partition(m, 3, -1); }),
              HasSubstr("[partition] kth 3 is out of range for axis 1 of an array of shape (2,3)"));
  EXPECT_THAT(error_of([&] { partition(m, -4, 1); }), HasSubstr("[partition] kth -4 is out of range"));
  EXPECT_THAT(error_of([&] { argpartition(m, 2, 0); }), HasSubstr("[argpartition] kth 2 is out of range for axis 0"));
  EXPECT_THAT(error_of([&] { partition(zeros({0}), 0); }), HasSubstr("[partition] kth 0 is out of range"));
  EXPECT_THAT(error_of([&] { topk(m, 4, 1); }),
              HasSubstr("[topk] k 4 is out of range for axis 1 of an array of shape (2,3)"));
  EXPECT_THAT(error_of([&] { topk(m, -1); }), HasSubstr("[topk] k -1 is out of range"));
  EXPECT_THAT(error_of([&] { topk(m, 7, std::nullopt); }), HasSubstr("[topk] k 7 is out of range"));
  EXPECT_THAT(error_of([&] { searchsorted(m, array({1.f})); }),
              HasSubstr("[searchsorted] the sorted sequence must be 1-D, got an array of shape (2,3)"));
  EXPECT_THAT(error_of([&] { searchsorted(array(1.f), array({1.f})); }),
              HasSubstr("[searchsorted] the sorted sequence must be 1-D"));
  EXPECT_THAT(error_of([&] { searchsorted(array({1.f}), array({1.f}), "middle"); }),
              HasSubstr("[searchsorted] side must be 'left' or 'right', got 'middle'"));
}

TEST(TopK, ManyNaNsAndLongRows) {
  const array a({NAN, 1.f, NAN, 2.f, -1.f});
  const V k1 = vals(topk(a, 1));
  EXPECT_TRUE(std::isnan(k1[0]));
  const V k3 = vals(topk(a, 3));
  EXPECT_EQ(k3[0], 2);
  EXPECT_TRUE(std::isnan(k3[1]) && std::isnan(k3[2]));
  Rng r{7};
  const Shape s{3, 1000};
  V v(numel(s));
  for (auto& x : v) x = std::round(r.next() * 400) / 8 - 25;
  v[10] = kNaN, v[999] = kNaN, v[2500] = kNaN;
  for (Dtype t : {float32, bfloat16, int32}) {
    SCOPED_TRACE(dtype_name(t));
    const array x(v, s, t);
    const V xv = vals(x), sorted = ref_sort(xv, s, 1);
    for (int64_t k : {1, 37, 999}) {
      const V got = vals(topk(x, k, -1));
      V want;
      for (int64_t o = 0; o < 3; ++o)
        for (int64_t j = 1000 - k; j < 1000; ++j) want.push_back(sorted[o * 1000 + j]);
      expect_same_values(got, want);
    }
    const V p = vals(partition(x, 500, -1));
    const auto ip = as_indices(argpartition(x, 500, -1));
    for (int64_t o = 0; o < 3; ++o) {
      const double pivot = sorted[o * 1000 + 500];
      EXPECT_TRUE(same(p[o * 1000 + 500], pivot));
      EXPECT_TRUE(same(xv[o * 1000 + ip[o * 1000 + 500]], pivot));
      for (int64_t j = 0; j < 1000; ++j) {
        const double a1 = p[o * 1000 + j], a2 = xv[o * 1000 + ip[o * 1000 + j]];
        if (j < 500) EXPECT_FALSE(before(pivot, a1) || before(pivot, a2)) << j;
        if (j > 500) EXPECT_FALSE(before(a1, pivot) || before(a2, pivot)) << j;
      }
    }
  }
}

namespace {
// A primitive rebuilt from serialized state, as the importer does with a (possibly hostile) file.
template <typename... F>
std::shared_ptr<Primitive> rebuilt(const std::string& name, const F&... fields) {
  StateWriter w;
  (w.write(fields), ...);
  StateReader r(w.bytes().data(), w.bytes().size(), name);
  return primitive_registry().entries().at(name).factory(r);
}
}  // namespace

TEST(Sort, HostileStateIsRefusedBeforeAnyKernel) {
  const Arrays m{array::placeholder({2, 3}, float32)};
  EXPECT_THAT(error_of([&] { rebuilt("Sort", 2)->output_shapes(m); }), HasSubstr("[sort] axis 2 is out of range"));
  EXPECT_THAT(error_of([&] { rebuilt("ArgSort", -1)->output_shapes(m); }),
              HasSubstr("[argsort] axis -1 is out of range"));
  EXPECT_THAT(error_of([&] { rebuilt("Partition", int64_t{3}, 1)->output_shapes(m); }),
              HasSubstr("[partition] kth 3 is out of range"));
  EXPECT_THAT(error_of([&] { rebuilt("ArgPartition", int64_t{-3}, 0)->output_shapes(m); }),
              HasSubstr("[argpartition] kth -3 is out of range"));
  EXPECT_THAT(error_of([&] { rebuilt("TopK", int64_t{4}, 1)->output_shapes(m); }),
              HasSubstr("[topk] k 4 is out of range"));
  EXPECT_THAT(error_of([&] { rebuilt("TopK", int64_t{1}, 5)->output_shapes(m); }),
              HasSubstr("[topk] axis 5 is out of range"));
  EXPECT_THAT(error_of([&] { rebuilt("SearchSorted", true)->output_shapes({m[0], m[0]}); }),
              HasSubstr("[searchsorted] the sorted sequence must be 1-D"));
  EXPECT_EQ(rebuilt("TopK", int64_t{2}, 0)->output_shapes(m)[0], (Shape{2, 3}));
  EXPECT_EQ(rebuilt("ArgSort", 1)->output_dtypes(m)[0], uint32);
  EXPECT_THROW(rebuilt("Sort", 0)->check_inputs({m[0], m[0]}), std::exception);
  EXPECT_THROW(rebuilt("SearchSorted", false)->check_inputs({m[0], array::placeholder({2}, int32)}), std::exception);
}
