// Lazy graphs and evaluation: depth, memory, lifetime.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ingot/ingot.h"
#include "test_util.h"

using namespace ingot;

namespace {
array chain(array x, int n) {
  for (int i = 0; i < n; ++i) x = x + 1.0f;
  return x;
}
}  // namespace

TEST(Graph, NothingIsComputedUntilEval) {
  auto x = array({1.0f, 2.0f});
  auto y = exp(x) + x;
  EXPECT_FALSE(y.is_evaluated());
  EXPECT_TRUE(y.has_node());
  y.eval();
  EXPECT_TRUE(y.is_evaluated());
  EXPECT_FALSE(y.has_node());  // evaluation releases the graph behind an array
}

TEST(Graph, MillionNodeChainEvaluatesIteratively) {
  auto y = chain(array(0.0f), 1'000'000);
  eval(y);
  EXPECT_EQ(y.item<float>(), 1'000'000.0f);  // integers below 2^24 are exact in float32
}

TEST(Graph, MillionNodeChainIsDestroyedWithoutRecursion) {
  // Unevaluated: destroying it walks a million nodes; recursion would overflow the stack.
  { auto y = chain(array(0.0f), 1'000'000); }
  SUCCEED() << "destroyed";
}

// Each shape below, a million nodes deep and never evaluated, is destroyed by dropping its last handle;
// a destructor that recursed once per node would overflow the stack.
TEST(Graph, MillionNodeMultiOutputChainIsDestroyedWithoutRecursion) {
  // Each level splits into two siblings that share one node, then joins them again.
  auto x = array({1.0f, 2.0f});
  for (int i = 0; i < 1'000'000; ++i) x = concatenate(split(x, 2));
  x = array();
  SUCCEED() << "destroyed";
}

TEST(Graph, MillionNodeChainWithRepeatedInputsIsDestroyedWithoutRecursion) {
  auto x = array(1.0f);
  for (int i = 0; i < 1'000'000; ++i) x = x * x;  // one array twice in one node's inputs
  x = array();
  SUCCEED() << "destroyed";
}

TEST(Graph, MillionNodeGraphWithSharedSiblingsIsDestroyedWithoutRecursion) {
  // Diamonds: two consumers of one array, joined again; and a multi-output node with one output kept alone.
  auto x = array({3.0f});
  array kept;
  for (int i = 0; i < 1'000'000 / 4; ++i) {
    auto a = x + 1.0f, b = x - 1.0f;
    auto [q, r] = divmod(a, b);
    if (i == 1000) kept = r;  // a sibling outlives the chain; its node must survive
    x = q + b;
  }
  x = array();
  EXPECT_EQ(kept.shape(), (Shape{1}));
  eval(kept);  // the kept sibling's graph is intact
  EXPECT_TRUE(kept.is_evaluated());
  SUCCEED() << "destroyed";
}

TEST(Graph, MillionNodeChainDestroyedAfterPartialEvaluation) {
  auto x = array({1.0f, 2.0f});
  array mid;
  for (int i = 0; i < 1'000'000; ++i) {
    x = concatenate(split(x, 2));
    if (i == 500'000) mid = x;
  }
  eval(mid);  // the lower half is evaluated and released; the upper half still hangs above it
  EXPECT_EQ(mid.data<float>()[1], 2.0f);
  x = array();
  SUCCEED() << "destroyed";
}

TEST(Graph, PeakMemoryStaysBoundedAlongAChain) {
  constexpr int64_t kLen = 1024;  // 4 KiB per intermediate
  constexpr int kSteps = 200'000;  // unbounded retention would need 800 MiB
  auto x = zeros({kLen});
  x.eval();
  auto y = chain(x, kSteps);
  const size_t before = get_active_memory();
  reset_peak_memory();
  eval(y);
  const size_t growth = get_peak_memory() - before;
  EXPECT_LT(growth, 64u * 1024u) << "intermediates were not released during evaluation";
  EXPECT_EQ(y.data<float>()[kLen - 1], static_cast<float>(kSteps));
  // After evaluation the scalar constants and intermediates are gone: only x and y remain.
  EXPECT_LT(get_active_memory(), before);
}

TEST(Graph, EvaluatingTwiceIsFreeAndStable) {
  auto y = exp(array({0.5f, 1.5f}));
  eval(y);
  const void* p = y.raw_data();
  const size_t mem = get_active_memory();
  eval(y);
  y.eval();
  EXPECT_EQ(y.raw_data(), p);
  EXPECT_EQ(get_active_memory(), mem);
}

TEST(Graph, SharedSubexpressionFeedsTwoConsumers) {
  auto x = array({1.0f, 2.0f, 3.0f});
  auto s = x * x;
  auto a = s + 1.0f, b = s - 1.0f;
  eval(a, b);
  for (int i = 0; i < 3; ++i) {
    const float v = (i + 1.0f) * (i + 1.0f);
    EXPECT_EQ(a.data<float>()[i], v + 1);
    EXPECT_EQ(b.data<float>()[i], v - 1);
  }
  EXPECT_TRUE(s.is_evaluated());  // computed once, on the way
}

TEST(Graph, MultiOutputNodeWithOneOutputDropped) {
  array q;
  {
    auto [quot, rem] = divmod(array({7, -7, 9}), array({2, 2, -4}));
    q = quot;
  }  // the remainder's array is gone before evaluation
  eval(q);
  EXPECT_EQ(q.data<int32_t>()[0], 3);
  EXPECT_EQ(q.data<int32_t>()[1], -4);
  EXPECT_EQ(q.data<int32_t>()[2], -3);
}

TEST(Graph, OutputsOfOneNodeShareIt) {
  auto [q, r] = divmod(array({7.0f}), array({2.0f}));
  EXPECT_EQ(q.node(), r.node());
  eval(q);
  EXPECT_TRUE(r.is_evaluated());  // siblings are computed together
  EXPECT_EQ(r.item<float>(), 1.0f);
}

TEST(Graph, EvaluatingAPlaceholderFailsClearly) {
  auto p = array::placeholder({2}, float32);
  auto y = p + 1.0f;
  try {
    eval(y);
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[eval]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("traced"), std::string::npos) << e.what();
  }
}

