// The `ingot` command line (see cli.h). Each subcommand is one function over an imported file; the
// machine-readable forms (--json) are built first and the text forms printed from them, so both say
// the same.
#include "cli/cli.h"

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cpu/parallel.h"
#include "export/imported.h"
#include "ingot/ingot.h"
#include "prims/primitive.h"


namespace ingot::cli {

std::map<std::string, int> op_histogram(const Tape& tr) {
  std::map<std::string, int> ops;
  for (const auto& n : tr.nodes) ++ops[n.primitive->name()];
  return ops;
}

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// A failed check or an error: exit status 1 with its message.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

uint64_t bytes_of(const ImportedFunction::Impl::ConstantInfo& c) {
  return static_cast<uint64_t>(shape_size(c.shape)) * size_of(c.dtype);
}

std::string with_commas(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string spec_str(const TensorSpec& t) {
  std::string s = std::string(dtype_name(t.dtype)) + "[";
  for (size_t i = 0; i < t.shape.size(); ++i) s += (i ? "," : "") + std::to_string(t.shape[i]);
  return s + "]";
}

json spec_json(const TensorSpec& t) { return {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}}; }

// --- inspect -----------------------------------------------------------------------------------------

json describe(const ImportedFunction& f) {
  const auto& impl = f.impl();
  json j;
  j["file"] = f.path();
  j["file_size"] = fs::file_size(f.path());
  j["format_version"] = f.format_version();
  j["library_version"] = f.library_version();
  j["metadata"] = f.metadata();
  std::vector<uint64_t> used_by(impl.constants.size(), 0);  // traces using each constant in their graph
  std::vector<bool> self_test(impl.constants.size(), false);
  json traces = json::array();
  for (size_t t = 0; t < impl.traces.size(); ++t) {
    const auto& tr = impl.traces[t];
    const auto& sig = impl.signatures[t];
    json jt;
    jt["index"] = t;
    jt["signature"] = sig.str();
    jt["shapeless"] = sig.shapeless;
    json inputs = json::array();
    for (size_t i = 0; i < sig.args.size(); ++i) inputs.push_back(json{{"name", std::to_string(i)}, {"type", spec_json(sig.args[i])}});
    for (const auto& name : tr.kwarg_names) inputs.push_back(json{{"name", name}, {"type", spec_json(sig.kwargs.at(name))}});
    jt["inputs"] = inputs;
    json outputs = json::array();
    for (const auto& o : sig.outputs) outputs.push_back(spec_json(o));
    jt["outputs"] = outputs;
    jt["nodes"] = tr.nodes.size();
    jt["ops"] = op_histogram(tr);
    uint64_t bytes = 0;
    for (uint32_t c : tr.constants) bytes += bytes_of(impl.constants[c]), ++used_by[c];
    jt["constants"] = tr.constants.size();
    jt["constant_bytes"] = bytes;
    jt["self_test"] = f.has_self_test(t);
    for (uint32_t c : tr.test_inputs) self_test[c] = true;
    for (uint32_t c : tr.test_outputs) self_test[c] = true;
    traces.push_back(jt);
  }
  j["traces"] = traces;
  uint64_t total = 0, saved = 0, test_bytes = 0;
  std::vector<size_t> order(impl.constants.size());
  for (size_t c = 0; c < impl.constants.size(); ++c) {
    const uint64_t b = bytes_of(impl.constants[c]);
    total += b;
    if (used_by[c] > 1) saved += (used_by[c] - 1) * b;
    if (self_test[c] && used_by[c] == 0) test_bytes += b;
    order[c] = c;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return bytes_of(impl.constants[a]) > bytes_of(impl.constants[b]); });
  json largest = json::array();
  for (size_t i = 0; i < std::min<size_t>(5, order.size()); ++i) {
    const auto& c = impl.constants[order[i]];
    largest.push_back({{"index", order[i]}, {"dtype", dtype_name(c.dtype)}, {"shape", c.shape}, {"bytes", bytes_of(c)}});
  }
  j["constants"] = {{"count", impl.constants.size()}, {"bytes", total}, {"largest", largest},
                    {"bytes_saved_by_sharing", saved}, {"self_test_bytes", test_bytes}};
  return j;
}

