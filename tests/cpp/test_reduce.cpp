// Reductions (sum, prod, max, min, all, any, argmax, argmin), the composed statistics (mean, var, std,
// logsumexp, softmax) and isclose / allclose / array_equal, checked against plain double loops.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
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
using Axes = std::vector<int>;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Raw integer values (exact for 64-bit integers, which doubles are not).
std::vector<uint64_t> bits_of(array a) {
  a = copy(a);
  a.eval();
  std::vector<uint64_t> out;
  for (int64_t i = 0; i < a.size(); ++i)
    out.push_back(element_as_uint64(static_cast<const char*>(a.raw_data()) + i * a.itemsize(), a.dtype()));
  return out;
}

// An array of dtype t from values of any storage type.
template <typename T>
array arr(const std::vector<T>& v, const Shape& s, Dtype t = float32) {
  return array(v.data(), storage_dtype_of<T>(), s, t);
}

// Deterministic pseudo-random numbers in [0, 1).
// Values suited to each dtype family: bools mostly true, small integers, floats in [-4, 4).
array input(const Shape& shape, Dtype t, uint64_t seed) {
  Rng r{seed};
  V v(numel(shape));
  for (auto& x : v) {
    const double u = r.next();
    if (t == bool_) x = u < 0.7;
    else if (is_unsigned(t)) x = std::floor(u * 10);
    else if (is_integral(t)) x = std::floor(u * 19) - 9;
    else x = u * 8 - 4;
  }
  return arr(v, shape, t);
}

// Floats of magnitude in [0.8, 1.25] with random signs, so that products stay in range.
array prod_input(const Shape& shape, Dtype t, uint64_t seed) {
  Rng r{seed};
  V v(numel(shape));
  for (auto& x : v) x = (0.8 + 0.45 * r.next()) * (r.next() < 0.5 ? -1 : 1);
  return arr(v, shape, t);
}

std::vector<int> normalized(const Axes& axes, int nd) {
  std::vector<int> out;
  for (int a : axes) out.push_back(a < 0 ? a + nd : a);
  return out;
}

// For every output element (row-major over the kept dimensions), the row-major flat indices of the input
// elements it reduces, in increasing order.
std::vector<std::vector<int64_t>> groups_of(const Shape& s, const Axes& axes) {
  const int nd = static_cast<int>(s.size());
  std::vector<bool> red(nd, false);
  for (int a : normalized(axes, nd)) red[a] = true;
  int64_t outs = 1;
  for (int d = 0; d < nd; ++d)
    if (!red[d]) outs *= s[d];
  std::vector<std::vector<int64_t>> g(outs);
  std::vector<int64_t> idx(nd, 0);
  for (int64_t flat = 0; flat < numel(s); ++flat) {
    int64_t o = 0;
    for (int d = 0; d < nd; ++d)
      if (!red[d]) o = o * s[d] + idx[d];
    g[o].push_back(flat);
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < s[d]) break;
      idx[d] = 0;
    }
  }
  return g;
}

