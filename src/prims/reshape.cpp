// The reshapes: views whenever the input's strides allow one (numpy's no-copy rule), otherwise a
// row-major copy. Reshape names a whole shape; Flatten, Unflatten, ExpandDims and Squeeze name only what
// they change, so they follow any input shape in a shapeless replay.
#include <algorithm>
#include <optional>
#include <sstream>

#include "core/layout.h"
#include "core/utils.h"
#include "cpu/copy.h"
#include "ingot/export.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {
// Strides that present `a`'s elements, in row-major order, with shape `to`; false when no such
// strides exist (numpy's _attempt_nocopy_reshape). Both shapes have the same nonzero size.
bool nocopy_strides(const Shape& from_shape, const Strides& from_strides, const Shape& to, Strides& out) {
  Shape od;
  Strides os;
  for (size_t i = 0; i < from_shape.size(); ++i)
    if (from_shape[i] != 1) od.push_back(from_shape[i]), os.push_back(from_strides[i]);
  const size_t on = od.size(), nn = to.size();
  out.assign(nn, 0);
  size_t oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nn && oi < on) {
    int64_t np = to[ni], op = od[oi];
    while (np != op) {
      if (np < op) np *= to[nj++];
      else op *= od[oj++];
    }
    for (size_t ok = oi; ok + 1 < oj; ++ok)
      if (os[ok] != od[ok + 1] * os[ok + 1]) return false;
    out[nj - 1] = os[oj - 1];
    for (size_t nk = nj - 1; nk > ni; --nk) out[nk - 1] = out[nk] * to[nk];
    ni = nj++;
    oi = oj++;
  }
  // trailing size-1 dimensions: any stride does
  for (size_t k = ni; k < nn; ++k) out[k] = ni > 0 ? out[ni - 1] : 1;
  return true;
}

// out = a's elements in row-major order, in out's shape: a view when a's strides allow one.
void reshape_into(const array& a, array& out) {
  const Shape& shape = out.shape();
  Strides st;
  if (a.size() == 0 || a.flags().row_contiguous) return make_view(a, out, row_major_strides(shape));
  if (nocopy_strides(a.shape(), a.strides(), shape, st)) return make_view(a, out, std::move(st));
  out.alloc();
  cpu::copy_to_row_major(a, out.raw_data(), a.dtype());
}

// `spec` with its one -1 (if any) replaced by what makes n elements, or nothing when no shape does.
// Throws naming `op` for a malformed spec (two -1, other negatives, overflow).
std::optional<Shape> infer_shape(Shape spec, int64_t n, const char* op) {
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == -1) {
      if (infer >= 0) fail(op, "only one dimension can be -1, got shape ", shape_str(spec), ".");
      infer = static_cast<int>(i);
    } else if (spec[i] < 0) {
      fail(op, "negative dimension ", spec[i], " in shape ", shape_str(spec), ".");
    } else {
      known = known == 0 || spec[i] == 0 || known <= INT64_MAX / spec[i] ? known * spec[i] : -1;
      if (known < 0) fail(op, "shape ", shape_str(spec), " has too many elements.");
    }
  }
  if (infer >= 0) {
    if (known == 0 || n % known != 0) return std::nullopt;
    spec[infer] = n / known;
  } else if (known != n) {
    return std::nullopt;
  }
  return spec;
}

Shape reshaped(const Shape& spec, const array& a) {
  if (auto s = infer_shape(spec, a.size(), "reshape")) return *s;
  const bool infers = std::find(spec.begin(), spec.end(), -1) != spec.end();
  if (infers)
    fail("reshape", "cannot infer the -1 dimension when reshaping array of shape ", shape_str(a.shape()),
         " into shape ", shape_str(spec), ".");
  fail("reshape", "cannot reshape array of shape ", shape_str(a.shape()), " into shape ", shape_str(spec), ".");
}

Shape unflattened(const Shape& spec, int axis, int64_t n) {
  if (auto s = infer_shape(spec, n, "unflatten")) return *s;
  fail("unflatten", "cannot unflatten axis ", axis, " of size ", n, " into shape ", shape_str(spec), ".");
}
}  // namespace