int inspect(const std::string& path, bool as_json) {
  const json j = describe(import_function(path));
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << path << ": " << with_commas(j["file_size"]) << " bytes, format version " << j["format_version"]
            << ", written by ingot " << j["library_version"].get<std::string>() << "\n";
  std::string meta = j["metadata"].dump();
  if (meta.size() > 400) meta = meta.substr(0, 400) + "... (" + with_commas(meta.size()) + " characters; --json shows all)";
  std::cout << "metadata: " << meta << "\n";
  std::cout << j["traces"].size() << (j["traces"].size() == 1 ? " trace" : " traces") << "\n";
  for (const auto& t : j["traces"]) {
    std::cout << "\ntrace " << t["index"] << ": " << t["signature"].get<std::string>() << "\n  inputs:";
    const bool shapeless = t["shapeless"];
    auto type = [](const json& t) { return t["dtype"].get<std::string>() + t["shape"].dump(); };
    for (const auto& in : t["inputs"]) std::cout << "  " << in["name"].get<std::string>() << ": " << type(in["type"]);
    std::cout << (shapeless ? "  (shapeless: any sizes of these ranks)" : "") << "\n  outputs:";
    for (const auto& o : t["outputs"]) std::cout << "  " << type(o);
    std::cout << "\n  " << with_commas(t["nodes"]) << " nodes, " << t["constants"] << " constants ("
              << with_commas(t["constant_bytes"]) << " bytes)" << (t["self_test"] ? ", self-test vectors" : "")
              << "\n  ops:";
    std::vector<std::pair<int, std::string>> ops;
    for (const auto& [name, n] : t["ops"].items()) ops.emplace_back(-n.get<int>(), name);
    std::sort(ops.begin(), ops.end());
    for (const auto& [n, name] : ops) std::cout << " " << name << " " << -n;
    std::cout << "\n";
  }
  const auto& c = j["constants"];
  std::cout << "\nconstants: " << c["count"] << ", " << with_commas(c["bytes"]) << " bytes; "
            << with_commas(c["bytes_saved_by_sharing"]) << " bytes saved by sharing between traces";
  if (c["self_test_bytes"].get<uint64_t>()) std::cout << "; " << with_commas(c["self_test_bytes"]) << " bytes of self-test vectors";
  std::cout << "\n";
  for (const auto& l : c["largest"])
    std::cout << "  constant " << l["index"] << ": " << l["dtype"].get<std::string>() << " " << l["shape"].dump() << ", "
              << with_commas(l["bytes"]) << " bytes\n";
  return 0;
}

// --- validate ----------------------------------------------------------------------------------------

int validate(const std::string& path) {
  std::optional<ImportedFunction> f;
  try {
    f = import_function(path);
  } catch (const std::exception& e) {
    throw Failure(std::string("invalid: ") + e.what());
  }
  const auto& impl = f->impl();
  const auto* base = reinterpret_cast<const char*>(impl.mapping->data());
  const uint64_t size = fs::file_size(path);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // [begin, end) in the file
  for (size_t c = 0; c < impl.constants.size(); ++c) {
    const uint64_t n = bytes_of(impl.constants[c]);
    if (n == 0) continue;
    const uint64_t begin = static_cast<uint64_t>(static_cast<const char*>(impl.constants[c].data) - base);
    if (begin > size || n > size - begin)
      throw Failure("invalid: constant " + std::to_string(c) + " lies outside the file (bytes " + std::to_string(begin) +
                    " to " + std::to_string(begin + n) + " of " + std::to_string(size) + ").");
    ranges.emplace_back(begin, begin + n);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second)
      throw Failure("invalid: the data of two constants overlap (bytes " + std::to_string(ranges[i].first) + " to " +
                    std::to_string(ranges[i - 1].second) + ").");
  size_t nodes = 0;
  for (const auto& t : impl.traces) nodes += t.nodes.size();
  std::cout << "valid: " << path << " (" << impl.traces.size() << (impl.traces.size() == 1 ? " trace, " : " traces, ")
            << with_commas(nodes) << " nodes, " << impl.constants.size() << " constants)\n";
  return 0;
}

