// Shape ops: views (transpose, broadcast, slice, reshape, split), copies (concatenate, non-view
// reshapes), where, tril/triu, and the layout facts views carry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/layout.h"
#include "ingot/ingot.h"
#include "prims/primitive.h"
#include "test_util.h"

using namespace ingot;
using ingot::testing::error_of;
using ingot::testing::vals;
using ::testing::HasSubstr;

namespace {

// 0, 1, ..., n-1 as float32 in the given shape, evaluated.
array iota(const Shape& s, Dtype t = float32) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return array(v.data(), float32, s, t);
}

using V = std::vector<double>;
using Ax = std::vector<int>;

}  // namespace

// ---- layout ----

TEST(ShapesLayout, FlagsAndDataSize) {
  auto l = layout_of({2, 3}, {3, 1});
  EXPECT_TRUE(l.flags.row_contiguous);
  EXPECT_FALSE(l.flags.col_contiguous);
  EXPECT_TRUE(l.flags.contiguous);
  EXPECT_EQ(l.data_size, 6);

  l = layout_of({2, 3}, {1, 2});  // a transpose
  EXPECT_FALSE(l.flags.row_contiguous);
  EXPECT_TRUE(l.flags.col_contiguous);
  EXPECT_TRUE(l.flags.contiguous);
  EXPECT_EQ(l.data_size, 6);

  l = layout_of({4, 3}, {0, 1});  // a broadcast row
  EXPECT_FALSE(l.flags.row_contiguous);
  EXPECT_FALSE(l.flags.col_contiguous);
  EXPECT_TRUE(l.flags.contiguous);
  EXPECT_EQ(l.data_size, 3);

  l = layout_of({5}, {-1});  // reversed
  EXPECT_FALSE(l.flags.row_contiguous);
  EXPECT_FALSE(l.flags.contiguous);
  EXPECT_EQ(l.data_size, 5);

  l = layout_of({3}, {2});  // every other element
  EXPECT_FALSE(l.flags.contiguous);
  EXPECT_EQ(l.data_size, 5);

  l = layout_of({1, 4, 1}, {99, 1, 7});  // size-1 strides do not matter
  EXPECT_TRUE(l.flags.row_contiguous);
  EXPECT_TRUE(l.flags.col_contiguous);
  EXPECT_EQ(l.data_size, 4);

  l = layout_of({}, {});
  EXPECT_TRUE(l.flags.row_contiguous);
  EXPECT_EQ(l.data_size, 1);

  l = layout_of({0, 3}, {0, 0});
  EXPECT_TRUE(l.flags.row_contiguous);
  EXPECT_EQ(l.data_size, 0);
}

// ---- transpose ----

TEST(ShapesTranspose, IsAViewWithPermutedStrides) {
  auto x = iota({2, 3});
  auto t = transpose(x);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  t.eval();
  EXPECT_EQ(t.raw_data(), x.raw_data());
  EXPECT_EQ(t.strides(), (Strides{1, 3}));
  EXPECT_FALSE(t.flags().row_contiguous);
  EXPECT_TRUE(t.flags().col_contiguous);
  EXPECT_TRUE(t.flags().contiguous);
  EXPECT_EQ(t.data_size(), 6);
  EXPECT_EQ(vals(t), (V{0, 3, 1, 4, 2, 5}));
}

TEST(ShapesTranspose, AxesPermutation3d) {
  auto x = iota({2, 3, 4});
  auto t = transpose(x, {1, -1, 0});  // shape (3,4,2); t[i,j,k] = x[k,i,j]
  EXPECT_EQ(t.shape(), (Shape{3, 4, 2}));
  V want;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 2; ++k) want.push_back(k * 12 + i * 4 + j);
  EXPECT_EQ(vals(t), want);
  EXPECT_EQ(t.raw_data(), x.raw_data());
}

TEST(ShapesTranspose, SwapaxesAndMoveaxis) {
  auto x = iota({2, 3, 4});
  auto s = swapaxes(x, 0, -1);  // (4,3,2): s[i,j,k] = x[k,j,i]
  EXPECT_EQ(s.shape(), (Shape{4, 3, 2}));
  V want;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) want.push_back(k * 12 + j * 4 + i);
  EXPECT_EQ(vals(s), want);

  auto m = moveaxis(x, 0, 2);  // (3,4,2): m[i,j,k] = x[k,i,j]
  EXPECT_EQ(m.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(vals(m), vals(transpose(x, {1, 2, 0})));
  auto m2 = moveaxis(x, -1, 0);  // (4,2,3): m2[i,j,k] = x[j,k,i]
  EXPECT_EQ(m2.shape(), (Shape{4, 2, 3}));
  want.clear();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 3; ++k) want.push_back(j * 12 + k * 4 + i);
  EXPECT_EQ(vals(m2), want);
}

TEST(ShapesTranspose, ZeroDimAndEmpty) {
  auto s = transpose(array(7.0f));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(vals(s), V{7});
  auto e = transpose(zeros({0, 3}));
  EXPECT_EQ(e.shape(), (Shape{3, 0}));
  EXPECT_EQ(vals(e), V{});
}

TEST(ShapesTranspose, Errors) {
  auto x = iota({2, 3});
  auto msg = error_of([&] { transpose(x, {0}); });
  EXPECT_THAT(msg, HasSubstr("[transpose]"));
  EXPECT_THAT(msg, HasSubstr("(2,3)"));
  EXPECT_THAT(error_of([&] { transpose(x, {0, 0}); }), HasSubstr("[transpose] repeated axis"));
  EXPECT_THAT(error_of([&] { transpose(x, {0, 2}); }), HasSubstr("[transpose] axis 2 is out of range"));
  EXPECT_THAT(error_of([&] { swapaxes(x, 0, 5); }), HasSubstr("[swapaxes] axis 5"));
  EXPECT_THAT(error_of([&] { moveaxis(x, -3, 0); }), HasSubstr("[moveaxis] axis -3"));
  EXPECT_THAT(error_of([&] { moveaxis(x, 0, 2); }), HasSubstr("[moveaxis] axis 2"));
}

// ---- broadcast ----

