// outer, inner, tensordot, einsum and linalg::norm, checked against a brute-force einsum over every
// index assignment (in double) and hand-computed norms.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>

#include "ingot/ingot.h"
#include "test_util.h"

using namespace ingot;
using ingot::testing::numel;
using ingot::testing::Rng;
using ingot::testing::error_of;
using ingot::testing::vals;
using ::testing::HasSubstr;

namespace {

using V = std::vector<double>;
const double kInf = std::numeric_limits<double>::infinity();

// Small integers: every product and sum below is exact in every dtype used.
array ints(const Shape& s, uint64_t seed, Dtype t = float32) {
  Rng r{seed};
  V v(numel(s));
  for (auto& x : v) x = std::floor(r.next() * 7) - 3;
  return array(v, s, t);
}

// Brute force: every assignment of the letters, size-1 dimensions broadcasting. `spec` is explicit
// ("ij,jk->ik", letters only).
V ref_einsum(const std::string& spec, const std::vector<array>& ops, Shape* out_shape) {
  const size_t arrow = spec.find("->");
  std::vector<std::string> ins;
  for (size_t start = 0;;) {
    size_t comma = spec.find(',', start);
    if (comma == std::string::npos || comma > arrow) {
      ins.push_back(spec.substr(start, arrow - start));
      break;
    }
    ins.push_back(spec.substr(start, comma - start));
    start = comma + 1;
  }
  const std::string out = spec.substr(arrow + 2);
  std::map<char, int64_t> size;
  std::vector<V> data;
  for (size_t i = 0; i < ops.size(); ++i) {
    data.push_back(vals(ops[i]));
    for (size_t d = 0; d < ins[i].size(); ++d) size[ins[i][d]] = std::max(size[ins[i][d]], ops[i].shape()[d]);
  }
  std::string letters;
  for (auto [c, n] : size) letters += c;
  out_shape->clear();
  for (char c : out) out_shape->push_back(size[c]);
  V result(numel(*out_shape), 0.0);
  std::map<char, int64_t> at;
  for (char c : letters) at[c] = 0;
  int64_t total = 1;
  for (char c : letters) total *= size[c];
  for (int64_t step = 0; step < total; ++step) {
    double p = 1;
    for (size_t i = 0; i < ops.size(); ++i) {
      int64_t flat = 0;
      for (size_t d = 0; d < ins[i].size(); ++d) {
        const int64_t n = ops[i].shape()[d];
        flat = flat * n + (n == 1 ? 0 : at[ins[i][d]]);
      }
      p *= data[i][flat];
    }
    int64_t o = 0;
    for (char c : out) o = o * size[c] + at[c];
    result[o] += p;
    for (int k = static_cast<int>(letters.size()) - 1; k >= 0; --k) {
      if (++at[letters[k]] < size[letters[k]]) break;
      at[letters[k]] = 0;
    }
  }
  return result;
}

void expect_matches(const array& got, const std::string& ref_spec, const std::vector<array>& ops) {
  Shape s;
  const V want = ref_einsum(ref_spec, ops, &s);
  EXPECT_EQ(got.shape(), s);
  EXPECT_EQ(vals(got), want);  // small integers: exact
}

}  // namespace

TEST(Outer, FlattensAndPromotes) {
  const array a({1.f, 2.f, 3.f}), b({4.f, -5.f});
  const array o = outer(a, b);
  EXPECT_EQ(o.shape(), (Shape{3, 2}));
  EXPECT_EQ(vals(o), (V{4, -5, 8, -10, 12, -15}));
  const array m = reshape(array({1, 2, 3, 4}), {2, 2});
  const array om = outer(m, transpose(m));
  EXPECT_EQ(om.shape(), (Shape{4, 4}));
  EXPECT_EQ(om.dtype(), int32);
  expect_matches(om, "i,j->ij", {flatten(m), flatten(transpose(m))});
  EXPECT_EQ(outer(array(V{1, 2}, {2}, float16), a).dtype(), float32);
  EXPECT_EQ(outer(array(2.f), a).shape(), (Shape{1, 3}));
  EXPECT_EQ(outer(zeros({0}), a).shape(), (Shape{0, 3}));
}

