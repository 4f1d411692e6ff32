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

// Highway's float16 conversions are exact only where the CPU converts natively (F16C, NEON, SVE);
// its emulation elsewhere truncates and turns inf/NaN into finite values, so we use our own there.
#undef INGOT_NATIVE_F16
#if (HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2) || \
    (HWY_ARCH_ARM && HWY_TARGET != HWY_EMU128 && HWY_TARGET != HWY_SCALAR)
#define INGOT_NATIVE_F16 1
#else
#define INGOT_NATIVE_F16 0
#endif

HWY_BEFORE_NAMESPACE();
namespace ingot::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// erf for float32, within about 1 ulp. |x| < 1: x + x * Q(x^2), Q fitted to (erf(x) - x) / x
// (relative error 1.2e-9; adding x last keeps 2/sqrt(pi)'s rounding out). Above: 1 - exp(-x^2) *
// G(1 / (1 + |x|)), G fitted to erfc(x) exp(x^2) on [1, 4] (relative error 8e-9), with x^2 split
// into hi + lo so the exponent carries no rounding error. erf is 1 in float32 from 3.92 on, so |x|
// is clamped to 4.
template <class D, class V>
HWY_INLINE V ErfF32(D d, V x) {
  using T = hn::TFromD<D>;
  const V one = hn::Set(d, T(1));
  const V ax = hn::Min(hn::Abs(x), hn::Set(d, T(4)));
  const V u = hn::Mul(x, x);
  V q = hn::Set(d, T(7.8542214602384590e-05));
  q = hn::MulAdd(q, u, hn::Set(d, T(-8.0103114062170374e-04)));
  q = hn::MulAdd(q, u, hn::Set(d, T(5.1883425160391752e-03)));
  q = hn::MulAdd(q, u, hn::Set(d, T(-2.6853820907608020e-02)));
  q = hn::MulAdd(q, u, hn::Set(d, T(1.1283585412709510e-01)));
  q = hn::MulAdd(q, u, hn::Set(d, T(-3.7612625857537269e-01)));
  q = hn::MulAdd(q, u, hn::Set(d, T(1.2837916573863220e-01)));
  const V small = hn::MulAdd(x, q, x);
  const V t = hn::Div(one, hn::Add(one, ax));
  V g = hn::Set(d, T(-6.4669918939142823e-01));
  g = hn::MulAdd(g, t, hn::Set(d, T(1.4080955659073038e+00)));
  g = hn::MulAdd(g, t, hn::Set(d, T(-7.2458843480004664e-01)));
  g = hn::MulAdd(g, t, hn::Set(d, T(-5.7095144961753819e-01)));
  g = hn::MulAdd(g, t, hn::Set(d, T(4.0797361525007497e-01)));
  g = hn::MulAdd(g, t, hn::Set(d, T(5.3867712871858431e-01)));
  g = hn::MulAdd(g, t, hn::Set(d, T(5.6681384771428833e-01)));
  g = hn::MulAdd(g, t, hn::Set(d, T(-1.1063683733269712e-04)));
  const V hi = hn::Mul(ax, ax);
  const V lo = hn::MulSub(ax, ax, hi);  // exact with FMA; 0 without, which costs < 0.2 ulp
  const V e = hn::Mul(hn::Exp(d, hn::Neg(hi)), hn::Sub(one, lo));
  const V big = hn::CopySign(hn::NegMulAdd(e, g, one), x);
  return hn::IfThenElse(hn::Lt(ax, one), small, big);
}

// log1p(x) = log(u) * (x / (u - 1)) with u = 1 + x corrects the rounding of u (Goldberg);
// dividing first keeps the product finite for x near the largest float.
template <class D, class V>
HWY_INLINE V Log1pV(D d, V x) {
  using T = hn::TFromD<D>;
  const V u = hn::Add(x, hn::Set(d, T(1)));
  const V um1 = hn::Sub(u, hn::Set(d, T(1)));
  return hn::IfThenElse(hn::Eq(um1, hn::Zero(d)), x, hn::Mul(hn::Log(d, u), hn::Div(x, um1)));
}

// With e = exp(-|x|) in [0, 1]: 1 / (1 + e) for x >= 0, e / (1 + e) below, so nothing overflows,
// small results keep their relative accuracy and both infinities work.
template <class D, class V>
HWY_INLINE V SigmoidV(D d, V x) {
  using T = hn::TFromD<D>;
  const V e = hn::Exp(d, hn::Neg(hn::Abs(x)));
  const V num = hn::IfThenElse(hn::Ge(x, hn::Zero(d)), hn::Set(d, T(1)), e);
  return hn::Div(num, hn::Add(hn::Set(d, T(1)), e));
}

