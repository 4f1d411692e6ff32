// Writes at run-time indices: Scatter (scatter, scatter_add/prod/max/min) and ScatterAxis
// (put_along_axis, scatter_add_axis). The output is a copy of the input with the updates applied in
// row-major order of the index positions, so duplicate indices accumulate (add/prod/max/min) and a
// plain scatter keeps the last update written: deterministic.
//
// Negative indices count from the end. An update whose window does not then fit inside the array
// is dropped, as XLA's scatter does (MLX leaves it undefined; numpy raises): clamping it into range
// instead would silently overwrite the edge.
#include <algorithm>
#include <cmath>
#include <string>

#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/iterate.h"
#include "ingot/export.h"
#include "ingot/ops.h"
#include "prims/index_util.h"
#include "prims/primitive.h"

namespace ingot {

namespace {

enum class Reduce { none, sum, prod, max, min };

// The names written to files.
Reduce parse_reduce(const std::string& s, const char* op) {
  if (s == "none") return Reduce::none;
  if (s == "sum") return Reduce::sum;
  if (s == "prod") return Reduce::prod;
  if (s == "max") return Reduce::max;
  if (s == "min") return Reduce::min;
  fail(op, "unknown reduction '", s, "' (expected none, sum, prod, max or min).");
}

template <typename T>
constexpr bool kHalf = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

// Integer arithmetic wraps (as numpy's), done unsigned and at least as wide as unsigned int.
template <typename T>
using Wide = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <typename T>
struct Assign {
  T operator()(T, T s) const { return s; }
};
template <typename T>
struct Add {
  T operator()(T d, T s) const {
    if constexpr (std::is_same_v<T, bool>) return d || s;
    else if constexpr (kHalf<T>) return T(static_cast<float>(d) + static_cast<float>(s));
    else if constexpr (std::is_floating_point_v<T>) return d + s;
    else return static_cast<T>(static_cast<Wide<T>>(d) + static_cast<Wide<T>>(s));
  }
};
template <typename T>
struct Mul {
  T operator()(T d, T s) const {
    if constexpr (std::is_same_v<T, bool>) return d && s;
    else if constexpr (kHalf<T>) return T(static_cast<float>(d) * static_cast<float>(s));
    else if constexpr (std::is_floating_point_v<T>) return d * s;
    else return static_cast<T>(static_cast<Wide<T>>(d) * static_cast<Wide<T>>(s));
  }
};
// NaN wins, as in maximum/minimum.
template <typename T>
struct Max {
  T operator()(T d, T s) const {
    if constexpr (kHalf<T>) {
      const float x = d, y = s;
      return (std::isnan(y) || y > x) ? s : d;
    } else if constexpr (std::is_floating_point_v<T>) {
      return (std::isnan(s) || s > d) ? s : d;
    } else {
      return s > d ? s : d;
    }
  }
};
template <typename T>
struct Min {
  T operator()(T d, T s) const {
    if constexpr (kHalf<T>) {
      const float x = d, y = s;
      return (std::isnan(y) || y < x) ? s : d;
    } else if constexpr (std::is_floating_point_v<T>) {
      return (std::isnan(s) || s < d) ? s : d;
    } else {
      return s < d ? s : d;
    }
  }
};

// Calls f(op) with the combining functor for dtype T and reduction r.
template <typename T, class F>
void with_op(Reduce r, F&& f) {
  switch (r) {
    case Reduce::none: return f(Assign<T>{});
    case Reduce::sum: return f(Add<T>{});
    case Reduce::prod: return f(Mul<T>{});
    case Reduce::max: return f(Max<T>{});
    case Reduce::min: return f(Min<T>{});
  }
}

// out = row-major copy of a.
void copy_input(const array& a, array& out) {
  out.alloc();
  cpu::copy_to_row_major(a, out.raw_data(), a.dtype());
}

void check_scatter_indices(const Primitive& p, const Arrays& in, size_t first, size_t last) {
  for (size_t i = first; i < last; ++i)
    if (!indexing::is_index_dtype(in[i].dtype()))
      detail::bad_inputs(p, std::string("expects integer indices, got ") + dtype_name(in[i].dtype()));
}

// a, the index arrays, then the updates: a Scatter node's inputs.
Arrays with(const array& a, const Arrays& idx, const array& updates) {
  Arrays in{a};
  in.insert(in.end(), idx.begin(), idx.end());
  in.push_back(updates);
  return in;
}

}  // namespace

// Inputs: a, one integer index array per axis in `axes` (all of one shape I), updates of shape
// I + W with W[d] <= a.shape[d]. Window i of the updates goes to a at the indices at i along `axes`
// and at 0 along the other axes.
class Scatter : public PrimitiveBase<Scatter> {
 public:
  static constexpr const char* kName = "Scatter";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr bool kMixedDtypes = true;
  Scatter(std::string reduce, std::vector<int> axes) : reduce_(std::move(reduce)), axes_(std::move(axes)) {}
  auto state() const { return std::tuple(reduce_, axes_); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() < 2) detail::bad_inputs(*this, "expects an array, indices and updates");
    if (in.back().dtype() != in[0].dtype()) detail::bad_inputs(*this, "expects updates of the array's dtype");
    check_scatter_indices(*this, in, 1, in.size() - 1);
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    parse_reduce(reduce_, "scatter");
    const Shape& s = in[0].shape();
    const int nd = static_cast<int>(s.size());
    const size_t k = in.size() - 2;
    if (axes_.size() != k)
      fail("scatter", "expects one index array per axis: ", axes_.size(), " axes but ", k, " index arrays.");
    std::vector<bool> seen(nd, false);
    for (int ax : axes_) {
      if (ax < 0 || ax >= nd || seen[ax])
        fail("scatter", "axes must be distinct and in range for an array of shape ", shape_str(s), ".");
      seen[ax] = true;
    }
    const Shape is = k ? in[1].shape() : Shape{};
    for (size_t i = 2; i <= k; ++i)
      if (in[i].shape() != is)
        fail("scatter", "index arrays must have one shape; got ", shape_str(is), " and ", shape_str(in[i].shape()),
             ".");
    const Shape& us = in.back().shape();
    bool ok = us.size() == is.size() + s.size() && std::equal(is.begin(), is.end(), us.begin());
    for (int d = 0; ok && d < nd; ++d) ok = us[is.size() + d] <= s[d];
    if (!ok)
      fail("scatter", "updates of shape ", shape_str(us), " do not fit indices of shape ", shape_str(is),
           " into an array of shape ", shape_str(s), ".");
    return {s};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    array& o = out[0];
    copy_input(a, o);
    const array upd = cpu::contiguous(in.back());
    if (o.size() == 0 || upd.size() == 0) return;
    const size_t k = axes_.size();
    const Shape& us = upd.shape();
    const size_t ni = us.size() - a.ndim();
    const Shape wshape(us.begin() + static_cast<int64_t>(ni), us.end());
    const int64_t window = shape_size(wshape);
    const int64_t positions = upd.size() / window;
    std::vector<std::vector<int64_t>> idx;
    for (size_t j = 0; j < k; ++j) idx.push_back(indexing::load_indices(in[j + 1]));
    const auto rows = indexing::window_rows(wshape, o.strides(), row_major_strides(wshape));
    // Where each update window lands (-1: dropped), computed once for every reduction and dtype.
    std::vector<int64_t> base(static_cast<size_t>(positions), 0);
    for (size_t j = 0; j < k; ++j) {
      const int ax = axes_[j];
      const int64_t n = a.shape()[ax], w = wshape[ax], st = o.strides()[ax];
      for (int64_t p = 0; p < positions; ++p) {
        int64_t i = idx[j][p];
        if (base[p] < 0) continue;
        base[p] = indexing::resolve_index(i, n, w) ? base[p] + i * st : -1;
      }
    }
    const Reduce r = parse_reduce(reduce_, "scatter");
    dispatch_dtype(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* dst = o.data<T>();
      const T* src = upd.data<T>();
      with_op<T>(r, [&](auto op) {
        if (window == 1) {
          for (int64_t p = 0; p < positions; ++p)
            if (base[p] >= 0) dst[base[p]] = op(dst[base[p]], src[p]);
          return;
        }
        for (int64_t p = 0; p < positions; ++p) {
          if (base[p] < 0) continue;
          T* d0 = dst + base[p];
          const T* s0 = src + p * window;
          for (size_t q = 0; q < rows.rows(); ++q) {
            T* d = d0 + rows.off[0][q];
            const T* s = s0 + rows.off[1][q];
            for (int64_t e = 0; e < rows.n; ++e) d[e * rows.inner[0]] = op(d[e * rows.inner[0]], s[e * rows.inner[1]]);
          }
        }
      });
    });
  }
  // The cotangents of the array (`a`) and of the updates, by reduction:
  // - sum: a's passes through; each update element reads the cotangent where it landed (none where it
  //   was dropped);
  // - assignment: where several updates hit one element the last wins, so element ids scattered the
  //   same way tell which update each element holds; a's passes where nothing was written;
  // - max, min: shared evenly by the values equal to the result (a's and the updates');
  // - prod: a's is times the product of the updates that landed on it, each update's times a and the
  //   other updates there (counted without dividing, so zeros are exact).
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays& out) const override {
    const Reduce r = parse_reduce(reduce_, "scatter");
    const array& a = in[0];
    const array& upd = in.back();
    const array& c = cot[0];
    const Arrays idx(in.begin() + 1, in.end() - 1);
    const Shape w(upd.shape().end() - a.ndim(), upd.shape().end());
    Arrays clamped;
    array valid = array(true);
    for (size_t j = 0; j < idx.size(); ++j) {
      const int64_t n = a.shape(axes_[j]), wj = w[axes_[j]];
      clamped.push_back(indexing::clamped_indices(idx[j], n, wj));
      valid = logical_and(valid, indexing::indices_in_range(idx[j], n, wj));
    }
    // Each update element's value of v (a's shape) at the place it went to; the same scatter as this one.
    auto at_target = [&](const array& v) {
      return reshape(idx.empty() ? slice(v, Shape(a.ndim(), 0), w) : gather(v, clamped, axes_, w), upd.shape());
    };
    auto scattered = [&](const array& base, const array& values, const char* how) {
      return make<Scatter>(with(base, idx, values), std::string(how), axes_);
    };
    std::vector<int> window_axes;  // valid is per index position: one per window element
    for (int d = 0; d < a.ndim(); ++d) window_axes.push_back(valid.ndim() + d);
    array kept = broadcast_like(expand_dims(valid, window_axes), {upd});
    array da, du;  // a's and the updates' cotangents
    switch (r) {
      case Reduce::sum: da = c, du = where(kept, at_target(c), 0.0); break;
      case Reduce::none: {
        const array ids = reshape(arange(upd.size(), int64), upd.shape());
        const array holder = scattered(full_like(a, -1, int64), ids, "none");
        da = where(greater_equal(holder, 0), 0.0, c);
        du = where(logical_and(kept, equal(at_target(holder), ids)), at_target(c), 0.0);
        break;
      }
      case Reduce::max:
      case Reduce::min: {
        const array& y = out[0];
        const array from_a = astype(equal(a, y), a.dtype());
        const array from_u = logical_and(kept, equal(upd, at_target(y)));
        const array count = add(from_a, scattered(zeros_like(a), astype(from_u, a.dtype()), "sum"));
        const array share = divide(c, maximum(count, 1));
        da = multiply(share, from_a);
        du = where(from_u, at_target(share), 0.0);
        break;
      }
      case Reduce::prod: {
        const array zero = equal(upd, 0);
        const array zeros_at = scattered(zeros_like(a, int32), astype(logical_and(zero, kept), int32), "sum");
        const array nonzero_product = scattered(ones_like(a), where(zero, 1, upd), "prod");
        da = multiply(c, scattered(ones_like(a), upd, "prod"));
        // The other updates' product at the target: without this one if it is the zero, else / it.
        const array zt = at_target(zeros_at), pt = at_target(nonzero_product);
        const array others = where(zero, where(greater(zt, 1), 0, pt), where(greater(zt, 0), 0, divide(pt, where(zero, 1, upd))));
        du = where(kept, multiply(at_target(multiply(c, a)), astype(others, upd.dtype())), 0.0);
        break;
      }
    }
    Arrays result;
    for (int i : argnums) result.push_back(i == 0 ? da : i == static_cast<int>(in.size()) - 1 ? du : array());
    return result;
  }
 private:
  std::string reduce_;
  std::vector<int> axes_;
};
INGOT_REGISTER_PRIMITIVE(Scatter)

