// The GGUF format (ggml's, docs/gguf.md in github.com/ggml-org/ggml), versions 2 and 3, little-endian:
// "GGUF", uint32 version, uint64 tensor count, uint64 metadata count; each metadata entry as a string
// key, a uint32 value type and the value; each tensor as a string name, uint32 n_dims, n_dims uint64
// dimensions innermost first, a uint32 type and a uint64 offset into the data; padding to the alignment
// (the uint32 "general.alignment", 32 when absent); the data. A string is a uint64 length and its bytes;
// an array value is a uint32 element type, a uint64 count and the elements.
// Every count, length, offset and dimension of a file being read is checked against the bytes left
// before it is used, so a small file can neither read out of bounds nor ask for a large allocation.
#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <type_traits>

#include "core/utils.h"
#include "cpu/copy.h"
#include "ingot/io.h"
#include "ingot/ops.h"
#include "ingot/transforms.h"
#include "io/file.h"
#include "io/gguf_blocks.h"

namespace ingot {

namespace {

constexpr uint8_t kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr uint32_t kDefaultAlignment = 32;
constexpr uint64_t kMaxNameBytes = 65535;  // the specification's limit for keys; names get the same
constexpr uint32_t kMaxDims = 8;
constexpr uint64_t kMaxElements = uint64_t{1} << 48;  // of the non-zero dimensions, so strides cannot overflow

// ---- tensor types ----
enum class Loading { kUnsupported, kPlain, kToFloat16, kAffine };

struct TensorType {
  uint32_t code;
  const char* name;
  Loading loading;
  uint64_t block_values = 1, block_bytes = 0;
  Dtype dtype = float16;  // what kPlain and kToFloat16 give
  const io::BlockDecoder* decoder = nullptr;
  const io::gguf::AffineDecoders* affine = nullptr;
};

// Every type ggml has named, so that an error can name the type of a file; codes never change.
const TensorType kTensorTypes[] = {
    {0, "F32", Loading::kPlain, 1, 4, float32},
    {1, "F16", Loading::kPlain, 1, 2, float16},
    {2, "Q4_0", Loading::kAffine, 32, 18, uint32, nullptr, &io::gguf::kQ4_0},
    {3, "Q4_1", Loading::kAffine, 32, 20, uint32, nullptr, &io::gguf::kQ4_1},
    {4, "Q4_2", Loading::kUnsupported},
    {5, "Q4_3", Loading::kUnsupported},
    {6, "Q5_0", Loading::kUnsupported},
    {7, "Q5_1", Loading::kUnsupported},
    {8, "Q8_0", Loading::kAffine, 32, 34, uint32, nullptr, &io::gguf::kQ8_0},
    {9, "Q8_1", Loading::kUnsupported},
    {10, "Q2_K", Loading::kToFloat16, 256, 84, float16, &io::gguf::kQ2_KToFloat16},
    {11, "Q3_K", Loading::kUnsupported},
    {12, "Q4_K", Loading::kToFloat16, 256, 144, float16, &io::gguf::kQ4_KToFloat16},
    {13, "Q5_K", Loading::kUnsupported},
    {14, "Q6_K", Loading::kToFloat16, 256, 210, float16, &io::gguf::kQ6_KToFloat16},
    {15, "Q8_K", Loading::kUnsupported},
    {16, "IQ2_XXS", Loading::kUnsupported},
    {17, "IQ2_XS", Loading::kUnsupported},
    {18, "IQ3_XXS", Loading::kUnsupported},
    {19, "IQ1_S", Loading::kUnsupported},
    {20, "IQ4_NL", Loading::kUnsupported},
    {21, "IQ3_S", Loading::kUnsupported},
    {22, "IQ2_S", Loading::kUnsupported},
    {23, "IQ4_XS", Loading::kUnsupported},
    {24, "I8", Loading::kPlain, 1, 1, int8},
    {25, "I16", Loading::kPlain, 1, 2, int16},
    {26, "I32", Loading::kPlain, 1, 4, int32},
    {27, "I64", Loading::kPlain, 1, 8, int64},
    {28, "F64", Loading::kPlain, 1, 8, float64},
    {29, "IQ1_M", Loading::kUnsupported},
    {30, "BF16", Loading::kToFloat16, 1, 2, float16, &io::gguf::kBF16ToFloat16},
    {31, "Q4_0_4_4", Loading::kUnsupported},
    {32, "Q4_0_4_8", Loading::kUnsupported},
    {33, "Q4_0_8_8", Loading::kUnsupported},
    {34, "TQ1_0", Loading::kUnsupported},
    {35, "TQ2_0", Loading::kUnsupported},
    {36, "IQ4_NL_4_4", Loading::kUnsupported},
    {37, "IQ4_NL_4_8", Loading::kUnsupported},
    {38, "IQ4_NL_8_8", Loading::kUnsupported},
    {39, "MXFP4", Loading::kUnsupported},
};

const TensorType* tensor_type(uint32_t code) {
  for (const auto& t : kTensorTypes)
    if (t.code == code) return &t;
  return nullptr;
}

// The type save_gguf writes for a dtype (MLX's choice), or nullptr.
const TensorType* tensor_type_of(Dtype dtype) {
  for (uint32_t code : {0u, 1u, 24u, 25u, 26u})  // F32, F16, I8, I16, I32
    if (tensor_type(code)->dtype == dtype) return tensor_type(code);
  return nullptr;
}

// ---- metadata value types (the format's codes, written out: they never change) ----
enum ValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

struct NumberType {
  uint32_t code;
  uint64_t size;
  Dtype stored;  // as it lies in the file (bool as its byte)
  Dtype loaded;  // what MLX gives: FLOAT64 as float32
};
constexpr NumberType kNumberTypes[] = {
    {kUint8, 1, uint8, uint8},    {kInt8, 1, int8, int8},    {kUint16, 2, uint16, uint16},    {kInt16, 2, int16, int16},
    {kUint32, 4, uint32, uint32}, {kInt32, 4, int32, int32}, {kFloat32, 4, float32, float32}, {kBool, 1, uint8, bool_},
    {kUint64, 8, uint64, uint64}, {kInt64, 8, int64, int64}, {kFloat64, 8, float64, float32},
};

const NumberType* number_type(uint32_t code) {
  for (const auto& t : kNumberTypes)
    if (t.code == code) return &t;
  return nullptr;
}

// The metadata type save_gguf writes for an array's dtype (MLX's set), or nullptr.
const NumberType* number_type_of(Dtype dtype) {
  for (const auto& t : kNumberTypes)
    if (t.loaded == dtype && t.code != kFloat64) return &t;
  return nullptr;
}

bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

uint64_t align_up(uint64_t v, uint64_t alignment) { return (v + alignment - 1) / alignment * alignment; }

// ---- reading ----
class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {}

