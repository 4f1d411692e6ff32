// Reshape: a view whenever the input's strides allow one (numpy's no-copy rule), otherwise a
// row-major copy. flatten, unflatten, expand_dims and squeeze build on it.
#include <algorithm>

#include "core/layout.h"
#include "core/utils.h"
#include "cpu/copy.h"
#include "ingot/ops.h"
#include "prims/primitive.h"

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
}  // namespace

class Reshape : public PrimitiveBase<Reshape> {
 public:
  static constexpr const char* kName = "Reshape";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  explicit Reshape(Shape shape) : shape_(std::move(shape)) {}
  auto state() const { return std::tuple(shape_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    if (shape_size(shape_, "reshape") != in[0].size())
      fail("reshape", "cannot reshape array of shape ", shape_str(in[0].shape()), " into shape ", shape_str(shape_),
           ".");
    return {shape_};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    Strides st;
    if (a.size() == 0) return make_view(a, out[0], row_major_strides(shape_));
    if (a.flags().row_contiguous) return make_view(a, out[0], row_major_strides(shape_));
    if (nocopy_strides(a.shape(), a.strides(), shape_, st)) return make_view(a, out[0], std::move(st));
    out[0].alloc();
    cpu::copy_to_row_major(a, out[0].raw_data(), a.dtype());
  }

 private:
  Shape shape_;
};
INGOT_REGISTER_PRIMITIVE(Reshape)

array reshape(const array& a, Shape shape) {
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail("reshape", "only one dimension can be -1, got shape ", shape_str(shape), ".");
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      fail("reshape", "negative dimension ", shape[i], " in shape ", shape_str(shape), ".");
    } else {
      known = known == 0 || shape[i] == 0 || known <= INT64_MAX / shape[i] ? known * shape[i] : -1;
      if (known < 0) fail("reshape", "shape ", shape_str(shape), " has too many elements.");
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.size() % known != 0)
      fail("reshape", "cannot infer the -1 dimension when reshaping array of shape ", shape_str(a.shape()),
           " into shape ", shape_str(shape), ".");
    shape[infer] = a.size() / known;
  } else if (known != a.size()) {
    fail("reshape", "cannot reshape array of shape ", shape_str(a.shape()), " into shape ", shape_str(shape), ".");
  }
  if (shape == a.shape()) return a;
  return make<Reshape>({a}, std::move(shape));
}

array flatten(const array& a, int start_axis, int end_axis) {
  const int nd = a.ndim();
  if (nd == 0) return reshape(a, {1});
  start_axis = normalize_axis(start_axis, nd, "flatten");
  end_axis = normalize_axis(end_axis, nd, "flatten");
  if (start_axis > end_axis)
    fail("flatten", "start_axis ", start_axis, " must not come after end_axis ", end_axis, ".");
  Shape s(a.shape().begin(), a.shape().begin() + start_axis);
  int64_t n = 1;
  for (int i = start_axis; i <= end_axis; ++i) n *= a.shape()[i];
  s.push_back(n);
  s.insert(s.end(), a.shape().begin() + end_axis + 1, a.shape().end());
  return reshape(a, std::move(s));
}

array unflatten(const array& a, int axis, Shape shape) {
  if (shape.empty()) fail("unflatten", "the new shape of the axis cannot be empty.");
  const int nd = a.ndim();
  if (nd == 0) fail("unflatten", "cannot unflatten a 0-dimensional array.");
  axis = normalize_axis(axis, nd, "unflatten");
  const int64_t n = a.shape()[axis];
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail("unflatten", "only one dimension can be -1, got shape ", shape_str(shape), ".");
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      fail("unflatten", "negative dimension ", shape[i], " in shape ", shape_str(shape), ".");
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || n % known != 0)
      fail("unflatten", "cannot unflatten axis ", axis, " of size ", n, " into shape ", shape_str(shape), ".");
    shape[infer] = n / known;
  } else if (known != n) {
    fail("unflatten", "cannot unflatten axis ", axis, " of size ", n, " into shape ", shape_str(shape), ".");
  }
  Shape s(a.shape().begin(), a.shape().begin() + axis);
  s.insert(s.end(), shape.begin(), shape.end());
  s.insert(s.end(), a.shape().begin() + axis + 1, a.shape().end());
  return reshape(a, std::move(s));
}

array expand_dims(const array& a, const std::vector<int>& axes) {
  const int out_nd = a.ndim() + static_cast<int>(axes.size());
  std::vector<int> ax = normalize_axes(axes, out_nd, "expand_dims");
  Shape s;
  auto src = a.shape().begin();
  size_t k = 0;
  for (int i = 0; i < out_nd; ++i) {
    if (k < ax.size() && ax[k] == i) s.push_back(1), ++k;
    else s.push_back(*src++);
  }
  return reshape(a, std::move(s));
}

array expand_dims(const array& a, int axis) { return expand_dims(a, std::vector<int>{axis}); }

array squeeze(const array& a, const std::vector<int>& axes) {
  std::vector<int> ax = normalize_axes(axes, a.ndim(), "squeeze");
  Shape s;
  size_t k = 0;
  for (int i = 0; i < a.ndim(); ++i) {
    if (k < ax.size() && ax[k] == i) {
      if (a.shape()[i] != 1)
        fail("squeeze", "cannot squeeze axis ", i, " of size ", a.shape()[i], " (shape ", shape_str(a.shape()), ").");
      ++k;
    } else {
      s.push_back(a.shape()[i]);
    }
  }
  return reshape(a, std::move(s));
}

array squeeze(const array& a, int axis) { return squeeze(a, std::vector<int>{axis}); }

array squeeze(const array& a) {
  Shape s;
  for (auto d : a.shape())
    if (d != 1) s.push_back(d);
  return reshape(a, std::move(s));
}

}  // namespace ingot
