// export_function / exporter / import_function behaviour.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <set>
#include <sstream>

#include "export_test_util.h"

using namespace ingot;
using ingot::testing::error_of;
using ingot::testing::same_bits;
using ingot::testing::vals;
using ingot::testing::TempDir;
using ::testing::HasSubstr;

namespace {
array randn_like_values(const Shape& shape, float scale = 1.0f) {
  std::vector<float> v(static_cast<size_t>(shape_size(shape)));
  std::mt19937 g(42);
  std::normal_distribution<float> n(0.0f, scale);
  for (auto& x : v) x = n(g);
  return array(v, shape);
}

// A small MLP with evaluated weights: the common case.
struct Mlp {
  array w1 = randn_like_values({4, 8}), b1 = randn_like_values({8}), w2 = randn_like_values({8, 3});
  std::vector<array> operator()(const Args& a) const {
    auto h = maximum(matmul(a[0], w1) + b1, 0.0f);
    return {matmul(h, w2)};
  }
};
}  // namespace

TEST(Export, RoundTripMatchesDirectCallBitForBit) {
  TempDir dir;
  Mlp mlp;
  auto x = randn_like_values({2, 4});
  export_function(dir.file("mlp.ingot"), ArgsFunction(mlp), {x});
  auto f = import_function(dir.file("mlp.ingot"));
  auto got = f({x});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(same_bits(got[0], mlp({x})[0]));
  // A different input of the same signature gives the function's value there too.
  auto y = randn_like_values({2, 4}, 3.0f);
  EXPECT_TRUE(same_bits(f({y})[0], mlp({y})[0]));
}

TEST(Export, FunctionWithoutInputs) {
  TempDir dir;
  auto c = array({1.0f, 2.0f, 3.0f});
  export_function(dir.file("f.ingot"), ArgsFunction([&](const Args&) { return Args{exp(c) * 2.0f}; }), Args{});
  auto f = import_function(dir.file("f.ingot"));
  EXPECT_TRUE(same_bits(f(Args{})[0], exp(c) * 2.0f));
  ASSERT_EQ(f.signatures().size(), 1u);
  EXPECT_TRUE(f.signatures()[0].args.empty());
}

TEST(Export, KeywordInputsBindByName) {
  TempDir dir;
  auto fun = KwargsFunction([](const Kwargs& k) { return Args{k.at("a") - k.at("b")}; });
  auto a = array({5.0f, 7.0f}), b = array({1.0f, 2.0f});
  export_function(dir.file("k.ingot"), fun, Kwargs{{"a", a}, {"b", b}});
  auto f = import_function(dir.file("k.ingot"));
  EXPECT_TRUE(same_bits(f(Kwargs{{"b", b}, {"a", a}})[0], a - b));
  EXPECT_TRUE(same_bits(f(Kwargs{{"a", b}, {"b", a}})[0], b - a));
  // The right number of keywords with one wrong name is an error, never a positional match.
  auto msg = error_of<std::exception>([&] { f(Kwargs{{"a", a}, {"c", b}}); });
  EXPECT_THAT(msg, HasSubstr("no trace"));
  EXPECT_THAT(msg, HasSubstr("c: float32[2]"));
  EXPECT_THAT(msg, HasSubstr("b: float32[2]"));
}