TEST(Inner, LastAxesAndScalars) {
  EXPECT_EQ(vals(inner(array({1.f, 2.f, 3.f}), array({4.f, 5.f, 6.f}))), V{32});
  EXPECT_EQ(inner(array({1.f, 2.f, 3.f}), array({4.f, 5.f, 6.f})).shape(), Shape{});
  const array a = ints({2, 3}, 1), b = ints({4, 3}, 2);
  expect_matches(inner(a, b), "ij,kj->ik", {a, b});
  const array c = ints({2, 2, 3}, 3);
  expect_matches(inner(c, b), "abj,kj->abk", {c, b});
  EXPECT_EQ(vals(inner(array(2.f), array({1.f, 3.f}))), (V{2, 6}));
  EXPECT_THAT(error_of([&] { inner(a, ints({3, 2}, 4)); }),
              HasSubstr("[inner] the last dimensions of shapes (2,3) and (3,2) must match"));
}

TEST(Tensordot, IntegerAxes) {
  const array a = ints({2, 3, 4}, 5), b = ints({3, 4, 5}, 6);
  expect_matches(tensordot(a, b, 2), "ijk,jkl->il", {a, b});
  const array m = ints({4, 5}, 7);
  expect_matches(tensordot(a, m, 1), "ijk,kl->ijl", {a, m});
  expect_matches(tensordot(a, m, 0), "ijk,lm->ijklm", {a, m});
  expect_matches(tensordot(a, ints({2, 3, 4}, 8), 3), "ijk,ijk->", {a, ints({2, 3, 4}, 8)});
  expect_matches(tensordot(a, b), "ijk,jkl->il", {a, b});  // default: 2
}

TEST(Tensordot, AxisLists) {
  const array a = ints({3, 2, 4}, 9), b = ints({4, 5, 3}, 10);
  expect_matches(tensordot(a, b, {0, 2}, {2, 0}), "ijk,kli->jl", {a, b});
  expect_matches(tensordot(a, b, {-1}, {0}), "ijk,klm->ijlm", {a, b});
  expect_matches(tensordot(a, b, {}, {}), "ijk,lmn->ijklmn", {a, b});
  // Non-contiguous operands and an int dtype.
  const array at = transpose(ints({3, 2, 4}, 9, int32)), bt = transpose(ints({4, 5, 3}, 11, int32));
  const array r = tensordot(at, bt, {2, 0}, {0, 2});
  EXPECT_EQ(r.dtype(), int32);
  expect_matches(r, "kji,ilk->jl", {at, bt});
  // An empty contraction gives zeros.
  EXPECT_EQ(vals(tensordot(zeros({2, 0}), zeros({0, 3}), 1)), V(6, 0.0));
}

TEST(Tensordot, Errors) {
  const array a = zeros({2, 3}), b = zeros({3, 4});
  EXPECT_THAT(error_of([&] { tensordot(a, b, -1); }), HasSubstr("[tensordot] axes must be non-negative, got -1"));
  EXPECT_THAT(error_of([&] { tensordot(a, b, 3); }),
              HasSubstr("[tensordot] cannot contract 3 axes of arrays of shapes (2,3) and (3,4)"));
  EXPECT_THAT(error_of([&] { tensordot(a, b, 2); }), HasSubstr("[tensordot] axis"));
  EXPECT_THAT(error_of([&] { tensordot(a, b, {0}, {0, 1}); }),
              HasSubstr("[tensordot] the axes lists (0) and (0,1) must have the same length"));
  EXPECT_THAT(error_of([&] { tensordot(a, b, {0}, {0}); }),
              HasSubstr("[tensordot] axis 0 of shape (2,3) (size 2) does not match axis 0 of shape (3,4) (size 3)"));
  EXPECT_THAT(error_of([&] { tensordot(a, b, {1, 1}, {0, 0}); }), HasSubstr("[tensordot] repeated axis"));
  EXPECT_THAT(error_of([&] { tensordot(a, b, {2}, {0}); }), HasSubstr("[tensordot] axis 2 is out of range"));
}

