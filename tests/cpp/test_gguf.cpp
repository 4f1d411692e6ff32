// GGUF files: round trips of every dtype and metadata kind save_gguf writes, the layout it writes,
// crafted files of every tensor type the loader reads (values worked out by hand from ggml's block
// layouts), laziness, and hostile files (truncation at every byte, flipped bytes, huge counts, lengths,
// dimensions and offsets, unsupported types) giving std::runtime_error naming the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "export_test_util.h"
#include "ingot/ingot.h"

using namespace ingot;
using ingot::testing::error_of;
using ingot::testing::mapping_of;
using ingot::testing::read_bytes;
using ingot::testing::same_bits;
using ingot::testing::TempDir;
using ingot::testing::write_bytes;
using ::testing::HasSubstr;

namespace {

// A GGUF file written field by field.
struct Gguf {
  std::vector<char> b;
  Gguf& raw(const void* p, size_t n) {
    b.insert(b.end(), static_cast<const char*>(p), static_cast<const char*>(p) + n);
    return *this;
  }
  template <typename T>
  Gguf& num(T v) {
    return raw(&v, sizeof(T));
  }
  Gguf& u32(uint32_t v) { return num(v); }
  Gguf& u64(uint64_t v) { return num(v); }
  Gguf& f16(float v) { return num(float16_t(v).bits); }
  Gguf& str(const std::string& s) { return u64(s.size()).raw(s.data(), s.size()); }
  Gguf& header(uint64_t n_tensors, uint64_t n_meta, uint32_t version = 3) {
    return raw("GGUF", 4).u32(version).u64(n_tensors).u64(n_meta);
  }
  // A tensor info: dims innermost first, as the file has them.
  Gguf& tensor(const std::string& name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (auto d : dims) u64(d);
    return u32(type).u64(offset);
  }
  Gguf& pad(size_t alignment = 32) {
    b.resize((b.size() + alignment - 1) / alignment * alignment, '\0');
    return *this;
  }
  Gguf& bytes(size_t n, uint8_t v) {
    b.insert(b.end(), n, static_cast<char>(v));
    return *this;
  }
};

enum : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q8_0 = 8, Q2_K = 10, Q4_K = 12, Q6_K = 14 };
enum : uint32_t { I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, BF16 = 30 };
enum : uint32_t { kU8 = 0, kI8, kU16, kI16, kU32, kI32, kF32, kBool, kString, kArray, kU64, kI64, kF64 };

std::string load_error(const std::string& path) {
  return error_of<std::runtime_error>([&] {
    auto [m, meta] = load_gguf(path);
    for (auto& [name, a] : m) a.eval();
  });
}

const array& meta_array(const std::unordered_map<std::string, GGUFMetaData>& m, const std::string& key) {
  return std::get<array>(m.at(key));
}

std::vector<float> values_of(array a) {
  a = astype(a, float32);
  a.eval();
  return std::vector<float>(a.data<float>(), a.data<float>() + a.size());
}

}  // namespace

