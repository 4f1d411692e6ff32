// Highway kernels. This file is compiled once per SIMD target (foreach_target.h re-includes it).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "cpu/simd.h"
#include "ingot/dtype.h"

HWY_BEFORE_NAMESPACE();
namespace ingot::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// erf for float32: odd Taylor series below 0.5 (relative accuracy near zero), Abramowitz-Stegun
// 7.1.26 above (absolute error below 1.5e-7).
template <class D, class V>
HWY_INLINE V ErfF32(D d, V x) {
  using T = hn::TFromD<D>;
  const V ax = hn::Abs(x);
  const V x2 = hn::Mul(x, x);
  V s = hn::Set(d, T(1.0 / 75600));
  s = hn::MulAdd(s, x2, hn::Set(d, T(-1.0 / 9360)));
  s = hn::MulAdd(s, x2, hn::Set(d, T(1.0 / 1320)));
  s = hn::MulAdd(s, x2, hn::Set(d, T(-1.0 / 216)));
  s = hn::MulAdd(s, x2, hn::Set(d, T(1.0 / 42)));
  s = hn::MulAdd(s, x2, hn::Set(d, T(-1.0 / 10)));
  s = hn::MulAdd(s, x2, hn::Set(d, T(1.0 / 3)));
  s = hn::MulAdd(hn::Neg(s), x2, hn::Set(d, T(1)));
  const V small = hn::Mul(hn::Mul(s, x), hn::Set(d, T(1.1283791670955126)));
  const V t = hn::Div(hn::Set(d, T(1)), hn::MulAdd(hn::Set(d, T(0.3275911)), ax, hn::Set(d, T(1))));
  V p = hn::Set(d, T(1.061405429));
  p = hn::MulAdd(p, t, hn::Set(d, T(-1.453152027)));
  p = hn::MulAdd(p, t, hn::Set(d, T(1.421413741)));
  p = hn::MulAdd(p, t, hn::Set(d, T(-0.284496736)));
  p = hn::MulAdd(p, t, hn::Set(d, T(0.254829592)));
  p = hn::Mul(p, t);
  const V big = hn::Sub(hn::Set(d, T(1)), hn::Mul(p, hn::Exp(d, hn::Neg(x2))));
  const V big_signed = hn::CopySign(big, x);
  return hn::IfThenElse(hn::Lt(ax, hn::Set(d, T(0.5))), small, big_signed);
}

// Runs f over n elements. Lanes outside [lo, hi] (and NaNs) are recomputed with the scalar reference,
// so special values follow the C library exactly while the common case stays vectorized.
template <typename T, class F>
HWY_INLINE void RunUnary(FloatUnary op, const T* x, T* y, int64_t n, T lo, T hi, F f) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
  HWY_ALIGN T xb[hn::MaxLanes(d)];
  HWY_ALIGN T yb[hn::MaxLanes(d)];
  auto block = [&](const T* in, T* out) {
    const auto v = hn::LoadU(d, in);
    auto r = f(d, v);
    const auto special = hn::Not(hn::And(hn::Ge(v, vlo), hn::Le(v, vhi)));
    if (HWY_UNLIKELY(!hn::AllFalse(d, special))) {
      hn::Store(r, d, yb);
      hn::Store(v, d, xb);
      for (size_t i = 0; i < N; ++i)
        if (!(xb[i] >= lo && xb[i] <= hi)) yb[i] = unary_scalar(op, xb[i]);
      r = hn::Load(d, yb);
    }
    hn::StoreU(r, d, out);
  };
  int64_t i = 0;
  for (; i + static_cast<int64_t>(N) <= n; i += N) block(x + i, y + i);
  if (i < n) {
    HWY_ALIGN T tin[hn::MaxLanes(d)] = {};
    HWY_ALIGN T tout[hn::MaxLanes(d)];
    std::memcpy(tin, x + i, (n - i) * sizeof(T));
    block(tin, tout);
    std::memcpy(y + i, tout, (n - i) * sizeof(T));
  }
}