TEST(Einsum, CommonFormsMatchBruteForce) {
  struct Case {
    std::string spec;
    std::vector<Shape> shapes;
  };
  const std::vector<Case> cases = {
      {"ij->ji", {{3, 4}}},
      {"ij->", {{3, 4}}},
      {"ij->i", {{3, 4}}},
      {"ij->j", {{3, 4}}},
      {"i->i", {{5}}},
      {"ij,jk->ik", {{3, 4}, {4, 5}}},
      {"ij,jk->ki", {{3, 4}, {4, 5}}},
      {"bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}},
      {"bij,bjk->kbi", {{2, 3, 4}, {2, 4, 5}}},
      {"bhqd,bhkd->bhqk", {{2, 2, 3, 4}, {2, 2, 5, 4}}},
      {"i,i->", {{6}, {6}}},
      {"ij,j->i", {{3, 4}, {4}}},
      {"j,ij->i", {{4}, {3, 4}}},
      {"i,j->ij", {{3}, {4}}},
      {"ab,cd->abcd", {{2, 3}, {2, 2}}},
      {"ij,ij->ij", {{3, 4}, {3, 4}}},
      {"ij,ij->", {{3, 4}, {3, 4}}},
      {"bi,bi->b", {{5, 4}, {5, 4}}},
      {"bij,bj->bi", {{2, 3, 4}, {2, 4}}},
      {"ijk,kl->ijl", {{2, 3, 4}, {4, 5}}},
      {"ijk,ik->j", {{2, 3, 4}, {2, 4}}},
      {"ij,jk->k", {{3, 4}, {4, 5}}},
      {"ij,kl->", {{2, 3}, {3, 2}}},
      {"ik,jk->ijk", {{2, 4}, {3, 4}}},
      {",i->i", {{}, {4}}},
      {"ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 2}}},
      {"ij,jk,kl->", {{2, 3}, {3, 4}, {4, 2}}},
      {"i,i,i->i", {{3}, {3}, {3}}},
      {"Ab,bC->AC", {{2, 3}, {3, 4}}},
  };
  uint64_t seed = 100;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.spec);
    Arrays ops;
    for (const auto& s : c.shapes) ops.push_back(ints(s, seed++));
    expect_matches(einsum(c.spec, ops), c.spec, ops);
  }
}

TEST(Einsum, ImplicitOutputAndSpaces) {
  const array a = ints({3, 4}, 1), b = ints({4, 5}, 2);
  expect_matches(einsum("ij,jk", {a, b}), "ij,jk->ik", {a, b});
  expect_matches(einsum("ba", {a}), "ba->ab", {a});  // implicit output is sorted: a transpose
  expect_matches(einsum("ij", {a}), "ij->ij", {a});
  expect_matches(einsum("i,i", {ints({5}, 3), ints({5}, 4)}), "i,i->", {ints({5}, 3), ints({5}, 4)});
  expect_matches(einsum("bA,Ab", {a, transpose(a)}), "bA,Ab->", {a, transpose(a)});
  expect_matches(einsum("zb,bA", {a, b}), "zb,bA->Az", {a, b});  // uppercase sorts first, as numpy
  expect_matches(einsum(" i j , j k -> i k ", {a, b}), "ij,jk->ik", {a, b});
}

TEST(Einsum, EllipsisBroadcasts) {
  const array a = ints({2, 1, 3, 4}, 21), b = ints({5, 4, 2}, 22);
  expect_matches(einsum("...ij,...jk->...ik", {a, b}), "xyij,yjk->xyik", {a, b});
  expect_matches(einsum("...ij,...jk", {a, b}), "xyij,yjk->xyik", {a, b});  // implicit: "..." first
  const array c = ints({3, 4, 6}, 23), d = ints({4, 6}, 24);
  expect_matches(einsum("...i,...i->...", {c, d}), "xyi,yi->xy", {c, d});
  expect_matches(einsum("...i->i", {c}), "xyi->i", {c});  // "..." left out of the output: summed
  expect_matches(einsum("i...->...", {c}), "ixy->xy", {c});
  expect_matches(einsum("...,...->...", {c, d}), "xyz,yz->xyz", {c, d});
  expect_matches(einsum("ij...->ji...", {c}), "ijx->jix", {c});
  // A contracted "..." dimension of size 1 broadcasts against the other operand's.
  const array e = ints({1, 3}, 25), f = ints({4, 3}, 26);
  expect_matches(einsum("...i,...i->i", {e, f}), "xi,xi->i", {e, f});
}