TEST(IoGguf, RoundTripsEverySavedDtypeAndMetadataKind) {
  TempDir dir;
  std::unordered_map<std::string, array> arrays = {
      {"f32", array(std::vector<float>{1.5f, -0.0f, INFINITY, NAN, 1e-45f, 3.14159f}, {3, 2})},
      {"f16", array(std::vector<float>{0.5f, -2.25f, 65504.0f, 6e-8f}, {4}, float16)},
      {"i8", array(std::vector<int8_t>{-128, -1, 0, 127}, {2, 2}, int8)},
      {"i16", array(std::vector<int16_t>{-32768, 32767, -2}, {3, 1}, int16)},
      {"i32", array(std::vector<int32_t>{-2147483647 - 1, 2147483647, 7, -7, 0, 1}, {1, 2, 1, 3, 1}, int32)},
      {"scalar", array(2.5f)},
      {"empty", zeros({0, 3}, int16)},
      {"transposed", transpose(reshape(arange(6.0, float32), {2, 3}))},  // a non-contiguous view
      {"lazy", add(arange(4.0, float32), 1.0f)},                         // unevaluated
  };
  std::unordered_map<std::string, GGUFMetaData> meta = {
      {"general.name", std::string("tiny ünïcode")},
      {"empty string", std::string()},
      {"tokens", std::vector<std::string>{"<s>", "", "héllo"}},
      {"no tokens", std::vector<std::string>{}},
  };
  for (Dtype t : {bool_, uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32}) {
    meta[std::string("scalar ") + dtype_name(t)] = astype(array(3), t);
    meta[std::string("list ") + dtype_name(t)] = astype(array({1, 0, 7}), t);
  }
  meta["big"] = array(std::vector<uint64_t>{~uint64_t{0}, uint64_t{1} << 63}, {2}, uint64);
  const auto path = dir.file("m.gguf");
  save_gguf(path, arrays, meta);
  auto [loaded, m] = load_gguf(path);
  ASSERT_EQ(loaded.size(), arrays.size());
  for (const auto& [name, a] : arrays) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(loaded.count(name));
    EXPECT_TRUE(same_bits(loaded.at(name), a));
  }
  ASSERT_EQ(m.size(), meta.size());
  for (const auto& [key, v] : meta) {
    SCOPED_TRACE(key);
    ASSERT_EQ(m.at(key).index(), v.index());
    if (auto* a = std::get_if<array>(&v))
      EXPECT_TRUE(same_bits(std::get<array>(m.at(key)), *a));
    else if (auto* s = std::get_if<std::string>(&v))
      EXPECT_EQ(std::get<std::string>(m.at(key)), *s);
    else
      EXPECT_EQ(std::get<std::vector<std::string>>(m.at(key)), std::get<std::vector<std::string>>(v));
  }
  EXPECT_EQ(meta_array(m, "scalar bool").ndim(), 0);
  // The same arrays give the same bytes; data starts aligned to 32 and each tensor is mapped in place.
  const auto bytes = read_bytes(path);
  save_gguf(dir.file("again.gguf"), arrays, meta);
  EXPECT_EQ(read_bytes(dir.file("again.gguf")), bytes);
  EXPECT_EQ(bytes.size() % 32, 0u);
  EXPECT_EQ(std::string(bytes.data(), 4), "GGUF");
  const auto canonical = std::filesystem::canonical(path).string();
  for (const char* name : {"f32", "f16", "i8", "i32"}) {
    array a = loaded.at(name);
    a.eval();
    EXPECT_EQ(mapping_of(a.raw_data()), canonical) << name;
  }
  // No metadata, no tensors.
  save_gguf(dir.file("none.gguf"), {});
  auto [n, nm] = load_gguf(dir.file("none.gguf"));
  EXPECT_TRUE(n.empty());
  EXPECT_TRUE(nm.empty());
  EXPECT_EQ(read_bytes(dir.file("none.gguf")).size(), 32u);
}

TEST(IoGguf, WritesTheLayoutOfTheSpecification) {
  TempDir dir;
  // Dims innermost first, tensors by name, offsets from the aligned data start, padding after each.
  save_gguf(dir.file("l.gguf"),
            {{"b", array(std::vector<int16_t>{1, 2, 3, 4, 5, 6}, {2, 3}, int16)}, {"a", array(7.0f)}},
            {{"k", std::string("v")}, {"general.alignment", array(uint32_t{64})}});
  Gguf want;
  want.header(2, 2).str("general.alignment").u32(kU32).u32(64).str("k").u32(kString).str("v");
  want.tensor("a", {}, F32, 0).tensor("b", {3, 2}, I16, 64).pad(64);
  want.num(7.0f).pad(64);
  for (int16_t v = 1; v <= 6; ++v) want.num(v);
  want.pad(64);
  EXPECT_EQ(read_bytes(dir.file("l.gguf")), want.b);
  auto [m, meta] = load_gguf(dir.file("l.gguf"));
  EXPECT_TRUE(same_bits(m.at("b"), array(std::vector<int16_t>{1, 2, 3, 4, 5, 6}, {2, 3}, int16)));
  EXPECT_TRUE(same_bits(meta_array(meta, "general.alignment"), array(uint32_t{64})));
}

