// Reads at run-time indices: Gather (the general form numpy-style advanced indexing reduces to),
// Take (whole slices along one axis) and GatherAxis (take_along_axis).
//
// Index values are data, so they never fail: negative indices count from the end, and an index
// still out of range is clamped into range (the window is moved to fit), as XLA's gather does.
// MLX leaves out-of-range reads undefined; numpy raises. Static (int) indices are checked instead.
#include <cstring>

#include "core/utils.h"
#include "cpu/iterate.h"
#include "ingot/ops.h"
#include "prims/index_util.h"
#include "prims/primitive.h"

namespace ingot {

namespace {

void check_index_inputs(const Primitive& p, const Arrays& in, size_t first, size_t last) {
  for (size_t i = first; i < last; ++i)
    if (!indexing::is_index_dtype(in[i].dtype()))
      detail::bad_inputs(p, std::string("expects integer indices, got ") + dtype_name(in[i].dtype()));
}

// Copies window k (source offset base[k], destination offset k * step) for every k.
void gather_windows(const array& src, array& out, const std::vector<int64_t>& base, int64_t step,
                    const indexing::WindowRows& w) {
  const char* s = static_cast<const char*>(src.raw_data());
  char* o = static_cast<char*>(out.raw_data());
  // When the index position varies fastest in the output (take along the last axis), the window is
  // walked outside and the indices inside: writes stay sequential and reads stay within one source row.
  const bool indices_inside = step == 1 && w.rows() * w.n > 1;
  auto run = [&]<size_t N>() {
    constexpr int64_t n = static_cast<int64_t>(N);
    if (indices_inside) {
      for (size_t r = 0; r < w.rows(); ++r)
        for (int64_t j = 0; j < w.n; ++j) {
          char* d = o + (w.off[0][r] + j * w.inner[0]) * n;
          const char* sr = s + (w.off[1][r] + j * w.inner[1]) * n;
          for (size_t k = 0; k < base.size(); ++k) std::memcpy(d + static_cast<int64_t>(k) * n, sr + base[k] * n, N);
        }
      return;
    }
    for (size_t k = 0; k < base.size(); ++k)
      indexing::copy_window<N>(o + static_cast<int64_t>(k) * step * n, s + base[k] * n, w);
  };
  switch (src.itemsize()) {
    case 1: return run.template operator()<1>();
    case 2: return run.template operator()<2>();
    case 4: return run.template operator()<4>();
    default: return run.template operator()<8>();
  }
}

std::vector<int> checked_axes(const std::vector<int>& axes, int ndim, const char* op) {
  std::vector<bool> seen(ndim, false);
  std::vector<int> out;
  for (int ax : axes) {
    if (ax < -ndim || ax >= ndim)
      fail(op, "axis ", ax, " is out of range for an array with ", ndim, " dimensions.");
    const int a = ax < 0 ? ax + ndim : ax;
    if (seen[a]) fail(op, "repeated axis ", ax, " in axes.");
    seen[a] = true;
    out.push_back(a);
  }
  return out;
}

}  // namespace

// Inputs: a, then one integer index array per axis in `axes` (all of one shape I). Output: shape
// I + slice_sizes; entry (i, w) is a[window start + w], the window starting at the indices at i along
// `axes` and at 0 along the other axes.
class Gather : public PrimitiveBase<Gather> {
 public:
  static constexpr const char* kName = "Gather";
  static constexpr int kVersion = 1;
  static constexpr bool kMixedDtypes = true;
  Gather(std::vector<int> axes, Shape slice_sizes) : axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}
  auto state() const { return std::tuple(axes_, slice_sizes_); }
  // Windows from an operand whose shape follows an input are sized by the traced shape.
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    return dynamic[0] ? "the slice sizes " + shape_str(slice_sizes_) : "";
  }
  void check_inputs(const Arrays& in) const override {
    if (in.empty()) detail::bad_inputs(*this, "expects an array to gather from");
    check_index_inputs(*this, in, 1, in.size());
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const array& a = in[0];
    const int nd = a.ndim();
    if (axes_.size() != in.size() - 1)
      fail("gather", "expects one index array per axis: ", axes_.size(), " axes but ", in.size() - 1,
           " index arrays.");
    if (checked_axes(axes_, nd, "gather") != axes_) fail("gather", "axes must be normalized.");
    if (slice_sizes_.size() != static_cast<size_t>(nd))
      fail("gather", "slice_sizes has ", slice_sizes_.size(), " entries for an array of shape ", shape_str(a.shape()),
           ".");
    for (int d = 0; d < nd; ++d)
      if (slice_sizes_[d] < 0 || slice_sizes_[d] > a.shape()[d])
        fail("gather", "slice sizes ", shape_str(slice_sizes_), " do not fit the array of shape ",
             shape_str(a.shape()), ".");
    Shape out = in.size() > 1 ? in[1].shape() : Shape{};
    for (size_t i = 2; i < in.size(); ++i)
      if (in[i].shape() != in[1].shape())
        fail("gather", "index arrays must have one shape; got ", shape_str(in[1].shape()), " and ",
             shape_str(in[i].shape()), ".");
    out.insert(out.end(), slice_sizes_.begin(), slice_sizes_.end());
    shape_size(out, "gather");
    return {out};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    array& o = out[0];
    o.alloc();
    if (o.size() == 0) return;
    const int64_t positions = in.size() > 1 ? in[1].size() : 1;
    std::vector<int64_t> base(static_cast<size_t>(positions), 0);
    for (size_t j = 0; j < axes_.size(); ++j) {
      const int ax = axes_[j];
      const auto idx = indexing::load_indices(in[j + 1]);
      const int64_t n = a.shape()[ax], w = slice_sizes_[ax], st = a.strides()[ax];
      for (int64_t k = 0; k < positions; ++k) base[k] += indexing::clamp_index(idx[k], n, w) * st;
    }
    const Strides wst = row_major_strides(slice_sizes_);
    const int64_t window = shape_size(slice_sizes_);
    gather_windows(a, o, base, window, indexing::window_rows(slice_sizes_, wst, a.strides()));
  }
  // Each window's cotangent added back where it was read (at the clamped positions the kernel read).
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    Arrays idx;
    for (size_t j = 0; j < axes_.size(); ++j)
      idx.push_back(indexing::clamped_indices(in[j + 1], in[0].shape(axes_[j]), slice_sizes_[axes_[j]]));
    return indexing::for_array_only(argnums, [&] { return scatter_add(zeros_like(in[0]), idx, cot[0], axes_); });
  }

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};
INGOT_REGISTER_PRIMITIVE(Gather)

