// The serialized form of a primitive's state(): a sequence of tagged fields.
// The encoding is specified in docs/format.md ("Primitive state"); every read is bounds-checked.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ingot/dtype.h"

namespace ingot {

enum class StateTag : uint8_t { boolean = 1, integer = 2, real = 3, dtype = 4, string = 5, list = 6 };

inline constexpr uint32_t kMaxStateListLength = 1u << 20;

class StateWriter {
 public:
  void write(bool v) { tag(StateTag::boolean), bytes_.push_back(v ? 1 : 0); }
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  void write(T v) { tag(StateTag::integer), put(static_cast<uint64_t>(static_cast<int64_t>(v)), 8); }
  void write(float v) { write(static_cast<double>(v)); }
  void write(double v) {
    tag(StateTag::real);
    uint64_t u;
    std::memcpy(&u, &v, 8);
    put(u, 8);
  }
  void write(Dtype v) { tag(StateTag::dtype), bytes_.push_back(static_cast<uint8_t>(v)); }
  void write(const std::string& v) {
    tag(StateTag::string), put(v.size(), 4);
    bytes_.insert(bytes_.end(), v.begin(), v.end());
  }
  template <typename T>
  void write(const std::vector<T>& v) {
    tag(StateTag::list), put(v.size(), 4);
    for (const auto& x : v) write(x);
  }
  template <typename... T>
  void write_all(const std::tuple<T...>& t) {
    std::apply([this](const auto&... f) { (write(f), ...); }, t);
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  void tag(StateTag t) { bytes_.push_back(static_cast<uint8_t>(t)); }
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> bytes_;
};

// Reads fields back; any mismatch throws std::runtime_error naming the primitive.
class StateReader {
 public:
  // `version`: the state layout version the writer recorded (0: the reading class's own).
  StateReader(const uint8_t* data, size_t size, std::string context, int version = 0)
      : p_(data), end_(data + size), context_(std::move(context)), version_(version) {}
  int version() const { return version_; }

  void read(bool& v) {
    expect(StateTag::boolean);
    uint8_t b = take(1);
    if (b > 1) fail("a boolean field holds " + std::to_string(b));
    v = b != 0;
  }
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  void read(T& v) {
    expect(StateTag::integer);
    int64_t x = static_cast<int64_t>(take(8));
    if constexpr (std::is_unsigned_v<T>) {
      if (x < 0 || static_cast<uint64_t>(x) > std::numeric_limits<T>::max()) fail("integer field out of range");
    } else {
      if (x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max()) fail("integer field out of range");
    }
    v = static_cast<T>(x);
  }
  void read(double& v) {
    expect(StateTag::real);
    uint64_t u = take(8);
    std::memcpy(&v, &u, 8);
  }
  void read(float& v) {
    double d;
    read(d);
    v = static_cast<float>(d);
  }
  void read(Dtype& v) {
    expect(StateTag::dtype);
    uint8_t c = static_cast<uint8_t>(take(1));
    if (!is_valid_dtype_code(c)) fail("unknown dtype code " + std::to_string(c));
    v = static_cast<Dtype>(c);
  }
  void read(std::string& v) {
    expect(StateTag::string);
    uint64_t n = take(4);
    if (n > static_cast<uint64_t>(end_ - p_)) fail("string field runs past the end of the state");
    v.assign(reinterpret_cast<const char*>(p_), n);
    p_ += n;
  }
  template <typename T>
  void read(std::vector<T>& v) {
    expect(StateTag::list);
    uint64_t n = take(4);
    // every element takes at least two bytes, so a count larger than what is left is a lie
    if (n > kMaxStateListLength || n > static_cast<uint64_t>(end_ - p_)) fail("list field too long");
    v.resize(n);
    for (auto& x : v) read(x);
  }
  template <typename... T>
  void read_all(std::tuple<T...>& t) {
    std::apply([this](auto&... f) { (read(f), ...); }, t);
  }
  void finish() const {
    if (p_ != end_) fail("unexpected trailing bytes");
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("[import] invalid state for " + context_ + ": " + what + ".");
  }

 private:
  void expect(StateTag t) {
    uint8_t got = static_cast<uint8_t>(take(1));
    if (got != static_cast<uint8_t>(t))
      fail("expected field tag " + std::to_string(static_cast<int>(t)) + ", found " + std::to_string(got));
  }
  uint64_t take(int n) {
    if (end_ - p_ < n) fail("truncated");
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += n;
    return v;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  std::string context_;
  int version_ = 0;
};

}  // namespace ingot