// Inputs: a, indices and values of one shape, equal to a's outside `axis`. values[..., i, ...] goes
// to a[..., indices[..., i, ...], ...] (numpy's put_along_axis, or an accumulation into it).
class ScatterAxis : public PrimitiveBase<ScatterAxis> {
 public:
  static constexpr const char* kName = "ScatterAxis";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 3;
  static constexpr bool kMixedDtypes = true;
  ScatterAxis(std::string reduce, int axis) : reduce_(std::move(reduce)), axis_(axis) {}
  auto state() const { return std::tuple(reduce_, axis_); }
  void check_inputs(const Arrays& in) const override {
    if (in.size() != 3) detail::bad_inputs(*this, "expects an array, indices and values");
    if (in[2].dtype() != in[0].dtype()) detail::bad_inputs(*this, "expects values of the array's dtype");
    check_scatter_indices(*this, in, 1, 2);
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    parse_reduce(reduce_, "put_along_axis");
    const Shape& s = in[0].shape();
    const Shape& is = in[1].shape();
    if (axis_ < 0 || axis_ >= static_cast<int>(s.size()))
      fail("put_along_axis", "axis ", axis_, " is out of range for an array of shape ", shape_str(s), ".");
    bool ok = is.size() == s.size() && in[2].shape() == is;
    for (size_t d = 0; ok && d < s.size(); ++d) ok = static_cast<int>(d) == axis_ || is[d] == s[d];
    if (!ok)
      fail("put_along_axis", "indices of shape ", shape_str(is), " and values of shape ", shape_str(in[2].shape()),
           " do not match the array of shape ", shape_str(s), " outside axis ", axis_, ".");
    return {s};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    array& o = out[0];
    copy_input(a, o);
    if (o.size() == 0 || in[1].size() == 0) return;
    const auto idx = indexing::load_indices(in[1]);
    const array vals = cpu::contiguous(in[2]);
    const int64_t n = a.shape()[axis_], ast = o.strides()[axis_];
    Strides st = o.strides();
    st[axis_] = 0;  // the index supplies the position along the axis
    const Reduce r = parse_reduce(reduce_, "put_along_axis");
    dispatch_dtype(a.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* dst = o.data<T>();
      const T* src = vals.data<T>();
      with_op<T>(r, [&](auto op) {
        int64_t p = 0;  // row-major position in indices and values
        cpu::for_each_row(in[1].shape(), {st}, [&](const int64_t* off, int64_t len, const int64_t* inner) {
          for (int64_t j = 0; j < len; ++j, ++p) {
            int64_t i = idx[p];
            if (!indexing::resolve_index(i, n, 1)) continue;
            T& d = dst[off[0] + j * inner[0] + i * ast];
            d = op(d, src[p]);
          }
        });
      });
    });
  }
  // As Scatter's.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    const Reduce r = parse_reduce(reduce_, "put_along_axis");
    if (r != Reduce::none && r != Reduce::sum)
      fail("vjp", "primitive ScatterAxis with reduction '", reduce_, "' has no vjp.");
    const int64_t n = in[0].shape(axis_);
    const array clamped = indexing::clamped_indices(in[1], n, 1);
    const array ids = reshape(arange(in[2].size(), int64), in[2].shape());
    const array holder =
        r == Reduce::none ? make<ScatterAxis>({full_like(in[0], -1, int64), in[1], ids}, reduce_, axis_) : array();
    array kept = indexing::indices_in_range(in[1], n, 1);
    if (holder.valid()) kept = logical_and(kept, equal(take_along_axis(holder, clamped, axis_), ids));
    Arrays out;
    for (int i : argnums) {
      if (i == 0) out.push_back(holder.valid() ? where(greater_equal(holder, 0), 0.0, cot[0]) : cot[0]);
      else if (i == 2) out.push_back(where(kept, take_along_axis(cot[0], clamped, axis_), 0.0));
      else out.push_back(array());  // indices
    }
    return out;
  }

 private:
  std::string reduce_;
  int axis_;
};
INGOT_REGISTER_PRIMITIVE(ScatterAxis)

