// Arrays on disk: safetensors and .npy round trips for every dtype, lazy zero-copy loading, the
// exporter storing loaded weights as constants, and hostile files (malformed headers, bad offsets,
// truncation at every length) giving errors that name the file and the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "export_test_util.h"
#include "ingot/ingot.h"

using namespace ingot;
using ingot::testing::mapping_of;
using ingot::testing::read_bytes;
using ingot::testing::same_bits;
using ingot::testing::TempDir;
using ingot::testing::write_bytes;
using ::testing::HasSubstr;

namespace {

// One array of each dtype with distinctive values (negative, fractional, extreme where the dtype has them).
std::unordered_map<std::string, array> every_dtype() {
  std::unordered_map<std::string, array> m;
  m["bool"] = array(std::vector<bool>{true, false, false, true, true, false}, {2, 3});
  m["u8"] = array(std::vector<uint8_t>{0, 1, 255, 128}, {4}, uint8);
  m["i8"] = array(std::vector<int8_t>{-128, -1, 0, 127}, {2, 2}, int8);
  m["u16"] = array(std::vector<uint16_t>{0, 65535, 300}, {3}, uint16);
  m["i16"] = array(std::vector<int16_t>{-32768, 32767, -2}, {3, 1}, int16);
  m["u32"] = array(std::vector<uint32_t>{0, 4294967295u, 123456789u}, {3}, uint32);
  m["i32"] = array(std::vector<int32_t>{-2147483647 - 1, 2147483647, 7, -7}, {2, 2}, int32);
  m["u64"] = array(std::vector<uint64_t>{0, ~uint64_t{0}, uint64_t{1} << 63}, {3}, uint64);
  m["i64"] = array(std::vector<int64_t>{INT64_MIN, INT64_MAX, -5}, {1, 3}, int64);
  m["f16"] = array(std::vector<float>{0.5f, -2.25f, 65504.0f, 6e-8f}, {4}, float16);
  m["bf16"] = array(std::vector<float>{0.5f, -2.25f, 3e38f, 1e-38f}, {2, 2}, bfloat16);
  m["f32"] = array(std::vector<float>{1.5f, -0.0f, INFINITY, NAN, 1e-45f, 3.14159f}, {3, 2});
  m["f64"] = array(std::vector<double>{1e300, -1e-300, 0.1}, {3}, float64);
  return m;
}

std::vector<char> bytes_of(const std::string& s) { return std::vector<char>(s.begin(), s.end()); }

// A safetensors file from a header text and raw data bytes.
std::vector<char> st_file(const std::string& header, const std::vector<char>& data = {}) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  out += header;
  out.append(data.data(), data.size());
  return std::vector<char>(out.begin(), out.end());
}

// A .npy file from a version, a header text and raw data bytes.
std::vector<char> npy_file(int major, const std::string& header, const std::vector<char>& data = {}) {
  std::vector<char> out = {'\x93', 'N', 'U', 'M', 'P', 'Y', static_cast<char>(major), 0};
  const uint64_t n = header.size();
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <typename T>
std::vector<char> raw(const std::vector<T>& v) {
  std::vector<char> out(v.size() * sizeof(T));
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::string runtime_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<wrong exception type> ") + e.what();
  }
  return "<no exception>";
}

}  // namespace

// ---- safetensors ----

