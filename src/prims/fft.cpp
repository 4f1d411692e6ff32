// FFT: discrete Fourier transforms over some axes (complex to complex, real to complex, complex to
// real), computed by KISS FFT (BSD-3-Clause, Debian's libkissfft-dev, header-only C++ template) in
// double precision, axis by axis; and the ops of ingot::fft built on it.
#include "ingot/fft.h"

#include <kissfft/kissfft.hh>

#include <algorithm>
#include <cmath>
#include <complex>
#include <set>
#include <vector>

#include "core/utils.h"
#include "cpu/copy.h"
#include "ingot/ops.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

using Cd = std::complex<double>;

// Resizes axis `ax` of buf (shape s) to `to` entries, each line mapped by f(line_in, line_out).
template <class F>
std::vector<Cd> remap_axis(const std::vector<Cd>& buf, Shape& s, int ax, int64_t to, F f) {
  const int64_t n = s[ax];
  int64_t stride = 1, outer = 1;
  for (size_t d = ax + 1; d < s.size(); ++d) stride *= s[d];
  for (int ax0 = 0; ax0 < ax; ++ax0) outer *= s[ax0];
  std::vector<Cd> out(static_cast<size_t>(outer * to * stride)), a(n), b(to);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < stride; ++i) {
      for (int64_t k = 0; k < n; ++k) a[k] = buf[(o * n + k) * stride + i];
      f(a, b);
      for (int64_t k = 0; k < to; ++k) out[(o * to + k) * stride + i] = b[k];
    }
  s[ax] = to;
  return out;
}

// Transforms every line of `buf` (row-major, shape s) along axis `ax`; the inverse includes the 1/n
// factor.
void transform_axis(std::vector<Cd>& buf, Shape& s, int ax, bool inverse) {
  const int64_t n = s[ax];
  if (n <= 1) return;
  const kissfft<double> plan(static_cast<size_t>(n), inverse);
  const double scale = inverse ? 1.0 / static_cast<double>(n) : 1.0;
  buf = remap_axis(buf, s, ax, n, [&](const std::vector<Cd>& a, std::vector<Cd>& b) {
    plan.transform(a.data(), b.data());
    for (Cd& v : b) v *= scale;
  });
}

}  // namespace

