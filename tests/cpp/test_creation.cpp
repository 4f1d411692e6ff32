// Creation ops: full and friends, arange, linspace, eye, identity, tri.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "ingot/ingot.h"
#include "test_util.h"

using namespace ingot;
using ingot::testing::error_of;
using ingot::testing::vals;
using ::testing::HasSubstr;

namespace {

using V = std::vector<double>;

V repeat(double v, size_t n) { return V(n, v); }

}  // namespace

// ---- full / zeros / ones ----

TEST(CreationFull, ScalarValueDtypes) {
  auto f = full({2, 3}, 2.5);
  EXPECT_EQ(f.dtype(), float32);  // a float value alone is float32
  EXPECT_EQ(f.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals(f), repeat(2.5, 6));
  f.eval();
  EXPECT_TRUE(f.flags().row_contiguous);
  EXPECT_EQ(f.data_size(), 6);

  auto i = full({4}, 7);
  EXPECT_EQ(i.dtype(), int32);
  EXPECT_EQ(vals(i), repeat(7, 4));
  auto b = full({3}, true);
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_EQ(vals(b), repeat(1, 3));
  auto d = full({2}, 3, float16);
  EXPECT_EQ(d.dtype(), float16);
  EXPECT_EQ(vals(d), repeat(3, 2));
  auto t = full({3}, 2.75, int16);  // converted to the requested dtype
  EXPECT_EQ(t.dtype(), int16);
  EXPECT_EQ(vals(t), repeat(2, 3));
  auto big = full({1000}, int64_t{1} << 40, int64);
  EXPECT_EQ(vals(big), repeat(std::ldexp(1.0, 40), 1000));
}

TEST(CreationFull, ArrayValueBroadcasts) {
  auto row = array({1.0f, 2.0f, 3.0f});
  auto f = full({2, 3}, row);
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(vals(f), (V{1, 2, 3, 1, 2, 3}));
  auto c2 = full({2, 3}, reshape(array({1, 2}, int8), {2, 1}));
  EXPECT_EQ(c2.dtype(), int8);
  EXPECT_EQ(vals(c2), (V{1, 1, 1, 2, 2, 2}));
  auto cast = full({2, 2}, array({0.5f, 1.5f}), float64);
  EXPECT_EQ(cast.dtype(), float64);
  EXPECT_EQ(vals(cast), (V{0.5, 1.5, 0.5, 1.5}));
  // a non-contiguous value is materialized in row-major order
  auto tv = full({2, 2, 2}, transpose(reshape(array({1.0f, 2.0f, 3.0f, 4.0f}), {2, 2})));
  EXPECT_EQ(vals(tv), (V{1, 3, 2, 4, 1, 3, 2, 4}));
  tv.eval();
  EXPECT_TRUE(tv.flags().row_contiguous);
  EXPECT_EQ(vals(full({}, array(5.0f))), V{5});
  EXPECT_EQ(full({}, 5).shape(), Shape{});
}

TEST(CreationFull, EmptyShapes) {
  auto e = full({0, 4}, 1.0);
  EXPECT_EQ(e.shape(), (Shape{0, 4}));
  EXPECT_EQ(vals(e), V{});
  EXPECT_EQ(zeros({3, 0}).size(), 0);
  EXPECT_EQ(vals(full({0}, array({1.0f}))), V{});
}

TEST(CreationFull, ZerosOnesEveryDtype) {
  for (Dtype t : kAllDtypes) {
    SCOPED_TRACE(dtype_name(t));
    auto z = zeros({2, 3}, t);
    auto o = ones({5}, t);
    EXPECT_EQ(z.dtype(), t);
    EXPECT_EQ(o.dtype(), t);
    EXPECT_EQ(vals(z), repeat(0, 6));
    EXPECT_EQ(vals(o), repeat(1, 5));
  }
  EXPECT_EQ(zeros({2}).dtype(), float32);
  EXPECT_EQ(vals(ones({})), V{1});
}

TEST(CreationFull, LikeVariants) {
  auto a = transpose(reshape(array({1, 2, 3, 4, 5, 6}, int16), {2, 3}));
  auto z = zeros_like(a);
  EXPECT_EQ(z.shape(), (Shape{3, 2}));
  EXPECT_EQ(z.dtype(), int16);
  EXPECT_EQ(vals(z), repeat(0, 6));
  auto o = ones_like(a);
  EXPECT_EQ(o.dtype(), int16);
  EXPECT_EQ(vals(o), repeat(1, 6));
  auto f = full_like(a, 9.75);  // the value takes a's dtype
  EXPECT_EQ(f.dtype(), int16);
  EXPECT_EQ(vals(f), repeat(9, 6));
  auto fh = full_like(array({1.0f}, bfloat16), 3);
  EXPECT_EQ(fh.dtype(), bfloat16);
  EXPECT_EQ(vals(fh), V{3});
  auto fa = full_like(zeros({2, 2}), array({1.0f, 2.0f}));
  EXPECT_EQ(vals(fa), (V{1, 2, 1, 2}));
}