TEST(IoGguf, ReadsEveryMetadataType) {
  TempDir dir;
  Gguf g;
  g.header(0, 18, /*version=*/2);
  g.str("u8").u32(kU8).num<uint8_t>(200).str("i8").u32(kI8).num<int8_t>(-5);
  g.str("u16").u32(kU16).num<uint16_t>(60000).str("i16").u32(kI16).num<int16_t>(-300);
  g.str("u32").u32(kU32).num<uint32_t>(4000000000u).str("i32").u32(kI32).num<int32_t>(-70000);
  g.str("u64").u32(kU64).num<uint64_t>(~uint64_t{0}).str("i64").u32(kI64).num<int64_t>(INT64_MIN);
  g.str("f32").u32(kF32).num(1.5f).str("f64").u32(kF64).num(0.1);
  g.str("true").u32(kBool).num<uint8_t>(2).str("false").u32(kBool).num<uint8_t>(0);
  g.str("s").u32(kString).str("text");
  g.str("ints").u32(kArray).u32(kI32).u64(3).num<int32_t>(1).num<int32_t>(-2).num<int32_t>(3);
  g.str("doubles").u32(kArray).u32(kF64).u64(2).num(0.5).num(-1e300);
  g.str("bools").u32(kArray).u32(kBool).u64(3).num<uint8_t>(0).num<uint8_t>(1).num<uint8_t>(9);
  g.str("strings").u32(kArray).u32(kString).u64(2).str("a").str("");
  g.str("none").u32(kArray).u32(kU16).u64(0);
  g.pad();
  write_bytes(dir.file("m.gguf"), g.b);
  auto [arrays, m] = load_gguf(dir.file("m.gguf"));
  EXPECT_TRUE(arrays.empty());
  EXPECT_TRUE(same_bits(meta_array(m, "u8"), array(uint8_t{200})));
  EXPECT_TRUE(same_bits(meta_array(m, "i8"), array(int8_t{-5})));
  EXPECT_TRUE(same_bits(meta_array(m, "u16"), array(uint16_t{60000})));
  EXPECT_TRUE(same_bits(meta_array(m, "i16"), array(int16_t{-300})));
  EXPECT_TRUE(same_bits(meta_array(m, "u32"), array(4000000000u)));
  EXPECT_TRUE(same_bits(meta_array(m, "i32"), array(int32_t{-70000})));
  EXPECT_TRUE(same_bits(meta_array(m, "u64"), array(~uint64_t{0})));
  EXPECT_TRUE(same_bits(meta_array(m, "i64"), array(int64_t{INT64_MIN})));
  EXPECT_TRUE(same_bits(meta_array(m, "f32"), array(1.5f)));
  EXPECT_TRUE(same_bits(meta_array(m, "f64"), array(0.1f)));  // float32, as MLX
  EXPECT_TRUE(same_bits(meta_array(m, "true"), array(true)));
  EXPECT_TRUE(same_bits(meta_array(m, "false"), array(false)));
  EXPECT_EQ(std::get<std::string>(m.at("s")), "text");
  EXPECT_TRUE(same_bits(meta_array(m, "ints"), array(std::vector<int32_t>{1, -2, 3}, {3}, int32)));
  EXPECT_TRUE(same_bits(meta_array(m, "doubles"), array(std::vector<float>{0.5f, -INFINITY}, {2})));
  EXPECT_TRUE(same_bits(meta_array(m, "bools"), array(std::vector<bool>{false, true, true}, {3})));
  EXPECT_EQ(std::get<std::vector<std::string>>(m.at("strings")), (std::vector<std::string>{"a", ""}));
  EXPECT_TRUE(same_bits(meta_array(m, "none"), zeros({0}, uint16)));
}

TEST(IoGguf, ReadsPlainTensorsInPlaceOrCopied) {
  TempDir dir;
  Gguf g;
  // An int8 tensor of 3 bytes puts the next one at an odd offset: it is copied, not mapped.
  g.header(5, 0);
  g.tensor("i8", {3}, I8, 0).tensor("f64", {2}, F64, 3).tensor("i64", {1, 2}, I64, 32);
  g.tensor("f16", {2}, F16, 64).tensor("empty", {0, 5}, F32, 1000000);
  g.pad();
  const size_t data = g.b.size();
  g.num<int8_t>(-1).num<int8_t>(2).num<int8_t>(3).num(0.25).num(-8.0);
  g.bytes(data + 32 - g.b.size(), 0).num<int64_t>(INT64_MAX).num<int64_t>(-4);
  g.bytes(data + 64 - g.b.size(), 0).f16(1.5f).f16(-2.0f);
  write_bytes(dir.file("p.gguf"), g.b);
  auto [m, meta] = load_gguf(dir.file("p.gguf"));
  for (const auto& [name, a] : m) EXPECT_FALSE(a.is_evaluated() && name != "empty") << name;
  EXPECT_TRUE(same_bits(m.at("i8"), array(std::vector<int8_t>{-1, 2, 3}, {3}, int8)));
  EXPECT_TRUE(same_bits(m.at("f64"), array(std::vector<double>{0.25, -8.0}, {2}, float64)));
  EXPECT_TRUE(same_bits(m.at("i64"), array(std::vector<int64_t>{INT64_MAX, -4}, {2, 1}, int64)));
  EXPECT_TRUE(same_bits(m.at("f16"), array(std::vector<float>{1.5f, -2.0f}, {2}, float16)));
  EXPECT_TRUE(same_bits(m.at("empty"), zeros({5, 0}, float32)));
  const auto canonical = std::filesystem::canonical(dir.file("p.gguf")).string();
  array f64 = m.at("f64"), f16 = m.at("f16");
  eval(f64, f16);
  EXPECT_NE(mapping_of(f64.raw_data()), canonical);
  EXPECT_EQ(mapping_of(f16.raw_data()), canonical);
}

