// Lazy arrays shared between threads: evaluating one graph from several threads, passing one lazy input
// to an imported function from several threads, and dropping graphs while others evaluate them. Run in
// the plain and sanitizer builds and, alone, under ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "export_test_util.h"

using namespace ingot;
using ingot::testing::TempDir;
using ingot::testing::vals;

namespace {

constexpr int kThreads = 8;

template <typename F>
void run_threads(F&& body) {
  std::vector<std::thread> ts;
  std::atomic<int> ready{0};
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();  // start together
      body(t);
    });
  for (auto& th : ts) th.join();
}

// A graph with a sort (whose kernel reads a buffer another thread's eval would release) and intermediates.
array lazy_graph(int n, float shift) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>((i * 7919) % n) + shift;
  auto x = array(v, {n});
  return sum(sort(exp(x * 0.001f)) * 2.0f + 1.0f) + sum(cumsum(x, 0));
}

}  // namespace

TEST(Concurrency, ThreadsEvaluatingOneLazyArrayAgree) {
  const auto expected = vals(lazy_graph(4096, 0.5f));
  for (int round = 0; round < 50; ++round) {
    array shared = lazy_graph(4096, 0.5f);
    std::vector<std::vector<double>> got(kThreads);
    run_threads([&](int t) {
      array mine = shared;  // each thread its own handle to one lazy array
      mine.eval();
      got[t] = vals(mine);
    });
    for (const auto& g : got) EXPECT_EQ(g, expected);
  }
}

TEST(Concurrency, ThreadsEvaluatingOverlappingGraphsAgree) {
  // Every thread builds its own consumer of one shared lazy intermediate and evaluates it.
  for (int round = 0; round < 50; ++round) {
    array base = exp(array({0.1f, 0.2f, 0.3f, 0.4f}) * 2.0f);
    std::vector<std::vector<double>> got(kThreads);
    run_threads([&](int t) { got[t] = vals(base + static_cast<float>(t)); });
    const auto b = vals(base);
    for (int t = 0; t < kThreads; ++t)
      for (size_t i = 0; i < b.size(); ++i) EXPECT_FLOAT_EQ(got[t][i], b[i] + t);
  }
}

TEST(Concurrency, ThreadsPassingOneLazyInputToAnImportedFunction) {
  TempDir dir;
  const std::string path = dir.file("f.ingot");
  export_function(path, [](const Args& a) { return Args{sort(a[0] * 3.0f, 0) + 1.0f}; },
                  {zeros({256})});
  auto f = import_function(path);
  std::vector<float> v(256);
  for (int i = 0; i < 256; ++i) v[i] = static_cast<float>((i * 37) % 256);
  std::vector<double> expected(256);
  for (int i = 0; i < 256; ++i) expected[i] = 3.0 * i + 1.0;
  for (int round = 0; round < 50; ++round) {
    array lazy = array(v, {256}) - 0.0f;  // unevaluated
    std::vector<std::vector<double>> got(kThreads);
    run_threads([&](int t) { got[t] = vals(f({lazy})[0]); });
    for (const auto& g : got) EXPECT_EQ(g, expected);
  }
}

TEST(Concurrency, DroppingGraphsWhileOthersEvaluateThem) {
  // Half the threads evaluate, the other half build on the shared graph and drop what they built.
  for (int round = 0; round < 50; ++round) {
    array shared = lazy_graph(1024, 1.5f);
    const double expected = vals(lazy_graph(1024, 1.5f))[0];
    std::vector<double> got(kThreads, 0.0);
    run_threads([&](int t) {
      if (t % 2 == 0) {
        got[t] = vals(shared)[0];
      } else {
        for (int i = 0; i < 20; ++i) {
          array tmp = shared;
          for (int k = 0; k < 50; ++k) tmp = sum(concatenate(split(stack({tmp, tmp}), 2)));
        }  // unevaluated graphs above `shared` die here
        got[t] = expected;
      }
    });
    for (double g : got) EXPECT_EQ(g, expected);
  }
}
