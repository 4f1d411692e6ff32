// MLX's floating-point quantization modes (mxfp4, mxfp8, nvfp4): the E2M1, E4M3 and E8M0 codecs,
// packing and unpacking. MLX computes these on the CPU as a sequence of array operations in the
// input's dtype, so a half input is rounded to the half between steps; the kernels here keep the
// values in float and round to the dtype exactly where MLX does, which gives its bytes.
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "cpu/copy.h"
#include "cpu/quantized.h"

namespace ingot::cpu {

namespace {

template <typename T>
constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

// v rounded to T (to nearest, ties to even) and back: how an operation in T rounds its float result.
// float32 holds more than twice a half's precision, so computing in float and rounding once gives the
// correctly rounded half result. float and double compute in themselves.
template <typename T, typename C>
C rnd(C v) {
  if constexpr (is_half_v<T>) return static_cast<float>(T(static_cast<float>(v)));
  else return v;
}

// The type a dtype's values are computed in: float for the halves and float32, double for float64.
template <typename T>
using compute_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

float rnd_to(Dtype t, float v) {
  if (t == float16) return rnd<float16_t>(v);
  if (t == bfloat16) return rnd<bfloat16_t>(v);
  return v;
}

int group_of(QuantMode mode) { return mode == QuantMode::nvfp4 ? 16 : 32; }
int bits_of(QuantMode mode) { return mode == QuantMode::mxfp8 ? 8 : 4; }

// E2M1: bit 3 the sign, then 2 exponent bits and 1 mantissa bit: 0, 0.5, 1, 1.5, 2, 3, 4, 6.
constexpr float kE2M1[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};

float e2m1_value(uint32_t code) { return (code & 8u) ? -kE2M1[code & 7u] : kE2M1[code & 7u]; }

// MLX picks the code whose value is nearest by argmin over the 16 codes in order, the distances
// computed (and rounded) in the dtype R: a tie goes to the earlier code (the smaller magnitude, and +0
// before -0), a NaN distance wins, and when every distance is infinite (an infinite value) code 0.
// Below 256 the two neighbours' distances are exact in every R, so the nearest is plain comparisons.
template <typename R, typename C>
uint32_t e2m1_code(C v) {
  const C a = std::fabs(v);
  if (a < 256) {
    const uint32_t c = a <= 0.25f ? 0 : a <= 0.75f ? 1 : a <= 1.25f ? 2 : a <= 1.75f ? 3
                     : a <= 2.5f  ? 4 : a <= 3.5f  ? 5 : a <= 5.0f  ? 6 : 7;
    return c != 0 && v < 0 ? c | 8u : c;
  }
  uint32_t best = 0;
  C best_d = 0;
  for (uint32_t c = 0; c < 16; ++c) {
    const C d = rnd<R>(std::fabs(v - static_cast<C>(e2m1_value(c))));
    if (std::isnan(d)) return c;
    if (c == 0 || d < best_d) best = c, best_d = d;
  }
  return best;
}

// E4M3 ("fn": no infinities): bit 7 the sign, 4 exponent bits (bias 7), 3 mantissa bits; exponent 0
// holds the subnormals m * 2^-9; 0x7F and 0xFF are NaN (MLX 0.32 decodes them so).
float e4m3_value(uint32_t b) {
  const uint32_t e = (b >> 3) & 15u, m = b & 7u;
  float v;
  if (e == 15 && m == 7) v = std::numeric_limits<float>::quiet_NaN();
  else if (e == 0) v = std::ldexp(static_cast<float>(m), -9);
  else v = std::ldexp(static_cast<float>(8 + m), static_cast<int>(e) - 10);
  return (b & 0x80u) ? -v : v;
}

// To nearest, ties to even; magnitudes from 464 (halfway to the NaN code) up, infinities and NaN
// saturate to 448 with their sign, as MLX's conversion.
template <typename C>
uint32_t e4m3_code(C f) {
  const uint32_t sign = std::signbit(f) ? 0x80u : 0u;
  const C a = std::fabs(f);
  if (!(a < 464)) return sign | 0x7Eu;
  if (a < C(0.015625))  // below 2^-6: multiples of 2^-9 (8 of them is the smallest normal)
    return sign | static_cast<uint32_t>(std::nearbyint(a * 512));
  int e;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1): the unbiased exponent is e - 1
  const auto q = static_cast<uint32_t>(std::nearbyint(std::ldexp(a, 4 - e)));  // 1.mmm as 8..16
  return sign | ((static_cast<uint32_t>(e - 1 + 7) << 3) + (q - 8));  // q == 16 carries into the exponent
}

// The low byte of x86's truncating conversion to int32, which MLX's casts to uint8 compile to: NaN
// and values out of range give INT32_MIN, whose low byte is 0.
template <typename C>
uint8_t to_byte(C v) {
  if (v >= C(-2147483648.0) && v < C(2147483648.0)) return static_cast<uint8_t>(static_cast<int32_t>(v));
  return 0;
}

// One group of values (of dtype T, held in its compute type) quantized; codes packed into words, the
// scale returned.
template <typename T, typename C = compute_t<T>>
uint8_t quantize_group(const C* v, int n, QuantMode mode, const float* global_scale, uint32_t* words) {
  const bool fp8 = mode == QuantMode::mxfp8;
  const int per_word = fp8 ? 4 : 8, shift = fp8 ? 8 : 4;
  C m = 0;  // max |v|, NaN if any is
  for (int j = 0; j < n; ++j) {
    const C a = std::fabs(v[j]);
    if (std::isnan(a) || a > m) m = a;
    if (std::isnan(m)) break;
  }
  const C s = rnd<T>(m / C(fp8 ? 448 : 6));
  std::vector<C> q(static_cast<size_t>(n));
  uint8_t scale;
  if (mode == QuantMode::nvfp4) {
    // 2688 / g in float32; the products in w's compute type (float64 for float64).
    const C enc = global_scale ? static_cast<C>(2688.0f / *global_scale) : C(1);
    const uint32_t code = e4m3_code(s * enc);
    const C dec = rnd<T>(static_cast<C>(e4m3_value(code)));
    for (int j = 0; j < n; ++j) q[j] = rnd<T>(v[j] / dec) * enc;
    scale = static_cast<uint8_t>(code);
  } else {
    // The exponent ceil(log2 s), exact (0 for s == 0), carried as a value of T; log2 of a NaN or an
    // infinity converts to INT32_MIN, which a half rounds to -infinity.
    C e;
    if (s == 0) e = 0;
    else if (!std::isfinite(s)) e = rnd<T>(C(-2147483648.0));
    else {
      int k;
      e = static_cast<C>(std::frexp(s, &k) == C(0.5) ? k - 1 : k);
    }
    const C p = e < -100000 ? C(0) : rnd<T>(std::ldexp(C(1), static_cast<int>(e)));  // 2^e in T
    for (int j = 0; j < n; ++j) q[j] = rnd<T>(v[j] / p);
    scale = to_byte(rnd<T>(e + 127));  // the biased exponent, wrapping
  }
  for (int j = 0; j < n; ++j) {
    uint32_t code;
    if (fp8) code = e4m3_code(q[j]);
    else if (mode == QuantMode::nvfp4) code = e2m1_code<compute_t<T>>(q[j]);  // q is float32 (or float64) there
    else code = e2m1_code<T>(q[j]);
    words[j / per_word] |= code << (shift * (j % per_word));
  }
  return scale;
}

template <typename T>
void fp_quantize_typed(const T* w, int64_t count, QuantMode mode, const float* global_scale, uint32_t* wq,
                       uint8_t* scales) {
  const int g = group_of(mode), words = g * bits_of(mode) / 32;
  const int64_t groups = count / g;
  std::vector<compute_t<T>> v(static_cast<size_t>(g));
  std::fill(wq, wq + groups * words, 0u);
  for (int64_t i = 0; i < groups; ++i) {
    for (int j = 0; j < g; ++j) v[j] = static_cast<compute_t<T>>(w[i * g + j]);
    scales[i] = quantize_group<T>(v.data(), g, mode, global_scale, wq + i * words);
  }
}

// Code j of a group's words, as its value.
float code_value(const uint32_t* words, int j, QuantMode mode) {
  if (mode == QuantMode::mxfp8) return e4m3_value((words[j / 4] >> (8 * (j % 4))) & 0xFFu);
  return e2m1_value((words[j / 8] >> (4 * (j % 8))) & 0xFu);
}

// A group's scale as a float or double (the mx modes' 2^128 is infinite in float32 and finite in
// float64), before any rounding to a half.
template <typename A>
A scale_value(uint8_t s, QuantMode mode) {
  if (mode == QuantMode::nvfp4) return static_cast<A>(e4m3_value(s));
  return std::ldexp(A(1), static_cast<int>(s) - 127);
}

// Groups [g0, g1) decoded into dst: each value is its scale rounded to `scale_dtype` times its code's
// value, exactly (at most 4 significant bits each, so the product fits a float32).
template <typename A>
void decode_groups(const uint32_t* w, const uint8_t* scales, int64_t g0, int64_t g1, QuantMode mode,
                   Dtype scale_dtype, A* dst) {
  const int g = group_of(mode), words = g * bits_of(mode) / 32;
  for (int64_t i = g0; i < g1; ++i) {
    A s = scale_value<A>(scales[i], mode);
    if (scale_dtype != float64) s = static_cast<A>(rnd_to(scale_dtype, static_cast<float>(s)));
    A* o = dst + (i - g0) * g;
    for (int j = 0; j < g; ++j) o[j] = s * static_cast<A>(code_value(w + i * words, j, mode));
  }
}

// nvfp4 with a global scale, in P (float32, or float64 when asked for): MLX multiplies the E4M3
// scale by g / 2688 and the value by that, each step in P.
template <typename P>
void decode_global(const uint32_t* w, const uint8_t* scales, int64_t groups, float global_scale, P* out) {
  const P inv = static_cast<P>(global_scale) / P(2688);
  for (int64_t i = 0; i < groups; ++i) {
    const P s = static_cast<P>(e4m3_value(scales[i])) * inv;
    for (int j = 0; j < 16; ++j) out[i * 16 + j] = static_cast<P>(code_value(w + i * 2, j, QuantMode::nvfp4)) * s;
  }
}

}  // namespace

