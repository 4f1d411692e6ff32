// Concatenate: each input copied into its slab of a row-major output; stack builds on it.
#include <cstring>

#include "core/utils.h"
#include "cpu/iterate.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {
// Copies src (any layout) into dst laid out with dst_strides (elements), both of src's shape.
template <size_t N>
void copy_into(const array& src, char* dst, const Strides& dst_strides) {
  const char* s = static_cast<const char*>(src.raw_data());
  auto row = [&](const int64_t* off, int64_t n, const int64_t* inner) {
    char* d = dst + off[0] * static_cast<int64_t>(N);
    const char* p = s + off[1] * static_cast<int64_t>(N);
    if (inner[0] == 1 && inner[1] == 1) {
      std::memcpy(d, p, static_cast<size_t>(n) * N);
    } else {
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(d + i * inner[0] * static_cast<int64_t>(N), p + i * inner[1] * static_cast<int64_t>(N), N);
    }
  };
  cpu::for_each_row(src.shape(), {dst_strides, src.strides()}, row);
}
}  // namespace

class Concatenate : public PrimitiveBase<Concatenate> {
 public:
  static constexpr const char* kName = "Concatenate";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  explicit Concatenate(int axis) : axis_(axis) {}
  auto state() const { return std::tuple(axis_); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    if (in.empty()) fail("concatenate", "no arrays to concatenate.");
    Shape out = in[0].shape();
    if (axis_ < 0 || axis_ >= static_cast<int>(out.size()))
      fail("concatenate", "axis ", axis_, " is out of range for arrays of shape ", shape_str(out), ".");
    for (size_t k = 1; k < in.size(); ++k) {
      const Shape& s = in[k].shape();
      bool ok = s.size() == out.size() && in[k].dtype() == in[0].dtype();
      for (size_t i = 0; ok && i < s.size(); ++i) ok = static_cast<int>(i) == axis_ || s[i] == out[i];
      if (!ok)
        fail("concatenate", "cannot concatenate arrays of shapes ", shape_str(in[0].shape()), " and ", shape_str(s),
             " along axis ", axis_, ".");
      // A file may repeat one huge input 65536 times: the sum must not overflow.
      if (__builtin_add_overflow(out[axis_], s[axis_], &out[axis_]))
        fail("concatenate", "the result along axis ", axis_, " has too many elements.");
    }
    shape_size(out, "concatenate");
    return {out};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    array& o = out[0];
    o.alloc();
    if (o.size() == 0) return;
    const Strides& os = o.strides();
    char* base = static_cast<char*>(o.raw_data());
    int64_t at = 0;  // position along the axis
    for (const auto& a : in) {
      if (a.size() > 0) {
        char* dst = base + at * os[axis_] * static_cast<int64_t>(o.itemsize());
        switch (a.itemsize()) {
          case 1: copy_into<1>(a, dst, os); break;
          case 2: copy_into<2>(a, dst, os); break;
          case 4: copy_into<4>(a, dst, os); break;
          default: copy_into<8>(a, dst, os); break;
        }
      }
      at += a.shape()[axis_];
    }
  }
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    std::vector<int64_t> offsets{0};
    for (const auto& a : in) offsets.push_back(offsets.back() + a.shape(axis_));
    Arrays r;
    for (int i : argnums) {
      Shape start(cot[0].ndim(), 0), stop = cot[0].shape();
      start[axis_] = offsets[i], stop[axis_] = offsets[i + 1];
      r.push_back(slice(cot[0], start, stop));
    }
    return r;
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {{make<Concatenate>(rules::all_batch_first(in, axes), axis_ + 1)}, {0}};
  }

 private:
  int axis_;
};
INGOT_REGISTER_PRIMITIVE(Concatenate)

array concatenate(const Arrays& arrays, int axis, StreamOrDevice stream) {
  to_stream(stream, "concatenate");
  if (arrays.empty()) fail("concatenate", "no arrays to concatenate.");
  const Shape& first = arrays[0].shape();
  if (first.empty()) fail("concatenate", "zero-dimensional arrays cannot be concatenated.");
  axis = normalize_axis(axis, static_cast<int>(first.size()), "concatenate");
  std::vector<Operand> ops;
  for (const auto& a : arrays) {
    const Shape& s = a.shape();
    if (s.size() != first.size())
      fail("concatenate", "all arrays must have the same number of dimensions; got shapes ", shape_str(first),
           " and ", shape_str(s), ".");
    for (size_t i = 0; i < s.size(); ++i)
      if (static_cast<int>(i) != axis && s[i] != first[i])
        fail("concatenate", "cannot concatenate arrays of shapes ", shape_str(first), " and ", shape_str(s),
             " along axis ", axis, ".");
    ops.emplace_back(a);
  }
  const Dtype t = result_type(ops);
  Arrays in;
  in.reserve(arrays.size());
  for (const auto& a : arrays) in.push_back(astype(a, t));
  return make<Concatenate>(std::move(in), axis);
}

array concatenate(const Arrays& arrays, std::nullopt_t, StreamOrDevice s) {
  to_stream(s, "concatenate");
  if (arrays.empty()) fail("concatenate", "no arrays to concatenate.");
  Arrays flat;
  flat.reserve(arrays.size());
  for (const auto& a : arrays) flat.push_back(flatten(a));
  return concatenate(flat, 0);
}

array stack(const Arrays& arrays, int axis, StreamOrDevice s) {
  to_stream(s, "stack");
  if (arrays.empty()) fail("stack", "no arrays to stack.");
  const Shape& first = arrays[0].shape();
  for (const auto& a : arrays)
    if (a.shape() != first)
      fail("stack", "all arrays must have the same shape; got ", shape_str(first), " and ", shape_str(a.shape()), ".");
  axis = normalize_axis(axis, static_cast<int>(first.size()) + 1, "stack");
  Arrays parts;
  parts.reserve(arrays.size());
  for (const auto& a : arrays) parts.push_back(expand_dims(a, axis));
  return concatenate(parts, axis);
}

}  // namespace ingot
