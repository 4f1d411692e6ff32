// Self-test vectors (ExportOptions::self_test) and ImportedFunction::verify / call_trace.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "export_test_util.h"

using namespace ingot;
using ingot::testing::error_of;
using ingot::testing::TempDir;

namespace {
std::vector<array> affine(const Args& a) { return {add(multiply(a[0], array(3.0f)), array(0.5f)), sum(a[0])}; }
}  // namespace

TEST(SelfTest, StoredVectorsVerifyAndTamperingIsFound) {
  TempDir dir;
  const std::string path = dir.file("f.ingot");
  array x({1.0f, -2.0f, 4.0f, 0.25f}, float32);
  export_function(path, affine, {x}, ExportOptions{.self_test = true});
  ImportedFunction f = import_function(path);
  ASSERT_TRUE(f.has_self_test(0));
  EXPECT_FALSE(f.has_self_test(1));
  auto results = f.verify();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].passed) << results[0].message;
  EXPECT_EQ(results[0].max_abs_error, (std::vector<double>{0.0, 0.0}));

  // The stored first output, 3 x + 0.5 = {3.5, -5.5, 12.5, 1.25}, altered in the data section.
  auto bytes = ingot::testing::read_bytes(path);
  const float want[] = {3.5f, -5.5f, 12.5f, 1.25f};
  auto at = std::search(bytes.begin(), bytes.end(), reinterpret_cast<const char*>(want),
                        reinterpret_cast<const char*>(want) + sizeof(want));
  ASSERT_NE(at, bytes.end());
  const float changed = 12.75f;
  std::memcpy(&*at + 8, &changed, 4);
  ingot::testing::write_bytes(path, bytes);
  results = import_function(path).verify(1e-5, 1e-6);
  EXPECT_FALSE(results[0].passed);
  EXPECT_DOUBLE_EQ(results[0].max_abs_error[0], 0.25);
  EXPECT_GT(results[0].max_tolerance_ratio[0], 1.0);
  EXPECT_TRUE(import_function(path).verify(0.0, 0.3)[0].passed);
  EXPECT_THAT(error_of([&] { f.verify(-1, 0); }), ::testing::HasSubstr("[verify] rtol and atol must be >= 0"));
}

TEST(SelfTest, EveryTraceOfAnExporterAndNoneByDefault) {
  TempDir dir;
  {
    auto ex = exporter(dir.file("two.ingot"), affine, ExportOptions{.shapeless = true, .self_test = true});
    ex({array({1.0f, 2.0f})});
    ex({array({1.0, 2.0, 3.0}, float64)});
    ex.close();
  }
  ImportedFunction f = import_function(dir.file("two.ingot"));
  auto results = f.verify();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].passed && results[1].passed);
  export_function(dir.file("plain.ingot"), affine, {array({1.0f})});
  EXPECT_TRUE(import_function(dir.file("plain.ingot")).verify().empty());
  EXPECT_FALSE(import_function(dir.file("plain.ingot")).has_self_test(0));
}

TEST(SelfTest, CallTraceRunsTheNamedTraceOnly) {
  TempDir dir;
  {
    auto ex = exporter(dir.file("f.ingot"), affine);
    ex({array({1.0f, 2.0f})});
    ex({array({1.0, 2.0}, float64)});
  }
  ImportedFunction f = import_function(dir.file("f.ingot"));
  auto out = f.call_trace(1, {array({1.0, 2.0}, float64)});
  EXPECT_EQ(out[0].dtype(), float64);
  EXPECT_THAT(error_of([&] { f.call_trace(0, {array({1.0, 2.0}, float64)}); }),
              ::testing::HasSubstr("trace 0 of"));
  EXPECT_THAT(error_of([&] { f.call_trace(2, {array({1.0f, 2.0f})}); }),
              ::testing::HasSubstr("trace 2 does not exist"));
}
