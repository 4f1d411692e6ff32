// Slices written into, and slices whose start is known only at run time:
// SliceUpdate (static start/stop/strides), DynamicSlice and DynamicSliceUpdate (start given as an
// integer array input, e.g. the position at which a key/value cache is read or written).
//
// A run-time start never fails: a negative start counts from the end, and the window is then moved
// to lie inside the array (clamped to [0, n - size]), as XLA's dynamic_slice and
// dynamic_update_slice do. MLX does not check these starts at all.
#include <algorithm>
#include <cstring>

#include "core/allocator.h"
#include "core/layout.h"
#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/iterate.h"
#include "ingot/export.h"
#include "ingot/ops.h"
#include "prims/index_util.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

// Copies src (any layout) into dst's elements at dst + offset with strides dst_strides (src's shape).
void copy_into(const array& src, array& dst, const Strides& dst_strides, int64_t offset) {
  if (src.size() == 0) return;
  const int64_t isz = static_cast<int64_t>(src.itemsize());
  char* d = static_cast<char*>(dst.raw_data()) + offset * isz;
  const char* s = static_cast<const char*>(src.raw_data());
  auto run = [&]<size_t N>() {
    cpu::for_each_row(src.shape(), {dst_strides, src.strides()}, [&](const int64_t* off, int64_t n, const int64_t* in) {
      char* dr = d + off[0] * static_cast<int64_t>(N);
      const char* sr = s + off[1] * static_cast<int64_t>(N);
      if (in[0] == 1 && in[1] == 1) {
        std::memcpy(dr, sr, static_cast<size_t>(n) * N);
      } else {
        for (int64_t j = 0; j < n; ++j)
          std::memcpy(dr + j * in[0] * static_cast<int64_t>(N), sr + j * in[1] * static_cast<int64_t>(N), N);
      }
    });
  };
  switch (isz) {
    case 1: return run.template operator()<1>();
    case 2: return run.template operator()<2>();
    case 4: return run.template operator()<4>();
    default: return run.template operator()<8>();
  }
}

// The dynamic ops' checks on axes and the start array; returns the normalized axes.
std::vector<int> check_dynamic(const array& a, const array& start, const std::vector<int>& axes, const char* op) {
  if (!is_integral(start.dtype())) fail(op, "start indices must be integers, got ", start.dtype(), ".");
  if (start.ndim() > 1)
    fail(op, "start indices must be 0- or 1-dimensional, got shape ", shape_str(start.shape()), ".");
  if (start.size() != static_cast<int64_t>(axes.size()))
    fail(op, "got ", start.size(), " start indices for ", axes.size(), " axes.");
  const int nd = a.ndim();
  std::vector<bool> seen(nd, false);
  std::vector<int> out;
  for (int ax : axes) {
    if (ax < -nd || ax >= nd) fail(op, "axis ", ax, " is out of range for an array with ", nd, " dimensions.");
    const int x = ax < 0 ? ax + nd : ax;
    if (seen[x]) fail(op, "repeated axis ", ax, " in axes.");
    seen[x] = true;
    out.push_back(x);
  }
  return out;
}

// Validation of hostile state: axes normalized, distinct, one start index per axis.
void check_dynamic_state(const std::vector<int>& axes, const array& a, const array& start, const char* op) {
  if (start.ndim() > 1 || start.size() != static_cast<int64_t>(axes.size()))
    fail(op, "expects one start index per axis: ", axes.size(), " axes, start of shape ", shape_str(start.shape()),
         ".");
  std::vector<bool> seen(a.ndim(), false);
  for (int ax : axes) {
    if (ax < 0 || ax >= a.ndim() || seen[ax])
      fail(op, "axes must be distinct and in range for an array of shape ", shape_str(a.shape()), ".");
    seen[ax] = true;
  }
}

// Element offset (with `strides`) of a window of `size` placed at the clamped run-time start.
int64_t dynamic_offset(const array& start, const std::vector<int>& axes, const Shape& shape, const Shape& size,
                       const Strides& strides) {
  const auto s = indexing::load_indices(start);
  int64_t off = 0;
  for (size_t j = 0; j < axes.size(); ++j)
    off += indexing::clamp_index(s[j], shape[axes[j]], size[axes[j]]) * strides[axes[j]];
  return off;
}

void check_start_dtype(const Primitive& p, const array& start) {
  if (!is_integral(start.dtype()))
    detail::bad_inputs(p, std::string("expects integer start indices, got ") + dtype_name(start.dtype()));
}

// The output of an update starts as its source: the source's own bytes when nothing else can see them
// (a key/value cache the caller gave up), else a row-major copy.
void start_from(const array& src, array& o) {
  if (donatable(src)) return o.copy_shared_buffer(src, src.strides(), src.flags(), src.data_size());
  o.alloc();
  cpu::copy_to_row_major(src, o.raw_data(), o.dtype());
}

}  // namespace

