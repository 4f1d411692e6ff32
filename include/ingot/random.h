// Random numbers, MLX's functional design (mx.random): a key is a uint32 array of shape (2,), the same
// key gives the same numbers on every machine and every run (a counter-based threefry-2x32 generator),
// and every sampler is composed from random::bits, the one primitive whose input is the key. A sampler
// called without a key draws one from a global sequence (seed() resets it), so a function exported
// after such a call holds that key as a constant and replays the same numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "ingot/ops.h"

namespace ingot::random {

using Key = std::optional<array>;

// A key from a seed: its high and low 32 bits.
array key(uint64_t seed);
// Resets the global key sequence that samplers called without a key draw from.
void seed(uint64_t seed);
// The global sequence's current key (Python's random.state[0]), and replacing it: a compiled function
// given the state as input and output (MLX's inputs=mx.random.state) draws fresh numbers each call.
array state();
void set_state(const array& key);

// MLX's C++ overload set throughout, so that MLX code ports unchanged: the key is always last, and
// each sampler has the shorter forms MLX has (normal(shape, key), normal(shape, dtype, key), ...).

// Raw random bits: uint32, uint16 or uint8 for width 4, 2 or 1 (bytes per element).
array bits(const Shape& shape, int width, const Key& key = std::nullopt, StreamOrDevice s = {});
inline array bits(const Shape& shape, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return bits(shape, 4, key, s);
}

// Two new keys, or `num` new keys as the rows of a (num, 2) array.
std::pair<array, array> split(const array& key, StreamOrDevice s = {});
array split(const array& key, int num, StreamOrDevice s = {});

// Uniform in [low, high); low and high broadcast to `shape`. Floating dtypes only; float64 samples
// carry 24 random bits, like float32 ones (MLX refuses float64).
array uniform(const Operand& low, const Operand& high, const Shape& shape, Dtype dtype = float32,
              const Key& key = std::nullopt, StreamOrDevice s = {});
array uniform(const Shape& shape, Dtype dtype, const Key& key = std::nullopt, StreamOrDevice s = {});
inline array uniform(const Shape& shape = {}, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return uniform(shape, float32, key, s);
}

// Normal with mean `loc` and standard deviation `scale` (scalars or arrays broadcasting to `shape`).
array normal(const Shape& shape, Dtype dtype, const Operand& loc, const Operand& scale, const Key& key = std::nullopt,
             StreamOrDevice s = {});
inline array normal(const Shape& shape, const Operand& loc, const Operand& scale, const Key& key = std::nullopt,
                    StreamOrDevice s = {}) {
  return normal(shape, float32, loc, scale, key, s);
}
inline array normal(const Shape& shape, Dtype dtype, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return normal(shape, dtype, 0.0, 1.0, key, s);
}
inline array normal(const Shape& shape = {}, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return normal(shape, float32, key, s);
}

// Integers in [low, high), drawn as MLX does from a float32 uniform (so bounds past 2^24 lose integers).
array randint(const Operand& low, const Operand& high, const Shape& shape = {}, Dtype dtype = int32,
              const Key& key = std::nullopt, StreamOrDevice s = {});

// True with probability p (a floating array or scalar; 0.5 when not given); the shape defaults to p's.
array bernoulli(const Operand& p, const Shape& shape, const Key& key = std::nullopt, StreamOrDevice s = {});
array bernoulli(const Operand& p, const Key& key = std::nullopt, StreamOrDevice s = {});
// An array p binds here exactly (as in MLX), not to the key of the overload below.
inline array bernoulli(const array& p, const Shape& shape, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return bernoulli(Operand(p), shape, key, s);
}
inline array bernoulli(const array& p, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return bernoulli(Operand(p), key, s);
}
inline array bernoulli(const Key& key = std::nullopt, StreamOrDevice s = {}) { return bernoulli(Operand(0.5), key, s); }

// Normal restricted to [lower, upper]; the shape defaults to the bounds' broadcast shape.
array truncated_normal(const Operand& lower, const Operand& upper, const Shape& shape, Dtype dtype = float32,
                       const Key& key = std::nullopt, StreamOrDevice s = {});
array truncated_normal(const Operand& lower, const Operand& upper, Dtype dtype = float32, const Key& key = std::nullopt,
                       StreamOrDevice s = {});

// Standard Gumbel: -log(-log(uniform)).
array gumbel(const Shape& shape = {}, Dtype dtype = float32, const Key& key = std::nullopt, StreamOrDevice s = {});

// Laplace with location `loc` and scale `scale`.
array laplace(const Shape& shape, Dtype dtype, float loc, float scale, const Key& key = std::nullopt,
              StreamOrDevice s = {});
inline array laplace(const Shape& shape, float loc, float scale, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return laplace(shape, float32, loc, scale, key, s);
}
inline array laplace(const Shape& shape, Dtype dtype, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return laplace(shape, dtype, 0.0f, 1.0f, key, s);
}
inline array laplace(const Shape& shape = {}, const Key& key = std::nullopt, StreamOrDevice s = {}) {
  return laplace(shape, float32, key, s);
}

// Samples of the normal distribution with mean `mean` (..., n) and covariance `cov` (..., n, n), of shape
// broadcast(cov's and mean's batch shapes, shape) + (n,): standard normals times cov's square root
// U sqrt(S) Vt from its SVD, as MLX (float32 only, as MLX).
array multivariate_normal(const array& mean, const array& cov, const Shape& shape = {}, Dtype dtype = float32,
                          const Key& key = std::nullopt, StreamOrDevice s = {});

// Indices (uint32) drawn from the categorical distributions given by unnormalized log-probabilities
// along `axis`. `shape` must broadcast with the logits' shape without `axis`; `num_samples` instead
// appends a sample axis. As in MLX, several draws from a single distribution invert its CDF; other
// calls use Gumbel noise (one draw per category).
array categorical(const array& logits, int axis, const Shape& shape, const Key& key = std::nullopt,
                  StreamOrDevice s = {});
array categorical(const array& logits, int axis, int num_samples, const Key& key = std::nullopt, StreamOrDevice s = {});
array categorical(const array& logits, int axis = -1, const Key& key = std::nullopt, StreamOrDevice s = {});

// A random permutation (uint32, as MLX) of arange(n): the argsort of n random words. Or the slices of
// x along `axis` in such an order.
array permutation(int64_t n, const Key& key = std::nullopt, StreamOrDevice s = {});
array permutation(const array& x, int axis = 0, const Key& key = std::nullopt, StreamOrDevice s = {});

}  // namespace ingot::random
