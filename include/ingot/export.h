// Exporting traced functions to a single file and importing them anywhere.
// The file format is specified in docs/format.md.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "ingot/array.h"

namespace ingot {

using Args = std::vector<array>;
using Kwargs = std::map<std::string, array>;
using Metadata = nlohmann::json;  // the user's metadata: a JSON object of any JSON values
// Metadata nests objects and arrays at most this deep (the top-level object is level 1), on write and
// on read, so that no reader (Python's conversion included) needs more stack than that.
inline constexpr int kMaxMetadataDepth = 64;

namespace detail {
// True while a shapeless export traces a function on this thread: op builders then build the forms
// that follow shapes (a reshape keeps its -1, a slice its Python-style bounds, nothing is elided
// because of a size that only the traced shape has).
bool in_shapeless_trace();
}  // namespace detail

// What an export stores beyond the graph: shapeless replay, the user's metadata, and self-test vectors
// (each trace's example inputs and the outputs the function gave for them here, so that
// ImportedFunction::verify, or `ingot verify`, proves another machine computes the same).
struct ExportOptions {
  bool shapeless = false;
  Metadata metadata = Metadata::object();
  bool self_test = false;
};

using ArgsFunction = std::function<std::vector<array>(const Args&)>;
using KwargsFunction = std::function<std::vector<array>(const Kwargs&)>;
using ArgsKwargsFunction = std::function<std::vector<array>(const Args&, const Kwargs&)>;

// Traces `fun` once with placeholders shaped like the given inputs and writes the graph and every
// constant it reaches to `path` (atomically: a temporary file renamed into place). Evaluate weights
// before exporting: an unevaluated array that depends on no input is stored as the graph computing it
// (except arrays loaded lazily from weight files, which are evaluated and stored as data).
void export_function(const std::string& path, const ArgsFunction& fun, const Args& args, bool shapeless = false,
                     const Metadata& metadata = Metadata::object());
void export_function(const std::string& path, const KwargsFunction& fun, const Kwargs& kwargs,
                     bool shapeless = false, const Metadata& metadata = Metadata::object());
void export_function(const std::string& path, const ArgsKwargsFunction& fun, const Args& args,
                     const Kwargs& kwargs, bool shapeless = false, const Metadata& metadata = Metadata::object());
void export_function(const std::string& path, const ArgsKwargsFunction& fun, const Args& args, const Kwargs& kwargs,
                     const ExportOptions& options);
void export_function(const std::string& path, const ArgsFunction& fun, const Args& args, const ExportOptions& options);

// Adds one trace per call; constants shared between traces are stored once. close() writes the file
// (the destructor closes too, but only close() reports errors).
class FunctionExporter {
 public:
  void operator()(const Args& args);
  void operator()(std::initializer_list<array> args) { (*this)(Args(args)); }  // ex({x, y})
  void operator()(const Kwargs& kwargs);
  void operator()(const Args& args, const Kwargs& kwargs);
  void close();
  ~FunctionExporter();
  FunctionExporter(FunctionExporter&&) noexcept;
  FunctionExporter& operator=(FunctionExporter&&) noexcept;

  struct Impl;

 private:
  friend FunctionExporter exporter(const std::string&, const ArgsKwargsFunction&, const ExportOptions&);
  explicit FunctionExporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

FunctionExporter exporter(const std::string& path, const ArgsFunction& fun, bool shapeless = false,
                          const Metadata& metadata = Metadata::object());
FunctionExporter exporter(const std::string& path, const KwargsFunction& fun, bool shapeless = false,
                          const Metadata& metadata = Metadata::object());
FunctionExporter exporter(const std::string& path, const ArgsKwargsFunction& fun, bool shapeless = false,
                          const Metadata& metadata = Metadata::object());
FunctionExporter exporter(const std::string& path, const ArgsKwargsFunction& fun, const ExportOptions& options);
FunctionExporter exporter(const std::string& path, const ArgsFunction& fun, const ExportOptions& options);

struct TensorSpec {
  Dtype dtype;
  Shape shape;
  bool operator==(const TensorSpec&) const = default;
};

// One stored trace: what it accepts and what it returns.
struct Signature {
  std::vector<TensorSpec> args;
  std::map<std::string, TensorSpec> kwargs;
  std::vector<TensorSpec> outputs;
  bool shapeless = false;
  std::string str() const;  // "(float32[2,3], x: int32[4]) -> (float32[2,3]), shapeless"
};

// The outcome of one trace's self-test: the stored inputs rerun here against the stored outputs.
struct SelfTestResult {
  size_t trace = 0;
  std::vector<double> max_abs_error;  // per output (NaN where both hold NaN counts as equal)
  std::vector<double> max_tolerance_ratio;  // per output: max |got - want| / (atol + rtol |want|); <= 1 passes
  bool passed = false;
  std::string message;  // why it failed when the outputs could not be compared (shape, dtype, an error)
};

// A function read back from a file: cheap to copy, safe to call from several threads.
class ImportedFunction {
 public:
  std::vector<array> operator()(const Args& args) const;
  std::vector<array> operator()(std::initializer_list<array> args) const { return (*this)(Args(args)); }  // f({x, y})
  std::vector<array> operator()(const Kwargs& kwargs) const;
  std::vector<array> operator()(const Args& args, const Kwargs& kwargs) const;

  // Runs trace `trace` (an index into signatures()); the inputs must match its signature.
  std::vector<array> call_trace(size_t trace, const Args& args, const Kwargs& kwargs = {}) const;

  // Self-test vectors (ExportOptions::self_test): whether trace `trace` has them, and the check of every
  // trace that has them, outputs compared as numpy's allclose(rtol, atol, equal_nan=True) does.
  bool has_self_test(size_t trace) const;
  std::vector<SelfTestResult> verify(double rtol = 1e-5, double atol = 1e-6) const;

  const std::vector<Signature>& signatures() const;
  const Metadata& metadata() const;
  uint32_t format_version() const;       // of the file
  const std::string& library_version() const;  // the ingot that wrote it
  const std::string& path() const;

  struct Impl;
  explicit ImportedFunction(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// What a file may make the library do, so that a small hostile file cannot ask for unbounded work
// (docs/format.md, "Resource budgets"). Fixed-shape traces are checked when the file is imported,
// shapeless ones when a call fixes their shapes, before anything runs; exceeding a limit throws
// std::runtime_error naming it. The defaults admit large language models at moderate batch sizes.
struct ImportOptions {
  uint64_t max_nodes = uint64_t{1} << 20;        // nodes over all traces of the file
  uint64_t max_call_bytes = uint64_t{8} << 30;   // bytes of every intermediate and output array of one call
  double max_call_flops = 1e13;                  // estimated scalar operations of one call
  // Read the whole file into memory instead of mapping it, so that the function keeps working when the
  // file is changed or truncated afterwards (a mapped file cut short raises SIGBUS on the next read).
  bool copy_constants = false;
  // Bytes of constant weights a function may keep packed for its products (a copy in the layout the
  // matrix kernels read fastest, made once: products of many rows by those weights run faster, at the
  // cost of that memory). Matrix-vector products (one row) never pack. 0 packs nothing.
  uint64_t max_packed_bytes = uint64_t{1} << 30;
};

// Reads and verifies the graph; constant data stays in the file (memory-mapped) until first used.
ImportedFunction import_function(const std::string& path, const ImportOptions& options = {});

// Graphviz pictures of a lazy graph, or of every trace of an imported function.
void export_to_dot(std::ostream& os, const std::vector<array>& outputs);
void export_to_dot(std::ostream& os, const ImportedFunction& fun);

}  // namespace ingot
