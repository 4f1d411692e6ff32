// matmul and addmm against a plain triple loop in double (numpy semantics written out independently here).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "cpu/copy.h"
#include "export_test_util.h"
#include "ingot/export.h"
#include "ingot/ingot.h"
#include "prims/primitive.h"

using namespace ingot;
using ingot::testing::error_of;
using ::testing::HasSubstr;

namespace {

struct Ref {
  std::vector<double> v;
  Shape shape;
};

// numpy's matmul: 1-D operands become (1, K) / (K, 1) and those dimensions are dropped from the result.
Ref ref_matmul(const std::vector<double>& A, Shape as, const std::vector<double>& B, Shape bs) {
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  const size_t na = as.size() - 2, nb = bs.size() - 2, nd = std::max(na, nb);
  Shape batch(nd), ab(nd, 1), bb(nd, 1);
  for (size_t i = 0; i < na; ++i) ab[nd - na + i] = as[i];
  for (size_t i = 0; i < nb; ++i) bb[nd - nb + i] = bs[i];
  int64_t count = 1;
  for (size_t i = 0; i < nd; ++i) batch[i] = std::max(ab[i], bb[i]), count *= batch[i];
  Ref r;
  r.v.assign(static_cast<size_t>(count * M * N), 0.0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t rem = n, ao = 0, bo = 0, astep = 1, bstep = 1;
    for (int d = static_cast<int>(nd) - 1; d >= 0; --d) {
      const int64_t i = rem % batch[d];
      rem /= batch[d];
      ao += (ab[d] == 1 ? 0 : i) * astep;
      bo += (bb[d] == 1 ? 0 : i) * bstep;
      astep *= ab[d], bstep *= bb[d];
    }
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += A[(ao * M + i) * K + k] * B[(bo * K + k) * N + j];
        r.v[(n * M + i) * N + j] = s;
      }
  }
  r.shape = batch;
  if (!a_vec) r.shape.push_back(M);
  if (!b_vec) r.shape.push_back(N);
  return r;
}

// A strided view (Python's a[start:stop:step] per axis).
array window(const array& a, const Shape& start, const Shape& stop, const Shape& step = {}) {
  return slice(a, start, stop, step.empty() ? std::nullopt : std::optional<Shape>(step));
}

// The logical elements of any layout, row-major, as double.
std::vector<double> values(array x) {
  x.eval();
  std::vector<double> out(static_cast<size_t>(x.size()));
  cpu::copy_to_row_major(x, out.data(), float64);
  return out;
}

array random_array(const Shape& shape, Dtype dtype, uint32_t seed, double lo = -1, double hi = 1,
                   bool integral = false) {
  std::mt19937 gen(seed);
  int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<double> v(static_cast<size_t>(n));
  if (integral) {
    std::uniform_int_distribution<int64_t> dist(static_cast<int64_t>(lo), static_cast<int64_t>(hi));
    for (auto& x : v) x = static_cast<double>(dist(gen));
  } else {
    std::uniform_real_distribution<double> dist(lo, hi);
    for (auto& x : v) x = dist(gen);
  }
  return array(v, shape, dtype);
}

void expect_matches(const array& out, const Ref& r, double tol) {
  ASSERT_EQ(out.shape(), r.shape);
  auto got = values(out);
  ASSERT_EQ(got.size(), r.v.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], r.v[i], tol * (1 + std::abs(r.v[i]))) << "at " << i;
}

// matmul(a, b) against the reference on the operands' logical values.
void check_matmul(const array& a, const array& b, double tol = 1e-5) {
  Ref r = ref_matmul(values(a), a.shape(), values(b), b.shape());
  array out = matmul(a, b);
  EXPECT_FALSE(out.is_evaluated());
  EXPECT_EQ(out.dtype(), promote_types(a.dtype(), b.dtype()));
  expect_matches(out, r, tol);
}

array f32(const Shape& s, uint32_t seed) { return random_array(s, float32, seed); }

}  // namespace

