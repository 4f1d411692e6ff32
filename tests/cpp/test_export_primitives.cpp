// One table drives the export round trip of every registered primitive: export a small function
// using it, import, and compare bit for bit with the direct call. Its shapeless column replays a
// shapeless export at two other input shapes, or names what the export refuses. A primitive without
// a row, or a row without a shapeless column, fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <sstream>

#include "export/format.h"
#include "export_test_util.h"
#include "prims/primitive.h"

using namespace ingot;

namespace {

struct Case {
  std::string primitive;  // the registry name the case exercises
  ArgsFunction fun;
  Args inputs;
  std::vector<Args> alts = {};      // other input shapes that a shapeless export of fun replays at
  std::string refuses = {};         // or what a shapeless export names when it refuses the primitive
  ArgsFunction shapeless_fun = {};  // the function for the shapeless column, when not fun
};

array f32(std::vector<float> v, Shape s) { return array(v, std::move(s)); }
array i32(std::vector<int32_t> v, Shape s) { return array(v, std::move(s)); }

// `a`'s values repeated in order to fill shape s (same dtype, so the same domain of values).
array rs(const array& a, Shape s) {
  const auto v = ingot::testing::vals(a);
  std::vector<double> out(static_cast<size_t>(ingot::testing::numel(s)));
  for (size_t i = 0; i < out.size(); ++i) out[i] = v[i % v.size()];
  return array(out, std::move(s), a.dtype());
}
// Every input of shape (2, 3) resized to s; the others unchanged.
Args resized(const Args& in, const Shape& s) {
  Args out;
  for (const auto& a : in) out.push_back(a.shape() == Shape{2, 3} ? rs(a, s) : a);
  return out;
}

std::vector<Case> cases() {
  const auto x = f32({0.5f, -1.25f, 2.0f, 0.75f, -0.1f, 3.5f}, {2, 3});
  const auto y = f32({1.5f, 0.25f, -2.0f, 0.5f, 4.0f, -0.75f}, {2, 3});
  const auto u = f32({0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.9f}, {2, 3});    // in (0, 1)
  const auto big = f32({1.5f, 2.0f, 3.0f, 4.5f, 10.0f, 1.25f}, {2, 3});  // > 1
  const auto n = i32({7, -7, 9, 12, -3, 5}, {2, 3});
  const auto m = i32({2, 3, -4, 5, 1, 2}, {2, 3});
  const auto b = array(std::vector<bool>{true, false, true, true, false, false}, {2, 3});
  std::vector<Case> c;
  // The shapeless column: the (2, 3) inputs at (3, 4) and (1, 5), unless a row says otherwise.
  auto grow = [](const Args& in) { return std::vector<Args>{resized(in, {3, 4}), resized(in, {1, 5})}; };
  auto unary = [&](const char* name, array (*op)(const array&), const array& in) {
    c.push_back({name, [op](const Args& a) { return Args{op(a[0])}; }, {in}, grow({in})});
  };
  auto binary = [&](const char* name, array (*op)(const Operand&, const Operand&), const array& l, const array& r) {
    c.push_back({name, [op](const Args& a) { return Args{op(a[0], a[1])}; }, {l, r}, grow({l, r})});
  };
  auto alts = [&](std::vector<Args> a) { c.back().alts = std::move(a); };
  auto grows = [&] { c.back().alts = grow(c.back().inputs); };
  auto refuses = [&](std::string what, ArgsFunction f = {}) {
    c.back().refuses = std::move(what);
    c.back().shapeless_fun = std::move(f);
  };
  unary("Abs", abs, x), unary("Negative", negative, x), unary("Sign", sign, x), unary("Square", square, x);
  unary("Sqrt", sqrt, big), unary("Rsqrt", rsqrt, big), unary("Reciprocal", reciprocal, x), unary("Exp", exp, x);
  unary("Expm1", expm1, x), unary("Log", log, big), unary("Log1p", log1p, u), unary("Log2", log2, big);
  unary("Log10", log10, big), unary("Sin", sin, x), unary("Cos", cos, x), unary("Tan", tan, u);
  unary("ArcSin", arcsin, u), unary("ArcCos", arccos, u), unary("ArcTan", arctan, x), unary("Sinh", sinh, x);
  unary("Cosh", cosh, x), unary("Tanh", tanh, x), unary("ArcSinh", arcsinh, x), unary("ArcCosh", arccosh, big);
  unary("ArcTanh", arctanh, u), unary("Sigmoid", sigmoid, x), unary("Erf", erf, x), unary("ErfInv", erfinv, u);
  unary("Floor", floor, x), unary("Ceil", ceil, x), unary("LogicalNot", logical_not, b);
  unary("BitwiseInvert", bitwise_invert, n), unary("IsNaN", isnan, x), unary("IsInf", isinf, x);
  unary("IsPosInf", isposinf, x), unary("IsNegInf", isneginf, x), unary("IsFinite", isfinite, x);
  unary("StopGradient", stop_gradient, x), unary("Copy", copy, x);
  binary("Add", add, x, y), binary("Subtract", subtract, x, y), binary("Multiply", multiply, x, y);
  binary("Divide", divide, x, y), binary("FloorDivide", floor_divide, n, m), binary("Remainder", remainder, n, m);
  binary("Power", power, big, y), binary("Maximum", maximum, x, y), binary("Minimum", minimum, x, y);
  binary("ArcTan2", arctan2, x, y), binary("LogAddExp", logaddexp, x, y), binary("Equal", equal, n, m);
  binary("NotEqual", not_equal, x, y), binary("Less", less, x, y), binary("LessEqual", less_equal, n, m);
  binary("Greater", greater, x, y), binary("GreaterEqual", greater_equal, x, y);
  binary("LogicalAnd", logical_and, b, b), binary("LogicalOr", logical_or, b, b);
  binary("BitwiseAnd", bitwise_and, n, m), binary("BitwiseOr", bitwise_or, n, m);
  binary("BitwiseXor", bitwise_xor, n, m), binary("LeftShift", left_shift, n, i32({1, 2, 3, 0, 4, 1}, {2, 3}));
  binary("RightShift", right_shift, n, i32({1, 2, 3, 0, 4, 1}, {2, 3}));
  c.push_back({"DivMod", [](const Args& a) { auto [q, r] = divmod(a[0], a[1]); return Args{q, r}; }, {n, m}});
  grows();
  c.push_back({"AsType", [](const Args& a) { return Args{astype(a[0], float16), astype(a[0], int8)}; }, {x}});
  grows();
  c.push_back({"Round", [](const Args& a) { return Args{round(a[0], 1), round(a[0])}; }, {x}});
  grows();
  c.push_back({"Broadcast", [](const Args& a) { return Args{broadcast_to(a[0], {4, 2, 3})}; }, {x}});
  grows();  // written as a user would, (4,) + x.shape: the 4 is the function's, the input's sizes follow
  c.back().shapeless_fun = [](const Args& a) {
    Shape s = a[0].shape();
    s.insert(s.begin(), 4);
    return Args{broadcast_to(a[0], s), broadcast_to(reshape(a[0], {-1, 1}), {a[0].size(), 3})};
  };
  c.push_back({"Concatenate", [](const Args& a) { return Args{concatenate({a[0], a[1]}, 1)}; }, {x, y}});
  grows();
  c.push_back({"Full", [](const Args& a) { return Args{a[0] + full({2, 3}, 2.5f)}; }, {x}});
  refuses("the shape (2,3)", [](const Args& a) { return Args{full({2, 3}, sum(a[0]))}; });
  c.push_back({"Arange", [](const Args& a) { return Args{a[0] * arange(0.0, 3.0, 1.0)}; }, {x}});
  alts({{rs(x, {5, 3})}, {rs(x, {1, 3})}});  // a constant range: the last axis stays 3
  c.push_back({"ArangeAlong", [](const Args& a) {
                 return Args{a[0] * arange_along(a[0], -1, float32), arange_along(a[0], 0, int64)};
               }, {x}});
  grows();  // the range follows the input's size
  c.push_back({"Matmul", [](const Args& a) { return Args{matmul(a[0], transpose(a[1]))}; }, {x, y}});
  alts({{rs(x, {3, 4}), rs(y, {5, 4})}, {rs(x, {1, 5}), rs(y, {2, 5})}});
  c.push_back({"AddMM", [](const Args& a) { return Args{addmm(a[2], a[0], transpose(a[1]), 0.5f, 2.0f)}; },
               {x, y, f32({1.0f, 2.0f}, {2})}});
  alts({{rs(x, {3, 4}), rs(y, {5, 4}), f32({1, 2, 3, 4, 5}, {5})}, {rs(x, {1, 5}), rs(y, {2, 5}), f32({1, 2}, {2})}});
  for (auto [name, op] : std::vector<std::pair<const char*, array (*)(const array&, int, bool)>>{
           {"Sum", sum}, {"Prod", prod}, {"Max", max}, {"Min", min}})
    c.push_back({name, [op](const Args& a) { return Args{op(a[0], 1, false), op(a[0], 0, true)}; }, {x}, grow({x})});
  c.push_back({"All", [](const Args& a) { return Args{all(a[0], 1, false)}; }, {b}});
  grows();
  c.push_back({"Any", [](const Args& a) { return Args{any(a[0], 0, true)}; }, {b}});
  grows();
  c.push_back({"ArgMax", [](const Args& a) { return Args{argmax(a[0], 1, false)}; }, {x}});
  grows();
  c.push_back({"ArgMin", [](const Args& a) { return Args{argmin(a[0], 0, true)}; }, {x}});
  grows();
  c.push_back({"Reshape", [](const Args& a) { return Args{reshape(a[0], {3, 2}), reshape(transpose(a[0]), {-1})}; }, {x}});
  refuses("the shape (3,2)");
  c.push_back({"Flatten", [](const Args& a) { return Args{flatten(a[0]), flatten(a[0], 0, 1) + 1.0f}; }, {x}});
  grows();
  c.push_back({"Unflatten", [](const Args& a) {
                 return Args{unflatten(a[0], 1, {-1, 1}), unflatten(a[0], 0, {1, -1}) + 1.0f};
               }, {x}});
  grows();
  c.push_back({"ExpandDims", [](const Args& a) { return Args{expand_dims(a[0], {0, 2})}; }, {x}});
  grows();
  c.push_back({"Squeeze", [](const Args& a) { return Args{squeeze(a[0], 1), squeeze(a[0], {1}) * 2.0f}; },
               {rs(x, {2, 1, 3})}});
  alts({{rs(x, {3, 1, 4})}, {rs(x, {4, 1, 5})}});
  c.push_back({"BroadcastLike", [](const Args& a) { return Args{broadcast_like(a[1], {a[0]}), zeros_like(a[0])}; },
               {x, f32({1.0f, 2.0f, 3.0f}, {3})}});
  alts({{rs(x, {4, 3}), f32({1.0f, 2.0f, 3.0f}, {3})}, {rs(x, {1, 1}), f32({5.0f}, {1})}});
  c.push_back({"Select", [](const Args& a) { return Args{where(a[2], a[0], a[1])}; }, {x, y, b}});
  grows();
  c.push_back({"Slice", [](const Args& a) { return Args{slice(a[0], {1, 2}, {0, 0}, Shape{-1, -2}), slice(a[0], {-1, 0}, {-3, 100}, Shape{-1, 2})};
               }, {x}});
  grows();
  c.push_back({"Split", [](const Args& a) { return split(a[0], 3, 1); }, {x}});
  alts({{rs(x, {3, 6})}, {rs(x, {1, 3})}});
  c.push_back({"NumberOfElements", [](const Args& a) { return Args{mean(a[0], 1), var(a[0], 0, true, 1)}; }, {x}});
  grows();
  c.push_back({"Transpose", [](const Args& a) { return Args{transpose(a[0]), swapaxes(a[0], 0, 1) + 1.0f}; }, {x}});
  grows();
  c.push_back({"RandomBits", [](const Args& a) { return Args{random::bits({2, 3}, 4, a[0]), random::bits({5}, 1, a[0])}; },
               {random::key(42)}});
  refuses("the shape (2,3)");
  auto ramp = [](int64_t n, float scale) {  // deterministic, varied values
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>((i * 37) % 23 - 11);
    return v;
  };
  const auto sig = f32(ramp(10, 0.25f), {1, 5, 2}), filt = f32(ramp(12, 0.125f), {3, 2, 2});
  c.push_back({"Convolution", [](const Args& a) {
                 return Args{conv1d(a[0], a[1], 1, 1), conv_general(a[0], a[1], {2}, {1}, {0}, {1}, {2}, 1, true)};
               }, {sig, filt}});
  alts({{rs(sig, {2, 7, 2}), filt}, {rs(sig, {1, 4, 2}), filt}});
  c.back().shapeless_fun = [](const Args& a) {  // the flipped (transposed) form: see ConvTransposeShapeless
    return Args{conv1d(a[0], a[1], 1, 1), conv_general(a[0], a[1], {2}, {1}, {0}, {1}, {2}, 1, false)};
  };
  c.push_back({"Pooling", [](const Args& a) { return Args{max_pool1d(a[0], 2, 1, 1), avg_pool1d(a[0], 3)}; }, {sig}});
  alts({{rs(sig, {2, 7, 2})}, {rs(sig, {1, 4, 2})}});
  const auto wfull = f32(ramp(2 * 64, 0.05f), {2, 64}), xrow = f32(ramp(3 * 64, 0.1f), {3, 64});
  c.push_back({"Quantize", [](const Args& a) { auto [q, s, b] = quantize(a[0], 32, 4); return Args{q, s, b}; }, {wfull}});
  alts({{rs(wfull, {3, 64})}, {rs(wfull, {1, 128})}});
  c.push_back({"Dequantize", [](const Args& a) {
                 auto [q, s, b] = quantize(a[0], 64, 3);
                 return Args{dequantize(q, s, b, 64, 3)};
               }, {wfull}});
  alts({{rs(wfull, {3, 64})}, {rs(wfull, {1, 128})}});
  c.push_back({"QuantizedMatmul", [](const Args& a) {
                 auto [q, s, b] = quantize(a[0], 32, 8);
                 return Args{quantized_matmul(a[1], q, s, b, true, 32, 8)};
               }, {wfull, xrow}});
  alts({{rs(wfull, {4, 64}), rs(xrow, {5, 64})}, {rs(wfull, {1, 128}), rs(xrow, {2, 128})}});
  c.push_back({"Sort", [](const Args& a) { return Args{sort(a[0], -1), sort(a[0], 0), sort(a[0])}; }, {x}});
  grows();
  c.push_back({"ArgSort", [](const Args& a) { return Args{argsort(a[0], -1), argsort(a[0], 0), argsort(a[0])}; }, {x}});
  grows();
  c.push_back({"Partition", [](const Args& a) { return Args{partition(a[0], 1, -1), partition(a[0], -1, 0), partition(a[0], 3)}; }, {x}});
  grows();
  c.push_back({"ArgPartition", [](const Args& a) { return Args{argpartition(a[0], 2, 1)}; }, {x}});
  grows();
  c.push_back({"TopK", [](const Args& a) { return Args{topk(a[0], 2, -1), topk(a[0], 1, 0), topk(a[0], 2)}; }, {x}});
  grows();
  c.push_back({"SearchSorted", [](const Args& a) {
                 return Args{searchsorted(sort(a[0], std::nullopt), a[1], "right"), searchsorted(a[2], a[3])};
               }, {x, y, f32({-1.0f, 0.0f, 2.5f}, {3}), y}});
  alts({{rs(x, {3, 4}), rs(y, {3, 4}), f32({-2, -1, 0, 2.5, 7}, {5}), rs(y, {3, 4})}, resized(c.back().inputs, {1, 5})});
  for (auto [name, op] : std::vector<std::pair<const char*, array (*)(const array&, std::optional<int>, bool, bool)>>{
           {"CumSum", cumsum}, {"CumProd", cumprod}, {"CumMax", cummax}, {"CumMin", cummin},
           {"LogCumSumExp", logcumsumexp}})
    c.push_back({name, [op](const Args& a) { return Args{op(a[0], 1, false, true), op(a[0], 0, true, false)}; }, {x},
                 grow({x})});
  // indexing: run-time indices and starts are function inputs
  const auto cols = i32({2, -1, 0}, {3});
  c.push_back({"Take", [](const Args& a) { return Args{take(a[0], a[1], 1), take(a[0], a[1]), take(a[0], -1, 1)}; }, {x, cols}});
  alts({{rs(x, {3, 4}), cols}, {rs(x, {1, 5}), i32({4, -2, 1, 0}, {4})}});
  c.push_back({"Gather", [](const Args& a) { return Args{gather(a[0], {a[1]}, {1}, {2, 2})}; }, {x, cols}});
  refuses("the slice sizes (2,2)");
  c.push_back({"GatherAxis", [](const Args& a) { return Args{take_along_axis(a[0], a[1], 1)}; },
               {x, i32({2, 0, 1, 1, 1, 0}, {2, 3})}});
  grows();
  c.push_back({"Scatter", [](const Args& a) {
                 return Args{scatter_add(a[0], {a[1]}, a[2], {1}), scatter(a[0], {a[1]}, a[2], {1})};
               }, {x, i32({0, 2, 0}, {3}), f32({1.5f, -2.0f, 0.25f, 4.0f, 3.0f, -1.0f}, {3, 2, 1})}});
  alts({{rs(x, {4, 5}), i32({0, 2, 0}, {3}), rs(c.back().inputs[2], {3, 4, 1})},
        {rs(x, {1, 3}), i32({2, 0}, {2}), rs(c.back().inputs[2], {2, 1, 1})}});
  c.push_back({"ScatterAxis", [](const Args& a) {
                 return Args{put_along_axis(a[0], a[1], a[2], 1), scatter_add_axis(a[0], a[1], a[2], 1)};
               }, {x, i32({1, 1, 0, 2}, {2, 2}), f32({5.0f, 6.0f, 7.0f, 8.0f}, {2, 2})}});
  alts({{rs(x, {3, 4}), rs(c.back().inputs[1], {3, 2}), rs(c.back().inputs[2], {3, 2})},
        {rs(x, {1, 5}), rs(c.back().inputs[1], {1, 2}), rs(c.back().inputs[2], {1, 2})}});
  c.push_back({"SliceUpdate", [](const Args& a) { return Args{slice_update(a[0], a[1], {0, 1}, {2, 3})}; },
               {x, f32({9.0f, 8.0f, 7.0f, 6.0f}, {2, 2})}});
  alts({{rs(x, {3, 4}), c.back().inputs[1]}, {rs(x, {2, 5}), c.back().inputs[1]}});
  c.push_back({"DynamicSlice", [](const Args& a) { return Args{slice(a[0], a[1], {1}, {2, 2})}; },
               {x, i32({1}, {1})}});
  refuses("the slice sizes (2,2)");
  c.push_back({"DynamicSliceUpdate", [](const Args& a) { return Args{slice_update(a[0], a[1], a[2], {1})}; },
               {x, f32({9.0f, 8.0f}, {2, 1}), i32({2}, {1})}});
  alts({{rs(x, {3, 4}), c.back().inputs[1], i32({3}, {1})}, {rs(x, {2, 5}), c.back().inputs[1], i32({4}, {1})}});
  // fused: the kernels in the round trip; the shapeless replay follows lengths, heads and batch
  const auto w3 = f32({0.5f, 2.0f, -1.0f}, {3});
  c.push_back({"RMSNorm", [](const Args& a) { return Args{fast::rms_norm(a[0], a[1], 1e-5f), fast::rms_norm(a[0], std::nullopt, 0.5f)}; },
               {x, w3}});
  alts({{rs(x, {5, 3}), w3}, {rs(x, {1, 3}), w3}});
  c.push_back({"LayerNorm", [](const Args& a) { return Args{fast::layer_norm(a[0], a[1], a[2], 1e-5f)}; }, {x, w3, w3}});
  alts({{rs(x, {5, 3}), w3, w3}, {rs(x, {1, 3}), w3, w3}});
  const auto x4 = rs(x, {1, 2, 3, 4});
  c.push_back({"RoPE", [](const Args& a) {
                 return Args{fast::rope(a[0], 4, false, 10000.0f, 1.0f, a[1]), fast::rope(a[0], 2, true, 100.0f, 0.5f, 3)};
               }, {x4, array(2)}});
  alts({{rs(x, {2, 3, 6, 4}), array(5)}, {rs(x, {1, 1, 1, 4}), array(0)}});
  c.push_back({"ScaledDotProductAttention", [](const Args& a) {
                 return Args{fast::scaled_dot_product_attention(a[0], a[1], a[1], 0.5f, "causal"),
                             fast::scaled_dot_product_attention(a[0], a[1], a[1], 0.5f)};
               }, {x4, rs(x, {1, 1, 5, 4})}});
  alts({{rs(x, {2, 4, 7, 4}), rs(x, {2, 2, 9, 4})}, {rs(x, {1, 2, 1, 4}), rs(x, {1, 1, 1, 4})}});
  c.push_back({"Pad", [](const Args& a) {
                 return Args{pad(a[0], {{1, 0}, {0, 2}}, a[1]), pad(a[0], 1, 0, "edge")};
               }, {x, array(0.5f)}});
  grows();
  return c;
}

std::set<std::string> registered_names() {
  std::set<std::string> names;
  for (const auto& [name, entry] : primitive_registry().entries()) names.insert(name);
  return names;
}

}  // namespace