Shape reduced_shape(const Shape& s, const Axes& axes, bool keepdims) {
  const auto ax = normalized(axes, static_cast<int>(s.size()));
  Shape out;
  for (int d = 0; d < static_cast<int>(s.size()); ++d) {
    const bool r = std::find(ax.begin(), ax.end(), d) != ax.end();
    if (!r) out.push_back(s[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

enum class Op { sum, prod, max, min, all, any };
const char* op_name(Op op) {
  const char* names[] = {"sum", "prod", "max", "min", "all", "any"};
  return names[static_cast<int>(op)];
}

array apply(Op op, const array& x, const std::optional<Axes>& axes, bool keepdims) {
  switch (op) {
    case Op::sum: return axes ? sum(x, *axes, keepdims) : sum(x, keepdims);
    case Op::prod: return axes ? prod(x, *axes, keepdims) : prod(x, keepdims);
    case Op::max: return axes ? max(x, *axes, keepdims) : max(x, keepdims);
    case Op::min: return axes ? min(x, *axes, keepdims) : min(x, keepdims);
    case Op::all: return axes ? all(x, *axes, keepdims) : all(x, keepdims);
    case Op::any: return axes ? any(x, *axes, keepdims) : any(x, keepdims);
  }
  return x;
}

// MLX's result dtypes, written out by hand.
Dtype expected_dtype(Op op, Dtype t) {
  if (op == Op::all || op == Op::any) return bool_;
  if (op == Op::max || op == Op::min) return t;
  if (t == bool_ || t == int8 || t == int16) return int32;
  if (t == uint8 || t == uint16) return uint32;
  return t;
}

// Relative accuracy expected of a float result of dtype t (its rounding plus float32 accumulation).
double rel_tol(Dtype t) {
  switch (t) {
    case float16: return 2e-3;
    case bfloat16: return 1.6e-2;
    case float32: return 2e-6;
    default: return 1e-13;
  }
}

// Integer sums and products wrap around as numpy's do: computed mod 2^64, truncated to the result width.
double wrapped(uint64_t acc, Dtype t) {
  switch (t) {
    case int32: return static_cast<int32_t>(static_cast<uint32_t>(acc));
    case uint32: return static_cast<uint32_t>(acc);
    case int64: return static_cast<double>(static_cast<int64_t>(acc));
    default: return static_cast<double>(acc);
  }
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// Checks op(x, axes, keepdims) against a double loop over x's own (stored) values.
void check_reduce(Op op, const array& x, const std::optional<Axes>& axes, bool keepdims) {
  const Axes ax = axes ? *axes : [&] {
    Axes all_ax;
    for (int d = 0; d < x.ndim(); ++d) all_ax.push_back(d);
    return all_ax;
  }();
  SCOPED_TRACE(std::string(op_name(op)) + " of " + dtype_name(x.dtype()) + shape_str(x.shape()) + " axes " +
               ::testing::PrintToString(ax) + (keepdims ? " keepdims" : ""));
  const array out = apply(op, x, axes, keepdims);
  const Dtype od = expected_dtype(op, x.dtype());
  ASSERT_EQ(out.dtype(), od);
  ASSERT_EQ(out.shape(), reduced_shape(x.shape(), ax, keepdims));
  const V xv = vals(x), got = vals(out);
  const auto groups = groups_of(x.shape(), ax);
  ASSERT_EQ(got.size(), groups.size());
  for (size_t o = 0; o < groups.size(); ++o) {
    const auto& g = groups[o];
    double expect = 0, scale = 0;
    bool exact = true;
    if (op == Op::sum || op == Op::prod) {
      if (is_floating_point(od)) {
        exact = false;
        expect = op == Op::sum ? 0 : 1;
        for (auto i : g) {
          expect = op == Op::sum ? expect + xv[i] : expect * xv[i];
          scale += std::abs(xv[i]);
        }
        if (op == Op::prod) scale = std::abs(expect) * static_cast<double>(g.size() + 1);
      } else {
        uint64_t acc = op == Op::sum ? 0 : 1;
        for (auto i : g) {
          const uint64_t v = static_cast<uint64_t>(static_cast<int64_t>(xv[i]));
          acc = op == Op::sum ? acc + v : acc * v;
        }
        expect = wrapped(acc, od);
      }
    } else if (op == Op::max || op == Op::min) {
      expect = xv[g[0]];
      for (auto i : g) {
        if (std::isnan(xv[i]) || std::isnan(expect)) expect = kNaN;
        else expect = op == Op::max ? std::max(expect, xv[i]) : std::min(expect, xv[i]);
      }
    } else {
      bool acc = op == Op::all;
      for (auto i : g) acc = op == Op::all ? (acc && xv[i] != 0) : (acc || xv[i] != 0);
      expect = acc;
    }
    if (exact || std::isnan(expect) || std::isinf(expect)) {
      ASSERT_TRUE(same(got[o], expect)) << "element " << o << ": got " << got[o] << ", want " << expect;
    } else {
      ASSERT_NEAR(got[o], expect, rel_tol(od) * scale + 1e-30) << "element " << o;
    }
  }
}

const std::vector<Axes> kAxesSets = {{0}, {1}, {2}, {-1}, {0, 1}, {1, 2}, {0, 2}, {0, 1, 2}, {-3, -1}, {2, 0}};

}  // namespace

// ---- sum, prod, max, min, all, any ----

TEST(Reduce, EveryOpDtypeAxesAndKeepdims) {
  const Op ops[] = {Op::sum, Op::prod, Op::max, Op::min, Op::all, Op::any};
  for (Dtype t : kAllDtypes)
    for (Op op : ops) {
      const array x = (op == Op::prod && is_floating_point(t)) ? prod_input({3, 4, 5}, t, 7) : input({3, 4, 5}, t, 7);
      for (const auto& axes : kAxesSets)
        for (bool keepdims : {false, true}) check_reduce(op, x, axes, keepdims);
      check_reduce(op, x, std::nullopt, false);
      check_reduce(op, x, std::nullopt, true);
    }
}

TEST(Reduce, ResultDtypes) {
  const std::pair<Dtype, Dtype> sums[] = {
      {bool_, int32},   {int8, int32},     {int16, int32},     {int32, int32},     {int64, int64},
      {uint8, uint32},  {uint16, uint32},  {uint32, uint32},   {uint64, uint64},   {float16, float16},
      {bfloat16, bfloat16}, {float32, float32}, {float64, float64}};
  for (auto [in, out] : sums) {
    const array x = zeros({2, 3}, in);
    EXPECT_EQ(sum(x).dtype(), out) << in;
    EXPECT_EQ(prod(x, 0).dtype(), out) << in;
    EXPECT_EQ(max(x).dtype(), in);
    EXPECT_EQ(min(x, 1).dtype(), in);
    EXPECT_EQ(all(x).dtype(), bool_);
    EXPECT_EQ(any(x, {0, 1}).dtype(), bool_);
    EXPECT_EQ(argmax(x).dtype(), uint32);
    EXPECT_EQ(argmin(x, 1).dtype(), uint32);
    EXPECT_EQ(mean(x).dtype(), is_floating_point(in) ? in : float32);
    EXPECT_EQ(var(x, 0).dtype(), is_floating_point(in) ? in : float32);
    EXPECT_EQ(ingot::std(x).dtype(), is_floating_point(in) ? in : float32);
    EXPECT_EQ(logsumexp(x).dtype(), is_floating_point(in) ? in : float32);
    EXPECT_EQ(softmax(x).dtype(), is_floating_point(in) ? in : float32);
    EXPECT_EQ(isclose(x, x).dtype(), bool_);
  }
}

TEST(Reduce, FourDimensionsNonAdjacentAxesAndUnitDimensions) {
  const std::vector<Axes> sets = {{0, 2}, {1, 3}, {0, 3}, {0, 1, 3}, {0, 2, 3}, {1, 2}, {-4, -2}};
  for (Dtype t : {float32, int32, float16, float64, uint8})
    for (Op op : {Op::sum, Op::max, Op::min, Op::any}) {
      const array x = input({3, 4, 5, 6}, t, 11);
      for (const auto& axes : sets)
        for (bool keepdims : {false, true}) check_reduce(op, x, axes, keepdims);
      // Size-1 dimensions between and around the reduced ones.
      const array y = input({2, 1, 3, 1, 4}, t, 12);
      for (const Axes& axes : std::vector<Axes>{{1}, {1, 3}, {0, 1}, {2, 3}, {0, 2, 4}, {1, 2, 3}, {0, 1, 2, 3, 4}})
        check_reduce(op, y, axes, true);
      // Three separate reduced groups: reduced in three stages.
      const array z = input({2, 3, 4, 5, 6}, t, 13);
      for (const Axes& axes : std::vector<Axes>{{0, 2, 4}, {1, 3}, {0, 1, 3}, {0, 2, 3}})
        check_reduce(op, z, axes, false);
    }
}

TEST(Reduce, LongRowsAndColumnsUseEveryCodePath) {
  // Long reduced rows (pairwise blocks), long kept rows (column chunks) and odd sizes.
  for (Dtype t : {float32, int64, float64, bfloat16, bool_}) {
    const array x = input({3, 1031}, t, 5);
    const array y = input({1031, 3}, t, 6);
    const array z = input({5, 40, 1100}, t, 8);
    for (Op op : {Op::sum, Op::prod, Op::max, Op::min, Op::all}) {
      if (op == Op::prod && is_floating_point(t)) continue;  // overflows; covered with prod_input above
      check_reduce(op, x, Axes{1}, false);
      check_reduce(op, x, Axes{0}, false);
      check_reduce(op, y, Axes{0}, false);
      check_reduce(op, z, Axes{1}, false);
      check_reduce(op, z, Axes{0, 2}, false);
    }
  }
}

TEST(Reduce, ConvertedInputsAreReadInPieces) {
  // Halves (read as float32) and all/any of non-bool arrays (read as bool) are converted in bounded
  // pieces: whole slabs, blocks of kept rows, or kept rows longer than a piece.
  const std::vector<std::pair<Shape, Axes>> cases = {
      {{40000}, {0}},       {{3, 20000}, {1}}, {{20000, 3}, {0}}, {{3, 20000}, {0}},
      {{2, 20000, 2}, {1}}, {{5, 7, 9}, {0, 2}}, {{17000, 2}, {0, 1}}};
  for (const auto& [shape, axes] : cases) {
    for (Dtype t : {float16, bfloat16})
      for (Op op : {Op::sum, Op::max, Op::min, Op::any, Op::all}) check_reduce(op, input(shape, t, 3), axes, false);
    for (Dtype t : {float32, int32, uint8})
      for (Op op : {Op::any, Op::all}) check_reduce(op, input(shape, t, 4), axes, true);
  }
}

TEST(Reduce, Float32SumsArePairwiseAccurate) {
  // A serial float32 sum of 2^22 values of 0.1 is off by several percent; pairwise stays near 1e-7.
  const int64_t n = int64_t{1} << 22;
  const array x = full({n}, 0.1f, float32);
  const double want = static_cast<double>(0.1f) * static_cast<double>(n);
  EXPECT_NEAR(sum(x).item<double>(), want, want * 1e-6);
  EXPECT_NEAR(mean(x).item<double>(), 0.1, 1e-7);
  // The same along a leading axis, with kept columns innermost.
  const array y = full({n / 4, 4}, 0.1f, float32);
  for (double v : vals(sum(y, 0))) EXPECT_NEAR(v, want / 4, want / 4 * 1e-6);
  // And with the reduced axes split around a kept one.
  const array z = full({1024, 3, 1024}, 0.1f, float32);
  for (double v : vals(sum(z, {0, 2}))) EXPECT_NEAR(v, 0.1 * 1024 * 1024, 0.1 * 1024 * 1024 * 1e-6);
  // float16 accumulates in float32: 4096 ones sum to 4096 (a float16 accumulator would stop at 2048).
  EXPECT_EQ(sum(full({4096}, 1.0f, float16)).item<double>(), 4096.0);
  EXPECT_EQ(sum(full({4096}, 1.0f, bfloat16)).item<double>(), 4096.0);
}

TEST(Reduce, IntegerSumsWrapAsNumpy) {
  // int32 keeps its dtype and wraps; int8 accumulates in int32 and does not.
  EXPECT_EQ(sum(array({2147483647, 1}, int32)).item<int64_t>(), -2147483648LL);
  EXPECT_EQ(sum(array({127, 127, 127}, int8)).item<int64_t>(), 381);
  EXPECT_EQ(sum(array({255, 255}, uint8)).item<int64_t>(), 510);
  EXPECT_EQ(prod(array({65536, 65536}, int32)).item<int64_t>(), 0);
  EXPECT_EQ(bits_of(sum(arr(std::vector<uint64_t>{~uint64_t{0}, 2}, {2}, uint64)))[0], 1u);
  EXPECT_EQ(bits_of(max(arr(std::vector<int64_t>{INT64_MAX - 1, INT64_MAX}, {2}, int64)))[0],
            static_cast<uint64_t>(INT64_MAX));
  EXPECT_EQ(sum(array({true, true, true})).item<int64_t>(), 3);
}

TEST(Reduce, NaNPropagatesThroughMaxMinAndSum) {
  for (Dtype t : {float32, float64, float16, bfloat16}) {
    // NaN first, in the middle and last, in reduced rows and in kept columns.
    const array x = arr(V{kNaN, 1, 2, 3, 4, kNaN, 5, 6, 7, 8, 9, kNaN}, {3, 4}, t);
    for (Op op : {Op::max, Op::min, Op::sum, Op::prod, Op::all, Op::any}) {
      check_reduce(op, x, Axes{1}, false);
      check_reduce(op, x, Axes{0}, false);
      check_reduce(op, x, std::nullopt, false);
    }
    const V m = vals(max(x, 1));
    EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]) && std::isnan(m[2]));
    const V c = vals(min(x, 0));
    EXPECT_TRUE(std::isnan(c[0]) && std::isnan(c[1]) && !std::isnan(c[2]) && std::isnan(c[3]));
    EXPECT_EQ(c[2], 2);
    // Long rows (short and vectorized paths), NaN past the first vector block.
    for (int64_t n : {100, 1000}) {
      V long_row(n, 1.0);
      long_row[n - 23] = kNaN;
      long_row[n - 11] = kNaN;
      EXPECT_TRUE(std::isnan(max(arr(long_row, {n}, t)).item<double>()));
      EXPECT_TRUE(std::isnan(min(arr(long_row, {n}, t)).item<double>()));
      EXPECT_EQ(argmax(arr(long_row, {n}, t)).item<int64_t>(), n - 23);
      EXPECT_EQ(argmin(arr(long_row, {n}, t)).item<int64_t>(), n - 23);
    }
    EXPECT_TRUE(all(arr(V{kNaN}, {1}, t)).item<bool>());  // NaN is non-zero
  }
  // Infinities are ordinary values for max/min.
  EXPECT_EQ(max(array({-INFINITY, 1.0f, INFINITY})).item<float>(), INFINITY);
  EXPECT_EQ(min(array({-INFINITY, 1.0f, INFINITY})).item<float>(), -INFINITY);
}

TEST(Reduce, EmptyArrays) {
  const array e = zeros({0, 3}, float32);
  EXPECT_EQ(sum(e, 0).shape(), Shape({3}));
  EXPECT_EQ(vals(sum(e, 0)), V({0, 0, 0}));
  EXPECT_EQ(vals(prod(e, 0)), V({1, 1, 1}));
  EXPECT_EQ(vals(all(e, 0)), V({1, 1, 1}));
  EXPECT_EQ(vals(any(e, 0)), V({0, 0, 0}));
  EXPECT_EQ(vals(sum(e, 0, true)), V({0, 0, 0}));
  EXPECT_EQ(sum(e, 0, true).shape(), Shape({1, 3}));
  // Reducing the non-empty axis leaves an empty result, for max/min too.
  EXPECT_EQ(sum(e, 1).shape(), Shape({0}));
  EXPECT_EQ(max(e, 1).shape(), Shape({0}));
  EXPECT_EQ(vals(max(e, 1)).size(), 0u);
  EXPECT_EQ(min(e, -1, true).shape(), Shape({0, 1}));
  // Whole-array reductions of an empty array, every dtype.
  for (Dtype t : kAllDtypes) {
    const array z = zeros({0}, t);
    EXPECT_EQ(sum(z).item<double>(), 0) << t;
    EXPECT_EQ(sum(z).dtype(), expected_dtype(Op::sum, t));
    EXPECT_EQ(prod(z).item<double>(), 1) << t;
    EXPECT_TRUE(all(z).item<bool>());
    EXPECT_FALSE(any(z).item<bool>());
    EXPECT_THAT(error_of([&] { max(z); }), HasSubstr("[max]"));
  }
  EXPECT_EQ(sum(zeros({2, 0, 3}, int8), {1}).dtype(), int32);
  EXPECT_EQ(vals(sum(zeros({2, 0, 3}, int8), {1})), V(6, 0));
}

TEST(Reduce, ZeroDimensionalArrays) {
  const array s = array(3.5f);
  EXPECT_EQ(sum(s).shape(), Shape{});
  EXPECT_EQ(sum(s).item<float>(), 3.5f);
  EXPECT_EQ(sum(s, true).shape(), Shape{});
  EXPECT_EQ(max(s).item<float>(), 3.5f);
  EXPECT_EQ(prod(s).item<float>(), 3.5f);
  EXPECT_TRUE(all(s).item<bool>());
  EXPECT_FALSE(any(array(0, int32)).item<bool>());
  EXPECT_EQ(sum(array(int8_t{-5})).dtype(), int32);
  EXPECT_EQ(sum(array(int8_t{-5})).item<int64_t>(), -5);
  EXPECT_EQ(argmax(s).item<int64_t>(), 0);
  EXPECT_EQ(argmax(s).shape(), Shape{});
  EXPECT_EQ(mean(array(4, int32)).item<float>(), 4.0f);
  EXPECT_EQ(logsumexp(array(2.0f)).item<float>(), 2.0f);
  EXPECT_EQ(softmax(array(2.0f)).item<float>(), 1.0f);
  EXPECT_THAT(error_of([&] { sum(s, 0); }), HasSubstr("[sum] axis 0 is out of range for an array with 0 dimensions"));
  EXPECT_THAT(error_of([&] { argmax(s, 0); }), HasSubstr("[argmax]"));
}

TEST(Reduce, EmptyAxisListReducesNothing) {
  // numpy's axis=(): nothing is reduced, the result dtype still applies.
  const array x = array({1, -2, 0}, int8);
  EXPECT_EQ(sum(x, Axes{}).dtype(), int32);
  EXPECT_EQ(vals(sum(x, Axes{})), V({1, -2, 0}));
  EXPECT_EQ(vals(all(x, Axes{})), V({1, 1, 0}));
  EXPECT_EQ(vals(max(x, Axes{}, true)), V({1, -2, 0}));
  EXPECT_EQ(mean(x, Axes{}).dtype(), float32);
}

TEST(Reduce, NonContiguousInputs) {
  const array x = input({4, 5, 6}, float32, 21);
  const array xi = input({4, 5, 6}, int16, 22);
  const Arrays views = {
      transpose(x, {2, 0, 1}),                                  // permuted
      transpose(x),                                             // reversed axes
      slice(x, Shape{0, 1, 0}, Shape{4, 5, 6}, Shape{2, 1, 3}),           // stepped
      slice(x, Shape{-1, -1, -1}, Shape{-100, -100, -100}, Shape{-1, -2, -1}),  // reversed
      broadcast_to(slice(x, Shape{0, 0, 0}, Shape{1, 5, 6}), {3, 5, 6}),  // stride 0
      slice(transpose(xi, {1, 2, 0}), Shape{1, 0, 1}, Shape{5, 6, 4}, Shape{1, 2, 2}),
      transpose(input({4, 5, 6}, bfloat16, 23), {1, 2, 0}),  // dense in another order, converted in pieces
      transpose(input({4, 5, 6}, uint8, 24), {0, 2, 1}),
  };
  for (const array& v : views) {
    ASSERT_FALSE(v.shape().empty());
    for (Op op : {Op::sum, Op::prod, Op::max, Op::min, Op::any})
      for (const auto& axes : kAxesSets) {
        if (op == Op::prod && is_floating_point(v.dtype())) continue;
        check_reduce(op, v, axes, false);
      }
    check_reduce(Op::sum, v, std::nullopt, true);
  }
}

TEST(Reduce, Errors) {
  const array x = zeros({2, 3});
  EXPECT_THAT(error_of([&] { sum(x, {0, 0}); }), HasSubstr("[sum] repeated axis"));
  EXPECT_THAT(error_of([&] { sum(x, {1, -1}); }), HasSubstr("[sum] repeated axis"));
  EXPECT_THAT(error_of([&] { prod(x, 2); }), HasSubstr("[prod] axis 2 is out of range for an array with 2 dimensions"));
  EXPECT_THAT(error_of([&] { max(x, -3); }), HasSubstr("[max] axis -3 is out of range"));
  EXPECT_THAT(error_of([&] { min(x, {0, 5}); }), HasSubstr("[min] axis 5"));
  EXPECT_THAT(error_of([&] { all(x, {0, 2}); }), HasSubstr("[all]"));
  EXPECT_THAT(error_of([&] { any(x, {1, 1}); }), HasSubstr("[any] repeated axis"));
  EXPECT_THAT(error_of([&] { max(zeros({2, 0}), 1); }), HasSubstr("[max] cannot reduce over the empty axis 1"));
  EXPECT_THAT(error_of([&] { min(zeros({0, 0}), {0}); }), HasSubstr("[min]"));
  EXPECT_THAT(error_of([&] { max(zeros({3, 0})); }), HasSubstr("shape (3,0)"));
  EXPECT_THAT(error_of([&] { argmax(zeros({0})); }), HasSubstr("[argmax] cannot reduce over an empty array"));
  EXPECT_THAT(error_of([&] { argmin(zeros({2, 0}), 1); }), HasSubstr("[argmin] cannot reduce over an empty axis"));
  EXPECT_THAT(error_of([&] { argmax(x, 2); }), HasSubstr("[argmax] axis 2 is out of range"));
  EXPECT_THAT(error_of([&] { argmin(x, -3); }), HasSubstr("[argmin] axis -3 is out of range"));
  EXPECT_THAT(error_of([&] { mean(x, {0, -2}); }), HasSubstr("[mean] repeated axis"));
  EXPECT_THAT(error_of([&] { var(x, 3); }), HasSubstr("[var] axis 3"));
  EXPECT_THAT(error_of([&] { ingot::std(x, {0, 0}); }), HasSubstr("[std] repeated axis"));
  EXPECT_THAT(error_of([&] { logsumexp(x, 2); }), HasSubstr("[logsumexp] axis 2"));
  EXPECT_THAT(error_of([&] { softmax(x, {1, 1}); }), HasSubstr("[softmax] repeated axis"));
  EXPECT_THAT(error_of([&] { isclose(zeros({2}), zeros({3})); }), HasSubstr("[isclose]"));
  EXPECT_THAT(error_of([&] { allclose(zeros({2}), zeros({3})); }), HasSubstr("[isclose]"));
}

// ---- argmax, argmin ----

namespace {
void check_arg(bool is_max, const array& x, std::optional<int> axis, bool keepdims) {
  SCOPED_TRACE(std::string(is_max ? "argmax" : "argmin") + " of " + dtype_name(x.dtype()) + shape_str(x.shape()) +
               " axis " + (axis ? std::to_string(*axis) : "none") + (keepdims ? " keepdims" : ""));
  const array out = is_max ? (axis ? argmax(x, *axis, keepdims) : argmax(x, keepdims))
                           : (axis ? argmin(x, *axis, keepdims) : argmin(x, keepdims));
  ASSERT_EQ(out.dtype(), uint32);
  Shape want_shape;
  std::vector<std::vector<int64_t>> groups;
  if (axis) {
    want_shape = reduced_shape(x.shape(), {*axis}, keepdims);
    groups = groups_of(x.shape(), {*axis});
  } else {
    want_shape = keepdims ? Shape(x.ndim(), 1) : Shape{};
    groups.emplace_back();
    for (int64_t i = 0; i < x.size(); ++i) groups[0].push_back(i);
  }
  ASSERT_EQ(out.shape(), want_shape);
  const V xv = vals(x), got = vals(out);
  ASSERT_EQ(got.size(), groups.size());
  for (size_t o = 0; o < groups.size(); ++o) {
    size_t best = 0;  // first occurrence of the extreme; the first NaN counts as the extreme
    for (size_t k = 1; k < groups[o].size(); ++k) {
      const double v = xv[groups[o][k]], b = xv[groups[o][best]];
      if (std::isnan(b)) break;
      if (std::isnan(v) || (is_max ? v > b : v < b)) best = k;
    }
    ASSERT_EQ(got[o], static_cast<double>(best)) << "element " << o;
  }
}
}  // namespace

TEST(ReduceArg, EveryDtypeAxisAndKeepdims) {
  for (Dtype t : kAllDtypes) {
    const array x = input({3, 4, 5}, t, 31);  // few distinct values: many ties
    for (bool is_max : {true, false})
      for (bool keepdims : {false, true}) {
        for (int axis : {0, 1, 2, -1, -3}) check_arg(is_max, x, axis, keepdims);
        check_arg(is_max, x, std::nullopt, keepdims);
      }
  }
}

TEST(ReduceArg, TiesNaNAndLongAxes) {
  EXPECT_EQ(argmax(array({1, 3, 3, 2})).item<int64_t>(), 1);
  EXPECT_EQ(argmin(array({2, 0, 1, 0})).item<int64_t>(), 1);
  for (Dtype t : {float32, float64, float16, bfloat16}) {
    const array x = arr(V{1, kNaN, 5, kNaN, -1, 2}, {6}, t);
    EXPECT_EQ(argmax(x).item<int64_t>(), 1) << t;
    EXPECT_EQ(argmin(x).item<int64_t>(), 1) << t;
    const array y = arr(V{1, 2, 7, kNaN, 0, kNaN, 3, 4, 9}, {3, 3}, t);
    for (bool is_max : {true, false})
      for (int axis : {0, 1}) check_arg(is_max, y, axis, false);
    EXPECT_EQ(vals(argmax(y, 0)), V({1, 2, 1}));
    EXPECT_EQ(vals(argmin(y, 1)), V({0, 0, 0}));
  }
  EXPECT_EQ(argmax(array({-INFINITY, -INFINITY})).item<int64_t>(), 0);
  for (Dtype t : {float32, int8, uint64}) {
    const array z = input({600, 700}, t, 33);
    for (bool is_max : {true, false}) {
      check_arg(is_max, z, 0, false);
      check_arg(is_max, z, 1, false);
    }
  }
}

TEST(ReduceArg, NonContiguousAndEmptyOutputs) {
  const array x = input({4, 5, 6}, float32, 41);
  for (const array& v : {transpose(x, {1, 2, 0}), slice(x, Shape{3, 0, 5}, Shape{-100, 5, -100}, Shape{-1, 2, -2}),
                         broadcast_to(slice(x, Shape{0, 0, 0}, Shape{4, 1, 6}), {4, 3, 6})})
    for (bool is_max : {true, false}) {
      for (int axis = 0; axis < 3; ++axis) check_arg(is_max, v, axis, true);
      check_arg(is_max, v, std::nullopt, false);
    }
  // The reduced axis is not empty, the result is.
  EXPECT_EQ(argmax(zeros({0, 3}), 1).shape(), Shape({0}));
  EXPECT_EQ(argmin(zeros({0, 3}), 1, true).shape(), Shape({0, 1}));
}

// ---- mean, var, std ----

namespace {
// numpy's mean / var(ddof) / std over groups, in double.
V ref_stat(const V& xv, const std::vector<std::vector<int64_t>>& groups, int ddof, bool is_std, bool is_mean) {
  V out;
  for (const auto& g : groups) {
    double m = 0;
    for (auto i : g) m += xv[i];
    m /= static_cast<double>(g.size());
    if (is_mean) {
      out.push_back(m);
      continue;
    }
    double ss = 0;
    for (auto i : g) ss += (xv[i] - m) * (xv[i] - m);
    const double v = ss / std::max(static_cast<double>(g.size()) - ddof, 0.0);
    out.push_back(is_std ? std::sqrt(v) : v);
  }
  return out;
}

void expect_close(const V& got, const V& want, double rtol, double atol = 0) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i]) || std::isinf(want[i])) {
      EXPECT_TRUE(same(got[i], want[i])) << "element " << i << ": got " << got[i] << ", want " << want[i];
    } else {
      EXPECT_NEAR(got[i], want[i], rtol * std::abs(want[i]) + atol) << "element " << i;
    }
  }
}
}  // namespace