template <typename T>
void UnaryImpl(FloatUnary op, const T* x, T* y, int64_t n) {
  using L = std::numeric_limits<T>;
  const T inf = L::infinity(), mx = L::max();
  const T exp_hi = sizeof(T) == 4 ? T(88) : T(708);
  const T trig = T(39000);
  using O = FloatUnary;
#define INGOT_RUN(LO, HI, EXPR) return RunUnary<T>(op, x, y, n, LO, HI, [&](auto d, auto v) HWY_ATTR { return EXPR; })
  switch (op) {
    case O::abs: INGOT_RUN(-inf, inf, hn::Abs(v));
    case O::negative: INGOT_RUN(-inf, inf, hn::Neg(v));
    case O::square: INGOT_RUN(-inf, inf, hn::Mul(v, v));
    case O::sqrt: INGOT_RUN(T(0), inf, hn::Sqrt(v));
    case O::rsqrt: INGOT_RUN(L::min(), inf, hn::Div(hn::Set(d, T(1)), hn::Sqrt(v)));
    case O::reciprocal: INGOT_RUN(-inf, inf, hn::Div(hn::Set(d, T(1)), v));
    case O::exp: INGOT_RUN(-mx, exp_hi, hn::Exp(d, v));
    case O::expm1: INGOT_RUN(-mx, exp_hi, hn::Expm1(d, v));
    case O::log: INGOT_RUN(L::min(), mx, hn::Log(d, v));
    case O::log2: INGOT_RUN(L::min(), mx, hn::Log2(d, v));
    case O::log10: INGOT_RUN(L::min(), mx, hn::Log10(d, v));
    case O::log1p: {
      // log1p(x) = log(u) * x / (u - 1) with u = 1 + x corrects the rounding of u (Goldberg).
      INGOT_RUN(T(-0.75), mx, ([&] {
                  const auto u = hn::Add(v, hn::Set(d, T(1)));
                  const auto um1 = hn::Sub(u, hn::Set(d, T(1)));
                  const auto r = hn::Div(hn::Mul(hn::Log(d, u), v), um1);
                  return hn::IfThenElse(hn::Eq(um1, hn::Zero(d)), v, r);
                }()));
    }
    case O::sin: INGOT_RUN(-trig, trig, hn::Sin(d, v));
    case O::cos: INGOT_RUN(-trig, trig, hn::Cos(d, v));
    case O::tan: INGOT_RUN(-trig, trig, hn::Div(hn::Sin(d, v), hn::Cos(d, v)));
    case O::arcsin: INGOT_RUN(T(-1), T(1), hn::Asin(d, v));
    case O::arccos: INGOT_RUN(T(-1), T(1), hn::Acos(d, v));
    case O::arctan: INGOT_RUN(-mx, mx, hn::Atan(d, v));
    case O::sinh: INGOT_RUN(-exp_hi, exp_hi, hn::Sinh(d, v));
    case O::cosh:
      INGOT_RUN(-exp_hi, exp_hi, hn::Mul(hn::Set(d, T(0.5)), hn::Add(hn::Exp(d, v), hn::Exp(d, hn::Neg(v)))));
    case O::tanh: INGOT_RUN(-mx, mx, hn::Tanh(d, v));
    case O::arcsinh: INGOT_RUN(-mx, mx, hn::Asinh(d, v));
    case O::arccosh: INGOT_RUN(T(1), mx, hn::Acosh(d, v));
    case O::arctanh: INGOT_RUN(T(-0.999), T(0.999), hn::Atanh(d, v));
    case O::sigmoid:
      INGOT_RUN(-exp_hi, inf, hn::Div(hn::Set(d, T(1)), hn::Add(hn::Set(d, T(1)), hn::Exp(d, hn::Neg(v)))));
    case O::erf:
      if constexpr (sizeof(T) == 4) {
        INGOT_RUN(-inf, inf, ErfF32(d, v));
      } else {
        for (int64_t i = 0; i < n; ++i) y[i] = std::erf(x[i]);
        return;
      }
    case O::floor: INGOT_RUN(-inf, inf, hn::Floor(v));
    case O::ceil: INGOT_RUN(-inf, inf, hn::Ceil(v));
    case O::rint: INGOT_RUN(-inf, inf, hn::Round(v));
    case O::sign:
      INGOT_RUN(-inf, inf,
                hn::IfThenElse(hn::Gt(v, hn::Zero(d)), hn::Set(d, T(1)),
                               hn::IfThenElse(hn::Lt(v, hn::Zero(d)), hn::Set(d, T(-1)), v)));
  }
#undef INGOT_RUN
}