TEST(ShapesBroadcast, ZeroStridesShareTheBuffer) {
  auto x = array({1.0f, 2.0f, 3.0f});
  x.eval();
  auto b = broadcast_to(x, {2, 3});
  b.eval();
  EXPECT_EQ(b.raw_data(), x.raw_data());
  EXPECT_EQ(b.strides(), (Strides{0, 1}));
  EXPECT_EQ(b.data_size(), 3);
  EXPECT_EQ(b.size(), 6);
  EXPECT_TRUE(b.flags().contiguous);
  EXPECT_FALSE(b.flags().row_contiguous);
  EXPECT_EQ(vals(b), (V{1, 2, 3, 1, 2, 3}));

  auto c = broadcast_to(reshape(x, {3, 1}), {2, 3, 4});
  EXPECT_EQ(c.shape(), (Shape{2, 3, 4}));
  V want;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) want.push_back(j + 1);
  EXPECT_EQ(vals(c), want);
  EXPECT_EQ(c.raw_data(), x.raw_data());
}

TEST(ShapesBroadcast, ScalarEmptyAndSameShape) {
  auto s = broadcast_to(array(int32_t{5}), {2, 2});
  EXPECT_EQ(s.dtype(), int32);
  EXPECT_EQ(vals(s), (V{5, 5, 5, 5}));
  s.eval();
  EXPECT_EQ(s.data_size(), 1);
  auto e = broadcast_to(array({1.0f}), {0});
  EXPECT_EQ(e.shape(), Shape{0});
  EXPECT_EQ(vals(e), V{});
  auto x = iota({2, 3});
  EXPECT_TRUE(broadcast_to(x, {2, 3}).is_same(x));
}

