#include "cpu/sort.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/allocator.h"
#include "core/layout.h"
#include "cpu/copy.h"
#include "cpu/iterate.h"

namespace ingot::cpu {
namespace {

template <typename T>
constexpr bool kHalf = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;
template <typename T>
constexpr bool kFloatLike = std::is_floating_point_v<T> || kHalf<T>;

// What comparisons see: halves as float (exact), everything else as itself.
template <typename T>
using Key = std::conditional_t<kHalf<T>, float, T>;

// numpy's order: NaN after every number. A strict weak order, so the std algorithms stay in bounds.
template <typename T>
struct Less {
  bool operator()(const T& a, const T& b) const {
    if constexpr (kFloatLike<T>) {
      const Key<T> x = static_cast<Key<T>>(a), y = static_cast<Key<T>>(b);
      return x < y || (y != y && x == x);
    } else {
      return a < b;
    }
  }
};

// The same on ranges without NaNs, where a plain `<` is a strict weak order and faster.
struct PlainLess {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    return static_cast<Key<T>>(a) < static_cast<Key<T>>(b);
  }
};

// A value with its index along the row; ties order by index, which makes every algorithm stable.
template <typename K>
struct Item {
  K v;
  uint32_t i;
};

// Strides of dense storage for `shape` with `axis` innermost and the other axes row-major around it.
Strides axis_innermost_strides(const Shape& shape, int axis) {
  Strides st(shape.size());
  int64_t acc = shape[axis];
  st[axis] = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    if (d == axis) continue;
    st[d] = acc;
    acc *= shape[d];
  }
  return st;
}

// A view of `in` with `axis` moved last: its row-major order is the order of out's storage.
array axis_last_view(const array& in, int axis) {
  Shape shape;
  Strides strides;
  for (int d = 0; d < in.ndim(); ++d)
    if (d != axis) shape.push_back(in.shape()[d]), strides.push_back(in.strides()[d]);
  shape.push_back(in.shape()[axis]);
  strides.push_back(in.strides()[axis]);
  array v(std::make_shared<ArrayDesc>(shape, in.dtype()));
  make_view(in, v, std::move(strides));
  return v;
}

template <typename T>
bool is_nan(const T& v) {
  if constexpr (kFloatLike<T>) return static_cast<Key<T>>(v) != static_cast<Key<T>>(v);
  else return false;
}

// Moves the NaNs of x[0, n) to the end, keeping the order of both parts; returns the count of the
// others. The fast paths below then compare with a plain `<`, which is a strict weak order without NaNs.
template <typename T>
int64_t move_nans_last(T* x, int64_t n, T* scratch) {
  if constexpr (!kFloatLike<T>) return n;
  int64_t w = 0;
  while (w < n && !is_nan(x[w])) ++w;
  if (w == n) return n;
  int64_t c = 0;
  for (int64_t i = w; i < n; ++i) {
    if (is_nan(x[i])) scratch[c++] = x[i];
    else x[w++] = x[i];
  }
  std::copy(scratch, scratch + c, x + w);
  return w;
}

// std::sort with `<` is stable up to the one tie floats can tell apart: -0 and +0. Their input order
// is recorded (only when both occur) and written back over the run of zeros.
template <typename K>
void sort_keys(K* x, int64_t n, std::vector<uint8_t>& zero_signs) {
  zero_signs.clear();
  if constexpr (std::is_floating_point_v<K>) {
    bool neg = false, pos = false;
    for (int64_t i = 0; i < n; ++i)
      if (x[i] == K(0)) (std::signbit(x[i]) ? neg : pos) = true;
    if (neg && pos)
      for (int64_t i = 0; i < n; ++i)
        if (x[i] == K(0)) zero_signs.push_back(std::signbit(x[i]));
  }
  std::sort(x, x + n);
  if (!zero_signs.empty()) {
    K* z = std::lower_bound(x, x + n, K(0));
    for (uint8_t neg : zero_signs) *z++ = neg ? -K(0) : K(0);
  }
}

// Sorts (stably) or partitions every row of x in place.
template <typename T>
void sort_values(T* x, int64_t rows, int64_t n, SortKind kind, int64_t kth) {
  std::unique_ptr<T[]> scratch(new T[n]);
  std::unique_ptr<float[]> wide(kHalf<T> ? new float[n] : nullptr);
  std::vector<uint8_t> zero_signs;
  for (int64_t r = 0; r < rows; ++r) {
    T* row = x + r * n;
    const int64_t m = move_nans_last(row, n, scratch.get());  // NaNs end up in input order
    if (kind == SortKind::partition) {
      if (kth < m) std::nth_element(row, row + kth, row + m, PlainLess());
    } else if constexpr (kHalf<T>) {
      // Sorted as float32 (conversions both ways are exact for numbers) in vectorized bulk conversions.
      convert(row, storage_dtype_of<T>(), wide.get(), float32, m);
      sort_keys(wide.get(), m, zero_signs);
      convert(wide.get(), float32, row, storage_dtype_of<T>(), m);
    } else {
      sort_keys(row, m, zero_signs);
    }
  }
}