TEST(ReduceStats, MeanVarStdEveryDtypeAndAxes) {
  for (Dtype t : kAllDtypes) {
    const array x = input({3, 4, 5}, t, 51);
    const V xv = vals(x);
    const Dtype rt = is_floating_point(t) ? t : float32;
    const double tol = rel_tol(rt) * 4;
    for (const auto& axes : kAxesSets)
      for (bool keepdims : {false, true}) {
        SCOPED_TRACE(std::string(dtype_name(t)) + " axes " + ::testing::PrintToString(axes));
        const auto g = groups_of(x.shape(), axes);
        const Shape s = reduced_shape(x.shape(), axes, keepdims);
        const array m = mean(x, axes, keepdims);
        ASSERT_EQ(m.dtype(), rt);
        ASSERT_EQ(m.shape(), s);
        expect_close(vals(m), ref_stat(xv, g, 0, false, true), tol, tol * 4);
        for (int ddof : {0, 1}) {
          const array v = var(x, axes, keepdims, ddof), d = ingot::std(x, axes, keepdims, ddof);
          ASSERT_EQ(v.dtype(), rt);
          ASSERT_EQ(d.shape(), s);
          expect_close(vals(v), ref_stat(xv, g, ddof, false, false), tol, tol * 16);
          expect_close(vals(d), ref_stat(xv, g, ddof, true, false), tol, tol * 4);
        }
      }
    expect_close({mean(x).item<double>()}, ref_stat(xv, groups_of(x.shape(), {0, 1, 2}), 0, false, true), tol, tol);
  }
}