TEST(IoSafetensors, RoundTripsEveryDtypeAndMetadata) {
  TempDir dir;
  auto arrays = every_dtype();
  arrays["scalar"] = array(2.5f);
  arrays["empty"] = zeros({0, 3}, int16);
  arrays["transposed"] = transpose(reshape(arange(6.0, float32), {2, 3}));  // a non-contiguous view
  arrays["lazy"] = add(arange(4.0, float32), 1.0f);                         // unevaluated
  const std::unordered_map<std::string, std::string> meta = {{"format", "pt"}, {"note", "ünïcode \"quoted\""}};
  const auto path = dir.file("w.safetensors");
  save_safetensors(path, arrays, meta);
  auto [loaded, m] = load_safetensors(path);
  EXPECT_EQ(m, meta);
  ASSERT_EQ(loaded.size(), arrays.size());
  for (const auto& [name, a] : arrays) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(loaded.count(name));
    EXPECT_TRUE(same_bits(loaded.at(name), a));
  }
  EXPECT_EQ(loaded.at("transposed").shape(), (Shape{3, 2}));
  EXPECT_EQ(loaded.at("scalar").ndim(), 0);
  // The layout: an 8-aligned JSON header naming the reference dtypes; offsets tile the data with no gaps.
  const auto bytes = read_bytes(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<int64_t>(n));
  EXPECT_EQ(header["bf16"]["dtype"], "BF16");
  EXPECT_EQ(header["bool"]["dtype"], "BOOL");
  EXPECT_EQ(header["u64"]["dtype"], "U64");
  EXPECT_EQ(header["i16"]["shape"], nlohmann::json::array({3, 1}));
  EXPECT_EQ(header["__metadata__"]["format"], "pt");
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (const auto& [k, v] : header.items())
    if (k != "__metadata__")
      spans.emplace_back(v["data_offsets"][0].get<uint64_t>(), v["data_offsets"][1].get<uint64_t>());
  std::sort(spans.begin(), spans.end());
  uint64_t at = 0;
  for (auto [b, e] : spans) {
    EXPECT_EQ(b, at);
    at = e;
  }
  EXPECT_EQ(8 + n + at, bytes.size());
  // Saving the same arrays again gives the same bytes.
  save_safetensors(dir.file("again.safetensors"), arrays, meta);
  EXPECT_EQ(read_bytes(dir.file("again.safetensors")), bytes);
  // No metadata: no "__metadata__" entry.
  save_safetensors(dir.file("nometa.safetensors"), {{"x", array({1.0f})}});
  EXPECT_TRUE(load_safetensors(dir.file("nometa.safetensors")).second.empty());
  save_safetensors(dir.file("none.safetensors"), {});
  EXPECT_TRUE(load_safetensors(dir.file("none.safetensors")).first.empty());
}

TEST(IoSafetensors, LoadingIsLazyAndZeroCopy) {
  TempDir dir;
  const auto path = dir.file("big.safetensors");
  save_safetensors(path, {{"a", astype(arange(1 << 18), float32)},
                          {"b", astype(arange(1000), int16)},
                          {"c", array(std::vector<uint8_t>{1, 2, 3}, {3}, uint8)}});
  const size_t before = get_active_memory();
  auto [m, meta] = load_safetensors(path);
  for (const auto& [name, a] : m) EXPECT_FALSE(a.is_evaluated()) << name;
  EXPECT_EQ(get_active_memory(), before);  // nothing read or allocated yet
  array a = m.at("a"), b = m.at("b");
  eval(a, b);
  EXPECT_EQ(get_active_memory(), before);  // aligned data is used in place
  const auto canonical = std::filesystem::canonical(path).string();
  EXPECT_EQ(mapping_of(a.raw_data()), canonical);
  EXPECT_EQ(mapping_of(b.raw_data()), canonical);
  EXPECT_EQ(a.data<float>()[12345], 12345.0f);
  EXPECT_EQ(b.data<int16_t>()[999], 999);
  // The mapping outlives everything else: dropping the map keeps the arrays valid.
  m.clear();
  EXPECT_EQ(a.data<float>()[(1 << 18) - 1], static_cast<float>((1 << 18) - 1));
}

TEST(IoSafetensors, NullMetadataAsMlxWritesIt) {
  TempDir dir;
  std::string header = R"({"__metadata__":null,"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  write_bytes(dir.file("n.safetensors"), st_file(header, raw(std::vector<float>{2.5f, -1.0f})));
  auto [m, meta] = load_safetensors(dir.file("n.safetensors"));
  EXPECT_TRUE(meta.empty());
  array t = m.at("t");
  t.eval();
  EXPECT_EQ(t.data<float>()[0], 2.5f);
  EXPECT_EQ(t.data<float>()[1], -1.0f);
}