// Items whose value is a NaN go last, in index order; the rest are compared by value then index.
template <typename K>
struct ItemLess {
  bool operator()(const Item<K>& a, const Item<K>& b) const { return a.v < b.v || (a.v == b.v && a.i < b.i); }
};

template <typename T>
void arg_sort_rows(const T* x, uint32_t* out, int64_t rows, int64_t n, SortKind kind, int64_t kth) {
  using K = Key<T>;
  std::unique_ptr<Item<K>[]> items(new Item<K>[n]);
  const ItemLess<K> less;
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = x + r * n;
    int64_t m = 0;
    for (int64_t i = 0; i < n; ++i)
      if (!is_nan(row[i])) items[m++] = {static_cast<K>(row[i]), static_cast<uint32_t>(i)};
    for (int64_t i = 0, j = m; i < n; ++i)
      if (is_nan(row[i])) items[j++] = {K(0), static_cast<uint32_t>(i)};
    Item<K>* it = items.get();
    if (kind != SortKind::argpartition) std::sort(it, it + m, less);  // index tie-break: the stable order
    else if (kth < m) std::nth_element(it, it + kth, it + m, less);
    uint32_t* o = out + r * n;
    for (int64_t i = 0; i < n; ++i) o[i] = items[i].i;
  }
}

template <typename T>
void top_k_rows(const T* x, T* out, int64_t rows, int64_t n, int64_t k) {
  std::unique_ptr<T[]> row(new T[n]), scratch(new T[n]);
  T* s = row.get();
  const PlainLess less;  // NaNs are out of the way
  for (int64_t r = 0; r < rows; ++r) {
    std::copy(x + r * n, x + (r + 1) * n, s);
    const int64_t m = move_nans_last(s, n, scratch.get());
    // The kept values are s[n - k, n): NaNs (the largest) and, before them, the largest numbers.
    // Selection is linear; only the kept numbers are sorted.
    if (n - k < m) {
      std::nth_element(s, s + (n - k), s + m, less);
      std::sort(s + (n - k), s + m, less);
    }
    std::copy(s + (n - k), s + n, out + r * k);
  }
}

}  // namespace

void sort(const array& in, array& out, int axis, SortKind kind, int64_t kth) {
  const Shape& oshape = out.shape();
  Strides ost = axis_innermost_strides(oshape, axis);
  const Layout l = layout_of(oshape, ost);
  auto buf = allocate(out.nbytes());
  void* p = buf.get();
  out.set_data(std::move(buf), p, out.size(), std::move(ost), l.flags);
  if (out.size() == 0) return;  // also covers an empty input: every output is then empty

  const int64_t n = in.shape()[axis];
  const int64_t rows = in.size() / n;
  const array moved = axis_last_view(in, axis);
  if (kind == SortKind::sort || kind == SortKind::partition) {
    copy_to_row_major(moved, p, in.dtype());  // then sorted where it lies
    dispatch_dtype(in.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      sort_values(static_cast<T*>(p), rows, n, kind, kth);
    });
    return;
  }
  const array src = contiguous(moved);  // no copy when the axis already is the innermost dense one
  dispatch_dtype(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = static_cast<const T*>(src.raw_data());
    if (kind == SortKind::topk) top_k_rows(x, static_cast<T*>(p), rows, n, kth);
    else arg_sort_rows(x, static_cast<uint32_t*>(p), rows, n, kind, kth);
  });
}

void searchsorted(const array& sorted, const array& values, array& out, bool right) {
  out.alloc();
  if (out.size() == 0) return;
  const array s = contiguous(sorted);
  const int64_t n = s.size();
  uint32_t* o = static_cast<uint32_t*>(out.raw_data());
  dispatch_dtype(s.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = static_cast<const T*>(s.raw_data());
    const T* v = static_cast<const T*>(values.raw_data());
    const Less<T> less;
    int64_t pos = 0;
    for_each_row(values.shape(), {values.strides()}, [&](const int64_t* off, int64_t len, const int64_t* inner) {
      for (int64_t i = 0; i < len; ++i) {
        const T& x = v[off[0] + i * inner[0]];
        const T* at = right ? std::upper_bound(a, a + n, x, less) : std::lower_bound(a, a + n, x, less);
        o[pos++] = static_cast<uint32_t>(at - a);
      }
    });
  });
}

}  // namespace ingot::cpu