TEST(CreationFull, Errors) {
  auto msg = error_of([] { full({2, 3}, array({1.0f, 2.0f})); });
  EXPECT_THAT(msg, HasSubstr("[full] cannot broadcast a value of shape (2,) to shape (2,3)"));
  EXPECT_THAT(error_of([] { full({3}, zeros({2, 3})); }), HasSubstr("[full]"));
  EXPECT_THAT(error_of([] { full({2}, zeros({3, 1})); }), HasSubstr("[full]"));
  EXPECT_THAT(error_of([] { full({-1, 3}, 1.0); }), HasSubstr("[full] negative dimension"));
  EXPECT_THAT(error_of([] { zeros({2, -2}); }), HasSubstr("[full] negative dimension"));
  EXPECT_THAT(error_of([] { ones({-5}, int32); }), HasSubstr("[full]"));
  EXPECT_THAT(error_of([] { full({2}, 300, int8); }), HasSubstr("[full] the scalar 300 is out of range for int8"));
}

// ---- arange ----

TEST(CreationArange, FloatRanges) {
  auto a = arange(0.0, 1.0, 0.25);
  EXPECT_EQ(a.dtype(), float32);
  EXPECT_EQ(vals(a), (V{0, 0.25, 0.5, 0.75}));
  auto b = arange(1.0, 2.05, 0.5);  // ceil(1.05 / 0.5) = 3
  EXPECT_EQ(b.shape(), Shape{3});
  EXPECT_EQ(vals(b), (V{1, 1.5, 2}));
  auto c = arange(5.0, 0.0, -1.5);  // ceil(-5 / -1.5) = 4
  EXPECT_EQ(vals(c), (V{5, 3.5, 2, 0.5}));
  auto d = arange(3.5, float64);
  EXPECT_EQ(d.dtype(), float64);
  EXPECT_EQ(vals(d), (V{0, 1, 2, 3}));
  // numpy's length rule for a step that does not divide the range
  auto e = arange(0.0, 1.0, 0.3, float64);
  ASSERT_EQ(e.size(), 4);
  V ev = vals(e);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(ev[i], i * 0.3);
  auto h = arange(0.0, 4.0, 1.0, float16);
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(vals(h), (V{0, 1, 2, 3}));
  auto bf = arange(-2.0, 2.0, 1.0, bfloat16);
  EXPECT_EQ(vals(bf), (V{-2, -1, 0, 1}));
}

TEST(CreationArange, IntegerRanges) {
  auto a = arange(int64_t{5});
  EXPECT_EQ(a.dtype(), int32);
  EXPECT_EQ(vals(a), (V{0, 1, 2, 3, 4}));
  auto b = arange(int64_t{10}, int64_t{-3}, int64_t{-4});
  EXPECT_EQ(vals(b), (V{10, 6, 2, -2}));
  auto c = arange(int64_t{1} << 40, (int64_t{1} << 40) + 3, int64_t{1}, int64);
  EXPECT_EQ(c.dtype(), int64);
  c.eval();
  EXPECT_EQ(c.data<int64_t>()[2], (int64_t{1} << 40) + 2);
  auto u = arange(int64_t{2}, int64_t{8}, int64_t{3}, uint8);
  EXPECT_EQ(u.dtype(), uint8);
  EXPECT_EQ(vals(u), (V{2, 5}));
  auto f = arange(int64_t{0}, int64_t{3}, int64_t{1}, float32);
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(vals(f), (V{0, 1, 2}));
  // a fractional start with an integer dtype truncates each value, as numpy
  auto t = arange(0.5, 4.0, 1.0, int32);
  EXPECT_EQ(vals(t), (V{0, 1, 2, 3}));
}

TEST(CreationArange, IntLiterals) {
  auto a = arange(4);
  EXPECT_EQ(a.dtype(), int32);
  EXPECT_EQ(vals(a), (V{0, 1, 2, 3}));
  EXPECT_EQ(vals(arange(1, 10, 4)), (V{1, 5, 9}));
  EXPECT_EQ(vals(arange(-2, 1)), (V{-2, -1, 0}));
  auto b = arange(3, int64);
  EXPECT_EQ(b.dtype(), int64);
  EXPECT_EQ(vals(b), (V{0, 1, 2}));
  auto f = arange(2, float32);
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(vals(f), (V{0, 1}));
}

TEST(CreationArange, EmptyRanges) {
  EXPECT_EQ(arange(int64_t{5}, int64_t{5}).shape(), Shape{0});
  EXPECT_EQ(arange(int64_t{5}, int64_t{0}).shape(), Shape{0});
  EXPECT_EQ(arange(0.0, 1.0, -0.5).shape(), Shape{0});
  EXPECT_EQ(arange(-3.0).shape(), Shape{0});
  EXPECT_EQ(vals(arange(int64_t{0})), V{});
}

