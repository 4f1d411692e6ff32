// The transforms' C++ API (MLX's signatures): values checked against closed forms; higher-order use,
// custom functions, checkpoint, imported functions, compile's cache, and the errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "export_test_util.h"

using namespace ingot;
using ::testing::HasSubstr;
using ingot::testing::error_of;
using ingot::testing::vals;

namespace {
void expect_near(const array& got, std::vector<double> want, double tol = 1e-5) {
  const auto g = vals(got);
  ASSERT_EQ(g.size(), want.size());
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], tol * (1 + std::abs(want[i]))) << "element " << i;
}
}  // namespace

TEST(Transforms, GradAndValueAndGradOfClosedForms) {
  const array x({0.5f, 1.0f, 2.0f});
  auto f = [](const array& x) { return sum(multiply(sin(x), x)); };  // d/dx = cos(x) x + sin(x)
  expect_near(grad(f)(x), {std::cos(0.5) * 0.5 + std::sin(0.5), std::cos(1.0) + std::sin(1.0),
                           std::cos(2.0) * 2 + std::sin(2.0)});
  auto [v, g] = value_and_grad(f)(x);
  expect_near(v, {std::sin(0.5) * 0.5 + std::sin(1.0) + std::sin(2.0) * 2});
  // several argnums, aux outputs ride along
  auto vg = value_and_grad([](const Arrays& a) { return Arrays{sum(multiply(a[0], a[1])), add(a[0], a[1])}; },
                           std::vector<int>{0, 1});
  auto [outs, grads] = vg({x, array({3.0f, 4.0f, 5.0f})});
  ASSERT_EQ(outs.size(), 2u);
  expect_near(outs[1], {3.5, 5, 7});
  expect_near(grads[0], {3, 4, 5});
  expect_near(grads[1], {0.5, 1, 2});
  // second derivative: d2/dx2 sin = -sin
  expect_near(grad(grad([](const array& x) { return sin(x); }))(array(0.5f)), {-std::sin(0.5)});
}

TEST(Transforms, VjpJvpOfManyOutputs) {
  const array x({1.0f, 2.0f}), y({3.0f, 4.0f});
  auto f = [](const Arrays& a) { return Arrays{multiply(a[0], a[1]), exp(a[0])}; };
  auto [outs, cots] = vjp(f, {x, y}, {ones({2}), full({2}, 2.0f)});
  expect_near(cots[0], {3 + 2 * std::exp(1.0), 4 + 2 * std::exp(2.0)});
  expect_near(cots[1], {1, 2});
  auto [o2, tans] = jvp(f, {x, y}, {ones({2}), zeros({2})});
  expect_near(tans[0], {3, 4});
  expect_near(tans[1], {std::exp(1.0), std::exp(2.0)});
}

TEST(Transforms, VmapAxesAndComposition) {
  const array a = reshape(arange(0.0, 6.0, 1.0), {2, 3});
  // sum over each row (axis 0 mapped) and over each column (axis 1 mapped)
  expect_near(vmap([](const array& r) { return sum(r); })(a), {3, 12});
  expect_near(vmap([](const array& c) { return sum(c); }, 1)(a), {3, 5, 7});
  // an unmapped input is shared by every entry
  auto dot = vmap([](const Arrays& in) { return Arrays{sum(multiply(in[0], in[1]))}; }, {0, -1});
  expect_near(dot({a, array({1.0f, 0.0f, 2.0f})})[0], {4, 13});
  // out_axes moves the mapped axis
  auto t = vmap([](const Arrays& in) { return Arrays{multiply(in[0], 2.0f)}; }, {0}, {1})({a})[0];
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  // vmap of grad and grad of vmap
  auto per_row = vmap(grad([](const array& r) { return sum(multiply(r, multiply(r, r))); }))(a);
  expect_near(per_row, {0, 3, 12, 27, 48, 75});
  auto g = grad([](const array& m) { return sum(vmap([](const array& r) { return sum(square(r)); })(m)); })(a);
  expect_near(g, {0, 2, 4, 6, 8, 10});
}

TEST(Transforms, CustomFunctionAndCheckpoint) {
  auto f = custom_function([](const Arrays& a) { return Arrays{sin(a[0])}; },
                           [](const Arrays&, const Arrays& cot, const Arrays&) { return Arrays{multiply(cot[0], 10.0f)}; });
  const array x({0.5f, 1.0f});
  expect_near(f({x})[0], {std::sin(0.5), std::sin(1.0)});
  expect_near(vjp(f, {x}, {ones({2})}).second[0], {10, 10});
  // jvp stays the function's own
  expect_near(jvp(f, {x}, {ones({2})}).second[0], {std::cos(0.5), std::cos(1.0)});
  auto h = checkpoint([](const Arrays& a) { return Arrays{exp(multiply(a[0], a[0]))}; });
  expect_near(vjp(h, {x}, {ones({2})}).second[0], {2 * 0.5 * std::exp(0.25), 2 * std::exp(1.0)});
  // stop_gradient stops
  expect_near(grad([](const array& x) { return sum(multiply(x, stop_gradient(x))); })(x), {0.5, 1});
}

