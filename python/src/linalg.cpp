// The submodule ingot.linalg (mlx.core.linalg): norm.
#include <cmath>
#include <string>
#include <vector>

#include "axes.h"
#include "convert.h"

namespace ingot::py {

namespace {

array norm(const array& a, nb::handle ord, const AxisArg& axis, bool keepdims) {
  const std::optional<std::vector<int>> axes =
      axis ? std::optional<std::vector<int>>(axes_of(*axis)) : std::nullopt;
  if (ord.is_none()) return axes ? linalg::norm(a, *axes, keepdims) : linalg::norm(a, keepdims);
  if (nb::isinstance<nb::str>(ord)) {
    const std::string o = nb::cast<std::string>(ord);
    return linalg::norm(a, o.c_str(), axes, keepdims);
  }
  if ((PyLong_Check(ord.ptr()) && !PyBool_Check(ord.ptr())) || PyFloat_Check(ord.ptr()))
    return linalg::norm(a, nb::cast<double>(ord), axes, keepdims);
  throw nb::type_error("[linalg.norm] ord must be None, a number or a string.");
}

}  // namespace

void init_linalg(nb::module_& m) {
  nb::module_ la = m.def_submodule("linalg", "Linear algebra (mlx.core.linalg).");
  la.def("norm", &norm, "a"_a, "ord"_a = nb::none(), "axis"_a = nb::none(), "keepdims"_a = false,
         "Vector or matrix norm (MLX's linalg.norm).\n\n"
         "``ord`` None: the 2-norm over ``axis`` (Frobenius over two axes; every element when ``axis`` is "
         "None). A number: with one axis (or a 1-D array) the vector norm ``sum(abs(x)**ord)**(1/ord)`` "
         "(inf / -inf: max / min of abs(x); 0: count of nonzeros); with two axes (or a 2-D array) the matrix "
         "norms 1 / -1 (max / min column sum of abs(x)) and inf / -inf (row sums). A string: 'fro' (or 'f'), "
         "the Frobenius norm of a matrix. ``axis`` is None, an int or a list of one or two ints. Integer "
         "inputs give float32.");
}

}  // namespace ingot::py