// Reshape to a fixed shape, which may keep one -1: the only size a shapeless replay can recompute.
class Reshape : public PrimitiveBase<Reshape> {
 public:
  static constexpr const char* kName = "Reshape";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  explicit Reshape(Shape shape) : shape_(std::move(shape)) {}
  auto state() const { return std::tuple(shape_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    return {reshaped(shape_, in[0])};
  }
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    // Without a -1, a shape of sizes 0 and 1 only is still right (or refused) at any input size.
    const bool infers = std::find(shape_.begin(), shape_.end(), -1) != shape_.end();
    const bool sized = std::any_of(shape_.begin(), shape_.end(), [](int64_t d) { return d > 1; });
    return dynamic[0] && !infers && sized ? "the shape " + shape_str(shape_) + " (keep a -1, or use flatten/unflatten)"
                                          : "";
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { reshape_into(in[0], out[0]); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {reshape(cot[0], in[0].shape())};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    const array x = rules::batch_first(in[0], axes[0]);
    if (std::find(shape_.begin(), shape_.end(), -1) != shape_.end()) {
      Shape s = shape_;
      s.insert(s.begin(), x.shape(0));
      return {{reshape(x, s)}, {0}};
    }
    Shape s = shape_;
    s.insert(s.begin(), -1);
    return {{reshape(x, s)}, {0}};
  }

 private:
  Shape shape_;
};
INGOT_REGISTER_PRIMITIVE(Reshape)

// The shape-following reshapes: each keeps the input's sizes and names only what it changes.
class Flatten : public PrimitiveBase<Flatten> {
 public:
  static constexpr const char* kName = "Flatten";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  Flatten(int start_axis, int end_axis) : start_(start_axis), end_(end_axis) {}
  auto state() const { return std::tuple(start_, end_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    if (start_ < 0 || start_ > end_ || end_ >= static_cast<int>(s.size()))
      fail("flatten", "axes ", start_, " to ", end_, " do not fit an array of shape ", shape_str(s), ".");
    Shape out(s.begin(), s.begin() + start_);
    int64_t n = 1;
    for (int i = start_; i <= end_; ++i) n *= s[i];
    out.push_back(n);
    out.insert(out.end(), s.begin() + end_ + 1, s.end());
    return {out};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { reshape_into(in[0], out[0]); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {reshape(cot[0], in[0].shape())};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    const array x = rules::batch_first(in[0], axes[0]);
    return {{make<Flatten>({x}, start_ + 1, end_ + 1)}, {0}};
  }

 private:
  int start_, end_;
};
INGOT_REGISTER_PRIMITIVE(Flatten)

class Unflatten : public PrimitiveBase<Unflatten> {
 public:
  static constexpr const char* kName = "Unflatten";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  Unflatten(int axis, Shape shape) : axis_(axis), shape_(std::move(shape)) {}
  auto state() const { return std::tuple(axis_, shape_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    if (axis_ < 0 || axis_ >= static_cast<int>(s.size()) || shape_.empty())
      fail("unflatten", "cannot unflatten axis ", axis_, " of an array of shape ", shape_str(s), " into ",
           shape_str(shape_), ".");
    Shape out(s.begin(), s.begin() + axis_);
    const Shape piece = unflattened(shape_, axis_, s[axis_]);
    out.insert(out.end(), piece.begin(), piece.end());
    out.insert(out.end(), s.begin() + axis_ + 1, s.end());
    return {out};
  }
  // The axis's other sizes may change only when one new dimension is left to absorb them.
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    const bool infers = std::find(shape_.begin(), shape_.end(), -1) != shape_.end();
    return dynamic[0] && !infers && shape_.size() > 1 ? "the shape " + shape_str(shape_) + " (keep a -1)" : "";
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { reshape_into(in[0], out[0]); }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {reshape(cot[0], in[0].shape())};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    const array x = rules::batch_first(in[0], axes[0]);
    return {{make<Unflatten>({x}, axis_ + 1, shape_)}, {0}};
  }

 private:
  int axis_;
  Shape shape_;
};
INGOT_REGISTER_PRIMITIVE(Unflatten)

class ExpandDims : public PrimitiveBase<ExpandDims> {
 public:
  static constexpr const char* kName = "ExpandDims";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  explicit ExpandDims(std::vector<int> axes) : axes_(std::move(axes)) {}  // sorted, of the output
  auto state() const { return std::tuple(axes_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const int nd = in[0].ndim() + static_cast<int>(axes_.size());
    for (size_t k = 0; k < axes_.size(); ++k)  // state may come from a file: sorted, unique, in range
      if (axes_[k] < 0 || axes_[k] >= nd || (k > 0 && axes_[k] <= axes_[k - 1]))
        fail("expand_dims", "axes ", detail_axes(), " do not fit an output of ", nd, " dimensions.");
    Shape out;
    size_t k = 0, src = 0;
    for (int i = 0; i < nd; ++i) {
      if (k < axes_.size() && axes_[k] == i) out.push_back(1), ++k;
      else out.push_back(in[0].shape()[src++]);
    }
    if (k != axes_.size()) fail("expand_dims", "axes ", detail_axes(), " do not fit an output of ", nd, " dimensions.");
    return {out};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { reshape_into(in[0], out[0]); }
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays&) const override;
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    const array x = rules::batch_first(in[0], axes[0]);
    std::vector<int> ax;
    for (int a : axes_) ax.push_back(a + 1);
    return {{make<ExpandDims>({x}, std::move(ax))}, {0}};
  }

 private:
  std::string detail_axes() const {
    std::ostringstream os;
    detail::print_field(os, axes_);
    return os.str();
  }
  std::vector<int> axes_;
};
INGOT_REGISTER_PRIMITIVE(ExpandDims)

class Squeeze : public PrimitiveBase<Squeeze> {
 public:
  static constexpr const char* kName = "Squeeze";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  explicit Squeeze(std::vector<int> axes) : axes_(std::move(axes)) {}  // sorted, of the input
  auto state() const { return std::tuple(axes_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    Shape out;
    size_t k = 0;
    for (int i = 0; i < static_cast<int>(s.size()); ++i) {
      if (k < axes_.size() && axes_[k] == i) {
        if (s[i] != 1) fail("squeeze", "cannot squeeze axis ", i, " of size ", s[i], " (shape ", shape_str(s), ").");
        ++k;
      } else {
        out.push_back(s[i]);
      }
    }
    if (k != axes_.size()) fail("squeeze", "an axis to squeeze is out of range for shape ", shape_str(s), ".");
    return {out};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override { reshape_into(in[0], out[0]); }
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {make<ExpandDims>({cot[0]}, axes_)};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    const array x = rules::batch_first(in[0], axes[0]);
    std::vector<int> ax;
    for (int a : axes_) ax.push_back(a + 1);
    return {{make<Squeeze>({x}, std::move(ax))}, {0}};
  }

 private:
  std::vector<int> axes_;
};
INGOT_REGISTER_PRIMITIVE(Squeeze)

Arrays ExpandDims::vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays&) const {
  return {make<Squeeze>({cot[0]}, axes_)};
}

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  to_stream(s, "reshape");
  const Shape resolved = reshaped(shape, a);
  // A shapeless trace keeps every node: the shape only matches the traced input's.
  if (resolved == a.shape() && !detail::in_shapeless_trace()) return a;
  const bool infers = std::find(shape.begin(), shape.end(), -1) != shape.end();
  return make<Reshape>({a}, infers ? std::move(shape) : resolved);
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  to_stream(s, "flatten");
  const int nd = a.ndim();
  if (nd == 0) return make<ExpandDims>({a}, std::vector<int>{0});
  start_axis = normalize_axis(start_axis, nd, "flatten");
  end_axis = normalize_axis(end_axis, nd, "flatten");
  if (start_axis > end_axis)
    fail("flatten", "start_axis ", start_axis, " must not come after end_axis ", end_axis, ".");
  if (start_axis == end_axis) return a;
  return make<Flatten>({a}, start_axis, end_axis);
}

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  to_stream(s, "unflatten");
  if (shape.empty()) fail("unflatten", "the new shape of the axis cannot be empty.");
  const int nd = a.ndim();
  if (nd == 0) fail("unflatten", "cannot unflatten a 0-dimensional array.");
  axis = normalize_axis(axis, nd, "unflatten");
  const int64_t n = a.shape()[axis];
  unflattened(shape, axis, n);  // checks now; the node keeps the -1
  if (shape.size() == 1 && (shape[0] == -1 || !detail::in_shapeless_trace())) return a;
  return make<Unflatten>({a}, axis, std::move(shape));
}

array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  to_stream(s, "expand_dims");
  const int out_nd = a.ndim() + static_cast<int>(axes.size());
  std::vector<int> ax = normalize_axes(axes, out_nd, "expand_dims");
  if (ax.empty()) return a;
  return make<ExpandDims>({a}, std::move(ax));
}

array expand_dims(const array& a, int axis, StreamOrDevice s) { return expand_dims(a, std::vector<int>{axis}, s); }

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  to_stream(s, "squeeze");
  std::vector<int> ax = normalize_axes(axes, a.ndim(), "squeeze");
  for (int i : ax)
    if (a.shape()[i] != 1)
      fail("squeeze", "cannot squeeze axis ", i, " of size ", a.shape()[i], " (shape ", shape_str(a.shape()), ").");
  if (ax.empty()) return a;
  return make<Squeeze>({a}, std::move(ax));
}

array squeeze(const array& a, int axis, StreamOrDevice s) { return squeeze(a, std::vector<int>{axis}, s); }

array squeeze(const array& a, StreamOrDevice s) {
  to_stream(s, "squeeze");
  if (detail::in_shapeless_trace())
    fail("squeeze", "without axes it removes the axes that are 1 in the traced shape, which a shapeless export "
         "cannot follow; name the axes.");
  std::vector<int> ax;
  for (int i = 0; i < a.ndim(); ++i)
    if (a.shape()[i] == 1) ax.push_back(i);
  return squeeze(a, ax);
}

}  // namespace ingot
