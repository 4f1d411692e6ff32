// One table drives the export round trip of every registered primitive: export a small function
// using it, import, and compare bit for bit with the direct call. Its shapeless column replays a
// shapeless export at two other input shapes, or names what the export refuses. A primitive without
// a row, or a row without a shapeless column, fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <sstream>

#include "export/format.h"
#include "export_test_util.h"
#include "primitive_cases.h"
#include "prims/primitive.h"

using namespace ingot;

namespace {

using Case = ingot::testing::PrimitiveCase;
using ingot::testing::f32;
using ingot::testing::i32;
using ingot::testing::rs;
std::vector<Case> cases() { return ingot::testing::primitive_cases(); }

std::set<std::string> registered_names() {
  std::set<std::string> names;
  for (const auto& [name, entry] : primitive_registry().entries()) names.insert(name);
  return names;
}

}  // namespace

TEST(ExportPrimitives, EveryRegisteredPrimitiveHasARoundTripCase) {
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(c.primitive);
  std::vector<std::string> missing;
  for (const auto& name : registered_names())
    if (!covered.count(name)) missing.push_back(name);
  EXPECT_TRUE(missing.empty()) << "primitives without an export round-trip case: " << ::testing::PrintToString(missing);
  for (const auto& name : covered) EXPECT_TRUE(registered_names().count(name)) << name << " is not registered";
}

TEST(ExportPrimitives, EachRoundTripsBitForBit) {
  ingot::testing::TempDir dir(/*in_memory=*/true);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.primitive);
    const auto path = dir.file(c.primitive + ".ingot");
    export_function(path, c.fun, c.inputs);
    auto f = import_function(path);
    auto want = c.fun(c.inputs);
    auto got = f(c.inputs);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(ingot::testing::same_bits(got[i], want[i])) << "output " << i;
    // The node is in the file (except Copy, which export drops as a no-op).
    std::ostringstream dot;
    export_to_dot(dot, f);
    if (c.primitive != "Copy") EXPECT_THAT(dot.str(), ::testing::HasSubstr("label=\"" + c.primitive)) << dot.str();
  }
}

// The shapeless column: a shapeless export replays at other input shapes exactly as the direct call
// there, or the export itself refuses, naming the primitive, its node and what it bakes in.
TEST(ExportPrimitives, EachReplaysShapelessOrRefusesByName) {
  ingot::testing::TempDir dir(/*in_memory=*/true);
  size_t replayed = 0, refused = 0;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.primitive);
    ASSERT_TRUE(c.alts.size() >= 2 || !c.refuses.empty()) << "no shapeless column";
    const ArgsFunction& fun = c.shapeless_fun ? c.shapeless_fun : c.fun;
    const auto path = dir.file(c.primitive + ".shapeless.ingot");
    if (!c.refuses.empty()) {
      const auto msg = ingot::testing::error_of([&] { export_function(path, fun, c.inputs, /*shapeless=*/true); });
      EXPECT_THAT(msg, ::testing::HasSubstr("[export_function] " + c.primitive + " (node "));
      EXPECT_THAT(msg, ::testing::HasSubstr("bakes " + c.refuses));
      EXPECT_THAT(msg, ::testing::HasSubstr("cannot be exported shapeless"));
      EXPECT_FALSE(std::filesystem::exists(path));
      ++refused;
      continue;
    }
    export_function(path, fun, c.inputs, /*shapeless=*/true);
    auto f = import_function(path);
    for (const auto& in : c.alts) {
      const auto want = fun(in);
      const auto got = f(in);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].shape(), want[i].shape()) << "output " << i << " at input shape " << shape_str(in[0].shape());
        EXPECT_TRUE(ingot::testing::same_bits(got[i], want[i])) << "output " << i << " at input shape " << shape_str(in[0].shape());
      }
    }
    ++replayed;
  }
  std::cout << "shapeless: " << replayed << " primitives replay at other shapes, " << refused << " refuse\n";
}

// Ops whose result's structure depends on the traced shape refuse while a shapeless export traces.
TEST(ExportPrimitives, OpsThatCannotFollowShapesRefuseWhileTracing) {
  ingot::testing::TempDir dir;
  const auto msg = ingot::testing::error_of([&] {
    export_function(dir.file("s.ingot"), [](const Args& a) { return Args{squeeze(a[0])}; }, {ones({2, 1})}, true);
  });
  EXPECT_THAT(msg, ::testing::HasSubstr("[squeeze] without axes it removes the axes that are 1 in the traced shape"));
  EXPECT_THAT(ingot::testing::error_of([&] {
                export_function(dir.file("r.ingot"), [](const Args& a) { return Args{roll(a[0], 1)}; }, {ones({2, 3})}, true);
              }),
              ::testing::HasSubstr("[roll] rolling the flattened array bakes its shape"));
  // Outside a shapeless export both work as before.
  export_function(dir.file("s.ingot"), [](const Args& a) { return Args{squeeze(a[0]), roll(a[0], 1)}; }, {ones({2, 1})});
}

