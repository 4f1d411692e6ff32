// Files whose data section passes 4 GiB (the constant is a broadcast zero: cheap in memory, and the
// writer leaves zero regions as holes, so the file is sparse on disk).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "export_test_util.h"

using namespace ingot;

TEST(ExportLarge, ConstantsBeyondFourGiB) {
  ingot::testing::TempDir dir;
  const auto path = dir.file("large.ingot");
  const int64_t n = (int64_t{1} << 30) + 1024;  // 4 GiB + 4 KiB of float32
  auto big = broadcast_to(array(0.0f), {n});
  big.eval();
  auto tail = array({1.5f, -2.5f, 3.5f});  // stored after big: its offset is past 4 GiB
  auto fun = ArgsFunction([&](const Args& a) { return Args{tail + a[0], slice(big, {n - 3}, {n}) + a[0]}; });
  export_function(path, fun, {ones({3})});

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_GT(static_cast<uint64_t>(st.st_size), uint64_t{4} << 30);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, uint64_t{64} << 20) << "zero regions should be holes";

  auto f = import_function(path);
  auto out = f({ones({3})});
  EXPECT_TRUE(ingot::testing::same_bits(out[0], array({2.5f, -1.5f, 4.5f})));
  EXPECT_TRUE(ingot::testing::same_bits(out[1], ones({3})));
}