TEST(ReduceStats, DdofAtOrPastTheCountAndEmpty) {
  const array x = array({1.0f, 2.0f, 4.0f});
  EXPECT_NEAR(var(x, false, 2).item<double>(), 42.0 / 9, 1e-6);
  EXPECT_EQ(var(x, false, 3).item<double>(), kInf);  // n - ddof = 0
  EXPECT_EQ(ingot::std(x, false, 5).item<double>(), kInf);  // clamped to 0 as numpy
  EXPECT_TRUE(std::isnan(var(array({2.0f, 2.0f}), false, 2).item<double>()));  // 0 / 0
  EXPECT_TRUE(std::isnan(var(array({7.0f}), false, 1).item<double>()));
  EXPECT_NEAR(var(x, false, -1).item<double>(), (42.0 / 9) / 4, 1e-6);  // negative ddof divides by n + 1
  // Empty reductions give nan, as numpy (with its warning).
  EXPECT_TRUE(std::isnan(mean(zeros({0})).item<double>()));
  EXPECT_TRUE(std::isnan(var(zeros({0})).item<double>()));
  const V m = vals(mean(zeros({0, 2}), 0));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  EXPECT_EQ(mean(zeros({0, 2}), 1).shape(), Shape({0}));
}

TEST(ReduceStats, HalfMeansDoNotOverflow) {
  // 1000 values of 100 sum to 1e5 > float16's 65504; the mean is still 100.
  EXPECT_EQ(mean(full({1000}, 100.0f, float16)).item<double>(), 100.0);
  EXPECT_NEAR(var(full({1000}, 100.0f, float16)).item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(ingot::std(arr(V{60000, -60000, 60000, -60000}, {4}, float16)).item<double>(), 60000, 60);
  // Large integers: float32 would lose the spread; the result must be close.
  EXPECT_NEAR(mean(array({1000001, 1000003}, int32)).item<double>(), 1000002, 0.1);
}

TEST(ReduceStats, NonContiguousInputs) {
  const array x = input({4, 5, 6}, float32, 61);
  for (const array& v : {transpose(x, {2, 0, 1}), slice(x, Shape{0, 4, 0}, Shape{4, -100, 6}, Shape{3, -2, 1})}) {
    const V vv = vals(v);
    for (const Axes& axes : std::vector<Axes>{{0}, {1, 2}, {0, 2}}) {
      const auto g = groups_of(v.shape(), axes);
      expect_close(vals(mean(v, axes)), ref_stat(vv, g, 0, false, true), 1e-5, 1e-6);
      expect_close(vals(var(v, axes, false, 1)), ref_stat(vv, g, 1, false, false), 1e-5, 1e-6);
      expect_close(vals(ingot::std(v, axes, true)), ref_stat(vv, g, 0, true, false), 1e-5, 1e-6);
    }
  }
}

// ---- logsumexp, softmax ----

namespace {
V ref_logsumexp(const V& xv, const std::vector<std::vector<int64_t>>& groups) {
  V out;
  for (const auto& g : groups) {
    double m = -kInf;
    bool nan = false;
    for (auto i : g) m = std::isnan(xv[i]) ? (nan = true, m) : std::max(m, xv[i]);
    if (nan) {
      out.push_back(kNaN);
    } else if (std::isinf(m)) {
      out.push_back(m);  // all -inf gives -inf; any +inf gives +inf
    } else {
      double s = 0;
      for (auto i : g) s += std::exp(xv[i] - m);
      out.push_back(m + std::log(s));
    }
  }
  return out;
}

// Softmax over groups, written back in x's row-major order.
V ref_softmax(const V& xv, const std::vector<std::vector<int64_t>>& groups) {
  V out(xv.size());
  for (const auto& g : groups) {
    double m = -kInf;
    for (auto i : g) m = std::max(m, xv[i]);
    double s = 0;
    for (auto i : g) s += std::exp(xv[i] - m);
    for (auto i : g) out[i] = std::exp(xv[i] - m) / s;
  }
  return out;
}
}  // namespace

TEST(ReduceLogSumExp, MatchesReferenceEveryDtypeAndAxes) {
  for (Dtype t : kAllDtypes) {
    const array x = input({3, 4, 5}, t, 71);
    const V xv = vals(x);
    const Dtype rt = is_floating_point(t) ? t : float32;
    for (const auto& axes : kAxesSets)
      for (bool keepdims : {false, true}) {
        SCOPED_TRACE(std::string(dtype_name(t)) + " axes " + ::testing::PrintToString(axes));
        const array l = logsumexp(x, axes, keepdims);
        ASSERT_EQ(l.dtype(), rt);
        ASSERT_EQ(l.shape(), reduced_shape(x.shape(), axes, keepdims));
        expect_close(vals(l), ref_logsumexp(xv, groups_of(x.shape(), axes)), rel_tol(rt) * 4, rel_tol(rt) * 4);
      }
    expect_close({logsumexp(x).item<double>()}, ref_logsumexp(xv, groups_of(x.shape(), {0, 1, 2})), rel_tol(rt) * 4);
  }
}

TEST(ReduceLogSumExp, StableForHugeInfiniteAndNaNRows) {
  for (Dtype t : {float32, float64, float16, bfloat16}) {
    SCOPED_TRACE(dtype_name(t));
    const double big = t == float16 ? 60000 : 1e30;
    const array x = arr(V{big, big, 1, 2,              // would overflow without the shift
                            -kInf, -kInf, -kInf, -kInf,  // every term is zero: -inf
                            kInf, 1, 2, 3,               // +inf
                            -big, -big, -kInf, -big,     // would underflow to log(0) without the shift
                            kNaN, 1, 2, 3,               // nan
                            kInf, -kInf, 0, 0},          // +inf wins over -inf
                          {6, 4}, t);
    const V got = vals(logsumexp(x, 1));
    const V want = ref_logsumexp(vals(x), groups_of(x.shape(), {1}));
    ASSERT_EQ(got.size(), 6u);
    expect_close(got, want, rel_tol(t) * 4);
    EXPECT_EQ(got[1], -kInf);
    EXPECT_EQ(got[2], kInf);
    EXPECT_TRUE(std::isnan(got[4]));
    EXPECT_EQ(got[5], kInf);
    // Along the leading axis as well.
    const V col = vals(logsumexp(transpose(x), 0, true));
    ASSERT_EQ(col.size(), 6u);
    for (size_t i = 0; i < 6; ++i) EXPECT_TRUE(same(col[i], got[i])) << i;
  }
  // Empty reductions: log(0) = -inf.
  EXPECT_EQ(logsumexp(zeros({0})).item<double>(), -kInf);
  EXPECT_EQ(vals(logsumexp(zeros({0, 2}), 0)), V({-kInf, -kInf}));
}

TEST(ReduceSoftmax, MatchesReferenceAndSumsToOne) {
  for (Dtype t : kAllDtypes) {
    const array x = input({3, 4, 5}, t, 81);
    const V xv = vals(x);
    const Dtype rt = is_floating_point(t) ? t : float32;
    for (const auto& axes : kAxesSets)
      for (bool precise : {false, true}) {
        SCOPED_TRACE(std::string(dtype_name(t)) + " axes " + ::testing::PrintToString(axes));
        const array s = softmax(x, axes, precise);
        ASSERT_EQ(s.dtype(), rt);
        ASSERT_EQ(s.shape(), x.shape());
        expect_close(vals(s), ref_softmax(xv, groups_of(x.shape(), axes)), rel_tol(rt) * 8, rel_tol(rt));
      }
    expect_close(vals(softmax(x)), ref_softmax(xv, groups_of(x.shape(), {0, 1, 2})), rel_tol(rt) * 8, rel_tol(rt));
    expect_close(vals(softmax(x, -1)), ref_softmax(xv, groups_of(x.shape(), {2})), rel_tol(rt) * 8, rel_tol(rt));
  }
}

TEST(ReduceSoftmax, StablePreciseNonContiguousAndEmpty) {
  // Huge logits do not overflow.
  const V s = vals(softmax(array({1000.0f, 1000.0f, -1000.0f}), 0));
  EXPECT_NEAR(s[0], 0.5, 1e-7);
  EXPECT_NEAR(s[1], 0.5, 1e-7);
  EXPECT_EQ(s[2], 0);
  // A row with -inf entries: they get probability 0.
  const V r = vals(softmax(array({-INFINITY, 0.0f, 0.0f}), 0));
  EXPECT_EQ(r, V({0, 0.5, 0.5}));
  // precise: float16 computed in float32, result float16, close to the double reference.
  Rng rng{3};
  V v(4096);
  for (auto& e : v) e = rng.next() * 10;
  const array h = arr(v, {4096}, float16);
  const array p = softmax(h, 0, true);
  EXPECT_EQ(p.dtype(), float16);
  expect_close(vals(p), ref_softmax(vals(h), groups_of({4096}, {0})), 2e-3, 1e-7);
  // Non-contiguous views.
  const array x = input({4, 5, 6}, float32, 91);
  for (const array& w : {transpose(x, {2, 0, 1}), slice(x, Shape{3, 0, 0}, Shape{-100, 5, 6}, Shape{-1, 2, 3})})
    for (const Axes& axes : std::vector<Axes>{{0}, {2}, {0, 2}})
      expect_close(vals(softmax(w, axes)), ref_softmax(vals(w), groups_of(w.shape(), axes)), 1e-5, 1e-7);
  EXPECT_EQ(softmax(zeros({0, 3}), 0).shape(), Shape({0, 3}));
  EXPECT_EQ(softmax(zeros({0, 3}, int32), 1).dtype(), float32);
}

// ---- isclose, allclose, array_equal ----

TEST(ReduceClose, IsCloseFollowsNumpy) {
  const array a = arr(V{1.0, 1.0, kInf, kInf, -kInf, kNaN, kNaN, 0.0, 1e10, 1.0}, {10}, float64);
  const array b = arr(V{1.0 + 1e-6, 1.1, kInf, -kInf, -kInf, kNaN, 1.0, 1e-9, 1.00001e10, kInf}, {10}, float64);
  EXPECT_EQ(vals(isclose(a, b)), V({1, 0, 1, 0, 1, 0, 0, 1, 1, 0}));
  EXPECT_EQ(vals(isclose(a, b, 1e-5, 1e-8, true)), V({1, 0, 1, 0, 1, 1, 0, 1, 1, 0}));
  // Tolerances: |a - b| <= atol + rtol * |b|.
  EXPECT_EQ(vals(isclose(array({1.0f, 1.0f}), array({1.05f, 1.2f}), 0.1, 0.0)), V({1, 0}));
  EXPECT_EQ(vals(isclose(array({0.0f, 0.0f}), array({0.4f, 0.6f}), 0.0, 0.5)), V({1, 0}));
  // Broadcasting, and each float dtype.
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    const array c = isclose(arr(V{1, 2, 3}, {3, 1}, t), arr(V{1, 2.5}, {1, 2}, t));
    EXPECT_EQ(c.shape(), Shape({3, 2})) << t;
    EXPECT_EQ(vals(c), V({1, 0, 0, 0, 0, 0})) << t;
  }
  // Integers compare as numbers: no wrap-around in the difference.
  EXPECT_EQ(vals(isclose(array({1, 2, 200}, uint8), array({2, 2, 100}, uint8))), V({0, 1, 0}));
  EXPECT_EQ(vals(isclose(array({3}, int32), array({3.0f}))), V({1}));
  EXPECT_EQ(vals(isclose(arr(std::vector<int64_t>{(int64_t{1} << 40) + 1}, {1}, int64),
                         arr(std::vector<int64_t>{int64_t{1} << 40}, {1}, int64), 0.0, 0.0)),
            V({0}));
  EXPECT_EQ(isclose(zeros({0}), zeros({0})).shape(), Shape({0}));
}