// Q4_0, Q4_1 and Q8_0 become MLX's affine triplets; the values are those of ggml's definitions.
TEST(IoGguf, ReadsQ4AndQ8AsAffineTriplets) {
  TempDir dir;
  Gguf g;
  g.header(3, 0);
  g.tensor("blk.0.attn_q.weight", {32, 2}, Q4_0, 0)
      .tensor("proj", {64, 1}, Q4_1, 64)
      .tensor("x.weight", {32, 1}, Q8_0, 128);
  g.pad();
  const size_t data = g.b.size();
  // Value k of a block is k % 16 for the 4-bit types: byte i holds values i (low) and 16 + i (high).
  for (float d : {0.5f, -2.0f}) {
    g.f16(d);
    for (uint8_t i = 0; i < 16; ++i) g.num<uint8_t>(static_cast<uint8_t>(i | (i << 4)));
  }
  g.bytes(data + 64 - g.b.size(), 0);
  for (int block = 0; block < 2; ++block) {
    g.f16(0.25f).f16(-1.0f);
    for (uint8_t i = 0; i < 16; ++i) g.num<uint8_t>(static_cast<uint8_t>(i | (i << 4)));
  }
  g.bytes(data + 128 - g.b.size(), 0);
  g.f16(0.125f);
  for (int k = 0; k < 32; ++k) g.num<int8_t>(static_cast<int8_t>(k - 16));
  g.pad();
  write_bytes(dir.file("q.gguf"), g.b);
  auto [m, meta] = load_gguf(dir.file("q.gguf"));
  ASSERT_EQ(m.size(), 9u);
  for (const auto& [name, a] : m) EXPECT_FALSE(a.is_evaluated()) << name;

  const array& w = m.at("blk.0.attn_q.weight");
  EXPECT_EQ(w.dtype(), uint32);
  EXPECT_EQ(w.shape(), (Shape{2, 4}));
  array words = copy(w);  // MLX's packing: value k of a row at bits 4k of its little-endian words
  words.eval();
  EXPECT_EQ(std::vector<uint32_t>(words.data<uint32_t>(), words.data<uint32_t>() + 8),
            (std::vector<uint32_t>{0x76543210u, 0xFEDCBA98u, 0x76543210u, 0xFEDCBA98u, 0x76543210u, 0xFEDCBA98u,
                                   0x76543210u, 0xFEDCBA98u}));
  EXPECT_TRUE(same_bits(m.at("blk.0.attn_q.scales"), array(std::vector<float>{0.5f, -2.0f}, {2, 1}, float16)));
  EXPECT_TRUE(same_bits(m.at("blk.0.attn_q.biases"), array(std::vector<float>{-4.0f, 16.0f}, {2, 1}, float16)));
  std::vector<float> want;
  for (float d : {0.5f, -2.0f})
    for (int k = 0; k < 32; ++k) want.push_back(d * static_cast<float>(k % 16 - 8));
  EXPECT_EQ(values_of(dequantize(w, m.at("blk.0.attn_q.scales"), m.at("blk.0.attn_q.biases"), 32, 4)), want);

  // A name without ".weight" keeps its whole self.
  EXPECT_EQ(m.at("proj").shape(), (Shape{1, 8}));
  want.clear();
  for (int k = 0; k < 64; ++k) want.push_back(0.25f * static_cast<float>(k % 16) - 1.0f);
  EXPECT_EQ(values_of(dequantize(m.at("proj"), m.at("proj.scales"), m.at("proj.biases"), 32, 4)), want);

  EXPECT_EQ(m.at("x.weight").shape(), (Shape{1, 8}));
  EXPECT_TRUE(same_bits(m.at("x.biases"), array(std::vector<float>{-16.0f}, {1, 1}, float16)));
  want.clear();
  for (int k = 0; k < 32; ++k) want.push_back(0.125f * static_cast<float>(k - 16));
  EXPECT_EQ(values_of(dequantize(m.at("x.weight"), m.at("x.scales"), m.at("x.biases"), 32, 8)), want);
}