// max + log1p(exp(-|a - b|)); equal operands (equal infinities included) give a + log(2), and a
// NaN on either side propagates. Highway's exp is exactly 0 for an infinite gap.
template <class D, class V>
HWY_INLINE V LogAddExpV(D d, V a, V b) {
  using T = hn::TFromD<D>;
  const V e = hn::Exp(d, hn::Neg(hn::Abs(hn::Sub(a, b))));
  V r = hn::Add(hn::Max(a, b), hn::Log1p(d, e));
  r = hn::IfThenElse(hn::Eq(a, b), hn::Add(a, hn::Set(d, T(0.693147180559945309417))), r);
  return hn::IfThenElse(hn::Or(hn::IsNaN(a), hn::IsNaN(b)), hn::Add(a, b), r);
}

// Runs f over n elements. Lanes outside [lo, hi] (and NaNs) are recomputed with the scalar reference,
// so special values follow the C library exactly while the common case stays vectorized.
template <typename T, class F, class S>
HWY_INLINE void RunChecked(const T* x, T* y, int64_t n, T lo, T hi, F f, S scalar) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const auto vlo = hn::Set(d, lo), vhi = hn::Set(d, hi);
  HWY_ALIGN T xb[hn::MaxLanes(d)];
  HWY_ALIGN T yb[hn::MaxLanes(d)];
  auto block = [&](const T* in, T* out) HWY_ATTR {
    const auto v = hn::LoadU(d, in);
    auto r = f(d, v);
    const auto special = hn::Not(hn::And(hn::Ge(v, vlo), hn::Le(v, vhi)));
    if (HWY_UNLIKELY(!hn::AllFalse(d, special))) {
      hn::Store(r, d, yb);
      hn::Store(v, d, xb);
      for (size_t i = 0; i < N; ++i)
        if (!(xb[i] >= lo && xb[i] <= hi)) yb[i] = scalar(xb[i]);
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
  // Highway's valid ranges: exp/sinh up to ~88.7 (float) / ~709 (double), sin/cos within +-39000.
  const T exp_hi = sizeof(T) == 4 ? T(88) : T(708);
  const T trig = T(39000);
  // Just above -1: log1p's vector form needs 1 + x to be a positive normal number.
  const T log1p_lo = T(-1) + L::epsilon();
  using O = FloatUnary;
#define INGOT_RUN(LO, HI, EXPR)                                                                  \
  return RunChecked<T>(                                                                          \
      x, y, n, LO, HI, [&](auto d, auto v) HWY_ATTR { return EXPR; }, \
      [op](T s) { return unary_scalar(op, s); })
  switch (op) {
    case O::abs: INGOT_RUN(-inf, inf, hn::Abs(v));
    case O::negative: INGOT_RUN(-inf, inf, hn::Neg(v));
    case O::square: INGOT_RUN(-inf, inf, hn::Mul(v, v));
    case O::sqrt: INGOT_RUN(T(0), inf, hn::Sqrt(v));
    case O::rsqrt: INGOT_RUN(L::min(), inf, hn::Div(hn::Set(d, T(1)), hn::Sqrt(v)));
    case O::reciprocal: INGOT_RUN(-inf, inf, hn::Div(hn::Set(d, T(1)), v));
    // Highway's exp gives exactly 0 below its lower bound, -inf included; expm1 gives -1 there.
    case O::exp: INGOT_RUN(-inf, exp_hi, hn::Exp(d, v));
    case O::expm1: INGOT_RUN(-inf, exp_hi, hn::Expm1(d, v));
    case O::log: INGOT_RUN(L::min(), mx, hn::Log(d, v));
    case O::log2: INGOT_RUN(L::min(), mx, hn::Log2(d, v));
    case O::log10: INGOT_RUN(L::min(), mx, hn::Log10(d, v));
    case O::log1p: INGOT_RUN(log1p_lo, mx, Log1pV(d, v));
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
    case O::sigmoid: INGOT_RUN(-inf, inf, SigmoidV(d, v));
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

template <typename T>
void RoundImpl(const T* x, T* y, int64_t n, int decimals) {
  if (decimals == 0) return UnaryImpl(FloatUnary::rint, x, y, n);
  const T s = static_cast<T>(std::pow(10.0, std::abs(decimals)));
  if (!std::isfinite(s)) {  // beyond the type's exponent range: rare, done one by one
    for (int64_t i = 0; i < n; ++i) y[i] = round_scalar(x[i], decimals);
    return;
  }
  // From 2^(mantissa bits) on every value is an integer: rounding leaves it (and inf, NaN) alone.
  const T big = T(1) / std::numeric_limits<T>::epsilon();
  const T inf = std::numeric_limits<T>::infinity();
  if (decimals > 0) {
    RunChecked<T>(
        x, y, n, -inf, inf,
        [&](auto d, auto v) HWY_ATTR {
          const auto r = hn::Mul(v, hn::Set(d, s));
          const auto q = hn::Div(hn::Round(r), hn::Set(d, s));
          return hn::IfThenElse(hn::Lt(hn::Abs(r), hn::Set(d, big)), q, v);
        },
        [&](T v) { return round_scalar(v, decimals); });
  } else {
    RunChecked<T>(
        x, y, n, -inf, inf,
        [&](auto d, auto v) HWY_ATTR {
          const auto r = hn::Div(v, hn::Set(d, s));
          const auto q = hn::Mul(hn::Round(r), hn::Set(d, s));
          return hn::IfThenElse(hn::Lt(hn::Abs(r), hn::Set(d, big)), q, v);
        },
        [&](T v) { return round_scalar(v, decimals); });
  }
}

void RoundF32(const float* x, float* y, int64_t n, int decimals) { RoundImpl(x, y, n, decimals); }
void RoundF64(const double* x, double* y, int64_t n, int decimals) { RoundImpl(x, y, n, decimals); }

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
#define INGOT_RUN(EXPR) \
  return RunBinary<T>(a, as, b, bs, out, n, [](auto d, auto x, auto y) HWY_ATTR { return EXPR; })
  switch (op) {
    case O::add: INGOT_RUN(hn::Add(x, y));
    case O::subtract: INGOT_RUN(hn::Sub(x, y));
    case O::multiply: INGOT_RUN(hn::Mul(x, y));
    case O::divide: INGOT_RUN(hn::Div(x, y));
    // NaN propagates from either side, as numpy and MLX do.
    case O::maximum: INGOT_RUN(hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(hn::IsNaN(y), y, hn::Max(x, y))));
    case O::minimum: INGOT_RUN(hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(hn::IsNaN(y), y, hn::Min(x, y))));
    case O::logaddexp: INGOT_RUN(LogAddExpV(d, x, y));
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
  const int64_t N = hn::Lanes(df);
  int64_t i = 0;
#if INGOT_NATIVE_F16
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  for (; i + N <= n; i += N)
    hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(src + i))), df, dst + i);