TEST(IoSafetensors, UnalignedDataIsCopiedAndBoolNormalized) {
  TempDir dir;
  // A 1-byte tensor first puts the float32 one at an odd address (the header keeps 8-alignment).
  std::string header = R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},)"
                       R"("c":{"dtype":"BOOL","shape":[3],"data_offsets":[9,12]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::vector<char> data = {7};
  auto f = raw(std::vector<float>{1.5f, -3.0f});
  data.insert(data.end(), f.begin(), f.end());
  data.insert(data.end(), {0, 2, 1});  // a hostile bool byte: read as true
  write_bytes(dir.file("u.safetensors"), st_file(header, data));
  auto [m, meta] = load_safetensors(dir.file("u.safetensors"));
  array b = m.at("b");
  const size_t before = get_active_memory();
  b.eval();
  EXPECT_GT(get_active_memory(), before);  // copied into aligned memory
  EXPECT_EQ(b.data<float>()[0], 1.5f);
  EXPECT_EQ(b.data<float>()[1], -3.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.raw_data()) % alignof(float), 0u);
  array c = m.at("c");
  c.eval();
  EXPECT_EQ(c.data<bool>()[0], false);
  EXPECT_EQ(c.data<bool>()[1], true);
  EXPECT_EQ(c.data<bool>()[2], true);
  EXPECT_EQ(m.at("a").item<int>(), 7);
}

TEST(IoSafetensors, LoadedArraysKeepTheirBytesWhenTheFileIsReplaced) {
  TempDir dir;
  const auto path = dir.file("w.safetensors");
  save_safetensors(path, {{"w", array({1.0f, 2.0f})}});
  auto old = load_safetensors(path).first.at("w");
  save_safetensors(path, {{"w", array({5.0f, 6.0f, 7.0f})}});  // renamed into place: a new file
  EXPECT_TRUE(same_bits(old, array({1.0f, 2.0f})));
  EXPECT_TRUE(same_bits(load_safetensors(path).first.at("w"), array({5.0f, 6.0f, 7.0f})));
  EXPECT_EQ(dir.count_entries(), 1u);  // no temporary files left behind
}

