// Compiled replay of imported traces: one node per call on inputs with data, a plan per input shapes,
// intermediates released after their last reader, the same values as the expanded graph.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "export_test_util.h"
#include "ingot/memory.h"
#include "export/imported.h"
#include "prims/primitive.h"

using namespace ingot;
using ingot::testing::error_of;
using ingot::testing::mapping_of;
using ingot::testing::TempDir;
using ingot::testing::same_bits;
using ingot::testing::vals;
using ::testing::HasSubstr;

namespace {
// Several outputs of one trace: a node output twice, an input passed through, a constant, and a
// value another output also reads.
std::vector<array> many(const Args& a) {
  static const array c = array({1.0f, 2.0f, 3.0f});
  array h = exp(multiply(a[0], a[1]));
  array g = add(h, c);
  return {g, h, a[0], c, g, sum(h)};
}

std::vector<double> want_of(const Args& a) {
  std::vector<double> out;
  for (auto& v : many(a)) {
    auto w = vals(v);
    out.insert(out.end(), w.begin(), w.end());
  }
  return out;
}

std::vector<double> flat(const std::vector<array>& outs) {
  std::vector<double> out;
  for (auto v : outs) {
    auto w = vals(v);
    out.insert(out.end(), w.begin(), w.end());
  }
  return out;
}
}  // namespace

// Bytes a warm call of f on x adds to the arrays' memory at its peak; `out` receives its result.
static size_t peak_of_call(const ImportedFunction& f, array x, array& out) {
  x.eval();
  eval(f({x}));  // warm: the plan and the buffer cache
  reset_peak_memory();
  const size_t before = get_active_memory();
  out = f({x})[0];
  out.eval();
  return get_peak_memory() - before;
}

namespace {
// How the node computing `a` prints itself ("ImportedCall(7 nodes; fused: 6)").
std::string printed(const array& a) {
  std::ostringstream os;
  a.primitive().print(os);
  return os.str();
}
}  // namespace

TEST(Replay, EvaluatedInputsMakeOneNodeThatComposes) {
  TempDir dir(/*in_memory=*/true);
  const Args in{array({0.5f, -1.0f, 2.0f}), array({1.0f, 0.25f, -0.5f})};
  export_function(dir.file("m.ingot"), ArgsFunction(many), in);
  auto f = import_function(dir.file("m.ingot"));
  auto outs = f(in);
  ASSERT_EQ(outs.size(), 6u);
  ASSERT_TRUE(outs[0].has_node());
  EXPECT_STREQ(outs[0].primitive().name(), "ImportedCall");
  EXPECT_TRUE(outs[0].node() == outs[1].node());  // every output from the one node
  // Lazy: composes with ops before anything runs, and evaluates with them.
  auto doubled = multiply(outs[0], 2.0f);
  auto expect = vals(many(in)[0]);
  auto got = vals(doubled);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], 2.0 * expect[i]);
  EXPECT_EQ(flat(outs), want_of(in));
}

TEST(Replay, LazyInputsExpandToTheSameValues) {
  TempDir dir(/*in_memory=*/true);
  const Args in{array({0.5f, -1.0f, 2.0f}), array({1.0f, 0.25f, -0.5f})};
  export_function(dir.file("m.ingot"), ArgsFunction(many), in);
  auto f = import_function(dir.file("m.ingot"));
  // An input still to be computed: the trace's own nodes join the caller's graph.
  auto outs = f({add(in[0], 0.0f), in[1]});
  ASSERT_TRUE(outs[0].has_node());
  EXPECT_STREQ(outs[0].primitive().name(), "Add");
  EXPECT_EQ(flat(outs), want_of(in));
}