TEST(ExportPrimitives, EveryRegisteredPrimitiveHasARoundTripCase) {
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(c.primitive);
  std::vector<std::string> missing;
  for (const auto& name : registered_names())
    if (!covered.count(name)) missing.push_back(name);
  EXPECT_TRUE(missing.empty()) << "primitives without an export round-trip case: " << ::testing::PrintToString(missing);
  for (const auto& name : covered) EXPECT_TRUE(registered_names().count(name)) << name << " is not registered";
}

TEST(ExportPrimitives, EachRoundTripsBitForBit) {
  ingot::testing::TempDir dir(/*in_memory=*/true);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.primitive);
    const auto path = dir.file(c.primitive + ".ingot");
    export_function(path, c.fun, c.inputs);
    auto f = import_function(path);
    auto want = c.fun(c.inputs);
    auto got = f(c.inputs);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(ingot::testing::same_bits(got[i], want[i])) << "output " << i;
    // The node is in the file (except Copy, which export drops as a no-op).
    std::ostringstream dot;
    export_to_dot(dot, f);
    if (c.primitive != "Copy") EXPECT_THAT(dot.str(), ::testing::HasSubstr("label=\"" + c.primitive)) << dot.str();
  }
}

// The shapeless column: a shapeless export replays at other input shapes exactly as the direct call
// there, or the export itself refuses, naming the primitive, its node and what it bakes in.
TEST(ExportPrimitives, EachReplaysShapelessOrRefusesByName) {
  ingot::testing::TempDir dir(/*in_memory=*/true);
  size_t replayed = 0, refused = 0;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.primitive);
    ASSERT_TRUE(c.alts.size() >= 2 || !c.refuses.empty()) << "no shapeless column";
    const ArgsFunction& fun = c.shapeless_fun ? c.shapeless_fun : c.fun;
    const auto path = dir.file(c.primitive + ".shapeless.ingot");
    if (!c.refuses.empty()) {
      const auto msg = ingot::testing::error_of([&] { export_function(path, fun, c.inputs, /*shapeless=*/true); });
      EXPECT_THAT(msg, ::testing::HasSubstr("[export_function] " + c.primitive + " (node "));
      EXPECT_THAT(msg, ::testing::HasSubstr("bakes " + c.refuses));
      EXPECT_THAT(msg, ::testing::HasSubstr("cannot be exported shapeless"));
      EXPECT_FALSE(std::filesystem::exists(path));
      ++refused;
      continue;
    }
    export_function(path, fun, c.inputs, /*shapeless=*/true);
    auto f = import_function(path);
    for (const auto& in : c.alts) {
      const auto want = fun(in);
      const auto got = f(in);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].shape(), want[i].shape()) << "output " << i << " at input shape " << shape_str(in[0].shape());
        EXPECT_TRUE(ingot::testing::same_bits(got[i], want[i])) << "output " << i << " at input shape " << shape_str(in[0].shape());
      }
    }
    ++replayed;
  }
  std::cout << "shapeless: " << replayed << " primitives replay at other shapes, " << refused << " refuse\n";
}

