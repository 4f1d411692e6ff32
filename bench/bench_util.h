// Helpers shared by the benchmarks.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "ingot/ingot.h"

namespace ingot::bench {

// Uniform float32 values in [-1, 1) of the given shape, evaluated (so benchmarks time only their op).
inline array random_array(const Shape& shape, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(gen);
  array a(v, shape);
  a.eval();
  return a;
}

}  // namespace ingot::bench
