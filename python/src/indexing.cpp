// numpy's indexing on ingot arrays: a[idx], a[idx] = v and a.at[idx].add(v) (MLX's form of x[idx] += v
// with repeated indices accumulating). Basic indices become views; integer arrays become gathers and
// scatters; a boolean mask may be assigned to.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "convert.h"

namespace ingot::py {

namespace {

[[noreturn]] void index_error(const std::string& msg) { throw nb::index_error(msg.c_str()); }

struct Entry {
  enum Kind { integer, range, indices } kind;
  int64_t i = 0;                                      // integer, normalized for the traced shape
  int64_t raw = 0;                                    // integer, as written (negatives count from the end)
  Py_ssize_t start = 0, stop = 0, step = 1, len = 0;  // range (start/stop as Python gives them)
  Py_ssize_t first = 0;                               // range: the first position read, normalized
  array arr;                                          // indices
};

// The index with new axes inserted into `src` and ellipses expanded: one entry per axis of `src`.
struct Parsed {
  array src;
  std::vector<int> new_axes;  // the axes of src that None inserted
  std::vector<Entry> entries;
  bool has_arrays = false;
  // numpy: advanced indices (arrays, and integers beside them) keep their place only when nothing
  // (a slice, None or an ellipsis, even an empty one) separates them in the index as written.
  bool adv_adjacent = true;
};

bool is_bool_array(const array& a) { return a.dtype() == bool_; }

Entry range_entry(nb::handle s, int64_t n) {
  Entry e{Entry::range};
  if (PySlice_Unpack(s.ptr(), &e.start, &e.stop, &e.step) < 0) throw nb::python_error();
  Py_ssize_t stop = e.stop;
  e.first = e.start;
  e.len = PySlice_AdjustIndices(static_cast<Py_ssize_t>(n), &e.first, &stop, e.step);
  return e;
}

Parsed parse(const array& a, nb::handle index) {
  std::vector<nb::handle> items;
  if (nb::isinstance<nb::tuple>(index)) {
    for (nb::handle h : index) items.push_back(h);
  } else {
    items.push_back(index);
  }
  enum Tag { kNone, kEllipsis, kInt, kSlice, kArray };
  std::vector<Tag> tags;
  std::vector<array> arrays(items.size());
  bool p_adv_adjacent = true;
  int consumed = 0, ellipses = 0;
  for (size_t k = 0; k < items.size(); ++k) {
    nb::handle h = items[k];
    if (h.is_none()) tags.push_back(kNone);
    else if (h.ptr() == Py_Ellipsis) tags.push_back(kEllipsis), ++ellipses;
    else if (PySlice_Check(h.ptr())) tags.push_back(kSlice), ++consumed;
    else if (PyBool_Check(h.ptr())) index_error("[array.__getitem__] a Python bool is not a valid index.");
    else if (PyLong_Check(h.ptr()) || (!nb::isinstance<array>(h) && PyIndex_Check(h.ptr()) &&
                                         !nb::hasattr(h, "shape")))
      tags.push_back(kInt), ++consumed;
    else {
      array idx = to_array(h);
      if (!is_integral(idx.dtype()) && !is_bool_array(idx))
        index_error("[array.__getitem__] arrays used as indices must be of integer type, got " +
                    std::string(dtype_name(idx.dtype())) + ".");
      // (A 0-d integer array or numpy integer scalar acts as a plain integer, below.)
      arrays[k] = idx;
      tags.push_back(kArray);
      if (is_bool_array(idx))
        throw nb::value_error(
            "[array.__getitem__] boolean mask indices are not supported: the result's shape would depend on "
            "the values. Use ingot.where, or assign through a mask (a[mask] = v).");
      ++consumed;
    }
  }
  {
    int first = -1, last = -1, advanced = 0;
    for (int k = 0; k < static_cast<int>(tags.size()); ++k)
      if (tags[k] == kInt || tags[k] == kArray) {
        if (first < 0) first = k;
        last = k, ++advanced;
      }
    p_adv_adjacent = advanced == 0 || last - first + 1 == advanced;
  }
  if (ellipses > 1) index_error("[array.__getitem__] an index can only have a single ellipsis ('...').");
  if (consumed > a.ndim())
    index_error("[array.__getitem__] too many indices for array: array is " + std::to_string(a.ndim()) +
                "-dimensional, but " + std::to_string(consumed) + " were indexed.");

  // Expand: every new axis becomes a size-1 axis of src indexed by a full slice.
  Parsed p;
  p.adv_adjacent = p_adv_adjacent;
  Shape src_shape;
  int axis = 0;  // of a
  auto full = [](int64_t n) {  // a whole axis at any size: stop is Python's None
    Entry e{Entry::range};
    e.start = 0, e.stop = PY_SSIZE_T_MAX, e.step = 1, e.len = n;
    return e;
  };
  // A 0-d index array that has (or can compute) its value acts as an integer; one that depends on a
  // function being traced (vmap, compile, export) stays an array index, read at run time.
  auto concrete = [](const array& i) {
    return i.is_evaluated() || (!i.has_node() && i.kind() != ArrayKind::placeholder);
  };
  auto take_item = [&](size_t k) {
    const int64_t n = a.shape()[axis];
    Entry e{Entry::integer};
    if (tags[k] == kSlice) {
      e = range_entry(items[k], n);
    } else if (tags[k] == kInt || (tags[k] == kArray && arrays[k].ndim() == 0 && concrete(arrays[k]))) {
      int64_t i = tags[k] == kInt ? nb::cast<int64_t>(nb::int_(items[k])) : arrays[k].item<int64_t>();
      if (i < -n || i >= n)
        index_error("[array.__getitem__] index " + std::to_string(i) + " is out of bounds for axis " +
                    std::to_string(axis) + " with size " + std::to_string(n) + ".");
      e.raw = i;
      e.i = i < 0 ? i + n : i;
    } else {
      e.kind = Entry::indices;
      e.arr = arrays[k];
      p.has_arrays = true;
    }
    src_shape.push_back(n);
    p.entries.push_back(e);
    ++axis;
  };
  for (size_t k = 0; k < items.size(); ++k) {
    if (tags[k] == kNone) {
      p.new_axes.push_back(static_cast<int>(src_shape.size()));
      src_shape.push_back(1);
      p.entries.push_back(full(1));
    } else if (tags[k] == kEllipsis) {
      for (int r = a.ndim() - consumed; r > 0; --r) {
        src_shape.push_back(a.shape()[axis]);
        p.entries.push_back(full(a.shape()[axis]));
        ++axis;
      }
    } else {
      take_item(k);
    }
  }
  for (; axis < a.ndim(); ++axis) {
    src_shape.push_back(a.shape()[axis]);
    p.entries.push_back(full(a.shape()[axis]));
  }
  p.src = expand_dims(a, p.new_axes);  // a itself when there is no None
  return p;
}

// The slice of src that the basic entries select (integers kept as size-1 axes, arrays as whole axes).
// Bounds stay as written (Python-style), so that a shapeless trace slices the same way at any size; the
// slice is left out only where it selects everything at any size, or (outside such a trace) at this one.
array basic_slice(const Parsed& p) {
  const int nd = p.src.ndim();
  const bool shapeless = detail::in_shapeless_trace();
  Shape start(nd), stop(nd), step(nd, 1);
  bool identity = true;
  for (int d = 0; d < nd; ++d) {
    const Entry& e = p.entries[d];
    const int64_t n = p.src.shape()[d];
    if (e.kind == Entry::integer) {
      start[d] = e.raw, stop[d] = e.raw == -1 ? PY_SSIZE_T_MAX : e.raw + 1;
      identity = identity && n == 1 && !shapeless;
    } else if (e.kind == Entry::indices) {
      start[d] = 0, stop[d] = PY_SSIZE_T_MAX;
    } else {
      start[d] = e.start, stop[d] = e.stop, step[d] = e.step;
      const bool whole = e.start == 0 && e.stop == PY_SSIZE_T_MAX;
      identity = identity && e.step == 1 && (shapeless ? whole : e.len == n);
    }
  }
  return identity ? p.src : slice(p.src, start, stop, step);
}

// Undoes the axes that None inserted into src.
array without_new_axes(const Parsed& p, const array& r) { return p.new_axes.empty() ? r : squeeze(r, p.new_axes); }

// Positions of the advanced entries (arrays, and integers when arrays are present, as numpy).
std::vector<int> advanced_axes(const Parsed& p) {
  std::vector<int> adv;
  for (int d = 0; d < static_cast<int>(p.entries.size()); ++d)
    if (p.entries[d].kind != Entry::range) adv.push_back(d);
  return adv;
}

array index_array(const Entry& e) { return e.kind == Entry::indices ? e.arr : array(e.i, int64); }

Shape broadcast_index_shape(const Parsed& p, const std::vector<int>& adv) {
  Shape s;
  for (int d : adv) s = broadcast_shapes(s, index_array(p.entries[d]).shape(), "array.__getitem__");
  return s;
}

array getitem(const array& a, nb::handle index) {
  Parsed p = parse(a, index);
  array v = basic_slice(p);
  std::vector<int> adv = advanced_axes(p);
  if (p.has_arrays) {
    broadcast_index_shape(p, adv);  // index arrays that do not broadcast: an error naming __getitem__
    for (int d : adv)
      if (v.shape()[d] == 0 && index_array(p.entries[d]).size() > 0)
        index_error("[array.__getitem__] index arrays select from axis " + std::to_string(d) + " of size 0.");
  }
  if (!p.has_arrays) {
    if (adv.empty()) return v;
    return squeeze(v, adv);
  }
  Arrays idx;
  Shape window = v.shape();
  for (int d : adv) idx.push_back(index_array(p.entries[d])), window[d] = 1;
  array g = gather(v, idx, adv, window);  // I + window
  const int ni = g.ndim() - v.ndim();
  std::vector<int> drop;
  for (int d : adv) drop.push_back(ni + d);
  g = squeeze(g, drop);  // I + the sliced axes
  if (!p.adv_adjacent || adv[0] == 0) return g;
  // Adjacent advanced indices keep their place, as numpy: move I after the sliced axes before them.
  std::vector<int> perm;
  for (int k = 0; k < adv[0]; ++k) perm.push_back(ni + k);
  for (int k = 0; k < ni; ++k) perm.push_back(k);
  for (int k = ni + adv[0]; k < g.ndim(); ++k) perm.push_back(k);
  return transpose(g, perm);
}

// One index array per axis of src, broadcasting to the shape the selection has in a[idx]
// (MLX's approach for updates through mixed indices): ranges become aranges on their own axes.
struct ScatterArgs {
  Arrays indices;
  std::vector<int> axes;
  Shape result;  // shape of a[idx] for src
};

ScatterArgs scatter_args(const Parsed& p) {
  std::vector<int> adv = advanced_axes(p);
  const Shape ishape = broadcast_index_shape(p, adv);
  const int ni = static_cast<int>(ishape.size());
  // a[idx]'s axes: I first when the advanced indices are not adjacent, else I in their place.
  std::vector<int> where_range(p.entries.size(), -1);
  int pos = 0, ipos = 0;
  const bool front = !adv.empty() && !p.adv_adjacent;
  if (front) pos = ni;
  for (int d = 0; d < static_cast<int>(p.entries.size()); ++d) {
    if (!front && !adv.empty() && d == adv[0]) ipos = pos, pos += ni;
    if (p.entries[d].kind == Entry::range) where_range[d] = pos++;
  }
  ScatterArgs s;
  const int rank = pos;
  s.result.assign(rank, 1);
  for (int k = 0; k < ni; ++k) s.result[ipos + k] = ishape[k];
  for (int d = 0; d < static_cast<int>(p.entries.size()); ++d) {
    const Entry& e = p.entries[d];
    s.axes.push_back(d);
    Shape shape(rank, 1);
    if (e.kind == Entry::range) {
      const int r = where_range[d];
      s.result[r] = e.len;
      shape[r] = e.len;
      const int64_t start = e.first, step = e.step;
      array ar = e.len == 0 ? zeros({0}, int64) : arange(start, start + e.len * step, step, int64);
      s.indices.push_back(reshape(ar, shape));
    } else {
      array ix = broadcast_to(index_array(e), ishape);
      for (int k = 0; k < ni; ++k) shape[ipos + k] = ishape[k];
      s.indices.push_back(reshape(ix, shape));
    }
  }
  return s;
}

// value broadcast to the selection's shape; extra leading size-1 axes are dropped first, as numpy does.
array fit_value(const array& value, const Shape& shape, const char* op) {
  array v = value;
  int lead = 0;
  while (v.ndim() - lead > static_cast<int>(shape.size()) && v.shape()[lead] == 1) ++lead;
  if (lead > 0) v = reshape(v, Shape(v.shape().begin() + lead, v.shape().end()));
  if (v.ndim() > static_cast<int>(shape.size()) || broadcast_shapes(v.shape(), shape, op) != shape)
    throw nb::value_error((std::string("[") + op + "] a value of shape " + shape_str(value.shape()) +
                           " cannot be assigned to a selection of shape " + shape_str(shape) + ".").c_str());
  return broadcast_to(v, shape);
}

array updates_for(const ScatterArgs& s, const array& value, int src_ndim, const char* op) {
  Shape full = s.result;
  full.insert(full.end(), src_ndim, 1);
  return reshape(fit_value(value, s.result, op), full);
}

using ScatterFn = array (*)(const array&, const Arrays&, const array&, const std::vector<int>&, StreamOrDevice);

array scatter_update(const array& a, nb::handle index, const Operand& value, ScatterFn fn) {
  Parsed p = parse(a, index);
  array v = value.to_array(a.dtype(), "array.at");
  ScatterArgs s = scatter_args(p);
  return without_new_axes(p, fn(p.src, s.indices, updates_for(s, v, p.src.ndim(), "array.at"), s.axes, {}));
}

// a[mask] = v. The value either broadcasts over the selected elements (one value for all), or has one
// row per selected element, taken in order: row cumsum(mask) - 1 goes to each selected position.
array mask_assign(const array& a, const array& mask, const array& value) {
  const char* op = "array.__setitem__";
  if (mask.ndim() > a.ndim() || !std::equal(mask.shape().begin(), mask.shape().end(), a.shape().begin()))
    index_error(std::string("[") + op + "] a boolean mask of shape " + shape_str(mask.shape()) +
                " does not match the leading axes of an array of shape " + shape_str(a.shape()) + ".");
  const Shape rest(a.shape().begin() + mask.ndim(), a.shape().end());
  Shape ms = mask.shape();
  ms.resize(a.ndim(), 1);
  const array m = reshape(mask, ms);
  array v = value;
  while (v.ndim() > static_cast<int>(rest.size()) + 1 && v.shape()[0] == 1)
    v = reshape(v, Shape(v.shape().begin() + 1, v.shape().end()));
  if (v.ndim() <= static_cast<int>(rest.size()) || v.shape()[0] == 1) {
    Shape one_row = rest;
    one_row.insert(one_row.begin(), 1);
    array row = v.ndim() <= static_cast<int>(rest.size()) ? fit_value(v, rest, op) : fit_value(v, one_row, op);
    Shape lead_ones(a.ndim() - rest.size(), 1);
    lead_ones.insert(lead_ones.end(), rest.begin(), rest.end());
    return where(m, reshape(row, lead_ones), a);
  }
  Shape rows = rest;
  rows.insert(rows.begin(), v.shape()[0]);
  v = fit_value(v, rows, op);
  array position = subtract(cumsum(astype(reshape(mask, {-1}), int32)), 1);
  array picked = take(v, position, 0);  // (mask.size,) + rest; unselected positions are ignored by where
  Shape full = mask.shape();
  full.insert(full.end(), rest.begin(), rest.end());
  return where(m, reshape(picked, full), a);
}

array setitem(const array& a, nb::handle index, const Operand& value) {
  // A boolean mask over the leading axes. Another array-like index is parsed as the array it became.
  nb::object converted;
  if (!nb::isinstance<nb::tuple>(index) && !index.is_none() && !PySlice_Check(index.ptr()) &&
      index.ptr() != Py_Ellipsis && !PyLong_Check(index.ptr())) {
    array idx = to_array(index);
    if (idx.dtype() == bool_) return mask_assign(a, idx, value.to_array(a.dtype(), "array.__setitem__"));
    converted = nb::cast(idx);
    index = converted;
  }
  Parsed p = parse(a, index);
  array v = value.to_array(a.dtype(), "array.__setitem__");
  if (p.has_arrays) {
    ScatterArgs s = scatter_args(p);
    return without_new_axes(p, scatter(p.src, s.indices, updates_for(s, v, p.src.ndim(), "array.__setitem__"), s.axes));
  }
  // Basic indices: a slice update. The value broadcasts to a[idx]'s shape, integer axes kept as 1.
  const int nd = p.src.ndim();
  Shape start(nd), stop(nd), step(nd, 1), sliced(nd), result;
  for (int d = 0; d < nd; ++d) {
    const Entry& e = p.entries[d];
    if (e.kind == Entry::integer) {
      start[d] = e.raw, stop[d] = e.raw == -1 ? PY_SSIZE_T_MAX : e.raw + 1, sliced[d] = 1;
    } else {
      start[d] = e.start, stop[d] = e.stop, step[d] = e.step, sliced[d] = e.len;
      result.push_back(e.len);
    }
  }
  array upd = reshape(fit_value(v, result, "array.__setitem__"), sliced);
  return without_new_axes(p, slice_update(p.src, upd, start, stop, step));
}

array scatter_sub(const array& a, const Arrays& i, const array& u, const std::vector<int>& ax, StreamOrDevice s) {
  return scatter_add(a, i, negative(u), ax, s);
}
array scatter_div(const array& a, const Arrays& i, const array& u, const std::vector<int>& ax, StreamOrDevice s) {
  return scatter_prod(a, i, astype(reciprocal(u), a.dtype()), ax, s);
}

// a.at[idx]: remembers the index until one of the update methods is called.
struct ArrayAt {
  array a;
  nb::object index;
};

}  // namespace

void init_indexing(nb::class_<array>& cls) {
  cls.def("__getitem__", &getitem, "index"_a.none(),
          "numpy's indexing: integers, slices with steps, None, ..., and integer arrays or lists.");
  cls.def(
      "__setitem__",
      [](array& self, nb::handle index, const Operand& value) { self = setitem(self, index, value); },
      "index"_a.none(), "value"_a,
      "Replaces the indexed elements (the array object now holds the updated array; other arrays are "
      "unchanged). Repeated indices: the last update wins.");
  nb::class_<ArrayAt> at(cls, "ArrayAt", "The indexed part of an array, to update with accumulation.");
  at.def("__getitem__", [](const ArrayAt& self, nb::object index) { return ArrayAt{self.a, index}; },
         "index"_a.none());
#define INGOT_AT(NAME, FN, DOC)                                                                         \
  at.def(                                                                                               \
      NAME,                                                                                             \
      [](const ArrayAt& self, const Operand& v) {                                                       \
        if (!self.index.is_valid()) throw nb::value_error("[array.at] index the array first: a.at[idx]."); \
        return scatter_update(self.a, self.index, v, FN);                                               \
      },                                                                                                \
      "value"_a, DOC);
  INGOT_AT("add", static_cast<ScatterFn>(&scatter_add), "a with value added at the index; repeats accumulate.")
  INGOT_AT("subtract", &scatter_sub, "a with value subtracted at the index; repeats accumulate.")
  INGOT_AT("multiply", static_cast<ScatterFn>(&scatter_prod), "a multiplied by value at the index; repeats accumulate.")
  INGOT_AT("divide", &scatter_div, "a divided by value at the index; repeats accumulate.")
  INGOT_AT("maximum", static_cast<ScatterFn>(&scatter_max), "The maximum of a and value at the index.")
  INGOT_AT("minimum", static_cast<ScatterFn>(&scatter_min), "The minimum of a and value at the index.")
#undef INGOT_AT
  cls.def_prop_ro("at", [](const array& a) { return ArrayAt{a, nb::object()}; },
                  "Updates that accumulate over repeated indices: a.at[idx].add(v), subtract, multiply, "
                  "divide, maximum, minimum.");
}

}  // namespace ingot::py