TEST(Replay, OutputsDroppedOrKeptAloneStayCorrect) {
  TempDir dir(/*in_memory=*/true);
  const Args in{array({0.5f, -1.0f, 2.0f}), array({1.0f, 0.25f, -0.5f})};
  export_function(dir.file("m.ingot"), ArgsFunction(many), in);
  auto want = many(in);
  for (size_t keep = 0; keep < want.size(); ++keep) {
    // The imported function itself is gone before evaluation: the node keeps what it needs.
    array only = import_function(dir.file("m.ingot"))(in)[keep];
    EXPECT_EQ(vals(only), vals(want[keep])) << "output " << keep;
  }
}

TEST(Replay, ShapelessPlansPerShapeAndBudgetsPerShape) {
  TempDir dir(/*in_memory=*/true);
  export_function(dir.file("s.ingot"), ArgsFunction([](const Args& a) { return Args{sum(exp(a[0]), {1})}; }),
                  {ones({2, 3})}, /*shapeless=*/true);
  ImportOptions small;
  small.max_call_bytes = 4096;
  auto f = import_function(dir.file("s.ingot"), small);
  for (int64_t n : {3, 7, 3, 1, 7}) {
    auto x = arange(0.0, static_cast<double>(2 * n), 1.0, float32);
    x = reshape(multiply(x, 0.1f), {2, n});
    auto got = vals(f({x})[0]);
    auto want = vals(sum(exp(x), {1}));
    ASSERT_EQ(got.size(), 2u);
    for (size_t i = 0; i < 2; ++i) EXPECT_NEAR(got[i], want[i], 1e-5 * std::abs(want[i])) << "n=" << n;
  }
  // A larger shape asks for more than the budget: refused at the call, before anything runs.
  EXPECT_THAT(error_of<std::runtime_error>([&] { f({ones({2, 1000})}); }),
              HasSubstr("more than the limit max_call_bytes = 4096"));
  EXPECT_EQ(vals(f({ones({2, 1})})[0]), (std::vector<double>{std::exp(1.0f), std::exp(1.0f)}));
}

TEST(Replay, ElementwiseRunsAllocateOnlyTheirOutputs) {
  TempDir dir(/*in_memory=*/true);
  const int64_t n = 1 << 20;  // 4 MiB per array
  export_function(dir.file("chain.ingot"), ArgsFunction([](const Args& a) {
    array x = a[0];
    for (int i = 0; i < 16; ++i) x = (i % 2) ? multiply(x, 1.5f) : add(x, 1.0f);
    return Args{x};
  }), {zeros({n})});
  array out;
  // The sixteen ops run as one fused loop over tiles: the output is the only new array (node by node,
  // a step's input and output would both be alive).
  EXPECT_LE(peak_of_call(import_function(dir.file("chain.ingot")), zeros({n}), out), n * sizeof(float));
  float want = 0.0f;
  for (int i = 0; i < 16; ++i) want = (i % 2) ? want * 1.5f : want + 1.0f;
  const auto got = vals(out);
  EXPECT_FLOAT_EQ(got.front(), want);
  EXPECT_FLOAT_EQ(got.back(), want);
}