TEST(Matmul, HandComputed) {
  array a(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  array b(std::vector<float>{7, 8, 9, 10, 11, 12}, {3, 2});
  array c = matmul(a, b);
  c.eval();
  ASSERT_EQ(c.shape(), (Shape{2, 2}));
  const float want[] = {58, 64, 139, 154};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.data<float>()[i], want[i]);
  // a^T a, through a transposed view: [[17,22,27],[22,29,36],[27,36,45]].
  array g = matmul(transpose(a), a);
  g.eval();
  const float wg[] = {17, 22, 27, 22, 29, 36, 27, 36, 45};
  auto gv = values(g);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(gv[i], wg[i]);
}

TEST(Matmul, OneByOne) {
  check_matmul(f32({1, 1}, 1), f32({1, 1}, 2));
  check_matmul(f32({1}, 3), f32({1}, 4));
  check_matmul(f32({1, 1}, 5), f32({1}, 6));
}

TEST(Matmul, Vectors) {
  check_matmul(f32({7}, 1), f32({7}, 2));         // dot: a 0-d result
  check_matmul(f32({7}, 3), f32({7, 5}, 4));      // (5,)
  check_matmul(f32({5, 7}, 5), f32({7}, 6));      // (5,)
  check_matmul(f32({7}, 7), f32({3, 7, 5}, 8));   // (3,5)
  check_matmul(f32({2, 3, 5, 7}, 9), f32({7}, 10));  // (2,3,5)
  EXPECT_EQ(matmul(f32({7}, 1), f32({7}, 2)).shape(), Shape{});
}

TEST(Matmul, RowTimesMatrixIsGemv) {
  check_matmul(f32({1, 300}, 1), f32({300, 129}, 2), 1e-4);
  check_matmul(f32({300}, 3), f32({300, 129}, 4), 1e-4);
  // The weight as a transposed view (x @ W.T, a linear layer): no copy, BLAS reads it transposed.
  check_matmul(f32({1, 300}, 5), transpose(f32({129, 300}, 6)), 1e-4);
  // Single column on the right, plain and transposed.
  check_matmul(f32({129, 300}, 7), f32({300, 1}, 8), 1e-4);
  check_matmul(transpose(f32({300, 129}, 9)), f32({300}, 10), 1e-4);
  // A strided row (every third element) and a strided column.
  check_matmul(window(f32({2, 90}, 11), {1, 0}, {2, 90}, Shape{1, 3}), f32({30, 17}, 12));
  check_matmul(f32({17, 30}, 13), window(f32({90, 2}, 14), {0, 1}, {90, 2}, Shape{3, 1}));
  // Reversed vectors (negative strides) are gathered first.
  check_matmul(window(f32({30}, 15), {29}, {-31}, Shape{-1}), f32({30, 17}, 16));
  check_matmul(f32({17, 30}, 17), window(f32({30}, 18), {29}, {-31}, Shape{-1}));
}

TEST(Matmul, TallAndWide) {
  check_matmul(f32({200, 3}, 1), f32({3, 2}, 2));
  check_matmul(f32({2, 3}, 3), f32({3, 200}, 4));
  check_matmul(f32({5, 300}, 5), f32({300, 7}, 6), 1e-4);
  check_matmul(f32({64, 80}, 7), f32({80, 96}, 8), 1e-4);
}