TEST(IoSafetensors, ExportStoresLoadedWeightsAsConstants) {
  TempDir dir;
  const auto wpath = dir.file("w.safetensors");
  auto w = reshape(astype(arange(6), float32), {3, 2});
  save_safetensors(wpath, {{"w", w}, {"b", array({0.5f, -0.5f})}});
  auto weights = load_safetensors(wpath).first;
  ASSERT_FALSE(weights.at("w").is_evaluated());
  auto fun = ArgsFunction([&](const Args& a) { return Args{add(matmul(a[0], weights.at("w")), weights.at("b"))}; });
  const auto x = array(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  export_function(dir.file("f.ingot"), fun, {x});
  std::filesystem::remove(wpath);  // the function file needs nothing else
  auto f = import_function(dir.file("f.ingot"));
  EXPECT_TRUE(same_bits(f({x})[0], add(matmul(x, w), array({0.5f, -0.5f}))));
  std::ostringstream dot;
  export_to_dot(dot, f);
  EXPECT_THAT(dot.str(), ::testing::Not(HasSubstr("Load")));
  // An unevaluated graph over a loaded weight is kept as a graph over the stored constant.
  save_safetensors(wpath, {{"h", array({1.0f, 4.0f})}});
  auto h = load_safetensors(wpath).first.at("h");
  auto g = ArgsFunction([&](const Args& a) { return Args{a[0] * sqrt(h)}; });
  export_function(dir.file("g.ingot"), g, {array({3.0f, 3.0f})});
  std::filesystem::remove(wpath);
  EXPECT_TRUE(same_bits(import_function(dir.file("g.ingot"))({array({3.0f, 3.0f})})[0], array({3.0f, 6.0f})));
}

TEST(IoSafetensors, MalformedFilesGiveClearErrors) {
  TempDir dir;
  struct Case {
    const char* what;
    std::vector<char> bytes;
    const char* message;
  };
  const std::string t = R"("t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const auto eight = std::vector<char>(8, 0);
  std::vector<char> huge_len(8, 0);
  huge_len[4] = 1;  // 2^32
  std::vector<char> past_end = st_file("{}");
  past_end[0] = 100;
  const std::vector<Case> cases = {
      {"empty file", {}, "too small to be a safetensors file"},
      {"short file", {1, 0, 0}, "too small to be a safetensors file"},
      {"header length past the limit", huge_len, "larger than the limit"},
      {"header length past the end", past_end, "runs past the end of the file"},
      {"bad JSON", st_file("{\"t\": "), "the header is not valid JSON"},
      {"not UTF-8 JSON", st_file("{\"\xff\": 1}"), "the header is not valid JSON"},
      {"not an object", st_file("[1, 2]"), "the header is not a JSON object"},
      {"entry not an object", st_file(R"({"t": 3})"), "tensor 't' is not described by a JSON object"},
      {"no dtype", st_file(R"({"t":{"shape":[2],"data_offsets":[0,8]}})", eight), "tensor 't' needs \"dtype\""},
      {"unknown dtype", st_file(R"({"t":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", eight),
       "tensor 't' has the unsupported dtype 'F8_E4M3'"},
      {"no shape", st_file(R"({"t":{"dtype":"F32","data_offsets":[0,8]}})", eight), "tensor 't' needs \"shape\""},
      {"negative dimension", st_file(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight),
       "not a non-negative integer"},
      {"fractional dimension", st_file(R"({"t":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", eight),
       "not a non-negative integer"},
      {"huge shape", st_file(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", eight),
       "too many elements"},
      {"more elements than data", st_file(R"({"t":{"dtype":"F32","shape":[1000],"data_offsets":[0,8]}})", eight),
       "has more elements (1000) than the file has data for"},
      {"no offsets", st_file(R"({"t":{"dtype":"F32","shape":[2]}})", eight), "tensor 't' needs \"data_offsets\""},
      {"three offsets", st_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}})", eight),
       "needs \"data_offsets\""},
      {"offsets past the end", st_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", eight),
       "past the end of the data (8 bytes; truncated?)"},
      {"offsets backwards", st_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", eight),
       "run backwards"},
      {"size mismatch", st_file(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", eight),
       "needs 4 bytes, but its data offsets [0, 8] hold 8"},
      {"overlap", st_file("{" + t + R"(,"u":{"dtype":"I32","shape":[1],"data_offsets":[4,8]}})", eight),
       "tensors 't' and 'u' overlap"},
      {"metadata not an object", st_file("{" + t + R"(,"__metadata__":[1]})", eight),
       "\"__metadata__\" is not a JSON object"},
      {"metadata value not a string", st_file("{" + t + R"(,"__metadata__":{"k":1}})", eight),
       "the metadata value of 'k' is not a string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto path = dir.file("bad.safetensors");
    write_bytes(path, c.bytes);
    const auto msg = runtime_error_of([&] { load_safetensors(path); });
    EXPECT_THAT(msg, HasSubstr("[load_safetensors] " + path + ": "));
    EXPECT_THAT(msg, HasSubstr(c.message));
  }
  EXPECT_THAT(runtime_error_of([&] { load_safetensors(dir.file("missing.safetensors")); }), HasSubstr("cannot open"));
  EXPECT_THAT(runtime_error_of([&] { load_safetensors(dir.file("")); }), HasSubstr("not a regular file"));
  // Empty tensors take no bytes and may sit anywhere in the data.
  write_bytes(dir.file("ok.safetensors"),
              st_file("{" + t + R"(,"e":{"dtype":"F64","shape":[0,5],"data_offsets":[4,4]}})", eight));
  EXPECT_EQ(load_safetensors(dir.file("ok.safetensors")).first.at("e").shape(), (Shape{0, 5}));
}

// Every proper prefix of a valid file fails to load with an error (never a crash or a huge
// allocation), and random corruption of its header either loads or fails cleanly.
TEST(IoSafetensors, TruncatedAndCorruptedFilesFailCleanly) {
  TempDir dir(/*in_memory=*/true);
  const auto good = dir.file("good.safetensors");
  save_safetensors(good,
                   {{"a", array({1.0f, 2.0f, 3.0f})},
                    {"b", array(std::vector<int16_t>{4, 5}, {2}, int16)},
                    {"c", array(std::vector<bool>{true}, {1})}},
                   {{"k", "v"}});
  const auto bytes = read_bytes(good);
  const auto bad = dir.file("bad.safetensors");
  for (size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(bad, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<int64_t>(n)));
    EXPECT_THAT(runtime_error_of([&] { load_safetensors(bad); }), HasSubstr("[load_safetensors] " + bad)) << n;
  }
  std::mt19937 rng(3);
  for (int trial = 0; trial < 2000; ++trial) {
    auto b = bytes;
    const size_t at = rng() % std::min<size_t>(b.size(), 160);
    b[at] = static_cast<char>(b[at] ^ static_cast<char>(1 + rng() % 255));
    write_bytes(bad, b);
    try {
      auto [m, meta] = load_safetensors(bad);
      for (auto& [name, a] : m) a.eval();
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), HasSubstr(bad));
    }
  }
}

