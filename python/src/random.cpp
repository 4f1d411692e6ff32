// ingot.random: keys, the global seed and the samplers, with MLX's argument order and `key=`.
#include <nanobind/stl/variant.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <variant>

#include "axes.h"
#include "ingot/random.h"

namespace ingot::py {

using random::Key;

void init_random(nb::module_& parent) {
  nb::module_ m = parent.def_submodule("random", "Random numbers from explicit keys (threefry), as mlx.core.random.");

  m.def(
      "key", [](uint64_t seed) { return random::key(seed); }, "seed"_a,
      "A PRNG key (uint32, shape (2,)) from an integer seed.");
  m.def(
      "seed", [](uint64_t seed) { random::seed(seed); }, "seed"_a,
      "Resets the global key that samplers called without ``key`` draw from.");
  m.def(
      "bits",
      [](const ShapeArg& shape, int width, const Key& key) { return random::bits(shape_of(shape), width, key); },
      "shape"_a = Shape{}, "width"_a = 4, "key"_a = nb::none(),
      "Random bits: uint32, uint16 or uint8 elements for ``width`` 4, 2 or 1 (bytes per element).");
  m.def(
      "split", [](const array& key, int num) { return random::split(key, num); }, "key"_a, "num"_a = 2,
      "``num`` new keys from ``key``, as the rows of a (num, 2) array.");
  m.def(
      "uniform",
      [](const Operand& low, const Operand& high, const ShapeArg& shape, std::optional<Dtype> dtype,
         const Key& key) { return random::uniform(low, high, shape_of(shape), dtype.value_or(float32), key); },
      "low"_a = 0, "high"_a = 1, "shape"_a = Shape{}, "dtype"_a = float32, "key"_a = nb::none(),
      "Samples uniform in [low, high) (bounds broadcast to ``shape``), of a floating ``dtype``.");
  m.def(
      "normal",
      [](const ShapeArg& shape, std::optional<Dtype> dtype, const std::optional<Operand>& loc,
         const std::optional<Operand>& scale, const Key& key) {
        return random::normal(shape_of(shape), dtype.value_or(float32), loc.value_or(Operand(0.0)),
                              scale.value_or(Operand(1.0)), key);
      },
      "shape"_a = Shape{}, "dtype"_a = float32, "loc"_a = nb::none(), "scale"_a = nb::none(), "key"_a = nb::none(),
      "Normal samples with mean ``loc`` (default 0) and standard deviation ``scale`` (default 1).");
  m.def(
      "multivariate_normal",
      [](const array& mean, const array& cov, const ShapeArg& shape, std::optional<Dtype> dtype, const Key& key) {
        return random::multivariate_normal(mean, cov, shape_of(shape), dtype.value_or(float32), key);
      },
      "mean"_a, "cov"_a, "shape"_a = Shape{}, "dtype"_a = float32, "key"_a = nb::none(),
      "Samples of the multivariate normal with mean ``mean`` (..., n) and covariance ``cov`` (..., n, n): "
      "shape broadcast(batch shapes, ``shape``) + (n,). float32 only, as MLX.");
  m.def("_state", &random::state, "The global key (random.state[0]).");
  m.def("_set_state", &random::set_state, "key"_a, "Replaces the global key (random.state[0] = key).");
  m.def(
      "randint",
      [](const Operand& low, const Operand& high, const ShapeArg& shape, std::optional<Dtype> dtype,
         const Key& key) { return random::randint(low, high, shape_of(shape), dtype.value_or(int32), key); },
      "low"_a, "high"_a, "shape"_a = Shape{}, "dtype"_a = int32, "key"_a = nb::none(),
      "Random integers in [low, high) (bounds broadcast to ``shape``).");
  m.def(
      "bernoulli",
      [](const Operand& p, const std::optional<ShapeArg>& shape, const Key& key) {
        return shape ? random::bernoulli(p, shape_of(*shape), key) : random::bernoulli(p, key);
      },
      "p"_a = 0.5, "shape"_a = nb::none(), "key"_a = nb::none(),
      "Bools that are True with probability ``p``; the shape defaults to p's.");
  m.def(
      "truncated_normal",
      [](const Operand& lower, const Operand& upper, const std::optional<ShapeArg>& shape,
         std::optional<Dtype> dtype, const Key& key) {
        const Dtype t = dtype.value_or(float32);
        return shape ? random::truncated_normal(lower, upper, shape_of(*shape), t, key)
                     : random::truncated_normal(lower, upper, t, key);
      },
      "lower"_a, "upper"_a, "shape"_a = nb::none(), "dtype"_a = float32, "key"_a = nb::none(),
      "Normal samples restricted to [lower, upper]; the shape defaults to the bounds' broadcast shape.");
  m.def(
      "gumbel",
      [](const ShapeArg& shape, std::optional<Dtype> dtype, const Key& key) {
        return random::gumbel(shape_of(shape), dtype.value_or(float32), key);
      },
      "shape"_a = Shape{}, "dtype"_a = float32, "key"_a = nb::none(), "Samples of the standard Gumbel distribution.");
  m.def(
      "laplace",
      [](const ShapeArg& shape, std::optional<Dtype> dtype, float loc, float scale, const Key& key) {
        return random::laplace(shape_of(shape), dtype.value_or(float32), loc, scale, key);
      },
      "shape"_a = Shape{}, "dtype"_a = float32, "loc"_a = 0.0f, "scale"_a = 1.0f, "key"_a = nb::none(),
      "Samples of the Laplace distribution with location ``loc`` and scale ``scale``.");
  m.def(
      "categorical",
      [](const Operand& logits, int axis, const std::optional<ShapeArg>& shape, std::optional<int64_t> num_samples,
         const Key& key) {
        if (shape && num_samples)
          throw std::invalid_argument("[categorical] at most one of shape or num_samples can be given.");
        if (shape) return random::categorical(arr(logits), axis, shape_of(*shape), key);
        if (!num_samples) return random::categorical(arr(logits), axis, key);
        if (*num_samples > std::numeric_limits<int>::max())
          throw std::invalid_argument("[categorical] num_samples " + std::to_string(*num_samples) + " is too large.");
        return random::categorical(arr(logits), axis, static_cast<int>(std::max<int64_t>(*num_samples, -1)), key);
      },
      "logits"_a, "axis"_a = -1, "shape"_a = nb::none(), "num_samples"_a = nb::none(), "key"_a = nb::none(),
      "uint32 category indices drawn from the unnormalized log-probabilities ``logits`` along ``axis``. "
      "``shape`` (broadcasting with the logits' shape without ``axis``) or ``num_samples`` (a new last axis), "
      "not both.");
  m.def(
      "permutation",
      [](const std::variant<int64_t, array>& x, int axis, const Key& key) {
        if (const int64_t* n = std::get_if<int64_t>(&x)) return random::permutation(*n, key);
        return random::permutation(std::get<array>(x), axis, key);
      },
      "x"_a, "axis"_a = 0, "key"_a = nb::none(),
      "A random permutation of arange(x) (uint32) for an int, or the slices of the array ``x`` along ``axis`` "
      "shuffled.");
}

}  // namespace ingot::py