TEST(Replay, ExportingAFunctionThatCallsAnImportedOneOnConstants) {
  TempDir dir(/*in_memory=*/true);
  export_function(dir.file("inner.ingot"), ArgsFunction([](const Args& a) { return Args{exp(a[0])}; }),
                  {zeros({3})});
  auto inner = import_function(dir.file("inner.ingot"));
  const array c = array({0.0f, 1.0f, 2.0f});
  // inner(c) is input-independent: stored as a constant. inner(x) is traced node by node.
  export_function(dir.file("outer.ingot"), ArgsFunction([&](const Args& a) {
    return Args{add(inner({c})[0], inner({a[0]})[0])};
  }), {zeros({3})});
  auto got = vals(import_function(dir.file("outer.ingot"))({array({1.0f, 0.0f, -1.0f})})[0]);
  std::vector<double> want{std::exp(0.0f) + std::exp(1.0f), std::exp(1.0f) + std::exp(0.0f),
                          std::exp(2.0f) + std::exp(-1.0f)};
  for (size_t i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(got[i], want[i]);
}

namespace {
// A random chain of float32 elementwise ops over two inputs, scalar constants and earlier values, with
// some intermediates returned or read again far later (after a reduction breaks the run).
struct RandomChain {
  uint32_t seed;
  std::vector<array> operator()(const Args& a) const {
    std::mt19937 g(seed);
    // Full-size inputs, one-element constants, rows that repeat along the full size (a bias), and a
    // column whose elements each cover a row (a norm's scale).
    std::vector<array> pool{a[0], a[1], array(0.75f), array(-2.0f), a[2], a[3], a[4]};
    using U = array (*)(const array&, StreamOrDevice);
    const U unary[] = {abs, negative, sign, square, sqrt, rsqrt, reciprocal, exp, expm1, log, log1p, log2, log10,
                       sin, cos, tan, arcsin, arccos, arctan, sinh, cosh, tanh, arcsinh, arccosh, arctanh, sigmoid,
                       erf, floor, ceil};
    using B = array (*)(const Operand&, const Operand&, StreamOrDevice);
    const B binary[] = {add, subtract, multiply, divide, maximum, minimum, logaddexp};
    std::vector<array> outs;
    for (int i = 0; i < 40; ++i) {
      auto pick = [&] { return pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(g)]; };
      array x = pick();
      array y = g() % 3 ? binary[g() % std::size(binary)](x, g() % 4 ? pick() : x, {}) : unary[g() % std::size(unary)](x, {});
      if (y.size() == 1 || (y.size() != a[0].size() && g() % 2)) y = add(y, a[0]);  // mostly full size
      if (i == 20) pool.push_back(sum(y, true) * 0.0f + y);  // a reduction in the middle of the run
      pool.push_back(y);
      if (g() % 8 == 0) outs.push_back(y);  // returned from inside a fused run
    }
    outs.push_back(pool.back());
    outs.push_back(pool[pool.size() / 2]);  // read by nothing else after its run
    return outs;
  }
};
}  // namespace

TEST(Replay, FusedElementwiseRunsGiveTheSameBitsAsNodeByNode) {
  TempDir dir(/*in_memory=*/true);
  std::mt19937 g(7);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  auto values = [&](const Shape& shape) {
    std::vector<float> v(static_cast<size_t>(shape_size(shape)));
    for (auto& x : v) x = normal(g);
    return v;
  };
  // Sizes below, at and above a tile, several tiles (threads), rows that do and do not divide a tile;
  // special values included.
  for (auto [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {1, 5}, {3, 1024}, {3, 1000}, {70, 1000}, {9, 3000}}) {
    const int64_t n = rows * cols;
    std::vector<float> xa = values({n}), xb = values({n});
    xa[0] = std::numeric_limits<float>::quiet_NaN();
    if (n > 3) xb[1] = std::numeric_limits<float>::infinity(), xa[2] = -0.0f;
    const Args in{array(xa, {rows, cols}), array(xb, {rows, cols}), array(values({cols}), {cols}),
                  array(values({1, cols}), {1, cols}), array(values({rows, 1}), {rows, 1})};
    for (uint32_t seed = 0; seed < 6; ++seed) {
      RandomChain chain{seed};
      const auto path = dir.file("chain" + std::to_string(seed) + "_" + std::to_string(n) + ".ingot");
      export_function(path, ArgsFunction(chain), in);
      auto f = import_function(path);
      auto got = f(in);
      ASSERT_STREQ(got[0].primitive().name(), "ImportedCall");
      auto want = chain(in);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(same_bits(got[i], want[i])) << rows << "x" << cols << " seed=" << seed << " output " << i;
    }
  }
}