TEST(Einsum, DtypesLayoutsAndEmpty) {
  const array a = ints({3, 4}, 31, int32), b = ints({4, 2}, 32, int32);
  const array r = einsum("ij,jk->ik", {a, b});
  EXPECT_EQ(r.dtype(), int32);
  expect_matches(r, "ij,jk->ik", {a, b});
  EXPECT_EQ(einsum("ij,jk->ik", {astype(a, float16), astype(b, float16)}).dtype(), float16);
  EXPECT_EQ(einsum("ij,jk->ik", {astype(a, float16), astype(b, float32)}).dtype(), float32);
  // Summed forms keep the operands' dtype too (numpy): int8 wraps, bool is any-of.
  const array i8(V{100, 100, 100}, {3}, int8);
  EXPECT_EQ(einsum("i->", {i8}).dtype(), int8);
  EXPECT_EQ(vals(einsum("i->", {i8})), V{44});  // 300 mod 256
  EXPECT_EQ(vals(einsum("i,i->", {i8, array(V{1, 1, 1}, {3}, int8)})), V{44});
  const array bm(std::vector<bool>{true, false, false, false}, {2, 2});
  EXPECT_EQ(einsum("ij,jk->ik", {bm, bm}).dtype(), bool_);
  EXPECT_EQ(vals(einsum("ij->", {bm})), V{1});
  EXPECT_EQ(einsum("ij->", {bm}).dtype(), bool_);
  // Transposed and reversed views.
  const array at = transpose(ints({4, 3}, 33)), bs = slice(ints({4, 6}, 34), {3, 5}, {-5, -7}, Shape{-1, -2});
  expect_matches(einsum("ij,jk->ik", {at, bs}), "ij,jk->ik", {at, bs});
  expect_matches(einsum("ij,kj->ki", {bs, transpose(at)}), "ij,kj->ki", {bs, transpose(at)});
  // Empty contraction and empty free dimensions.
  EXPECT_EQ(vals(einsum("ij,jk->ik", {zeros({2, 0}), zeros({0, 3})})), V(6, 0.0));
  EXPECT_EQ(einsum("ij,jk->ik", {zeros({0, 2}), zeros({2, 3})}).shape(), (Shape{0, 3}));
  EXPECT_EQ(vals(einsum("i,i->", {zeros({0}), zeros({0})})), V{0});
}

TEST(Einsum, Errors) {
  const array m = zeros({2, 3}), v = zeros({3});
  EXPECT_THAT(error_of([&] { einsum("ii->i", {zeros({3, 4})}); }),
              HasSubstr("[einsum] index 'i' is repeated in operand 0 (\"ii\") over axes of sizes 3 and 4"));
  EXPECT_THAT(error_of([&] { einsum("ij,jj->i", {m, zeros({3, 4})}); }), HasSubstr("repeated in operand 1"));
  EXPECT_THAT(error_of([&] { einsum("ij,jk->ik", {m}); }),
              HasSubstr("[einsum] subscripts \"ij,jk->ik\" name 2 operands but 1 were given"));
  EXPECT_THAT(error_of([&] { einsum("ijk->i", {m}); }),
              HasSubstr("[einsum] operand 0 has 2 dimensions but its subscripts \"ijk\" name 3"));
  EXPECT_THAT(error_of([&] { einsum("ij...->i", {v}); }), HasSubstr("[einsum] operand 0 has 1 dimensions"));
  EXPECT_THAT(error_of([&] { einsum("ij,jk->ik", {m, zeros({4, 2})}); }),
              HasSubstr("[einsum] index 'j' has size 3 in one operand and 4 in operand 1 (shape (4,2))"));
  EXPECT_THAT(error_of([&] { einsum("i1->i", {m}); }), HasSubstr("[einsum] invalid character '1'"));
  EXPECT_THAT(error_of([&] { einsum("ij->ik", {m}); }),
              HasSubstr("[einsum] output index 'k' does not appear in any operand"));
  EXPECT_THAT(error_of([&] { einsum("ij->ii", {m}); }), HasSubstr("[einsum] output index 'i' is repeated"));
  EXPECT_THAT(error_of([&] { einsum("ij->j->i", {m}); }),
              HasSubstr("[einsum] subscripts \"ij->j->i\" have more than one '->'"));
  EXPECT_THAT(error_of([&] { einsum("...i...->i", {m}); }), HasSubstr("has more than one ellipsis"));
  EXPECT_THAT(error_of([&] { einsum("i.j->i", {m}); }), HasSubstr("must be part of an ellipsis"));
  EXPECT_THAT(error_of([&] { einsum("ij->i,j", {m}); }),
              HasSubstr("[einsum] the output subscripts \"i,j\" contain a ','"));
  EXPECT_THAT(error_of([&] { einsum("i", {}); }), HasSubstr("[einsum] needs at least one operand"));
  EXPECT_THAT(error_of([&] { einsum("...i,...i->...", {zeros({2, 3}), zeros({4, 3})}); }),
              HasSubstr("[einsum] the '...' dimensions of the operands cannot be broadcast together (sizes 2 and 4)"));
}