// BF16 and the k-quants are dequantized to float16, as MLX does; the expected values follow by hand
// from ggml's block layouts.
TEST(IoGguf, DequantizesBf16AndKQuantsToFloat16) {
  TempDir dir;
  Gguf g;
  g.header(4, 0);
  g.tensor("bf16", {3}, BF16, 0).tensor("q2k", {256}, Q2_K, 32).tensor("q4k", {256}, Q4_K, 128);
  g.tensor("q6k", {256}, Q6_K, 288);
  g.pad();
  const size_t data = g.b.size();
  for (float f : {1.5f, -3.0f, 1e30f}) g.num(static_cast<uint16_t>(std::bit_cast<uint32_t>(f) >> 16));
  g.bytes(data + 32 - g.b.size(), 0);
  // Q2_K: sub-block i (16 values) has scale i and min i % 4; every byte 0xE4 makes plane s give s.
  for (int i = 0; i < 16; ++i) g.num<uint8_t>(static_cast<uint8_t>(((i % 4) << 4) | i));
  g.bytes(64, 0xE4).f16(1.0f).f16(0.5f);
  g.bytes(data + 128 - g.b.size(), 0);
  // Q4_K: scales 1..8 and mins 0,0,0,0,1,2,3,4 (the last four in the 6-bit packing's split form);
  // every byte 0x31: low nibble 1, high nibble 3.
  g.f16(1.0f).f16(0.5f);
  for (uint8_t v : {1, 2, 3, 4, 0, 0, 0, 0, 0x15, 0x26, 0x37, 0x48}) g.num<uint8_t>(v);
  g.bytes(128, 0x31);
  g.bytes(data + 288 - g.b.size(), 0);
  // Q6_K: low nibbles 1 (k < 2) and 2 (k >= 2) from bytes 0x21; high pairs k from bytes 0b11100100;
  // scales 1 but sub-block 3 (values 48-63) with -2 and sub-block 15 with 3.
  g.bytes(128, 0x21).bytes(64, 0xE4);
  for (int i = 0; i < 16; ++i) g.num<int8_t>(static_cast<int8_t>(i == 3 ? -2 : i == 15 ? 3 : 1));
  g.f16(0.5f);
  g.pad();
  write_bytes(dir.file("k.gguf"), g.b);
  auto [m, meta] = load_gguf(dir.file("k.gguf"));
  for (const auto& [name, a] : m) EXPECT_EQ(a.dtype(), float16) << name;
  EXPECT_EQ(values_of(m.at("bf16")), (std::vector<float>{1.5f, -3.0f, INFINITY}));

  std::vector<float> want(256);
  for (int h = 0; h < 2; ++h)
    for (int s = 0; s < 4; ++s)
      for (int part = 0; part < 2; ++part)
        for (int l = 0; l < 16; ++l) {
          const int sub = 8 * h + 2 * s + part;
          want[128 * h + 32 * s + 16 * part + l] = static_cast<float>(sub * s) - 0.5f * static_cast<float>(sub % 4);
        }
  EXPECT_EQ(values_of(m.at("q2k")), want);

  const float q4k[8] = {1, 6, 3, 12, 5 - 0.5f, 18 - 1, 7 - 1.5f, 24 - 2};  // per 32 values
  for (int i = 0; i < 256; ++i) want[i] = q4k[i / 32];
  EXPECT_EQ(values_of(m.at("q4k")), want);

  const int q6k[4] = {1 - 32, 1 + 16 - 32, 2 + 32 - 32, 2 + 48 - 32};  // value l + 32k of each half
  for (int i = 0; i < 256; ++i) {
    const int sub = i / 16;
    want[i] = 0.5f * static_cast<float>(sub == 3 ? -2 : sub == 15 ? 3 : 1) * static_cast<float>(q6k[(i % 128) / 32]);
  }
  EXPECT_EQ(values_of(m.at("q6k")), want);
}