// Inputs: src, update (src's dtype, the slice's shape). Output: src with the slice
// start:stop:strides (Python-style bounds, as Slice's state) replaced by update.
class SliceUpdate : public PrimitiveBase<SliceUpdate> {
 public:
  static constexpr const char* kName = "SliceUpdate";
  static constexpr int kVersion = 2;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 2;
  SliceUpdate(Shape start, Shape stop, Shape strides)
      : start_(std::move(start)), stop_(std::move(stop)), strides_(std::move(strides)) {}
  auto state() const { return std::tuple(start_, stop_, strides_); }
  static std::shared_ptr<Primitive> upgrade(StateReader& r, int) {
    auto b = indexing::read_v1_slice_bounds(r);
    return std::make_shared<SliceUpdate>(b.start, b.stop, b.strides);
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    const Shape sl = resolve(in[0]).shape;
    if (in[1].shape() != sl)
      fail("slice_update", "update of shape ", shape_str(in[1].shape()), " does not match the slice shape ",
           shape_str(sl), ".");
    return {s};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    array& o = out[0];
    start_from(in[0], o);
    if (in[1].size() == 0) return;
    int64_t offset;
    const Strides st = indexing::slice_strides(o.strides(), resolve(in[0]), offset);
    copy_into(in[1], o, st, offset);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    Arrays r;
    for (int i : argnums)
      r.push_back(i == 0 ? make<SliceUpdate>({cot[0], zeros_like(in[1])}, start_, stop_, strides_)
                         : slice(cot[0], start_, stop_, strides_));
    return r;
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    Shape start = start_, stop = stop_, strides = strides_;
    start.insert(start.begin(), 0), stop.insert(stop.begin(), indexing::kSliceEnd), strides.insert(strides.begin(), 1);
    return {{make<SliceUpdate>(rules::all_batch_first(in, axes), start, stop, strides)}, {0}};
  }

 private:
  indexing::ResolvedSlice resolve(const array& a) const {
    return indexing::resolve_slice(a.shape(), start_, stop_, strides_, "slice_update");
  }
  Shape start_, stop_, strides_;
};
INGOT_REGISTER_PRIMITIVE(SliceUpdate)

// Inputs: a, start (integers, one per axis in `axes`). Output: the window of shape slice_size whose
// corner is at the clamped start along `axes` and at 0 elsewhere; a view of a.
class DynamicSlice : public PrimitiveBase<DynamicSlice> {
 public:
  static constexpr const char* kName = "DynamicSlice";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 2;
  static constexpr bool kMixedDtypes = true;
  DynamicSlice(std::vector<int> axes, Shape slice_size) : axes_(std::move(axes)), slice_size_(std::move(slice_size)) {}
  auto state() const { return std::tuple(axes_, slice_size_); }
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    return dynamic[0] ? "the slice sizes " + shape_str(slice_size_) : "";
  }
  void check_inputs(const Arrays& in) const override {
    if (in.size() != 2) detail::bad_inputs(*this, "expects an array and start indices");
    check_start_dtype(*this, in[1]);
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    check_dynamic_state(axes_, in[0], in[1], "slice");
    bool ok = slice_size_.size() == s.size();
    for (size_t d = 0; ok && d < s.size(); ++d) ok = slice_size_[d] >= 0 && slice_size_[d] <= s[d];
    if (!ok)
      fail("slice", "slice size ", shape_str(slice_size_), " does not fit the array of shape ", shape_str(s), ".");
    return {slice_size_};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    const int64_t off = dynamic_offset(in[1], axes_, a.shape(), slice_size_, a.strides());
    make_view(a, out[0], a.strides(), off);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override;
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    if (axes[1] >= 0) return {};  // a start per entry: run per entry
    std::vector<int> ax;
    for (int a : axes_) ax.push_back(a + 1);
    const array x = rules::batch_first(in[0], axes[0]);
    Shape size = slice_size_;
    size.insert(size.begin(), x.shape(0));
    return {{make<DynamicSlice>({x, in[1]}, std::move(ax), std::move(size))}, {0}};
  }

 private:
  std::vector<int> axes_;
  Shape slice_size_;
};
INGOT_REGISTER_PRIMITIVE(DynamicSlice)