// ---- op builders ----

namespace {

array scatter_impl(const char* op, const char* reduce, const array& a, const Arrays& indices, const array& updates,
                   const std::vector<int>& axes, const StreamOrDevice& stream = {}) {
  to_stream(stream, op);
  const int nd = a.ndim();
  if (indices.size() != axes.size())
    fail(op, "expects one index array per axis: got ", indices.size(), " index arrays and ", axes.size(), " axes.");
  if (indices.size() > static_cast<size_t>(nd))
    fail(op, "too many index arrays (", indices.size(), ") for an array with ", nd, " dimensions.");
  std::vector<int> ax;
  std::vector<bool> seen(nd, false);
  for (int x : axes) {
    if (x < -nd || x >= nd) fail(op, "axis ", x, " is out of range for an array with ", nd, " dimensions.");
    const int y = x < 0 ? x + nd : x;
    if (seen[y]) fail(op, "repeated axis ", x, " in axes.");
    seen[y] = true;
    ax.push_back(y);
  }
  Shape is;
  for (const auto& i : indices) {
    if (!indexing::is_index_dtype(i.dtype())) fail(op, "indices must be integers, got ", i.dtype(), ".");
    is = broadcast_shapes(is, i.shape(), op);
  }
  const Shape& us = updates.shape();
  bool ok = us.size() == is.size() + static_cast<size_t>(nd) && std::equal(is.begin(), is.end(), us.begin());
  for (int d = 0; ok && d < nd; ++d) ok = us[is.size() + d] <= a.shape()[d];
  if (!ok)
    fail(op, "updates of shape ", shape_str(us), " do not fit: expected the index shape ", shape_str(is),
         " followed by a window no larger than the array of shape ", shape_str(a.shape()), ".");
  Arrays in{a};
  for (const auto& i : indices) in.push_back(broadcast_to(i, is));
  in.push_back(astype(updates, a.dtype()));
  return make<Scatter>(std::move(in), std::string(reduce), std::move(ax));
}

array scatter_axis_impl(const char* op, const char* reduce, const array& a, const array& indices, const Operand& values,
                        int axis, const StreamOrDevice& stream = {}) {
  to_stream(stream, op);
  if (!indexing::is_index_dtype(indices.dtype())) fail(op, "indices must be integers, got ", indices.dtype(), ".");
  if (a.ndim() == 0) fail(op, "cannot scatter along an axis of a 0-dimensional array.");
  axis = normalize_axis(axis, a.ndim(), op);
  if (indices.ndim() != a.ndim())
    fail(op, "indices of shape ", shape_str(indices.shape()), " must have as many dimensions as the array of shape ",
         shape_str(a.shape()), ".");
  array v = values.to_array(a.dtype(), op);
  // Leading size-1 dimensions of the values beyond the indices' rank are dropped (as MLX does).
  while (v.ndim() > indices.ndim() && v.shape()[0] == 1) v = squeeze(v, 0);
  Shape t = broadcast_shapes(indices.shape(), v.shape(), op);
  if (t.size() != static_cast<size_t>(a.ndim()))
    fail(op, "values of shape ", shape_str(v.shape()), " have more dimensions than the array of shape ",
         shape_str(a.shape()), ".");
  for (int d = 0; d < a.ndim(); ++d) {
    if (d == axis || t[d] == a.shape()[d]) continue;
    if (t[d] != 1)
      fail(op, "indices of shape ", shape_str(indices.shape()), " and values of shape ", shape_str(v.shape()),
           " do not broadcast to the array of shape ", shape_str(a.shape()), " outside axis ", axis, ".");
    t[d] = a.shape()[d];
  }
  if (detail::in_shapeless_trace()) {
    // The target follows a's sizes outside the axis, and the indices' and values' along it.
    Shape start(a.ndim(), 0), stop(a.ndim(), indexing::kSliceEnd);
    stop[axis] = 1;
    const Arrays like{indices, v, slice(a, start, stop)};
    return make<ScatterAxis>({a, broadcast_like(indices, like), broadcast_like(v, like)}, std::string(reduce), axis);
  }
  return make<ScatterAxis>({a, broadcast_to(indices, t), broadcast_to(v, t)}, std::string(reduce), axis);
}

}  // namespace