// `axes` in the order given, distinct. Real forward: float32 in, the last axis keeps n / 2 + 1
// frequencies. Real inverse: the last axis's m frequencies give `last` real values (-1: 2 * (m - 1)).
class FFT : public PrimitiveBase<FFT> {
 public:
  static constexpr const char* kName = "FFT";
  static constexpr int kVersion = 1;
  static constexpr int kArity = 1;
  FFT(std::vector<int> axes, bool inverse, bool real, int64_t last)
      : axes_(std::move(axes)), inverse_(inverse), real_(real), last_(last) {}
  auto state() const { return std::tuple(axes_, inverse_, real_, last_); }
  std::string bakes(const Arrays&, const std::vector<bool>& dynamic) const {
    return dynamic[0] && real_ && inverse_ && last_ >= 0 ? "the output size " + std::to_string(last_) : "";
  }
  void check_inputs(const Arrays& in) const override {
    PrimitiveBase::check_inputs(in);
    const Dtype want = real_ && !inverse_ ? float32 : complex64;
    if (in[0].dtype() != want) detail::bad_inputs(*this, std::string("takes ") + dtype_name(want) + " inputs");
  }
  std::vector<Shape> output_shapes(const Arrays& in) const override {
    const Shape& s = in[0].shape();
    if (axes_.empty()) fail("fftn", "no axes to transform.");
    std::set<int> seen;
    for (int ax : axes_)
      if (ax < 0 || ax >= static_cast<int>(s.size()) || !seen.insert(ax).second)
        fail("fftn", "invalid or repeated axis ", ax, " for an array of shape ", shape_str(s), ".");
    Shape out = s;
    if (real_) {
      const int ax = axes_.back();
      if (!inverse_) {
        // One frequency from no values would be read past the end (the ops refuse empty sizes too).
        if (s[ax] == 0) fail("rfftn", "cannot transform axis ", ax, " of size 0 (array of shape ", shape_str(s), ").");
        out[ax] = s[ax] / 2 + 1;
      } else {
        out[ax] = last_ >= 0 ? last_ : 2 * (s[ax] - 1);
        if (out[ax] < 1 || s[ax] != out[ax] / 2 + 1)
          fail("irfftn", "an axis of ", s[ax], " frequencies cannot give ", out[ax], " values.");
      }
    }
    return {out};
  }
  // A mixed-radix FFT of length n does about 5 n (sum of n's prime factors) operations, so a prime length
  // costs n^2: counted per transformed axis on the larger of the input and output.
  double cost(const Arrays& in, const std::vector<Shape>& out) const override {
    const Shape& s = in[0].shape();
    const double n = std::max(detail::elements(s), detail::elements(out[0]));
    double total = 0;
    for (int ax : axes_) {
      int64_t len = std::max(s[ax], out[0][ax]), factors = 0;
      for (int64_t p = 2; p * p <= len; ++p)
        while (len % p == 0) factors += p, len /= p;
      total += 5 * n * static_cast<double>(factors + (len > 1 ? len : 0));
    }
    return total + n;
  }
  std::vector<Dtype> output_dtypes(const Arrays&) const override {
    return {real_ && inverse_ ? float32 : complex64};
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    array& o = out[0];
    o.alloc();
    if (o.size() == 0) return;
    Shape s = in[0].shape();
    std::vector<Cd> buf(static_cast<size_t>(in[0].size()));
    {
      const array x = cpu::contiguous(in[0]);
      if (x.dtype() == float32) {
        const float* p = static_cast<const float*>(x.raw_data());
        for (size_t i = 0; i < buf.size(); ++i) buf[i] = Cd(p[i], 0.0);
      } else {
        const complex64_t* p = static_cast<const complex64_t*>(x.raw_data());
        for (size_t i = 0; i < buf.size(); ++i) buf[i] = Cd(p[i]);
      }
    }
    const int last = axes_.back();
    if (real_ && !inverse_) {  // the last axis first, then keep its non-negative frequencies
      transform_axis(buf, s, last, false);
      buf = remap_axis(buf, s, last, s[last] / 2 + 1, [](const std::vector<Cd>& a, std::vector<Cd>& b) {
        std::copy(a.begin(), a.begin() + b.size(), b.begin());
      });
    }
    for (int ax : axes_)
      if (!real_ || ax != last) transform_axis(buf, s, ax, inverse_);
    if (real_ && inverse_) {  // the Hermitian completion of the last axis, then its inverse
      const int64_t n = o.shape(last);
      buf = remap_axis(buf, s, last, n, [n](const std::vector<Cd>& a, std::vector<Cd>& b) {
        for (int64_t k = 0; k < n; ++k) b[k] = k < static_cast<int64_t>(a.size()) ? a[k] : std::conj(a[n - k]);
      });
      transform_axis(buf, s, last, true);
      float* p = static_cast<float*>(o.raw_data());
      for (size_t i = 0; i < buf.size(); ++i) p[i] = static_cast<float>(buf[i].real());
      return;
    }
    complex64_t* p = static_cast<complex64_t*>(o.raw_data());
    for (size_t i = 0; i < buf.size(); ++i) p[i] = complex64_t(buf[i]);
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    std::vector<int> shifted = axes_;
    for (int& ax : shifted) ++ax;
    return {{make<FFT>({rules::batch_first(in[0], axes[0])}, shifted, inverse_, real_, last_)}, {0}};
  }

 private:
  std::vector<int> axes_;
  bool inverse_, real_;
  int64_t last_;
};
INGOT_REGISTER_PRIMITIVE(FFT)

namespace fft {

namespace {

array transform(const array& a, const std::optional<Shape>& sizes, const std::optional<std::vector<int>>& axes_in,
                bool real, bool inverse, const std::string& norm, const char* fn, const StreamOrDevice& stream = {}) {
  to_stream(stream, fn);
  if (a.ndim() < 1) fail(fn, "expects an array with at least one dimension, got a scalar.");
  if (norm != "backward" && norm != "ortho" && norm != "forward")
    fail(fn, "norm must be 'backward', 'ortho' or 'forward', got '", norm, "'.");
  std::vector<int> axes;
  if (axes_in) {
    axes = *axes_in;
  } else {
    const int k = sizes ? static_cast<int>(sizes->size()) : a.ndim();
    if (k > a.ndim()) fail(fn, "s has ", k, " sizes for an array of ", a.ndim(), " dimensions.");
    for (int d = a.ndim() - k; d < a.ndim(); ++d) axes.push_back(d);
  }
  if (axes.empty()) return a;
  std::set<int> seen;
  for (int& ax : axes) {
    ax = normalize_axis(ax, a.ndim(), fn);
    if (!seen.insert(ax).second) fail(fn, "repeated axis ", ax, ".");
  }
  if (sizes && sizes->size() != axes.size())
    fail(fn, "s has ", sizes->size(), " sizes for ", axes.size(), " axes.");
  Shape n;
  for (size_t i = 0; i < axes.size(); ++i) n.push_back(sizes ? (*sizes)[i] : a.shape(axes[i]));
  if (real && inverse && !sizes) n.back() = 2 * (a.shape(axes.back()) - 1);
  for (int64_t v : n)
    if (v <= 0) fail(fn, "invalid FFT size ", v, " (sizes must be positive).");
  // The input cropped or zero-padded to the sizes it is read at.
  array x = astype(a, real && !inverse ? float32 : complex64);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int ax = axes[i];
    const int64_t want = real && inverse && i + 1 == axes.size() ? n[i] / 2 + 1 : n[i];
    if (want < x.shape(ax)) {
      x = slice(x, Shape{0}, std::vector<int>{ax}, Shape{want});
    } else if (want > x.shape(ax)) {
      x = pad(x, std::vector<int>{ax}, Shape{0}, Shape{want - x.shape(ax)});
    }
  }
  const int64_t last = real && inverse ? (sizes ? n.back() : -1) : 0;
  array out = make<FFT>({x}, axes, inverse, real, last);
  if (norm == "backward") return out;
  // The number of points, from the shapes at run time (a shapeless replay follows them).
  const array count = number_of_elements(real && inverse ? out : x, axes, false, float32);
  if (norm == "ortho") return inverse ? multiply(out, sqrt(count)) : divide(out, sqrt(count));
  return inverse ? multiply(out, count) : divide(out, count);  // "forward": 1/N on the forward transform
}

array shift(const array& a, const std::optional<std::vector<int>>& axes, bool inverse, const char* fn,
            const StreamOrDevice& s = {}) {
  to_stream(s, fn);
  const std::vector<int> ax = axes ? *axes : all_axes(a.ndim());
  if (ax.empty()) return a;
  Shape shifts;
  for (int d : ax) {
    const int64_t half = a.shape(normalize_axis(d, a.ndim(), fn)) / 2;
    shifts.push_back(inverse ? -half : half);
  }
  return roll(a, shifts, ax);
}

std::optional<Shape> one(std::optional<int64_t> n) { return n ? std::optional<Shape>(Shape{*n}) : std::nullopt; }

}  // namespace