TEST(IoGguf, ExportStoresLoadedQuantizedWeightsAsConstants) {
  TempDir dir;
  Gguf g;
  g.header(1, 0).tensor("w.weight", {32, 1}, Q8_0, 0).pad().f16(1.0f);
  for (int k = 0; k < 32; ++k) g.num<int8_t>(static_cast<int8_t>(k));
  const auto path = dir.file("w.gguf");
  write_bytes(path, g.b);
  auto m = load_gguf(path).first;
  auto fun = ArgsFunction([&](const Args& a) {
    return Args{multiply(a[0], dequantize(m.at("w.weight"), m.at("w.scales"), m.at("w.biases"), 32, 8))};
  });
  export_function(dir.file("f.ingot"), fun, {array(2.0f)});
  std::filesystem::remove(path);
  auto out = import_function(dir.file("f.ingot"))({array(2.0f)})[0];
  std::vector<float> want;
  for (int k = 0; k < 32; ++k) want.push_back(2.0f * static_cast<float>(k));
  EXPECT_EQ(values_of(out), want);
}

TEST(IoGguf, SaveErrors) {
  TempDir dir;
  const auto path = dir.file("e.gguf");
  auto err = [&](const std::unordered_map<std::string, array>& a,
                 const std::unordered_map<std::string, GGUFMetaData>& m) {
    return error_of([&] { save_gguf(path, a, m); });
  };
  for (Dtype t : {bfloat16, float64, uint8, uint32, int64, bool_})
    EXPECT_THAT(err({{"w", zeros({2}, t)}}, {}),
                HasSubstr(std::string("[save_gguf] the array 'w' has dtype ") + dtype_name(t)));
  EXPECT_THAT(err({{"w", array()}}, {}), HasSubstr("empty array handle"));
  EXPECT_THAT(err({{"w", zeros({1, 1, 1, 1, 1, 1, 1, 1, 1})}}, {}), HasSubstr("9 dimensions (the limit is 8)"));
  for (Dtype t : {float16, bfloat16, float64})
    EXPECT_THAT(err({}, {{"k", zeros({2}, t)}}),
                HasSubstr(std::string("the metadata array 'k' has dtype ") + dtype_name(t)));
  EXPECT_THAT(err({}, {{"k", zeros({2, 2})}}), HasSubstr("has 2 dimensions"));
  EXPECT_THAT(err({}, {{"k", zeros({0}, int32)}}), HasSubstr("'k' is empty"));
  EXPECT_THAT(err({}, {{"k", GGUFMetaData{}}}), HasSubstr("the metadata value of 'k' is empty"));
  EXPECT_THAT(err({}, {{"k", array()}}), HasSubstr("empty array handle"));
  for (GGUFMetaData bad : {GGUFMetaData(array(uint32_t{24})), GGUFMetaData(array(uint32_t{0})), GGUFMetaData(array(32)),
                           GGUFMetaData(std::string("32"))})
    EXPECT_THAT(err({}, {{"general.alignment", bad}}), HasSubstr("\"general.alignment\" must be"));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(dir.count_entries(), 0u);  // nothing left behind
}