#else
  // Shift exponent and mantissa into place and rebias; inf/NaN get the top exponent, subnormals are
  // normalized by a float subtraction (exact).
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint16_t, decltype(df)> du16;
  const hn::RebindToUnsigned<decltype(df)> du;
  for (; i + N <= n; i += N) {
    const auto h = hn::BitCast(di, hn::PromoteTo(du, hn::LoadU(du16, src + i)));
    const auto o = hn::ShiftLeft<13>(hn::And(h, hn::Set(di, 0x7fff)));
    const auto e = hn::And(o, hn::Set(di, 0x0f800000));
    const auto rebiased = hn::Add(o, hn::Set(di, 0x38000000));
    const auto infnan = hn::Add(rebiased, hn::Set(di, 0x38000000));
    const auto sub = hn::BitCast(di, hn::Sub(hn::BitCast(df, hn::Add(rebiased, hn::Set(di, 0x00800000))),
                                             hn::Set(df, 6.103515625e-05f)));
    auto r = hn::IfThenElse(hn::Eq(e, hn::Set(di, 0x0f800000)), infnan, rebiased);
    r = hn::IfThenElse(hn::Eq(e, hn::Zero(di)), sub, r);
    r = hn::Or(r, hn::ShiftLeft<16>(hn::And(h, hn::Set(di, 0x8000))));
    hn::StoreU(hn::BitCast(df, r), df, dst + i);
  }
#endif
  for (; i < n; ++i) dst[i] = float16_t::to_float(src[i]);
}