  GGUFLoad read() {
    file_ = io::MappedFile::open(path_, "load_gguf");
    data_ = file_->data(), size_ = file_->size();
    if (size_ < 4 || std::memcmp(data_, kMagic, 4) != 0) bad("not a GGUF file (it does not start with \"GGUF\").");
    pos_ = 4;
    const uint32_t version = u32("the version");
    if (version != 2 && version != 3) {
      const uint32_t swapped = __builtin_bswap32(version);
      if (swapped == 2 || swapped == 3) bad("a big-endian GGUF file; only little-endian files are supported.");
      bad("GGUF version " + std::to_string(version) + " is not supported (versions 2 and 3 are).");
    }
    const uint64_t n_tensors = u64("the tensor count"), n_meta = u64("the metadata count");
    // The smallest metadata entry takes 13 bytes (empty key, type, a one-byte value), the smallest
    // tensor info 24 (empty name, no dimensions, type, offset).
    if (n_meta > left() / 13)
      bad("the header counts " + std::to_string(n_meta) + " metadata entries, more than the file's " +
          std::to_string(size_) + " bytes can hold (truncated or corrupt?).");
    if (n_tensors > left() / 24)
      bad("the header counts " + std::to_string(n_tensors) + " tensors, more than the file's " + std::to_string(size_) +
          " bytes can hold (truncated or corrupt?).");

    GGUFLoad out;
    for (uint64_t i = 0; i < n_meta; ++i) {
      std::string key = string(kMaxNameBytes, [&] { return "the key of metadata entry " + std::to_string(i); });
      const uint32_t type = u32("the value type of metadata '" + key + "'");
      GGUFMetaData value = read_value(type, key);
      if (key == "general.alignment") set_alignment(value);
      if (out.second.count(key)) bad("the metadata key '" + key + "' appears twice.");
      out.second.emplace(std::move(key), std::move(value));
    }

    std::vector<TensorInfo> infos;
    for (uint64_t i = 0; i < n_tensors; ++i) infos.push_back(read_tensor_info(i));
    const uint64_t data_start = align_up(pos_, alignment_);
    for (const auto& t : infos) add_tensor(t, data_start, out.first);
    return out;
  }