TEST(IoSafetensors, SaveErrors) {
  TempDir dir;
  EXPECT_THAT(
      ingot::testing::error_of<std::exception>([&] { save_safetensors(dir.file("x.safetensors"), {{"__metadata__", array({1})}}); }),
      HasSubstr("[save_safetensors] '__metadata__' is reserved"));
  EXPECT_THAT(ingot::testing::error_of<std::exception>([&] { save_safetensors(dir.file("x.safetensors"), {{"a", array()}}); }),
              HasSubstr("[save_safetensors] the array 'a' is an empty array handle"));
  EXPECT_THAT(runtime_error_of([&] { save_safetensors(dir.file("no/such/dir/x.safetensors"), {{"a", array({1})}}); }),
              HasSubstr("[save_safetensors] cannot create a temporary file beside"));
  EXPECT_EQ(dir.count_entries(), 0u);
}

// ---- .npy ----

TEST(IoNpy, RoundTripsEveryDtype) {
  TempDir dir;
  auto arrays = every_dtype();
  arrays["scalar"] = array(int64_t{-3});
  arrays["empty"] = zeros({2, 0}, float32);
  arrays["transposed"] = transpose(reshape(arange(24.0, float64), {2, 3, 4}));
  for (const auto& [name, a] : arrays) {
    SCOPED_TRACE(name);
    const auto path = dir.file(name + ".npy");
    save(path, a);
    auto b = load(path);
    EXPECT_FALSE(b.is_evaluated());
    EXPECT_TRUE(same_bits(b, a));
  }
}