// Take and GatherAxis: an array and one index array, read along one axis (the state).
template <class P>
class AlongAxis : public PrimitiveBase<P> {
 public:
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 2;
  static constexpr bool kMixedDtypes = true;
  explicit AlongAxis(int axis) : axis_(axis) {}
  auto state() const { return std::tuple(axis_); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() != 2) detail::bad_inputs(*this, "expects an array and indices");
    check_index_inputs(*this, in, 1, 2);
  }

 protected:
  // The axis exists and, when there are indices, has elements to read.
  void check_axis(const Arrays& in, const char* op) const {
    const Shape& s = in[0].shape();
    if (axis_ < 0 || axis_ >= static_cast<int>(s.size()))
      fail(op, "axis ", axis_, " is out of range for an array of shape ", shape_str(s), ".");
    if (s[axis_] == 0 && in[1].size() > 0)
      fail(op, "cannot take from axis ", axis_, " of size 0 (array of shape ", shape_str(s), ").");
  }
  int axis_;
};

// Inputs: a, indices. Output: a.shape[:axis] + indices.shape + a.shape[axis+1:], whole slices of a
// along `axis` picked by the indices (numpy's take).
class Take : public AlongAxis<Take> {
 public:
  static constexpr const char* kName = "Take";
  using AlongAxis::AlongAxis;

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_axis(in, "take");
    const Shape& s = in[0].shape();
    Shape out(s.begin(), s.begin() + axis_);
    out.insert(out.end(), in[1].shape().begin(), in[1].shape().end());
    out.insert(out.end(), s.begin() + axis_ + 1, s.end());
    shape_size(out, "take");
    return {out};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    array& o = out[0];
    o.alloc();
    if (o.size() == 0) return;
    const auto idx = indexing::load_indices(in[1]);
    const int64_t n = a.shape()[axis_], st = a.strides()[axis_];
    std::vector<int64_t> base(idx.size());
    for (size_t k = 0; k < idx.size(); ++k) base[k] = indexing::clamp_index(idx[k], n, 1) * st;
    // The window is a without `axis`; in the output its leading dimensions sit before the index
    // dimensions and its trailing ones after them.
    const int ni = in[1].ndim();
    Shape wshape;
    Strides wsrc, wout;
    int64_t step = 1;
    for (int d = 0; d < a.ndim(); ++d) {
      if (d == axis_) continue;
      wshape.push_back(a.shape()[d]);
      wsrc.push_back(a.strides()[d]);
      wout.push_back(o.strides()[d < axis_ ? d : d - 1 + ni]);
      if (d > axis_) step *= a.shape()[d];
    }
    gather_windows(a, o, base, step, indexing::window_rows(wshape, wout, wsrc));
  }
  // The cotangent, index dimensions first and a window of one along the axis, added back as a scatter.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    return indexing::for_array_only(argnums, [&] { return vjp_array(in, cot[0]); });
  }
  array vjp_array(const Arrays& in, const array& c) const {
    const int ni = in[1].ndim();
    std::vector<int> perm;
    for (int d = 0; d < ni; ++d) perm.push_back(axis_ + d);
    for (int d = 0; d < c.ndim(); ++d)
      if (d < axis_ || d >= axis_ + ni) perm.push_back(d);
    const array updates = expand_dims(transpose(c, perm), ni + axis_);
    const array idx = indexing::clamped_indices(in[1], in[0].shape(axis_), 1);
    return scatter_add(zeros_like(in[0]), Arrays{idx}, updates, std::vector<int>{axis_});
  }

};
INGOT_REGISTER_PRIMITIVE(Take)

