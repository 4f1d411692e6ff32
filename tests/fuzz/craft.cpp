// Writes the crafted hostile files of tests/data/fuzz/crafted: each is a valid export whose graph is then
// edited (a state field, a shape, a constant's bytes) into one case of undefined behaviour that the
// library once had on files; tests/cpp/test_fuzz_regressions.cpp imports and runs every one.
// Usage: ingot_fuzz_craft DIR
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>

#include "ingot/fast.h"
#include "ingot/ingot.h"
#include "ingot_file.h"
#include "prims/state.h"

using namespace ingot;
using fuzz::File;

namespace {

std::string g_dir;

File exported(const ArgsFunction& fun, const Args& args) {
  const std::string tmp = g_dir + "/.craft.ingot";
  export_function(tmp, fun, args);
  std::ifstream in(tmp, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  ::unlink(tmp.c_str());
  File f;
  if (!fuzz::parse(bytes.data(), bytes.size(), f)) throw std::runtime_error("cannot parse an export");
  return f;
}

fb::NodeT& node(File& f, const std::string& primitive) {
  for (auto& n : f.graph.traces.at(0)->nodes)
    if (n->primitive == primitive) return *n;
  throw std::runtime_error("no " + primitive + " node");
}

template <typename... T>
std::vector<uint8_t> state(const T&... fields) {
  StateWriter w;
  w.write_all(std::tuple(fields...));
  return w.bytes();
}

void save(const std::string& name, const File& f) {
  const auto bytes = fuzz::write(f);
  std::ofstream(g_dir + "/" + name + ".ingot", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  std::cout << name << ".ingot: " << bytes.size() << " bytes" << std::endl;
}

constexpr int64_t k47 = int64_t{1} << 47;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ingot_fuzz_craft DIR\n";
    return 2;
  }
  g_dir = argv[1];

  {  // (0, 2^47, 2^47) has no elements, but its row-major strides overflowed
    File f = exported([](const Args& a) { return Args{a[0] * 2.0f}; }, {zeros({0, 3, 4})});
    f.graph.traces[0]->args[0]->shape = {0, k47, k47};
    fuzz::recompute_outputs(f);
    save("zero_dim_next_to_huge", f);
  }
  for (auto [name, dtype, decimals] : {std::tuple("round_int_min_int32", int32, -1), std::tuple("round_int_min_float32", float32, 2)}) {
    // Round negated decimals = INT_MIN
    File f = exported([d = decimals](const Args& a) { return Args{round(a[0], d)}; }, {zeros({2, 3}, dtype)});
    node(f, "Round").state = state(INT_MIN);
    save(name, f);
  }
  {  // a step of INT64_MAX takes one element, but the view's stride multiplied it
    File f = exported([](const Args& a) { return Args{slice(a[0], {0, 0}, {3, 4}, {2, 1})}; }, {zeros({3, 4})});
    node(f, "Slice").state = state(Shape{0, 0}, Shape{3, 4}, Shape{INT64_MAX, 1});
    fuzz::recompute_outputs(f);
    save("slice_step_int64_max", f);
  }
  {
    File f = exported([](const Args& a) { return Args{slice_update(a[0], a[1], {0, 0}, {3, 4}, {2, 1})}; },
                      {zeros({3, 4}), ones({2, 4})});
    node(f, "SliceUpdate").state = state(Shape{0, 0}, Shape{3, 4}, Shape{INT64_MAX, 1});
    f.graph.traces[0]->args[1]->shape = {1, 4};
    fuzz::recompute_outputs(f);
    save("slice_update_step_int64_max", f);
  }
  {  // 32769 inputs of 2^48 elements: their sum along the axis overflowed
    File f = exported([](const Args& a) { return Args{concatenate(Args(32769, a[0]))}; }, {zeros({1})});
    f.graph.traces[0]->args[0]->shape = {int64_t{1} << 48};
    save("concatenate_overflow", f);
  }
  {  // a group of 2^20 processes times 2^45 rows (in one process all_gather is no node: Negative becomes one)
    File f = exported([](const Args& a) { return Args{negative(a[0])}; }, {zeros({1})});
    fb::NodeT& n = node(f, "Negative");
    n.primitive = "AllGather";
    n.state = state(1 << 20);
    f.graph.traces[0]->args[0]->shape = {int64_t{1} << 45};
    save("all_gather_overflow", f);
  }
  {  // the weight's 2^40 input channels times 2^30 groups
    File f = exported([](const Args& a) { return Args{conv1d(a[0], a[1])}; }, {zeros({1, 1, 2}), zeros({2, 1, 2})});
    node(f, "Convolution").state = state(std::vector<int>{1}, std::vector<int>{0}, std::vector<int>{0},
                                         std::vector<int>{1}, std::vector<int>{1}, 1 << 30, false);
    f.graph.traces[0]->args[0]->shape = {1, 1, int64_t{1} << 30};
    f.graph.traces[0]->args[1]->shape = {0, 1, int64_t{1} << 40};
    save("conv_groups_overflow", f);
  }
  for (auto [name, dtype, start, step] : {std::tuple("arange_start_1e300", int32, 1e300, 1e300),
                                          std::tuple("arange_int64_wraps", int64, 9e18, 9e18)}) {
    // start converted to int64 (1e300), or start + step overflowing it
    File f = exported([t = dtype](const Args& a) { return Args{a[0] + arange(0.0, 2.0, 1.0, t)}; }, {zeros({2}, dtype)});
    node(f, "Arange").state = state(start, start + 2 * step, step, dtype);
    save(name, f);
  }
  {  // an empty batch: the kernel divided by B * T * D
    File f = exported([](const Args& a) { return Args{fast::rope(a[0], 4, false, 10000.0f, 1.0f, 0)}; }, {zeros({1, 2, 4})});
    f.graph.traces[0]->args[0]->shape = {0, 2, 4};
    fuzz::recompute_outputs(f);
    save("rope_empty_batch", f);
  }
  {  // an empty head dimension: the cost estimate was 0 / 0 (NaN passed the budget), the kernel's tiles
     // walked 2^48 query-key pairs for an empty result
    File f = exported([](const Args& a) { return Args{fast::scaled_dot_product_attention(a[0], a[1], a[2], 1.0f)}; },
                      {zeros({1, 1, 4, 2}), zeros({1, 1, 4, 2}), zeros({1, 1, 4, 2})});
    for (auto& arg : f.graph.traces[0]->args) arg->shape = {1, 1, int64_t{1} << 24, 0};
    fuzz::recompute_outputs(f);
    save("attention_empty_head_dim", f);
  }
  {  // an empty batch and output channels: the kernel still listed the 2^48 taps of its kernel
    File f = exported([](const Args& a) { return Args{conv2d(a[0], a[1])}; }, {zeros({1, 4, 4, 1}), zeros({1, 2, 2, 1})});
    f.graph.traces[0]->args[0]->shape = {0, int64_t{1} << 24, int64_t{1} << 24, 1};
    f.graph.traces[0]->args[1]->shape = {0, int64_t{1} << 24, int64_t{1} << 24, 1};
    fuzz::recompute_outputs(f);
    save("conv_empty_huge_kernel", f);
  }
  {  // NaN, infinity and out-of-range floats converted to int32
    const array c = array(std::vector<float>{1, 2, 3, 4}, {4});
    File f = exported([c](const Args& a) { return Args{a[0] + astype(c, int32)}; }, {zeros({4}, int32)});
    const float bad[] = {std::numeric_limits<float>::quiet_NaN(), INFINITY, -1e30f, 3e9f};
    std::memcpy(f.data.data() + f.graph.constants.at(0)->offset, bad, sizeof(bad));
    save("astype_nan_to_int32", f);
  }
  return 0;
}