array fftn(const array& a, const std::optional<Shape>& s, const std::optional<std::vector<int>>& axes,
           const std::string& norm, StreamOrDevice stream) {
  return transform(a, s, axes, false, false, norm, "fftn", stream);
}
array ifftn(const array& a, const std::optional<Shape>& s, const std::optional<std::vector<int>>& axes,
            const std::string& norm, StreamOrDevice stream) {
  return transform(a, s, axes, false, true, norm, "ifftn", stream);
}
array rfftn(const array& a, const std::optional<Shape>& s, const std::optional<std::vector<int>>& axes,
            const std::string& norm, StreamOrDevice stream) {
  return transform(a, s, axes, true, false, norm, "rfftn", stream);
}
array irfftn(const array& a, const std::optional<Shape>& s, const std::optional<std::vector<int>>& axes,
             const std::string& norm, StreamOrDevice stream) {
  return transform(a, s, axes, true, true, norm, "irfftn", stream);
}

array fft(const array& a, std::optional<int64_t> n, int axis, const std::string& norm, StreamOrDevice s) {
  return transform(a, one(n), std::vector<int>{axis}, false, false, norm, "fft", s);
}
array ifft(const array& a, std::optional<int64_t> n, int axis, const std::string& norm, StreamOrDevice s) {
  return transform(a, one(n), std::vector<int>{axis}, false, true, norm, "ifft", s);
}
array rfft(const array& a, std::optional<int64_t> n, int axis, const std::string& norm, StreamOrDevice s) {
  return transform(a, one(n), std::vector<int>{axis}, true, false, norm, "rfft", s);
}
array irfft(const array& a, std::optional<int64_t> n, int axis, const std::string& norm, StreamOrDevice s) {
  return transform(a, one(n), std::vector<int>{axis}, true, true, norm, "irfft", s);
}

array fft2(const array& a, const std::optional<Shape>& s, const std::vector<int>& axes, const std::string& norm,
           StreamOrDevice stream) {
  return transform(a, s, axes, false, false, norm, "fft2", stream);
}
array ifft2(const array& a, const std::optional<Shape>& s, const std::vector<int>& axes, const std::string& norm,
            StreamOrDevice stream) {
  return transform(a, s, axes, false, true, norm, "ifft2", stream);
}
array rfft2(const array& a, const std::optional<Shape>& s, const std::vector<int>& axes, const std::string& norm,
            StreamOrDevice stream) {
  return transform(a, s, axes, true, false, norm, "rfft2", stream);
}
array irfft2(const array& a, const std::optional<Shape>& s, const std::vector<int>& axes, const std::string& norm,
             StreamOrDevice stream) {
  return transform(a, s, axes, true, true, norm, "irfft2", stream);
}

array fftshift(const array& a, const std::optional<std::vector<int>>& axes, StreamOrDevice s) {
  return shift(a, axes, false, "fftshift", s);
}
array ifftshift(const array& a, const std::optional<std::vector<int>>& axes, StreamOrDevice s) {
  return shift(a, axes, true, "ifftshift", s);
}

}  // namespace fft

}  // namespace ingot