TEST(Export, ArgsAndKwargsTogether) {
  TempDir dir;
  auto fun = ArgsKwargsFunction([](const Args& a, const Kwargs& k) { return Args{a[0] * k.at("scale"), a[1]}; });
  auto x = array({1, 2, 3}), y = array({true, false}), s = array(3);
  export_function(dir.file("ak.ingot"), fun, {x, y}, {{"scale", s}});
  auto f = import_function(dir.file("ak.ingot"));
  auto out = f({x, y}, {{"scale", s}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(same_bits(out[0], x * s));
  EXPECT_TRUE(same_bits(out[1], y));
  EXPECT_EQ(f.signatures()[0].kwargs.at("scale").dtype, int32);
}

TEST(Export, CallsThatMatchNoTraceListEverySignature) {
  TempDir dir;
  auto path = dir.file("sig.ingot");
  {
    auto ex = exporter(path, ArgsFunction([](const Args& a) { return Args{a[0] + 1.0f}; }));
    ex({array({1.0f, 2.0f})});
    ex({zeros({2, 2}, int32)});
    ex.close();
  }
  auto f = import_function(path);
  ASSERT_EQ(f.signatures().size(), 2u);
  auto wrong_dtype = error_of<std::exception>([&] { f({array({1.0, 2.0}, float64)}); });
  EXPECT_THAT(wrong_dtype, HasSubstr("[import_function]"));
  EXPECT_THAT(wrong_dtype, HasSubstr("(float64[2])"));  // the call's own signature
  EXPECT_THAT(wrong_dtype, HasSubstr("(float32[2]) -> (float32[2])"));
  EXPECT_THAT(wrong_dtype, HasSubstr("(int32[2,2]) -> (float32[2,2])"));
  EXPECT_THAT(error_of<std::exception>([&] { f({array({1.0f, 2.0f, 3.0f})}); }), HasSubstr("float32[3]"));  // shape
  EXPECT_THAT(error_of<std::exception>([&] { f(Args{}); }), HasSubstr("no trace"));                          // arity
  EXPECT_THAT(error_of<std::exception>([&] { f({array({1.0f, 2.0f}), array({1.0f, 2.0f})}); }), HasSubstr("no trace"));
  EXPECT_THAT(error_of<std::exception>([&] { f(Kwargs{{"x", array({1.0f, 2.0f})}}); }), HasSubstr("no trace"));
  EXPECT_THROW(f({array({1.0f, 2.0f, 3.0f})}), std::invalid_argument);
  // No implicit casting or broadcasting: int32[2] is not float32[2].
  EXPECT_THROW(f({array({1, 2})}), std::invalid_argument);
  // Each trace answers its own signature.
  EXPECT_TRUE(same_bits(f({zeros({2, 2}, int32)})[0], full({2, 2}, 1.0f)));
}

TEST(Export, SharedConstantIsStoredOnceAcrossTraces) {
  TempDir dir;
  auto path = dir.file("shared.ingot");
  auto w = randn_like_values({16, 2048});
  {
    auto ex = exporter(path, ArgsFunction([&](const Args& a) { return Args{a[0] * w}; }));
    for (int64_t batch : {1, 2, 3, 4, 5}) ex({ones({batch, 16, 1})});
    ex.close();
  }
  const auto size = std::filesystem::file_size(path);
  EXPECT_LT(size, w.nbytes() + 8 * 1024);
  auto f = import_function(path);
  EXPECT_EQ(f.signatures().size(), 5u);
  EXPECT_TRUE(same_bits(f({ones({4, 16, 1})})[0], ones({4, 16, 1}) * w));
}

TEST(Export, IdenticalConstantsWithinATraceAreStoredOnce) {
  TempDir dir;
  auto w1 = randn_like_values({64, 256});
  auto w2 = copy(w1);  // a different array with the same bytes
  w2.eval();
  export_function(dir.file("dup.ingot"), ArgsFunction([&](const Args& a) { return Args{a[0] + w1, a[0] * w2}; }),
                  {ones({64, 256})});
  EXPECT_LT(std::filesystem::file_size(dir.file("dup.ingot")), w1.nbytes() + 8 * 1024);
  auto f = import_function(dir.file("dup.ingot"));
  auto out = f({ones({64, 256})});
  EXPECT_TRUE(same_bits(out[0], ones({64, 256}) + w1));
  EXPECT_TRUE(same_bits(out[1], ones({64, 256}) * w1));
}

// Constants are known by identity while an exporter lives. A scalar made afresh in every trace is freed
// after its trace (its content twin is kept), and the allocator hands its address to the next trace's
// constants: the table must never take a new array at that address for the freed one.
TEST(Export, FreshConstantsOfManyTracesNeverMix) {
  TempDir dir;
  auto path = dir.file("many.ingot");
  std::vector<array> ins;
  {
    // Trace k adds the constants k, k+1, ..., k+9 (fresh scalars, the same values reappear in later
    // traces) and scales by a fresh float16 or float32 scalar; churn frees and reallocates memory between.
    auto ex = exporter(path, ArgsFunction([](const Args& a) {
                         const int64_t k = a[0].size();
                         array acc = zeros_like(a[0]);
                         for (int64_t j = 0; j < 10; ++j) acc = acc + array(static_cast<float>(k + j), a[0].dtype());
                         return Args{acc * 2.0f + a[0]};
                       }));
    for (int64_t n = 1; n <= 24; ++n) {
      for (int churn = 0; churn < 50; ++churn) (void)vals(array(static_cast<float>(churn)) + 1.0f);
      const Dtype t = n % 3 == 0 ? float16 : float32;
      ins.push_back(astype(arange(0.0, static_cast<double>(n), 1.0), t));
      ex({ins.back()});
    }
  }
  auto f = import_function(path);
  EXPECT_EQ(f.signatures().size(), 24u);
  for (const auto& x : ins) {
    const int64_t k = x.size();
    const auto got = vals(f({x})[0]);
    ASSERT_EQ(got.size(), static_cast<size_t>(k));
    for (int64_t i = 0; i < k; ++i) EXPECT_EQ(got[i], 2.0 * (10 * k + 45) + i) << "trace of size " << k;
  }
}

// The example found in the field: one function, three traces, the third of another dtype.
TEST(Export, ScalarConstantOfAnotherDtypeInALaterTrace) {
  TempDir dir;
  auto path = dir.file("three.ingot");
  {
    auto ex = exporter(path, ArgsFunction([](const Args& a) { return Args{a[0] * 2.0f}; }));
    ex({array({1.0f, 2.0f})});
    ex({ones({2, 3})});
    ex({array({1.0f, 2.0f}, float16)});
  }
  auto f = import_function(path);
  EXPECT_EQ(vals(f({array({1.0f, 2.0f})})[0]), (std::vector<double>{2, 4}));
  EXPECT_EQ(vals(f({ones({2, 3})})[0]), std::vector<double>(6, 2.0));
  const auto h = f({array({1.5f, 3.0f}, float16)})[0];
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(vals(h), (std::vector<double>{3, 6}));
}

TEST(Export, MultiOutputPrimitivesRoundTrip) {
  TempDir dir;
  auto fun = ArgsFunction([](const Args& a) {
    auto [q, r] = divmod(a[0], a[1]);
    auto parts = split(a[0], 3, 0);
    return Args{r, q, parts[2], parts[0]};  // out of order, and parts[1] unused
  });
  auto x = array({7, -7, 9, 10, 11, -12}), y = array({2, 2, -4, 3, 5, 7});
  export_function(dir.file("multi.ingot"), fun, {x, y});
  auto f = import_function(dir.file("multi.ingot"));
  auto got = f({x, y});
  auto want = fun({x, y});
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(same_bits(got[i], want[i])) << "output " << i;
}

TEST(Export, MetadataRoundTripsAcrossTraces) {
  TempDir dir;
  Metadata meta = {{"model", "mlp"}, {"layers", 2}, {"scale", 0.5}, {"tags", {"a", "b"}}, {"nested", {{"x", nullptr}}}};
  auto path = dir.file("meta.ingot");
  {
    auto ex = exporter(path, ArgsFunction([](const Args& a) { return Args{a[0]}; }), false, meta);
    ex({array({1.0f})});
    ex({array({1})});
  }
  auto f = import_function(path);
  EXPECT_EQ(f.metadata(), meta);
  EXPECT_EQ(f.signatures().size(), 2u);
  EXPECT_EQ(f.format_version(), 1u);
  EXPECT_FALSE(f.library_version().empty());
  EXPECT_THAT(error_of<std::exception>([&] { export_function(dir.file("m2.ingot"), ArgsFunction([](const Args& a) { return a; }), {array(1)}, false, Metadata::array()); }),
              HasSubstr("metadata must be a JSON object"));
}

// Metadata nests at most kMaxMetadataDepth levels: deeper JSON is refused when written (a reader would
// need a deep stack for it), checked without recursion however deep it is.
TEST(Export, MetadataDepthIsCappedWhenWritten) {
  TempDir dir;
  auto nested = [](int depth) {
    Metadata m = 1;
    for (int i = 1; i < depth; ++i) m = Metadata::array({m});
    return Metadata{{"a", m}};
  };
  auto fun = ArgsFunction([](const Args& a) { return a; });
  export_function(dir.file("ok.ingot"), fun, {array(1.0f)}, false, nested(kMaxMetadataDepth));
  EXPECT_EQ(import_function(dir.file("ok.ingot")).metadata(), nested(kMaxMetadataDepth));
  for (int depth : {kMaxMetadataDepth + 1, 1000}) {
    EXPECT_THAT(error_of([&] { export_function(dir.file("deep.ingot"), fun, {array(1.0f)}, false, nested(depth)); }),
                HasSubstr("[export_function] metadata nests objects and arrays more than 64 levels deep"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("deep.ingot")));
}

TEST(Export, SameFunctionAndInputsGiveIdenticalBytes) {
  TempDir dir;
  Mlp mlp;
  auto x = randn_like_values({3, 4});
  export_function(dir.file("a.ingot"), ArgsFunction(mlp), {x}, false, {{"k", 1}});
  export_function(dir.file("b.ingot"), ArgsFunction(mlp), {x}, false, {{"k", 1}});
  EXPECT_EQ(ingot::testing::read_bytes(dir.file("a.ingot")), ingot::testing::read_bytes(dir.file("b.ingot")));
}

TEST(Export, FailingTraceLeavesThePreviousFileIntact) {
  TempDir dir;
  auto path = dir.file("keep.ingot");
  export_function(path, ArgsFunction([](const Args& a) { return Args{a[0] * 2.0f}; }), {array({1.0f})});
  const auto before = ingot::testing::read_bytes(path);
  auto throwing = ArgsFunction([](const Args& a) -> Args { throw std::runtime_error("boom"); });
  EXPECT_THROW(export_function(path, throwing, {array({1.0f})}), std::runtime_error);
  EXPECT_EQ(ingot::testing::read_bytes(path), before);
  EXPECT_EQ(dir.count_entries(), 1u);  // no temporary file left behind
}

TEST(Export, ADirectoryAsTheDestinationIsRefusedBeforeWriting) {
  TempDir dir;
  const std::string sub = dir.file("models");
  std::filesystem::create_directory(sub);
  const std::string err = ingot::testing::error_of<std::runtime_error>(
      [&] { export_function(sub, ArgsFunction([](const Args& a) { return Args{a[0] + 1.0f}; }), {array({1.0f})}); });
  EXPECT_THAT(err, HasSubstr("[export_function] " + sub + " is a directory; give a file path."));
  EXPECT_EQ(dir.count_entries(), 1u);
  EXPECT_TRUE(std::filesystem::is_empty(sub));
}

TEST(Export, TemporariesLeftByKilledWritersAreRemovedByTheNextExport) {
  // A writer killed part way (before unnamed temporary files, or where the file system lacks them) left
  // ".<name>.XXXXXX" beside the destination. The next export to that destination removes the ones no
  // live writer holds a lock on, and nothing else.
  TempDir dir;
  const std::string path = dir.file("m.ingot");
  for (const char* name : {".m.ingot.a1b2c3", ".m.ingot.ZZZZZZ", ".m.ingot.held00", ".m.ingot.toolong", ".n.ingot.a1b2c3",
                           "m.ingot.a1b2c3"})
    ingot::testing::write_bytes(dir.file(name), std::vector<char>(100, 'x'));
  const int held = ::open(dir.file(".m.ingot.held00").c_str(), O_RDONLY);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);  // a writer still at work
  export_function(path, ArgsFunction([](const Args& a) { return Args{a[0] + 1.0f}; }), {array({1.0f})});
  ::close(held);
  std::set<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir.file(""))) left.insert(e.path().filename().string());
  EXPECT_EQ(left, (std::set<std::string>{"m.ingot", ".m.ingot.held00", ".m.ingot.toolong", ".n.ingot.a1b2c3",
                                          "m.ingot.a1b2c3"}));
}

