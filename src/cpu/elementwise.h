// Elementwise application over arrays of any layout, with numpy broadcasting.
#pragma once

#include <functional>

#include "ingot/array.h"

namespace ingot::cpu {

// A flat kernel: n outputs from inputs in[j] walked with step[j] (1, or 0 for a repeated scalar).
using NaryFn = std::function<void(const void* const* in, const int* step, void* out, int64_t n)>;

// Fills `out` (whose shape is the broadcast of the inputs' shapes). Dense inputs of one layout are
// processed in a single flat call and `out` keeps that layout; otherwise `out` is row-major and the
// kernel runs once per innermost row, strided rows gathered first.
void apply_elementwise(const Arrays& in, array& out, const NaryFn& fn);

// The most operands via_float32 takes.
inline constexpr size_t kMaxArity = 3;

// Wraps a float32 kernel for float16/bfloat16 operands: chunks are widened, computed, narrowed.
// `out_dtype` is the dtype the wrapped kernel must write (half, or bool for predicates).
NaryFn via_float32(NaryFn f32_kernel, size_t arity, Dtype in_dtype, Dtype out_dtype);

}  // namespace ingot::cpu
