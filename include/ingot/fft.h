// Discrete Fourier transforms (mx.fft), numpy's conventions: complex64 results (real inputs are
// float32 in rfft), the inverse transforms scaled by 1/n ("backward" norm; "ortho" and "forward"
// move the scale), n / s pad with zeros or crop the input along the transformed axes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ingot/array.h"
#include "ingot/device.h"

namespace ingot::fft {

// Over `axes` (default: every axis, or the last len(s) when s is given), the sizes `s` (default: the
// input's; for irfftn the last is 2 * (m - 1) for an input of m).
array fftn(const array& a, const std::optional<Shape>& s = std::nullopt,
           const std::optional<std::vector<int>>& axes = std::nullopt, const std::string& norm = "backward",
           StreamOrDevice stream = {});
array ifftn(const array& a, const std::optional<Shape>& s = std::nullopt,
            const std::optional<std::vector<int>>& axes = std::nullopt, const std::string& norm = "backward",
            StreamOrDevice stream = {});
array rfftn(const array& a, const std::optional<Shape>& s = std::nullopt,
            const std::optional<std::vector<int>>& axes = std::nullopt, const std::string& norm = "backward",
            StreamOrDevice stream = {});
array irfftn(const array& a, const std::optional<Shape>& s = std::nullopt,
             const std::optional<std::vector<int>>& axes = std::nullopt, const std::string& norm = "backward",
             StreamOrDevice stream = {});

// One axis.
array fft(const array& a, std::optional<int64_t> n = std::nullopt, int axis = -1, const std::string& norm = "backward",
          StreamOrDevice s = {});
array ifft(const array& a, std::optional<int64_t> n = std::nullopt, int axis = -1, const std::string& norm = "backward",
           StreamOrDevice s = {});
array rfft(const array& a, std::optional<int64_t> n = std::nullopt, int axis = -1, const std::string& norm = "backward",
           StreamOrDevice s = {});
array irfft(const array& a, std::optional<int64_t> n = std::nullopt, int axis = -1,
            const std::string& norm = "backward", StreamOrDevice s = {});

// Two axes (default the last two).
array fft2(const array& a, const std::optional<Shape>& s = std::nullopt, const std::vector<int>& axes = {-2, -1},
           const std::string& norm = "backward", StreamOrDevice stream = {});
array ifft2(const array& a, const std::optional<Shape>& s = std::nullopt, const std::vector<int>& axes = {-2, -1},
            const std::string& norm = "backward", StreamOrDevice stream = {});
array rfft2(const array& a, const std::optional<Shape>& s = std::nullopt, const std::vector<int>& axes = {-2, -1},
            const std::string& norm = "backward", StreamOrDevice stream = {});
array irfft2(const array& a, const std::optional<Shape>& s = std::nullopt, const std::vector<int>& axes = {-2, -1},
             const std::string& norm = "backward", StreamOrDevice stream = {});

// The zero frequency moved to the centre (and back), over `axes` (default every axis).
array fftshift(const array& a, const std::optional<std::vector<int>>& axes = std::nullopt, StreamOrDevice s = {});
array ifftshift(const array& a, const std::optional<std::vector<int>>& axes = std::nullopt, StreamOrDevice s = {});

}  // namespace ingot::fft