TEST(CreationArange, Errors) {
  EXPECT_THAT(error_of([] { arange(0.0, 1.0, 0.0); }), HasSubstr("[arange] step cannot be zero"));
  EXPECT_THAT(error_of([] { arange(int64_t{0}, int64_t{3}, int64_t{0}); }), HasSubstr("[arange] step cannot be zero"));
  EXPECT_THAT(error_of([] { arange(int64_t{3}, bool_); }), HasSubstr("[arange] cannot make a range of dtype bool"));
  EXPECT_THAT(error_of([] { arange(0.0, std::numeric_limits<double>::infinity()); }),
              HasSubstr("[arange] start, stop and step must be finite"));
  EXPECT_THAT(error_of([] { arange(std::nan(""), 1.0); }), HasSubstr("[arange]"));
  EXPECT_THAT(error_of([] { arange(0.0, 1e300, 1.0); }), HasSubstr("[arange]"));
}

// ---- linspace ----

TEST(CreationLinspace, EndpointsIncluded) {
  auto a = linspace(0.0, 1.0, 5);
  EXPECT_EQ(a.dtype(), float32);
  EXPECT_EQ(vals(a), (V{0, 0.25, 0.5, 0.75, 1}));
  auto b = linspace(2.0, -1.0, 4, float64);
  EXPECT_EQ(b.dtype(), float64);
  EXPECT_EQ(vals(b), (V{2, 1, 0, -1}));
  auto c = linspace(0.1, 0.7, 7, float64);
  V cv = vals(c);
  ASSERT_EQ(cv.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_NEAR(cv[i], 0.1 + 0.1 * i, 1e-15);
  EXPECT_EQ(cv[6], 0.7);  // the stop is exact
  EXPECT_EQ(vals(linspace(0.0, 1.0, 4, float64))[1], 1.0 / 3.0);
  auto d = linspace(0.0, 1.0);
  EXPECT_EQ(d.shape(), Shape{50});
  V dv = vals(d);
  for (int i = 0; i < 50; ++i) EXPECT_NEAR(dv[i], i / 49.0, 1e-6);
  EXPECT_EQ(dv[49], 1.0);
}

TEST(CreationLinspace, SmallCountsAndDtypes) {
  auto one = linspace(3.0, 10.0, 1);
  EXPECT_EQ(one.shape(), Shape{1});
  EXPECT_EQ(vals(one), V{3});
  EXPECT_EQ(linspace(3.0, 10.0, 0).shape(), Shape{0});
  auto two = linspace(3.0, 10.0, 2);
  EXPECT_EQ(vals(two), (V{3, 10}));
  auto ints = linspace(0.0, 10.0, 4, int32);  // 0, 3.33, 6.67, 10 truncated
  EXPECT_EQ(ints.dtype(), int32);
  EXPECT_EQ(vals(ints), (V{0, 3, 6, 10}));
  auto h = linspace(-1.0, 1.0, 3, float16);
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(vals(h), (V{-1, 0, 1}));
  EXPECT_THAT(error_of([] { linspace(0.0, 1.0, -1); }), HasSubstr("[linspace] number of samples -1"));
}

// ---- eye / identity / tri ----

TEST(CreationEye, SquareRectangularAndOffsets) {
  auto e = eye(3);
  EXPECT_EQ(e.dtype(), float32);
  EXPECT_EQ(vals(e), (V{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  auto r = eye(2, 4, 1);
  EXPECT_EQ(r.shape(), (Shape{2, 4}));
  EXPECT_EQ(vals(r), (V{0, 1, 0, 0, 0, 0, 1, 0}));
  auto l = eye(4, 3, -2, int32);
  EXPECT_EQ(l.dtype(), int32);
  EXPECT_EQ(vals(l), (V{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(vals(eye(2, 2, 5)), repeat(0, 4));
  EXPECT_EQ(eye(0).shape(), (Shape{0, 0}));
  auto id = identity(2, bool_);
  EXPECT_EQ(id.dtype(), bool_);
  EXPECT_EQ(vals(id), (V{1, 0, 0, 1}));
  EXPECT_THAT(error_of([] { eye(-1); }), HasSubstr("[eye]"));
  EXPECT_THAT(error_of([] { eye(2, -3); }), HasSubstr("[eye]"));
  EXPECT_THAT(error_of([] { identity(-2); }), HasSubstr("[identity]"));
}

TEST(CreationTri, LowerTriangleWithOffsets) {
  auto t = tri(3);
  EXPECT_EQ(t.dtype(), float32);
  EXPECT_EQ(vals(t), (V{1, 0, 0, 1, 1, 0, 1, 1, 1}));
  auto u = tri(2, 4, 1, int8);
  EXPECT_EQ(u.dtype(), int8);
  EXPECT_EQ(vals(u), (V{1, 1, 0, 0, 1, 1, 1, 0}));
  auto d = tri(3, 2, -1);
  EXPECT_EQ(vals(d), (V{0, 0, 1, 0, 1, 1}));
  EXPECT_EQ(tri(0, 3).shape(), (Shape{0, 3}));
  EXPECT_THAT(error_of([] { tri(-1); }), HasSubstr("[tri]"));
}
