// What the fused primitives (ingot::fast) share: the kernel switch, running a decomposition in place of
// a kernel, and rows of float32 read from and written to arrays of any floating dtype.
#pragma once

#include <vector>

#include "ingot/array.h"

namespace ingot::fast::detail {

bool kernels_enabled();

// Evaluates `results` (a decomposition built over a node's evaluated inputs) and makes them the node's
// outputs, sharing their buffers.
void adopt(Arrays results, Arrays& out);

// Whether a fused kernel covers dtype t (the half floats and float32; float64 runs the decomposition).
inline bool kernel_dtype(Dtype t) { return t == float32 || t == float16 || t == bfloat16; }

// `a` as dense row-major data: a pointer into it when it already is, else into a converted copy.
struct Rows {
  explicit Rows(const array& a);
  const void* data;
  array keep;  // the copy, when one was made
};

// n elements of dtype t at p, as float32 into dst.
void load_f32(const void* p, Dtype t, int64_t n, float* dst);
// n float32 values into dtype t at p (rounded to nearest even).
void store_f32(const float* src, Dtype t, int64_t n, void* p);

// v rounded to a kernel dtype t and back: float32 arithmetic that reproduces the half floats' (the exact
// float32 product or sum of two halves, rounded once).
inline float rounded(float v, Dtype t) {
  if (t == float16) return static_cast<float>(float16_t(v));
  if (t == bfloat16) return static_cast<float>(bfloat16_t(v));
  return v;
}

}  // namespace ingot::fast::detail
