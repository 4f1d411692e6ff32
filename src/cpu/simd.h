// Vectorized float kernels (Highway, dispatched at run time to the best target of the CPU).
// Every kernel gives the C library's answer for special values (inf, NaN, out-of-range arguments):
// lanes a vector routine cannot handle are recomputed with the scalar reference.
#pragma once

#include <cstdint>

namespace ingot::cpu {

enum class FloatUnary : uint8_t {
  abs, negative, square, sqrt, rsqrt, reciprocal, exp, expm1, log, log1p, log2, log10, sin, cos, tan,
  arcsin, arccos, arctan, sinh, cosh, tanh, arcsinh, arccosh, arctanh, sigmoid, erf, floor, ceil, rint, sign,
};
void unary(FloatUnary op, const float* x, float* y, int64_t n);
void unary(FloatUnary op, const double* x, double* y, int64_t n);

// Round half to even at `decimals` decimal places (numpy's around: scale by 10^decimals, rint,
// scale back), except that values already integral at that scale are returned unchanged.
void round_decimals(const float* x, float* y, int64_t n, int decimals);
void round_decimals(const double* x, double* y, int64_t n, int decimals);

enum class FloatBinary : uint8_t { add, subtract, multiply, divide, maximum, minimum, logaddexp };
// a_step / b_step: 1 walks the operand, 0 repeats its first element.
void binary(FloatBinary op, const float* a, int a_step, const float* b, int b_step, float* out, int64_t n);
void binary(FloatBinary op, const double* a, int a_step, const double* b, int b_step, double* out, int64_t n);

// Round to nearest even, overflow to inf, NaNs stay (quiet) NaNs, subnormals exact; the same bits
// as float16_t / bfloat16_t's scalar conversions on every target.
void f16_to_f32(const uint16_t* src, float* dst, int64_t n);
void f32_to_f16(const float* src, uint16_t* dst, int64_t n);
void bf16_to_f32(const uint16_t* src, float* dst, int64_t n);
void f32_to_bf16(const float* src, uint16_t* dst, int64_t n);

// The scalar reference of each op (used for lanes outside a vector routine's valid range).
float unary_scalar(FloatUnary op, float x);
double unary_scalar(FloatUnary op, double x);
float round_scalar(float x, int decimals);
double round_scalar(double x, int decimals);
float logaddexp_scalar(float a, float b);
double logaddexp_scalar(double a, double b);

}  // namespace ingot::cpu