void F32ToF16(const float* src, uint16_t* dst, int64_t n) {
  const hn::ScalableTag<float> df;
  const int64_t N = hn::Lanes(df);
  int64_t i = 0;
#if INGOT_NATIVE_F16
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  for (; i + N <= n; i += N)
    hn::StoreU(hn::DemoteTo(dh, hn::LoadU(df, src + i)), dh, reinterpret_cast<hwy::float16_t*>(dst + i));
#else
  // The same steps as float16_t::from_float: subnormal results by adding 0.5f (the float adder
  // rounds to nearest even at the half's last bit), normal ones by rounding the shifted bits.
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint16_t, decltype(df)> du16;
  for (; i + N <= n; i += N) {
    const auto bits = hn::BitCast(di, hn::LoadU(df, src + i));
    const auto sign = hn::And(hn::ShiftRight<16>(bits), hn::Set(di, 0x8000));
    const auto ax = hn::And(bits, hn::Set(di, 0x7fffffff));
    const auto sub = hn::Sub(hn::BitCast(di, hn::Add(hn::BitCast(df, ax), hn::Set(df, 0.5f))), hn::Set(di, 0x3f000000));
    const auto odd = hn::And(hn::ShiftRight<13>(ax), hn::Set(di, 1));
    const auto nrm = hn::ShiftRight<13>(hn::Add(hn::Add(ax, hn::Set(di, -0x38000000 + 0xfff)), odd));
    const auto infnan = hn::IfThenElse(hn::Gt(ax, hn::Set(di, 0x7f800000)), hn::Set(di, 0x7e00), hn::Set(di, 0x7c00));
    auto r = hn::IfThenElse(hn::Lt(ax, hn::Set(di, 0x38800000)), sub, nrm);
    r = hn::IfThenElse(hn::Lt(ax, hn::Set(di, 0x47800000)), r, infnan);
    hn::StoreU(hn::DemoteTo(du16, hn::Or(r, sign)), du16, dst + i);
  }
#endif
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
HWY_EXPORT(RoundF32);
HWY_EXPORT(RoundF64);
HWY_EXPORT(BinaryF32);
HWY_EXPORT(BinaryF64);
HWY_EXPORT(F16ToF32);
HWY_EXPORT(F32ToF16);
HWY_EXPORT(BF16ToF32);
HWY_EXPORT(F32ToBF16);

void unary(FloatUnary op, const float* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(UnaryF32)(op, x, y, n); }
void unary(FloatUnary op, const double* x, double* y, int64_t n) { HWY_DYNAMIC_DISPATCH(UnaryF64)(op, x, y, n); }
void round_decimals(const float* x, float* y, int64_t n, int decimals) {
  HWY_DYNAMIC_DISPATCH(RoundF32)(x, y, n, decimals);
}
void round_decimals(const double* x, double* y, int64_t n, int decimals) {
  HWY_DYNAMIC_DISPATCH(RoundF64)(x, y, n, decimals);
}
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

template <typename T>
T round_impl(T x, int decimals) {
  if (decimals == 0) return std::nearbyint(x);
  if (!std::isfinite(x)) return x;
  const T big = T(1) / std::numeric_limits<T>::epsilon();
  const T s = static_cast<T>(std::pow(10.0, std::abs(decimals)));
  if (std::isfinite(s)) {
    const T r = decimals > 0 ? x * s : x / s;
    if (!(std::abs(r) < big)) return x;
    const T q = std::nearbyint(r);
    return decimals > 0 ? q / s : q * s;
  }
  // 10^|decimals| overflows T. Negative decimals: every finite x is below half that, so it rounds
  // to zero. Positive: the digits kept reach below x's last bit unless x is tiny; long double
  // holds the scale for any such case.
  if (decimals < 0) return std::copysign(T(0), x);
  const long double sl = std::pow(10.0L, static_cast<long double>(decimals));
  if (!std::isfinite(sl)) return x;
  const long double r = static_cast<long double>(x) * sl;
  if (!(std::fabs(r) < 1 / std::numeric_limits<long double>::epsilon())) return x;
  return static_cast<T>(std::nearbyint(r) / sl);
}

template <typename T>
T logaddexp_impl(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;
  if (a == b) return a + T(0.693147180559945309417);  // equal infinities included
  const T m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}
}  // namespace

float unary_scalar(FloatUnary op, float x) { return scalar_impl(op, x); }
double unary_scalar(FloatUnary op, double x) { return scalar_impl(op, x); }
float round_scalar(float x, int decimals) { return round_impl(x, decimals); }
double round_scalar(double x, int decimals) { return round_impl(x, decimals); }
float logaddexp_scalar(float a, float b) { return logaddexp_impl(a, b); }
double logaddexp_scalar(double a, double b) { return logaddexp_impl(a, b); }

}  // namespace ingot::cpu
#endif  // HWY_ONCE