// --- inputs for run and bench ------------------------------------------------------------------------

struct InputOptions {
  std::optional<size_t> trace;
  std::vector<std::string> args, kwargs;
  bool random = false;
  uint64_t seed = 0;
};

void add_input_options(CLI::App* cmd, InputOptions& o) {
  cmd->add_option("--trace", o.trace, "the trace to run (an index; default: the one the inputs match)");
  cmd->add_option("--arg", o.args, "a positional input from a .npy file (repeat in order)");
  cmd->add_option("--kwarg", o.kwargs, "a keyword input, name=file.npy");
  cmd->add_flag("--random", o.random, "random inputs of the trace's signature (its traced shapes)");
  cmd->add_option("--seed", o.seed, "seed of the random inputs");
}

array random_input(const TensorSpec& s, const random::Key& key) {
  if (s.dtype == bool_) return random::bernoulli(0.5, s.shape, key);
  if (s.dtype == float16 || s.dtype == bfloat16 || s.dtype == float32 || s.dtype == float64)
    return random::normal(s.shape, s.dtype, key);
  return astype(random::randint(0, 10, s.shape, int32, key), s.dtype);  // small, valid as indices
}

struct Call {
  std::optional<size_t> trace;
  Args args;
  Kwargs kwargs;
};

Call make_inputs(const ImportedFunction& f, const InputOptions& o) {
  Call c;
  c.trace = o.trace;
  if (o.trace && *o.trace >= f.signatures().size())
    throw Failure("--trace " + std::to_string(*o.trace) + ": " + f.path() + " has " +
                  std::to_string(f.signatures().size()) + " traces (0 to " + std::to_string(f.signatures().size() - 1) + ").");
  if (o.random) {
    if (!o.args.empty() || !o.kwargs.empty()) throw Failure("--random takes no --arg or --kwarg.");
    c.trace = o.trace.value_or(0);
    const Signature& sig = f.signatures().at(*c.trace);
    array key = random::key(o.seed);
    auto draw = [&](const TensorSpec& s) {
      auto [next, sub] = random::split(key);
      key = next;
      return random_input(s, sub);
    };
    for (const auto& s : sig.args) c.args.push_back(draw(s));
    for (const auto& [name, s] : sig.kwargs) c.kwargs.emplace(name, draw(s));
    return c;
  }
  for (const auto& p : o.args) c.args.push_back(load(p));
  for (const auto& kv : o.kwargs) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw Failure("--kwarg '" + kv + "' is not name=file.npy.");
    c.kwargs.emplace(kv.substr(0, eq), load(kv.substr(eq + 1)));
  }
  return c;
}

std::vector<array> call(const ImportedFunction& f, const Call& c) {
  return c.trace ? f.call_trace(*c.trace, c.args, c.kwargs) : f(c.args, c.kwargs);
}

// --- run ---------------------------------------------------------------------------------------------

int run(const std::string& path, const InputOptions& o, const std::string& out_dir) {
  const ImportedFunction f = import_function(path);
  const Call c = make_inputs(f, o);
  std::vector<array> outs = call(f, c);
  eval(outs);
  if (!out_dir.empty()) fs::create_directories(out_dir);
  for (size_t i = 0; i < outs.size(); ++i) {
    const TensorSpec s{outs[i].dtype(), outs[i].shape()};
    if (!out_dir.empty()) {
      const std::string file = (fs::path(out_dir) / ("output_" + std::to_string(i) + ".npy")).string();
      save(file, outs[i]);
      std::cout << "output " << i << ": " << spec_str(s) << " -> " << file << "\n";
    } else if (outs[i].size() <= 256) {
      std::cout << "output " << i << ": " << spec_str(s) << "\n" << outs[i] << "\n";
    } else {
      array v = astype(outs[i], float64);
      std::cout << "output " << i << ": " << spec_str(s) << ", min " << min(v).item<double>() << ", max "
                << max(v).item<double>() << ", mean " << mean(v).item<double>() << " (-o DIR writes it as .npy)\n";
    }
  }
  return 0;
}