TEST(IoGguf, MalformedFilesGiveClearErrors) {
  TempDir dir;
  const auto path = dir.file("bad.gguf");
  auto error = [&](const Gguf& g) {
    write_bytes(path, g.b);
    return load_error(path);
  };
  const std::string prefix = "[load_gguf] " + path + ": ";
  auto one_tensor = [](std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    Gguf g;
    g.header(1, 0).tensor("t", std::move(dims), type, offset).pad();
    return g;
  };
  EXPECT_THAT(error(Gguf{}), HasSubstr(prefix + "not a GGUF file"));
  EXPECT_THAT(error(Gguf().raw("GGUG", 4).u32(3).u64(0).u64(0)), HasSubstr("not a GGUF file"));
  EXPECT_THAT(error(Gguf().header(0, 0, 1)), HasSubstr("GGUF version 1 is not supported (versions 2 and 3 are)"));
  EXPECT_THAT(error(Gguf().header(0, 0, 4)), HasSubstr("GGUF version 4 is not supported"));
  EXPECT_THAT(error(Gguf().header(0, 0, 0x03000000)), HasSubstr("big-endian"));
  EXPECT_THAT(error(Gguf().raw("GGUF", 4).u32(3).u64(0)), HasSubstr("the file ends inside the metadata count"));
  // Counts, lengths and dimensions far beyond the file's size.
  EXPECT_THAT(error(Gguf().header(~uint64_t{0}, 0)), HasSubstr("counts 18446744073709551615 tensors"));
  EXPECT_THAT(error(Gguf().header(0, uint64_t{1} << 62)), HasSubstr("metadata entries, more than"));
  EXPECT_THAT(
      error(Gguf().header(0, 1).u64(~uint64_t{0}).u32(kU8).num<uint8_t>(0)),
      HasSubstr("the key of metadata entry 0 is 18446744073709551615 bytes long, longer than the limit of 65535"));
  EXPECT_THAT(error(Gguf().header(0, 1).u64(100).raw("k", 1).u32(kU8).num<uint8_t>(0)),
              HasSubstr("the file ends inside the key of metadata entry 0"));
  EXPECT_THAT(error(Gguf().header(0, 1).str("k").u32(kString).u64(~uint64_t{0})),
              HasSubstr("the file ends inside the value of metadata 'k'"));
  EXPECT_THAT(error(Gguf().header(0, 1).str("k").u32(kArray).u32(kU64).u64(~uint64_t{0} / 4)),
              HasSubstr("metadata 'k' counts 4611686018427387903 elements of 8 bytes"));
  EXPECT_THAT(error(Gguf().header(0, 1).str("k").u32(kArray).u32(kString).u64(uint64_t{1} << 60)),
              HasSubstr("metadata 'k' counts 1152921504606846976 strings"));
  EXPECT_THAT(error(Gguf().header(0, 1).str("k").u32(kArray).u32(kString).u64(2).str("a").u64(1u << 20).bytes(16, 0)),
              HasSubstr("the file ends inside string 1 of metadata 'k'"));
  EXPECT_THAT(error(Gguf().header(0, 1).str("k").u32(kArray).u32(kArray).u64(1).u32(kU8).u64(0)),
              HasSubstr("metadata 'k' is an array of arrays; nested arrays are not supported"));
  EXPECT_THAT(error(Gguf().header(0, 1).str("k").u32(13).u64(0)),
              HasSubstr("metadata 'k' has the unknown value type 13"));
  EXPECT_THAT(error(Gguf().header(0, 1).str("k").u32(kArray).u32(99).u64(0)),
              HasSubstr("metadata 'k' is an array of the unknown value type 99"));
  EXPECT_THAT(error(Gguf().header(0, 2).str("k").u32(kU8).num<uint8_t>(1).str("k").u32(kU8).num<uint8_t>(2)),
              HasSubstr("the metadata key 'k' appears twice"));
  for (uint32_t a : {0u, 3u, 48u})
    EXPECT_THAT(error(Gguf().header(0, 1).str("general.alignment").u32(kU32).u32(a)),
                HasSubstr("\"general.alignment\" is " + std::to_string(a) + ", not a power of two"));
  EXPECT_THAT(error(Gguf().header(0, 1).str("general.alignment").u32(kU64).u64(32)),
              HasSubstr("\"general.alignment\" is not a uint32"));
  // Tensors.
  EXPECT_THAT(error(Gguf().header(1, 0).u64(uint64_t{1} << 40).bytes(40, 0)),
              HasSubstr("the name of tensor 0 is 1099511627776 bytes long"));
  EXPECT_THAT(error(Gguf().header(1, 0).str("t").u32(1000).bytes(40, 0)),
              HasSubstr("tensor 't' has 1000 dimensions (the limit is 8)"));
  EXPECT_THAT(error(Gguf().header(1, 0).str("t").u32(8).bytes(40, 0)),
              HasSubstr("the file ends inside the dimensions of tensor 't'"));
  EXPECT_THAT(error(one_tensor({uint64_t{1} << 40, uint64_t{1} << 40}, F32, 0)), HasSubstr("too many elements"));
  EXPECT_THAT(error(one_tensor({~uint64_t{0}}, F32, 0)), HasSubstr("too many elements"));
  EXPECT_THAT(error(one_tensor({4}, F32, 0)),
              HasSubstr("tensor 't' has 16 bytes at data offset 0, past the end of the data (0 bytes"));
  EXPECT_THAT(error(one_tensor({4}, F32, ~uint64_t{0}).bytes(64, 0)),
              HasSubstr("at data offset 18446744073709551615, past the end"));
  EXPECT_THAT(error(one_tensor({4}, F32, 60).bytes(64, 0)),
              HasSubstr("16 bytes at data offset 60, past the end of the data (64 bytes"));
  EXPECT_THAT(error(one_tensor({uint64_t{1} << 47}, Q4_0, 0).bytes(64, 0)), HasSubstr("past the end of the data"));
  EXPECT_THAT(error(one_tensor({4}, Q5_0, 0)),
              HasSubstr("tensor 't' has the tensor type Q5_0 (6), which cannot be loaded (supported: F32, F16, BF16"));
  EXPECT_THAT(error(one_tensor({4}, 99, 0)), HasSubstr("tensor 't' has the unknown tensor type 99"));
  EXPECT_THAT(error(one_tensor({48}, Q4_0, 0)),
              HasSubstr("tensor 't' of type Q4_0 has rows of 48 values, not a whole number of its blocks of 32"));
  EXPECT_THAT(error(one_tensor({}, Q8_0, 0)), HasSubstr("has rows of 1 values"));
  EXPECT_THAT(error(one_tensor({128}, Q4_K, 0)), HasSubstr("blocks of 256"));
  {
    Gguf g;
    g.header(2, 0).tensor("t", {1}, F32, 0).tensor("t", {1}, F32, 0).pad().bytes(32, 0);
    EXPECT_THAT(error(g), HasSubstr("two tensors are named 't'"));
  }
  {
    Gguf g;
    g.header(2, 0).tensor("a.scales", {1}, F16, 0).tensor("a.weight", {32}, Q8_0, 32).pad().bytes(96, 0);
    EXPECT_THAT(error(g),
                HasSubstr("the quantized tensor 'a.weight' gives 'a.scales', which another tensor already gives"));
  }
  EXPECT_THAT(load_error(dir.file("missing.gguf")),
              HasSubstr("[load_gguf] " + dir.file("missing.gguf") + ": cannot open"));
}

