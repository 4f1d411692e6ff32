// Lazy arrays shared between threads: evaluating one graph from several threads, passing one lazy input
// to an imported function from several threads, and dropping graphs while others evaluate them. Run in
// the plain and sanitizer builds and, alone, under ThreadSanitizer. Also exports from several threads, to
// their own paths and to one path that other threads import meanwhile.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
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

TEST(Concurrency, ThreadsExportingToTheirOwnPaths) {
  TempDir dir;
  run_threads([&](int t) {
    const float k = static_cast<float>(t + 1);
    for (int i = 0; i < 5; ++i)
      export_function(dir.file("f" + std::to_string(t) + ".ingot"), [k](const Args& a) { return Args{a[0] * k}; },
                      {ones({16})});
  });
  for (int t = 0; t < kThreads; ++t) {
    auto f = import_function(dir.file("f" + std::to_string(t) + ".ingot"));
    EXPECT_EQ(vals(f({ones({16})})[0]), std::vector<double>(16, t + 1.0));
  }
  EXPECT_EQ(dir.count_entries(), static_cast<size_t>(kThreads));  // no temporary left behind
}

TEST(Concurrency, ThreadsExportingToOnePathWhileOthersImportIt) {
  // Every import sees one whole file: the scale its function applies is one some writer wrote.
  TempDir dir;
  const std::string path = dir.file("shared.ingot");
  const array w = arange(0.0, 4096.0, 1.0, float32);
  eval(w);
  auto write = [&](float k) {
    export_function(path, [&, k](const Args& a) { return Args{add(multiply(a[0], array(k)), w)}; }, {zeros({4096})});
  };
  write(1.0f);
  std::atomic<int> bad{0};
  run_threads([&](int t) {
    for (int i = 0; i < 10; ++i) {
      if (t < kThreads / 2) {
        write(static_cast<float>(t + 1));
      } else {
        const auto got = vals(import_function(path)({ones({4096})})[0]);
        const double k = got[0];
        bool whole = k >= 1 && k <= kThreads / 2 && k == std::floor(k);
        for (size_t j = 0; j < got.size(); ++j) whole = whole && got[j] == k + static_cast<double>(j);
        if (!whole) bad.fetch_add(1);
      }
    }
  });
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(dir.count_entries(), 1u);
}