// --- bench -------------------------------------------------------------------------------------------

// A figure of /proc/self/status in bytes ("VmHWM": the peak resident memory of this program, which
// getrusage would carry over from the process that started it; "RssAnon": resident memory of its own,
// not pages of mapped files), or 0 where there is none.
uint64_t status_bytes(const std::string& key) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, key.size() + 1, key + ":") == 0) return std::stoull(line.substr(key.size() + 1)) * 1024;
  return 0;
}

std::string duration(double s) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(s < 1e-3 ? 2 : 3);
  if (s < 1e-3) os << s * 1e6 << " us";
  else if (s < 1) os << s * 1e3 << " ms";
  else os << s << " s";
  return os.str();
}

int bench(const std::string& path, InputOptions o, int warmup, int iters, int threads, bool as_json) {
  if (threads > 0) set_num_threads(threads);  // the pool and OpenBLAS
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const ImportedFunction f = import_function(path);
  if (o.args.empty() && o.kwargs.empty()) o.random = true;
  const Call c = make_inputs(f, o);
  eval(c.args);
  for (auto& [k, v] : c.kwargs) eval(v);
  eval(call(f, c));
  const double first = std::chrono::duration<double>(clock::now() - start).count();
  const bool bar = isatty(STDERR_FILENO) && !as_json;
  const int total = warmup + iters;
  std::vector<double> times;
  for (int i = 0; i < total; ++i) {
    const auto t0 = clock::now();
    eval(call(f, c));
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (i >= warmup) times.push_back(dt);
    if (bar && (i % std::max(1, total / 100) == 0 || i + 1 == total)) {
      const int filled = (i + 1) * 30 / total;
      std::cerr << "\r[" << std::string(filled, '#') << std::string(30 - filled, ' ') << "] " << (i + 1) << "/" << total
                << (i < warmup ? " warming up" : "           ") << std::flush;
    }
  }
  if (bar) std::cerr << "\r" << std::string(60, ' ') << "\r";
  std::sort(times.begin(), times.end());
  auto at = [&](double q) { return times[std::min(times.size() - 1, static_cast<size_t>(q * (times.size() - 1) + 0.5))]; };
  double sum = 0;
  for (double t : times) sum += t;
  json j = {{"file", path},
            {"trace", c.trace ? json(*c.trace) : json(nullptr)},
            {"iterations", iters},
            {"warmup", warmup},
            {"threads", cpu::num_threads()},
            {"latency_s", {{"min", times.front()}, {"median", at(0.5)}, {"p90", at(0.9)}, {"max", times.back()}}},
            {"throughput_per_s", iters / sum},
            {"time_to_first_result_s", first},
            {"peak_memory_bytes", status_bytes("VmHWM")},
            {"private_memory_bytes", status_bytes("RssAnon")}};
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << path << (c.trace ? ", trace " + std::to_string(*c.trace) : std::string()) << ": " << iters
            << " calls after " << warmup << " warm-up calls, " << j["threads"] << " threads\n"
            << "  latency     min " << duration(times.front()) << ", median " << duration(at(0.5)) << ", p90 "
            << duration(at(0.9)) << ", max " << duration(times.back()) << "\n"
            << "  throughput  " << std::fixed << std::setprecision(1) << iters / sum << " calls/s\n"
            << "  first result " << duration(first) << " (import, inputs and the first call)\n"
            << "  peak memory " << with_commas(status_bytes("VmHWM")) << " bytes (resident), "
            << with_commas(status_bytes("RssAnon")) << " bytes of it private (not mapped files)\n";
  return 0;
}

// --- verify ------------------------------------------------------------------------------------------

