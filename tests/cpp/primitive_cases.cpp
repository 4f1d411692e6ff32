#include "primitive_cases.h"

#include "distributed/group.h"
#include "export_test_util.h"

namespace ingot::testing {

array f32(std::vector<float> v, Shape s) { return array(v, std::move(s)); }
array i32(std::vector<int32_t> v, Shape s) { return array(v, std::move(s)); }

array rs(const array& a, Shape s) {
  const auto v = ingot::testing::vals(a);
  std::vector<double> out(static_cast<size_t>(ingot::testing::numel(s)));
  for (size_t i = 0; i < out.size(); ++i) out[i] = v[i % v.size()];
  return array(out, std::move(s), a.dtype());
}
namespace {

// Every input of shape (2, 3) resized to s; the others unchanged.
Args resized(const Args& in, const Shape& s) {
  Args out;
  for (const auto& a : in) out.push_back(a.shape() == Shape{2, 3} ? rs(a, s) : a);
  return out;
}

}  // namespace

std::vector<PrimitiveCase> primitive_cases() {
  const auto x = f32({0.5f, -1.25f, 2.0f, 0.75f, -0.1f, 3.5f}, {2, 3});
  const auto y = f32({1.5f, 0.25f, -2.0f, 0.5f, 4.0f, -0.75f}, {2, 3});
  const auto u = f32({0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.9f}, {2, 3});    // in (0, 1)
  const auto big = f32({1.5f, 2.0f, 3.0f, 4.5f, 10.0f, 1.25f}, {2, 3});  // > 1
  const auto n = i32({7, -7, 9, 12, -3, 5}, {2, 3});
  const auto m = i32({2, 3, -4, 5, 1, 2}, {2, 3});
  const auto b = array(std::vector<bool>{true, false, true, true, false, false}, {2, 3});
  std::vector<PrimitiveCase> c;
  // The shapeless column: the (2, 3) inputs at (3, 4) and (1, 5), unless a row says otherwise.
  auto grow = [](const Args& in) { return std::vector<Args>{resized(in, {3, 4}), resized(in, {1, 5})}; };
  auto unary = [&](const char* name, array (*op)(const array&, StreamOrDevice), const array& in) {
    c.push_back({name, [op](const Args& a) { return Args{op(a[0], {})}; }, {in}, grow({in})});
  };
  auto binary = [&](const char* name, array (*op)(const Operand&, const Operand&, StreamOrDevice), const array& l,
                    const array& r) {
    c.push_back({name, [op](const Args& a) { return Args{op(a[0], a[1], {})}; }, {l, r}, grow({l, r})});
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
  c.push_back({"Depends", [](const Args& a) { return depends({a[0] * 2.0f}, {exp(a[1])}); }, {x, y}});
  grows();
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
  for (auto [name, op] : std::vector<std::pair<const char*, array (*)(const array&, int, bool, StreamOrDevice)>>{
           {"Sum", sum}, {"Prod", prod}, {"Max", max}, {"Min", min}})
    // op = op: clang before 16 cannot capture a structured binding itself (the fuzz build uses clang 14)
    c.push_back({name, [op = op](const Args& a) { return Args{op(a[0], 1, false, {}), op(a[0], 0, true, {})}; }, {x},
                 grow({x})});
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
  // Every mode, nvfp4 also with a global scale (dequantize's an input, so that its derivative is checked).
  c.push_back({"ConvertFP8", [](const Args& a) {
                 const array codes = to_fp8(a[0]);
                 return Args{codes, from_fp8(codes, float32), from_fp8(to_fp8(astype(a[0], float16)), float16)};
               }, {xrow}});
  alts({{rs(xrow, {2, 5})}, {rs(xrow, {1, 64})}});
  c.push_back({"Quantize", [](const Args& a) {
                 auto [q, s, b] = quantize(a[0], 32, 4);
                 Args out{q, s, b};
                 for (const char* mode : {"mxfp4", "mxfp8", "nvfp4"})
                   for (const auto& o : quantize(a[0], std::nullopt, std::nullopt, mode)) out.push_back(o);
                 for (const auto& o : quantize(a[0], std::nullopt, std::nullopt, "nvfp4", array(0.75f))) out.push_back(o);
                 return out;
               }, {wfull}});
  alts({{rs(wfull, {3, 64})}, {rs(wfull, {1, 128})}});
  const auto gscale = f32({0.75f}, {});
  c.push_back({"Dequantize", [](const Args& a) {
                 auto [q, s, b] = quantize(a[0], 64, 3);
                 Args out{dequantize(q, s, b, 64, 3)};
                 for (const char* mode : {"mxfp4", "mxfp8", "nvfp4"}) {
                   auto qs = quantize(a[0], std::nullopt, std::nullopt, mode);
                   out.push_back(dequantize(qs[0], qs[1], std::nullopt, std::nullopt, std::nullopt, mode));
                   out.push_back(dequantize(qs[0], qs[1], std::nullopt, std::nullopt, std::nullopt, mode, std::nullopt, float32));
                 }
                 auto nv = quantize(a[0], std::nullopt, std::nullopt, "nvfp4", array(0.75f));
                 out.push_back(dequantize(nv[0], nv[1], std::nullopt, std::nullopt, std::nullopt, "nvfp4", a[1]));
                 return out;
               }, {wfull, gscale}});
  alts({{rs(wfull, {3, 64}), gscale}, {rs(wfull, {1, 128}), gscale}});
  c.push_back({"QuantizedMatmul", [](const Args& a) {
                 auto [q, s, b] = quantize(a[0], 32, 8);
                 Args out{quantized_matmul(a[1], q, s, b, true, 32, 8)};
                 for (const char* mode : {"mxfp4", "mxfp8", "nvfp4"}) {
                   auto qs = quantize(a[0], std::nullopt, std::nullopt, mode);
                   out.push_back(quantized_matmul(a[1], qs[0], qs[1], std::nullopt, true, std::nullopt, std::nullopt, mode));
                   out.push_back(quantized_matmul(a[2], qs[0], qs[1], std::nullopt, false, std::nullopt, std::nullopt, mode));
                 }
                 return out;
               }, {wfull, xrow, rs(xrow, {3, 2})}});
  alts({{rs(wfull, {4, 64}), rs(xrow, {5, 64}), rs(xrow, {5, 4})}, {rs(wfull, {1, 128}), rs(xrow, {2, 128}), rs(xrow, {2, 1})}});
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
  using Scan = array (*)(const array&, std::optional<int>, bool, bool, StreamOrDevice);
  for (auto [name, op] : std::vector<std::pair<const char*, Scan>>{
           {"CumSum", cumsum}, {"CumProd", cumprod}, {"CumMax", cummax}, {"CumMin", cummin},
           {"LogCumSumExp", logcumsumexp}})
    c.push_back({name, [op = op](const Args& a) { return Args{op(a[0], 1, false, true, {}), op(a[0], 0, true, false, {})}; },
                 {x}, grow({x})});
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
  // Linear algebra: a well-conditioned square matrix whose LU pivots swap rows, its Gram matrix
  // (symmetric positive definite, distinct eigenvalues), at other square sizes in the shapeless column.
  const auto sq = f32({0.4f, 1.5f, 0.2f, 2.0f, 0.5f, -0.3f, -0.1f, 0.3f, 3.0f}, {3, 3});
  const std::vector<Args> square_alts = {{rs(sq, {4, 4})}, {rs(sq, {1, 1})}};
  auto gram = [](const array& a) { return matmul(a, swapaxes(a, -1, -2)); };
  c.push_back({"Inverse", [](const Args& a) {
                 return Args{linalg::inv(a[0]), linalg::tri_inv(a[0], false), linalg::tri_inv(a[0], true)};
               }, {sq}, square_alts});
  c.push_back({"Cholesky", [gram](const Args& a) {
                 return Args{linalg::cholesky(gram(a[0])), linalg::cholesky(gram(a[0]), true)};
               }, {sq}, square_alts});
  c.push_back({"Eigh", [gram](const Args& a) {
                 auto [w, v] = linalg::eigh(gram(a[0]));
                 return Args{w, v, linalg::eigvalsh(gram(a[0]), "U")};
               }, {sq}, square_alts});
  c.push_back({"Eig", [](const Args& a) {
                 auto [w, v] = linalg::eig(a[0]);
                 return Args{w, v, linalg::eigvals(a[0])};
               }, {sq}, square_alts});
  c.push_back({"LUF", [](const Args& a) { auto [lu, piv] = linalg::lu_factor(a[0]); return Args{lu, piv}; },
               {sq}, square_alts});
  c.push_back({"QRF", [](const Args& a) {
                 auto [q, r] = linalg::qr(a[0]);
                 auto [q2, r2] = linalg::qr(swapaxes(a[0], 0, 1));
                 return Args{q, r, q2, r2};
               }, {x}});
  grows();
  c.push_back({"SVD", [](const Args& a) {
                 return Args{linalg::svd(a[0], false)[0], linalg::svd(swapaxes(a[0], 0, 1), false)[0]};
               }, {x}});
  grows();
  // Complex numbers: parts of a complex64 array, and Fourier transforms (complex in, real in, real out).
  auto cz = [&](const Shape& s) { return add(astype(rs(x, s), complex64), multiply(rs(y, s), complex64_t(0.0f, 1.0f))); };
  const auto z = cz({2, 3});
  for (auto [name, op] : std::vector<std::pair<const char*, array (*)(const array&, StreamOrDevice)>>{
           {"Real", real}, {"Imag", imag}, {"Conjugate", conjugate}, {"ComplexAbs", abs}}) {
    c.push_back({name, [op = op](const Args& a) { return Args{op(a[0], {})}; }, {z}});
    alts({{cz({3, 4})}, {cz({1, 5})}});
  }
  c.push_back({"FFT", [](const Args& a) {
                 return Args{fft::fftn(a[0]), fft::ifft(a[0], std::nullopt, 0), fft::rfft(a[1]),
                             fft::irfft(fft::rfft(a[1])), fft::rfft2(a[1])};
               }, {z, x}});
  alts({{cz({3, 4}), rs(x, {3, 4})}, {cz({1, 5}), rs(x, {1, 5})}});
  // Collectives, on the single-process group (where the ops return x, as MLX's: the rows build the nodes).
  // Recv receives what the row sent just before.
  namespace dd = distributed::detail;
  const auto world = distributed::init();
  c.push_back({"AllReduce", [world](const Args& a) {
                 return Args{dd::all_reduce_node(a[0], distributed::ReduceOp::sum, world),
                             dd::all_reduce_node(a[0], distributed::ReduceOp::max, world),
                             dd::all_reduce_node(a[0], distributed::ReduceOp::min, world)};
               }, {x}});
  grows();
  c.push_back({"AllGather", [world](const Args& a) { return Args{dd::all_gather_node(a[0], world)}; }, {x}});
  grows();
  c.push_back({"Send", [world](const Args& a) { return Args{dd::send_node(a[0], 0, world)}; }, {x}});
  grows();
  c.push_back({"Recv", [world](const Args& a) {
                 return Args{dd::recv_node(a[0].shape(), a[0].dtype(), 0, world, {dd::send_node(a[0], 0, world)})};
               }, {x}});
  refuses("the shape (2,3)");
  c.push_back({"SumGradients", [world](const Args& a) { return Args{dd::sum_gradients_node(a[0], world)}; }, {x}});
  grows();
  return c;
}

}  // namespace ingot::testing
