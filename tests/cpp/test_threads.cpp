// set_num_threads / get_num_threads: one count for ingot's pool and OpenBLAS, results independent of it;
// OpenBLAS's kernels chosen by the CPU's features.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cpu/blas.h"
#include "export_test_util.h"

extern "C" int openblas_get_num_threads();
extern "C" char* openblas_get_corename();

using namespace ingot;
using ingot::testing::error_of;
using ingot::testing::same_bits;
using ::testing::HasSubstr;

TEST(Threads, SetNumThreadsResizesThePoolAndOpenBlas) {
  const int initial = get_num_threads();
  EXPECT_GE(initial, 1);
  // A workload that splits over threads: a fused elementwise chain, a reduction and a product.
  const array x = random::normal({300, 700}, float32, random::key(3));
  const array w = random::normal({700, 300}, float32, random::key(4));
  auto work = [&] { return Args{exp(multiply(tanh(x), 0.5f)), sum(square(x), 1), matmul(x, w)}; };
  EXPECT_EQ(set_num_threads(1), initial);
  EXPECT_EQ(get_num_threads(), 1);
  EXPECT_EQ(openblas_get_num_threads(), 1);
  auto one = work();
  eval(one);
  for (int n : {2, 3}) {
    EXPECT_EQ(set_num_threads(n), n == 2 ? 1 : 2);
    EXPECT_EQ(get_num_threads(), n);
    EXPECT_EQ(openblas_get_num_threads(), n);
    auto many = work();
    for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(same_bits(many[i], one[i])) << n << " threads, output " << i;
    EXPECT_TRUE(allclose(many[2], one[2], 1e-5, 1e-4)) << n << " threads";  // BLAS may split sums differently
  }
  set_num_threads(initial);
}

TEST(Threads, SetNumThreadsRefusesCountsOutOfRange) {
  for (int n : {0, -1, 257})
    EXPECT_THAT(error_of([&] { set_num_threads(n); }),
                HasSubstr("[set_num_threads] expects 1 to 256 threads, got " + std::to_string(n) + "."));
  EXPECT_GE(get_num_threads(), 1);
}

TEST(Threads, OpenBlasKernelsFollowTheCpuFeatures) {
  auto cpu = [](const std::string& vendor, const std::string& flags) {
    return "processor\t: 0\nvendor_id\t: " + vendor + "\nflags\t\t: " + flags + "\n";
  };
  const std::string avx512 = "fpu sse2 avx2 fma avx512f avx512bw avx512vl avx512dq";
  EXPECT_STREQ(cpu::openblas_kernel_family(cpu("GenuineIntel", avx512 + " avx512_bf16")), "Cooperlake");
  EXPECT_STREQ(cpu::openblas_kernel_family(cpu("GenuineIntel", avx512)), "SkylakeX");
  EXPECT_STREQ(cpu::openblas_kernel_family(cpu("GenuineIntel", "sse2 avx2 fma")), "Haswell");
  EXPECT_EQ(cpu::openblas_kernel_family(cpu("GenuineIntel", "sse2 sse3")), nullptr);
  EXPECT_EQ(cpu::openblas_kernel_family(cpu("AuthenticAMD", avx512)), nullptr);
  EXPECT_EQ(cpu::openblas_kernel_family(""), nullptr);
  // This process: a CPU the rule names runs that family's kernels, not the generic fallback.
  std::ifstream in("/proc/cpuinfo");
  std::stringstream text;
  text << in.rdbuf();
  if (cpu::openblas_kernel_family(text.str()) && !std::getenv("OPENBLAS_CORETYPE"))
    EXPECT_STRNE(openblas_get_corename(), "Prescott");
}