int verify(const std::string& path, double rtol, double atol) {
  const ImportedFunction f = import_function(path);
  bool any = false;
  for (size_t t = 0; t < f.signatures().size(); ++t) any = any || f.has_self_test(t);
  if (!any) throw Failure(path + " has no self-test vectors (export with self_test=True to store them).");
  bool ok = true;
  for (const auto& r : f.verify(rtol, atol)) {
    ok = ok && r.passed;
    std::cout << "trace " << r.trace << ": " << (r.passed ? "ok" : "FAILED") << (r.message.empty() ? "" : " (" + r.message + ")")
              << "\n";
    for (size_t o = 0; o < r.max_abs_error.size(); ++o)
      std::cout << "  output " << o << ": largest error " << std::setprecision(3) << r.max_abs_error[o]
                << ", " << r.max_tolerance_ratio[o] << " of the tolerance\n";
  }
  std::cout << (ok ? "verified: " : "mismatch: ") << path << " (rtol " << rtol << ", atol " << atol << ")\n";
  return ok ? 0 : 1;
}

// --- dot and view ------------------------------------------------------------------------------------

std::string dot_text(const ImportedFunction& f, std::optional<size_t> trace) {
  if (trace && *trace >= f.signatures().size())
    throw Failure("--trace " + std::to_string(*trace) + ": " + f.path() + " has " + std::to_string(f.signatures().size()) + " traces.");
  std::ostringstream os;
  write_function_dot(os, f.impl(), trace, true, "rankdir=LR;");
  return os.str();
}

void write_output(const std::string& out, const std::string& text) {
  if (out.empty() || out == "-") {
    std::cout << text;
    return;
  }
  std::ofstream f(out, std::ios::binary);
  f << text;
  if (!f.good()) throw Failure("cannot write " + out);
}

// --- diff --------------------------------------------------------------------------------------------

json diff_files(const ImportedFunction& a, const ImportedFunction& b) {
  const auto& ia = a.impl();
  const auto& ib = b.impl();
  json d = json::object();
  if (a.format_version() != b.format_version()) d["format_version"] = {a.format_version(), b.format_version()};
  if (a.library_version() != b.library_version()) d["library_version"] = {a.library_version(), b.library_version()};
  json meta = json::object();
  for (const auto& [k, v] : a.metadata().items())
    if (!b.metadata().contains(k)) meta[k] = {{"removed", v}};
    else if (b.metadata()[k] != v) meta[k] = {{"from", v}, {"to", b.metadata()[k]}};
  for (const auto& [k, v] : b.metadata().items())
    if (!a.metadata().contains(k)) meta[k] = {{"added", v}};
  if (!meta.empty()) d["metadata"] = meta;
  json traces = json::array();
  for (size_t t = 0; t < std::max(ia.traces.size(), ib.traces.size()); ++t) {
    json jt = {{"index", t}};
    if (t >= ia.traces.size()) {
      jt["added"] = ib.signatures[t].str();
    } else if (t >= ib.traces.size()) {
      jt["removed"] = ia.signatures[t].str();
    } else {
      const std::string sa = ia.signatures[t].str(), sb = ib.signatures[t].str();
      if (sa != sb) jt["signature"] = {sa, sb};
      const auto oa = op_histogram(ia.traces[t]), ob = op_histogram(ib.traces[t]);
      json ops = json::object();
      for (const auto& [k, n] : oa)
        if (!ob.count(k) || ob.at(k) != n) ops[k] = {n, ob.count(k) ? ob.at(k) : 0};
      for (const auto& [k, n] : ob)
        if (!oa.count(k)) ops[k] = {0, n};
      if (!ops.empty()) jt["ops"] = ops;
      if (ia.traces[t].nodes.size() != ib.traces[t].nodes.size())
        jt["nodes"] = {ia.traces[t].nodes.size(), ib.traces[t].nodes.size()};
      // Constants in the order the trace uses them: same type and bytes, changed, added or removed.
      const auto& ca = ia.traces[t].constants;
      const auto& cb = ib.traces[t].constants;
      size_t changed = 0, same = 0;
      uint64_t changed_bytes = 0;
      json which = json::array();
      for (size_t i = 0; i < std::min(ca.size(), cb.size()); ++i) {
        const auto& x = ia.constants[ca[i]];
        const auto& y = ib.constants[cb[i]];
        const bool equal = x.dtype == y.dtype && x.shape == y.shape &&
                           std::memcmp(x.data, y.data, static_cast<size_t>(bytes_of(x))) == 0;
        if (equal) {
          ++same;
        } else {
          ++changed, changed_bytes += bytes_of(y);
          if (which.size() < 20)
            which.push_back({{"position", i}, {"from", std::string(dtype_name(x.dtype)) + shape_str(x.shape)},
                             {"to", std::string(dtype_name(y.dtype)) + shape_str(y.shape)}});
        }
      }
      if (changed || ca.size() != cb.size())
        jt["constants"] = {{"unchanged", same}, {"changed", changed}, {"changed_bytes", changed_bytes},
                           {"added", cb.size() > ca.size() ? cb.size() - ca.size() : 0},
                           {"removed", ca.size() > cb.size() ? ca.size() - cb.size() : 0}, {"first_changed", which}};
    }
    if (jt.size() > 1) traces.push_back(jt);
  }
  if (!traces.empty()) d["traces"] = traces;
  return d;
}