TEST(ReduceClose, AllCloseAndArrayEqual) {
  EXPECT_TRUE(allclose(array({1.0f, 2.0f}), array({1.0f, 2.000001f})));
  EXPECT_FALSE(allclose(array({1.0f, 2.0f}), array({1.0f, 2.1f})));
  EXPECT_TRUE(allclose(array({1.0f, 2.0f}), array({1.5f, 2.5f}), 0.0, 0.5));
  EXPECT_FALSE(allclose(array({NAN}), array({NAN})));
  EXPECT_TRUE(allclose(array({NAN}), array({NAN}), 1e-5, 1e-8, true));
  EXPECT_TRUE(allclose(array({1.0f, 1.0f}), array({1.0f})));  // broadcasting
  EXPECT_FALSE(allclose(array({1.0f, 2.0f}), array({1.0f})));
  EXPECT_TRUE(allclose(zeros({0}), zeros({0})));

  EXPECT_TRUE(array_equal(array({1, 2, 3}), array({1, 2, 3})));
  EXPECT_FALSE(array_equal(array({1, 2, 3}), array({1, 2, 4})));
  EXPECT_FALSE(array_equal(array({1, 2}), array({1, 2, 3})));           // shapes differ
  EXPECT_FALSE(array_equal(array({1, 1}), arr(V{1, 1}, {2, 1})));     // broadcastable is not enough
  EXPECT_TRUE(array_equal(array({1, 2}, int32), array({1.0f, 2.0f})));  // compared after promotion
  EXPECT_TRUE(array_equal(array({1, 0}, uint8), array({true, false})));
  EXPECT_FALSE(array_equal(array({1.0f, NAN}), array({1.0f, NAN})));
  EXPECT_TRUE(array_equal(array({1.0f, NAN}), array({1.0f, NAN}), true));
  EXPECT_FALSE(array_equal(array({1.0f, NAN}), array({1.0f, 2.0f}), true));
  EXPECT_TRUE(array_equal(zeros({0, 2}), zeros({0, 2}, int32)));
  EXPECT_FALSE(array_equal(zeros({0, 2}), zeros({2, 0})));
  EXPECT_TRUE(array_equal(array(2.0f), array(2, int32)));
  const array x = input({3, 4}, float32, 1);
  EXPECT_TRUE(array_equal(transpose(transpose(x)), x));
  EXPECT_FALSE(array_equal(transpose(x), x));
}