TEST(Export, WriteFailureLeavesNoPartialFile) {
  // A file-size limit makes the write fail part way, as a full disk would.
  TempDir dir;
  auto path = dir.file("big.ingot");
  export_function(path, ArgsFunction([](const Args& a) { return Args{a[0] + 1.0f}; }), {array({1.0f})});
  const auto before = ingot::testing::read_bytes(path);
  auto w = randn_like_values({256, 1024});  // 1 MiB of constant
  struct rlimit old {};
  ::getrlimit(RLIMIT_FSIZE, &old);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 64 * 1024;
  ::setrlimit(RLIMIT_FSIZE, &small);
  auto msg = error_of<std::exception>([&] { export_function(path, ArgsFunction([&](const Args& a) { return Args{a[0] * w}; }), {array({1.0f})}); });
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_THAT(msg, HasSubstr("[export_function]"));
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_EQ(ingot::testing::read_bytes(path), before);
  EXPECT_EQ(dir.count_entries(), 1u);
}

TEST(Export, LiveImportKeepsItsBytesWhenThePathIsRewritten) {
  TempDir dir;
  auto path = dir.file("live.ingot");
  auto w_old = array({1.0f, 2.0f}), w_new = array({10.0f, 20.0f});
  export_function(path, ArgsFunction([&](const Args& a) { return Args{a[0] + w_old}; }), {zeros({2})});
  auto f = import_function(path);  // constants not read yet
  export_function(path, ArgsFunction([&](const Args& a) { return Args{a[0] + w_new}; }), {zeros({2})});
  EXPECT_TRUE(same_bits(f({zeros({2})})[0], w_old));
  EXPECT_TRUE(same_bits(import_function(path)({zeros({2})})[0], w_new));
}