TEST(IoGguf, TruncatedAndCorruptedFilesFailCleanly) {
  TempDir dir(/*in_memory=*/true);
  // Metadata of every kind and tensors of each way of loading: mapped, decoded to float16, affine.
  Gguf g;
  g.header(4, 4).str("s").u32(kString).str("abc").str("n").u32(kF64).num(2.5);
  g.str("l").u32(kArray).u32(kString).u64(2).str("x").str("yz").str("v").u32(kArray).u32(kI16).u64(2).u32(0x00070005);
  g.tensor("a", {3}, F32, 0).tensor("b", {2}, BF16, 32).tensor("c.weight", {32}, Q4_1, 64).tensor("d", {256}, Q6_K, 96);
  g.pad();
  const size_t data = g.b.size();
  g.num(1.0f).num(2.0f).num(3.0f).bytes(data + 32 - g.b.size(), 0).bytes(4, 0x40);
  g.bytes(data + 64 - g.b.size(), 0).f16(1.0f).f16(0.5f).bytes(16, 0x5A);
  g.bytes(data + 96 - g.b.size(), 0).bytes(208, 0x33).f16(0.25f);
  const auto good = g.b;
  const auto path = dir.file("good.gguf");
  write_bytes(path, good);
  ASSERT_EQ(load_error(path), "<no exception>");
  ASSERT_EQ(load_gguf(path).first.size(), 6u);
  const auto bad = dir.file("bad.gguf");
  for (size_t n = 0; n < good.size(); ++n) {
    write_bytes(bad, std::vector<char>(good.begin(), good.begin() + static_cast<int64_t>(n)));
    EXPECT_THAT(load_error(bad), HasSubstr("[load_gguf] " + bad + ": ")) << n;
  }
  // Any byte of the header and infos flipped: loads, or fails with a runtime_error naming the file.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 3000; ++trial) {
    auto b = good;
    const size_t at = rng() % data;
    b[at] = static_cast<char>(b[at] ^ static_cast<char>(1 + rng() % 255));
    write_bytes(bad, b);
    const auto e = load_error(bad);
    if (e != "<no exception>") EXPECT_THAT(e, HasSubstr("[load_gguf] " + bad + ": ")) << at;
  }
}
