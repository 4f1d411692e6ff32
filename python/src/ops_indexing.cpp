// Indexing ops with MLX's Python signatures: take, take_along_axis, put_along_axis, slice, slice_update.
// Index arrays are run-time data: out-of-range entries clamp on reads and are dropped on writes (ops.h).
#include "convert.h"

namespace ingot::py {

namespace {

// An index array from any array-like (MLX asks for an array; lists and numpy work here too). Scalars
// become 0-d arrays of their own dtype, so a bool or float is refused by the op as a non-integer index.
array index_arg(const Operand& o) { return as_array(o); }

bool is_int_scalar(const Operand& o) { return !o.is_array() && o.as_scalar().kind == Operand::Scalar::integer; }

array flat(const array& a) { return reshape(a, {a.size()}); }

}  // namespace

void init_ops_indexing(nb::module_& m) {
  m.def(
      "take",
      [](const array& a, const Operand& indices, std::optional<int> axis) {
        if (is_int_scalar(indices)) {
          const int64_t i = indices.as_scalar().i;
          return axis ? ingot::take(a, i, *axis) : ingot::take(a, i);
        }
        array idx = index_arg(indices);
        return axis ? ingot::take(a, idx, *axis) : ingot::take(a, idx);
      },
      "a"_a, "indices"_a, "axis"_a = nb::none(),
      "Takes elements along ``axis`` (the flattened array when ``axis`` is None), as ``a[:, indices, ...]``.\n\n"
      "``indices`` is an int (checked against the axis size) or an integer array; array entries that are "
      "negative count from the end and those still out of range are clamped into range.");

  m.def(
      "take_along_axis",
      [](const array& a, const Operand& indices, std::optional<int> axis) {
        array idx = index_arg(indices);
        return axis ? ingot::take_along_axis(a, idx, *axis) : ingot::take_along_axis(flat(a), idx, 0);
      },
      "a"_a, "indices"_a, "axis"_a = -1,
      "Takes values along ``axis`` at ``indices``, which has a's number of dimensions and broadcasts with a "
      "outside ``axis`` (numpy's take_along_axis). ``axis=None`` takes from the flattened array with 1-D "
      "indices. Out-of-range indices are clamped.");

  m.def(
      "put_along_axis",
      [](const array& a, const Operand& indices, const Operand& values, std::optional<int> axis) {
        array idx = index_arg(indices);
        if (axis) return ingot::put_along_axis(a, idx, values, *axis);
        return reshape(ingot::put_along_axis(flat(a), idx, values, 0), a.shape());
      },
      "a"_a, "indices"_a, "values"_a, "axis"_a = nb::none(),
      "A copy of ``a`` with ``values`` (cast to a's dtype, broadcast with ``indices``) written at ``indices`` "
      "along ``axis`` (the flattened array when ``axis`` is None). Repeated indices: the last write wins; "
      "out-of-range indices are dropped.");

  m.def(
      "slice",
      [](const array& a, const Operand& start_indices, const std::vector<int>& axes, const Shape& slice_size) {
        return ingot::slice(a, index_arg(start_indices), axes, slice_size);
      },
      "a"_a, "start_indices"_a, "axes"_a, "slice_size"_a,
      "A window of size ``slice_size`` (one size per dimension of a) starting at ``start_indices`` (an integer "
      "array, one start per axis in ``axes``; 0 elsewhere). Starts are run-time values: a negative start "
      "counts from the end, then the window is moved to fit inside the array.");

  m.def(
      "slice_update",
      [](const array& a, const Operand& update, const Operand& start_indices, const std::vector<int>& axes) {
        return ingot::slice_update(a, as_array(update), index_arg(start_indices), axes);
      },
      "a"_a, "update"_a, "start_indices"_a, "axes"_a,
      "A copy of ``a`` with ``update`` (cast to a's dtype) written at ``start_indices`` along ``axes``, "
      "placed as in :func:`slice`. Missing leading dimensions of ``update`` span the array.");
}

}  // namespace ingot::py
