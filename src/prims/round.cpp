// Round: half to even at a number of decimal places, as numpy's around.
#include <cmath>
#include <limits>

#include "core/utils.h"
#include "cpu/elementwise.h"
#include "cpu/simd.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {
namespace {

// Rounds an integer to a multiple of 10^-decimals (decimals < 0), half to even, exactly: numpy and
// MLX go through floating point and lose integers above 2^53 (MLX even above 2^24). Results wrap
// like any integer arithmetic; a multiple beyond the type's range leaves only 0.
template <typename T>
T round_integer(T v, int decimals) {
  if (decimals >= 0) return v;
  if (-decimals > 19) return 0;  // 10^20 exceeds every 64-bit value, so |v| < half of it
  uint64_t q = 1;
  for (int i = 0; i < -decimals; ++i) q *= 10;
  const bool neg = v < T(0);
  const uint64_t m = neg ? uint64_t(0) - static_cast<uint64_t>(static_cast<int64_t>(v)) : static_cast<uint64_t>(v);
  const uint64_t r = m % q, base = m - r;
  const bool up = r > q - r || (r == q - r && ((base / q) & 1u));
  const uint64_t res = up ? base + q : base;
  return static_cast<T>(neg ? uint64_t(0) - res : res);
}

template <typename T, class F>
void map_round(const void* in, int step, void* out, int64_t n, F f) {
  const T* x = static_cast<const T*>(in);
  T* y = static_cast<T*>(out);
  if (step) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  } else {
    const T v = f(x[0]);
    for (int64_t i = 0; i < n; ++i) y[i] = v;
  }
}

cpu::NaryFn round_kernel(Dtype t, int decimals) {
  auto float_kernel = [decimals](auto tag) -> cpu::NaryFn {
    using T = typename decltype(tag)::type;
    return [decimals](const void* const* in, const int* step, void* out, int64_t n) {
      if (step[0]) return cpu::round_decimals(static_cast<const T*>(in[0]), static_cast<T*>(out), n, decimals);
      map_round<T>(in[0], 0, out, n, [decimals](T v) { return cpu::round_scalar(v, decimals); });
    };
  };
  if (t == float16 || t == bfloat16) return cpu::via_float32(float_kernel(TypeTag<float>{}), 1, t, t);
  return dispatch_dtype(t, [&](auto tag) -> cpu::NaryFn {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      return float_kernel(tag);
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      return [decimals](const void* const* in, const int* step, void* out, int64_t n) {
        map_round<T>(in[0], step[0], out, n, [decimals](T v) { return round_integer(v, decimals); });
      };
    } else {  // bool (and halves, handled above): rounding is the identity
      return [](const void* const* in, const int* step, void* out, int64_t n) {
        map_round<T>(in[0], step[0], out, n, [](T v) { return v; });
      };
    }
  });
}

}  // namespace

class Round : public PrimitiveBase<Round> {
 public:
  static constexpr const char* kName = "Round";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 1;
  explicit Round(int decimals) : decimals_(decimals) {}
  auto state() const { return std::tuple(decimals_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    // The kernels negate decimals (and take its absolute value): INT_MIN has no negation.
    if (decimals_ == std::numeric_limits<int>::min()) fail("round", "decimals ", decimals_, " is out of range.");
    return {in[0].shape()};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    cpu::apply_elementwise(in, out[0], round_kernel(in[0].dtype(), decimals_));
  }
  // Piecewise constant.
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<Round>({in[0]}, decimals_)}, axes};
  }

 private:
  int decimals_;
};
INGOT_REGISTER_PRIMITIVE(Round)

// Integers (and bools) are already rounded at decimals >= 0, so those return the input itself.
array round(const array& a, int decimals, StreamOrDevice s) {
  to_stream(s, "round");
  if (!is_floating_point(a.dtype()) && (decimals >= 0 || a.dtype() == bool_)) return a;
  return make<Round>({a}, decimals);
}

}  // namespace ingot