void fp_quantize(const array& w, const float* global_scale, array& wq, array& scales, QuantMode mode) {
  wq.alloc(), scales.alloc();
  const int64_t count = w.size();
  uint32_t* q = wq.data<uint32_t>();
  uint8_t* s = scales.data<uint8_t>();
  switch (w.dtype()) {
    case float16: return fp_quantize_typed(w.data<float16_t>(), count, mode, global_scale, q, s);
    case bfloat16: return fp_quantize_typed(w.data<bfloat16_t>(), count, mode, global_scale, q, s);
    case float32: return fp_quantize_typed(w.data<float>(), count, mode, global_scale, q, s);
    case float64: return fp_quantize_typed(w.data<double>(), count, mode, global_scale, q, s);
    default: throw std::invalid_argument("[quantize] only floating point types can be quantized.");
  }
}

void fp_dequantize(const array& wq, const array& scales, const float* global_scale, array& out, QuantMode mode) {
  out.alloc();
  const int64_t groups = scales.size();
  const uint32_t* w = wq.data<uint32_t>();
  const uint8_t* s = scales.data<uint8_t>();
  const Dtype t = out.dtype();
  if (global_scale) {
    if (t == float64) return decode_global(w, s, groups, *global_scale, out.data<double>());
    return decode_global(w, s, groups, *global_scale, out.data<float>());
  }
  if (t == float64) return decode_groups(w, s, 0, groups, mode, t, out.data<double>());
  if (t == float32) return decode_groups(w, s, 0, groups, mode, t, out.data<float>());
  if (t != float16 && t != bfloat16) throw std::invalid_argument("[dequantize] only floating point types are supported.");
  // The exact products rounded to the half once.
  std::vector<float> f(static_cast<size_t>(out.size()));
  decode_groups(w, s, 0, groups, mode, t, f.data());
  convert(f.data(), float32, out.raw_data(), t, out.size());
}

