// The submodule ingot.fft (mlx.core.fft): fft, ifft, rfft, irfft over one axis, fft2 / ifft2 / rfft2 /
// irfft2 over two, fftn / ifftn / rfftn / irfftn over any, fftshift and ifftshift.
#include <optional>
#include <string>
#include <vector>

#include "axes.h"
#include "convert.h"
#include "ingot/fft.h"

namespace ingot::py {

namespace {

using OneFn = array (*)(const array&, std::optional<int64_t>, int, const std::string&, StreamOrDevice);
using ManyFn = array (*)(const array&, const std::optional<Shape>&, const std::optional<std::vector<int>>&,
                         const std::string&, StreamOrDevice);

struct One {
  const char* name;
  OneFn fn;
  const char* doc;
};
struct Many {
  const char* name;
  ManyFn fn;
  bool two;  // axes default to the last two
  const char* doc;
};

// The two-axis functions in the n-axis form (their errors name them); axes None: the last two.
template <array (*F)(const array&, const std::optional<Shape>&, const std::vector<int>&, const std::string&,
                     StreamOrDevice)>
array two(const array& a, const std::optional<Shape>& s, const std::optional<std::vector<int>>& axes,
          const std::string& norm, StreamOrDevice stream) {
  return F(a, s, axes.value_or(std::vector<int>{-2, -1}), norm, stream);
}

array many_fn(ManyFn fn, const Operand& a, const std::optional<Shape>& s, const std::optional<std::vector<int>>& axes,
              const std::string& norm) {
  return fn(arr(a), s, axes, norm, {});
}

}  // namespace

void init_fft(nb::module_& m) {
  nb::module_ f = m.def_submodule("fft", "Discrete Fourier transforms (mlx.core.fft).");
  static const One kOne[] = {
      {"fft", &fft::fft, "The discrete Fourier transform over ``axis``; ``n`` crops or zero-pads the input."},
      {"ifft", &fft::ifft, "The inverse of fft (scaled by 1/n)."},
      {"rfft", &fft::rfft, "The transform of real input over ``axis``: the n // 2 + 1 non-negative frequencies."},
      {"irfft", &fft::irfft,
       "The inverse of rfft: ``n`` real values (default 2 * (m - 1)) from m non-negative frequencies."},
  };
  for (const auto& o : kOne)
    f.def(
        o.name,
        [fn = o.fn](const Operand& a, std::optional<int64_t> n, int axis, const std::string& norm) {
          return fn(arr(a), n, axis, norm, {});
        },
        "a"_a, "n"_a = nb::none(), "axis"_a = -1, "norm"_a = "backward", o.doc);
  static const Many kMany[] = {
      {"fft2", &two<fft::fft2>, true, "fftn over two axes (default the last two)."},
      {"ifft2", &two<fft::ifft2>, true, "ifftn over two axes (default the last two)."},
      {"rfft2", &two<fft::rfft2>, true, "rfftn over two axes (default the last two)."},
      {"irfft2", &two<fft::irfft2>, true, "irfftn over two axes (default the last two)."},
      {"fftn", &fft::fftn, false,
       "The n-dimensional transform over ``axes`` (default every axis, or the last len(s)); ``s`` crops or "
       "zero-pads the input."},
      {"ifftn", &fft::ifftn, false, "The inverse of fftn (scaled by 1/n over the axes)."},
      {"rfftn", &fft::rfftn, false, "fftn of real input, the last axis keeping its n // 2 + 1 non-negative frequencies."},
      {"irfftn", &fft::irfftn, false, "The inverse of rfftn: real output, the last axis of size s[-1] (default 2 * (m - 1))."},
  };
  for (const auto& o : kMany) {
    auto body = [fn = o.fn](const Operand& a, const std::optional<Shape>& s,
                            const std::optional<std::vector<int>>& axes, const std::string& norm) {
      return many_fn(fn, a, s, axes, norm);
    };
    if (o.two)
      f.def(o.name, body, "a"_a, "s"_a = nb::none(), "axes"_a.none() = std::vector<int>{-2, -1},
            "norm"_a = "backward", o.doc);
    else
      f.def(o.name, body, "a"_a, "s"_a = nb::none(), "axes"_a = nb::none(), "norm"_a = "backward", o.doc);
  }
  f.def(
      "fftshift",
      [](const Operand& a, const AxisArg& axes) {
        return fft::fftshift(arr(a), axes ? std::optional<std::vector<int>>(axes_of(*axes)) : std::nullopt);
      },
      "a"_a, "axes"_a = nb::none(), "The zero frequency moved to the centre over ``axes`` (default every axis).");
  f.def(
      "ifftshift",
      [](const Operand& a, const AxisArg& axes) {
        return fft::ifftshift(arr(a), axes ? std::optional<std::vector<int>>(axes_of(*axes)) : std::nullopt);
      },
      "a"_a, "axes"_a = nb::none(), "The inverse of fftshift.");
}

}  // namespace ingot::py