TEST(Matmul, BatchBroadcast) {
  check_matmul(f32({2, 1, 3, 4}, 1), f32({5, 4, 2}, 2));  // (2,5,3,2)
  EXPECT_EQ(matmul(f32({2, 1, 3, 4}, 1), f32({5, 4, 2}, 2)).shape(), (Shape{2, 5, 3, 2}));
  check_matmul(f32({3, 4}, 3), f32({2, 4, 5}, 4));          // a shared across the batch
  check_matmul(f32({2, 3, 4}, 5), f32({4, 5}, 6));          // b shared: one folded product
  check_matmul(f32({2, 3, 1, 4}, 7), f32({4, 5}, 8));       // folded rows of one
  check_matmul(f32({2, 3, 4}, 9), f32({1, 4, 5}, 10));
  check_matmul(f32({4, 1, 6}, 11), f32({4, 6, 3}, 12));     // a batch of GEMVs
  check_matmul(f32({4, 6, 3}, 13), f32({4, 3, 1}, 14));
  check_matmul(random_array({2, 1, 3, 4}, float64, 15), random_array({5, 4, 2}, float64, 16), 1e-12);
}

TEST(Matmul, NonContiguousOperands) {
  // Transposed views on either or both sides, read by BLAS as transposes.
  check_matmul(transpose(f32({9, 6}, 1)), f32({9, 5}, 2));
  check_matmul(f32({6, 9}, 3), transpose(f32({5, 9}, 4)));
  check_matmul(transpose(f32({9, 6}, 5)), transpose(f32({5, 9}, 6)));
  // Batched transposes, with the batch stride of a non-dense (swapped) layout.
  check_matmul(swapaxes(f32({3, 9, 6}, 7), 1, 2), f32({3, 9, 5}, 8));
  check_matmul(transpose(f32({6, 3, 9}, 9), {1, 0, 2}), f32({9, 5}, 10));  // batch not foldable
  // Sliced windows: row strides larger than the row, column steps (gathered), reversed rows.
  check_matmul(window(f32({10, 12}, 11), {1, 2}, {7, 9}), f32({7, 4}, 12));
  check_matmul(window(f32({10, 12}, 13), {0, 0}, {10, 12}, Shape{2, 3}), f32({4, 3}, 14));
  check_matmul(f32({3, 5}, 15), window(f32({5, 8}, 16), {4, 7}, {-6, -9}, Shape{-1, -2}));
  // Broadcast views with zero strides inside the matrix.
  check_matmul(broadcast_to(f32({1, 6}, 17), {4, 6}), f32({6, 3}, 18));
  check_matmul(f32({4, 6}, 19), broadcast_to(f32({6, 1}, 20), {6, 3}));
  check_matmul(broadcast_to(f32({1, 4, 6}, 21), {3, 4, 6}), f32({6, 3}, 22));
  // The same views on float64, float16 and an integer type.
  for (Dtype t : {float64, float16, bfloat16, int32}) {
    SCOPED_TRACE(dtype_name(t));
    const bool half = t == float16 || t == bfloat16;
    const double tol = half ? 2e-2 : 1e-9;
    array a = random_array({9, 6}, t, 23, -3, 3, true), b = random_array({5, 9}, t, 24, -3, 3, true);
    check_matmul(transpose(a), transpose(b), tol);
    check_matmul(window(random_array({10, 12}, t, 25, -3, 3, true), {0, 0}, {10, 12}, Shape{2, 3}),
                 window(random_array({8, 6}, t, 26, -3, 3, true), {7, 5}, {-9, -7}, Shape{-2, -1}), tol);
  }
}

TEST(Matmul, EveryDtype) {
  // Small integers: exact in every dtype and in float16/bfloat16 sums of a few products.
  for (Dtype t : kAllDtypes) {
    SCOPED_TRACE(dtype_name(t));
    const bool is_bool = t == bool_;
    const double lo = is_bool || is_unsigned(t) ? 0 : -3, hi = is_bool ? 1 : 3;
    for (auto [as, bs] : std::vector<std::pair<Shape, Shape>>{
             {{3, 4}, {4, 5}}, {{1, 6}, {6, 4}}, {{4, 6}, {6}}, {{2, 1, 3, 4}, {5, 4, 2}}, {{2, 3, 4}, {4, 5}}}) {
      array a = random_array(as, t, 1, lo, hi, true), b = random_array(bs, t, 2, lo, hi, true);
      Ref r = ref_matmul(values(a), as, values(b), bs);
      if (is_bool)
        for (auto& x : r.v) x = x != 0;  // or-of-and
      array out = matmul(a, b);
      EXPECT_EQ(out.dtype(), t);
      expect_matches(out, r, 0);
    }
  }
}