 private:
  struct TensorInfo {
    std::string name;
    Shape shape;  // outermost first
    const TensorType* type;
    uint64_t offset, nbytes;
  };

  [[noreturn]] void bad(const std::string& why) const { throw std::runtime_error("[load_gguf] " + path_ + ": " + why); }

  uint64_t left() const { return size_ - pos_; }

  // Fails unless n more bytes remain; `what` (a string, or a function giving one) names what is read.
  template <typename What>
  void need(uint64_t n, const What& what) const {
    if (n <= left()) return;
    std::string w;
    if constexpr (std::is_invocable_v<What>)
      w = what();
    else
      w = what;
    bad("the file ends inside " + w + " (at byte " + std::to_string(pos_) + ", " + std::to_string(n) +
        " bytes needed, " + std::to_string(left()) + " left; truncated?).");
  }

  const uint8_t* take(uint64_t n) {
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }

  template <typename T, typename What>
  T number(const What& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  template <typename What>
  uint32_t u32(const What& what) {
    return number<uint32_t>(what);
  }
  template <typename What>
  uint64_t u64(const What& what) {
    return number<uint64_t>(what);
  }

  template <typename What>
  std::string string(uint64_t max_bytes, const What& what) {
    const uint64_t n = u64(what);
    if (n > max_bytes) {
      std::string w;
      if constexpr (std::is_invocable_v<What>)
        w = what();
      else
        w = what;
      bad(w + " is " + std::to_string(n) + " bytes long, longer than the limit of " + std::to_string(max_bytes) + ".");
    }
    need(n, what);
    const char* p = reinterpret_cast<const char*>(take(n));
    return std::string(p, n);
  }

  // `count` numbers of `type` from the file, as a 1-d array (or 0-d when `scalar`).
  array numbers(const NumberType& type, uint64_t count, bool scalar, const std::string& key) {
    need(count * type.size, [&] { return "the value of metadata '" + key + "'"; });  // count is bounded first
    // Copied to aligned memory first: values in the file may lie at any byte.
    std::vector<uint64_t> aligned((count * type.size + 7) / 8);
    if (count > 0) std::memcpy(aligned.data(), take(count * type.size), count * type.size);
    return array(aligned.data(), type.stored, scalar ? Shape{} : Shape{static_cast<int64_t>(count)}, type.loaded);
  }

  GGUFMetaData read_value(uint32_t type, const std::string& key) {
    if (const NumberType* t = number_type(type)) return numbers(*t, 1, true, key);
    if (type == kString) return string(UINT64_MAX, [&] { return "the value of metadata '" + key + "'"; });
    if (type != kArray) bad("metadata '" + key + "' has the unknown value type " + std::to_string(type) + ".");
    const uint32_t element = u32([&] { return "the element type of metadata '" + key + "'"; });
    const uint64_t count = u64([&] { return "the length of metadata '" + key + "'"; });
    if (element == kArray) bad("metadata '" + key + "' is an array of arrays; nested arrays are not supported.");
    if (element == kString) {
      if (count > left() / 8)
        bad("metadata '" + key + "' counts " + std::to_string(count) + " strings, more than the " +
            std::to_string(left()) + " bytes left can hold (truncated or corrupt?).");
      std::vector<std::string> strings;
      strings.reserve(count);
      for (uint64_t i = 0; i < count; ++i)
        strings.push_back(
            string(UINT64_MAX, [&] { return "string " + std::to_string(i) + " of metadata '" + key + "'"; }));
      return strings;
    }
    const NumberType* t = number_type(element);
    if (!t) bad("metadata '" + key + "' is an array of the unknown value type " + std::to_string(element) + ".");
    if (count > left() / t->size)
      bad("metadata '" + key + "' counts " + std::to_string(count) + " elements of " + std::to_string(t->size) +
          " bytes, more than the " + std::to_string(left()) + " bytes left (truncated or corrupt?).");
    return numbers(*t, count, false, key);
  }

  void set_alignment(const GGUFMetaData& value) {
    const array* a = std::get_if<array>(&value);
    if (!a || a->ndim() != 0 || a->dtype() != uint32) bad("\"general.alignment\" is not a uint32.");
    const uint32_t v = array(*a).item<uint32_t>();
    if (!is_power_of_two(v)) bad("\"general.alignment\" is " + std::to_string(v) + ", not a power of two.");
    alignment_ = v;
  }

  TensorInfo read_tensor_info(uint64_t i) {
    TensorInfo t;
    t.name = string(kMaxNameBytes, [&] { return "the name of tensor " + std::to_string(i); });
    const std::string what = "tensor '" + t.name + "'";
    const uint32_t ndim = u32("the dimension count of " + what);
    if (ndim > kMaxDims)
      bad(what + " has " + std::to_string(ndim) + " dimensions (the limit is " + std::to_string(kMaxDims) + ").");
    need(uint64_t{8} * ndim, "the dimensions of " + what);
    std::vector<uint64_t> dims(ndim);
    uint64_t product = 1;  // of the non-zero dimensions
    bool empty = false;
    for (auto& d : dims) {
      d = u64("");  // in bounds: checked above
      if (d == 0)
        empty = true;
      else if (product > kMaxElements / d)
        bad(what + " has a shape with too many elements (the limit is 2^48).");
      else
        product *= d;
    }
    const uint32_t code = u32("the type of " + what);
    t.offset = u64("the data offset of " + what);
    t.type = tensor_type(code);
    if (!t.type) bad(what + " has the unknown tensor type " + std::to_string(code) + ".");
    if (t.type->loading == Loading::kUnsupported)
      bad(what + " has the tensor type " + t.type->name + " (" + std::to_string(code) +
          "), which cannot be loaded (supported: F32, F16, BF16, I8, I16, I32, I64, F64, Q4_0, Q4_1, Q8_0, Q2_K, "
          "Q4_K, Q6_K).");
    const uint64_t block = t.type->block_values;
    if (block > 1 && (ndim == 0 || dims[0] % block != 0))
      bad(what + " of type " + t.type->name + " has rows of " + (ndim ? std::to_string(dims[0]) : "1") +
          " values, not a whole number of its blocks of " + std::to_string(block) + ".");
    const uint64_t count = empty ? 0 : product;
    t.nbytes = count / block * t.type->block_bytes;
    for (uint32_t j = ndim; j-- > 0;) t.shape.push_back(static_cast<int64_t>(dims[j]));
    return t;
  }

  void add_tensor(const TensorInfo& t, uint64_t data_start, std::unordered_map<std::string, array>& out) const {
    const std::string what = "tensor '" + t.name + "'";
    if (t.nbytes > 0) {
      const uint64_t data_size = data_start <= size_ ? size_ - data_start : 0;
      if (t.offset > data_size || t.nbytes > data_size - t.offset)
        bad(what + " has " + std::to_string(t.nbytes) + " bytes at data offset " + std::to_string(t.offset) +
            ", past the end of the data (" + std::to_string(data_size) + " bytes; truncated?).");
    }
    const uint64_t at = data_start + t.offset;
    const bool empty = t.nbytes == 0;
    auto part = [&](Dtype dtype, Shape shape, const io::BlockDecoder* decoder) {
      return empty ? zeros(shape, dtype) : io::load_array(file_, at, dtype, std::move(shape), decoder);
    };
    const TensorType& type = *t.type;
    if (type.loading != Loading::kAffine) {
      insert(out, t.name, part(type.dtype, t.shape, type.decoder), t.name);
      return;
    }
    // MLX's names: "x.weight" gives "x.weight", "x.scales" and "x.biases" (a name without ".weight" keeps
    // its whole self before the suffixes).
    const auto& affine = *type.affine;
    Shape w = t.shape, groups = t.shape;
    w.back() = w.back() * affine.bits / 32;
    groups.back() /= 32;
    std::string base = t.name;
    if (base.size() >= 7 && base.compare(base.size() - 7, 7, ".weight") == 0) base.resize(base.size() - 7);
    insert(out, t.name, part(uint32, w, affine.weights), t.name);
    insert(out, base + ".scales", part(float16, groups, affine.scales), t.name);
    insert(out, base + ".biases", part(float16, groups, affine.biases), t.name);
  }

  void insert(std::unordered_map<std::string, array>& out, const std::string& name, array a,
              const std::string& from) const {
    if (out.emplace(name, std::move(a)).second) return;
    if (name == from) bad("two tensors are named '" + name + "'.");
    bad("the quantized tensor '" + from + "' gives '" + name + "', which another tensor already gives.");
  }

  std::string path_;
  std::shared_ptr<const io::MappedFile> file_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0, pos_ = 0;
  uint64_t alignment_ = kDefaultAlignment;
};

// ---- writing ----
class Bytes {
 public:
  template <typename T>
  void number(T v) {
    const size_t n = buf_.size();
    buf_.resize(n + sizeof(T));
    std::memcpy(buf_.data() + n, &v, sizeof(T));
  }
  void raw(const void* p, size_t n) {
    buf_.insert(buf_.end(), static_cast<const char*>(p), static_cast<const char*>(p) + n);
  }
  void string(const std::string& s) {
    number<uint64_t>(s.size());
    raw(s.data(), s.size());
  }
  void pad_to(uint64_t alignment) { buf_.resize(align_up(buf_.size(), alignment), '\0'); }
  const std::vector<char>& bytes() const { return buf_; }