// Ops whose result's structure depends on the traced shape refuse while a shapeless export traces.
TEST(ExportPrimitives, OpsThatCannotFollowShapesRefuseWhileTracing) {
  ingot::testing::TempDir dir;
  const auto msg = ingot::testing::error_of([&] {
    export_function(dir.file("s.ingot"), [](const Args& a) { return Args{squeeze(a[0])}; }, {ones({2, 1})}, true);
  });
  EXPECT_THAT(msg, ::testing::HasSubstr("[squeeze] without axes it removes the axes that are 1 in the traced shape"));
  EXPECT_THAT(ingot::testing::error_of([&] {
                export_function(dir.file("r.ingot"), [](const Args& a) { return Args{roll(a[0], 1)}; }, {ones({2, 3})}, true);
              }),
              ::testing::HasSubstr("[roll] rolling the flattened array bakes its shape"));
  // Outside a shapeless export both work as before.
  export_function(dir.file("s.ingot"), [](const Args& a) { return Args{squeeze(a[0]), roll(a[0], 1)}; }, {ones({2, 1})});
}

// A transposed convolution's padding comes from the kernel's size: it follows the input's length when the
// kernel is a weight, and is refused when the kernel is itself a function input.
TEST(ExportPrimitives, ConvTransposeShapeless) {
  ingot::testing::TempDir dir;
  const auto w = rs(f32({0.5f, -1.0f, 0.25f, 2.0f, 1.5f, -0.5f}, {6}), {3, 2, 2});
  const auto conv = [w](const Args& a) { return Args{conv_transpose1d(a[0], w, 2, 1)}; };
  export_function(dir.file("ct.ingot"), conv, {rs(w, {1, 5, 2})}, true);
  auto f = import_function(dir.file("ct.ingot"));
  for (const Shape& s : {Shape{1, 5, 2}, Shape{2, 9, 2}, Shape{1, 3, 2}}) {
    const auto x = rs(w, s);
    EXPECT_TRUE(ingot::testing::same_bits(f({x})[0], conv({x})[0])) << shape_str(s);
  }
  EXPECT_THAT(ingot::testing::error_of([&] {
                export_function(dir.file("ct2.ingot"), [](const Args& a) { return Args{conv_transpose1d(a[0], a[1])}; },
                                {rs(w, {1, 5, 2}), w}, true);
              }),
              ::testing::HasSubstr("Convolution (node 0) bakes the padding computed for the traced kernel size"));
}

