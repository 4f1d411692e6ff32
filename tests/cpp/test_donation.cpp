// Buffer donation: an update whose source nothing else can see writes into the source's bytes (a
// key/value cache step costs O(new entries), not O(cache)); every other source is copied first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "export_test_util.h"
#include "ingot/memory.h"

using namespace ingot;
using ingot::testing::TempDir;
using ingot::testing::vals;

namespace {
constexpr int64_t kCache = 1 << 18;  // 1 MiB of float32

array evaluated(array a) {
  a.eval();
  return a;
}

array iota(int64_t n) { return evaluated(arange(0.0, static_cast<double>(n), 1.0, float32)); }

std::vector<double> iota_with(int64_t n, int64_t at, std::vector<double> v) {
  std::vector<double> w(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) w[i] = static_cast<double>(i);
  for (size_t i = 0; i < v.size(); ++i) w[at + i] = v[i];
  return w;
}
}  // namespace

TEST(Donation, AnUpdateGivenUpByTheCallerIsWrittenInPlace) {
  for (bool dynamic : {false, true}) {
    array cache = iota(kCache);
    const void* bytes = cache.raw_data();
    const array upd = evaluated(array({-1.0f, -2.0f}));
    array out = dynamic ? slice_update(cache, upd, array(int32_t{10}), std::vector<int>{0})
                        : slice_update(cache, upd, {10}, {12});
    cache = array();  // the caller gives the old cache up before evaluation
    out.eval();
    EXPECT_EQ(out.raw_data(), bytes) << "dynamic=" << dynamic;
    EXPECT_EQ(vals(out), iota_with(kCache, 10, {-1, -2}));
  }
}

TEST(Donation, ASourceSomeoneStillSeesIsCopied) {
  // The caller keeps it; a view shares its bytes; another lazy node reads it.
  for (int holder = 0; holder < 3; ++holder) {
    array cache = iota(kCache);
    const void* bytes = cache.raw_data();
    array view = holder == 1 ? evaluated(reshape(cache, {512, 512})) : array();
    array reader = holder == 2 ? sum(cache) : array();
    array kept = holder == 0 ? cache : array();
    array out = slice_update(cache, evaluated(array({-1.0f})), {3}, {4});
    cache = array();
    out.eval();
    EXPECT_NE(out.raw_data(), bytes) << "holder " << holder;
    EXPECT_EQ(vals(out), iota_with(kCache, 3, {-1})) << "holder " << holder;
    if (holder == 0) EXPECT_EQ(vals(kept), iota_with(kCache, 3, {3})) << "the caller's array changed";
    if (holder == 1) EXPECT_EQ(vals(reshape(view, {kCache})), iota_with(kCache, 3, {3})) << "a view changed";
    if (holder == 2) EXPECT_DOUBLE_EQ(reader.item<double>(), double(kCache) * double(kCache - 1) / 2);
  }
}

TEST(Donation, LentAndMappedBytesAreNeverWritten) {
  std::vector<float> lent(64, 5.0f);
  array a = array::from_buffer(std::shared_ptr<void>(lent.data(), [](void*) {}), lent.data(), {64}, float32);
  array out = slice_update(a, evaluated(array({1.0f})), {0}, {1});
  a = array();
  out.eval();
  EXPECT_EQ(lent[0], 5.0f);
  EXPECT_EQ(vals(out)[0], 1.0);
  // A constant of an imported file, updated by the file's own trace: the mapping stays as it was.
  TempDir dir(/*in_memory=*/true);
  const array c = iota(16);
  export_function(dir.file("c.ingot"), ArgsFunction([&](const Args& x) { return Args{slice_update(c, x[0], {2}, {3})}; }),
                  {zeros({1})});
  auto f = import_function(dir.file("c.ingot"));
  for (float v : {7.0f, 8.0f}) EXPECT_EQ(vals(f({evaluated(array({v}))})[0]), iota_with(16, 2, {v}));
}

