#include <gtest/gtest.h>

#include <cmath>

#include "ingot/ingot.h"

using namespace ingot;

TEST(Smoke, ExpTimesScalarPlusArray) {
  auto x = array({1.0f, 2.0f, 3.0f});
  auto y = exp(x) * 2 + array({1.0f, 1.0f, 1.0f});
  EXPECT_FALSE(y.is_evaluated());
  eval(y);
  ASSERT_TRUE(y.is_evaluated());
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(y.data<float>()[i], std::exp(i + 1.0f) * 2 + 1, 1e-4);
  EXPECT_EQ(y.dtype(), float32);
}
