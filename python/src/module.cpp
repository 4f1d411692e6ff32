// The extension module ingot._core; python/ingot/__init__.py re-exports it.
#include "convert.h"

NB_MODULE(_core, m) {
  using namespace ingot::py;
  // Dtype singletons live for the whole process on purpose.
  nb::set_leak_warnings(false);
  m.attr("__version__") = INGOT_PY_VERSION;
  init_dtype(m);
  init_array(m);
  init_transforms(m);
}