TEST(Matmul, ResultDtypePromotes) {
  EXPECT_EQ(matmul(array({1, 2}, int8), array({1.f, 2.f})).dtype(), float32);
  EXPECT_EQ(matmul(array({1, 2}, int32), array({1, 2}, uint8)).dtype(), int32);
  EXPECT_EQ(matmul(array({true, false}), array({1, 2}, int8)).dtype(), int8);
  EXPECT_EQ(matmul(array({1.f, 2.f}, float16), array({1.f, 2.f}, bfloat16)).dtype(), float32);
  EXPECT_EQ(matmul(array({1.f, 2.f}), array({1.f, 2.f}, float64)).dtype(), float64);
  array m = matmul(array({1, 2, 3}, int8), array({0.5f, 0.25f, 2.0f}));
  EXPECT_DOUBLE_EQ(m.item<double>(), 0.5 + 0.5 + 6.0);
}

TEST(Matmul, IntegersWrapAround) {
  // int8: 100*100 + 100*100 = 20000 = 78 * 256 + 32.
  array a(std::vector<int>{100, 100}, {1, 2}, int8), b(std::vector<int>{100, 100}, {2, 1}, int8);
  EXPECT_EQ(matmul(a, b).item<int64_t>(), 32);
  array ua(std::vector<int>{200, 3}, {1, 2}, uint8), ub(std::vector<int>{200, 1}, {2, 1}, uint8);
  EXPECT_EQ(matmul(ua, ub).item<int64_t>(), (200 * 200 + 3) % 256);
  // uint16: products above 2^31 must wrap, not overflow a signed int.
  array wa(std::vector<int>{65535, 65535}, {2}, uint16);
  EXPECT_EQ(matmul(wa, wa).item<int64_t>(), (2 * 65535LL * 65535LL) % 65536);
  // int64 wraps modulo 2^64.
  const int64_t big = int64_t{1} << 62;
  array la(std::vector<int64_t>{big, big, 3}, {3}, int64), lb(std::vector<int64_t>{4, 2, -5}, {3}, int64);
  const uint64_t want = uint64_t(big) * 4 + uint64_t(big) * 2 + uint64_t(int64_t{-15});
  EXPECT_EQ(matmul(la, lb).item<int64_t>(), static_cast<int64_t>(want));
  // int32 on a larger problem against a wrapping reference.
  array ia = random_array({7, 40}, int32, 3, -100000, 100000, true);
  array ib = random_array({40, 9}, int32, 4, -100000, 100000, true);
  auto av = values(ia), bv = values(ib);
  array out = matmul(ia, ib);
  out.eval();
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 9; ++j) {
      uint32_t s = 0;
      for (int k = 0; k < 40; ++k)
        s += static_cast<uint32_t>(static_cast<int32_t>(av[i * 40 + k])) *
             static_cast<uint32_t>(static_cast<int32_t>(bv[k * 9 + j]));
      EXPECT_EQ(out.data<int32_t>()[i * 9 + j], static_cast<int32_t>(s));
    }
}

TEST(Matmul, HalfPrecisionRoundsOnce) {
  // Accumulated in float32 and narrowed once: 1 + 2^-11 * 8 terms is representable in float32 but
  // each step would round away in float16.
  std::vector<float> ones(9, 1.0f), small(9, 1.0f / 2048);
  small[0] = 1.0f;
  array a(ones, {1, 9}, float16), b(small, {9, 1}, float16);
  EXPECT_FLOAT_EQ(matmul(a, b).item<float>(), 1.00390625f);  // 1 + 8/2048, exact in float16
}