TEST(Export, TransposedConstantIsWrittenAsItsValues) {
  TempDir dir;
  auto w = randn_like_values({3, 5});
  auto wt = transpose(w);
  wt.eval();
  ASSERT_FALSE(wt.flags().row_contiguous);
  export_function(dir.file("t.ingot"), ArgsFunction([&](const Args& a) { return Args{a[0] + wt}; }), {zeros({5, 3})});
  auto f = import_function(dir.file("t.ingot"));
  EXPECT_TRUE(same_bits(f({zeros({5, 3})})[0], wt));
}

TEST(Export, UnevaluatedConstantGraphIsExportedAsAGraph) {
  TempDir dir;
  auto base = array({0.0f, 1.0f, 2.0f});
  auto w = exp(base) * 3.0f;  // not evaluated: stored as the nodes that compute it
  export_function(dir.file("g.ingot"), ArgsFunction([&](const Args& a) { return Args{a[0] * w}; }), {ones({3})});
  auto f = import_function(dir.file("g.ingot"));
  EXPECT_TRUE(same_bits(f({ones({3})})[0], ones({3}) * w));
}

TEST(Export, ExporterLifecycle) {
  TempDir dir;
  auto path = dir.file("ex.ingot");
  int calls = 0;
  auto ex = exporter(path, ArgsFunction([&](const Args& a) {
    if (++calls == 2) throw std::runtime_error("trace failure");
    return Args{a[0] * 2.0f};
  }));
  ex({array({1.0f})});
  EXPECT_THROW(ex({array({1.0f, 2.0f})}), std::runtime_error);  // the failing trace is dropped
  ex({array({1.0f, 2.0f})});                                     // and the exporter goes on
  auto dup = error_of<std::exception>([&] { ex({array({5.0f})}); });
  EXPECT_THAT(dup, HasSubstr("[exporter]"));
  EXPECT_THAT(dup, HasSubstr("already exported"));
  ex.close();
  auto closed = error_of<std::exception>([&] { ex({array({1.0f, 2.0f, 3.0f})}); });
  EXPECT_THAT(closed, HasSubstr("closed"));
  EXPECT_THROW(ex({array({1.0f, 2.0f, 3.0f})}), std::runtime_error);
  auto f = import_function(path);
  EXPECT_EQ(f.signatures().size(), 2u);
  EXPECT_TRUE(same_bits(f({array({1.0f, 2.0f})})[0], array({2.0f, 4.0f})));
}