array scatter(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
              StreamOrDevice s) {
  return scatter_impl("scatter", "none", a, indices, updates, axes, s);
}
array scatter_add(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s) {
  return scatter_impl("scatter_add", "sum", a, indices, updates, axes, s);
}
array scatter_prod(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
                   StreamOrDevice s) {
  return scatter_impl("scatter_prod", "prod", a, indices, updates, axes, s);
}
array scatter_max(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s) {
  return scatter_impl("scatter_max", "max", a, indices, updates, axes, s);
}
array scatter_min(const array& a, const Arrays& indices, const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s) {
  return scatter_impl("scatter_min", "min", a, indices, updates, axes, s);
}
template <class Idx>
  requires std::same_as<Idx, array>
array scatter(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s) {
  return scatter(a, Arrays{indices}, updates, std::vector<int>{axis}, s);
}
template array scatter<array>(const array&, const array&, const array&, int, StreamOrDevice);
template <class Idx>
  requires std::same_as<Idx, array>
array scatter_add(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s) {
  return scatter_add(a, Arrays{indices}, updates, std::vector<int>{axis}, s);
}
template array scatter_add<array>(const array&, const array&, const array&, int, StreamOrDevice);
template <class Idx>
  requires std::same_as<Idx, array>
array scatter_prod(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s) {
  return scatter_prod(a, Arrays{indices}, updates, std::vector<int>{axis}, s);
}
template array scatter_prod<array>(const array&, const array&, const array&, int, StreamOrDevice);
template <class Idx>
  requires std::same_as<Idx, array>
array scatter_max(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s) {
  return scatter_max(a, Arrays{indices}, updates, std::vector<int>{axis}, s);
}
template array scatter_max<array>(const array&, const array&, const array&, int, StreamOrDevice);
template <class Idx>
  requires std::same_as<Idx, array>
array scatter_min(const array& a, const Idx& indices, const array& updates, int axis, StreamOrDevice s) {
  return scatter_min(a, Arrays{indices}, updates, std::vector<int>{axis}, s);
}
template array scatter_min<array>(const array&, const array&, const array&, int, StreamOrDevice);

array put_along_axis(const array& a, const array& indices, const Operand& values, int axis, StreamOrDevice s) {
  return scatter_axis_impl("put_along_axis", "none", a, indices, values, axis, s);
}
array scatter_add_axis(const array& a, const array& indices, const Operand& values, int axis, StreamOrDevice s) {
  return scatter_axis_impl("scatter_add_axis", "sum", a, indices, values, axis, s);
}

}  // namespace ingot
