// Pad: widens every axis by low/high elements, filled with a constant (an input, so that it may be
// computed) or with copies of the edge values ("edge" mode, numpy's).
#include <cstring>
#include <limits>

#include "core/utils.h"
#include "cpu/copy.h"
#include "cpu/iterate.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

bool known_mode(const std::string& m) { return m == "constant" || m == "edge"; }

template <size_t N>
void fill(char* dst, const void* value, int64_t n) {
  char v[N];
  std::memcpy(v, value, N);
  for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * static_cast<int64_t>(N), v, N);
}

// out[i] = a[clamp(i - low, 0, n - 1)] per axis; out is row-major and non-empty, a has no empty axis.
template <size_t N>
void edge_pad(const array& a, array& out, const Shape& low) {
  const int nd = a.ndim();
  const char* src = static_cast<const char*>(a.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  auto src_of = [&](int d, int64_t i) {
    int64_t j = i - low[d];
    j = j < 0 ? 0 : (j >= a.shape()[d] ? a.shape()[d] - 1 : j);
    return j * a.strides()[d];
  };
  if (nd == 0) {
    std::memcpy(dst, src, N);
    return;
  }
  const int64_t len = out.shape()[nd - 1];
  std::vector<int64_t> last(static_cast<size_t>(len));
  for (int64_t j = 0; j < len; ++j) last[j] = src_of(nd - 1, j);
  std::vector<int64_t> idx(nd - 1, 0);
  for (int64_t row = 0, rows = out.size() / len; row < rows; ++row) {
    int64_t base = 0;
    for (int d = 0; d < nd - 1; ++d) base += src_of(d, idx[d]);
    char* o = dst + row * len * static_cast<int64_t>(N);
    for (int64_t j = 0; j < len; ++j)
      std::memcpy(o + j * static_cast<int64_t>(N), src + (base + last[j]) * static_cast<int64_t>(N), N);
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < out.shape()[d]) break;
      idx[d] = 0;
    }
  }
}

// Copies a (any layout) into out (row-major) at offset `offset`.
template <size_t N>
void copy_interior(const array& a, array& out, int64_t offset) {
  const char* s = static_cast<const char*>(a.raw_data());
  char* d = static_cast<char*>(out.raw_data()) + offset * static_cast<int64_t>(N);
  cpu::for_each_row(a.shape(), {out.strides(), a.strides()}, [&](const int64_t* off, int64_t n, const int64_t* in) {
    char* dr = d + off[0] * static_cast<int64_t>(N);
    const char* sr = s + off[1] * static_cast<int64_t>(N);
    if (in[0] == 1 && in[1] == 1) {
      std::memcpy(dr, sr, static_cast<size_t>(n) * N);
    } else {
      for (int64_t j = 0; j < n; ++j)
        std::memcpy(dr + j * in[0] * static_cast<int64_t>(N), sr + j * in[1] * static_cast<int64_t>(N), N);
    }
  });
}

}  // namespace

// Inputs: a, and for "constant" mode the fill value (0-d, a's dtype). low/high: one entry per axis.
class Pad : public PrimitiveBase<Pad> {
 public:
  static constexpr const char* kName = "Pad";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;  // every size comes from the inputs at call time
  Pad(Shape low, Shape high, std::string mode) : low_(std::move(low)), high_(std::move(high)), mode_(std::move(mode)) {}
  auto state() const { return std::tuple(low_, high_, mode_); }
  void check_inputs(const Arrays& in) const override {
    const size_t want = mode_ == "edge" ? 1 : 2;
    if (in.size() != want)
      detail::bad_inputs(*this, "expects " + std::to_string(want) + " inputs, got " + std::to_string(in.size()));
    if (in.size() == 2 && in[1].dtype() != in[0].dtype()) detail::bad_inputs(*this, "expects inputs of one dtype");
  }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    if (!known_mode(mode_)) fail("pad", "unknown mode '", mode_, "' (expected constant or edge).");
    const Shape& s = in[0].shape();
    if (low_.size() != s.size() || high_.size() != s.size())
      fail("pad", "expects one pad width per axis of the array of shape ", shape_str(s), ".");
    if (mode_ == "constant" && (in.size() != 2 || in[1].ndim() != 0)) fail("pad", "the pad value must be a scalar.");
    Shape out(s.size());
    for (size_t d = 0; d < s.size(); ++d) {
      if (low_[d] < 0 || high_[d] < 0)
        fail("pad", "pad widths must be non-negative, got (", low_[d], ", ", high_[d], ") for axis ", d, ".");
      if (low_[d] > std::numeric_limits<int64_t>::max() - s[d] ||
          high_[d] > std::numeric_limits<int64_t>::max() - s[d] - low_[d])
        fail("pad", "pad widths (", low_[d], ", ", high_[d], ") are too large for axis ", d, ".");
      if (mode_ == "edge" && s[d] == 0 && (low_[d] > 0 || high_[d] > 0))
        fail("pad", "cannot edge-pad axis ", d, " of size 0.");
      out[d] = s[d] + low_[d] + high_[d];
    }
    shape_size(out, "pad");
    return {out};
  }

  void eval_cpu(const Arrays& in, Arrays& out) const override {
    const array& a = in[0];
    array& o = out[0];
    o.alloc();
    if (o.size() == 0) return;
    auto run = [&]<size_t N>() {
      if (mode_ == "edge") return edge_pad<N>(a, o, low_);
      fill<N>(static_cast<char*>(o.raw_data()), in[1].raw_data(), o.size());
      if (a.size() == 0) return;
      int64_t offset = 0;
      for (int d = 0; d < a.ndim(); ++d) offset += low_[d] * o.strides()[d];
      copy_interior<N>(a, o, offset);
    };
    switch (a.itemsize()) {
      case 1: return run.template operator()<1>();
      case 2: return run.template operator()<2>();
      case 4: return run.template operator()<4>();
      default: return run.template operator()<8>();
    }
  }
  // The interior's cotangent; edge mode adds each border's cotangent to the row it repeats, one axis
  // at a time (the padding is separable), and the fill value's is the border's total.
  Arrays vjp(const Arrays& in, const Arrays& cot, const std::vector<int>& argnums, const Arrays&) const override {
    const Shape& s = in[0].shape();
    Shape stop(s.size());
    for (size_t d = 0; d < s.size(); ++d) stop[d] = low_[d] + s[d];
    array inner = slice(cot[0], low_, stop);
    if (mode_ == "edge") {
      inner = cot[0];
      for (int d = 0; d < in[0].ndim(); ++d) {
        const int64_t n = s[d], l = low_[d], h = high_[d];
        if (l == 0 && h == 0) continue;
        auto part = [&](int64_t from, int64_t to) {
          Shape a(inner.ndim(), 0), b = inner.shape();
          a[d] = from, b[d] = to;
          return slice(inner, a, b);
        };
        array mid = part(l, l + n);
        if (l > 0) mid = add(mid, pad(sum(part(0, l), d, true), std::vector<int>{d}, Shape{0}, Shape{n - 1}));
        if (h > 0) mid = add(mid, pad(sum(part(l + n, l + n + h), d, true), std::vector<int>{d}, Shape{n - 1}, Shape{0}));
        inner = mid;
      }
    }
    Arrays r;
    for (int i : argnums) r.push_back(i == 0 ? inner : subtract(sum(cot[0]), sum(inner)));
    return r;
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    if (in.size() > 1 && axes[1] >= 0) return {};  // a fill value per entry: run per entry
    Shape low = low_, high = high_;
    low.insert(low.begin(), 0), high.insert(high.begin(), 0);
    Arrays args{rules::batch_first(in[0], axes[0])};
    if (in.size() > 1) args.push_back(in[1]);
    return {{make<Pad>(std::move(args), std::move(low), std::move(high), mode_)}, {0}};
  }

 private:
  Shape low_, high_;
  std::string mode_;
};
INGOT_REGISTER_PRIMITIVE(Pad)

