// Corrupt, truncated and hostile files: every one gives an exception or a valid function, never a
// crash. The test script also runs these under AddressSanitizer and UndefinedBehaviorSanitizer.
#include <gtest/gtest.h>

#include "export/format.h"
#include "export_test_util.h"

using namespace ingot;
using ingot::testing::import_and_run;
using ingot::testing::put_crc;
using ingot::testing::TempDir;

namespace {

// A file exercising several primitives, constants of two dtypes, two traces, kwargs and metadata.
std::string make_valid_file(const TempDir& dir) {
  auto path = dir.file("valid.ingot");
  auto w = array(std::vector<float>{0.5f, -1.0f, 2.0f, 0.25f, 3.0f, -0.5f}, {2, 3});
  auto idx = array({1, 0, 1});
  auto ex = exporter(path,
                     ArgsKwargsFunction([&](const Args& a, const Kwargs& k) {
                       auto h = matmul(a[0], w) + astype(idx, float32);
                       auto [q, r] = divmod(h, 2.0f);
                       return Args{sum(exp(q) * k.at("s"), 1), transpose(r), reshape(r, {-1})};
                     }),
                     false, Metadata{{"name", "hostile"}});
  ex({ones({4, 2})}, {{"s", array(2.0f)}});
  ex({ones({1, 2})}, {{"s", array(2.0f)}});
  ex.close();
  return path;
}

}  // namespace

TEST(ExportHostile, ValidFileWorks) {
  TempDir dir(/*in_memory=*/true);
  auto path = make_valid_file(dir);
  auto f = import_function(path);
  EXPECT_EQ(f.signatures().size(), 2u);
  auto out = f({ones({4, 2})}, {{"s", array(2.0f)}});
  EXPECT_EQ(out.size(), 3u);
}

TEST(ExportHostile, TruncatedAtEveryOffset) {
  TempDir dir(/*in_memory=*/true);
  const auto bytes = ingot::testing::read_bytes(make_valid_file(dir));
  const auto path = dir.file("cut.ingot");
  size_t refused = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    ingot::testing::write_bytes(path, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<long>(n)));
    try {
      import_function(path);
    } catch (const std::runtime_error&) {
      ++refused;
    }
  }
  EXPECT_EQ(refused, bytes.size());  // every proper prefix is refused: the sections no longer fit
}

TEST(ExportHostile, FlippedGraphBytesAreCaughtByTheChecksum) {
  TempDir dir(/*in_memory=*/true);
  const auto bytes = ingot::testing::read_bytes(make_valid_file(dir));
  format::Header h;
  std::memcpy(&h, bytes.data(), sizeof(h));
  const auto path = dir.file("flip.ingot");
  for (uint64_t i = h.graph_offset; i < h.graph_offset + h.graph_size; i += 7) {
    auto b = bytes;
    b[i] ^= 0x5A;
    ingot::testing::write_bytes(path, b);
    EXPECT_THROW(import_function(path), std::runtime_error) << "byte " << i;
  }
}

TEST(ExportHostile, FlippedGraphBytesWithAValidChecksum) {
  // A hostile writer can fix the checksum: then the verifier and the semantic checks must hold.
  TempDir dir(/*in_memory=*/true);
  const auto bytes = ingot::testing::read_bytes(make_valid_file(dir));
  format::Header h;
  std::memcpy(&h, bytes.data(), sizeof(h));
  const auto path = dir.file("flip.ingot");
  for (uint64_t i = h.graph_offset; i < h.graph_offset + h.graph_size; ++i) {
    for (uint8_t x : {0x01, 0x80, 0xFF}) {
      auto b = bytes;
      b[i] = static_cast<char>(b[i] ^ x);
      put_crc(b);
      ingot::testing::write_bytes(path, b);
      import_and_run(path);
    }
  }
}

TEST(ExportHostile, FlippedHeaderBytes) {
  TempDir dir(/*in_memory=*/true);
  const auto bytes = ingot::testing::read_bytes(make_valid_file(dir));
  const auto path = dir.file("flip.ingot");
  for (size_t i = 0; i < format::kHeaderSize; ++i) {
    for (uint8_t x : {0x01, 0x80, 0xFF}) {
      auto b = bytes;
      b[i] = static_cast<char>(b[i] ^ x);
      ingot::testing::write_bytes(path, b);
      import_and_run(path);
    }
  }
}
