// Benchmarks for model-shaped ops: a ResNet-like convolution, and a 4-bit quantized GEMV next to the
// float32 GEMV it replaces. Inputs are evaluated up front; each iteration builds and evaluates the op.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench_util.h"
#include "ingot/ingot.h"

using namespace ingot;
using ingot::bench::random_array;

namespace {

// ResNet stage 1: batch 8, 56x56x64 -> 64 channels, 3x3 kernel, padding 1 (3.7 GFLOP per call).
void BM_Conv2dResNet56x64(benchmark::State& state) {
  array x = random_array({8, 56, 56, 64}, 1), w = random_array({64, 3, 3, 64}, 2);
  for (auto _ : state) {
    array y = conv2d(x, w, {1, 1}, {1, 1});
    y.eval();
    benchmark::DoNotOptimize(y.raw_data());
  }
  const double flops = 2.0 * 8 * 56 * 56 * 64 * 64 * 9;
  state.counters["GFLOP/s"] = benchmark::Counter(flops * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Conv2dResNet56x64)->Unit(benchmark::kMillisecond)->UseRealTime();

// A depthwise 3x3 layer of the same size (MobileNet-like): the direct per-channel path.
void BM_Conv2dDepthwise56x64(benchmark::State& state) {
  array x = random_array({8, 56, 56, 64}, 3), w = random_array({64, 3, 3, 1}, 4);
  for (auto _ : state) {
    array y = conv2d(x, w, {1, 1}, {1, 1}, {1, 1}, 64);
    y.eval();
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * 8 * 56 * 56 * 64 * 4 * 2);
}
BENCHMARK(BM_Conv2dDepthwise56x64)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MaxPool2d56x64(benchmark::State& state) {
  array x = random_array({8, 56, 56, 64}, 5);
  for (auto _ : state) {
    array y = max_pool2d(x, {3, 3}, std::pair{2, 2}, {1, 1});
    y.eval();
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * 8 * 56 * 56 * 64 * 4);
}
BENCHMARK(BM_MaxPool2d56x64)->Unit(benchmark::kMillisecond)->UseRealTime();

// The float32 product a quantized layer replaces: 1 x 4096 @ (4096 x 4096)^T, 64 MiB of weights.
void BM_MatmulF32Gemv4096T(benchmark::State& state) {
  const int64_t n = 4096;
  array x = random_array({1, n}, 6), w = random_array({n, n}, 7);
  for (auto _ : state) {
    array y = matmul(x, transpose(w));
    y.eval();
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * n * n * 4);
}
BENCHMARK(BM_MatmulF32Gemv4096T)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The same product with the weights quantized (group 64): bits 4 streams 8 MiB of packed weights plus
// 2 MiB of float32 scales and biases; bytes/s counts those.
void BM_QuantizedMatmulGemv4096(benchmark::State& state) {
  const int64_t n = 4096, bits = state.range(0), rows = state.range(1);
  array w = random_array({n, n}, 8), x = random_array({rows, n}, 9);
  auto [wq, s, b] = quantize(w, 64, static_cast<int>(bits));
  eval(wq, s, b);
  for (auto _ : state) {
    array y = quantized_matmul(x, wq, s, b, true, 64, static_cast<int>(bits));
    y.eval();
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wq.nbytes() + s.nbytes() + b.nbytes()));
}
BENCHMARK(BM_QuantizedMatmulGemv4096)
    ->ArgNames({"bits", "rows"})
    ->Args({4, 1})
    ->Args({8, 1})
    ->Args({4, 32})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
