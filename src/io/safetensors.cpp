// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
// ({"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
// "__metadata__": {"key": "value"}}), then the data; offsets are relative to the end of the header.
// Every field of a file being read is checked before use.
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/utils.h"
#include "ingot/io.h"
#include "ingot/transforms.h"
#include "io/file.h"

namespace ingot {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // as the reference implementation
constexpr size_t kMaxDims = 64;

struct DtypeName {
  const char* name;
  Dtype dtype;
};
constexpr DtypeName kDtypes[] = {
    {"BOOL", bool_},    {"U8", uint8},    {"I8", int8},     {"U16", uint16}, {"I16", int16},
    {"U32", uint32},    {"I32", int32},   {"U64", uint64},  {"I64", int64},  {"F16", float16},
    {"BF16", bfloat16}, {"F32", float32}, {"F64", float64}, {"C64", complex64},
};

const char* safetensors_name(Dtype t) {
  for (const auto& d : kDtypes)
    if (d.dtype == t) return d.name;
  return "?";
}

class Parser {
 public:
  explicit Parser(const std::string& path) : path_(path) {}

  SafetensorsLoad parse() {
    auto file = io::MappedFile::open(path_, "load_safetensors");
    const uint64_t size = file->size();
    if (size < 8)
      bad("too small to be a safetensors file (" + std::to_string(size) + " bytes, the header length alone takes 8).");
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(file->data()[i]) << (8 * i);
    if (n > kMaxHeaderBytes)
      bad("the header length " + std::to_string(n) + " is larger than the limit of 100000000 bytes.");
    if (n > size - 8)
      bad("the header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) +
          " bytes; truncated?).");
    const char* text = reinterpret_cast<const char*>(file->data() + 8);
    nlohmann::json header = nlohmann::json::parse(text, text + n, nullptr, /*allow_exceptions=*/false);
    if (header.is_discarded()) bad("the header is not valid JSON.");
    if (!header.is_object()) bad("the header is not a JSON object.");
    const uint64_t data_start = 8 + n, data_size = size - data_start;

    SafetensorsLoad out;
    struct Range {
      uint64_t begin, end;
      const std::string* name;
    };
    std::vector<Range> ranges;
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        read_metadata(entry, out.second);
        continue;
      }
      const std::string what = "tensor '" + name + "'";
      if (!entry.is_object()) bad(what + " is not described by a JSON object.");
      const Dtype dtype = read_dtype(entry, what);
      const Shape shape = read_shape(entry, what, data_size / size_of(dtype));
      const auto offsets = entry.find("data_offsets");
      if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
          !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
        bad(what + " needs \"data_offsets\": a list of two non-negative integers.");
      const uint64_t begin = (*offsets)[0].get<uint64_t>(), end = (*offsets)[1].get<uint64_t>();
      if (begin > end)
        bad(what + " has data offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
            "] that run backwards.");
      if (end > data_size)
        bad(what + " has data offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
            "] past the end of the data (" + std::to_string(data_size) + " bytes; truncated?).");
      int64_t count = 1;
      for (auto d : shape) count *= d;  // bounded by read_shape
      const uint64_t nbytes = static_cast<uint64_t>(count) * size_of(dtype);
      if (end - begin != nbytes)
        bad(what + " of dtype " + safetensors_name(dtype) + " and shape " + shape_str(shape) + " needs " +
            std::to_string(nbytes) + " bytes, but its data offsets [" + std::to_string(begin) + ", " +
            std::to_string(end) + "] hold " + std::to_string(end - begin) + ".");
      auto [it, fresh] = out.first.emplace(name, io::load_array(file, data_start + begin, dtype, shape));
      ranges.push_back({begin, end, &it->first});
    }
    // Tensors may not share bytes (empty ones take none).
    std::sort(ranges.begin(), ranges.end(),
              [](const Range& a, const Range& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    const Range* prev = nullptr;
    for (const auto& r : ranges) {
      if (r.begin == r.end) continue;
      if (prev && r.begin < prev->end) bad("tensors '" + *prev->name + "' and '" + *r.name + "' overlap in the data.");
      prev = &r;
    }
    return out;
  }

 private:
  [[noreturn]] void bad(const std::string& why) const {
    throw std::runtime_error("[load_safetensors] " + path_ + ": " + why);
  }

  void read_metadata(const nlohmann::json& m, std::unordered_map<std::string, std::string>& out) const {
    if (m.is_null()) return;  // MLX writes null when there is no metadata
    if (!m.is_object()) bad("\"__metadata__\" is not a JSON object.");
    for (const auto& [k, v] : m.items()) {
      if (!v.is_string()) bad("the metadata value of '" + k + "' is not a string.");
      out.emplace(k, v.get<std::string>());
    }
  }

  Dtype read_dtype(const nlohmann::json& entry, const std::string& what) const {
    const auto it = entry.find("dtype");
    if (it == entry.end() || !it->is_string()) bad(what + " needs \"dtype\": a string.");
    const auto& s = it->get_ref<const std::string&>();
    for (const auto& d : kDtypes)
      if (s == d.name) return d.dtype;
    bad(what + " has the unsupported dtype '" + s.substr(0, 32) + "'.");
  }

  // No tensor holds more elements than the data has room for (`limit`), so sizes cannot overflow.
  Shape read_shape(const nlohmann::json& entry, const std::string& what, uint64_t limit) const {
    const auto it = entry.find("shape");
    if (it == entry.end() || !it->is_array()) bad(what + " needs \"shape\": a list of non-negative integers.");
    if (it->size() > kMaxDims) bad(what + " has " + std::to_string(it->size()) + " dimensions (the limit is 64).");
    // The product of the non-zero dimensions is capped too, so that strides cannot overflow.
    constexpr uint64_t kMaxProduct = uint64_t{1} << 48;
    Shape shape;
    uint64_t product = 1;
    for (const auto& d : *it) {
      if (!d.is_number_unsigned()) bad(what + " has a dimension that is not a non-negative integer.");
      const uint64_t v = d.get<uint64_t>();
      if (v != 0 && product > kMaxProduct / v) bad(what + " has a shape with too many elements.");
      if (v != 0) product *= v;
      shape.push_back(static_cast<int64_t>(v));
    }
    const bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
    if (!empty && product > limit)
      bad(what + " has more elements (" + std::to_string(product) + ") than the file has data for.");
    return shape;
  }

  std::string path_;
};

}  // namespace