TEST(Replay, ABiasAddAndGeluAfterAProductAreOneFusedRun) {
  TempDir dir(/*in_memory=*/true);
  const array w = random::normal({64, 48}, float32, random::key(1)), b = random::normal({48}, float32, random::key(2));
  eval(w, b);
  auto mlp = [&](const Args& a) {
    const array h = add(matmul(a[0], w), b);
    return Args{multiply(multiply(h, 0.5f), add(erf(multiply(h, 0.70710678f)), 1.0f))};
  };
  array x = random::normal({5, 64}, float32, random::key(3));
  x.eval();
  export_function(dir.file("mlp.ingot"), ArgsFunction(mlp), {x});
  auto out = import_function(dir.file("mlp.ingot"))({x})[0];
  EXPECT_EQ(printed(out), "ImportedCall(7 nodes; fused: 6)");  // the product, then add, 3 multiplies, erf, add
  EXPECT_TRUE(same_bits(out, mlp({x})[0]));
}

TEST(Replay, FusedRunsTakeStridedInputsNodeByNode) {
  TempDir dir(/*in_memory=*/true);
  auto fun = [](const Args& a) { return Args{exp(multiply(add(a[0], 1.0f), a[1]))}; };
  const array a = reshape(arange(0.0, 12.0, 1.0, float32), {3, 4}), b = full({3, 4}, 0.5f);
  export_function(dir.file("f.ingot"), ArgsFunction(fun), {a, b});
  auto f = import_function(dir.file("f.ingot"));
  // A transposed (column-major) input with data: the run cannot walk it flat, and falls back.
  array t = transpose(reshape(arange(0.0, 12.0, 1.0, float32), {4, 3}));
  t.eval();
  ASSERT_FALSE(t.flags().row_contiguous);
  EXPECT_TRUE(same_bits(f({t, b})[0], fun({t, b})[0]));
  EXPECT_TRUE(same_bits(f({a, b})[0], fun({a, b})[0]));
}

TEST(Replay, IntermediatesAreReleasedAfterTheirLastReader) {
  TempDir dir(/*in_memory=*/true);
  const int64_t n = 512;  // 1 MiB matrices: each product is its own node
  export_function(dir.file("mm.ingot"), ArgsFunction([](const Args& a) {
    array x = a[0];
    for (int i = 0; i < 8; ++i) x = matmul(x, a[0]);
    return Args{x};
  }), {zeros({n, n})});
  array out;
  // At most a product's input and output at any time, not all eight products.
  EXPECT_LE(peak_of_call(import_function(dir.file("mm.ingot")), multiply(eye(n), 0.5f), out),
            2 * n * n * sizeof(float));
  EXPECT_FLOAT_EQ(vals(out)[0], std::pow(0.5f, 9));
}

TEST(Replay, InputIndependentNodesAreComputedOncePerPlan) {
  TempDir dir(/*in_memory=*/true);
  const array c = array({0.5f, 1.0f, 2.0f});
  // exp(c), the rotary-style table, a broadcast (a view of three values) and random weights depend on
  // no input: computed when the plan is built, and kept. Zeros of a large shape would keep much more
  // memory than they read: that fill runs at each call.
  const int64_t big = 1 << 19;
  auto fun = [&](const Args& a) {
    const array table = multiply(exp(c), arange(0.0, 3.0, 1.0, float32));
    return Args{multiply(a[0], table), add(a[1], broadcast_to(c, {big, 3})), add(a[1], zeros({big, 3})),
                add(a[1], random::normal({big, 3}, float32, random::key(5)))};
  };
  array x = array({1.0f, 2.0f, 3.0f}), y = ones({big, 3});
  eval(x, y);
  export_function(dir.file("fold.ingot"), ArgsFunction(fun), {x, y});
  auto f = import_function(dir.file("fold.ingot"));
  for (int call = 0; call < 2; ++call) {
    auto outs = f({x, y});
    // multiply; add; the zeros' fill and its add; the add of the random weights (fused with the one before)
    EXPECT_EQ(printed(outs[0]), "ImportedCall(5 nodes; fused: 2)");
    auto want = fun({x, y});
    for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(same_bits(outs[i], want[i])) << "output " << i;
  }
}

