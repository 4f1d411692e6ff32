#include "cpu/copy.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/allocator.h"
#include "cpu/iterate.h"
#include "cpu/simd.h"

namespace ingot::cpu {

namespace {
// A real value as float (halves widen through float).
template <typename T>
auto real_value(T v) {
  if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) return static_cast<float>(v);
  else return v;
}

template <typename From, typename To>
void convert_typed(const From* s, To* d, int64_t n) {
  if constexpr (std::is_same_v<From, complex64_t>) {
    // To a real dtype: the real part, as MLX and numpy (with a warning there); to bool: nonzero.
    if constexpr (std::is_same_v<To, bool>)
      for (int64_t i = 0; i < n; ++i) d[i] = s[i] != complex64_t(0);
    else if constexpr (std::is_same_v<To, complex64_t>)
      std::copy(s, s + n, d);
    else
      for (int64_t i = 0; i < n; ++i) {
        const float r = s[i].real();
        convert_typed(&r, d + i, 1);
      }
  } else if constexpr (std::is_same_v<To, complex64_t>) {
    for (int64_t i = 0; i < n; ++i) d[i] = complex64_t(static_cast<float>(real_value(s[i])), 0.0f);
  } else if constexpr (std::is_same_v<To, bool>) {
    // Compared in the source type: through float, 1e-300 would become false.
    if constexpr (std::is_same_v<From, float16_t> || std::is_same_v<From, bfloat16_t>)
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<float>(s[i]) != 0.0f;
    else
      for (int64_t i = 0; i < n; ++i) d[i] = s[i] != From(0);
  } else if constexpr (std::is_same_v<From, float16_t> || std::is_same_v<From, bfloat16_t>) {
    for (int64_t i = 0; i < n; ++i) d[i] = cast_value<To>(static_cast<float>(s[i]));
  } else if constexpr (std::is_same_v<To, float16_t> || std::is_same_v<To, bfloat16_t>) {
    for (int64_t i = 0; i < n; ++i) d[i] = To(static_cast<float>(s[i]));
  } else {
    for (int64_t i = 0; i < n; ++i) d[i] = cast_value<To>(s[i]);
  }
}
}  // namespace

void convert(const void* src, Dtype from, void* dst, Dtype to, int64_t n) {
  if (n <= 0) return;
  if (from == to) {
    std::memcpy(dst, src, static_cast<size_t>(n) * size_of(to));
    return;
  }
  // The half <-> float32 conversions are vectorized; the rest are simple loops the compiler vectorizes.
  if (from == float16 && to == float32) return f16_to_f32(static_cast<const uint16_t*>(src), static_cast<float*>(dst), n);
  if (from == float32 && to == float16) return f32_to_f16(static_cast<const float*>(src), static_cast<uint16_t*>(dst), n);
  if (from == bfloat16 && to == float32) return bf16_to_f32(static_cast<const uint16_t*>(src), static_cast<float*>(dst), n);
  if (from == float32 && to == bfloat16) return f32_to_bf16(static_cast<const float*>(src), static_cast<uint16_t*>(dst), n);
  dispatch_with_complex(from, [&](auto ft) {
    using F = typename decltype(ft)::type;
    dispatch_with_complex(to, [&](auto tt) {
      using T = typename decltype(tt)::type;
      convert_typed(static_cast<const F*>(src), static_cast<T*>(dst), n);
    });
  });
}

namespace {
template <size_t N>
void gather_rows(const char* src, char* dst, const array& a) {
  int64_t pos = 0;
  for_each_row(a.shape(), {a.strides()}, [&](const int64_t* off, int64_t n, const int64_t* inner) {
    const char* s = src + off[0] * static_cast<int64_t>(N);
    char* d = dst + pos * static_cast<int64_t>(N);
    if (inner[0] == 1) std::memcpy(d, s, static_cast<size_t>(n) * N);
    else
      for (int64_t i = 0; i < n; ++i) std::memcpy(d + i * N, s + i * inner[0] * static_cast<int64_t>(N), N);
    pos += n;
  });
}
}  // namespace

void copy_to_row_major(const array& src, void* dst, Dtype to) {
  if (src.size() == 0) return;
  if (src.flags().row_contiguous) return convert(src.raw_data(), src.dtype(), dst, to, src.size());
  const char* s = static_cast<const char*>(src.raw_data());
  if (src.dtype() == to) {
    switch (src.itemsize()) {
      case 1: return gather_rows<1>(s, static_cast<char*>(dst), src);
      case 2: return gather_rows<2>(s, static_cast<char*>(dst), src);
      case 4: return gather_rows<4>(s, static_cast<char*>(dst), src);
      default: return gather_rows<8>(s, static_cast<char*>(dst), src);
    }
  }
  auto tmp = allocate(src.nbytes());
  copy_to_row_major(src, tmp.get(), src.dtype());
  convert(tmp.get(), src.dtype(), dst, to, src.size());
}

array contiguous(const array& a) {
  if (a.flags().row_contiguous) return a;
  array out(std::make_shared<ArrayDesc>(a.shape(), a.dtype()));
  out.alloc();
  copy_to_row_major(a, out.raw_data(), a.dtype());
  return out;
}

void alloc_like_dense(const array& in, array& out) {
  const Flags& f = in.flags();
  if (!f.row_contiguous && f.contiguous && in.data_size() == in.size() && in.shape() == out.shape()) {
    auto buf = allocate(out.nbytes());
    void* p = buf.get();
    out.set_data(std::move(buf), p, in.size(), in.strides(), f);
  } else {
    out.alloc();
  }
}

void for_each_row_major_chunk(const array& a, size_t max_bytes,
                              const std::function<void(const void*, size_t)>& f) {
  const size_t isz = a.itemsize();
  const size_t per = std::max<size_t>(1, max_bytes / isz);
  if (a.size() == 0) return;
  if (a.flags().row_contiguous) {
    const char* p = static_cast<const char*>(a.raw_data());
    for (int64_t done = 0; done < a.size();) {
      const int64_t m = std::min<int64_t>(static_cast<int64_t>(per), a.size() - done);
      f(p + done * isz, static_cast<size_t>(m) * isz);
      done += m;
    }
    return;
  }
  std::vector<char> buf(per * isz);
  size_t used = 0;
  const char* base = static_cast<const char*>(a.raw_data());
  for_each_row(a.shape(), {a.strides()}, [&](const int64_t* off, int64_t n, const int64_t* inner) {
    const char* row = base + off[0] * static_cast<int64_t>(isz);
    for (int64_t i = 0; i < n;) {
      const int64_t m = std::min<int64_t>(n - i, static_cast<int64_t>(per - used));
      char* dst = buf.data() + used * isz;
      if (inner[0] == 0) {  // a broadcast row: one element repeated
        for (int64_t j = 0; j < m; ++j) std::memcpy(dst + j * isz, row, isz);
      } else {
        for (int64_t j = 0; j < m; ++j) std::memcpy(dst + j * isz, row + (i + j) * inner[0] * static_cast<int64_t>(isz), isz);
      }
      i += m;
      used += static_cast<size_t>(m);
      if (used == per) {
        f(buf.data(), used * isz);
        used = 0;
      }
    }
  });
  if (used) f(buf.data(), used * isz);
}

}  // namespace ingot::cpu