TEST(IoNpy, WritesNumpyHeaders) {
  TempDir dir;
  save(dir.file("a"), reshape(arange(6.0, float32), {2, 3}));  // ".npy" is appended
  const auto bytes = read_bytes(dir.file("a.npy"));
  ASSERT_GE(bytes.size(), 64u + 24);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), std::string("\x93NUMPY\x01\x00", 8));
  const uint16_t hlen = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
  EXPECT_EQ((10 + hlen) % 64, 0);  // the data starts 64-byte aligned, as numpy writes it
  const std::string header(bytes.begin() + 10, bytes.begin() + 10 + hlen);
  EXPECT_THAT(header, ::testing::StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(bytes.size(), 10 + hlen + 24u);
  save(dir.file("b.npy"), array({1, 2, 3}));
  const auto b = read_bytes(dir.file("b.npy"));
  EXPECT_THAT(std::string(b.begin() + 10, b.end()),
              HasSubstr("'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"));
  save(dir.file("c.npy"), array(true));
  const auto c = read_bytes(dir.file("c.npy"));
  EXPECT_THAT(std::string(c.begin() + 10, c.end()),
              HasSubstr("'descr': '|b1', 'fortran_order': False, 'shape': (), }"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.npy.npy")));
}

TEST(IoNpy, ReadsOtherVersionsOrdersAndDescriptors) {
  TempDir dir;
  const auto six = raw(std::vector<int32_t>{0, 1, 2, 3, 4, 5});
  // Version 2.0 and 3.0 headers (4-byte lengths), double-quoted strings, no trailing comma.
  for (int major : {2, 3}) {
    write_bytes(dir.file("v.npy"), npy_file(major,
                                            R"({"descr": "<i4", "fortran_order": False, "shape": (2, 3)})"
                                            "\n",
                                            six));
    EXPECT_TRUE(same_bits(load(dir.file("v.npy")), reshape(arange(6), {2, 3}))) << major;
  }
  // Fortran order: column-major data, read back in the logical order.
  write_bytes(dir.file("f.npy"), npy_file(1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }\n", six));
  auto f = load(dir.file("f.npy"));
  EXPECT_EQ(f.shape(), (Shape{2, 3}));
  EXPECT_TRUE(same_bits(f, array(std::vector<int32_t>{0, 2, 4, 1, 3, 5}, {2, 3})));
  // '?' for bool, '=' for native order, '|' for single bytes; an odd header length copies rather than aliases.
  write_bytes(dir.file("q.npy"), npy_file(1, "{'descr': '?', 'fortran_order': False, 'shape': (2,)}", {1, 0}));
  EXPECT_TRUE(same_bits(load(dir.file("q.npy")), array(std::vector<bool>{true, false}, {2})));
  write_bytes(dir.file("e.npy"),
              npy_file(1, "{'descr': '=f8', 'fortran_order': False, 'shape': (1,)}", raw(std::vector<double>{2.5})));
  EXPECT_EQ(load(dir.file("e.npy")).item<double>(), 2.5);
  write_bytes(dir.file("u.npy"), npy_file(1, "{'descr': '>u1', 'fortran_order': False, 'shape': (1, 1)}", {9}));
  EXPECT_EQ(load(dir.file("u.npy")).item<int>(), 9);
  // bfloat16 as MLX writes it.
  save(dir.file("bf.npy"), array({1.0f, -2.0f}, bfloat16));
  EXPECT_THAT(std::string(read_bytes(dir.file("bf.npy")).data() + 10, 20), HasSubstr("'<V2'"));
  EXPECT_EQ(load(dir.file("bf.npy")).dtype(), bfloat16);
}

TEST(IoNpy, LoadingIsLazyAndZeroCopy) {
  TempDir dir;
  save(dir.file("a.npy"), astype(arange(100000), float32));
  const size_t before = get_active_memory();
  auto a = load(dir.file("a.npy"));
  a.eval();
  EXPECT_EQ(get_active_memory(), before);
  EXPECT_EQ(mapping_of(a.raw_data()), std::filesystem::canonical(dir.file("a.npy")).string());
  EXPECT_EQ(a.data<float>()[99999], 99999.0f);
}

TEST(IoNpy, MalformedFilesGiveClearErrors) {
  TempDir dir;
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const auto eight = std::vector<char>(8, 0);
  const auto v1 = npy_file(1, ok, eight);
  auto v4 = v1;
  v4[6] = 4;
  auto long_header = npy_file(2, ok, eight);
  long_header[10] = 0, long_header[11] = 1;  // 16 MiB
  struct Case {
    const char* what;
    std::vector<char> bytes;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"empty", {}, "not a .npy file (bad magic bytes)"},
      {"bad magic", bytes_of("\x93NUMPX\x01\x00\x00\x00"), "not a .npy file"},
      {"version 4", v4, "unsupported .npy format version 4.0"},
      {"header past the end", std::vector<char>(v1.begin(), v1.begin() + 20), "runs past the end of the file"},
      {"header too long", long_header, "larger than the limit of 1 MiB"},
      {"truncated data", npy_file(1, ok, {1, 2, 3}), "the data needs 8 bytes for shape (2,), but the file has 3"},
      {"not a dict", npy_file(1, "('descr', '<f4')", eight), "expected '{'"},
      {"unknown key", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", eight),
       "unexpected key 'x'"},
      {"missing key", npy_file(1, "{'descr': '<f4', 'shape': (2,)}", eight), "lacks one of"},
      {"bad bool", npy_file(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", eight),
       "'fortran_order' is neither True nor False"},
      {"bad shape", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}", eight),
       "not a tuple of non-negative integers"},
      {"unclosed shape", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2", eight), "malformed"},
      {"huge shape", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", eight),
       "too large"},
      {"huge product",
       npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", eight),
       "too many elements"},
      {"unterminated string", npy_file(1, "{'descr': '<f4", eight), "unterminated string"},
      {"trailing text", npy_file(1, ok + " x", eight), "trailing characters"},
      {"big-endian", npy_file(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,)}", eight),
       "big-endian data ('>f4') is not supported"},
      {"structured", npy_file(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", eight),
       "structured arrays are not supported"},
      {"object", npy_file(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,)}", eight),
       "the dtype descriptor '|O' is not supported"},
      {"complex128", npy_file(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", eight),
       "the dtype descriptor '<c16' is not supported"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto path = dir.file("bad.npy");
    write_bytes(path, c.bytes);
    const auto msg = runtime_error_of([&] { load(path); });
    EXPECT_THAT(msg, HasSubstr("[load] " + path + ": "));
    EXPECT_THAT(msg, HasSubstr(c.message));
  }
  EXPECT_THAT(runtime_error_of([&] { load(dir.file("missing.npy")); }), HasSubstr("cannot open"));
}

TEST(IoNpy, TruncatedFilesFailCleanly) {
  TempDir dir(/*in_memory=*/true);
  save(dir.file("good.npy"), reshape(arange(12), {3, 4}));
  const auto bytes = read_bytes(dir.file("good.npy"));
  const auto bad = dir.file("bad.npy");
  for (size_t n = 0; n < bytes.size(); ++n) {
    write_bytes(bad, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<int64_t>(n)));
    EXPECT_THAT(runtime_error_of([&] { load(bad); }), HasSubstr("[load] " + bad)) << n;
  }
  std::mt19937 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    auto b = bytes;
    const size_t at = rng() % 128;
    b[at] = static_cast<char>(b[at] ^ static_cast<char>(1 + rng() % 255));
    write_bytes(bad, b);
    try {
      load(bad).eval();
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), HasSubstr(bad));
    }
  }
}