TEST(ExportPrimitives, TheExporterRefusesShapelessTracesToo) {
  ingot::testing::TempDir dir;
  // Rank 2 reshapes to a written shape; rank 1 only doubles.
  auto fun = ArgsFunction([](const Args& a) { return Args{a[0].ndim() == 2 ? reshape(a[0] * 2.0f, {6}) : a[0] * 2.0f}; });
  {
    auto ex = exporter(dir.file("r.ingot"), fun, /*shapeless=*/true);
    EXPECT_THAT(ingot::testing::error_of([&] { ex({ones({2, 3})}); }),
                ::testing::HasSubstr("[exporter] Reshape (node 1) bakes the shape (6,) (keep a -1, or use "
                                     "flatten/unflatten) and cannot be exported shapeless."));
    ex({ones({4})});  // the exporter stays usable after a refused trace
  }
  auto f = import_function(dir.file("r.ingot"));
  ASSERT_EQ(f.signatures().size(), 1u);
  EXPECT_EQ(ingot::testing::vals(f({ones({7})})[0]), std::vector<double>(7, 2.0));
}

// A primitive unknown to the registry (a user's own) cannot be exported, and the error names it.
namespace {
class Doubler : public PrimitiveBase<Doubler> {
 public:
  static constexpr const char* kName = "TestOnlyDoubler";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;
  static constexpr int kArity = 1;
  auto state() const { return std::tuple<>(); }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].alloc();
    for (int64_t i = 0; i < in[0].size(); ++i) out[0].data<float>()[i] = 2 * in[0].data<float>()[i];
  }
};
}  // namespace

