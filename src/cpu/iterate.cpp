#include "cpu/iterate.h"

namespace ingot::cpu {

void collapse_dims(Shape& shape, std::vector<Strides>& strides) {
  Shape s;
  std::vector<Strides> st(strides.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    bool merge = !s.empty();
    for (size_t k = 0; merge && k < strides.size(); ++k) merge = st[k].back() == strides[k][i] * shape[i];
    if (merge) {
      s.back() *= shape[i];
      for (size_t k = 0; k < strides.size(); ++k) st[k].back() = strides[k][i];
    } else {
      s.push_back(shape[i]);
      for (size_t k = 0; k < strides.size(); ++k) st[k].push_back(strides[k][i]);
    }
  }
  shape = std::move(s);
  strides = std::move(st);
}

Strides broadcast_strides(const array& a, const Shape& shape) {
  Strides out(shape.size(), 0);
  const int off = static_cast<int>(shape.size()) - a.ndim();
  for (int i = 0; i < a.ndim(); ++i)
    if (a.shape()[i] != 1) out[off + i] = a.strides()[i];
  return out;
}

}  // namespace ingot::cpu