TEST(Matmul, EmptyDimensions) {
  for (Dtype t : {float32, float64, float16, int32, bool_}) {
    SCOPED_TRACE(dtype_name(t));
    array z = matmul(zeros({2, 0}, t), zeros({0, 3}, t));  // K = 0: a sum of nothing
    ASSERT_EQ(z.shape(), (Shape{2, 3}));
    for (double v : values(z)) EXPECT_EQ(v, 0.0);
    EXPECT_EQ(matmul(zeros({0, 3}, t), zeros({3, 4}, t)).shape(), (Shape{0, 4}));
    EXPECT_EQ(values(matmul(zeros({0, 3}, t), zeros({3, 4}, t))).size(), 0u);
    EXPECT_EQ(values(matmul(zeros({3, 4}, t), zeros({4, 0}, t))).size(), 0u);
    EXPECT_EQ(matmul(zeros({0, 2, 3}, t), zeros({3, 4}, t)).shape(), (Shape{0, 2, 4}));
    EXPECT_EQ(values(matmul(zeros({0, 2, 3}, t), zeros({3, 4}, t))).size(), 0u);
    EXPECT_EQ(matmul(zeros({0}, t), zeros({0}, t)).item<double>(), 0.0);
  }
}

TEST(Matmul, Errors) {
  std::string m = error_of([] { matmul(zeros({2, 3}), zeros({4, 5})); });
  EXPECT_THAT(m, HasSubstr("[matmul]"));
  EXPECT_THAT(m, HasSubstr("(2,3)"));
  EXPECT_THAT(m, HasSubstr("(4,5)"));
  m = error_of([] { matmul(zeros({3}), zeros({4})); });
  EXPECT_THAT(m, HasSubstr("[matmul]"));
  EXPECT_THAT(m, HasSubstr("(3,)"));
  EXPECT_THAT(m, HasSubstr("(4,)"));
  m = error_of([] { matmul(array(1.0f), zeros({3})); });
  EXPECT_THAT(m, HasSubstr("[matmul]"));
  EXPECT_THAT(m, HasSubstr("at least one dimension"));
  m = error_of([] { matmul(zeros({3}), array(1.0f)); });
  EXPECT_THAT(m, HasSubstr("[matmul]"));
  m = error_of([] { matmul(zeros({2, 3, 4}), zeros({5, 4, 2})); });
  EXPECT_THAT(m, HasSubstr("[matmul]"));
  EXPECT_THAT(m, HasSubstr("batch"));
  EXPECT_THAT(m, HasSubstr("(2,3,4)"));
  EXPECT_THAT(m, HasSubstr("(5,4,2)"));
  m = error_of([] { matmul(array(), zeros({3})); });
  EXPECT_THAT(m, HasSubstr("empty array handle"));
}

TEST(AddMM, BroadcastCAlphaBeta) {
  array a = f32({4, 6}, 1), b = f32({6, 5}, 2);
  Ref p = ref_matmul(values(a), {4, 6}, values(b), {6, 5});
  for (Shape cs : {Shape{4, 5}, Shape{5}, Shape{4, 1}, Shape{1, 5}, Shape{}}) {
    SCOPED_TRACE(shape_str(cs));
    array c = f32(cs, 3);
    auto cv = values(c);
    Ref r = p;
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 5; ++j) {
        const int64_t ci =
            cs.size() == 2 ? (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j) : (cs.size() == 1 ? j : 0);
        r.v[i * 5 + j] = 0.5 * cv[ci] + 2.0 * p.v[i * 5 + j];
      }
    array out = addmm(c, a, b, 2.0f, 0.5f);
    EXPECT_EQ(out.dtype(), float32);
    expect_matches(out, r, 1e-5);
  }
  // Defaults alpha = beta = 1.
  array c = f32({4, 5}, 4);
  auto cv = values(c);
  Ref r = p;
  for (size_t i = 0; i < r.v.size(); ++i) r.v[i] += cv[i];
  expect_matches(addmm(c, a, b), r, 1e-5);
}

