// The transforms over every registered primitive (the table in primitive_cases.cpp): each float input's
// vjp and jvp against central finite differences in float64, and vmap against the function applied to
// each entry of a batch. A primitive without rules fails here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "export_test_util.h"
#include "primitive_cases.h"

using namespace ingot;
using ingot::testing::PrimitiveCase;

namespace {

// Primitives whose derivative is zero wherever it exists: finite differences straddle their jumps.
// StopGradient is the identity whose derivative is declared zero.
const std::set<std::string> kPiecewiseConstant = {"Floor", "Ceil", "Round", "Sign", "StopGradient"};
// Casts to a coarser float are flat at the step finite differences take; their derivative is the
// identity (MLX's convention), checked as such.
const std::set<std::string> kCasts = {"AsType"};
// (primitive, input): the vjp must refuse with this text (quantize, QR, send and recv have no derivative here).
const std::map<std::pair<std::string, int>, std::string> kRefuses = {
    {{"Quantize", 0}, "[vjp] primitive Quantize has no vjp"},
    {{"Dequantize", 0}, "[vjp] primitive Quantize has no vjp"},
    {{"QuantizedMatmul", 0}, "[vjp] primitive QuantizedMatmul has a vjp with respect to its input x only"},
    {{"QRF", 0}, "[vjp] primitive QRF has no vjp"},
    {{"ConvertFP8", 0}, "[vjp] primitive ConvertFP8 has no vjp"},
    {{"FFT", 1}, "[vjp] derivatives through complex64 values are not supported (primitive FFT)"},
    {{"Eig", 0}, "[vjp] derivatives through complex64 values are not supported (primitive Eig)"},
    {{"Send", 0}, "[vjp] primitive Send has no vjp"},
    {{"Recv", 0}, "[vjp] primitive Recv has no vjp"},
};

array to64(const array& a) { return is_floating_point(a.dtype()) ? astype(a, float64) : a; }

array random_like(const array& a, std::mt19937& rng) {
  std::normal_distribution<double> n;
  std::vector<double> v(static_cast<size_t>(a.size()));
  for (auto& e : v) e = n(rng);
  return array(v, a.shape(), a.dtype());
}

// The scalar <W, f(x)> over the float outputs' finite entries (an exclusive scan's first entry is a
// constant -inf), with the inputs at `i` replaced by x.
double weighted(const PrimitiveCase& c, const Args& in, int i, const array& x, const Args& w) {
  Args args = in;
  args[i] = x;
  const auto outs = c.fun(args);
  double total = 0;
  for (size_t k = 0; k < outs.size(); ++k) {
    if (!is_floating_point(outs[k].dtype())) continue;
    const array o = astype(outs[k], float64);
    total += sum(where(isfinite(o), multiply(o, w[k]), 0.0)).item<double>();
  }
  return total;
}

}  // namespace

// Every float input's vjp and jvp against central differences; returns the number of inputs checked.
int check_against_finite_differences(const PrimitiveCase& c, std::mt19937& rng);

TEST(Grad, EveryPrimitiveMatchesFiniteDifferences) {
  std::mt19937 rng(7);
  int checked = 0;
  for (const auto& c : ingot::testing::primitive_cases()) checked += check_against_finite_differences(c, rng);
  EXPECT_GT(checked, 60);
}

// Scatter's other reductions, with repeated indices, ties and zeros among the updates.
TEST(Grad, ScatterReductionsMatchFiniteDifferences) {
  std::mt19937 rng(8);
  using ingot::testing::f32;
  const array a = f32({0.5f, -1.0f, 2.0f, 0.25f, 3.0f}, {5});
  const array idx = ingot::testing::i32({1, 3, 1, 4}, {4});
  const array u = f32({1.5f, 0.75f, -2.0f, 0.0f}, {4, 1});      // a zero among the updates
  const array ties = f32({-1.0f, 0.25f, 0.5f, 3.0f}, {4, 1});  // each equal to the value it meets
  for (auto [name, op] : std::vector<std::pair<const char*, array (*)(const array&, const Arrays&, const array&,
                                                                      const std::vector<int>&, StreamOrDevice)>>{
           {"scatter_max", scatter_max}, {"scatter_min", scatter_min}, {"scatter_prod", scatter_prod}}) {
    for (const auto& upd : {u, ties}) {
      PrimitiveCase c{name, [op, idx](const Args& x) { return Args{op(x[0], {idx}, x[1], {0}, {})}; }, {a, upd}};
      check_against_finite_differences(c, rng);
    }
  }
}