TEST(IoNpy, SaveErrors) {
  TempDir dir;
  EXPECT_THAT(ingot::testing::error_of<std::exception>([&] { save(dir.file("x.npy"), array()); }),
              HasSubstr("[save] the array is an empty array handle"));
  EXPECT_THAT(runtime_error_of([&] { save(dir.file("no/dir/x.npy"), array({1})); }),
              HasSubstr("[save] cannot create a temporary file"));
}

// ---- compatibility with Hugging Face's safetensors library ----

// Driven by tests/python/safetensors_compat.py, which writes files with the `safetensors` package,
// runs this test with INGOT_SAFETENSORS_COMPAT_DIR set, and reads back what it writes. Skipped
// without that variable. The tensors are the same fixed table on both sides.
TEST(IoSafetensorsCompat, ReadsPythonFilesAndWritesForPython) {
  const char* env = std::getenv("INGOT_SAFETENSORS_COMPAT_DIR");
  if (!env) GTEST_SKIP() << "run by tests/python/safetensors_compat.py";
  const std::string dir = env;
  const std::vector<double> floats = {0.5, -1.25, 2.0, 1024.0, -0.0, 3.0};
  std::map<std::string, array> want = {
      {"t_bool", array(std::vector<bool>{true, false, false, true, true, false}, {2, 3})},
      {"t_u8", array(std::vector<uint8_t>{0, 1, 2, 254, 255, 7}, {2, 3}, uint8)},
      {"t_i8", array(std::vector<int8_t>{-128, -1, 0, 1, 127, 5}, {2, 3}, int8)},
      {"t_u16", array(std::vector<uint16_t>{0, 1, 65535, 300, 2, 9}, {2, 3}, uint16)},
      {"t_i16", array(std::vector<int16_t>{-32768, 32767, -1, 0, 5, 6}, {2, 3}, int16)},
      {"t_u32", array(std::vector<uint32_t>{0, 4294967295u, 1, 2, 3, 123456789u}, {2, 3}, uint32)},
      {"t_i32", array(std::vector<int32_t>{INT32_MIN, INT32_MAX, -1, 0, 1, 42}, {2, 3}, int32)},
      {"t_u64", array(std::vector<uint64_t>{0, UINT64_MAX, 1, uint64_t{1} << 63, 3, 4}, {2, 3}, uint64)},
      {"t_i64", array(std::vector<int64_t>{INT64_MIN, INT64_MAX, -1, 0, 1, 1234567890123}, {2, 3}, int64)},
      {"t_f16", array(floats, {2, 3}, float16)},
      {"t_bf16", array(floats, {2, 3}, bfloat16)},
      {"t_f32", array(floats, {2, 3}, float32)},
      {"t_f64", array(floats, {2, 3}, float64)},
      {"scalar", array(7.5f)},
      {"empty", zeros({0, 4}, int64)},
  };
  const std::unordered_map<std::string, std::string> meta = {{"framework", "ingot-compat"}, {"note", "h\xc3\xa9llo"}};
  // Every tensor, written by safetensors.serialize_file.
  auto [loaded, m] = load_safetensors(dir + "/from_python.safetensors");
  EXPECT_EQ(m, meta);
  ASSERT_EQ(loaded.size(), want.size());
  for (const auto& [name, a] : want) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(loaded.count(name));
    EXPECT_TRUE(same_bits(loaded.at(name), a));
  }
  // Those numpy has a dtype for, written by safetensors.numpy.save_file.
  auto numpy_made = load_safetensors(dir + "/from_python_numpy.safetensors").first;
  EXPECT_EQ(numpy_made.size(), want.size() - 1);
  for (const auto& [name, a] : numpy_made) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(want.count(name));
    EXPECT_TRUE(same_bits(a, want.at(name)));
  }
  // Back to Python: the loaded (memory-mapped) arrays, saved again.
  save_safetensors(dir + "/from_ingot.safetensors", loaded, meta);
}