 private:
  std::vector<char> buf_;
};

void check_metadata(const std::string& key, const GGUFMetaData& value) {
  const array* a = std::get_if<array>(&value);
  if (std::holds_alternative<std::monostate>(value)) fail("save_gguf", "the metadata value of '", key, "' is empty.");
  if (a && !a->valid()) fail("save_gguf", "the metadata value of '", key, "' is an empty array handle.");
  if (!a) return;
  if (a->ndim() > 1)
    fail("save_gguf", "the metadata array '", key, "' has ", a->ndim(), " dimensions; GGUF holds numbers and lists.");
  if (a->ndim() == 1 && a->size() == 0) fail("save_gguf", "the metadata array '", key, "' is empty, as MLX refuses.");
  if (!number_type_of(a->dtype()))
    fail("save_gguf", "the metadata array '", key, "' has dtype ", a->dtype(),
         "; GGUF metadata holds bool, uint8 to uint64, int8 to int64 and float32.");
}

}  // namespace

GGUFLoad load_gguf(const std::string& path) { return Reader(path).read(); }

void save_gguf(const std::string& path, const std::unordered_map<std::string, array>& arrays,
               const std::unordered_map<std::string, GGUFMetaData>& metadata) {
  // Checked and evaluated before the file is created; written in name order, so the bytes are repeatable.
  std::map<std::string, array> tensors;
  Arrays values;
  for (const auto& [name, a] : arrays) {
    if (!a.valid()) fail("save_gguf", "the array '", name, "' is an empty array handle.");
    if (!tensor_type_of(a.dtype()))
      fail("save_gguf", "the array '", name, "' has dtype ", a.dtype(),
           ", which GGUF files do not hold here (float32, float16, int8, int16 and int32 are saved, as MLX).");
    if (a.ndim() > static_cast<int>(kMaxDims))
      fail("save_gguf", "the array '", name, "' has ", a.ndim(), " dimensions (the limit is ", kMaxDims, ").");
    tensors.emplace(name, a);
    values.push_back(a);
  }
  std::map<std::string, const GGUFMetaData*> meta;
  uint64_t alignment = kDefaultAlignment;
  for (const auto& [key, value] : metadata) {
    check_metadata(key, value);
    if (const array* a = std::get_if<array>(&value)) values.push_back(*a);
    meta.emplace(key, &value);
  }
  eval(values);
  if (auto it = meta.find("general.alignment"); it != meta.end()) {
    const array* a = std::get_if<array>(it->second);
    if (!a || a->ndim() != 0 || a->dtype() != uint32 || !is_power_of_two(array(*a).item<uint32_t>()))
      fail("save_gguf", "\"general.alignment\" must be a 0-d uint32 array holding a power of two.");
    alignment = array(*a).item<uint32_t>();
  }

  Bytes head;
  head.raw(kMagic, 4);
  head.number<uint32_t>(3);
  head.number<uint64_t>(tensors.size());
  head.number<uint64_t>(meta.size());
  for (const auto& [key, value] : meta) {
    head.string(key);
    if (const auto* s = std::get_if<std::string>(value)) {
      head.number<uint32_t>(kString);
      head.string(*s);
    } else if (const auto* list = std::get_if<std::vector<std::string>>(value)) {
      head.number<uint32_t>(kArray);
      head.number<uint32_t>(kString);
      head.number<uint64_t>(list->size());
      for (const auto& s : *list) head.string(s);
    } else {
      const array& a = std::get<array>(*value);
      const uint32_t code = number_type_of(a.dtype())->code;
      if (a.ndim() == 1) {
        head.number<uint32_t>(kArray);
        head.number<uint32_t>(code);
        head.number<uint64_t>(static_cast<uint64_t>(a.size()));
      } else {
        head.number<uint32_t>(code);
      }
      cpu::for_each_row_major_chunk(a, 1 << 20, [&](const void* p, size_t n) { head.raw(p, n); });
    }
  }
  uint64_t offset = 0;
  for (const auto& [name, a] : tensors) {
    head.string(name);
    head.number<uint32_t>(static_cast<uint32_t>(a.ndim()));
    for (int j = a.ndim() - 1; j >= 0; --j) head.number<uint64_t>(static_cast<uint64_t>(a.shape(j)));
    head.number<uint32_t>(tensor_type_of(a.dtype())->code);
    head.number<uint64_t>(offset);
    offset = align_up(offset + a.nbytes(), alignment);
  }
  head.pad_to(alignment);

  io::AtomicWriter w(path, "save_gguf");
  w.write(head.bytes().data(), head.bytes().size());
  const std::vector<char> padding(alignment, '\0');
  for (const auto& [name, a] : tensors) {
    w.write_array(a);
    w.write(padding.data(), align_up(a.nbytes(), alignment) - a.nbytes());
  }
  w.commit();
}

}  // namespace ingot
