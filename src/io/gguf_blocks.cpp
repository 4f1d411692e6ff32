// Each decoder reads whole blocks, byte by byte (blocks are not aligned), and accepts any bytes: the
// values of a hostile file are only numbers.
#include "io/gguf_blocks.h"

#include <bit>
#include <cstdint>

#include "ingot/dtype.h"

namespace ingot::io::gguf {

namespace {

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
float half_at(const uint8_t* p) { return float16_t::to_float(le16(p)); }
uint16_t to_half(float f) { return float16_t::from_float(f); }

// ---- Q4_0, Q4_1, Q8_0: blocks of 32 values, a float16 scale first ----
// Q4_0: d, then 16 bytes holding values 0-15 in their low nibbles and 16-31 in their high nibbles;
// x = d * (q - 8), so scale d and bias -8d. Q4_1: d, m, then the nibbles; x = d * q + m.
// Q8_0: d, then 32 int8 q; x = d * q, stored as the unsigned q + 128 with bias -128d.
constexpr uint64_t kQ4_0Bytes = 18, kQ4_1Bytes = 20, kQ8_0Bytes = 34;

// ggml's nibble order to MLX's: value k in the low (k even) or high (k odd) nibble of byte k / 2.
void repack_nibbles(const uint8_t* qs, uint8_t* out) {
  for (int b = 0; b < 8; ++b) {
    out[b] = static_cast<uint8_t>((qs[2 * b] & 0x0F) | (qs[2 * b + 1] << 4));
    out[8 + b] = static_cast<uint8_t>((qs[2 * b] >> 4) | (qs[2 * b + 1] & 0xF0));
  }
}

template <uint64_t kBlockBytes>
void nibble_weights(const uint8_t* in, void* out, int64_t n) {
  auto* o = static_cast<uint8_t*>(out);  // uint32 words are written bytewise, little-endian
  for (int64_t i = 0; i < n; ++i) repack_nibbles(in + i * kBlockBytes + (kBlockBytes - 16), o + i * 16);
}

void q8_0_weights(const uint8_t* in, void* out, int64_t n) {
  auto* o = static_cast<uint8_t*>(out);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 32; ++j) o[i * 32 + j] = in[i * kQ8_0Bytes + 2 + j] ^ 0x80;
}

// The float16 at byte `at` of each block.
template <uint64_t kBlockBytes, uint64_t kAt>
void copy_half(const uint8_t* in, void* out, int64_t n) {
  auto* o = static_cast<uint16_t*>(out);
  for (int64_t i = 0; i < n; ++i) o[i] = le16(in + i * kBlockBytes + kAt);
}

// The block's scale times `factor`, as float16 (exact: factor is a power of two).
template <uint64_t kBlockBytes, int kFactor>
void scaled_half(const uint8_t* in, void* out, int64_t n) {
  auto* o = static_cast<uint16_t*>(out);
  for (int64_t i = 0; i < n; ++i) o[i] = to_half(kFactor * half_at(in + i * kBlockBytes));
}

constexpr BlockDecoder kQ4_0W{"gguf Q4_0 weights", kQ4_0Bytes, 4, nibble_weights<kQ4_0Bytes>};
constexpr BlockDecoder kQ4_0S{"gguf Q4_0 scales", kQ4_0Bytes, 1, copy_half<kQ4_0Bytes, 0>};
constexpr BlockDecoder kQ4_0B{"gguf Q4_0 biases", kQ4_0Bytes, 1, scaled_half<kQ4_0Bytes, -8>};
constexpr BlockDecoder kQ4_1W{"gguf Q4_1 weights", kQ4_1Bytes, 4, nibble_weights<kQ4_1Bytes>};
constexpr BlockDecoder kQ4_1S{"gguf Q4_1 scales", kQ4_1Bytes, 1, copy_half<kQ4_1Bytes, 0>};
constexpr BlockDecoder kQ4_1B{"gguf Q4_1 biases", kQ4_1Bytes, 1, copy_half<kQ4_1Bytes, 2>};
constexpr BlockDecoder kQ8_0W{"gguf Q8_0 weights", kQ8_0Bytes, 8, q8_0_weights};
constexpr BlockDecoder kQ8_0S{"gguf Q8_0 scales", kQ8_0Bytes, 1, copy_half<kQ8_0Bytes, 0>};
constexpr BlockDecoder kQ8_0B{"gguf Q8_0 biases", kQ8_0Bytes, 1, scaled_half<kQ8_0Bytes, -128>};

// ---- dequantized to float16 ----
void bf16(const uint8_t* in, void* out, int64_t n) {
  auto* o = static_cast<uint16_t*>(out);
  for (int64_t i = 0; i < n; ++i) o[i] = to_half(std::bit_cast<float>(static_cast<uint32_t>(le16(in + 2 * i)) << 16));
}

// Q2_K, 84 bytes per 256 values: 16 bytes of 4-bit (scale, min) pairs, one per 16 values (scale in
// the low nibble); 64 bytes of 2-bit values; float16 d and dmin. Values come in two halves of 128,
// each from 32 bytes: 2-bit plane s (s = 0..3) of bytes 0-15 gives 16 values, then of bytes 16-31.
// x = d * scale * q - dmin * min.
void q2_k(const uint8_t* in, void* out, int64_t n) {
  auto* o = static_cast<uint16_t*>(out);
  for (int64_t i = 0; i < n; ++i, in += 84, o += 256) {
    const uint8_t* scales = in;
    const float d = half_at(in + 80), dmin = half_at(in + 82);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* q = in + 16 + 32 * h;
      for (int s = 0; s < 4; ++s)
        for (int part = 0; part < 2; ++part) {
          const uint8_t sc = scales[8 * h + 2 * s + part];
          const float dl = d * static_cast<float>(sc & 0x0F), ml = dmin * static_cast<float>(sc >> 4);
          for (int l = 0; l < 16; ++l) {
            const int v = (q[16 * part + l] >> (2 * s)) & 3;
            o[128 * h + 32 * s + 16 * part + l] = to_half(dl * static_cast<float>(v) - ml);
          }
        }
    }
  }
}

