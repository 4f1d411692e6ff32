// Devices and streams (MLX's names): the CPU is the one device; naming the GPU is an error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "export_test_util.h"

using namespace ingot;
using ::testing::HasSubstr;
using ingot::testing::error_of;

TEST(Device, TheCpuIsTheDeviceAndTheGpuIsRefused) {
  EXPECT_EQ(default_device(), Device(Device::cpu));
  EXPECT_TRUE(is_available(Device::cpu));
  EXPECT_FALSE(is_available(Device::gpu));
  EXPECT_EQ(device_count(Device::gpu), 0);
  EXPECT_GT(std::get<size_t>(device_info(Device::cpu).at("memory_size")), 0u);
  EXPECT_THAT(error_of([] { set_default_device(Device::gpu); }),
              HasSubstr("[set_default_device] there is no GPU: ingot computes on the CPU"));
  EXPECT_THAT(error_of([] { to_stream(Device(Device::gpu), "matmul"); }), HasSubstr("[matmul] there is no GPU"));
  EXPECT_THAT(error_of([] { new_stream(Device(Device::cpu, 2)); }),
              HasSubstr("[new_stream] there is one CPU device (index 0), got index 2"));
}

TEST(Device, StreamsAreNamedAndDefaultsRestored) {
  const Stream s = new_stream(Device::cpu), d = default_stream(Device::cpu);
  EXPECT_NE(s, d);
  EXPECT_EQ(to_stream({}), d);
  EXPECT_EQ(to_stream(s), s);
  set_default_stream(s);
  EXPECT_EQ(default_stream(Device::cpu), s);
  set_default_stream(d);
  synchronize();
  synchronize(s);
}
