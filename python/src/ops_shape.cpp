// Shapes: reshape, flatten, transpose, squeeze, broadcasting, concatenate, stack, split, tril/triu,
// repeat, tile, roll, meshgrid, diag, diagonal, trace and pad.
#include <string>
#include <utility>
#include <vector>

#include "axes.h"

namespace ingot::py {

namespace {

nb::tuple shape_tuple(const Shape& s) {
  nb::list l;
  for (int64_t d : s) l.append(d);
  return nb::tuple(l);
}

nb::list to_pylist(const Arrays& xs) {
  nb::list l;
  for (const array& x : xs) l.append(nb::cast(x));
  return l;
}

Arrays arrays_of(nb::handle seq) {
  Arrays out;
  for (nb::handle h : seq) out.push_back(to_array(h));
  return out;
}

Arrays arrays_of(const std::vector<Operand>& xs) {
  Arrays out;
  out.reserve(xs.size());
  for (const Operand& o : xs) out.push_back(arr(o));
  return out;
}

using Widths = std::vector<std::pair<int64_t, int64_t>>;

[[noreturn]] void bad_pad_width() {
  throw nb::type_error(
      "[pad] pad_width must be an int, a tuple (n,) or (low, high), or a list of (low, high) pairs.");
}

int64_t pad_int(nb::handle h) {
  if (!PyLong_Check(h.ptr())) bad_pad_width();
  return nb::cast<int64_t>(h);
}

// MLX's pad_width forms: n, (n,), (low, high) for every axis, or one (low, high) pair per axis.
Widths pad_widths(nb::handle w) {
  if (PyLong_Check(w.ptr())) return {{nb::cast<int64_t>(w), nb::cast<int64_t>(w)}};
  if (!nb::isinstance<nb::list>(w) && !nb::isinstance<nb::tuple>(w)) bad_pad_width();
  nb::sequence seq = nb::borrow<nb::sequence>(w);
  const size_t n = nb::len(seq);
  if (n > 0 && PyLong_Check(seq[0].ptr())) {
    if (n == 1) return {{pad_int(seq[0]), pad_int(seq[0])}};
    if (n == 2) return {{pad_int(seq[0]), pad_int(seq[1])}};
    bad_pad_width();
  }
  Widths out;
  for (nb::handle p : seq) {
    if ((!nb::isinstance<nb::list>(p) && !nb::isinstance<nb::tuple>(p)) || nb::len(p) != 2) bad_pad_width();
    out.emplace_back(pad_int(p[0]), pad_int(p[1]));
  }
  return out;
}

// numpy's "reflect" (mirror without repeating the edge) and "symmetric" (with it), for any width: a
// gather along each axis of the mirrored, periodically extended indices.
array mirror_pad(const array& a, Widths widths, const std::string& mode) {
  if (widths.size() == 1 && a.ndim() != 1) widths.assign(static_cast<size_t>(a.ndim()), widths[0]);
  if (widths.size() != static_cast<size_t>(a.ndim()))
    throw nb::value_error(("[pad] expects one (low, high) pair per axis (or one for all) for the array of shape " +
                           shape_str(a.shape()) + ", got " + std::to_string(widths.size()) + ".").c_str());
  array out = a;
  for (int d = 0; d < a.ndim(); ++d) {
    const auto [lo, hi] = widths[static_cast<size_t>(d)];
    if (lo < 0 || hi < 0)
      throw nb::value_error(("[pad] pad widths must be non-negative, got (" + std::to_string(lo) + ", " +
                             std::to_string(hi) + ") for axis " + std::to_string(d) + ".").c_str());
    if (lo == 0 && hi == 0) continue;
    const int64_t n = a.shape()[static_cast<size_t>(d)];
    if (n == 0)
      throw nb::value_error(
          ("[pad] cannot pad the empty axis " + std::to_string(d) + " in mode '" + mode + "'.").c_str());
    if (n + lo + hi > (int64_t{1} << 31))
      throw nb::value_error(("[pad] pad widths are too large for axis " + std::to_string(d) + ".").c_str());
    const bool reflect = mode == "reflect";
    const int64_t period = reflect ? 2 * (n - 1) : 2 * n;
    std::vector<int32_t> idx;
    idx.reserve(static_cast<size_t>(n + lo + hi));
    for (int64_t j = -lo; j < n + hi; ++j) {
      if (period == 0) {
        idx.push_back(0);
        continue;
      }
      const int64_t r = ((j % period) + period) % period;
      idx.push_back(static_cast<int32_t>(r < n ? r : (reflect ? period - r : period - 1 - r)));
    }
    const int64_t len = static_cast<int64_t>(idx.size());
    out = take(out, array(idx, Shape{len}, int32), d);
  }
  return out;
}

}  // namespace

void init_ops_shape(nb::module_& m) {
  m.def(
      "reshape", [](const Operand& a, const ShapeArg& shape) { return reshape(arr(a), shape_of(shape)); }, "a"_a,
      "shape"_a, "``a`` with a new shape of the same size; one dimension may be -1 (inferred).");
  m.def(
      "flatten",
      [](const Operand& a, int start_axis, int end_axis) { return flatten(arr(a), start_axis, end_axis); }, "a"_a,
      "start_axis"_a = 0, "end_axis"_a = -1, "``a`` with the axes from start_axis to end_axis merged into one.");
  m.def(
      "unflatten", [](const Operand& a, int axis, const Shape& shape) { return unflatten(arr(a), axis, shape); },
      "a"_a, "axis"_a, "shape"_a,
      "``a`` with ``axis`` split into the dimensions ``shape`` (one may be -1).");
  m.def(
      "transpose",
      [](const Operand& a, const std::optional<std::vector<int>>& axes) {
        return axes ? transpose(arr(a), *axes) : transpose(arr(a));
      },
      "a"_a, "axes"_a = nb::none(), "``a`` with its axes permuted to ``axes`` (reversed when None).");
  m.def(
      "swapaxes", [](const Operand& a, int axis1, int axis2) { return swapaxes(arr(a), axis1, axis2); }, "a"_a,
      "axis1"_a, "axis2"_a, "``a`` with two axes exchanged.");
  m.def(
      "moveaxis", [](const Operand& a, int source, int destination) { return moveaxis(arr(a), source, destination); },
      "a"_a, "source"_a, "destination"_a, "``a`` with axis ``source`` moved to position ``destination``.");
  m.def(
      "expand_dims", [](const Operand& a, const AxisList& axis) { return expand_dims(arr(a), axes_of(axis)); },
      "a"_a, "axis"_a, "``a`` with new axes of size one inserted at the positions ``axis`` of the result.");
  m.def(
      "squeeze",
      [](const Operand& a, const AxisArg& axis) { return axis ? squeeze(arr(a), axes_of(*axis)) : squeeze(arr(a)); },
      "a"_a, "axis"_a = nb::none(), "``a`` without the size-one axes ``axis`` (all of them when None).");
  m.def(
      "broadcast_to", [](const Operand& a, const ShapeArg& shape) { return broadcast_to(arr(a), shape_of(shape)); },
      "a"_a, "shape"_a, "``a`` broadcast to ``shape`` (a view, no copy).");
  m.def(
      "broadcast_arrays", [](nb::args arrays) { return to_pylist(broadcast_arrays(arrays_of(arrays))); },
      "arrays"_a, "The arrays broadcast against each other to a common shape, as a list.");
  m.def(
      "broadcast_shapes",
      [](nb::args shapes) {
        if (nb::len(shapes) == 0) throw nb::value_error("[broadcast_shapes] needs at least one shape.");
        Shape out = nb::cast<Shape>(shapes[0]);
        for (size_t i = 1; i < nb::len(shapes); ++i) out = broadcast_shapes(out, nb::cast<Shape>(shapes[i]));
        return shape_tuple(out);
      },
      "shapes"_a, "The shape that the given shapes broadcast to, as a tuple.");

  const char* concat_doc =
      "The arrays joined along ``axis`` (promoted to a common dtype); ``axis=None`` flattens them first.";
  auto concat = [](const std::vector<Operand>& arrays, std::optional<int> axis) {
    return axis ? concatenate(arrays_of(arrays), *axis) : concatenate(arrays_of(arrays), std::nullopt);
  };
  m.def("concatenate", concat, "arrays"_a, "axis"_a.none() = 0, concat_doc);
  m.def("concat", concat, "arrays"_a, "axis"_a.none() = 0, concat_doc);
  m.def(
      "stack",
      [](const std::vector<Operand>& arrays, std::optional<int> axis) {
        // As MLX: axis None stacks along a new first axis.
        return stack(arrays_of(arrays), axis.value_or(0));
      },
      "arrays"_a, "axis"_a.none() = 0, "The arrays (of one shape) joined along a new axis ``axis``.");
  m.def(
      "split",
      [](const Operand& a, const std::variant<int, std::vector<int64_t>>& indices_or_sections, int axis) {
        if (const int* n = std::get_if<int>(&indices_or_sections)) return to_pylist(split(arr(a), *n, axis));
        return to_pylist(split(arr(a), std::get<std::vector<int64_t>>(indices_or_sections), axis));
      },
      "a"_a, "indices_or_sections"_a, "axis"_a = 0,
      "``a`` split along ``axis`` into that many equal parts (an int), or at the given indices (a list), as a "
      "list of arrays.");
  m.def(
      "tril", [](const Operand& x, int k) { return tril(arr(x), k); }, "x"_a, "k"_a = 0,
      "``x`` with the elements above diagonal ``k`` of its last two axes zeroed.");
  m.def(
      "triu", [](const Operand& x, int k) { return triu(arr(x), k); }, "x"_a, "k"_a = 0,
      "``x`` with the elements below diagonal ``k`` of its last two axes zeroed.");
  m.def(
      "repeat",
      [](const Operand& a, int64_t repeats, std::optional<int> axis) {
        return axis ? repeat(arr(a), repeats, *axis) : repeat(arr(a), repeats);
      },
      "array"_a, "repeats"_a, "axis"_a = nb::none(),
      "Each element repeated ``repeats`` times along ``axis`` (of the flattened array when None).");
  m.def(
      "tile", [](const Operand& a, const ShapeArg& reps) { return tile(arr(a), shape_of(reps)); }, "a"_a, "reps"_a,
      "``a`` repeated ``reps`` times along each axis (numpy's tile).");
  m.def(
      "roll",
      [](const Operand& a, const ShapeArg& shift, const AxisArg& axis) {
        const Shape s = shape_of(shift);
        return axis ? roll(arr(a), s, axes_of(*axis)) : roll(arr(a), s);
      },
      "a"_a, "shift"_a, "axis"_a = nb::none(),
      "``a`` shifted circularly by ``shift`` along ``axis`` (the flattened array when None); shifts and axes "
      "pair up, a single one applying to all.");
  m.def(
      "meshgrid",
      [](nb::args arrays, bool sparse, const std::string& indexing) {
        return nb::tuple(to_pylist(meshgrid(arrays_of(arrays), sparse, indexing)));
      },
      "arrays"_a, "sparse"_a = false, "indexing"_a = "xy",
      "Coordinate arrays from 1-D coordinate vectors, with Cartesian ('xy') or matrix ('ij') indexing; "
      "``sparse`` keeps size-one axes instead of broadcasting.");
  m.def(
      "diag", [](const Operand& a, int k) { return diag(arr(a), k); }, "a"_a, "k"_a = 0,
      "For a 1-D array: a 2-D array with ``a`` on diagonal ``k``. For a 2-D array: its diagonal ``k``.");
  m.def(
      "diagonal",
      [](const Operand& a, int offset, int axis1, int axis2) { return diagonal(arr(a), offset, axis1, axis2); },
      "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1,
      "The diagonal ``offset`` of the planes given by ``axis1`` and ``axis2``; it becomes the last axis.");
  m.def(
      "trace",
      [](const Operand& a, int offset, int axis1, int axis2, std::optional<Dtype> dtype) {
        return trace(arr(a), offset, axis1, axis2, dtype);
      },
      "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "dtype"_a = nb::none(),
      "The sum of the diagonal ``offset`` of the planes given by ``axis1`` and ``axis2``, in ``dtype`` when "
      "given.");
  m.def(
      "pad",
      [](const Operand& a, nb::handle pad_width, const std::string& mode, const Operand& constant_values) {
        Widths w = pad_widths(pad_width);
        if ((mode == "reflect" || mode == "symmetric") && detail::in_shapeless_trace())
          throw nb::value_error(("[pad] mode '" + mode + "' gathers positions computed for the traced shape, "
                                 "which a shapeless export cannot follow.").c_str());
        if (mode == "reflect" || mode == "symmetric") return mirror_pad(arr(a), std::move(w), mode);
        if (mode != "constant" && mode != "edge")
          throw nb::value_error(("[pad] unknown mode '" + mode +
                                 "' (expected 'constant', 'edge', 'reflect' or 'symmetric').").c_str());
        return pad(arr(a), w, constant_values, mode);
      },
      "a"_a, "pad_width"_a, "mode"_a = "constant", "constant_values"_a = 0,
      "``a`` padded by ``pad_width``: an int, (n,) or (low, high) for every axis, or a list of (low, high) "
      "pairs, one per axis. ``mode``: 'constant' (``constant_values``, cast to a's dtype), 'edge' (repeat the "
      "border), 'reflect' (mirror without the border) or 'symmetric' (mirror with it).");
}

}  // namespace ingot::py