TEST(AddMM, BatchedVectorsAndViews) {
  // 1-D a: the result is (3, 5) from (3, 6, 5); c broadcasts against that.
  array a = f32({6}, 1), b = f32({3, 6, 5}, 2), c = f32({5}, 3);
  Ref p = ref_matmul(values(a), {6}, values(b), {3, 6, 5});
  auto cv = values(c);
  for (size_t i = 0; i < p.v.size(); ++i) p.v[i] = -1.5 * p.v[i] + 3.0 * cv[i % 5];
  expect_matches(addmm(c, a, b, -1.5f, 3.0f), p, 1e-5);
  // Transposed operands and a transposed c.
  array at = transpose(f32({6, 4}, 4)), bt = transpose(f32({5, 6}, 5)), ct = transpose(f32({5, 4}, 6));
  Ref q = ref_matmul(values(at), {4, 6}, values(bt), {6, 5});
  auto ctv = values(ct);
  for (size_t i = 0; i < q.v.size(); ++i) q.v[i] += 0.25 * ctv[i];
  expect_matches(addmm(ct, at, bt, 1.0f, 0.25f), q, 1e-5);
  // M = 1 goes through GEMV with beta.
  array x = f32({1, 64}, 7), w = f32({64, 32}, 8), bias = f32({32}, 9);
  Ref g = ref_matmul(values(x), {1, 64}, values(w), {64, 32});
  auto bv = values(bias);
  for (size_t i = 0; i < g.v.size(); ++i) g.v[i] = 2.0 * g.v[i] + 0.5 * bv[i];
  expect_matches(addmm(bias, x, w, 2.0f, 0.5f), g, 1e-5);
}

TEST(AddMM, Dtypes) {
  for (Dtype t : {float64, float16, bfloat16}) {
    SCOPED_TRACE(dtype_name(t));
    array a = random_array({3, 4}, t, 1, -3, 3, true), b = random_array({4, 2}, t, 2, -3, 3, true);
    array c = random_array({2}, t, 3, -3, 3, true);
    Ref r = ref_matmul(values(a), {3, 4}, values(b), {4, 2});
    auto cv = values(c);
    for (size_t i = 0; i < r.v.size(); ++i) r.v[i] = 2 * r.v[i] + 0.5 * cv[i % 2];
    array out = addmm(c, a, b, 2.0f, 0.5f);
    EXPECT_EQ(out.dtype(), t);
    expect_matches(out, r, 0);  // small integers and halves: exact
  }
  // Mixed operands promote: float16 c with float32 a and b gives float32.
  EXPECT_EQ(addmm(zeros({2}, float16), zeros({2, 3}), zeros({3, 2})).dtype(), float32);
  EXPECT_EQ(addmm(zeros({2}, int32), zeros({2, 3}, float16), zeros({3, 2}, float16)).dtype(), float16);
}

TEST(AddMM, BetaZeroIgnoresCAndKZeroGivesBetaC) {
  array nan_c = full({2, 2}, std::numeric_limits<float>::quiet_NaN());
  array a(std::vector<float>{1, 2, 3, 4}, {2, 2});
  auto out = values(addmm(nan_c, a, a, 1.0f, 0.0f));
  const double want[] = {7, 10, 15, 22};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], want[i]);
  array c(std::vector<float>{1, 2, 3}, {3});
  auto k0 = values(addmm(c, zeros({2, 0}), zeros({0, 3}), 5.0f, 2.0f));
  ASSERT_EQ(k0.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(k0[i], 2.0 * (i % 3 + 1));
  EXPECT_EQ(addmm(zeros({3}), zeros({0, 2}), zeros({2, 3})).shape(), (Shape{0, 3}));
}