// ---- the primitives themselves ----

TEST(Reduce, NodesCarryTheirState) {
  const array x = zeros({2, 3, 4});
  const array s = sum(x, {-1, 0}, true);
  ASSERT_TRUE(s.has_node());
  std::ostringstream os;
  s.node()->primitive->print(os);
  EXPECT_EQ(os.str(), "Sum([0,2], 1)");
  EXPECT_STREQ(max(x, 1).node()->primitive->name(), "Max");
  EXPECT_STREQ(any(x, 1).node()->primitive->name(), "Any");
  EXPECT_STREQ(argmin(x, 1).node()->primitive->name(), "ArgMin");
  std::ostringstream os2;
  argmax(x, true).node()->primitive->print(os2);
  EXPECT_EQ(os2.str(), "ArgMax(-1, 1)");
  // Same op and state: equivalent; different state or op: not.
  EXPECT_TRUE(sum(x, {0}).node()->primitive->is_equivalent(*sum(x, {0}).node()->primitive));
  EXPECT_FALSE(sum(x, {0}).node()->primitive->is_equivalent(*sum(x, {1}).node()->primitive));
  EXPECT_FALSE(sum(x, {0}).node()->primitive->is_equivalent(*prod(x, {0}).node()->primitive));
}

TEST(Reduce, StateRoundTripsThroughTheRegistryAndIsChecked) {
  const array x = zeros({2, 3, 4});
  const array nel = mean(x, {0, 2}).inputs()[1];  // the divisor
  for (const array& y : {sum(x, {0, 2}, true), prod(x, 1), max(x, {-1}), min(x, {0, 1}), all(x, 2, true), any(x),
                         argmax(x, 1, true), argmin(x), nel}) {
    const Primitive& p = *y.node()->primitive;
    StateWriter w;
    p.write_state(w);
    StateReader r(w.bytes().data(), w.bytes().size(), p.name());
    const auto q = primitive_registry().entries().at(p.name()).factory(r);
    EXPECT_TRUE(q->is_equivalent(p)) << p.name();
    EXPECT_EQ(q->output_shapes({x}), std::vector<Shape>{y.shape()}) << p.name();
    EXPECT_EQ(q->output_dtypes({x}), std::vector<Dtype>{y.dtype()}) << p.name();
  }
  // State read from a file is checked against the input, not trusted.
  auto rebuilt = [](const char* name, const auto& state) {
    StateWriter w;
    w.write_all(state);
    StateReader r(w.bytes().data(), w.bytes().size(), name);
    return primitive_registry().entries().at(name).factory(r);
  };
  EXPECT_THAT(error_of([&] { rebuilt("Sum", std::tuple(std::vector<int>{3}, false))->output_shapes({x}); }),
              HasSubstr("[sum] invalid axes"));
  EXPECT_THAT(error_of([&] { rebuilt("Max", std::tuple(std::vector<int>{1, 1}, false))->output_shapes({x}); }),
              HasSubstr("[max] invalid axes"));
  EXPECT_THAT(error_of([&] { rebuilt("Any", std::tuple(std::vector<int>{-1}, false))->output_shapes({x}); }),
              HasSubstr("[any] invalid axes"));
  EXPECT_THAT(error_of([&] { rebuilt("ArgMax", std::tuple(3, false))->output_shapes({x}); }),
              HasSubstr("[argmax] axis 3 is out of range"));
  EXPECT_THAT(error_of([&] { rebuilt("ArgMin", std::tuple(-2, false))->output_shapes({x}); }),
              HasSubstr("[argmin] axis -2 is out of range"));
  EXPECT_THAT(error_of([&] {
                rebuilt("NumberOfElements", std::tuple(std::vector<int>{3}, true, float32))->output_shapes({x});
              }),
              HasSubstr("[number_of_elements] axis 3 is out of range"));
}

