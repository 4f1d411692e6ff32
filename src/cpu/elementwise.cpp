#include "cpu/elementwise.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "cpu/copy.h"
#include "cpu/iterate.h"
#include "cpu/parallel.h"

namespace ingot::cpu {

void apply_elementwise(const Arrays& ins, array& out, const NaryFn& fn) {
  const size_t k = ins.size();
  std::vector<const void*> ptrs(k);
  std::vector<int> steps(k, 1);
  // Flat: every operand dense in one layout of the output's shape, or a single value (step 0). Then the
  // elements are one run, split over threads.
  const array* ref = &ins[0];
  for (const auto& a : ins)
    if (a.size() != 1 || out.size() == 1) {
      ref = &a;
      break;
    }
  // Same layout: equal strides, or both row-major (strides may differ along dimensions of size 1).
  auto same_layout = [&](const array& a) {
    return a.strides() == ref->strides() || (a.flags().row_contiguous && ref->flags().row_contiguous);
  };
  bool flat = ref->shape() == out.shape();
  for (const auto& a : ins)
    flat = flat && ((a.size() == 1 && out.size() > 0) ||
                    (a.shape() == out.shape() && a.flags().contiguous && a.data_size() == a.size() && same_layout(a)));
  if (!flat && ref->shape() == out.shape()) {
    // Operands dense in different layouts (a transposed gradient beside row-major weights): copied to
    // row-major once, which beats walking one of them across the grain element by element.
    bool dense = true, row_major = true;
    for (const auto& a : ins) {
      dense = dense && (a.size() == 1 || (a.shape() == out.shape() && a.flags().contiguous && a.data_size() == a.size()));
      row_major = row_major && (a.size() == 1 || a.flags().row_contiguous);
    }
    if (dense && !row_major) {
      Arrays rows;
      for (const auto& a : ins) rows.push_back(a.size() == 1 ? a : contiguous(a));
      return apply_elementwise(rows, out, fn);
    }
  }
  if (flat) {
    alloc_like_dense(*ref, out);
    for (size_t j = 0; j < k; ++j) {
      ptrs[j] = ins[j].raw_data();
      steps[j] = ins[j].size() == 1 && out.size() > 1 ? 0 : 1;
    }
    if (out.size() == 0) return;
    char* o = static_cast<char*>(out.raw_data());
    const int64_t osz = static_cast<int64_t>(out.itemsize());
    parallel_for(out.size(), 2, [&](int64_t begin, int64_t end) {
      std::vector<const void*> p(k);
      for (size_t j = 0; j < k; ++j)
        p[j] = static_cast<const char*>(ptrs[j]) + (steps[j] ? begin * static_cast<int64_t>(ins[j].itemsize()) : 0);
      fn(p.data(), steps.data(), o + begin * osz, end - begin);
    });
    return;
  }
  out.alloc();
  if (out.size() == 0) return;
  std::vector<Strides> strides{out.strides()};
  for (const auto& a : ins) strides.push_back(broadcast_strides(a, out.shape()));
  std::vector<std::vector<char>> tmp(k);
  char* obase = static_cast<char*>(out.raw_data());
  const int64_t osz = static_cast<int64_t>(out.itemsize());
  for_each_row(out.shape(), strides, [&](const int64_t* off, int64_t n, const int64_t* inner) {
    for (size_t j = 0; j < k; ++j) {
      const int64_t isz = static_cast<int64_t>(ins[j].itemsize());
      const char* base = static_cast<const char*>(ins[j].raw_data()) + off[j + 1] * isz;
      const int64_t st = inner[j + 1];
      if (st == 0 || st == 1 || n == 1) {
        ptrs[j] = base;
        steps[j] = n == 1 ? 1 : static_cast<int>(st);
      } else {
        tmp[j].resize(static_cast<size_t>(n * isz));
        for (int64_t i = 0; i < n; ++i) std::memcpy(tmp[j].data() + i * isz, base + i * st * isz, isz);
        ptrs[j] = tmp[j].data();
        steps[j] = 1;
      }
    }
    fn(ptrs.data(), steps.data(), obase + off[0] * osz, n);
  });
}

NaryFn via_float32(NaryFn f32_kernel, size_t arity, Dtype in_dtype, Dtype out_dtype) {
  if (arity > kMaxArity) throw std::logic_error("[via_float32] too many operands.");
  return [f = std::move(f32_kernel), arity, in_dtype, out_dtype](const void* const* in, const int* step, void* out,
                                                                  int64_t n) {
    // Stack buffers: this runs once per row, so it must not allocate.
    constexpr int64_t kChunk = 512;
    alignas(64) float buf[kMaxArity][kChunk];
    alignas(64) float obuf[kChunk];
    const void* ptrs[kMaxArity];
    const int64_t isz = static_cast<int64_t>(size_of(in_dtype)), osz = static_cast<int64_t>(size_of(out_dtype));
    const bool out_float = out_dtype == in_dtype;  // a half result is computed in float32 then narrowed
    for (size_t j = 0; j < arity; ++j) {
      ptrs[j] = buf[j];
      if (!step[j]) convert(in[j], in_dtype, buf[j], float32, 1);  // a repeated scalar: widen once
    }
    for (int64_t s = 0; s < n; s += kChunk) {
      const int64_t m = std::min(kChunk, n - s);
      for (size_t j = 0; j < arity; ++j)
        if (step[j]) convert(static_cast<const char*>(in[j]) + s * isz, in_dtype, buf[j], float32, m);
      char* dst = static_cast<char*>(out) + s * osz;
      if (out_float) {
        f(ptrs, step, obuf, m);
        convert(obuf, float32, dst, out_dtype, m);
      } else {
        f(ptrs, step, dst, m);
      }
    }
  };
}

}  // namespace ingot::cpu
