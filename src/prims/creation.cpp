// Creation ops: Full (a value materialized over a shape) and Arange; linspace, eye and tri compose them.
#include <cmath>
#include <cstring>

#include "core/layout.h"
#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/iterate.h"
#include "ingot/export.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

// The input (any shape broadcastable to the output's) copied into fresh row-major storage.
class Full : public PrimitiveBase<Full> {
 public:
  static constexpr const char* kName = "Full";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  explicit Full(Shape shape) : shape_(std::move(shape)) {}
  auto state() const { return std::tuple(shape_); }
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    return dynamic[0] ? "the shape " + shape_str(shape_) : "";
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    shape_size(shape_, "full");
    if (!broadcastable_to(in[0].shape(), shape_))
      fail("full", "cannot broadcast a value of shape ", shape_str(in[0].shape()), " to shape ", shape_str(shape_),
           ".");
    return {shape_};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& v = in[0];
    array& o = out[0];
    o.alloc();
    if (o.size() == 0) return;
    const size_t sz = v.itemsize();
    if (v.size() == 1) {
      // one value: place it, then double the filled prefix
      char* p = static_cast<char*>(o.raw_data());
      std::memcpy(p, v.raw_data(), sz);
      size_t done = sz;
      const size_t total = o.nbytes();
      while (done < total) {
        const size_t n = std::min(done, total - done);
        std::memcpy(p + done, p, n);
        done += n;
      }
      return;
    }
    array view(std::make_shared<ArrayDesc>(shape_, v.dtype()));
    make_view(v, view, cpu::broadcast_strides(v, shape_));
    cpu::copy_to_row_major(view, o.raw_data(), v.dtype());
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>&, const Arrays&) const override {
    return {rules::unbroadcast(cot[0], in[0].shape())};
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    Shape target = shape_;
    target.insert(target.begin(), in[0].shape(axes[0]));
    return {{copy(broadcast_to(rules::align_batched(in, axes, static_cast<int>(shape_.size()))[0], target))}, {0}};
  }

 private:
  Shape shape_;
};
INGOT_REGISTER_PRIMITIVE(Full)

namespace {
int64_t arange_length(double start, double stop, double step) {
  const double n = std::ceil((stop - start) / step);
  return n > 0 ? static_cast<int64_t>(n) : 0;
}
}  // namespace

// start + i * step for i in [0, ceil((stop - start) / step)), computed in double (or exactly in
// int64 for integer dtypes and integral parameters) and then converted to the dtype.
class Arange : public PrimitiveBase<Arange> {
 public:
  static constexpr const char* kName = "Arange";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  static constexpr int kArity = 0;
  Arange(double start, double stop, double step, Dtype dtype)
      : start_(start), stop_(stop), step_(step), dtype_(dtype) {}
  auto state() const { return std::tuple(start_, stop_, step_, dtype_); }

  std::vector<Shape> output_shapes(const Arrays&) const override {
    check(start_, stop_, step_, dtype_);
    return {{arange_length(start_, stop_, step_)}};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {dtype_}; }
  void eval_cpu(const Arrays&, Arrays& out) const override {
    array& o = out[0];
    o.alloc();
    const int64_t n = o.size();
    // Exact in int64 while start and step fit it (values past it wrap); a file may hold 1e300.
    const bool exact_int = is_integral(dtype_) && start_ == std::trunc(start_) && step_ == std::trunc(step_) &&
                           std::fabs(start_) < 0x1p63 && std::fabs(step_) < 0x1p63;
    dispatch_dtype(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* p = static_cast<T*>(o.raw_data());
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (exact_int) {
          const auto s = static_cast<uint64_t>(static_cast<int64_t>(start_)),
                     st = static_cast<uint64_t>(static_cast<int64_t>(step_));
          for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(s + static_cast<uint64_t>(i) * st);
          return;
        }
      }
      for (int64_t i = 0; i < n; ++i) {
        const double v = start_ + static_cast<double>(i) * step_;
        if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) p[i] = T(static_cast<float>(v));
        else p[i] = cpu::cast_value<T>(v);
      }
    });
  }

  static void check(double start, double stop, double step, Dtype dtype) {
    if (dtype == bool_) fail("arange", "cannot make a range of dtype bool.");
    if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
      fail("arange", "start, stop and step must be finite, got ", start, ", ", stop, " and ", step, ".");
    if (step == 0) fail("arange", "step cannot be zero.");
    if ((stop - start) / step > 9.0e15)  // past 2^53 doubles no longer count every element
      fail("arange", "the range from ", start, " to ", stop, " by ", step, " has too many elements.");
  }

 private:
  double start_, stop_, step_;
  Dtype dtype_;
};
INGOT_REGISTER_PRIMITIVE(Arange)