// Inputs: a, indices of a's rank whose other dimensions equal a's. Output: indices' shape;
// out[..., i, ...] = a[..., indices[..., i, ...], ...] along `axis` (numpy's take_along_axis).
class GatherAxis : public AlongAxis<GatherAxis> {
 public:
  static constexpr const char* kName = "GatherAxis";
  using AlongAxis::AlongAxis;

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    check_axis(in, "take_along_axis");
    const Shape& s = in[0].shape();
    const Shape& is = in[1].shape();
    bool ok = is.size() == s.size();
    for (size_t d = 0; ok && d < s.size(); ++d) ok = static_cast<int>(d) == axis_ || is[d] == s[d];
    if (!ok)
      fail("take_along_axis", "indices of shape ", shape_str(is), " do not match the array of shape ", shape_str(s),
           " outside axis ", axis_, ".");
    return {is};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    array& o = out[0];
    o.alloc();
    if (o.size() == 0) return;
    const auto idx = indexing::load_indices(in[1]);
    const int64_t n = a.shape()[axis_], ast = a.strides()[axis_];
    Strides st = a.strides();
    st[axis_] = 0;  // the index supplies the position along the axis
    const char* src = static_cast<const char*>(a.raw_data());
    char* dst = static_cast<char*>(o.raw_data());
    auto run = [&]<size_t N>() {
      int64_t p = 0;  // row-major position in the output and in idx
      cpu::for_each_row(o.shape(), {st}, [&](const int64_t* off, int64_t len, const int64_t* inner) {
        for (int64_t j = 0; j < len; ++j, ++p) {
          const int64_t e = off[0] + j * inner[0] + indexing::clamp_index(idx[p], n, 1) * ast;
          std::memcpy(dst + p * static_cast<int64_t>(N), src + e * static_cast<int64_t>(N), N);
        }
      });
    };
    switch (a.itemsize()) {
      case 1: return run.template operator()<1>();
      case 2: return run.template operator()<2>();
      case 4: return run.template operator()<4>();
      default: return run.template operator()<8>();
    }
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    return indexing::for_array_only(argnums, [&] {
      return scatter_add_axis(zeros_like(in[0]), indexing::clamped_indices(in[1], in[0].shape(axis_), 1), cot[0], axis_);
    });
  }

};
INGOT_REGISTER_PRIMITIVE(GatherAxis)

// ---- op builders ----

namespace {
void check_index_dtype(const array& idx, const char* op) {
  if (!indexing::is_index_dtype(idx.dtype()))
    fail(op, "indices must be integers, got ", idx.dtype(), ".");
}
}  // namespace

