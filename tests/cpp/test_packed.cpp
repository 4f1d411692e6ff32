// Products by packed constant weights in replay plans (oneDNN, src/cpu/packed.cpp): the same values as
// the product through OpenBLAS to rounding, packed once per function, within its budget, and only for
// products with rows enough and inputs they can read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cpu/packed.h"
#include "export/imported.h"
#include "export_test_util.h"
#include "prims/primitive.h"

using namespace ingot;
using ingot::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {
array evaluated(array a) {
  a.eval();
  return a;
}

std::string printed(const array& a) {
  std::ostringstream os;
  a.primitive().print(os);
  return os.str();
}

// Close to the unpacked product: the kernels sum in another order.
void expect_close(const array& got, const array& want) {
  EXPECT_TRUE(allclose(got, want, 1e-5, 1e-5)) << "max difference "
                                                            << max(abs(subtract(got, want))).item<float>();
}

// Linear layers as ingot.nn writes them: addmm(bias, x, w.T), and a product by a weight without bias;
// each weight of at least 2^16 elements (smaller ones are not packed).
struct Mlp {
  array w1 = evaluated(random::normal({320, 256}, float32, 0.0f, 0.05f, random::key(1)));
  array b1 = evaluated(random::normal({320}, float32, random::key(2)));
  array w2 = evaluated(random::normal({320, 256}, float32, 0.0f, 0.05f, random::key(3)));
  Args operator()(const Args& a) const {
    const array h = tanh(addmm(b1, a[0], transpose(w1)));
    return Args{matmul(h, w2)};
  }
};
}  // namespace

class Packed : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cpu::packing_available()) GTEST_SKIP() << "oneDNN (libdnnl.so.2) is not installed";
  }
};

TEST_F(Packed, ProductsOfManyRowsByConstantWeightsReadThemPacked) {
  TempDir dir(/*in_memory=*/true);
  const Mlp mlp;
  const array x = evaluated(random::normal({4, 8, 256}, float32, random::key(4)));  // 32 rows
  export_function(dir.file("mlp.ingot"), ArgsFunction(mlp), {x});
  auto f = import_function(dir.file("mlp.ingot"));
  for (int call = 0; call < 2; ++call) {
    const array out = f({x})[0];
    EXPECT_THAT(printed(out), HasSubstr("; packed: 2)"));
    expect_close(out, mlp({x})[0]);
  }
  // Packed once: the two weights' copies (padded to the kernels' blocks).
  const uint64_t used = f.impl().plans.packer.used();
  EXPECT_GE(used, 2u * 320 * 256 * 4);
  EXPECT_LT(used, 4u * 320 * 256 * 4);
}

TEST_F(Packed, ShapelessPlansShareOnePackedCopy) {
  TempDir dir(/*in_memory=*/true);
  const Mlp mlp;
  export_function(dir.file("mlp.ingot"), ArgsFunction(mlp), {zeros({16, 256})}, /*shapeless=*/true);
  auto f = import_function(dir.file("mlp.ingot"));
  uint64_t used = 0;
  for (int rows : {16, 48, 17, 100}) {
    const array x = evaluated(random::normal({rows, 256}, float32, random::key(static_cast<uint64_t>(rows))));
    const array out = f({x})[0];
    EXPECT_THAT(printed(out), HasSubstr("packed: 2")) << rows << " rows";
    expect_close(out, mlp({x})[0]);
    if (used == 0) used = f.impl().plans.packer.used();
    EXPECT_EQ(f.impl().plans.packer.used(), used) << rows << " rows";
  }
}

TEST_F(Packed, SmallWeightsFewRowsNoBudgetOrStridedRowsReadTheWeightsWhereTheyAre) {
  TempDir dir(/*in_memory=*/true);
  const Mlp mlp;
  // Small weights: the product through OpenBLAS, the eager product's bits.
  const array w = evaluated(random::normal({64, 96}, float32, random::key(9)));
  const auto small = [&](const Args& a) { return Args{matmul(a[0], w)}; };
  const array rows = evaluated(random::normal({64, 64}, float32, random::key(10)));
  export_function(dir.file("small.ingot"), ArgsFunction(small), {rows});
  const array exact = import_function(dir.file("small.ingot"))({rows})[0];
  EXPECT_THAT(printed(exact), Not(HasSubstr("packed")));
  EXPECT_TRUE(array_equal(exact, small({rows})[0]));
  // Fewer rows than a block: matrix-vector-like products stream the weights.
  const array few = evaluated(random::normal({3, 256}, float32, random::key(5)));
  export_function(dir.file("few.ingot"), ArgsFunction(mlp), {few});
  const array out = import_function(dir.file("few.ingot"))({few})[0];
  EXPECT_THAT(printed(out), Not(HasSubstr("packed")));
  expect_close(out, mlp({few})[0]);
  // No budget: nothing packed.
  const array x = evaluated(random::normal({32, 256}, float32, random::key(6)));
  export_function(dir.file("mlp.ingot"), ArgsFunction(mlp), {x});
  ImportOptions none;
  none.max_packed_bytes = 0;
  auto unpacked = import_function(dir.file("mlp.ingot"), none);
  EXPECT_THAT(printed(unpacked({x})[0]), Not(HasSubstr("packed")));
  EXPECT_EQ(unpacked.impl().plans.packer.used(), 0u);
  // Rows that are a transposed view: planned packed, the step runs through OpenBLAS at the call.
  auto f = import_function(dir.file("mlp.ingot"));
  const array xt = evaluated(transpose(evaluated(random::normal({256, 32}, float32, random::key(7)))));
  ASSERT_FALSE(xt.flags().row_contiguous);
  const array viewed = f({xt})[0];
  EXPECT_THAT(printed(viewed), HasSubstr("packed: 2"));
  expect_close(viewed, mlp({xt})[0]);
}

TEST_F(Packed, CompiledFunctionsPackTheirConstantWeightsToo) {
  const Mlp mlp;
  auto compiled = compile(mlp);
  const array x = evaluated(random::normal({64, 256}, float32, random::key(8)));
  for (int call = 0; call < 2; ++call) {
    const array out = compiled({x})[0];
    EXPECT_THAT(printed(out), HasSubstr("CompiledCall(3 nodes; packed: 2)"));
    expect_close(out, mlp({x})[0]);
  }
}
