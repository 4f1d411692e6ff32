// Helpers shared by the C++ tests.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ingot/ingot.h"

namespace ingot::testing {

// The logical elements of `a` in row-major order, read through its own strides (not through a copy).
inline std::vector<double> vals(array a) {
  a.eval();
  std::vector<double> out;
  if (a.size() == 0) return out;
  const char* base = static_cast<const char*>(a.raw_data());
  const int64_t isz = static_cast<int64_t>(a.itemsize());
  std::vector<int64_t> idx(a.ndim(), 0);
  for (int64_t n = 0; n < a.size(); ++n) {
    int64_t off = 0;
    for (int d = 0; d < a.ndim(); ++d) off += idx[d] * a.strides()[d];
    out.push_back(element_as_double(base + off * isz, a.dtype()));
    for (int d = a.ndim() - 1; d >= 0; --d) {
      if (++idx[d] < a.shape()[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

// The number of elements of shape s, computed independently of the library.
inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Row-major multi-index of flat position p in shape s, and back.
inline std::vector<int64_t> unravel(int64_t p, const Shape& s) {
  std::vector<int64_t> idx(s.size());
  for (int d = static_cast<int>(s.size()) - 1; d >= 0; --d) {
    idx[d] = s[d] ? p % s[d] : 0;
    p = s[d] ? p / s[d] : 0;
  }
  return idx;
}
inline int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t p = 0;
  for (size_t d = 0; d < s.size(); ++d) p = p * s[d] + idx[d];
  return p;
}

// 0, 1, 2, ... (mod 2 for bool, so that the values survive the dtype) for shape s.
inline std::vector<double> ramp(const Shape& s, Dtype t) {
  std::vector<double> v(static_cast<size_t>(numel(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = t == bool_ ? static_cast<double>(i % 2) : static_cast<double>(i);
  return v;
}

// A small deterministic generator of doubles in [0, 1) (an LCG), the same on every platform.
struct Rng {
  uint64_t s;
  double next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  }
};

// The message of the exception of type E that f throws, or "<no exception>". Other exception types
// propagate and fail the test: op errors are std::invalid_argument, so that is the default.
template <typename E = std::invalid_argument, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

}  // namespace ingot::testing