SafetensorsLoad load_safetensors(const std::string& path) { return Parser(path).parse(); }

void save_safetensors(const std::string& path, const std::unordered_map<std::string, array>& arrays,
                      const std::unordered_map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, array>> items;
  for (const auto& [name, a] : arrays) {
    if (!a.valid()) fail("save_safetensors", "the array '", name, "' is an empty array handle.");
    if (name == "__metadata__") fail("save_safetensors", "'__metadata__' is reserved and cannot name a tensor.");
    items.emplace_back(name, a);
  }
  // Larger items first: every tensor then starts aligned for its dtype (the data starts 8-aligned).
  std::sort(items.begin(), items.end(), [](const auto& x, const auto& y) {
    const size_t a = x.second.itemsize(), b = y.second.itemsize();
    return a != b ? a > b : x.first < y.first;
  });
  Arrays values;
  for (auto& [name, a] : items) values.push_back(a);
  eval(values);

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    std::map<std::string, std::string> sorted(metadata.begin(), metadata.end());
    header["__metadata__"] = sorted;
  }
  uint64_t offset = 0;
  for (const auto& [name, a] : items) {
    header[name] = {
        {"dtype", safetensors_name(a.dtype())}, {"shape", a.shape()}, {"data_offsets", {offset, offset + a.nbytes()}}};
    offset += a.nbytes();
  }
  std::string text = header.dump();
  text.append((8 - (text.size() % 8)) % 8, ' ');
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * i));

  io::AtomicWriter w(path, "save_safetensors");
  w.write(len, 8);
  w.write(text.data(), text.size());
  for (const auto& [name, a] : items) w.write_array(a);
  w.commit();
}

}  // namespace ingot
