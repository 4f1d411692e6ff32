// Import budgets (ImportOptions): what a file may make the library do, checked before anything runs,
// and copy_constants, which frees the function from the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "export/imported.h"
#include "export_test_util.h"

namespace ingot::testing {
namespace {

using ::testing::HasSubstr;

// A function that asks for a (2^16, 2^16) float32 intermediate (16 GiB) from a scalar input: its graph is
// tiny, the work it asks for is not.
std::string huge_full_file(const TempDir& dir) {
  const std::string path = dir.file("huge.ingot");
  export_function(path, [](const Args& a) { return Args{sum(add(a[0], full({1 << 16, 1 << 16}, 1.0f)))}; },
                  {array(1.0f)});
  return path;
}

TEST(ImportBudgets, AHugeIntermediateIsRefusedAtImportByDefault) {
  TempDir dir;
  const std::string path = huge_full_file(dir);
  const std::string err = error_of<std::runtime_error>([&] { import_function(path); });
  EXPECT_THAT(err, HasSubstr("[import_function] " + path + ": trace 0 needs"));
  EXPECT_THAT(err, HasSubstr("bytes of intermediate and output arrays per call"));
  EXPECT_THAT(err, HasSubstr("max_call_bytes = 8589934592"));
  // A caller who trusts the file raises the limit; the import then succeeds (nothing runs yet).
  ImportOptions trusting;
  trusting.max_call_bytes = uint64_t{64} << 30;
  EXPECT_NO_THROW(import_function(path, trusting));
}

TEST(ImportBudgets, BytesCountEveryNodeOutput) {
  TempDir dir;
  const std::string path = dir.file("f.ingot");
  // Two float32 (10, 10) intermediates and one (10, 10) output: 1,200 bytes.
  export_function(path, [](const Args& a) { return Args{multiply(add(a[0], a[0]), exp(a[0]))}; },
                  {zeros({10, 10})});
  ImportOptions o;
  o.max_call_bytes = 1200;
  auto f = import_function(path, o);
  EXPECT_TRUE(allclose(f({ones({10, 10})})[0], full({10, 10}, static_cast<float>(2 * std::exp(1.0)))));
  o.max_call_bytes = 1199;
  EXPECT_THAT(error_of<std::runtime_error>([&] { import_function(path, o); }),
              HasSubstr("needs 1200 bytes of intermediate and output arrays per call (reached at a Multiply node), "
                        "more than the limit max_call_bytes = 1199"));
}

TEST(ImportBudgets, NodesAreCountedOverEveryTrace) {
  TempDir dir;
  const std::string path = dir.file("chain.ingot");
  auto chain = [](const Args& a) {
    array x = a[0];
    for (int i = 0; i < 30; ++i) x = add(x, array(static_cast<float>(i)));
    return Args{x};
  };
  auto ex = exporter(path, chain);
  ex({zeros({2})});
  ex({zeros({3})});
  ex.close();
  ImportOptions o;
  o.max_nodes = 60;
  const auto f = import_function(path, o);
  EXPECT_EQ(f.signatures().size(), 2u);
  o.max_nodes = 59;
  EXPECT_THAT(error_of<std::runtime_error>([&] { import_function(path, o); }),
              HasSubstr(": the file has more than 59 nodes, the limit max_nodes (trace 1 brings it to 60)."));
}

TEST(ImportBudgets, MatmulAndConvolutionCountTheirProducts) {
  TempDir dir;
  const std::string mm = dir.file("mm.ingot"), conv = dir.file("conv.ingot");
  // 2 * 64 * 64 * 64 multiply-adds (524,288) plus reading the inputs: above 5e5, below 6e5.
  export_function(mm, [](const Args& a) { return Args{matmul(a[0], a[1])}; }, {zeros({64, 64}), zeros({64, 64})});
  // Output (1, 30, 30, 8), each from a 3x3x8 window: 2 * 7200 * 72 = 1,036,800 plus the input.
  export_function(conv, [](const Args& a) { return Args{conv2d(a[0], a[1])}; },
                  {zeros({1, 32, 32, 8}), zeros({8, 3, 3, 8})});
  ImportOptions o;
  o.max_call_flops = 6e5;
  EXPECT_NO_THROW(import_function(mm, o));
  o.max_call_flops = 5e5;
  EXPECT_THAT(error_of<std::runtime_error>([&] { import_function(mm, o); }),
              HasSubstr("needs an estimated 532480 operations per call (reached at a Matmul node), more than the "
                        "limit max_call_flops = 500000"));
  o.max_call_flops = 1.1e6;
  EXPECT_NO_THROW(import_function(conv, o));
  o.max_call_flops = 1e6;
  EXPECT_THAT(error_of<std::runtime_error>([&] { import_function(conv, o); }), HasSubstr("(reached at a Convolution node)"));
}

TEST(ImportBudgets, ShapelessTracesAreCheckedWhenACallFixesTheirShapes) {
  TempDir dir;
  const std::string path = dir.file("shapeless.ingot");
  export_function(path, [](const Args& a) { return Args{add(a[0], array(1.0f))}; }, {zeros({4})}, true);
  ImportOptions o;
  o.max_call_bytes = 1000;
  const auto f = import_function(path, o);
  EXPECT_TRUE(array_equal(f({zeros({250})})[0], ones({250})));  // exactly 1,000 bytes
  const std::string err = error_of<std::runtime_error>([&] { f({zeros({251})}); });
  EXPECT_THAT(err, HasSubstr("[import_function] " + path + ": trace 0 needs 1004 bytes"));
  EXPECT_THAT(err, HasSubstr("max_call_bytes = 1000"));
}

TEST(ImportBudgets, CopiedConstantsOutliveChangesToTheFile) {
  TempDir dir;
  const std::string path = dir.file("w.ingot");
  const array w = arange(0.0, 1024.0, 1.0, float32);
  eval(w);  // stored as data, not as the graph computing it
  export_function(path, [&](const Args& a) { return Args{multiply(a[0], w)}; }, {ones({1024})});
  ImportOptions copy;
  copy.copy_constants = true;
  const auto copied = import_function(path, copy);
  // Overwrite the file in place with other bytes of the same size, then truncate it.
  {
    std::vector<char> bytes = read_bytes(path);
    std::fill(bytes.begin(), bytes.end(), 0x7f);
    std::ofstream out(path, std::ios::binary | std::ios::in | std::ios::out);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::filesystem::resize_file(path, 0);
  EXPECT_TRUE(array_equal(copied({ones({1024})})[0], w));
  EXPECT_TRUE(array_equal(copied({full({1024}, 2.0f)})[0], multiply(w, array(2.0f))));
}

TEST(ImportBudgets, CopyingAFileReadsItAll) {
  TempDir dir;
  const std::string path = dir.file("w.ingot");
  const array w = arange(0.0, 100.0, 1.0, float32);
  eval(w);
  export_function(path, [&](const Args& a) { return Args{add(a[0], w)}; }, {zeros({100})});
  ImportOptions copy;
  copy.copy_constants = true;
  const auto f = import_function(path, copy);
  ASSERT_EQ(f.impl().constants.size(), 1u);
  const array c = f.impl().constant(0);
  eval(c);
  EXPECT_EQ(mapping_of(c.raw_data()).find(path), std::string::npos);  // heap, not the file's mapping
  EXPECT_NE(mapping_of(import_function(path).impl().constant(0).raw_data()).find("w.ingot"), std::string::npos);
  EXPECT_TRUE(array_equal(f({zeros({100})})[0], w));
}

}  // namespace
}  // namespace ingot::testing