// 0, 1, ..., n - 1 for the size n that the input has along `axis` at call time: positions, masks and
// index ranges that follow shapes in a shapeless replay (where arange(n) would hold the traced n).
class ArangeAlong : public PrimitiveBase<ArangeAlong> {
 public:
  static constexpr const char* kName = "ArangeAlong";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  static constexpr bool kMixedDtypes = true;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  ArangeAlong(int axis, Dtype dtype) : axis_(axis), dtype_(dtype) {}
  auto state() const { return std::tuple(axis_, dtype_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    if (axis_ < 0 || axis_ >= in[0].ndim())
      fail("arange_along", "axis ", axis_, " is out of range for an array with ", in[0].ndim(), " dimensions.");
    if (dtype_ == bool_) fail("arange_along", "cannot make a range of dtype bool.");
    return {{in[0].shape()[axis_]}};
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override { return {dtype_}; }
  void eval_cpu(const Arrays&, Arrays& out) const override {
    array& o = out[0];
    o.alloc();
    dispatch_dtype(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* p = static_cast<T*>(o.raw_data());
      for (int64_t i = 0; i < o.size(); ++i) {
        if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) p[i] = T(static_cast<float>(i));
        else p[i] = static_cast<T>(i);
      }
    });
  }
  // Depends on the input's shape alone.
  Arrays vjp(const Arrays&, const Arrays&, const std::vector<int>& argnums, const Arrays&) const override {
    return rules::no_cotangents(argnums);
  }
  Arrays jvp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays& out) const override {
    return rules::zero_tangents(out);
  }

 private:
  int axis_;
  Dtype dtype_;
};
INGOT_REGISTER_PRIMITIVE(ArangeAlong)

array arange_along(const array& like, int axis, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "arange_along");
  return make<ArangeAlong>({like}, normalize_axis(axis, like.ndim(), "arange_along"), dtype);
}

array full(const Shape& shape, const Operand& value, std::optional<Dtype> dtype, StreamOrDevice s) {
  to_stream(s, "full");
  shape_size(shape, "full");
  array v = value.to_array(dtype ? *dtype : value.own_dtype(), "full");
  if (!broadcastable_to(v.shape(), shape))
    fail("full", "cannot broadcast a value of shape ", shape_str(v.shape()), " to shape ", shape_str(shape), ".");
  return make<Full>({std::move(v)}, shape);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "zeros");
  return full(shape, array(0, dtype), dtype);
}
array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "ones");
  return full(shape, array(1, dtype), dtype);
}
// In a shapeless trace the shape must come from `a` at call time, not from the traced shape.
array full_like(const array& a, const Operand& value, std::optional<Dtype> dtype, StreamOrDevice s) {
  to_stream(s, "full_like");
  const Dtype t = dtype.value_or(a.dtype());
  if (!detail::in_shapeless_trace()) return full(a.shape(), value, t);
  array v = value.to_array(t, "full_like");
  if (!broadcastable_to(v.shape(), a.shape()))
    fail("full_like", "cannot broadcast a value of shape ", shape_str(v.shape()), " to shape ", shape_str(a.shape()),
         ".");
  return broadcast_like(v, {a});
}
array zeros_like(const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
  to_stream(s, "zeros_like");
  return full_like(a, 0, dtype);
}
array ones_like(const array& a, std::optional<Dtype> dtype, StreamOrDevice s) {
  to_stream(s, "ones_like");
  return full_like(a, 1, dtype);
}

