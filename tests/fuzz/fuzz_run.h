// What the fuzz target does with a file, shared with the test that replays its findings
// (tests/cpp/test_fuzz_regressions.cpp): import it, call every trace on small inputs of its signature and
// evaluate, run its self-test, draw it. Returns the messages of the std::exceptions met on the way (but
// not the self-test's, which verify() reports as results).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "ingot/ingot.h"

namespace ingot::fuzz {

// Small deterministic values -1, 0, 1, 2, 3, -1, ... (negative and out-of-range indices included).
inline array input_like(const TensorSpec& s) {
  std::vector<double> v(static_cast<size_t>(shape_size(s.shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i % 5) - 1;
  return array(v, s.shape, s.dtype);
}

// Work per input stays small: the import budgets refuse larger files and calls, clearly.
inline ImportOptions options() {
  ImportOptions o;
  o.max_nodes = 10000;
  o.max_call_bytes = uint64_t{64} << 20;
  o.max_call_flops = 1e8;
  return o;
}

// The budgets count what a call computes, not its inputs: those are the caller's, and kept as small.
inline bool inputs_within(const Signature& sig) {
  double bytes = 0;
  for (const auto& s : sig.args) bytes += static_cast<double>(shape_size(s.shape)) * size_of(s.dtype);
  for (const auto& [name, s] : sig.kwargs) bytes += static_cast<double>(shape_size(s.shape)) * size_of(s.dtype);
  return bytes <= static_cast<double>(options().max_call_bytes);
}

// self_test: whether to run verify() too (its comparisons cost more than most calls).
inline std::vector<std::string> run_file(const std::string& path, bool self_test = true) {
  std::vector<std::string> errors;
  try {
    const ImportedFunction f = import_function(path, options());
    for (size_t t = 0; t < f.signatures().size(); ++t) {
      if (!inputs_within(f.signatures()[t])) continue;
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
    if (self_test) f.verify();  // reports failures (a mismatch, an error) in its results
    std::ostringstream dot;
    export_to_dot(dot, f);
  } catch (const std::exception& e) {
    errors.push_back(e.what());
  }
  return errors;
}

}  // namespace ingot::fuzz