TEST(Transforms, ImportedFunctionsAreDifferentiable) {
  ingot::testing::TempDir dir(/*in_memory=*/true);
  auto fun = [](const Args& a) {
    const array h = fast::rms_norm(a[0], a[1], 1e-5f);
    return Args{sum(multiply(tanh(h), stop_gradient(h)))};
  };
  const array x = random::normal({3, 8}, float32, random::key(1)), w = random::normal({8}, float32, random::key(2));
  export_function(dir.file("f.ingot"), fun, {x, w});
  auto imported = import_function(dir.file("f.ingot"));
  auto want = vjp(fun, {x, w}, {array(1.0f)}).second;
  auto got = vjp([&](const Args& a) { return imported(a); }, {x, w}, {array(1.0f)}).second;
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(array_equal(got[i], want[i])) << "input " << i;
}

TEST(Transforms, ExportedGradientsAndRefusedCustomVjp) {
  ingot::testing::TempDir dir(/*in_memory=*/true);
  auto step = [](const Args& a) {
    auto [loss, g] = value_and_grad([&](const array& w) { return mean(square(subtract(matmul(a[1], w), a[2]))); })(a[0]);
    return Args{loss, subtract(a[0], multiply(g, 0.1f))};
  };
  const Args in{ones({3}), random::normal({5, 3}, float32, random::key(3)), ones({5})};
  export_function(dir.file("step.ingot"), step, in);
  auto got = import_function(dir.file("step.ingot"))(in);
  auto want = step(in);
  EXPECT_TRUE(allclose(got[0], want[0], 1e-6, 1e-7));
  EXPECT_TRUE(allclose(got[1], want[1], 1e-6, 1e-7));
  auto custom = custom_vjp([](const Args& a) { return Args{sin(a[0])}; },
                           [](const Args&, const Args& c, const Args&) { return Args{c[0]}; });
  EXPECT_THAT(error_of([&] { export_function(dir.file("c.ingot"), custom, {ones({2})}); }),
              HasSubstr("a custom_function with its own transforms cannot be exported"));
}

TEST(Transforms, CompileTracesOncePerSignature) {
  int traces = 0;
  auto f = compile([&](const Args& a) {
    ++traces;
    return Args{add(exp(a[0]), 1.0f)};
  });
  const array x({0.5f, 1.0f});
  for (int i = 0; i < 3; ++i) expect_near(f({x})[0], {std::exp(0.5) + 1, std::exp(1.0) + 1});
  EXPECT_EQ(traces, 1);
  f({ones({3})});
  EXPECT_EQ(traces, 2);
  auto s = compile([&](const Args& a) { ++traces; return Args{sum(a[0], -1)}; }, /*shapeless=*/true);
  expect_near(s({ones({2, 3})})[0], {3, 3});
  expect_near(s({ones({4, 5})})[0], {5, 5, 5, 5});
  EXPECT_EQ(traces, 3);
  disable_compile();
  f({x});
  enable_compile();
  EXPECT_EQ(traces, 4);
  auto baked = compile([](const Args& a) { return Args{reshape(a[0], {2, 3})}; }, true);
  EXPECT_THAT(error_of([&] { baked({ones({6})}); }), HasSubstr("[compile] Reshape bakes the shape (2,3)"));
}

TEST(Transforms, ErrorsNameTheTransformAndPrimitive) {
  const array x({1.0f, 2.0f});
  EXPECT_THAT(error_of([&] { grad([](const array& x) { return x; })(x); }),
              HasSubstr("[grad] the function's first output must be a scalar (the loss), got shape (2,)"));
  EXPECT_THAT(error_of([&] { vjp([](const Arrays& a) { return a; }, {x}, {x, x}); }),
              HasSubstr("[vjp] the function has 1 outputs but 2 cotangents were given"));
  EXPECT_THAT(error_of([&] { grad([](const Arrays& a) { return sum(a[0]); }, std::vector<int>{3})({x}); }),
              HasSubstr("[grad] argnum 3 is out of range for a function called with 1 arguments"));
  EXPECT_THAT(error_of([&] {
                grad([](const array& w) { return sum(std::get<1>(quantize(w, 64, 4))); })(ones({2, 64}));
              }),
              HasSubstr("[vjp] primitive Quantize has no vjp: it cannot be differentiated"));
  EXPECT_THAT(error_of([&] { vmap([](const Arrays& a) { return a; })({ones({2}), ones({3})}); }),
              HasSubstr("[vmap] inputs have different sizes along their mapped axes: 2 and 3"));
}