// A transposed convolution's padding comes from the kernel's size: it follows the input's length when the
// kernel is a weight, and is refused when the kernel is itself a function input.
TEST(ExportPrimitives, ConvTransposeShapeless) {
  ingot::testing::TempDir dir;
  const auto w = rs(f32({0.5f, -1.0f, 0.25f, 2.0f, 1.5f, -0.5f}, {6}), {3, 2, 2});
  const auto conv = [w](const Args& a) { return Args{conv_transpose1d(a[0], w, 2, 1)}; };
  export_function(dir.file("ct.ingot"), conv, {rs(w, {1, 5, 2})}, true);
  auto f = import_function(dir.file("ct.ingot"));
  for (const Shape& s : {Shape{1, 5, 2}, Shape{2, 9, 2}, Shape{1, 3, 2}}) {
    const auto x = rs(w, s);
    EXPECT_TRUE(ingot::testing::same_bits(f({x})[0], conv({x})[0])) << shape_str(s);
  }
  EXPECT_THAT(ingot::testing::error_of([&] {
                export_function(dir.file("ct2.ingot"), [](const Args& a) { return Args{conv_transpose1d(a[0], a[1])}; },
                                {rs(w, {1, 5, 2}), w}, true);
              }),
              ::testing::HasSubstr("Convolution (node 0) bakes the padding computed for the traced kernel size"));
}

TEST(ExportPrimitives, TheExporterRefusesShapelessTracesToo) {
  ingot::testing::TempDir dir;
  // Rank 2 reshapes to a written shape; rank 1 only doubles.
  auto fun = ArgsFunction([](const Args& a) { return Args{a[0].ndim() == 2 ? reshape(a[0] * 2.0f, {6}) : a[0] * 2.0f}; });
  {
    auto ex = exporter(dir.file("r.ingot"), fun, /*shapeless=*/true);
    EXPECT_THAT(ingot::testing::error_of([&] { ex({ones({2, 3})}); }),
                ::testing::HasSubstr("[exporter] Reshape (node 1) bakes the shape (6,) (keep a -1, or use "
                                     "flatten/unflatten) and cannot be exported shapeless."));
    ex({ones({4})});  // the exporter stays usable after a refused trace
  }
  auto f = import_function(dir.file("r.ingot"));
  ASSERT_EQ(f.signatures().size(), 1u);
  EXPECT_EQ(ingot::testing::vals(f({ones({7})})[0]), std::vector<double>(7, 2.0));
}

// A primitive unknown to the registry (a user's own) cannot be exported, and the error names it.
namespace {
class Doubler : public PrimitiveBase<Doubler> {
 public:
  static constexpr const char* kName = "TestOnlyDoubler";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;
  static constexpr int kArity = 1;
  auto state() const { return std::tuple<>(); }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].alloc();
    for (int64_t i = 0; i < in[0].size(); ++i) out[0].data<float>()[i] = 2 * in[0].data<float>()[i];
  }
};
}  // namespace

TEST(ExportPrimitives, UnregisteredPrimitiveIsRefusedByName) {
  ingot::testing::TempDir dir;
  auto fun = ArgsFunction([](const Args& a) { return Args{make<Doubler>({a[0]}) + 1.0f}; });
  auto direct = fun({array({1.0f, 2.0f})})[0];
  direct.eval();  // sanity: the custom primitive itself works
  EXPECT_EQ(direct.data<float>()[0], 3.0f);
  EXPECT_EQ(direct.data<float>()[1], 5.0f);
  auto msg = ingot::testing::error_of<std::exception>([&] { export_function(dir.file("u.ingot"), fun, {array({1.0f, 2.0f})}); });
  EXPECT_THAT(msg, ::testing::HasSubstr("TestOnlyDoubler cannot be exported"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("u.ingot")));
}

// Every primitive's file, corrupted byte by byte (with the checksum fixed, as a hostile writer
// would), imports with an error or runs: never a crash. Run under the sanitizers by scripts/test.
TEST(ExportPrimitives, CorruptedFilesNeverCrash) {
  ingot::testing::TempDir dir(/*in_memory=*/true);
  std::mt19937 rng(7);
  size_t refused = 0, ran = 0;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.primitive);
    const auto path = dir.file(c.primitive + ".ingot");
    export_function(path, c.fun, c.inputs);
    const auto bytes = ingot::testing::read_bytes(path);
    format::Header h;
    std::memcpy(&h, bytes.data(), sizeof(h));
    const auto bad = dir.file(c.primitive + ".bad.ingot");
    for (uint64_t i = h.graph_offset; i < h.graph_offset + h.graph_size; ++i) {
      auto b = bytes;
      b[i] = static_cast<char>(b[i] ^ static_cast<char>(1 + rng() % 255));
      h.graph_crc32 = format::crc32(b.data() + h.graph_offset, h.graph_size);
      std::memcpy(b.data(), &h, sizeof(h));
      ingot::testing::write_bytes(bad, b);
      try {
        auto f = import_function(bad);
        auto out = f(c.inputs);
        eval(out);
        ++ran;
      } catch (const std::exception&) {
        ++refused;
      }
    }
  }
  // Most corruptions are caught; some (in names, version strings, unused fields) are harmless.
  EXPECT_GT(refused, 4 * ran);
  std::cout << "corrupted files: " << refused << " refused, " << ran << " ran\n";
}
