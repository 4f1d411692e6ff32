// Core benchmarks: elementwise, transcendental, GEMM, GEMV and per-op graph overhead.
// Every iteration builds fresh lazy arrays from pre-evaluated inputs and evaluates them, so the
// figures include graph construction and dispatch, as a user's call would.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench_util.h"
#include "ingot/ingot.h"

using namespace ingot;
using ingot::bench::random_array;

namespace {

void BM_Add1M(benchmark::State& state) {
  const int64_t n = 1 << 20;
  array a = random_array({n}, 1), b = random_array({n}, 2);
  for (auto _ : state) {
    array c = add(a, b);
    c.eval();
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * n * 3 * 4);
}
BENCHMARK(BM_Add1M)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Exp1M(benchmark::State& state) {
  const int64_t n = 1 << 20;
  array a = random_array({n}, 3);
  for (auto _ : state) {
    array c = exp(a);
    c.eval();
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Exp1M)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Matmul1024(benchmark::State& state) {
  const int64_t n = 1024;
  array a = random_array({n, n}, 4), b = random_array({n, n}, 5);
  for (auto _ : state) {
    array c = matmul(a, b);
    c.eval();
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate,
                         benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Matmul1024)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Gemv4096(benchmark::State& state) {
  const int64_t n = 4096;
  array x = random_array({1, n}, 6), w = random_array({n, n}, 7);
  for (auto _ : state) {
    array y = matmul(x, w);
    y.eval();
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * n * n * 4);
}
BENCHMARK(BM_Gemv4096)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Ten chained adds on 16 elements: what a small graph costs per node.
void BM_Chain10Adds16(benchmark::State& state) {
  array a = random_array({16}, 8), b = random_array({16}, 9);
  for (auto _ : state) {
    array y = a;
    for (int i = 0; i < 10; ++i) y = add(y, b);
    y.eval();
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.SetItemsProcessed(state.iterations() * 10);  // items/s: ops per second
}
BENCHMARK(BM_Chain10Adds16)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