TEST(ExportPrimitives, UnregisteredPrimitiveIsRefusedByName) {
  ingot::testing::TempDir dir;
  auto fun = ArgsFunction([](const Args& a) { return Args{make<Doubler>({a[0]}) + 1.0f}; });
  auto direct = fun({array({1.0f, 2.0f})})[0];
  direct.eval();  // sanity: the custom primitive itself works
  EXPECT_EQ(direct.data<float>()[0], 3.0f);
  EXPECT_EQ(direct.data<float>()[1], 5.0f);
  auto msg = ingot::testing::error_of<std::exception>([&] { export_function(dir.file("u.ingot"), fun, {array({1.0f, 2.0f})}); });
  EXPECT_THAT(msg, ::testing::HasSubstr("TestOnlyDoubler cannot be exported"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("u.ingot")));
}

// Every primitive's file, corrupted byte by byte (with the checksum fixed, as a hostile writer
// would), imports with an error or runs: never a crash. Run under the sanitizers by scripts/test.
TEST(ExportPrimitives, CorruptedFilesNeverCrash) {
  ingot::testing::TempDir dir(/*in_memory=*/true);
  std::mt19937 rng(7);
  size_t refused = 0, ran = 0;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.primitive);
    const auto path = dir.file(c.primitive + ".ingot");
    export_function(path, c.fun, c.inputs);
    const auto bytes = ingot::testing::read_bytes(path);
    format::Header h;
    std::memcpy(&h, bytes.data(), sizeof(h));
    const auto bad = dir.file(c.primitive + ".bad.ingot");
    for (uint64_t i = h.graph_offset; i < h.graph_offset + h.graph_size; ++i) {
      auto b = bytes;
      b[i] = static_cast<char>(b[i] ^ static_cast<char>(1 + rng() % 255));
      h.graph_crc32 = format::crc32(b.data() + h.graph_offset, h.graph_size);
      std::memcpy(b.data(), &h, sizeof(h));
      ingot::testing::write_bytes(bad, b);
      try {
        auto f = import_function(bad);
        auto out = f(c.inputs);
        eval(out);
        ++ran;
      } catch (const std::exception&) {
        ++refused;
      }
    }
  }
  // Most corruptions are caught; some (in names, version strings, unused fields) are harmless.
  EXPECT_GT(refused, 4 * ran);
  std::cout << "corrupted files: " << refused << " refused, " << ran << " ran\n";
}