template <typename A>
void fp_decode_rows(const uint32_t* w, const uint8_t* scales, int64_t r0, int64_t r1, int64_t cols, QuantMode mode,
                    Dtype scale_dtype, A* dst) {
  const int64_t groups = cols / group_of(mode);
  decode_groups(w, scales, r0 * groups, r1 * groups, mode, scale_dtype, dst);
}

template void fp_decode_rows<float>(const uint32_t*, const uint8_t*, int64_t, int64_t, int64_t, QuantMode, Dtype,
                                    float*);
template void fp_decode_rows<double>(const uint32_t*, const uint8_t*, int64_t, int64_t, int64_t, QuantMode, Dtype,
                                     double*);

void fp8_encode(const array& x, array& out) {
  out.alloc();
  auto* o = static_cast<uint8_t*>(out.raw_data());
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T> || is_half_v<T>) {
      const T* p = static_cast<const T*>(x.raw_data());
      for (int64_t i = 0; i < x.size(); ++i) o[i] = static_cast<uint8_t>(e4m3_code(static_cast<compute_t<T>>(p[i])));
    }
  });
}

void fp8_decode(const array& codes, array& out) {
  out.alloc();
  const auto* c = static_cast<const uint8_t*>(codes.raw_data());
  dispatch_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T> || is_half_v<T>) {
      T* o = static_cast<T*>(out.raw_data());
      for (int64_t i = 0; i < codes.size(); ++i) o[i] = static_cast<T>(e4m3_value(c[i]));
    }
  });
}

}  // namespace ingot::cpu