int diff(const std::string& pa, const std::string& pb, bool as_json) {
  const json d = diff_files(import_function(pa), import_function(pb));
  if (as_json) {
    std::cout << d.dump(2) << "\n";
    return d.empty() ? 0 : 1;
  }
  if (d.empty()) {
    std::cout << "no differences: " << pa << " and " << pb << " hold the same traces, constants and metadata\n";
    return 0;
  }
  std::cout << "--- " << pa << "\n+++ " << pb << "\n";
  if (d.contains("format_version")) std::cout << "format version: " << d["format_version"][0] << " -> " << d["format_version"][1] << "\n";
  if (d.contains("library_version"))
    std::cout << "written by ingot " << d["library_version"][0].get<std::string>() << " -> " << d["library_version"][1].get<std::string>() << "\n";
  if (d.contains("metadata"))
    for (const auto& [k, v] : d["metadata"].items()) std::cout << "metadata '" << k << "': " << v.dump() << "\n";
  if (d.contains("traces")) {
    for (const auto& t : d["traces"]) {
      std::cout << "trace " << t["index"] << ":";
      if (t.contains("added")) std::cout << " added " << t["added"].get<std::string>();
      if (t.contains("removed")) std::cout << " removed " << t["removed"].get<std::string>();
      std::cout << "\n";
      if (t.contains("signature"))
        std::cout << "  signature " << t["signature"][0].get<std::string>() << "\n         -> " << t["signature"][1].get<std::string>() << "\n";
      if (t.contains("nodes")) std::cout << "  nodes " << t["nodes"][0] << " -> " << t["nodes"][1] << "\n";
      if (t.contains("ops"))
        for (const auto& [k, v] : t["ops"].items()) std::cout << "  " << k << ": " << v[0] << " -> " << v[1] << "\n";
      if (t.contains("constants")) {
        const auto& c = t["constants"];
        std::cout << "  constants: " << c["changed"] << " changed (" << with_commas(c["changed_bytes"]) << " bytes), "
                  << c["unchanged"] << " unchanged, " << c["added"] << " added, " << c["removed"] << " removed\n";
        for (const auto& w : c["first_changed"])
          std::cout << "    constant at position " << w["position"] << ": " << w["from"].get<std::string>() << " -> "
                    << w["to"].get<std::string>() << "\n";
      }
    }
  }
  return 1;
}

}  // namespace

