// The extension module ingot._core; python/ingot/__init__.py re-exports it.
#include "convert.h"

NB_MODULE(_core, m) {
  using namespace ingot::py;
  // Dtype singletons live for the whole process on purpose.
  nb::set_leak_warnings(false);
  m.attr("__version__") = INGOT_PY_VERSION;
  init_device(m);
  init_dtype(m);
  init_array(m);
  init_transforms(m);
  init_ops_creation(m);
  init_ops_elementwise(m);
  init_ops_reduce(m);
  init_ops_shape(m);
  init_ops_products(m);
  init_random(m);
  init_io(m);
  init_export(m);
  init_ops_indexing(m);
  init_ops_sort(m);
  init_ops_conv(m);
  init_ops_quantized(m);
  init_linalg(m);
  init_fft(m);
  init_fast(m);
  init_distributed(m);
}