array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "arange");
  Arange::check(start, stop, step, dtype);
  return make<Arange>({}, start, stop, step, dtype);
}
array arange(double stop, Dtype dtype, StreamOrDevice s) { return arange(0.0, stop, 1.0, dtype, s); }
array arange(int64_t start, int64_t stop, int64_t step, Dtype dtype, StreamOrDevice s) {
  return arange(static_cast<double>(start), static_cast<double>(stop), static_cast<double>(step), dtype, s);
}
array arange(int64_t stop, Dtype dtype, StreamOrDevice s) { return arange(int64_t{0}, stop, int64_t{1}, dtype, s); }
array arange(int start, int stop, int step, Dtype dtype, StreamOrDevice s) {
  return arange(int64_t{start}, int64_t{stop}, int64_t{step}, dtype, s);
}
array arange(int stop, Dtype dtype, StreamOrDevice s) {
  return arange(int64_t{0}, int64_t{stop}, int64_t{1}, dtype, s);
}

// numpy's formula: start + i * step in float64, with the last sample set to stop exactly.
array linspace(double start, double stop, int64_t num, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "linspace");
  if (num < 0) fail("linspace", "number of samples ", num, " must be non-negative.");
  if (num == 1) return full({1}, array(start, float64), dtype);
  const double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
  array i = arange(0.0, static_cast<double>(num), 1.0, float64);
  array v = where(equal(i, array(static_cast<double>(num - 1), float64)), array(stop, float64),
                  add(multiply(i, array(step, float64)), array(start, float64)));
  return astype(v, dtype);
}

namespace {
void check_nm(const char* op, int64_t n, int64_t m) {
  if (n < 0 || m < 0) fail(op, "the number of rows and columns must be non-negative, got ", n, " and ", m, ".");
}
}  // namespace

array tri(int64_t n, std::optional<int64_t> m, int64_t k, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "tri");
  const int64_t cols = m.value_or(n);
  check_nm("tri", n, cols);
  array i = reshape(arange(int64_t{0}, n, int64_t{1}, int64), {n, 1});
  array j = reshape(arange(int64_t{0}, cols, int64_t{1}, int64), {1, cols});
  return astype(greater_equal(add(i, array(k, int64)), j), dtype);
}

array eye(int64_t n, std::optional<int64_t> m, int64_t k, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "eye");
  const int64_t cols = m.value_or(n);
  check_nm("eye", n, cols);
  array i = reshape(arange(int64_t{0}, n, int64_t{1}, int64), {n, 1});
  array j = reshape(arange(int64_t{0}, cols, int64_t{1}, int64), {1, cols});
  return astype(equal(add(i, array(k, int64)), j), dtype);
}

array identity(int64_t n, Dtype dtype, StreamOrDevice s) {
  to_stream(s, "identity");
  if (n < 0) fail("identity", "the size must be non-negative, got ", n, ".");
  return eye(n, n, 0, dtype);
}

namespace {
// tri over a's last two axes; in a shapeless trace from positions that follow a's shape.
array tri_like(const array& a, int64_t k, const char* op) {
  if (a.ndim() < 2) fail(op, "requires an array with at least 2 dimensions, got shape ", shape_str(a.shape()), ".");
  if (!detail::in_shapeless_trace()) return tri(a.shape(-2), a.shape(-1), k, bool_);
  array i = expand_dims(arange_along(a, -2, int64), 1), j = arange_along(a, -1, int64);
  return greater_equal(add(i, array(k, int64)), j);
}
}  // namespace

array tril(const array& a, int k, StreamOrDevice s) {
  to_stream(s, "tril");
  return where(tri_like(a, k, "tril"), a, array(0, a.dtype()));
}

array triu(const array& a, int k, StreamOrDevice s) {
  to_stream(s, "triu");
  return where(tri_like(a, int64_t{k} - 1, "triu"), array(0, a.dtype()), a);
}

}  // namespace ingot