TEST(Norm, VectorOrds) {
  const array x({3.f, -4.f, 0.f, 1.f});
  EXPECT_NEAR(linalg::norm(x).item<float>(), std::sqrt(26.0), 1e-5);
  EXPECT_NEAR(linalg::norm(x, 2.0).item<float>(), std::sqrt(26.0), 1e-5);
  EXPECT_EQ(linalg::norm(x, 1.0).item<float>(), 8.0f);
  EXPECT_EQ(linalg::norm(x, kInf).item<float>(), 4.0f);
  EXPECT_EQ(linalg::norm(x, -kInf).item<float>(), 0.0f);
  EXPECT_EQ(linalg::norm(x, 0.0).item<float>(), 3.0f);  // nonzeros
  EXPECT_NEAR(linalg::norm(x, 3.0).item<float>(), std::cbrt(27.0 + 64 + 0 + 1), 1e-5);
  EXPECT_EQ(linalg::norm(x, -1.0).item<float>(), 0.0f);  // a zero entry: 1 / inf
  EXPECT_NEAR(linalg::norm(array({1.f, 2.f, 4.f}), -1.0).item<float>(), 1.0 / (1 + 0.5 + 0.25), 1e-6);
  EXPECT_NEAR(linalg::norm(x, 0.5).item<float>(), std::pow(std::sqrt(3.0) + 2 + 1, 2), 1e-4);
  EXPECT_EQ(linalg::norm(x).dtype(), float32);
  EXPECT_EQ(linalg::norm(x).shape(), Shape{});
}