TEST(Graph, EmptyHandleIsRejected) {
  array empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_THROW(eval(empty), std::invalid_argument);
  EXPECT_THROW((void)empty.shape(), std::invalid_argument);
}

TEST(Graph, BuffersAreFreedWhenArraysDie) {
  const size_t before = get_active_memory();
  {
    auto y = exp(zeros({1 << 16}));
    eval(y);
    EXPECT_GE(get_active_memory(), before + (1u << 18));
  }
  EXPECT_EQ(get_active_memory(), before);
}

// Freed large buffers are kept and reused for arrays of the same size; the limit and clear_cache bound them.
TEST(Graph, FreedBuffersAreCachedAndReused) {
  clear_cache();
  const size_t big = 1 << 20;  // floats: 4 MiB
  const void* first;
  {
    auto a = ones({static_cast<int64_t>(big)});
    a.eval();
    first = a.raw_data();
  }
  EXPECT_GE(get_cache_memory(), big * 4);
  const size_t active = get_active_memory();
  auto b = zeros({static_cast<int64_t>(big)});
  b.eval();
  EXPECT_EQ(b.raw_data(), first) << "the cached buffer was not reused";
  EXPECT_EQ(get_active_memory(), active + big * 4);  // cached bytes are not active ones
  EXPECT_EQ(b.data<float>()[big - 1], 0.0f);
  // small buffers too (64 bytes: the alignment's multiple), and reused
  const size_t cached = get_cache_memory();
  const void* small;
  {
    auto s = ones({16});
    s.eval();
    small = s.raw_data();
  }
  EXPECT_EQ(get_cache_memory(), cached + 64);
  const array t(std::vector<float>(16, 0.0f), {16});  // one allocation of the same size
  EXPECT_EQ(t.raw_data(), small);
  EXPECT_EQ(get_cache_memory(), cached);
  const size_t old = set_cache_limit(0);
  EXPECT_EQ(get_cache_memory(), 0u);
  { auto c = ones({static_cast<int64_t>(big)}); c.eval(); }
  EXPECT_EQ(get_cache_memory(), 0u);
  EXPECT_EQ(set_cache_limit(old), 0u);
  { auto c = ones({static_cast<int64_t>(big)}); c.eval(); }
  EXPECT_GE(get_cache_memory(), big * 4);
  clear_cache();
  EXPECT_EQ(get_cache_memory(), 0u);
}

// A memory limit bounds active memory: the allocation that would pass it raises, naming the limit.
TEST(Graph, MemoryLimitRefusesAnAllocationPastIt) {
  const size_t old = set_memory_limit(get_active_memory() + (1 << 20));
  EXPECT_EQ(get_memory_limit(), get_active_memory() + (1 << 20));
  auto small = ones({1024});
  small.eval();  // 4 KiB fits
  auto big = ones({1 << 20});  // 4 MiB does not
  const std::string msg = ingot::testing::error_of<std::runtime_error>([&] { big.eval(); });
  EXPECT_THAT(msg, ::testing::HasSubstr("over the memory limit of"));
  EXPECT_THAT(msg, ::testing::HasSubstr("(set_memory_limit)"));
  set_memory_limit(old);
  big = ones({1 << 20});
  big.eval();
  EXPECT_EQ(big.size(), 1 << 20);
  reset_peak_memory();
  EXPECT_EQ(get_peak_memory(), 0u);
}
