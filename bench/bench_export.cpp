// Import cost of a function file with 1 GiB of constants: it must not grow with the weights
// (the graph is verified, the data section is only memory-mapped).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "ingot/ingot.h"

using namespace ingot;

namespace {
const std::string& weights_file() {
  static const std::string path = [] {
    auto p = (std::filesystem::temp_directory_path() / "ingot_bench_1gib.ingot").string();
    auto w = broadcast_to(array(1.0f), {16384, 16384});  // 1 GiB of float32, written as values
    w.eval();
    export_function(p, ArgsFunction([&](const Args& a) { return Args{matmul(a[0], w)}; }), {ones({1, 16384})});
    return p;
  }();
  return path;
}

const std::string& small_file() {
  static const std::string path = [] {
    auto p = (std::filesystem::temp_directory_path() / "ingot_bench_small.ingot").string();
    auto w = broadcast_to(array(1.0f), {16, 16});
    w.eval();
    export_function(p, ArgsFunction([&](const Args& a) { return Args{matmul(a[0], w)}; }), {ones({1, 16})});
    return p;
  }();
  return path;
}
}  // namespace

static void BM_ImportFunction1GiB(benchmark::State& state) {
  const auto& path = weights_file();
  for (auto _ : state) benchmark::DoNotOptimize(import_function(path));
  state.SetLabel("1 GiB of constants");
}
BENCHMARK(BM_ImportFunction1GiB)->Unit(benchmark::kMicrosecond);

static void BM_ImportFunctionSmall(benchmark::State& state) {
  const auto& path = small_file();
  for (auto _ : state) benchmark::DoNotOptimize(import_function(path));
  state.SetLabel("1 KiB of constants");
}
BENCHMARK(BM_ImportFunctionSmall)->Unit(benchmark::kMicrosecond);
