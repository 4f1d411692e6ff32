// Small helpers shared by op builders: axis normalization and error messages.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ingot/array.h"

namespace ingot {

// "[op] " + the pieces streamed together; thrown as std::invalid_argument.
template <typename... A>
[[noreturn]] void fail(const char* op, const A&... parts) {
  std::ostringstream os;
  os << '[' << op << "] ";
  (os << ... << parts);
  throw std::invalid_argument(os.str());
}

int normalize_axis(int axis, int ndim, const char* op);
// Sorted, unique, non-negative; duplicates are an error.
std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* op);
std::vector<int> all_axes(int ndim);

}  // namespace ingot
