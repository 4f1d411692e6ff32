// Reductions (axis: None, an int or a list of ints; keepdims), arg reductions, softmax and the
// cumulative scans.
#include <optional>

#include "axes.h"

namespace ingot::py {

namespace {

// One reduction's three C++ overloads: every axis, one axis, a list of axes.
struct ReduceOp {
  const char* name;
  array (*all)(const array&, bool, StreamOrDevice);
  array (*list)(const array&, const std::vector<int>&, bool, StreamOrDevice);
  const char* doc;
};

const ReduceOp kReduce[] = {
    {"sum", &sum, &sum, "The sum over ``axis`` (every axis when None). Bools and small integers sum in int32."},
    {"prod", &prod, &prod, "The product over ``axis`` (every axis when None)."},
    {"max", &max, &max, "The maximum over ``axis`` (every axis when None); NaN propagates."},
    {"min", &min, &min, "The minimum over ``axis`` (every axis when None); NaN propagates."},
    {"all", &all, &all, "Whether every element over ``axis`` (every axis when None) is nonzero."},
    {"any", &any, &any, "Whether some element over ``axis`` (every axis when None) is nonzero."},
    {"mean", &mean, &mean, "The mean over ``axis`` (every axis when None); integers give float32."},
    {"logsumexp", &logsumexp, &logsumexp,
     "log(sum(exp(a))) over ``axis`` (every axis when None), computed without overflow."},
};

using Moments = array (*)(const array&, const std::vector<int>&, bool, int, StreamOrDevice);
using ArgReduce = array (*)(const array&, int, bool, StreamOrDevice);
using ArgReduceAll = array (*)(const array&, bool, StreamOrDevice);
using Scan = array (*)(const array&, std::optional<int>, bool, bool, StreamOrDevice);

array reduce(const ReduceOp& op, const array& a, const AxisArg& axis, bool keepdims) {
  return axis ? op.list(a, axes_of(*axis), keepdims, {}) : op.all(a, keepdims, {});
}

void def_moments(nb::module_& m, const char* name, Moments fn, const char* doc) {
  m.def(
      name,
      [fn](const Operand& a, const AxisArg& axis, bool keepdims, int ddof) {
        array x = arr(a);
        return fn(x, axes_of(axis, x.ndim()), keepdims, ddof, {});
      },
      "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, doc);
}

void def_arg(nb::module_& m, const char* name, ArgReduceAll all_fn, ArgReduce fn, const char* doc) {
  m.def(
      name,
      [all_fn, fn](const Operand& a, std::optional<int> axis, bool keepdims) {
        array x = arr(a);
        return axis ? fn(x, *axis, keepdims, {}) : all_fn(x, keepdims, {});
      },
      "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, doc);
}

void def_scan(nb::module_& m, const char* name, Scan fn, bool with_dtype, const char* doc) {
  if (with_dtype) {
    m.def(
        name,
        [fn](const Operand& a, std::optional<int> axis, bool reverse, bool inclusive, std::optional<Dtype> dtype) {
          array x = arr(a);
          // As MLX: the input is cast to ``dtype`` before the scan.
          if (dtype && *dtype != x.dtype()) x = astype(x, *dtype);
          return fn(x, axis, reverse, inclusive, {});
        },
        "a"_a, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
        "dtype"_a = nb::none(), doc);
  } else {
    m.def(
        name,
        [fn](const Operand& a, std::optional<int> axis, bool reverse, bool inclusive) {
          return fn(arr(a), axis, reverse, inclusive, {});
        },
        "a"_a, "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true, doc);
  }
}

}  // namespace

void init_ops_reduce(nb::module_& m) {
  for (const ReduceOp& op : kReduce)
    m.def(
        op.name,
        [p = &op](const Operand& a, const AxisArg& axis, bool keepdims) { return reduce(*p, arr(a), axis, keepdims); },
        "a"_a, "axis"_a = nb::none(), "keepdims"_a = false, op.doc);

  def_moments(m, "var", static_cast<Moments>(&ingot::var),
              "The variance over ``axis`` (every axis when None), dividing by N - ddof.");
  def_moments(m, "std", static_cast<Moments>(&ingot::std),
              "The standard deviation over ``axis`` (every axis when None), dividing by N - ddof.");
  def_arg(m, "argmax", &argmax, &argmax,
          "The uint32 index of the maximum along ``axis`` (of the flattened array when None); the first one on "
          "ties.");
  def_arg(m, "argmin", &argmin, &argmin,
          "The uint32 index of the minimum along ``axis`` (of the flattened array when None); the first one on "
          "ties.");
  m.def(
      "softmax",
      [](const Operand& a, const AxisArg& axis, bool precise) {
        array x = arr(a);
        return softmax(x, axes_of(axis, x.ndim()), precise);
      },
      "a"_a, "axis"_a = nb::none(), nb::kw_only(), "precise"_a = false,
      "exp(a) normalized to sum to one over ``axis`` (every axis when None). ``precise`` computes half "
      "precision inputs in float32.");

  def_scan(m, "cumsum", &cumsum, true,
           "The cumulative sum along ``axis`` (of the flattened array when None). ``reverse`` scans from the "
           "end; ``inclusive=False`` leaves each element out of its own sum; ``dtype`` casts the input first.");
  def_scan(m, "cumprod", &cumprod, true,
           "The cumulative product along ``axis`` (of the flattened array when None); ``reverse``, "
           "``inclusive`` and ``dtype`` as in :func:`cumsum`.");
  def_scan(m, "cummax", &cummax, false,
           "The cumulative maximum along ``axis`` (of the flattened array when None); ``reverse`` and "
           "``inclusive`` as in :func:`cumsum`.");
  def_scan(m, "cummin", &cummin, false,
           "The cumulative minimum along ``axis`` (of the flattened array when None); ``reverse`` and "
           "``inclusive`` as in :func:`cumsum`.");
  def_scan(m, "logcumsumexp", &logcumsumexp, false,
           "The cumulative log(sum(exp(a))) along ``axis`` (of the flattened array when None); integers give "
           "float32. ``reverse`` and ``inclusive`` as in :func:`cumsum`.");
}

}  // namespace ingot::py