array pad(const array& a, const std::vector<int>& axes, const Shape& low_pad_size, const Shape& high_pad_size,
          const Operand& pad_value, const std::string& mode, StreamOrDevice s) {
  to_stream(s, "pad");
  if (!known_mode(mode)) fail("pad", "unknown mode '", mode, "' (expected constant or edge).");
  if (axes.size() != low_pad_size.size() || axes.size() != high_pad_size.size())
    fail("pad", "expects one low and one high pad width per axis: ", axes.size(), " axes, ", low_pad_size.size(),
         " low and ", high_pad_size.size(), " high widths.");
  const int nd = a.ndim();
  Shape low(nd, 0), high(nd, 0);
  std::vector<bool> seen(nd, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int ax = normalize_axis(axes[i], nd, "pad");
    if (seen[ax]) fail("pad", "repeated axis ", axes[i], " in axes.");
    seen[ax] = true;
    if (low_pad_size[i] < 0 || high_pad_size[i] < 0)
      fail("pad", "pad widths must be non-negative, got (", low_pad_size[i], ", ", high_pad_size[i], ") for axis ",
           axes[i], ".");
    if (mode == "edge" && a.shape()[ax] == 0 && (low_pad_size[i] > 0 || high_pad_size[i] > 0))
      fail("pad", "cannot edge-pad axis ", axes[i], " of size 0 (array of shape ", shape_str(a.shape()), ").");
    low[ax] = low_pad_size[i];
    high[ax] = high_pad_size[i];
  }
  array value = pad_value.to_array(a.dtype(), "pad");
  if (value.size() != 1) fail("pad", "the pad value must be a scalar, got shape ", shape_str(value.shape()), ".");
  bool nothing = true;
  for (int d = 0; d < nd; ++d) nothing = nothing && low[d] == 0 && high[d] == 0;
  if (nothing) return a;
  if (mode == "edge") return make<Pad>({a}, std::move(low), std::move(high), mode);
  return make<Pad>({a, reshape(value, {})}, std::move(low), std::move(high), mode);
}

array pad(const array& a, const std::vector<std::pair<int64_t, int64_t>>& pad_width, const Operand& pad_value,
          const std::string& mode, StreamOrDevice s) {
  to_stream(s, "pad");
  const size_t nd = a.ndim();
  if (pad_width.size() != nd && pad_width.size() != 1)
    fail("pad", "expects one (low, high) pair per axis (or one for all) for the array of shape ",
         shape_str(a.shape()), ", got ", pad_width.size(), ".");
  std::vector<int> axes(nd);
  Shape low(nd), high(nd);
  for (size_t d = 0; d < nd; ++d) {
    const auto& p = pad_width.size() == 1 ? pad_width[0] : pad_width[d];
    axes[d] = static_cast<int>(d);
    low[d] = p.first;
    high[d] = p.second;
  }
  return pad(a, axes, low, high, pad_value, mode);
}

array pad(const array& a, const std::pair<int64_t, int64_t>& pad_width, const Operand& pad_value,
          const std::string& mode, StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int64_t, int64_t>>{pad_width}, pad_value, mode, s);
}

array pad(const array& a, int64_t pad_width, const Operand& pad_value, const std::string& mode, StreamOrDevice s) {
  return pad(a, std::pair<int64_t, int64_t>{pad_width, pad_width}, pad_value, mode, s);
}

}  // namespace ingot
