#include "prims/index_util.h"

#include <limits>

#include "cpu/copy.h"
#include "cpu/iterate.h"

namespace ingot::indexing {

std::vector<int64_t> load_indices(const array& idx) {
  std::vector<int64_t> out(static_cast<size_t>(idx.size()));
  if (out.empty()) return out;
  cpu::copy_to_row_major(idx, out.data(), int64);
  if (idx.dtype() == uint64)
    for (auto& v : out)
      if (v < 0) v = std::numeric_limits<int64_t>::max();
  return out;
}

WindowRows window_rows(const Shape& shape, const Strides& s0, const Strides& s1) {
  WindowRows w;
  cpu::for_each_row(shape, {s0, s1}, [&](const int64_t* off, int64_t n, const int64_t* inner) {
    w.n = n;
    w.inner[0] = inner[0];
    w.inner[1] = inner[1];
    w.off[0].push_back(off[0]);
    w.off[1].push_back(off[1]);
  });
  return w;
}

}  // namespace ingot::indexing