int check_against_finite_differences(const PrimitiveCase& c, std::mt19937& rng) {
  int checked = 0;
  try {
    SCOPED_TRACE(c.primitive);
    Args in;
    for (const auto& a : c.inputs) in.push_back(to64(a));
    Args probe;
    try {
      probe = c.fun(in);
    } catch (const std::invalid_argument&) {  // float64 not taken (quantized ops): float32 then
      in = c.inputs;
      probe = c.fun(in);
    }
    Args w;  // one weight per output; its cotangent in the output's dtype
    Args cots;
    for (const auto& o : probe) {
      w.push_back(random_like(astype(o, float64), rng));
      cots.push_back(astype(w.back(), o.dtype()));
    }
    for (size_t i = 0; i < in.size(); ++i) {
      if (!is_floating_point(in[i].dtype())) continue;
      SCOPED_TRACE("input " + std::to_string(i));
      auto fi = [&](const Args& x) {
        Args args = in;
        args[i] = x[0];
        return c.fun(args);
      };
      if (auto r = kRefuses.find({c.primitive, static_cast<int>(i)}); r != kRefuses.end()) {
        EXPECT_THAT(ingot::testing::error_of([&] { vjp(fi, {in[i]}, cots).second[0].eval(); }),
                    ::testing::HasSubstr(r->second));
        continue;
      }
      const array g = astype(vjp(fi, {in[i]}, cots).second[0], float64);
      EXPECT_EQ(g.shape(), in[i].shape());
      if (g.shape() != in[i].shape()) continue;
      const array t = random_like(in[i], rng);
      const auto [outs, touts] = jvp(fi, {in[i]}, {t});
      double jt = 0;
      for (size_t k = 0; k < touts.size(); ++k)
        if (is_floating_point(outs[k].dtype())) jt += sum(multiply(astype(touts[k], float64), w[k])).item<double>();
      if (kCasts.count(c.primitive)) {  // every output is a cast of the input: the cotangents add up
        array want = zeros_like(g);
        for (const auto& ct : cots) want = add(want, astype(ct, float64));
        EXPECT_TRUE(array_equal(g, want));
        continue;
      }
      if (kPiecewiseConstant.count(c.primitive)) {
        EXPECT_EQ(sum(abs(g)).item<double>(), 0.0);
        EXPECT_EQ(jt, 0.0);
        continue;
      }
      // float32 inputs (quantized ops) take a coarser step and tolerance.
      const bool f64 = in[i].dtype() == float64;
      const double h = f64 ? 1e-6 : 1e-2, tol = f64 ? 1e-6 : 2e-2;
      const auto gv = ingot::testing::vals(g);
      const auto xv = ingot::testing::vals(in[i]);
      for (size_t e = 0; e < xv.size(); ++e) {
        auto bumped = [&](double d) {
          auto v = xv;
          v[e] += d;
          return array(v, in[i].shape(), in[i].dtype());
        };
        const double fd = (weighted(c, in, i, bumped(h), w) - weighted(c, in, i, bumped(-h), w)) / (2 * h);
        EXPECT_NEAR(gv[e], fd, tol * (1 + std::abs(fd))) << "element " << e;
      }
      const auto tv = ingot::testing::vals(t);
      auto along = [&](double d) {
        auto v = xv;
        for (size_t e = 0; e < v.size(); ++e) v[e] += d * tv[e];
        return array(v, in[i].shape(), in[i].dtype());
      };
      const double fd = (weighted(c, in, i, along(h), w) - weighted(c, in, i, along(-h), w)) / (2 * h);
      EXPECT_NEAR(jt, fd, tol * (1 + std::abs(fd))) << "jvp";
      ++checked;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.primitive << ": " << e.what();
  }
  return checked;
}

// vmap over axis 0 of every input equals the function run on each entry and stacked; mapping along
// axis 1 (the inputs transposed) and an unmapped input give the same.
TEST(Vmap, EveryPrimitiveMatchesRunningEachEntry) {
  for (const auto& c : ingot::testing::primitive_cases()) try {
    SCOPED_TRACE(c.primitive);
    Args second;  // another entry with the same structure: floats changed, indices kept
    for (const auto& a : c.inputs)
      second.push_back(is_floating_point(a.dtype()) ? add(multiply(a, 0.5), 0.25) : a);
    const auto first_out = c.fun(c.inputs), second_out = c.fun(second);
    Args batched;
    for (size_t i = 0; i < c.inputs.size(); ++i) batched.push_back(stack({c.inputs[i], second[i]}));
    const auto got = vmap(c.fun)(batched);
    ASSERT_EQ(got.size(), first_out.size());
    for (size_t k = 0; k < got.size(); ++k) {
      const array want = stack({first_out[k], second_out[k]});
      EXPECT_EQ(got[k].shape(), want.shape()) << "output " << k;
      EXPECT_TRUE(allclose(astype(got[k], float64), astype(want, float64), 1e-5, 1e-6, true)) << "output " << k;
    }
    // Along axis 1 for every input with one (scalars stay mapped along 0), outputs along their last axis.
    Args moved;
    std::vector<int> axes;
    for (const auto& b : batched) {
      axes.push_back(b.ndim() > 1 ? 1 : 0);
      moved.push_back(b.ndim() > 1 ? swapaxes(b, 0, 1) : b);
    }
    std::vector<int> out_axes;
    for (const auto& o : first_out) out_axes.push_back(o.ndim());
    const auto got1 = vmap(c.fun, axes, out_axes)(moved);
    for (size_t k = 0; k < got1.size(); ++k) {
      const array want = stack({first_out[k], second_out[k]}, first_out[k].ndim());
      EXPECT_TRUE(allclose(astype(got1[k], float64), astype(want, float64), 1e-5, 1e-6, true)) << "axis 1, output " << k;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.primitive << ": " << e.what();
  }
}