TEST(AddMM, Errors) {
  std::string m = error_of([] { addmm(zeros({4}), zeros({2, 3}), zeros({3, 5})); });
  EXPECT_THAT(m, HasSubstr("[addmm]"));
  EXPECT_THAT(m, HasSubstr("(4,)"));
  m = error_of([] { addmm(zeros({3, 2, 5}), zeros({2, 3}), zeros({3, 5})); });  // c larger than the product
  EXPECT_THAT(m, HasSubstr("[addmm]"));
  EXPECT_THAT(m, HasSubstr("(3,2,5)"));
  m = error_of([] { addmm(zeros({5}), zeros({2, 3}), zeros({4, 5})); });
  EXPECT_THAT(m, HasSubstr("[addmm]"));
  EXPECT_THAT(m, HasSubstr("(2,3)"));
  EXPECT_THAT(m, HasSubstr("(4,5)"));
  m = error_of([] { addmm(zeros({5}, int32), zeros({2, 3}, int32), zeros({3, 5}, int32)); });
  EXPECT_THAT(m, HasSubstr("[addmm]"));
  EXPECT_THAT(m, HasSubstr("floating point"));
  m = error_of([] { addmm(zeros({5}), array(1.0f), zeros({3, 5})); });
  EXPECT_THAT(m, HasSubstr("[addmm]"));
  EXPECT_THAT(m, HasSubstr("at least one dimension"));
}

TEST(MatmulState, RoundTripsThroughTheRegistry) {
  const Arrays outs = {matmul(f32({2, 3}, 1), f32({3, 4}, 2)),
                       addmm(f32({4}, 3), f32({2, 3}, 4), f32({3, 4}, 5), 0.5f, -2.0f)};
  for (const array& y : outs) {
    const Primitive& p = y.primitive();
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
  // Different alpha/beta are different nodes.
  array a = f32({2, 2}, 6);
  EXPECT_FALSE(addmm(a, a, a, 1.0f, 2.0f).primitive().is_equivalent(addmm(a, a, a, 2.0f, 1.0f).primitive()));
  // Inputs a hostile file could pair with these primitives are refused before any kernel runs.
  const Primitive& mm = outs[0].primitive();
  EXPECT_ANY_THROW(mm.check_inputs({f32({2, 3}, 1)}));
  EXPECT_ANY_THROW(mm.check_inputs({f32({2, 3}, 1), zeros({3, 4}, int32)}));
  EXPECT_ANY_THROW(mm.output_shapes({f32({2, 3}, 1), f32({4, 4}, 2)}));
  const Primitive& am = outs[1].primitive();
  EXPECT_ANY_THROW(am.output_shapes({zeros({2, 3}, int32), zeros({3, 4}, int32), zeros({4}, int32)}));
  EXPECT_ANY_THROW(am.output_shapes({f32({2, 3}, 1), f32({3, 4}, 2), f32({3}, 3)}));
}

TEST(MatmulExport, ShapelessReplayFollowsTheBatch) {
  ingot::testing::TempDir dir;
  const array w = f32({6, 5}, 1), bias = f32({5}, 2);
  ArgsFunction fn = [&](const Args& a) -> std::vector<array> {
    return {matmul(a[0], w), addmm(bias, a[0], w, 0.5f, 2.0f), matmul(a[0], swapaxes(a[1], -1, -2))};
  };
  export_function(dir.file("mm.ingot"), fn, {f32({3, 6}, 3), f32({4, 6}, 4)}, /*shapeless=*/true);
  ImportedFunction f = import_function(dir.file("mm.ingot"));
  for (auto [x, y] : std::vector<std::pair<array, array>>{{f32({3, 6}, 5), f32({4, 6}, 6)},
                                                          {f32({1, 6}, 7), f32({9, 6}, 8)},
                                                          {f32({7, 6}, 9), f32({2, 6}, 10)}}) {
    SCOPED_TRACE(shape_str(x.shape()) + " " + shape_str(y.shape()));
    auto got = f({x, y});
    auto want = fn({x, y});
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(ingot::testing::same_bits(got[i], want[i])) << i;
  }
}
