// Helpers shared by the export tests.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "export/format.h"
#include "ingot/ingot.h"
#include "test_util.h"

namespace ingot::testing {

// A fresh directory under the system temporary directory (or, for tests that write thousands of
// small files, a memory file system when there is one), removed afterwards.
class TempDir {
 public:
  explicit TempDir(bool in_memory = false) {
    std::random_device rd;
    std::error_code ec;
    auto base = in_memory && std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                                            : std::filesystem::temp_directory_path();
    path_ = base / ("ingot_test_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  size_t count_entries() const {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(path_), {}));
  }

 private:
  std::filesystem::path path_;
};

inline std::vector<char> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(f), {});
}

inline void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The path of the mapping in /proc/self/maps that contains p ("" if none).
inline std::string mapping_of(const void* p) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto addr = reinterpret_cast<uintptr_t>(p);
  while (std::getline(maps, line)) {
    std::istringstream is(line);
    std::string range, perms, offset, dev, inode, path;
    is >> range >> perms >> offset >> dev >> inode;
    std::getline(is >> std::ws, path);
    const auto dash = range.find('-');
    const uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16),
                    hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (addr >= lo && addr < hi) return path;
  }
  return "";
}

// Sets the header's graph checksum to that of the graph section, as a hostile writer can, so that the
// reader's later checks see an edit of the graph.
inline void put_crc(std::vector<char>& bytes) {
  format::Header h;
  std::memcpy(&h, bytes.data(), sizeof(h));
  if (h.graph_offset + h.graph_size > bytes.size()) return;
  h.graph_crc32 = format::crc32(bytes.data() + h.graph_offset, h.graph_size);
  std::memcpy(bytes.data(), &h, sizeof(h));
}

// Imports and, when that succeeds, runs every trace on zeros of its signature: either must throw a
// std::exception (whose message it returns) or work ("").
inline std::string import_and_run(const std::string& path) {
  try {
    auto f = import_function(path);
    for (const auto& sig : f.signatures()) {
      Args args;
      for (const auto& s : sig.args) args.push_back(zeros(s.shape, s.dtype));
      Kwargs kwargs;
      for (const auto& [k, s] : sig.kwargs) kwargs.emplace(k, zeros(s.shape, s.dtype));
      auto out = f(args, kwargs);
      eval(out);
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Same dtype, shape and bytes (NaNs with equal bits compare equal).
inline ::testing::AssertionResult same_bits(array a, array b) {
  a.eval();
  b.eval();
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure() << "dtype/shape differ: " << a.dtype() << shape_str(a.shape()) << " vs "
                                         << b.dtype() << shape_str(b.shape());
  auto ca = copy(a), cb = copy(b);  // row-major whatever the layouts
  eval(ca, cb);
  if (std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) != 0) return ::testing::AssertionFailure() << "bytes differ";
  return ::testing::AssertionSuccess();
}

}  // namespace ingot::testing