TEST(Replay, CompiledFunctionsRunTheSamePlans) {
  // compile records a tape per input signature and replays it through the imported functions' plans:
  // one node per call on inputs with data, its elementwise run fused, the same bits as the function.
  const array w = random::normal({64, 48}, float32, random::key(1)), b = random::normal({48}, float32, random::key(2));
  eval(w, b);
  auto mlp = [&](const Args& a) {
    const array h = add(matmul(a[0], w), b);
    return Args{multiply(multiply(h, 0.5f), add(erf(multiply(h, 0.70710678f)), 1.0f))};
  };
  auto compiled = compile(mlp);
  array x = random::normal({5, 64}, float32, random::key(3));
  x.eval();
  for (int call = 0; call < 2; ++call) {
    auto out = compiled({x})[0];
    EXPECT_EQ(printed(out), "CompiledCall(7 nodes; fused: 6)");
    EXPECT_TRUE(same_bits(out, mlp({x})[0]));
  }
  // A lazy input: the tape's nodes join the caller's graph.
  const array lazy = multiply(x, 2.0f);
  auto out = compiled({lazy})[0];
  EXPECT_STREQ(out.primitive().name(), "Multiply");
  EXPECT_TRUE(same_bits(out, mlp({multiply(x, 2.0f)})[0]));
  // Shapeless: a plan per input shapes, each checked against the function.
  auto rows = compile([](const Args& a) { return Args{add(exp(a[0]), sum(a[0], -1, true))}; }, /*shapeless=*/true);
  for (int64_t n : {3, 7, 3}) {
    array y = random::normal({n, 5}, float32, random::key(static_cast<uint64_t>(n)));
    y.eval();
    auto got = rows({y})[0];
    EXPECT_EQ(got.shape(), (Shape{n, 5}));
    EXPECT_TRUE(same_bits(got, add(exp(y), sum(y, -1, true))));
  }
}

TEST(Replay, AHandWrittenNormFusesAroundItsReduction) {
  // x * rsqrt(mean(x^2) + eps) * w: square, sum, the count of summed elements, then the division, eps
  // and rsqrt as one loop over the rows' values, and the products by the (rows, 1) scale and by the
  // weight row as one loop over the elements.
  TempDir dir(/*in_memory=*/true);
  array w = random::normal({512}, float32, random::key(1));
  w.eval();
  auto norm = [&](const Args& a) {
    const array r = rsqrt(add(mean(square(a[0]), -1, true), 1e-5f));
    return Args{multiply(multiply(a[0], r), w)};
  };
  array x = random::normal({37, 512}, float32, random::key(2));
  x.eval();
  export_function(dir.file("norm.ingot"), ArgsFunction(norm), {x});
  auto out = import_function(dir.file("norm.ingot"))({x})[0];
  EXPECT_EQ(printed(out), "ImportedCall(8 nodes; fused: 3, 2)");
  EXPECT_TRUE(same_bits(out, norm({x})[0]));
}

TEST(Replay, AFunctionAndItsPlansAreFreedWhenNothingHoldsThem) {
  // Plans are kept by their function and calls hold the function: dropping both unmaps the file.
  TempDir dir;  // on disk: the mapping shows in /proc/self/maps
  const array w = random::normal({4, 4}, float32, random::key(1));
  export_function(dir.file("f.ingot"), ArgsFunction([&](const Args& a) { return Args{exp(matmul(a[0], w))}; }),
                  {zeros({2, 4})});
  const void* bytes = nullptr;
  {
    auto f = import_function(dir.file("f.ingot"));
    array x = ones({2, 4});
    x.eval();
    array out = f({x})[0];  // a plan, and a node holding the function
    out.eval();
    bytes = f.impl().constant(0).raw_data();
    ASSERT_NE(mapping_of(bytes).find("f.ingot"), std::string::npos);
  }
  EXPECT_EQ(mapping_of(bytes).find("f.ingot"), std::string::npos);
}