void UnaryF32(FloatUnary op, const float* x, float* y, int64_t n) { UnaryImpl(op, x, y, n); }
void UnaryF64(FloatUnary op, const double* x, double* y, int64_t n) { UnaryImpl(op, x, y, n); }

template <typename T, class F>
HWY_INLINE void RunBinary(const T* a, int as, const T* b, int bs, T* out, int64_t n, F f) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  int64_t i = 0;
  const auto va0 = hn::Set(d, a[0]), vb0 = hn::Set(d, b[0]);
  for (; i + static_cast<int64_t>(N) <= n; i += N) {
    const auto va = as ? hn::LoadU(d, a + i) : va0;
    const auto vb = bs ? hn::LoadU(d, b + i) : vb0;
    hn::StoreU(f(d, va, vb), d, out + i);
  }
  if (i < n) {
    HWY_ALIGN T ta[hn::MaxLanes(d)] = {}, tb[hn::MaxLanes(d)] = {}, to[hn::MaxLanes(d)];
    for (int64_t j = i; j < n; ++j) ta[j - i] = a[as * j], tb[j - i] = b[bs * j];
    hn::Store(f(d, hn::Load(d, ta), hn::Load(d, tb)), d, to);
    std::memcpy(out + i, to, (n - i) * sizeof(T));
  }
}

template <typename T>
void BinaryImpl(FloatBinary op, const T* a, int as, const T* b, int bs, T* out, int64_t n) {
  using O = FloatBinary;
#define INGOT_RUN(EXPR) return RunBinary<T>(a, as, b, bs, out, n, [](auto d, auto x, auto y) HWY_ATTR { return EXPR; })
  switch (op) {
    case O::add: INGOT_RUN(hn::Add(x, y));
    case O::subtract: INGOT_RUN(hn::Sub(x, y));
    case O::multiply: INGOT_RUN(hn::Mul(x, y));
    case O::divide: INGOT_RUN(hn::Div(x, y));
    // NaN propagates from either side, as numpy and MLX do.
    case O::maximum: INGOT_RUN(hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(hn::IsNaN(y), y, hn::Max(x, y))));
    case O::minimum: INGOT_RUN(hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(hn::IsNaN(y), y, hn::Min(x, y))));
  }
#undef INGOT_RUN
}

void BinaryF32(FloatBinary op, const float* a, int as, const float* b, int bs, float* out, int64_t n) {
  BinaryImpl(op, a, as, b, bs, out, n);
}
void BinaryF64(FloatBinary op, const double* a, int as, const double* b, int bs, double* out, int64_t n) {
  BinaryImpl(op, a, as, b, bs, out, n);
}

void F16ToF32(const uint16_t* src, float* dst, int64_t n) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  const int64_t N = hn::Lanes(df);
  int64_t i = 0;
  for (; i + N <= n; i += N)
    hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(src + i))), df, dst + i);
  for (; i < n; ++i) dst[i] = float16_t::to_float(src[i]);
}

void F32ToF16(const float* src, uint16_t* dst, int64_t n) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  const int64_t N = hn::Lanes(df);
  int64_t i = 0;
  for (; i + N <= n; i += N)
    hn::StoreU(hn::DemoteTo(dh, hn::LoadU(df, src + i)), dh, reinterpret_cast<hwy::float16_t*>(dst + i));
  for (; i < n; ++i) dst[i] = float16_t::from_float(src[i]);
}

void BF16ToF32(const uint16_t* src, float* dst, int64_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::Rebind<uint16_t, decltype(df)> du16;
  const int64_t N = hn::Lanes(df);
  int64_t i = 0;
  for (; i + N <= n; i += N)
    hn::StoreU(hn::BitCast(df, hn::ShiftLeft<16>(hn::PromoteTo(du, hn::LoadU(du16, src + i)))), df, dst + i);
  for (; i < n; ++i) dst[i] = std::bit_cast<float>(static_cast<uint32_t>(src[i]) << 16);
}

