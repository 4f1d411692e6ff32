// The .npy format (numpy's NEP 1): "\x93NUMPY", major and minor version bytes, the header length
// (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), then a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces and a newline, then
// the data. The header of a file being read is parsed by hand, and every field checked.
#include <cctype>
#include <cstring>
#include <stdexcept>

#include "core/utils.h"
#include "ingot/io.h"
#include "ingot/ops.h"
#include "io/file.h"

namespace ingot {

namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr uint64_t kMaxHeaderBytes = 1 << 20;
constexpr size_t kMaxDims = 64;

// The descriptor numpy writes for each dtype; bfloat16 has none, and MLX writes '<V2' for it.
const char* descr_of(Dtype t) {
  switch (t) {
    case bool_:
      return "|b1";
    case uint8:
      return "|u1";
    case uint16:
      return "<u2";
    case uint32:
      return "<u4";
    case uint64:
      return "<u8";
    case int8:
      return "|i1";
    case int16:
      return "<i2";
    case int32:
      return "<i4";
    case int64:
      return "<i8";
    case float16:
      return "<f2";
    case bfloat16:
      return "<V2";
    case float32:
      return "<f4";
    case float64:
      return "<f8";
    case complex64:
      return "<c8";
  }
  return "";
}

class HeaderParser {
 public:
  HeaderParser(const std::string& path, const char* p, size_t n) : path_(path), p_(p), end_(p + n) {}

  struct Result {
    std::string descr;
    bool fortran = false;
    Shape shape;
  };

  Result parse() {
    Result r;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_space();
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal();
      skip_space();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"')
          bad("the 'descr' field is not a plain type string (structured arrays are not supported).");
        r.descr = string_literal(), have_descr = true;
      } else if (key == "fortran_order") {
        r.fortran = boolean(), have_order = true;
      } else if (key == "shape") {
        r.shape = tuple(), have_shape = true;
      } else {
        bad("the header has the unexpected key '" + key.substr(0, 32) + "'.");
      }
      skip_space();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      if (peek() != '}') bad("the header dictionary is malformed.");
    }
    ++p_;
    skip_space();
    if (p_ != end_) bad("the header has trailing characters after the dictionary.");
    if (!have_descr || !have_order || !have_shape) bad("the header lacks one of 'descr', 'fortran_order' and 'shape'.");
    return r;
  }

 private:
  [[noreturn]] void bad(const std::string& why) const { throw std::runtime_error("[load] " + path_ + ": " + why); }
  char peek() const { return p_ < end_ ? *p_ : '\0'; }
  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  void expect(char c) {
    if (peek() != c) bad(std::string("the header is malformed (expected '") + c + "').");
    ++p_;
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') bad("the header is malformed (expected a quoted string).");
    ++p_;
    std::string s;
    while (p_ < end_ && *p_ != q) {
      if (*p_ == '\\') bad("the header has an escaped string, which no valid header needs.");
      s.push_back(*p_++);
    }
    if (p_ == end_) bad("the header has an unterminated string.");
    ++p_;
    return s;
  }
  bool boolean() {
    auto take = [&](const char* word) {
      const size_t n = std::strlen(word);
      if (static_cast<size_t>(end_ - p_) >= n && std::memcmp(p_, word, n) == 0) return p_ += n, true;
      return false;
    };
    if (take("True")) return true;
    if (take("False")) return false;
    bad("'fortran_order' is neither True nor False.");
  }
  Shape tuple() {
    expect('(');
    Shape s;
    uint64_t product = 1;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        bad("the 'shape' field is not a tuple of non-negative integers.");
      uint64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        v = v * 10 + static_cast<uint64_t>(*p_++ - '0');
        if (v > (uint64_t{1} << 48)) bad("the 'shape' field has a dimension that is too large.");
      }
      if (peek() == 'L') ++p_;  // Python 2 long literals
      if (v != 0 && product > (uint64_t{1} << 48) / v) bad("the 'shape' field has too many elements.");
      if (v != 0) product *= v;
      s.push_back(static_cast<int64_t>(v));
      if (s.size() > kMaxDims) bad("the 'shape' field has more than 64 dimensions.");
      skip_space();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      if (peek() != ')') bad("the 'shape' field is malformed.");
    }
    ++p_;
    return s;
  }

  const std::string& path_;
  const char* p_;
  const char* end_;
};

