// Helpers shared by the C++ tests.
#pragma once

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