TEST(ReduceStats, CountsComeFromTheShapeAtEvaluation) {
  // mean and var divide by a NumberOfElements node, not by a constant, so a graph replayed on another
  // shape (shapeless export) divides by the new count.
  const array m = mean(zeros({2, 3}), 1);
  ASSERT_TRUE(m.has_node());
  bool found = false;
  for (const array& in : m.inputs())
    if (in.has_node() && std::string(in.node()->primitive->name()) == "NumberOfElements") found = true;
  EXPECT_TRUE(found);
  StateWriter w;
  w.write_all(std::tuple(std::vector<int>{0, 2}, true, float64));
  StateReader r(w.bytes().data(), w.bytes().size(), "NumberOfElements");
  const auto p = primitive_registry().entries().at("NumberOfElements").factory(r);
  for (const Shape& s : {Shape{4, 5, 2}, Shape{1, 7, 3}, Shape{0, 1, 2}}) {
    array out = array::make_outputs(p, {zeros(s)}, p->output_shapes({zeros(s)}), p->output_dtypes({zeros(s)}))[0];
    EXPECT_EQ(out.shape(), Shape{});
    EXPECT_EQ(out.dtype(), float64);
    EXPECT_DOUBLE_EQ(out.item<double>(), 1.0 / static_cast<double>(s[0] * s[2])) << shape_str(s);
  }
}

TEST(Reduce, KernelsRejectEmptyMaxReductionsFromImportedGraphs) {
  // A graph from a file can skip the op builder's check; the kernel still refuses, without crashing.
  const array e = zeros({0, 2});
  auto node_output = [&](const char* name, const auto& state, Shape out_shape, Dtype dt) {
    StateWriter w;
    w.write_all(state);
    StateReader r(w.bytes().data(), w.bytes().size(), name);
    auto p = primitive_registry().entries().at(name).factory(r);
    return array::make_outputs(p, {e}, {std::move(out_shape)}, {dt})[0];
  };
  EXPECT_THAT(error_of([&] { node_output("Max", std::tuple(std::vector<int>{0}, false), {2}, float32).eval(); }),
              HasSubstr("[max] cannot reduce over an empty axis"));
  EXPECT_THAT(error_of([&] { node_output("ArgMin", std::tuple(0, false), {2}, uint32).eval(); }),
              HasSubstr("[argmin] cannot reduce over an empty axis"));
}
