// Imported functions called from C++, the runtime's own cost: an MLP (4 x 1024^2, GELU) at batch 1 and 64,
// 50 tiny elementwise ops, one op. Each case also reports heap allocations and page faults per call
// (steady state: both should be zero once the engine reuses its buffers).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <new>

#include "ingot/ingot.h"

using namespace ingot;

namespace {
std::atomic<long> g_allocations{0};

long page_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt + u.ru_majflt;
}

std::string temp(const std::string& name) { return (std::filesystem::temp_directory_path() / name).string(); }

array gelu(const array& x) { return multiply(multiply(x, array(0.5f)), add(array(1.0f), erf(multiply(x, array(float(M_SQRT1_2)))))); }

const std::string& mlp_file() {
  static const std::string path = [] {
    auto p = temp("ingot_bench_mlp.ingot");
    std::vector<array> ws, bs;
    for (int i = 0; i < 4; ++i) {
      ws.push_back(random::normal({1024, 1024}, float32, 0.0f, 0.03f, random::key(i)));
      bs.push_back(random::normal({1024}, float32, 0.0f, 0.03f, random::key(100 + i)));
    }
    eval(ws), eval(bs);
    export_function(p, ArgsFunction([&](const Args& a) {
      array x = a[0];
      for (int i = 0; i < 4; ++i) x = gelu(add(matmul(x, ws[i]), bs[i]));
      return Args{x};
    }), {zeros({1, 1024})}, /*shapeless=*/true);
    return p;
  }();
  return path;
}

const std::string& tiny_file(int ops) {
  static std::map<int, std::string> files;
  auto& p = files[ops];
  if (p.empty()) {
    p = temp("ingot_bench_tiny" + std::to_string(ops) + ".ingot");
    export_function(p, ArgsFunction([&](const Args& a) {
      array x = a[0];
      for (int i = 0; i < ops; ++i) x = (i % 2) ? multiply(x, array(1.0001f)) : add(x, array(0.5f));
      return Args{x};
    }), {zeros({16})});
  }
  return p;
}

void run(benchmark::State& state, const ImportedFunction& f, const Args& args) {
  for (int i = 0; i < 5; ++i) eval(f(args));  // warm: plans, buffers, packed weights
  const long faults0 = page_faults(), allocs0 = g_allocations.load();
  int64_t calls = 0;
  for (auto _ : state) {
    auto out = f(args);
    eval(out);
    benchmark::DoNotOptimize(out[0].raw_data());
    ++calls;
  }
  state.counters["faults/call"] = double(page_faults() - faults0) / double(calls);
  state.counters["allocs/call"] = double(g_allocations.load() - allocs0) / double(calls);
}
}  // namespace

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

static void BM_ImportedMLP(benchmark::State& state) {
  auto f = import_function(mlp_file());
  auto x = random::normal({state.range(0), 1024}, float32, 0.0f, 1.0f, random::key(7));
  x.eval();
  run(state, f, {x});
}
BENCHMARK(BM_ImportedMLP)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond)->UseRealTime();

static void BM_ImportedTinyOps(benchmark::State& state) {
  auto f = import_function(tiny_file(static_cast<int>(state.range(0))));
  auto x = ones({16});
  x.eval();
  run(state, f, {x});
}
BENCHMARK(BM_ImportedTinyOps)->Arg(1)->Arg(50)->Unit(benchmark::kMicrosecond)->UseRealTime();