Dtype parse_descr(const std::string& d, const std::string& path) {
  auto bad = [&](const std::string& why) { throw std::runtime_error("[load] " + path + ": " + why); };
  std::string s = d;
  char order = '=';
  if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) order = s[0], s.erase(0, 1);
  if (s == "?") s = "b1";
  struct Row {
    const char* code;
    Dtype dtype;
  };
  static constexpr Row kRows[] = {{"b1", bool_},   {"u1", uint8},   {"u2", uint16},  {"u4", uint32}, {"u8", uint64},
                                  {"i1", int8},    {"i2", int16},   {"i4", int32},   {"i8", int64},  {"f2", float16},
                                  {"f4", float32}, {"f8", float64}, {"V2", bfloat16}, {"c8", complex64}};
  for (const auto& r : kRows) {
    if (s != r.code) continue;
    if (order == '>' && size_of(r.dtype) > 1) bad("big-endian data ('" + d + "') is not supported.");
    return r.dtype;
  }
  bad("the dtype descriptor '" + d.substr(0, 32) + "' is not supported.");
  return float32;
}

}  // namespace

array load(const std::string& path) {
  auto file = io::MappedFile::open(path, "load");
  auto bad = [&](const std::string& why) { throw std::runtime_error("[load] " + path + ": " + why); };
  const uint8_t* b = file->data();
  const uint64_t size = file->size();
  if (size < 8 || std::memcmp(b, kMagic, 6) != 0) bad("not a .npy file (bad magic bytes).");
  const int major = b[6];
  if (major < 1 || major > 3)
    bad("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(b[7]) + ".");
  const uint64_t prefix = major == 1 ? 10 : 12;
  if (size < prefix) bad("the file ends inside the header (truncated?).");
  uint64_t hlen = b[8] | (static_cast<uint64_t>(b[9]) << 8);
  if (major > 1) hlen |= (static_cast<uint64_t>(b[10]) << 16) | (static_cast<uint64_t>(b[11]) << 24);
  if (hlen > kMaxHeaderBytes) bad("the header length " + std::to_string(hlen) + " is larger than the limit of 1 MiB.");
  if (hlen > size - prefix)
    bad("the header length " + std::to_string(hlen) + " runs past the end of the file (truncated?).");
  auto h = HeaderParser(path, reinterpret_cast<const char*>(b + prefix), hlen).parse();
  const Dtype dtype = parse_descr(h.descr, path);
  const uint64_t data_start = prefix + hlen;
  int64_t count = 1;
  for (auto d : h.shape) count *= d;  // the parser capped the product
  const uint64_t nbytes = static_cast<uint64_t>(count) * size_of(dtype);
  if (nbytes > size - data_start)
    bad("the data needs " + std::to_string(nbytes) + " bytes for shape " + shape_str(h.shape) + ", but the file has " +
        std::to_string(size - data_start) + " after the header (truncated?).");
  if (!h.fortran) return io::load_array(std::move(file), data_start, dtype, h.shape);
  // Fortran order is the reversed shape in C order, transposed back.
  Shape reversed(h.shape.rbegin(), h.shape.rend());
  return transpose(io::load_array(std::move(file), data_start, dtype, reversed));
}

void save(const std::string& path, const array& a) {
  if (!a.valid()) fail("save", "the array is an empty array handle.");
  std::string file = path;
  if (file.size() < 4 || file.compare(file.size() - 4, 4, ".npy") != 0) file += ".npy";
  array v = a;
  v.eval();
  std::string shape = "(";  // Python's tuple syntax: (), (3,), (2, 3)
  for (int i = 0; i < v.ndim(); ++i) shape += (i ? ", " : "") + std::to_string(v.shape()[i]);
  shape += v.ndim() == 1 ? ",)" : ")";
  std::string header =
      std::string("{'descr': '") + descr_of(v.dtype()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // numpy pads the header with spaces and a final newline so that the data starts 64-byte aligned.
  uint64_t prefix = 10;
  if (header.size() + 1 + prefix > 65535) prefix = 12;
  const size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header.push_back('\n');
  std::vector<uint8_t> pre(kMagic, kMagic + 6);
  pre.push_back(prefix == 10 ? 1 : 2);
  pre.push_back(0);
  const uint64_t hlen = header.size();
  for (uint64_t i = 0; i < prefix - 8; ++i) pre.push_back(static_cast<uint8_t>(hlen >> (8 * i)));

  io::AtomicWriter w(file, "save");
  w.write(pre.data(), pre.size());
  w.write(header.data(), header.size());
  w.write_array(v);
  w.commit();
}

}  // namespace ingot
