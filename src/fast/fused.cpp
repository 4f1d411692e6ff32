#include "fast/fused.h"

#include <atomic>

#include "cpu/copy.h"
#include "ingot/fast.h"
#include "ingot/transforms.h"

namespace ingot::fast {

namespace {
std::atomic<bool> enabled{true};
}

bool set_kernels_enabled(bool on) { return enabled.exchange(on); }

namespace detail {

bool kernels_enabled() { return enabled.load(); }

void adopt(Arrays results, Arrays& out) {
  eval(results);
  for (size_t i = 0; i < out.size(); ++i) {
    const array& r = results[i];
    out[i].copy_shared_buffer(r, r.strides(), r.flags(), r.data_size());
  }
}

Rows::Rows(const array& a) {
  if (a.flags().row_contiguous) {
    data = a.raw_data();
  } else {
    keep = cpu::contiguous(a);
    data = keep.raw_data();
  }
}

void load_f32(const void* p, Dtype t, int64_t n, float* dst) { cpu::convert(p, t, dst, float32, n); }
void store_f32(const float* src, Dtype t, int64_t n, void* p) { cpu::convert(src, float32, p, t, n); }

}  // namespace detail
}  // namespace ingot::fast