// Inputs: src, update (src's dtype and rank, no larger than src), start (integers, one per axis in
// `axes`). Output: src with the window at the clamped start (0 along other axes) replaced by update.
class DynamicSliceUpdate : public PrimitiveBase<DynamicSliceUpdate> {
 public:
  static constexpr const char* kName = "DynamicSliceUpdate";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 3;
  static constexpr bool kMixedDtypes = true;
  explicit DynamicSliceUpdate(std::vector<int> axes) : axes_(std::move(axes)) {}
  auto state() const { return std::tuple(axes_); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() != 3) detail::bad_inputs(*this, "expects an array, an update and start indices");
    if (in[1].dtype() != in[0].dtype()) detail::bad_inputs(*this, "expects an update of the array's dtype");
    check_start_dtype(*this, in[2]);
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    const Shape& u = in[1].shape();
    check_dynamic_state(axes_, in[0], in[2], "slice_update");
    bool ok = u.size() == s.size();
    for (size_t d = 0; ok && d < s.size(); ++d) ok = u[d] <= s[d];
    if (!ok)
      fail("slice_update", "update of shape ", shape_str(u), " does not fit the array of shape ", shape_str(s), ".");
    return {s};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    array& o = out[0];
    start_from(in[0], o);
    if (in[1].size() == 0) return;
    const int64_t off = dynamic_offset(in[2], axes_, o.shape(), in[1].shape(), o.strides());
    copy_into(in[1], o, o.strides(), off);
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    Arrays r;
    for (int i : argnums)
      r.push_back(i == 0   ? make<DynamicSliceUpdate>({cot[0], zeros_like(in[1]), in[2]}, axes_)
                  : i == 1 ? make<DynamicSlice>({cot[0], in[2]}, axes_, in[1].shape())
                           : array());  // the start
    return r;
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    if (axes[2] >= 0) return {};  // a start per entry: run per entry
    std::vector<int> ax;
    for (int a : axes_) ax.push_back(a + 1);
    Arrays args = rules::all_batch_first({in[0], in[1]}, {axes[0], axes[1]});
    args.push_back(in[2]);
    return {{make<DynamicSliceUpdate>(std::move(args), std::move(ax))}, {0}};
  }

 private:
  std::vector<int> axes_;
};
INGOT_REGISTER_PRIMITIVE(DynamicSliceUpdate)

Arrays DynamicSlice::vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const {
  return indexing::for_array_only(argnums, [&] { return make<DynamicSliceUpdate>({zeros_like(in[0]), cot[0], in[1]}, axes_); });
}

// ---- op builders ----

array slice_update(const array& src, const array& update, const Shape& start, const Shape& stop,
                   std::optional<Shape> strides, StreamOrDevice s) {
  to_stream(s, "slice_update");
  const Shape steps = strides ? *strides : Shape(src.ndim(), 1);
  const Shape sl = indexing::resolve_slice(src.shape(), start, stop, steps, "slice_update").shape;
  // In a shapeless trace the slice covers all of src only at the traced shape.
  bool whole = !detail::in_shapeless_trace();
  for (int i = 0; i < src.ndim(); ++i) whole = whole && steps[i] == 1 && sl[i] == src.shape()[i];
  array upd = astype(update, src.dtype());
  if (!broadcastable_to(upd.shape(), sl))
    fail("slice_update", "cannot broadcast an update of shape ", shape_str(update.shape()), " to the slice shape ",
         shape_str(sl), ".");
  upd = broadcast_to(upd, sl);
  if (whole) return upd;  // the slice is all of src
  return make<SliceUpdate>({src, upd}, start, stop, steps);
}

array slice_update(const array& src, const array& update, const Shape& start, const Shape& stop, const Shape& strides,
                   StreamOrDevice s) {
  return slice_update(src, update, start, stop, std::optional<Shape>(strides), s);
}

template <class Start>
  requires std::same_as<Start, array>
array slice(const array& a, const Start& start, const std::vector<int>& axes, const Shape& slice_size,
            StreamOrDevice s) {
  to_stream(s, "slice");
  std::vector<int> ax = check_dynamic(a, start, axes, "slice");
  bool ok = slice_size.size() == static_cast<size_t>(a.ndim());
  for (int d = 0; ok && d < a.ndim(); ++d) ok = slice_size[d] >= 0 && slice_size[d] <= a.shape()[d];
  if (!ok)
    fail("slice", "slice size ", shape_str(slice_size), " is invalid for the array of shape ", shape_str(a.shape()),
         " (one size per dimension, each between 0 and the dimension).");
  return make<DynamicSlice>({a, start}, std::move(ax), slice_size);
}

template <class Start>
  requires std::same_as<Start, array>
array slice_update(const array& src, const array& update, const Start& start, const std::vector<int>& axes,
                   StreamOrDevice s) {
  to_stream(s, "slice_update");
  std::vector<int> ax = check_dynamic(src, start, axes, "slice_update");
  const int nd = src.ndim();
  if (update.ndim() > nd)
    fail("slice_update", "update of shape ", shape_str(update.shape()), " has more dimensions than the array of ",
         "shape ", shape_str(src.shape()), ".");
  // Missing leading dimensions span the array (size 1 along the indexed axes), as MLX does.
  const int lead = nd - update.ndim();
  Shape us(nd);
  for (int d = 0; d < nd; ++d) {
    if (d < lead) {
      us[d] = std::find(ax.begin(), ax.end(), d) != ax.end() ? 1 : src.shape()[d];
    } else {
      us[d] = update.shape()[d - lead];
      if (us[d] > src.shape()[d])
        fail("slice_update", "update of shape ", shape_str(update.shape()), " does not fit the array of shape ",
             shape_str(src.shape()), ".");
    }
  }
  return make<DynamicSliceUpdate>({src, broadcast_to(astype(update, src.dtype()), us), start}, std::move(ax));
}

template array slice<array>(const array&, const array&, const std::vector<int>&, const Shape&, StreamOrDevice);
template array slice_update<array>(const array&, const array&, const array&, const std::vector<int>&, StreamOrDevice);

}  // namespace ingot
