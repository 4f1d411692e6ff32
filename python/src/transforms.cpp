// ingot.eval and the memory counters.
#include <nanobind/stl/vector.h>

#include "convert.h"

namespace ingot::py {

namespace {
// Arrays anywhere in nested lists, tuples and dicts (MLX's trees), in order.
void collect(nb::handle tree, Arrays& out) {
  if (nb::isinstance<array>(tree)) out.push_back(nb::cast<array>(tree));
  else if (nb::isinstance<nb::list>(tree) || nb::isinstance<nb::tuple>(tree))
    for (nb::handle h : tree) collect(h, out);
  else if (nb::isinstance<nb::dict>(tree))
    for (auto [k, v] : nb::borrow<nb::dict>(tree)) collect(v, out);
}
}  // namespace

void init_transforms(nb::module_& m) {
  m.def(
      "eval",
      [](nb::args args) {
        Arrays arrays;
        collect(args, arrays);
        nb::gil_scoped_release release;
        eval(arrays);
      },
      "Computes the given arrays (or the arrays inside nested lists, tuples and dicts) now.");
  m.def("get_active_memory", &get_active_memory, "Bytes held by live array buffers.");
  m.def("get_peak_memory", &get_peak_memory, "The most memory held since the last reset_peak_memory().");
  m.def("reset_peak_memory", &reset_peak_memory, "Resets the peak memory counter.");
}

}  // namespace ingot::py