void F32ToBF16(const float* src, uint16_t* dst, int64_t n) {
  // Round to nearest even on the bits; NaNs stay quiet NaNs.
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::Rebind<uint16_t, decltype(df)> du16;
  const int64_t N = hn::Lanes(df);
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    const auto v = hn::LoadU(df, src + i);
    const auto bits = hn::BitCast(du, v);
    const auto lsb = hn::And(hn::ShiftRight<16>(bits), hn::Set(du, 1u));
    auto r = hn::ShiftRight<16>(hn::Add(bits, hn::Add(lsb, hn::Set(du, 0x7fffu))));
    const auto nan = hn::Or(hn::ShiftRight<16>(bits), hn::Set(du, 0x40u));
    r = hn::IfThenElse(hn::RebindMask(du, hn::IsNaN(v)), nan, r);
    const hn::RebindToSigned<decltype(df)> di;  // values fit 16 bits; u32->u16 demotion is missing here
    hn::StoreU(hn::DemoteTo(du16, hn::BitCast(di, r)), du16, dst + i);
  }
  for (; i < n; ++i) dst[i] = bfloat16_t::from_float(src[i]);
}

}  // namespace HWY_NAMESPACE
}  // namespace ingot::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ingot::cpu {
HWY_EXPORT(UnaryF32);
HWY_EXPORT(UnaryF64);
HWY_EXPORT(BinaryF32);
HWY_EXPORT(BinaryF64);
HWY_EXPORT(F16ToF32);
HWY_EXPORT(F32ToF16);
HWY_EXPORT(BF16ToF32);
HWY_EXPORT(F32ToBF16);

void unary(FloatUnary op, const float* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(UnaryF32)(op, x, y, n); }
void unary(FloatUnary op, const double* x, double* y, int64_t n) { HWY_DYNAMIC_DISPATCH(UnaryF64)(op, x, y, n); }
void binary(FloatBinary op, const float* a, int as, const float* b, int bs, float* out, int64_t n) {
  HWY_DYNAMIC_DISPATCH(BinaryF32)(op, a, as, b, bs, out, n);
}
void binary(FloatBinary op, const double* a, int as, const double* b, int bs, double* out, int64_t n) {
  HWY_DYNAMIC_DISPATCH(BinaryF64)(op, a, as, b, bs, out, n);
}
void f16_to_f32(const uint16_t* s, float* d, int64_t n) { HWY_DYNAMIC_DISPATCH(F16ToF32)(s, d, n); }
void f32_to_f16(const float* s, uint16_t* d, int64_t n) { HWY_DYNAMIC_DISPATCH(F32ToF16)(s, d, n); }
void bf16_to_f32(const uint16_t* s, float* d, int64_t n) { HWY_DYNAMIC_DISPATCH(BF16ToF32)(s, d, n); }
void f32_to_bf16(const float* s, uint16_t* d, int64_t n) { HWY_DYNAMIC_DISPATCH(F32ToBF16)(s, d, n); }

namespace {
template <typename T>
T scalar_impl(FloatUnary op, T x) {
  using O = FloatUnary;
  switch (op) {
    case O::abs: return std::fabs(x);
    case O::negative: return -x;
    case O::square: return x * x;
    case O::sqrt: return std::sqrt(x);
    case O::rsqrt: return T(1) / std::sqrt(x);
    case O::reciprocal: return T(1) / x;
    case O::exp: return std::exp(x);
    case O::expm1: return std::expm1(x);
    case O::log: return std::log(x);
    case O::log1p: return std::log1p(x);
    case O::log2: return std::log2(x);
    case O::log10: return std::log10(x);
    case O::sin: return std::sin(x);
    case O::cos: return std::cos(x);
    case O::tan: return std::tan(x);
    case O::arcsin: return std::asin(x);
    case O::arccos: return std::acos(x);
    case O::arctan: return std::atan(x);
    case O::sinh: return std::sinh(x);
    case O::cosh: return std::cosh(x);
    case O::tanh: return std::tanh(x);
    case O::arcsinh: return std::asinh(x);
    case O::arccosh: return std::acosh(x);
    case O::arctanh: return std::atanh(x);
    case O::sigmoid: return x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
    case O::erf: return std::erf(x);
    case O::floor: return std::floor(x);
    case O::ceil: return std::ceil(x);
    case O::rint: return std::nearbyint(x);
    case O::sign: return x > 0 ? T(1) : (x < 0 ? T(-1) : x);
  }
  return x;
}
}  // namespace

float unary_scalar(FloatUnary op, float x) { return scalar_impl(op, x); }
double unary_scalar(FloatUnary op, double x) { return scalar_impl(op, x); }

}  // namespace ingot::cpu
#endif  // HWY_ONCE
