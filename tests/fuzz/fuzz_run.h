// What the fuzz target does with a file, shared with the test that replays its findings
// (tests/cpp/test_fuzz_regressions.cpp): import it, call every trace on small inputs of its signature and
// evaluate, run its self-test, draw it. Returns the messages of the std::exceptions met on the way (but
// not the self-test's, which verify() reports as results).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "export/imported.h"
#include "ingot/ingot.h"

namespace ingot::fuzz {

// Small deterministic values -1, 0, 1, 2, 3, -1, ... (negative and out-of-range indices included).
inline array input_like(const TensorSpec& s) {
  std::vector<double> v(static_cast<size_t>(shape_size(s.shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i % 5) - 1;
  return array(v, s.shape, s.dtype);
}

// Work per input stays small: a trace whose recorded arrays exceed 64 MiB is not called.
inline bool within_budget(const ImportedFunction& f, size_t t) {
  double bytes = 0;
  auto add = [&](const Shape& s, Dtype d) { bytes += static_cast<double>(shape_size(s)) * size_of(d); };
  for (const auto& n : f.impl().traces[t].nodes)
    for (size_t o = 0; o < n.shapes.size(); ++o) add(n.shapes[o], n.dtypes[o]);
  for (const auto& s : f.signatures()[t].args) add(s.shape, s.dtype);
  for (const auto& [name, s] : f.signatures()[t].kwargs) add(s.shape, s.dtype);
  return bytes <= 64 << 20;
}

inline std::vector<std::string> run_file(const std::string& path) {
  std::vector<std::string> errors;
  try {
    const ImportedFunction f = import_function(path);
    bool all_within = true;
    for (size_t t = 0; t < f.signatures().size(); ++t) {
      if (!within_budget(f, t)) {
        all_within = false;
        continue;
      }
      try {
        Args args;
        Kwargs kwargs;
        for (const auto& s : f.signatures()[t].args) args.push_back(input_like(s));
        for (const auto& [name, s] : f.signatures()[t].kwargs) kwargs.emplace(name, input_like(s));
        auto out = f.call_trace(t, args, kwargs);
        eval(out);
      } catch (const std::exception& e) {
        errors.push_back(e.what());
      }
    }
    if (all_within) f.verify();  // reports failures (a mismatch, an error) in its results
    std::ostringstream dot;
    export_to_dot(dot, f);
  } catch (const std::exception& e) {
    errors.push_back(e.what());
  }
  return errors;
}

}  // namespace ingot::fuzz
