// MLX's `axis` and `shape` arguments as bindings take them: None, an int or a sequence of ints.
#pragma once

#include <nanobind/stl/variant.h>

#include <optional>
#include <variant>
#include <vector>

#include "convert.h"

namespace ingot::py {

// An axis or a list of axes (Python: int | Sequence[int]).
using AxisList = std::variant<int, std::vector<int>>;
// The `axis` argument of reductions: None (every axis), an int or a sequence of ints.
using AxisArg = std::optional<AxisList>;
// A shape given as an int (one dimension) or a sequence of ints.
using ShapeArg = std::variant<int64_t, Shape>;

inline std::vector<int> axes_of(const AxisList& a) {
  if (const int* i = std::get_if<int>(&a)) return {*i};
  return std::get<std::vector<int>>(a);
}

// None: every axis of an array with `ndim` dimensions.
inline std::vector<int> axes_of(const AxisArg& a, int ndim) {
  if (a) return axes_of(*a);
  std::vector<int> all(static_cast<size_t>(ndim));
  for (int i = 0; i < ndim; ++i) all[static_cast<size_t>(i)] = i;
  return all;
}

inline Shape shape_of(const ShapeArg& s) {
  if (const int64_t* n = std::get_if<int64_t>(&s)) return {*n};
  return std::get<Shape>(s);
}

// The operand of an op that takes arrays only: scalars and lists become arrays of their own dtype.
inline array arr(const Operand& o) { return as_array(o); }

}  // namespace ingot::py