TEST(Norm, AxesKeepdimsAndBatches) {
  const array m = reshape(array({1.f, -2.f, 3.f, -4.f, 5.f, -6.f}), {2, 3});
  const array r = linalg::norm(m, 1);  // int: an axis, as MLX
  EXPECT_EQ(r.shape(), Shape{2});
  const V rv = vals(r);
  EXPECT_NEAR(rv[0], std::sqrt(14.0), 1e-5);
  EXPECT_NEAR(rv[1], std::sqrt(77.0), 1e-5);
  EXPECT_EQ(linalg::norm(m, -1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(vals(linalg::norm(m, 1.0, 0)), (V{5, 7, 9}));
  EXPECT_EQ(linalg::norm(m, 1.0, 0, true).shape(), (Shape{1, 3}));
  EXPECT_EQ(vals(linalg::norm(m, kInf, std::vector<int>{1})), (V{3, 6}));
  EXPECT_EQ(linalg::norm(m, true).shape(), (Shape{1, 1}));
  EXPECT_NEAR(linalg::norm(m).item<float>(), std::sqrt(91.0), 1e-5);
  EXPECT_NEAR(linalg::norm(m, {0, 1}).item<float>(), std::sqrt(91.0), 1e-5);
  // Matrix norms: 1 / -1 over column sums (5, 7, 9), inf / -inf over row sums (6, 15).
  EXPECT_EQ(linalg::norm(m, 1.0).item<float>(), 9.0f);
  EXPECT_EQ(linalg::norm(m, -1.0, std::vector<int>{0, 1}).item<float>(), 5.0f);
  EXPECT_EQ(linalg::norm(m, kInf).item<float>(), 15.0f);
  EXPECT_EQ(linalg::norm(m, -kInf).item<float>(), 6.0f);
  EXPECT_EQ(linalg::norm(m, 1.0, std::vector<int>{1, 0}).item<float>(), 15.0f);  // of the transpose
  EXPECT_EQ(linalg::norm(m, kInf, std::vector<int>{-1, -2}).item<float>(), 9.0f);
  EXPECT_NEAR(linalg::norm(m, "fro").item<float>(), std::sqrt(91.0), 1e-5);
  EXPECT_NEAR(linalg::norm(m, "f", std::vector<int>{1, 0}).item<float>(), std::sqrt(91.0), 1e-5);
  // A batch of matrices; non-contiguous.
  const array b = stack({m, negative(m) * 2.0f, transpose(reshape(m, {3, 2}))}, 0);  // (3, 2, 3)
  const V one = vals(linalg::norm(b, 1.0, std::vector<int>{1, 2}));
  EXPECT_EQ(one, (V{9, 18, 11}));  // the third, [[1,3,5],[-2,-4,-6]], has column sums 3, 7, 11
  const array kd = linalg::norm(b, kInf, std::vector<int>{-2, -1}, true);
  EXPECT_EQ(kd.shape(), (Shape{3, 1, 1}));
  EXPECT_EQ(vals(kd), (V{15, 30, 12}));
  const array fro = linalg::norm(transpose(b, {0, 2, 1}), "fro", std::vector<int>{2, 1});
  EXPECT_EQ(fro.shape(), Shape{3});
  const V fv = vals(fro);
  EXPECT_NEAR(fv[0], std::sqrt(91.0), 1e-5);
  EXPECT_NEAR(fv[1], 2 * std::sqrt(91.0), 1e-5);
  EXPECT_NEAR(fv[2], std::sqrt(91.0), 1e-5);
}

TEST(Norm, Dtypes) {
  EXPECT_EQ(linalg::norm(array({3, 4})).dtype(), float32);
  EXPECT_EQ(linalg::norm(array({3, 4})).item<float>(), 5.0f);
  EXPECT_EQ(linalg::norm(array({3, 4}), 1.0).item<float>(), 7.0f);
  EXPECT_EQ(linalg::norm(array(std::vector<bool>{true, false, true}, {3}), 0.0).item<float>(), 2.0f);
  EXPECT_EQ(linalg::norm(array({3.0, 4.0}, float64)).dtype(), float64);
  // float16: the squares (90000) overflow half, the norm (600) does not.
  const array h(V{300, 300, 300, 300}, {4}, float16);
  array n = linalg::norm(h);
  EXPECT_EQ(n.dtype(), float16);
  EXPECT_EQ(n.item<float>(), 600.0f);
  EXPECT_EQ(linalg::norm(h, 3.0).dtype(), float16);
  EXPECT_EQ(linalg::norm(array(V{2, 2}, {2}, bfloat16), kInf).dtype(), bfloat16);
}

TEST(Norm, Errors) {
  const array m = zeros({2, 3});
  EXPECT_THAT(error_of([&] { linalg::norm(zeros({0, 3}), 2.0); }),
              HasSubstr("[linalg::norm] singular values of an empty matrix of shape (0,3)"));
  EXPECT_THAT(error_of([&] { linalg::norm(m, "bad"); }), HasSubstr("[linalg::norm] invalid ord 'bad'"));
  EXPECT_THAT(error_of([&] { linalg::norm(m, 3.0); }), HasSubstr("[linalg::norm] invalid ord 3 for a matrix norm"));
  EXPECT_THAT(error_of([&] { linalg::norm(zeros({2, 2, 2}), 1.0); }),
              HasSubstr("[linalg::norm] an ord without axes needs a 1-D or 2-D array, got shape (2,2,2)"));
  EXPECT_THAT(error_of([&] { linalg::norm(zeros({2, 2, 2}), 1.0, std::vector<int>{0, 1, 2}); }),
              HasSubstr("[linalg::norm] expects 1 axis (vector norm) or 2 axes (matrix norm), got 3"));
  EXPECT_THAT(error_of([&] { linalg::norm(m, std::vector<int>{}); }), HasSubstr("got 0"));
  EXPECT_THAT(error_of([&] { linalg::norm(m, 1.0, std::vector<int>{0, -2}); }),
              HasSubstr("[linalg::norm] the two axes of a matrix norm must differ"));
  EXPECT_THAT(error_of([&] { linalg::norm(m, {1, 1}); }), HasSubstr("[linalg::norm] repeated axis"));
  EXPECT_THAT(error_of([&] { linalg::norm(m, 2); }), HasSubstr("[linalg::norm] axis 2 is out of range"));
  EXPECT_THAT(error_of([&] { linalg::norm(m, "fro", std::vector<int>{0}); }),
              HasSubstr("[linalg::norm] ord 'fro' is a matrix norm and needs 2 axes, got 1"));
  EXPECT_THAT(error_of([&] { linalg::norm(zeros({3}), "fro"); }),
              HasSubstr("ord 'fro' is a matrix norm and needs a 2-D array or 2 axes, got shape (3,)"));
  EXPECT_THAT(error_of([&] { linalg::norm(zeros({0}), kInf); }),
              HasSubstr("[linalg::norm] ord inf is undefined over the empty axis 0"));
  EXPECT_THAT(error_of([&] { linalg::norm(zeros({3, 0}), 1.0); }), HasSubstr("undefined over the empty axis 1"));
  EXPECT_THAT(error_of([&] { linalg::norm(m, std::nan("")); }), HasSubstr("[linalg::norm] ord cannot be NaN"));
  // Empty but defined: sums over nothing.
  EXPECT_EQ(linalg::norm(zeros({0})).item<float>(), 0.0f);
  EXPECT_EQ(linalg::norm(zeros({0, 3}), 1.0).item<float>(), 0.0f);
}

TEST(Norm, SingularValueNorms) {
  const array m(std::vector<float>{3, 0, 0, 0, -4, 0}, {2, 3});  // singular values 4 and 3
  EXPECT_FLOAT_EQ(linalg::norm(m, 2.0).item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(linalg::norm(m, -2.0).item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(linalg::norm(m, "nuc").item<float>(), 7.0f);
  EXPECT_EQ(linalg::norm(m, "nuc", std::vector<int>{0, 1}, true).shape(), (Shape{1, 1}));
}

TEST(Factorizations, DefiningIdentitiesFromCpp) {
  const array a(std::vector<double>{4, 1, 2, 1, 3, 0, 2, 0, 5}, {3, 3}, float64);
  const array eye3 = eye(3, std::nullopt, 0, float64);
  EXPECT_TRUE(allclose(matmul(a, linalg::inv(a)), eye3, 1e-12, 1e-12));
  const array l = linalg::cholesky(a);
  EXPECT_TRUE(allclose(matmul(l, transpose(l)), a, 1e-12, 1e-12));
  EXPECT_TRUE(array_equal(l, tril(l)));
  const auto [w, v] = linalg::eigh(a);
  EXPECT_TRUE(allclose(matmul(a, v), multiply(v, w), 1e-10, 1e-10));
  const auto [q, r] = linalg::qr(a);
  EXPECT_TRUE(allclose(matmul(q, r), a, 1e-12, 1e-12));
  const Arrays usv = linalg::svd(a);
  EXPECT_TRUE(allclose(matmul(multiply(usv[0], usv[1]), usv[2]), a, 1e-12, 1e-12));
  const array b(std::vector<double>{1, 2, 3}, {3}, float64);
  EXPECT_TRUE(allclose(matmul(a, linalg::solve(a, b)), b, 1e-12, 1e-12));
  EXPECT_NEAR(linalg::det(a).item<double>(), 4 * 15 - 1 * 5 + 2 * (-6), 1e-12);
  EXPECT_THAT(error_of<std::runtime_error>([&] { linalg::inv(zeros({2, 2})).eval(); }),
              HasSubstr("[linalg::inv] the matrix is singular"));
  EXPECT_THAT(error_of<std::runtime_error>([&] { linalg::cholesky(negative(a)).eval(); }),
              HasSubstr("[linalg::cholesky] the matrix is not positive definite"));
  EXPECT_THAT(error_of([&] { linalg::qr(zeros({3}, int32)); }),
              HasSubstr("[linalg::qr] expects float32 or float64 arrays, got int32"));
}