TEST(ShapesBroadcast, BroadcastArrays) {
  auto outs = broadcast_arrays({array({1.0f, 2.0f, 3.0f}), iota({2, 1}), array(4.0f)});
  ASSERT_EQ(outs.size(), 3u);
  for (auto& o : outs) EXPECT_EQ(o.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals(outs[0]), (V{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(vals(outs[1]), (V{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(vals(outs[2]), (V{4, 4, 4, 4, 4, 4}));
  EXPECT_THAT(error_of([] { broadcast_arrays({iota({2}), iota({3})}); }), HasSubstr("[broadcast_arrays]"));
}

TEST(ShapesBroadcast, Errors) {
  auto x = iota({2, 3});
  auto msg = error_of([&] { broadcast_to(x, {3, 3}); });
  EXPECT_THAT(msg, HasSubstr("[broadcast_to]"));
  EXPECT_THAT(msg, HasSubstr("(2,3)"));
  EXPECT_THAT(error_of([&] { broadcast_to(x, {3}); }), HasSubstr("[broadcast_to]"));
  EXPECT_THAT(error_of([&] { broadcast_to(x, {2, 1}); }), HasSubstr("[broadcast_to]"));
  EXPECT_THAT(error_of([&] { broadcast_to(x, {-1, 3}); }), HasSubstr("[broadcast_to] negative dimension"));
}

// ---- slice ----

TEST(ShapesSlice, BasicStartStopStep) {
  auto x = iota({10});
  auto s = slice(x, {2}, Shape{8}, Shape{2});
  EXPECT_EQ(s.shape(), Shape{3});
  EXPECT_EQ(vals(s), (V{2, 4, 6}));
  s.eval();
  EXPECT_EQ(s.raw_data(), static_cast<const float*>(x.raw_data()) + 2);
  EXPECT_EQ(s.strides(), Strides{2});
  EXPECT_FALSE(s.flags().contiguous);

  EXPECT_EQ(vals(slice(x, {1}, {8}, {3})), (V{1, 4, 7}));  // all braces: the strided overload, not the window
  auto c = slice(x, {3}, {6});
  EXPECT_EQ(vals(c), (V{3, 4, 5}));
  c.eval();
  EXPECT_TRUE(c.flags().row_contiguous);
  EXPECT_EQ(c.raw_data(), static_cast<const float*>(x.raw_data()) + 3);
}

TEST(ShapesSlice, NegativeIndicesAndClamping) {
  auto x = iota({10});
  EXPECT_EQ(vals(slice(x, {-3}, {10})), (V{7, 8, 9}));
  EXPECT_EQ(vals(slice(x, {-100}, {2})), (V{0, 1}));
  EXPECT_EQ(vals(slice(x, {8}, {100})), (V{8, 9}));
  EXPECT_EQ(vals(slice(x, {5}, {-4})), (V{5}));
  EXPECT_EQ(vals(slice(x, {7}, {3})), V{});     // empty, not an error
  EXPECT_EQ(vals(slice(x, {20}, {30})), V{});   // past the end
  EXPECT_EQ(slice(x, {20}, {30}).shape(), Shape{0});
}

TEST(ShapesSlice, NegativeSteps) {
  auto x = iota({6});
  // x[::-1]
  auto r = slice(x, {-1}, Shape{-7}, Shape{-1});
  EXPECT_EQ(vals(r), (V{5, 4, 3, 2, 1, 0}));
  r.eval();
  EXPECT_EQ(r.strides(), Strides{-1});
  EXPECT_FALSE(r.flags().contiguous);
  EXPECT_FALSE(r.flags().row_contiguous);
  EXPECT_EQ(r.raw_data(), static_cast<const float*>(x.raw_data()) + 5);
  // x[4:0:-2], x[100::-2] (start clamps to the last element), x[1:-100:-1]
  EXPECT_EQ(vals(slice(x, {4}, Shape{0}, Shape{-2})), (V{4, 2}));
  EXPECT_EQ(vals(slice(x, {100}, Shape{-100}, Shape{-2})), (V{5, 3, 1}));
  EXPECT_EQ(vals(slice(x, {1}, Shape{-100}, Shape{-1})), (V{1, 0}));
  EXPECT_EQ(vals(slice(x, {0}, Shape{3}, Shape{-1})), V{});
}

TEST(ShapesSlice, TwoDimensionalAndOfAView) {
  auto x = iota({4, 5});
  auto s = slice(x, {1, 4}, Shape{4, 0}, Shape{2, -2});  // rows 1,3; cols 4,2
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(vals(s), (V{9, 7, 19, 17}));
  // a slice of a transpose composes with the transpose's strides
  auto t = transpose(x);  // (5,4), t[i,j] = x[j,i] = 5j + i
  auto ts = slice(t, {4, 0}, Shape{0, 4}, Shape{-3, 3});  // rows 4,1; cols 0,3
  EXPECT_EQ(vals(ts), (V{4, 19, 1, 16}));
  ts.eval();
  EXPECT_EQ(ts.raw_data(), static_cast<const float*>(x.raw_data()) + 4);
  EXPECT_EQ(ts.strides(), (Strides{-3, 15}));
}

TEST(ShapesSlice, StaticSizeWindow) {
  auto x = iota({4, 5});
  auto w = slice(x, {1, -3}, Ax{0, 1}, {2, 3});  // rows 1..2, cols 2..4
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  EXPECT_EQ(vals(w), (V{7, 8, 9, 12, 13, 14}));
  auto w1 = slice(x, {3}, Ax{-1}, {2});  // only the last axis
  EXPECT_EQ(w1.shape(), (Shape{4, 2}));
  EXPECT_EQ(vals(w1), (V{3, 4, 8, 9, 13, 14, 18, 19}));
  auto msg = error_of([&] { slice(x, {3}, Ax{0}, {2}); });
  EXPECT_THAT(msg, HasSubstr("[slice]"));
  EXPECT_THAT(msg, HasSubstr("(4,5)"));
  EXPECT_THAT(error_of([&] { slice(x, {0}, Ax{0}, {5}); }), HasSubstr("[slice] slice size 5"));
  EXPECT_THAT(error_of([&] { slice(x, {0}, Ax{0}, {-1}); }), HasSubstr("[slice] slice size -1"));
  EXPECT_THAT(error_of([&] { slice(x, {0, 0}, Ax{0, 0}, {1, 1}); }), HasSubstr("[slice] repeated axis"));
  EXPECT_THAT(error_of([&] { slice(x, {0}, Ax{2}, {1}); }), HasSubstr("[slice] axis 2"));
  EXPECT_THAT(error_of([&] { slice(x, {0}, Ax{0, 1}, {1}); }), HasSubstr("[slice]"));
}

TEST(ShapesSlice, ZeroDimAndErrors) {
  auto s = slice(array(3.0f), {}, {});
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(vals(s), V{3});
  auto x = iota({4, 5});
  EXPECT_THAT(error_of([&] { slice(x, {0, 0}, {1, 1}, {1, 0}); }), HasSubstr("[slice] slice step cannot be zero"));
  auto msg = error_of([&] { slice(x, {0}, {1}); });
  EXPECT_THAT(msg, HasSubstr("[slice]"));
  EXPECT_THAT(msg, HasSubstr("(4,5)"));
  EXPECT_THAT(error_of([&] { slice(x, {0, 0}, Shape{1, 1}, Shape{1}); }), HasSubstr("[slice]"));
}

// ---- reshape family ----

TEST(ShapesReshape, RowContiguousIsAView) {
  auto x = iota({2, 6});
  auto r = reshape(x, {3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 4}));
  r.eval();
  EXPECT_EQ(r.raw_data(), x.raw_data());
  EXPECT_TRUE(r.flags().row_contiguous);
  EXPECT_EQ(vals(r), vals(x));
  EXPECT_TRUE(reshape(x, {2, 6}).is_same(x));
}

TEST(ShapesReshape, TransposedInputIsCopied) {
  auto x = iota({2, 3});
  auto r = reshape(transpose(x), {6});
  EXPECT_EQ(vals(r), (V{0, 3, 1, 4, 2, 5}));
  r.eval();
  EXPECT_NE(r.raw_data(), x.raw_data());
  EXPECT_TRUE(r.flags().row_contiguous);
}

TEST(ShapesReshape, StridedViewsStayViewsWhenPossible) {
  auto x = iota({4, 6});
  auto rows = slice(x, {0, 0}, Shape{4, 6}, Shape{2, 1});  // rows 0 and 2: strides (12,1)
  auto r = reshape(rows, {2, 2, 3});                   // splits the dense last axis
  EXPECT_EQ(vals(r), (V{0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17}));
  r.eval();
  EXPECT_EQ(r.raw_data(), x.raw_data());
  EXPECT_EQ(r.strides(), (Strides{12, 3, 1}));
  // merging the rows is impossible without a copy
  auto m = reshape(rows, {12});
  EXPECT_EQ(vals(m), (V{0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17}));
  m.eval();
  EXPECT_NE(m.raw_data(), x.raw_data());
  // a broadcast split along its broadcast axis stays a zero-stride view
  auto b = broadcast_to(array({1.0f, 2.0f}), {4, 2});
  auto rb = reshape(b, {2, 2, 2});
  EXPECT_EQ(vals(rb), (V{1, 2, 1, 2, 1, 2, 1, 2}));
  rb.eval();
  EXPECT_EQ(rb.strides()[0], 0);
  EXPECT_EQ(rb.data_size(), 2);
  // reversed input: copied in logical order
  auto rev = reshape(slice(iota({6}), {5}, Shape{-7}, Shape{-1}), {2, 3});
  EXPECT_EQ(vals(rev), (V{5, 4, 3, 2, 1, 0}));
}

TEST(ShapesReshape, ZeroDimAndEmpty) {
  auto s = reshape(array(4.0f), {1, 1});
  EXPECT_EQ(s.shape(), (Shape{1, 1}));
  EXPECT_EQ(vals(s), V{4});
  EXPECT_EQ(reshape(s, {}).shape(), Shape{});
  auto e = reshape(zeros({0, 3}), {3, 0, 5});
  EXPECT_EQ(e.shape(), (Shape{3, 0, 5}));
  EXPECT_EQ(vals(e), V{});
  EXPECT_EQ(reshape(zeros({0, 3}), {-1, 3}).shape(), (Shape{0, 3}));
}

TEST(ShapesReshape, Errors) {
  auto x = iota({2, 3});
  auto msg = error_of([&] { reshape(x, {4}); });
  EXPECT_THAT(msg, HasSubstr("[reshape] cannot reshape array of shape (2,3) into shape (4,)"));
  EXPECT_THAT(error_of([&] { reshape(x, {-1, -1}); }), HasSubstr("[reshape] only one dimension can be -1"));
  EXPECT_THAT(error_of([&] { reshape(x, {-2, -3}); }), HasSubstr("[reshape] negative dimension -2"));
  EXPECT_THAT(error_of([&] { reshape(x, {4, -1}); }), HasSubstr("[reshape] cannot infer"));
  EXPECT_THAT(error_of([&] { reshape(zeros({0, 3}), {0, -1}); }), HasSubstr("[reshape] cannot infer"));
}

TEST(ShapesReshape, FlattenUnflatten) {
  auto x = iota({2, 3, 4});
  EXPECT_EQ(flatten(x).shape(), Shape{24});
  EXPECT_EQ(flatten(x, 1).shape(), (Shape{2, 12}));
  EXPECT_EQ(flatten(x, 0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(flatten(x, -2, -1).shape(), (Shape{2, 12}));
  EXPECT_EQ(flatten(x, 1, 1).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(flatten(array(1.0f)).shape(), Shape{1});
  EXPECT_EQ(vals(flatten(transpose(iota({2, 3})))), (V{0, 3, 1, 4, 2, 5}));
  EXPECT_THAT(error_of([&] { flatten(x, 2, 1); }), HasSubstr("[flatten]"));
  EXPECT_THAT(error_of([&] { flatten(x, 3); }), HasSubstr("[flatten] axis 3"));

  EXPECT_EQ(unflatten(x, 2, {2, 2}).shape(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(unflatten(x, -1, {-1, 2}).shape(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(vals(unflatten(x, 1, {3, 1})), vals(x));
  EXPECT_THAT(error_of([&] { unflatten(x, 1, {2, 2}); }), HasSubstr("[unflatten] cannot unflatten axis 1 of size 3"));
  EXPECT_THAT(error_of([&] { unflatten(x, 1, {-1, -1}); }), HasSubstr("[unflatten] only one dimension"));
  EXPECT_THAT(error_of([&] { unflatten(x, 1, {}); }), HasSubstr("[unflatten]"));
  EXPECT_THAT(error_of([&] { unflatten(x, 1, {-3, -1}); }), HasSubstr("[unflatten] negative dimension"));
  EXPECT_THAT(error_of([&] { unflatten(x, 3, {1}); }), HasSubstr("[unflatten] axis 3"));
  EXPECT_THAT(error_of([&] { unflatten(array(1.0f), 0, {1}); }), HasSubstr("[unflatten]"));
}

TEST(ShapesReshape, ExpandDimsAndSqueeze) {
  auto x = iota({2, 3});
  EXPECT_EQ(expand_dims(x, 0).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(expand_dims(x, -1).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(expand_dims(x, {0, 2, -1}).shape(), (Shape{1, 2, 1, 3, 1}));
  EXPECT_EQ(expand_dims(array(1.0f), 0).shape(), Shape{1});
  auto e = expand_dims(transpose(x), 1);  // of a view: still a view
  EXPECT_EQ(vals(e), (V{0, 3, 1, 4, 2, 5}));
  e.eval();
  EXPECT_EQ(e.raw_data(), x.raw_data());
  EXPECT_THAT(error_of([&] { expand_dims(x, 3); }), HasSubstr("[expand_dims] axis 3"));
  EXPECT_THAT(error_of([&] { expand_dims(x, {0, 0}); }), HasSubstr("[expand_dims] repeated axis"));

  auto y = iota({1, 3, 1});
  EXPECT_EQ(squeeze(y).shape(), Shape{3});
  EXPECT_EQ(squeeze(y, 0).shape(), (Shape{3, 1}));
  EXPECT_EQ(squeeze(y, {0, -1}).shape(), Shape{3});
  EXPECT_EQ(squeeze(iota({1, 1})).shape(), Shape{});
  EXPECT_EQ(vals(squeeze(y)), (V{0, 1, 2}));
  auto msg = error_of([&] { squeeze(y, 1); });
  EXPECT_THAT(msg, HasSubstr("[squeeze] cannot squeeze axis 1 of size 3"));
  EXPECT_THAT(error_of([&] { squeeze(y, 3); }), HasSubstr("[squeeze] axis 3"));
  EXPECT_THAT(error_of([&] { squeeze(y, {0, 0}); }), HasSubstr("[squeeze] repeated axis"));
}

// ---- views in a chain, and ops reading non-contiguous inputs ----

TEST(ShapesViews, ChainOfViewsSharesTheBufferAndOutlivesTheInput) {
  const float* base;
  array chain;
  {
    auto x = iota({3, 4});
    x.eval();
    base = static_cast<const float*>(x.raw_data());
    // x.T[::-1, 1:3] -> broadcast to (2,4,2) -> reshape (2,2,2,2), which splits the reversed axis
    auto v = slice(transpose(x), {3, 1}, Shape{-5, 3}, Shape{-1, 1});  // (4,2): v[i,j] = x[j+1, 3-i]
    chain = reshape(broadcast_to(v, {2, 4, 2}), {2, 2, 2, 2});
    chain.eval();
  }  // x's handle is gone; the view keeps its buffer
  EXPECT_EQ(chain.raw_data(), base + 7);  // x[1,3]
  EXPECT_EQ(chain.strides(), (Strides{0, -2, -1, 4}));
  // merging the broadcast axis with a real one needs a copy
  auto merged = reshape(chain, {8, 2});
  merged.eval();
  EXPECT_TRUE(merged.flags().row_contiguous);
  EXPECT_EQ(vals(merged), vals(chain));
  V one;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j) one.push_back((j + 1) * 4 + (3 - i));
  V want = one;
  want.insert(want.end(), one.begin(), one.end());
  EXPECT_EQ(vals(chain), want);
}

TEST(ShapesViews, UnaryOfTranspose) {
  auto x = iota({2, 3});
  auto y = exp(transpose(x) * 0.5f);
  auto v = vals(y);
  V src{0, 3, 1, 4, 2, 5};
  ASSERT_EQ(v.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(v[i], std::exp(src[i] * 0.5), 1e-5 * std::exp(src[i] * 0.5));
}

TEST(ShapesViews, AddBroadcastAndReversedSlice) {
  auto row = broadcast_to(array({10.0f, 20.0f, 30.0f}), {2, 3});
  auto rev = slice(iota({2, 3}), {1, 2}, Shape{-3, -4}, Shape{-1, -1});  // both axes reversed: 5 4 3 / 2 1 0
  EXPECT_EQ(vals(rev), (V{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(vals(row + rev), (V{15, 24, 33, 12, 21, 30}));
  EXPECT_EQ(vals(add(rev, 1)), (V{6, 5, 4, 3, 2, 1}));
}

TEST(ShapesViews, EvaluatedInPlaceOfAnUnevaluatedInput) {
  // the input is itself a computed array; the view reads its result
  auto y = transpose(iota({2, 2}) + 1.0f);
  EXPECT_EQ(vals(y), (V{1, 3, 2, 4}));
  EXPECT_TRUE(y.flags().col_contiguous);
}

// ---- concatenate / stack ----

TEST(ShapesConcatenate, AlongEachAxis) {
  auto a = iota({2, 2});
  auto b = iota({2, 3}) + 10.0f;
  auto c = concatenate({a, b}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 5}));
  EXPECT_EQ(vals(c), (V{0, 1, 10, 11, 12, 2, 3, 13, 14, 15}));
  EXPECT_EQ(vals(concatenate({a, b}, -1)), vals(c));
  auto r = concatenate({a, iota({1, 2}) + 5.0f, a});
  EXPECT_EQ(r.shape(), (Shape{5, 2}));
  EXPECT_EQ(vals(r), (V{0, 1, 2, 3, 5, 6, 0, 1, 2, 3}));
  c.eval();
  EXPECT_TRUE(c.flags().row_contiguous);
}

TEST(ShapesConcatenate, NonContiguousInputsAndPromotion) {
  auto t = transpose(iota({3, 2}));                                   // (2,3): 0 2 4 / 1 3 5
  auto rev = slice(array({1, 2, 3}), {2}, Shape{-4}, Shape{-1});           // int32 3 2 1
  auto bcast = broadcast_to(reshape(rev, {1, 3}), {2, 3});            // int32
  auto c = concatenate({t, bcast}, 0);
  EXPECT_EQ(c.dtype(), float32);
  EXPECT_EQ(vals(c), (V{0, 2, 4, 1, 3, 5, 3, 2, 1, 3, 2, 1}));
  auto c1 = concatenate({bcast, t}, 1);
  EXPECT_EQ(vals(c1), (V{3, 2, 1, 0, 2, 4, 3, 2, 1, 1, 3, 5}));
  auto ints = concatenate({array({int8_t{1}}), array({int64_t{1} << 40})});
  EXPECT_EQ(ints.dtype(), int64);
  EXPECT_EQ(vals(ints), (V{1, std::ldexp(1.0, 40)}));
  auto h = concatenate({array({1.5f}, float16), array({true, false})});
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(vals(h), (V{1.5, 1, 0}));
}

TEST(ShapesConcatenate, FlattenedEmptyAndErrors) {
  auto f = concatenate({iota({2, 2}), transpose(iota({2, 1}))}, std::nullopt);
  EXPECT_EQ(f.shape(), Shape{6});
  EXPECT_EQ(vals(f), (V{0, 1, 2, 3, 0, 1}));
  auto e = concatenate({zeros({0, 3}), iota({1, 3})});
  EXPECT_EQ(vals(e), (V{0, 1, 2}));
  auto ee = concatenate({zeros({0, 3}), zeros({0, 3})});
  EXPECT_EQ(ee.shape(), (Shape{0, 3}));
  EXPECT_EQ(vals(ee), V{});
  auto one = concatenate({iota({3})});
  EXPECT_EQ(vals(one), (V{0, 1, 2}));

  EXPECT_THAT(error_of([] { concatenate({}, 0); }), HasSubstr("[concatenate] no arrays"));
  EXPECT_THAT(error_of([] { concatenate({}, std::nullopt); }), HasSubstr("[concatenate] no arrays"));
  auto msg = error_of([] { concatenate({iota({2, 2}), iota({2, 3})}, 0); });
  EXPECT_THAT(msg, HasSubstr("[concatenate]"));
  EXPECT_THAT(msg, HasSubstr("(2,2)"));
  EXPECT_THAT(msg, HasSubstr("(2,3)"));
  EXPECT_THAT(error_of([] { concatenate({iota({2, 2}), iota({4})}); }), HasSubstr("[concatenate] all arrays"));
  EXPECT_THAT(error_of([] { concatenate({array(1.0f), array(2.0f)}); }), HasSubstr("[concatenate] zero-dimensional"));
  EXPECT_THAT(error_of([] { concatenate({iota({2})}, 1); }), HasSubstr("[concatenate] axis 1"));
}

TEST(ShapesConcatenate, Stack) {
  auto a = array({1.0f, 2.0f}), b = array({3.0f, 4.0f});
  auto s0 = stack({a, b});
  EXPECT_EQ(s0.shape(), (Shape{2, 2}));
  EXPECT_EQ(vals(s0), (V{1, 2, 3, 4}));
  auto s1 = stack({a, b}, 1);
  EXPECT_EQ(vals(s1), (V{1, 3, 2, 4}));
  EXPECT_EQ(stack({a, b}, -1).shape(), (Shape{2, 2}));
  auto s2 = stack({array(1.0f), array(2.0f), array(3.0f)});
  EXPECT_EQ(s2.shape(), Shape{3});
  EXPECT_EQ(vals(s2), (V{1, 2, 3}));
  EXPECT_THAT(error_of([] { stack({}); }), HasSubstr("[stack] no arrays"));
  EXPECT_THAT(error_of([&] { stack({a, iota({3})}); }), HasSubstr("[stack] all arrays must have the same shape"));
  EXPECT_THAT(error_of([&] { stack({a, b}, 2); }), HasSubstr("[stack] axis 2"));
}

// ---- split ----

TEST(ShapesSplit, EqualPartsAreViewsOfOneNode) {
  auto x = iota({6, 2});
  x.eval();
  auto parts = split(x, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_TRUE(parts[0].node() == parts[2].node());  // one node, several outputs
  eval(parts);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(parts[k].shape(), (Shape{2, 2}));
    EXPECT_EQ(parts[k].raw_data(), static_cast<const float*>(x.raw_data()) + 4 * k);
    EXPECT_EQ(vals(parts[k]), (V{4.0 * k, 4.0 * k + 1, 4.0 * k + 2, 4.0 * k + 3}));
  }
  auto cols = split(x, 2, -1);
  EXPECT_EQ(vals(cols[0]), (V{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(vals(cols[1]), (V{1, 3, 5, 7, 9, 11}));
}

TEST(ShapesSplit, ByIndicesWithNumpyBounds) {
  auto x = iota({10});
  auto p = split(x, std::vector<int64_t>{3, 5, 20});
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(vals(p[0]), (V{0, 1, 2}));
  EXPECT_EQ(vals(p[1]), (V{3, 4}));
  EXPECT_EQ(vals(p[2]), (V{5, 6, 7, 8, 9}));
  EXPECT_EQ(p[3].shape(), Shape{0});
  auto q = split(x, std::vector<int64_t>{-2, 4});  // [0:8], [8:4] (empty), [4:]
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].shape(), Shape{8});
  EXPECT_EQ(q[1].shape(), Shape{0});
  EXPECT_EQ(vals(q[2]), (V{4, 5, 6, 7, 8, 9}));
  auto whole = split(x, std::vector<int64_t>{});
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(vals(whole[0]), vals(x));
}

TEST(ShapesSplit, OfATransposeEvaluatedOneAtATime) {
  auto t = transpose(iota({2, 4}));  // (4,2): rows 0 4 / 1 5 / 2 6 / 3 7
  auto p = split(t, std::vector<int64_t>{1}, 0);
  // evaluating one output computes the node; the other is filled too
  EXPECT_EQ(vals(p[1]), (V{1, 5, 2, 6, 3, 7}));
  EXPECT_TRUE(p[0].is_evaluated());
  EXPECT_EQ(vals(p[0]), (V{0, 4}));
  auto d = p[1] * 2.0f;
  EXPECT_EQ(vals(d), (V{2, 10, 4, 12, 6, 14}));
}

TEST(ShapesSplit, Errors) {
  auto x = iota({6, 2});
  auto msg = error_of([&] { split(x, 4); });
  EXPECT_THAT(msg, HasSubstr("[split]"));
  EXPECT_THAT(msg, HasSubstr("(6,2)"));
  EXPECT_THAT(error_of([&] { split(x, 0); }), HasSubstr("[split] the number of splits must be positive"));
  EXPECT_THAT(error_of([&] { split(x, 2, 2); }), HasSubstr("[split] axis 2"));
  EXPECT_THAT(error_of([&] { split(array(1.0f), 1); }), HasSubstr("[split] axis 0"));
  EXPECT_THAT(error_of([&] { split(x, std::vector<int64_t>{1}, -3); }), HasSubstr("[split] axis -3"));
}

// ---- where ----

TEST(ShapesWhere, BroadcastsAllThree) {
  auto c = array({true, false, true});
  auto x = iota({2, 1});
  auto y = array({10.0f, 20.0f, 30.0f});
  auto w = where(c, x, y);
  EXPECT_EQ(w.shape(), (Shape{2, 3}));
  EXPECT_EQ(w.dtype(), float32);
  EXPECT_EQ(vals(w), (V{0, 20, 0, 1, 20, 1}));
}

TEST(ShapesWhere, ScalarsAndPromotion) {
  auto c = array({1, 0, 2}, int32);  // cast to bool
  auto wi = where(c, array({1, 2, 3}), 0);
  EXPECT_EQ(wi.dtype(), int32);
  EXPECT_EQ(vals(wi), (V{1, 0, 3}));
  auto wf = where(c, array({1, 2, 3}), 0.5);
  EXPECT_EQ(wf.dtype(), float32);
  EXPECT_EQ(vals(wf), (V{1, 0.5, 3}));
  auto wh = where(c, array({1.0f, 2.0f, 3.0f}, float16), -1);
  EXPECT_EQ(wh.dtype(), float16);
  EXPECT_EQ(vals(wh), (V{1, -1, 3}));
  auto wm = where(array({true, false}), array({int8_t{1}, int8_t{2}}), array({int64_t{-5}, int64_t{-6}}));
  EXPECT_EQ(wm.dtype(), int64);
  EXPECT_EQ(vals(wm), (V{1, -6}));
  auto wb = where(array({true, false}), true, array({true, true}));
  EXPECT_EQ(wb.dtype(), bool_);
  EXPECT_EQ(vals(wb), (V{1, 1}));
  auto s = where(true, 1.0, 2.0);  // all scalars: a 0-d float32
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.dtype(), float32);
  EXPECT_EQ(vals(s), V{1});
  auto d = where(array({false, true}), array({1.0, 2.0}, float64), 3);
  EXPECT_EQ(d.dtype(), float64);
  EXPECT_EQ(vals(d), (V{3, 2}));
  auto u = where(array({true, false}), array({uint16_t{7}, uint16_t{8}}), array({uint16_t{9}, uint16_t{10}}));
  EXPECT_EQ(u.dtype(), uint16);
  EXPECT_EQ(vals(u), (V{7, 10}));
}

TEST(ShapesWhere, NonContiguousAndEmpty) {
  auto x = iota({2, 3});
  auto c = greater(transpose(x), 2.0f);                         // (3,2): 0 3 / 1 4 / 2 5 > 2
  auto y = slice(iota({3, 2}) + 100.0f, {2, 1}, Shape{-4, -3}, Shape{-1, -1});  // reversed: 105 104 / 103 102 / 101 100
  auto w = where(c, transpose(x), y);
  EXPECT_EQ(vals(w), (V{105, 3, 103, 4, 101, 5}));
  auto e = where(zeros({0}, bool_), zeros({0}), 1.0f);
  EXPECT_EQ(e.shape(), Shape{0});
  EXPECT_EQ(vals(e), V{});
}

TEST(ShapesWhere, Errors) {
  auto msg = error_of([] { where(array({true, false}), iota({3}), 0.0f); });
  EXPECT_THAT(msg, HasSubstr("[where]"));
  EXPECT_THAT(msg, HasSubstr("(2,)"));
  EXPECT_THAT(error_of([] { where(array({true, false}), iota({2}), iota({3, 3})); }), HasSubstr("[where]"));
}

// ---- tril / triu ----

TEST(ShapesTriangles, TrilTriu) {
  auto x = iota({3, 4}) + 1.0f;
  EXPECT_EQ(vals(tril(x)), (V{1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0}));
  EXPECT_EQ(vals(tril(x, 1)), (V{1, 2, 0, 0, 5, 6, 7, 0, 9, 10, 11, 12}));
  EXPECT_EQ(vals(tril(x, -1)), (V{0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0}));
  EXPECT_EQ(vals(triu(x)), (V{1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12}));
  EXPECT_EQ(vals(triu(x, 2)), (V{0, 0, 3, 4, 0, 0, 0, 8, 0, 0, 0, 0}));
  EXPECT_EQ(vals(triu(x, -1)), (V{1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 11, 12}));
  EXPECT_EQ(tril(x).dtype(), float32);
}

TEST(ShapesTriangles, BatchedDtypesAndViews) {
  auto b = broadcast_to(reshape(array({1, 2, 3, 4}), {2, 2}), {2, 2, 2});
  auto t = tril(b);
  EXPECT_EQ(t.dtype(), int32);
  EXPECT_EQ(vals(t), (V{1, 0, 3, 4, 1, 0, 3, 4}));
  auto bools = triu(reshape(array({true, true, true, true}), {2, 2}));
  EXPECT_EQ(bools.dtype(), bool_);
  EXPECT_EQ(vals(bools), (V{1, 1, 0, 1}));
  auto tt = triu(transpose(iota({2, 2})));  // 0 2 / 1 3
  EXPECT_EQ(vals(tt), (V{0, 2, 0, 3}));
  EXPECT_EQ(tril(zeros({0, 3})).shape(), (Shape{0, 3}));
}

TEST(ShapesTriangles, Errors) {
  EXPECT_THAT(error_of([] { tril(iota({3})); }), HasSubstr("[tril] requires an array with at least 2 dimensions"));
  EXPECT_THAT(error_of([] { triu(array(1.0f)); }), HasSubstr("[triu]"));
}

// ---- primitive state: round trip through the registry, and hostile state is refused ----

namespace {
std::shared_ptr<Primitive> rebuilt(const char* name, const auto& state) {
  StateWriter w;
  w.write_all(state);
  StateReader r(w.bytes().data(), w.bytes().size(), name);
  return primitive_registry().entries().at(name).factory(r);
}
}  // namespace

// State written by version 1 of a primitive is upgraded when read: Slice and SliceUpdate held bounds
// normalized for the traced shape (-1: before the first element), Split had no sections.
TEST(ShapesState, OlderStateVersionsAreUpgraded) {
  const array x = iota({3, 4});
  auto from_v1 = [](const char* name, const auto& state) {
    StateWriter w;
    w.write_all(state);
    StateReader r(w.bytes().data(), w.bytes().size(), name, /*version=*/1);
    return primitive_registry().entries().at(name).factory(r);
  };
  // x[::-1, 3:0:-2] as version 1 wrote it: start (2, 3), stop (-1, 0), step (-1, -2).
  const auto sl = from_v1("Slice", std::tuple(Shape{2, 3}, Shape{-1, 0}, Shape{-1, -2}));
  const array want = slice(x, {-1, 3}, {INT64_MIN, 0}, Shape{-1, -2});
  ASSERT_EQ(sl->output_shapes({x})[0], (Shape{3, 2}));
  Arrays out = array::make_outputs(sl, {x}, sl->output_shapes({x}), {float32});
  EXPECT_EQ(vals(out[0]), vals(want));
  EXPECT_EQ(vals(want), (std::vector<double>{11, 9, 7, 5, 3, 1}));
  const auto su = from_v1("SliceUpdate", std::tuple(Shape{2, 0}, Shape{-1, 4}, Shape{-1, 1}));
  EXPECT_EQ(su->output_shapes({x, zeros({3, 4})})[0], (Shape{3, 4}));
  const auto sp = from_v1("Split", std::tuple(std::vector<int64_t>{1, 3}, 1));
  EXPECT_EQ(sp->output_shapes({x}), (std::vector<Shape>{{3, 1}, {3, 2}, {3, 1}}));
}

TEST(ShapesState, RoundTripsThroughTheRegistry) {
  const array x = iota({2, 3, 4});
  const Arrays outs = {transpose(x, {2, 0, 1}),
                       broadcast_to(x, {5, 2, 3, 4}),
                       slice(x, {1, 2, 0}, Shape{-3, -4, 4}, Shape{-1, -1, 2}),
                       reshape(x, {6, 4}),
                       concatenate({x, x}, 1),
                       split(x, std::vector<int64_t>{1, 3}, 2)[1],
                       where(greater(x, 3.0f), x, 0.0f),
                       full({2, 2}, 1.5f),
                       arange(1.0, 7.0, 2.0, int16)};
  for (const array& y : outs) {
    const Primitive& p = *y.node()->primitive;
    SCOPED_TRACE(p.name());
    StateWriter w;
    p.write_state(w);
    StateReader r(w.bytes().data(), w.bytes().size(), p.name());
    const auto q = primitive_registry().entries().at(p.name()).factory(r);
    EXPECT_TRUE(q->is_equivalent(p));
    q->check_inputs(y.inputs());
    const auto shapes = q->output_shapes(y.inputs());
    EXPECT_EQ(shapes.at(y.output_index()), y.shape());
    EXPECT_EQ(q->output_dtypes(y.inputs()).at(y.output_index()), y.dtype());
  }
}

TEST(ShapesState, HostileStateIsRefused) {
  const Arrays x = {iota({2, 3})};
  auto shapes_of = [&](const char* name, const auto& state, const Arrays& in) {
    return error_of([&] { rebuilt(name, state)->output_shapes(in); });
  };
  EXPECT_THAT(shapes_of("Transpose", std::tuple(std::vector<int>{0, 0}), x), HasSubstr("[transpose]"));
  EXPECT_THAT(shapes_of("Transpose", std::tuple(std::vector<int>{0, 2}), x), HasSubstr("[transpose]"));
  EXPECT_THAT(shapes_of("Transpose", std::tuple(std::vector<int>{-1, 0}), x), HasSubstr("[transpose]"));
  EXPECT_THAT(shapes_of("Transpose", std::tuple(std::vector<int>{0}), x), HasSubstr("[transpose]"));
  EXPECT_THAT(shapes_of("Broadcast", std::tuple(Shape{3, 3}), x), HasSubstr("[broadcast_to]"));
  EXPECT_THAT(shapes_of("Broadcast", std::tuple(Shape{-2, 3}), x), HasSubstr("[broadcast_to]"));
  EXPECT_THAT(shapes_of("Reshape", std::tuple(Shape{4}), x), HasSubstr("[reshape]"));
  // The shape-following reshapes check state that a file may hold.
  EXPECT_THAT(shapes_of("ExpandDims", std::tuple(std::vector<int>{3, 1}), x), HasSubstr("[expand_dims]"));
  EXPECT_THAT(shapes_of("ExpandDims", std::tuple(std::vector<int>{1, 1}), x), HasSubstr("[expand_dims]"));
  EXPECT_THAT(shapes_of("ExpandDims", std::tuple(std::vector<int>{0, 9}), x), HasSubstr("[expand_dims]"));
  EXPECT_THAT(shapes_of("ExpandDims", std::tuple(std::vector<int>{-1}), x), HasSubstr("[expand_dims]"));
  EXPECT_THAT(shapes_of("Squeeze", std::tuple(std::vector<int>{5}), x), HasSubstr("[squeeze]"));
  EXPECT_THAT(shapes_of("Squeeze", std::tuple(std::vector<int>{-1}), x), HasSubstr("[squeeze]"));
  EXPECT_THAT(shapes_of("Flatten", std::tuple(1, 0), x), HasSubstr("[flatten]"));
  EXPECT_THAT(shapes_of("Flatten", std::tuple(-1, 1), x), HasSubstr("[flatten]"));
  EXPECT_THAT(shapes_of("Flatten", std::tuple(0, 7), x), HasSubstr("[flatten]"));
  EXPECT_THAT(shapes_of("Unflatten", std::tuple(4, Shape{1, -1}), x), HasSubstr("[unflatten]"));
  EXPECT_THAT(shapes_of("Unflatten", std::tuple(0, Shape{-1, -1}), x), HasSubstr("[unflatten]"));
  EXPECT_THAT(shapes_of("Unflatten", std::tuple(0, Shape{}), x), HasSubstr("[unflatten]"));
  EXPECT_THAT(shapes_of("ArangeAlong", std::tuple(3, int32), x), HasSubstr("[arange_along]"));
  EXPECT_THAT(shapes_of("Reshape", std::tuple(Shape{-1, -6}), x), HasSubstr("[reshape]"));
  // Slice bounds are Python-style (version 2): out-of-range bounds clamp, as Python's slices do.
  EXPECT_EQ(rebuilt("Slice", std::tuple(Shape{0, 0}, Shape{2, 4}, Shape{1, 1}))->output_shapes(x)[0], (Shape{2, 3}));
  EXPECT_EQ(rebuilt("Slice", std::tuple(Shape{0, 3}, Shape{2, 0}, Shape{1, -1}))->output_shapes(x)[0], (Shape{2, 2}));
  EXPECT_EQ(rebuilt("Slice", std::tuple(Shape{-1, INT64_MIN}, Shape{INT64_MIN, INT64_MAX}, Shape{-1, 2}))
                ->output_shapes(x)[0],
            (Shape{2, 2}));
  EXPECT_THAT(shapes_of("Slice", std::tuple(Shape{0, 0}, Shape{2, 3}, Shape{1, 0}), x), HasSubstr("[slice]"));
  EXPECT_THAT(shapes_of("Slice", std::tuple(Shape{0}, Shape{2}, Shape{1}), x), HasSubstr("[slice]"));
  EXPECT_THAT(shapes_of("Split", std::tuple(std::vector<int64_t>{1}, 2, int64_t{0}), x), HasSubstr("[split]"));
  EXPECT_THAT(shapes_of("Split", std::tuple(std::vector<int64_t>{}, 1, int64_t{-1}), x), HasSubstr("[split]"));
  EXPECT_THAT(shapes_of("Split", std::tuple(std::vector<int64_t>{1}, 1, int64_t{2}), x), HasSubstr("[split]"));
  EXPECT_THAT(shapes_of("Split", std::tuple(std::vector<int64_t>{}, 1, int64_t{2}), x),
              HasSubstr("cannot be split into 2 equal parts"));
  // Python-style split indices clamp into the axis.
  EXPECT_EQ(rebuilt("Split", std::tuple(std::vector<int64_t>{4, -1}, 1, int64_t{0}))->output_shapes(x).size(), 3u);
  EXPECT_THAT(shapes_of("Concatenate", std::tuple(2), Arrays{x[0], x[0]}), HasSubstr("[concatenate]"));
  EXPECT_THAT(shapes_of("Concatenate", std::tuple(0), Arrays{x[0], iota({2, 2})}), HasSubstr("[concatenate]"));
  EXPECT_THAT(shapes_of("Full", std::tuple(Shape{3, 2}), x), HasSubstr("[full]"));
  EXPECT_THAT(shapes_of("Arange", std::tuple(0.0, 1.0, 0.0, float32), Arrays{}), HasSubstr("[arange]"));
  EXPECT_THAT(shapes_of("Arange", std::tuple(0.0, 1.0, 1.0, bool_), Arrays{}), HasSubstr("[arange]"));
  // input counts and dtypes
  auto inputs_of = [&](const char* name, const auto& state, const Arrays& in) {
    return error_of<std::exception>([&] { rebuilt(name, state)->check_inputs(in); });
  };
  EXPECT_THAT(inputs_of("Select", std::tuple<>(), Arrays{x[0], x[0], x[0]}), HasSubstr("Select"));
  EXPECT_THAT(inputs_of("Select", std::tuple<>(), Arrays{zeros({2}, bool_), x[0], zeros({2}, int32)}),
              HasSubstr("Select"));
  EXPECT_THAT(inputs_of("Select", std::tuple<>(), Arrays{zeros({2}, bool_), x[0]}), HasSubstr("Select"));
  EXPECT_THAT(inputs_of("Arange", std::tuple(0.0, 1.0, 1.0, float32), x), HasSubstr("Arange"));
  EXPECT_THAT(inputs_of("Transpose", std::tuple(std::vector<int>{1, 0}), Arrays{x[0], x[0]}), HasSubstr("Transpose"));
  EXPECT_THAT(inputs_of("Concatenate", std::tuple(0), Arrays{x[0], zeros({2, 3}, int32)}), HasSubstr("Concatenate"));
}