TEST(Donation, AnImportedDecodeStepUpdatesItsCacheInPlace) {
  TempDir dir(/*in_memory=*/true);
  // step(cache, new, pos) -> (cache with new written at pos, sum of the cache): the shape of a decode step.
  auto step = ArgsFunction([](const Args& a) {
    array updated = slice_update(a[0], a[1], a[2], std::vector<int>{0});
    return Args{updated, sum(updated)};
  });
  export_function(dir.file("step.ingot"), step, {zeros({kCache}), zeros({4}), array(int32_t{0})});
  auto f = import_function(dir.file("step.ingot"));
  array cache = evaluated(zeros({kCache}));
  const void* bytes = cache.raw_data();
  std::vector<double> want(kCache, 0.0);
  for (int t = 0; t < 6; ++t) {
    const array fresh = evaluated(full({4}, static_cast<float>(t + 1)));
    auto outs = f({cache, fresh, evaluated(array(int32_t{4 * t}))});
    cache = outs[0];  // the old cache is given up: only the call's node holds it
    reset_peak_memory();
    const size_t before = get_active_memory();
    eval(outs);
    EXPECT_LT(get_peak_memory() - before, size_t{4096}) << "step " << t << " allocated a new cache";
    EXPECT_EQ(cache.raw_data(), bytes) << "step " << t;
    for (int i = 0; i < 4; ++i) want[4 * t + i] = t + 1;
  }
  EXPECT_EQ(vals(cache), want);
  // Kept by the caller: the next call copies, and the kept cache is unchanged.
  const array kept = cache;
  auto outs = f({cache, evaluated(full({4}, 9.0f)), evaluated(array(int32_t{0}))});
  eval(outs);
  EXPECT_NE(outs[0].raw_data(), kept.raw_data());
  EXPECT_EQ(vals(kept), want);
  want[0] = want[1] = want[2] = want[3] = 9.0;
  EXPECT_EQ(vals(outs[0]), want);
}

TEST(Donation, NeverInsideATransformThatKeepsTheGraph) {
  // An evaluation inside a transformed function keeps the graph, whose nodes still point at their
  // outputs: an output must stay as computed, so the update copies.
  const array t = evaluated(array({0.1f, 0.7f, -0.4f, 1.2f, 0.0f}));
  const array u = evaluated(full({2}, 5.0f));
  bool reused = true;
  auto f = [&](const Args& a) {
    array x = exp(a[0]);
    x.eval();
    const void* bytes = x.raw_data();
    array y = slice_update(x, u, {0}, {2});
    x = array();
    y.eval();
    reused = y.raw_data() == bytes;
    return Args{sum(y)};
  };
  const array grad = vjp(f, {t}, {array(1.0f)}).second[0];
  EXPECT_FALSE(reused);
  auto g = vals(grad), e = vals(exp(t));
  EXPECT_EQ(g[0], 0.0);
  EXPECT_EQ(g[1], 0.0);
  for (size_t i = 2; i < 5; ++i) EXPECT_FLOAT_EQ(g[i], e[i]);
}

TEST(Donation, ACompiledDecodeStepUpdatesItsCacheInPlace) {
  auto step = compile([](const Args& a) {
    array updated = slice_update(a[0], a[1], a[2], std::vector<int>{0});
    return Args{updated, sum(updated)};
  });
  array cache = evaluated(zeros({kCache}));
  const void* bytes = cache.raw_data();
  for (int t = 0; t < 4; ++t) {
    auto outs = step({cache, evaluated(full({4}, static_cast<float>(t + 1))), evaluated(array(int32_t{4 * t}))});
    cache = outs[0];
    reset_peak_memory();
    const size_t before = get_active_memory();
    eval(outs);
    // The peak counts from zero and the call's small inputs are freed before its outputs are made.
    EXPECT_LT(static_cast<int64_t>(get_peak_memory()) - static_cast<int64_t>(before), 4096)
        << "step " << t << " allocated a new cache";
    EXPECT_EQ(cache.raw_data(), bytes) << "step " << t;
    EXPECT_FLOAT_EQ(outs[1].item<float>(), 4.0f * (1 + t) * (2 + t) / 2);
  }
  const auto v = vals(cache);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(v[i], i / 4 + 1) << i;
  EXPECT_EQ(v[16], 0.0);
}