TEST(Export, CommonSubexpressionsAreMerged) {
  TempDir dir;
  auto fun = ArgsFunction([](const Args& a) {
    auto p = exp(a[0]) + 1.0f;
    auto q = exp(a[0]) + 1.0f;  // the same computation built twice
    return Args{p * q};
  });
  export_function(dir.file("cse.ingot"), fun, {array({0.5f, 1.5f})});
  auto f = import_function(dir.file("cse.ingot"));
  std::ostringstream dot;
  export_to_dot(dot, f);
  const std::string d = dot.str();
  size_t exps = 0;
  for (size_t p = d.find("label=\"Exp"); p != std::string::npos; p = d.find("label=\"Exp", p + 1)) ++exps;
  EXPECT_EQ(exps, 1u) << d;
  EXPECT_TRUE(same_bits(f({array({0.5f, 1.5f})})[0], fun({array({0.5f, 1.5f})})[0]));
}

TEST(Export, StopGradientIsKept) {
  TempDir dir;
  export_function(dir.file("sg.ingot"), ArgsFunction([](const Args& a) { return Args{stop_gradient(a[0]) * 2.0f}; }),
                  {array({1.0f})});
  std::ostringstream dot;
  export_to_dot(dot, import_function(dir.file("sg.ingot")));
  EXPECT_THAT(dot.str(), HasSubstr("StopGradient"));
}

