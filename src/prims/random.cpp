// RandomBits: threefry-2x32 bits from a key, the one primitive whose input is a random key; the key
// helpers (key, seed, split, bits) and the global key sequence. The bits match MLX's for the same key.
#include "ingot/random.h"

#include <chrono>
#include <cstring>
#include <mutex>

#include "core/utils.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

using Pair = std::pair<uint32_t, uint32_t>;

// Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"): the
// counter pair `count` encrypted under `key`.
Pair threefry2x32(Pair key, Pair count) {
  static constexpr uint32_t kRotations[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const uint32_t ks[3] = {key.first, key.second, key.first ^ key.second ^ 0x1BD11BDAu};
  uint32_t x0 = count.first + ks[0], x1 = count.second + ks[1];
  for (uint32_t i = 0; i < 5; ++i) {
    for (uint32_t r : kRotations[i % 2]) {
      x0 += x1;
      x1 = (x1 << r) | (x1 >> (32 - r));
      x1 ^= x0;
    }
    x0 += ks[(i + 1) % 3];
    x1 += ks[(i + 2) % 3] + i + 1;
  }
  return {x0, x1};
}

// Fills `nbytes` bytes from one key in MLX's layout: the bytes are w = ceil(nbytes / 4) little-endian
// words; counter pair (i, i + h') fills words i and i + h' where h = w / 2 and h' = h + (w odd), and
// an odd w's middle word h takes the first half of the pair (h, 0). A partial last word keeps its low bytes.
void fill_bits(Pair key, uint8_t* out, size_t nbytes) {
  const size_t words = (nbytes + 3) / 4, half = words / 2;
  const bool odd = words % 2 != 0;
  auto put = [&](size_t word, uint32_t v) {
    uint8_t b[4];
    for (int k = 0; k < 4; ++k) b[k] = static_cast<uint8_t>(v >> (8 * k));
    const size_t at = 4 * word;
    std::memcpy(out + at, b, std::min<size_t>(4, nbytes - at));
  };
  const size_t second = half + (odd ? 1 : 0);
  for (size_t i = 0; i < half; ++i) {
    // The counters are 32-bit: past 2^32 words they wrap, as in MLX.
    const Pair r = threefry2x32(key, {static_cast<uint32_t>(i), static_cast<uint32_t>(i + second)});
    put(i, r.first);
    put(i + second, r.second);
  }
  if (odd) put(half, threefry2x32(key, {static_cast<uint32_t>(half), 0u}).first);
}

Pair key_pair(const array& key) {
  array k = key;
  k.eval();
  const auto* p = static_cast<const uint32_t*>(k.raw_data());
  const int64_t s = k.strides()[0];
  return {p[0], p[s]};
}

void check_key(const array& key, const char* op) {
  if (!key.valid()) fail(op, "the key is an empty array handle.");
  if (key.dtype() != uint32) fail(op, "expected a key of dtype uint32, got ", key.dtype(), ".");
  if (key.shape() != Shape{2}) fail(op, "expected a key of shape (2,), got shape ", shape_str(key.shape()), ".");
}

Dtype bits_dtype(int width, const char* op) {
  switch (width) {
    case 1:
      return uint8;
    case 2:
      return uint16;
    case 4:
      return uint32;
    default:
      fail(op, "the bit width must be 1, 2 or 4 bytes, got ", width, ".");
  }
}

}  // namespace

// Output elements of `width` bytes, filled from the bits of one key (input 0, uint32 of shape (2,)).
class RandomBits : public PrimitiveBase<RandomBits> {
 public:
  static constexpr const char* kName = "RandomBits";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  RandomBits(Shape shape, int width) : shape_(std::move(shape)), width_(width) {}
  auto state() const { return std::tuple(shape_, width_); }
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    return dynamic[0] ? "the shape " + shape_str(shape_) : "";
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_key(in[0], "bits");
    bits_dtype(width_, "bits");
    shape_size(shape_, "bits");
    return {shape_};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {bits_dtype(width_, "bits")}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    array& o = out[0];
    o.alloc();
    fill_bits(key_pair(in[0]), static_cast<uint8_t*>(o.raw_data()), o.nbytes());
  }
  // Random bits: no derivative with respect to the key.
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }

 private:
  Shape shape_;
  int width_;
};
INGOT_REGISTER_PRIMITIVE(RandomBits)

namespace random {

namespace {

// The global key: each draw splits it, keeps the first half and hands out the second (as MLX's
// KeySequence). A key with data splits on the host, so the key never grows a lazy chain; a key that is
// still a graph (a compiled function's traced state, set through set_state) splits as ops, so the
// draws depend on it. One sequence per process, guarded by a lock; MLX keeps one per thread instead.
class KeySequence {
 public:
  static KeySequence& get() {
    static KeySequence s;
    return s;
  }
  void seed(uint64_t s) {
    std::lock_guard<std::mutex> lock(mutex_);
    key_ = {static_cast<uint32_t>(s >> 32), static_cast<uint32_t>(s)};
    graph_.reset();
  }
  array next() {
    std::lock_guard<std::mutex> lock(mutex_);
    settle();
    if (graph_) {
      auto [keep, out] = random::split(*graph_);
      graph_ = keep;
      return out;
    }
    uint32_t w[4];
    fill_bits(key_, reinterpret_cast<uint8_t*>(w), sizeof(w));
    key_ = {w[0], w[1]};
    return array({w[2], w[3]});
  }
  array state() {
    std::lock_guard<std::mutex> lock(mutex_);
    settle();
    return graph_ ? *graph_ : array({key_.first, key_.second});
  }
  void set_state(const array& key) {
    check_key(key, "random.state");
    std::lock_guard<std::mutex> lock(mutex_);
    graph_ = key;
    settle();
  }

 private:
  KeySequence() {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    seed(static_cast<uint64_t>(ms));
  }
  // A graph key that has been computed (its node released) becomes a host key again; a traced input
  // (placeholder) stays a graph.
  void settle() {
    if (graph_ && !graph_->has_node() && graph_->kind() != ArrayKind::placeholder) {
      key_ = key_pair(*graph_);
      graph_.reset();
    }
  }
  std::mutex mutex_;
  Pair key_;
  std::optional<array> graph_;
};

}  // namespace

array state() { return KeySequence::get().state(); }

void set_state(const array& key) { KeySequence::get().set_state(key); }

array key(uint64_t seed) { return array({static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed)}); }

void seed(uint64_t s) { KeySequence::get().seed(s); }

array bits(const Shape& shape, int width, const Key& key, StreamOrDevice s) {
  to_stream(s, "bits");
  bits_dtype(width, "bits");
  shape_size(shape, "bits");
  if (key) check_key(*key, "bits");
  array k = key ? *key : KeySequence::get().next();
  return make<RandomBits>({std::move(k)}, shape, width);
}

array split(const array& key, int num, StreamOrDevice s) {
  to_stream(s, "split");
  check_key(key, "split");
  if (num < 0) fail("split", "the number of keys must be non-negative, got ", num, ".");
  return bits({num, 2}, 4, key);
}

std::pair<array, array> split(const array& key, StreamOrDevice s) {
  to_stream(s, "split");
  check_key(key, "split");
  array both = random::split(key, 2);
  return {reshape(slice(both, {0, 0}, {1, 2}), {2}), reshape(slice(both, {1, 0}, {2, 2}), {2})};
}

}  // namespace random

}  // namespace ingot
