// Vectorized float kernels (Highway, dispatched at run time to the best target of the CPU).
#pragma once

#include <cstdint>

namespace ingot::cpu {

enum class FloatUnary : uint8_t {
  abs, negative, square, sqrt, rsqrt, reciprocal, exp, expm1, log, log1p, log2, log10, sin, cos, tan,
  arcsin, arccos, arctan, sinh, cosh, tanh, arcsinh, arccosh, arctanh, sigmoid, erf, floor, ceil, rint, sign,
};
void unary(FloatUnary op, const float* x, float* y, int64_t n);
void unary(FloatUnary op, const double* x, double* y, int64_t n);

enum class FloatBinary : uint8_t { add, subtract, multiply, divide, maximum, minimum };
// a_step / b_step: 1 walks the operand, 0 repeats its first element.
void binary(FloatBinary op, const float* a, int a_step, const float* b, int b_step, float* out, int64_t n);
void binary(FloatBinary op, const double* a, int a_step, const double* b, int b_step, double* out, int64_t n);

void f16_to_f32(const uint16_t* src, float* dst, int64_t n);
void f32_to_f16(const float* src, uint16_t* dst, int64_t n);
void bf16_to_f32(const uint16_t* src, float* dst, int64_t n);
void f32_to_bf16(const float* src, uint16_t* dst, int64_t n);

// The scalar reference of each unary op (used for lanes outside a vector routine's valid range).
float unary_scalar(FloatUnary op, float x);
double unary_scalar(FloatUnary op, double x);

}  // namespace ingot::cpu