array gather(const array& a, const Arrays& indices, const std::vector<int>& axes, const Shape& slice_sizes,
             StreamOrDevice s) {
  to_stream(s, "gather");
  const int nd = a.ndim();
  if (indices.size() != axes.size())
    fail("gather", "expects one index array per axis: got ", indices.size(), " index arrays and ", axes.size(),
         " axes.");
  if (indices.size() > static_cast<size_t>(nd))
    fail("gather", "too many index arrays (", indices.size(), ") for an array with ", nd, " dimensions.");
  std::vector<int> ax = checked_axes(axes, nd, "gather");
  if (slice_sizes.size() != static_cast<size_t>(nd))
    fail("gather", "slice_sizes has ", slice_sizes.size(), " entries for an array of shape ", shape_str(a.shape()),
         ".");
  for (int d = 0; d < nd; ++d)
    if (slice_sizes[d] < 0 || slice_sizes[d] > a.shape()[d])
      fail("gather", "slice sizes ", shape_str(slice_sizes), " do not fit the array of shape ", shape_str(a.shape()),
           ".");
  for (const auto& i : indices) check_index_dtype(i, "gather");
  Shape ishape;
  for (const auto& i : indices) ishape = broadcast_shapes(ishape, i.shape(), "gather");
  Arrays in{a};
  for (const auto& i : indices) in.push_back(broadcast_to(i, ishape));
  return make<Gather>(std::move(in), std::move(ax), slice_sizes);
}

template <class Idx>
  requires std::same_as<Idx, array>
array gather(const array& a, const Idx& indices, int axis, const Shape& slice_sizes, StreamOrDevice s) {
  return gather(a, Arrays{indices}, std::vector<int>{axis}, slice_sizes, s);
}
template array gather<array>(const array&, const array&, int, const Shape&, StreamOrDevice);

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  to_stream(s, "take");
  check_index_dtype(indices, "take");
  if (a.ndim() == 0) fail("take", "cannot take along an axis of a 0-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), "take");
  if (a.shape()[axis] == 0 && indices.size() > 0)
    fail("take", "cannot take from axis ", axis, " of size 0 (array of shape ", shape_str(a.shape()), ").");
  return make<Take>({a, indices}, axis);
}

array take(const array& a, const array& indices, StreamOrDevice s) { return take(flatten(a), indices, 0, s); }

array take(const array& a, int64_t index, int axis, StreamOrDevice s) {
  to_stream(s, "take");
  if (a.ndim() == 0) fail("take", "cannot take along an axis of a 0-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), "take");
  const int64_t n = a.shape()[axis];
  if (index < -n || index >= n)
    fail("take", "index ", index, " is out of range for axis ", axis, " with size ", n, ".");
  // Python-style bounds, kept as given: -1 is the last element at whatever size the axis has.
  Shape start(a.ndim(), 0), stop(a.ndim(), indexing::kSliceEnd);
  start[axis] = index;
  stop[axis] = index == -1 ? indexing::kSliceEnd : index + 1;
  return squeeze(slice(a, start, stop), axis);
}

array take(const array& a, int64_t index, StreamOrDevice s) { return take(flatten(a), index, 0, s); }

array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s) {
  to_stream(s, "take_along_axis");
  check_index_dtype(indices, "take_along_axis");
  if (a.ndim() == 0) fail("take_along_axis", "cannot take along an axis of a 0-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), "take_along_axis");
  if (indices.ndim() != a.ndim())
    fail("take_along_axis", "indices of shape ", shape_str(indices.shape()), " must have as many dimensions as the ",
         "array of shape ", shape_str(a.shape()), ".");
  // Broadcast the two against each other everywhere but along the axis.
  Shape as = a.shape(), is = indices.shape();
  for (int d = 0; d < a.ndim(); ++d) {
    if (d == axis || as[d] == is[d]) continue;
    if (as[d] != 1 && is[d] != 1)
      fail("take_along_axis", "indices of shape ", shape_str(indices.shape()), " do not broadcast with the array of ",
           "shape ", shape_str(a.shape()), " outside axis ", axis, ".");
    if (as[d] == 1) as[d] = is[d];
    else is[d] = as[d];
  }
  if (as[axis] == 0 && shape_size(is) > 0)
    fail("take_along_axis", "cannot take from axis ", axis, " of size 0.");
  return make<GatherAxis>({broadcast_to(a, as), broadcast_to(indices, is)}, axis);
}

}  // namespace ingot