TEST(Export, DotOfALazyGraph) {
  auto x = array({1.0f, 2.0f});
  auto y = exp(x) + transpose(x);
  std::ostringstream os;
  export_to_dot(os, {y});
  EXPECT_THAT(os.str(), HasSubstr("digraph"));
  EXPECT_THAT(os.str(), HasSubstr("Exp"));
  EXPECT_THAT(os.str(), HasSubstr("Add"));
  EXPECT_THAT(os.str(), HasSubstr("output 0"));
  // The leaf is labelled, though it was first named by the edges into Exp and Add.
  EXPECT_THAT(os.str(), HasSubstr("[shape=ellipse, label=\"constant float32 (2,)\"]"));
}

TEST(Export, ArraysCapturedFromAnotherTraceAreRejected) {
  TempDir dir;
  array leaked;
  export_function(dir.file("a.ingot"), ArgsFunction([&](const Args& a) {
                    leaked = a[0];
                    return Args{a[0]};
                  }),
                  {array({1.0f})});
  auto msg = error_of<std::exception>([&] {
    export_function(dir.file("b.ingot"), ArgsFunction([&](const Args& a) { return Args{a[0] + leaked}; }), {array({1.0f})});
  });
  EXPECT_THAT(msg, HasSubstr("[export_function]"));
  EXPECT_THAT(msg, HasSubstr("another trace"));
}

TEST(Export, ShapelessTraceAcceptsOtherShapesOfTheSameRank) {
  TempDir dir;
  auto fun = ArgsFunction([](const Args& a) { return Args{exp(a[0]) * a[1] + 1.0f}; });
  export_function(dir.file("s.ingot"), fun, {ones({2, 3}), ones({2, 3})}, /*shapeless=*/true);
  auto f = import_function(dir.file("s.ingot"));
  EXPECT_TRUE(f.signatures()[0].shapeless);
  auto x = randn_like_values({4, 5}), y = randn_like_values({4, 5});
  EXPECT_TRUE(same_bits(f({x, y})[0], fun({x, y})[0]));
  EXPECT_THROW(f({ones({4}), ones({4})}), std::invalid_argument);  // rank differs
}

TEST(Export, NewerFormatIsRefusedWithTheVersionNeeded) {
  TempDir dir;
  auto path = dir.file("v.ingot");
  export_function(path, ArgsFunction([](const Args& a) { return a; }), {array({1.0f})});
  auto bytes = ingot::testing::read_bytes(path);
  const uint32_t v = 7;
  std::memcpy(bytes.data() + 8, &v, 4);   // format_version
  std::memcpy(bytes.data() + 12, &v, 4);  // min_reader_version
  ingot::testing::write_bytes(path, bytes);
  auto msg = error_of<std::exception>([&] { import_function(path); });
  EXPECT_THAT(msg, HasSubstr("needs a reader of version 7"));
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THROW(import_function(path), std::runtime_error);
}

TEST(Export, MissingFileAndNonIngotFile) {
  TempDir dir;
  EXPECT_THAT(error_of<std::exception>([&] { import_function(dir.file("nope.ingot")); }), HasSubstr("cannot open"));
  ingot::testing::write_bytes(dir.file("text.ingot"), std::vector<char>(200, 'x'));
  EXPECT_THAT(error_of<std::exception>([&] { import_function(dir.file("text.ingot")); }), HasSubstr("bad magic"));
  ingot::testing::write_bytes(dir.file("tiny.ingot"), std::vector<char>(10, 'x'));
  EXPECT_THAT(error_of<std::exception>([&] { import_function(dir.file("tiny.ingot")); }), HasSubstr("too small"));
}

TEST(Export, ImportedFunctionIsCheapToCopyAndSharesConstants) {
  TempDir dir;
  Mlp mlp;
  export_function(dir.file("c.ingot"), ArgsFunction(mlp), {ones({1, 4})});
  auto f = import_function(dir.file("c.ingot"));
  auto g = f;  // a handle copy
  auto a = f({ones({1, 4})})[0], b = g({ones({1, 4})})[0];
  EXPECT_TRUE(same_bits(a, b));
  EXPECT_EQ(&f.impl(), &g.impl());
}