int main(const std::vector<std::string>& args) {
  CLI::App app{"ingot: inspect, check, run and draw exported function files (.ingot)", "ingot"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("ingot ") + INGOT_CLI_VERSION);
  std::string file, file_b, out;
  bool as_json = false;
  InputOptions in;
  int warmup = 10, iters = 100, threads = 0;
  double rtol = 1e-5, atol = 1e-6;
  std::optional<size_t> trace;

  auto* c_inspect = app.add_subcommand("inspect", "versions, metadata, traces (signatures, ops, nodes) and constants");
  c_inspect->add_option("file", file, "an exported file")->required();
  c_inspect->add_flag("--json", as_json, "print one JSON document");
  auto* c_validate = app.add_subcommand("validate", "the full check of an untrusted file; exit status 0 only when valid");
  c_validate->add_option("file", file, "an exported file")->required();
  auto* c_run = app.add_subcommand("run", "call the function on inputs from .npy files (or random) and show or write its outputs");
  c_run->add_option("file", file, "an exported file")->required();
  add_input_options(c_run, in);
  c_run->add_option("-o,--output-dir", out, "write each output as DIR/output_N.npy");
  auto* c_bench = app.add_subcommand("bench", "latency, throughput, time to first result and peak memory");
  c_bench->add_option("file", file, "an exported file")->required();
  add_input_options(c_bench, in);
  c_bench->add_option("--warmup", warmup, "calls before timing")->check(CLI::NonNegativeNumber);
  c_bench->add_option("--iters", iters, "timed calls")->check(CLI::PositiveNumber);
  c_bench->add_option("--threads", threads, "threads for ingot and OpenBLAS (default: INGOT_NUM_THREADS or the cores)")
      ->check(CLI::PositiveNumber);
  c_bench->add_flag("--json", as_json, "print one JSON document");
  auto* c_verify = app.add_subcommand("verify", "rerun the self-test vectors stored at export and compare the outputs");
  c_verify->add_option("file", file, "an exported file")->required();
  c_verify->add_option("--rtol", rtol, "relative tolerance")->check(CLI::NonNegativeNumber);
  c_verify->add_option("--atol", atol, "absolute tolerance")->check(CLI::NonNegativeNumber);
  auto* c_dot = app.add_subcommand("dot", "Graphviz DOT of the traces");
  c_dot->add_option("file", file, "an exported file")->required();
  c_dot->add_option("--trace", trace, "only this trace");
  c_dot->add_option("-o,--output", out, "write to this file (default: standard output)");
  auto* c_view = app.add_subcommand("view", "one self-contained HTML page with every trace's graph");
  c_view->add_option("file", file, "an exported file")->required();
  c_view->add_option("-o,--output", out, "the HTML file to write")->required();
  auto* c_diff = app.add_subcommand("diff", "what differs between two files; exit status 1 when they differ");
  c_diff->add_option("a", file, "the first file")->required();
  c_diff->add_option("b", file_b, "the second file")->required();
  c_diff->add_flag("--json", as_json, "print one JSON document");

  auto known = [&](const std::string& name) {
    for (const auto* c : app.get_subcommands({}))
      if (c->get_name() == name) return true;
    return false;
  };
  if (args.size() > 1 && !args[1].empty() && args[1][0] != '-' && !known(args[1])) {
    std::cerr << "ingot: unknown subcommand '" << args[1]
              << "' (inspect, validate, run, bench, verify, dot, view, diff; ingot --help)\n";
    return 2;
  }
  std::vector<std::string> rest(args.size() > 1 ? args.begin() + 1 : args.end(), args.end());
  std::reverse(rest.begin(), rest.end());  // CLI11 takes the arguments reversed
  try {
    app.parse(rest);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    if (*c_inspect) return inspect(file, as_json);
    if (*c_validate) return validate(file);
    if (*c_run) return run(file, in, out);
    if (*c_bench) return bench(file, in, warmup, iters, threads, as_json);
    if (*c_verify) return verify(file, rtol, atol);
    if (*c_dot) {
      write_output(out, dot_text(import_function(file), trace));
      return 0;
    }
    if (*c_view) {
      write_output(out, view_html(file));
      std::cout << "wrote " << out << "\n";
      return 0;
    }
    if (*c_diff) return diff(file, file_b, as_json);
  } catch (const std::exception& e) {
    std::cerr << "ingot " << app.get_subcommands().front()->get_name() << ": " << e.what() << "\n";
    return 1;
  }
  return 2;
}

}  // namespace ingot::cli