// Q4_K, 144 bytes per 256 values: float16 d and dmin; 12 bytes packing eight 6-bit (scale, min) pairs,
// one per 32 values; 128 bytes of nibbles. Each 32 bytes give 64 values: their low nibbles (pair
// 2p), then their high nibbles (pair 2p + 1). x = d * scale * q - dmin * min.
void q4_k_scale_min(const uint8_t* s, int j, int& scale, int& min) {
  if (j < 4) {
    scale = s[j] & 63, min = s[j + 4] & 63;
  } else {
    scale = (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4);
    min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

void q4_k(const uint8_t* in, void* out, int64_t n) {
  auto* o = static_cast<uint16_t*>(out);
  for (int64_t i = 0; i < n; ++i, in += 144, o += 256) {
    const float d = half_at(in), dmin = half_at(in + 2);
    for (int p = 0; p < 4; ++p) {
      int s0, m0, s1, m1;
      q4_k_scale_min(in + 4, 2 * p, s0, m0);
      q4_k_scale_min(in + 4, 2 * p + 1, s1, m1);
      const float d0 = d * static_cast<float>(s0), min0 = dmin * static_cast<float>(m0);
      const float d1 = d * static_cast<float>(s1), min1 = dmin * static_cast<float>(m1);
      const uint8_t* q = in + 16 + 32 * p;
      for (int l = 0; l < 32; ++l) {
        o[64 * p + l] = to_half(d0 * static_cast<float>(q[l] & 0x0F) - min0);
        o[64 * p + 32 + l] = to_half(d1 * static_cast<float>(q[l] >> 4) - min1);
      }
    }
  }
}

// Q6_K, 210 bytes per 256 values: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8
// scales (one per 16 values), float16 d. Each half of 128 values uses 64 low-nibble bytes and 32
// high bytes: value l + 32 * k (k = 0..3, l < 32) has the low nibble (k < 2) or high nibble (k >= 2)
// of byte l + 32 * (k % 2), and bits 2k, 2k + 1 of high byte l; x = d * scale * (q - 32).
void q6_k(const uint8_t* in, void* out, int64_t n) {
  auto* o = static_cast<uint16_t*>(out);
  for (int64_t i = 0; i < n; ++i, in += 210, o += 256) {
    const float d = half_at(in + 208);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = in + 64 * h;
      const uint8_t* qh = in + 128 + 32 * h;
      const auto* sc = reinterpret_cast<const int8_t*>(in + 192 + 8 * h);
      for (int l = 0; l < 32; ++l)
        for (int k = 0; k < 4; ++k) {
          const int low = (ql[l + 32 * (k % 2)] >> (k < 2 ? 0 : 4)) & 0x0F;
          const int q = (low | (((qh[l] >> (2 * k)) & 3) << 4)) - 32;
          const float scale = d * static_cast<float>(sc[l / 16 + 2 * k]);
          o[128 * h + 32 * k + l] = to_half(scale * static_cast<float>(q));
        }
    }
  }
}

}  // namespace

const AffineDecoders kQ4_0{4, &kQ4_0W, &kQ4_0S, &kQ4_0B};
const AffineDecoders kQ4_1{4, &kQ4_1W, &kQ4_1S, &kQ4_1B};
const AffineDecoders kQ8_0{8, &kQ8_0W, &kQ8_0S, &kQ8_0B};
const BlockDecoder kBF16ToFloat16{"gguf BF16 to float16", 2, 1, bf16};
const BlockDecoder kQ2_KToFloat16{"gguf Q2_K to float16", 84, 256, q2_k};
const BlockDecoder kQ4_KToFloat16{"gguf Q4_K to float16", 144, 256, q4_k};
const BlockDecoder kQ6_KToFloat16{"gguf Q6_K to float16", 210, 256, q6_k};

}  // namespace ingot::io::gguf
