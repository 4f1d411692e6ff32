// ingot.eval, the memory counters, and the transforms over flat lists of arrays (ingot/_transforms.py
// builds MLX's tree-taking API on them).
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
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
  m.def("_vjp", [](const ArraysFn& fun, const Arrays& primals, const Arrays& cotangents) {
    return vjp(fun, primals, cotangents);
  });
  m.def("_value_and_grad", [](const ArraysFn& fun, const Arrays& inputs, const std::vector<int>& argnums) {
    return value_and_grad(fun, argnums)(inputs);
  });
  m.def("_jvp", [](const ArraysFn& fun, const Arrays& primals, const Arrays& tangents) {
    return jvp(fun, primals, tangents);
  });
  m.def("_vmap", [](const ArraysFn& fun, const Arrays& inputs, const std::vector<int>& in_axes,
                    const std::vector<int>& out_axes) { return vmap(fun, in_axes, out_axes)(inputs); });
  m.def("_custom_call",
        [](const ArraysFn& fun, std::optional<CustomVjp> fun_vjp, std::optional<CustomJvp> fun_jvp,
           std::optional<CustomVmap> fun_vmap, const Arrays& inputs) {
          return custom_function(fun, fun_vjp, fun_jvp, fun_vmap)(inputs);
        });
  m.def("_checkpoint_call", [](const ArraysFn& fun, const Arrays& inputs) { return checkpoint(fun)(inputs); });
  m.def("_compile", [](const ArraysFn& fun, bool shapeless) { return compile(fun, shapeless); });
  m.def("_handle", [](const array& a) { return a; }, "A new array object holding the same array.");
  m.def("_rebind", [](array& target, const array& value) { target = value; },
        "Makes the array object hold another array (captured state after a compiled call).");
  m.def("disable_compile", &disable_compile, "Compiled functions run the function itself, every call.");
  m.def("enable_compile", &enable_compile, "Compiled functions replay their traced graphs again.");
  m.def("get_active_memory", &get_active_memory, "Bytes held by live array buffers.");
  m.def("get_peak_memory", &get_peak_memory, "The most memory held since the last reset_peak_memory().");
  m.def("reset_peak_memory", &reset_peak_memory, "Resets the peak memory counter to 0.");
  m.def("get_cache_memory", &get_cache_memory, "Bytes of freed buffers kept for reuse.");
  m.def("set_memory_limit", &set_memory_limit, "limit"_a,
        "Bounds the arrays' memory: an allocation past the limit raises RuntimeError. Returns the previous limit.");
  m.def("get_memory_limit", &get_memory_limit, "The bound set by set_memory_limit (no bound: the largest size).");
  m.def("set_cache_limit", &set_cache_limit, "limit"_a,
        "Sets how many bytes of freed buffers are kept for reuse (0: none); returns the previous limit.");
  m.def("clear_cache", &clear_cache, "Returns every cached buffer to the system.");
  m.def("get_num_threads", &get_num_threads,
        "Threads per computation, the calling thread included (the cores, or INGOT_NUM_THREADS).");
  m.def("set_num_threads", &set_num_threads, "n"_a,
        "Sets the threads per computation (1 to 256) for ingot's pool and OpenBLAS; returns the previous count.");
}

}  // namespace ingot::py
