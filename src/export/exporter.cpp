// The public export API: export_function and FunctionExporter.
#include <sstream>

#include "core/utils.h"
#include "export/trace.h"

namespace ingot {

struct FunctionExporter::Impl {
  std::string path;
  ArgsKwargsFunction fun;
  ExportOptions options;
  exporting::ConstantTable constants;
  std::vector<exporting::TraceRecord> traces;
  bool closed = false;

  void add(const Args& args, const Kwargs& kwargs) {
    if (closed) throw std::runtime_error("[exporter] cannot add a trace to " + path + ": the exporter is closed.");
    const size_t table_size = constants.size();
    auto rec = exporting::trace_function(fun, args, kwargs, options.shapeless, constants, "exporter");
    try {  // a refused trace leaves no constants behind
      for (const auto& t : traces)
        if (exporting::same_inputs(t.signature, rec.signature))
          fail("exporter", "a trace with the signature ", rec.signature.str(), " was already exported to ", path, ".");
      if (options.self_test) exporting::add_self_test(rec, fun, args, kwargs, constants, "exporter");
    } catch (...) {
      constants.truncate(table_size);
      throw;
    }
    traces.push_back(std::move(rec));
  }
  void close() {
    if (closed) return;
    closed = true;
    exporting::write_function_file(path, options.metadata, constants, traces);
    constants = {};  // release the weights
    traces.clear();
  }
};

namespace {
void check_metadata(const Metadata& m, const char* caller) {
  if (!m.is_object()) fail(caller, "metadata must be a JSON object, got a JSON ", m.type_name(), ".");
  // Iterative: the value checked may be nested far deeper than the stack allows.
  std::vector<std::pair<const Metadata*, int>> stack{{&m, 1}};
  while (!stack.empty()) {
    auto [j, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxMetadataDepth)
      fail(caller, "metadata nests objects and arrays more than ", kMaxMetadataDepth, " levels deep.");
    for (const auto& child : *j)
      if (child.is_structured()) stack.emplace_back(&child, depth + 1);
  }
}
ArgsKwargsFunction from_args(const ArgsFunction& f) {
  return [f](const Args& a, const Kwargs&) { return f(a); };
}
ArgsKwargsFunction from_kwargs(const KwargsFunction& f) {
  return [f](const Args&, const Kwargs& k) { return f(k); };
}
}  // namespace

FunctionExporter::FunctionExporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FunctionExporter::FunctionExporter(FunctionExporter&&) noexcept = default;
FunctionExporter& FunctionExporter::operator=(FunctionExporter&&) noexcept = default;
FunctionExporter::~FunctionExporter() {
  if (!impl_) return;
  try {
    impl_->close();
  } catch (...) {
    // A destructor cannot report; close() does. The destination is untouched on failure.
  }
}

void FunctionExporter::operator()(const Args& args) { impl_->add(args, {}); }
void FunctionExporter::operator()(const Kwargs& kwargs) { impl_->add({}, kwargs); }
void FunctionExporter::operator()(const Args& args, const Kwargs& kwargs) { impl_->add(args, kwargs); }
void FunctionExporter::close() { impl_->close(); }

FunctionExporter exporter(const std::string& path, const ArgsKwargsFunction& fun, const ExportOptions& options) {
  check_metadata(options.metadata, "exporter");
  if (!fun) fail("exporter", "the function is empty.");
  auto impl = std::make_unique<FunctionExporter::Impl>();
  impl->path = path;
  impl->fun = fun;
  impl->options = options;
  return FunctionExporter(std::move(impl));
}
FunctionExporter exporter(const std::string& path, const ArgsFunction& fun, const ExportOptions& options) {
  if (!fun) fail("exporter", "the function is empty.");
  return exporter(path, from_args(fun), options);
}
FunctionExporter exporter(const std::string& path, const ArgsKwargsFunction& fun, bool shapeless,
                          const Metadata& metadata) {
  return exporter(path, fun, ExportOptions{shapeless, metadata, false});
}
FunctionExporter exporter(const std::string& path, const ArgsFunction& fun, bool shapeless, const Metadata& metadata) {
  if (!fun) fail("exporter", "the function is empty.");
  return exporter(path, from_args(fun), shapeless, metadata);
}
FunctionExporter exporter(const std::string& path, const KwargsFunction& fun, bool shapeless,
                          const Metadata& metadata) {
  if (!fun) fail("exporter", "the function is empty.");
  return exporter(path, from_kwargs(fun), shapeless, metadata);
}

void export_function(const std::string& path, const ArgsKwargsFunction& fun, const Args& args, const Kwargs& kwargs,
                     const ExportOptions& options) {
  check_metadata(options.metadata, "export_function");
  if (!fun) fail("export_function", "the function is empty.");
  exporting::ConstantTable constants;
  std::vector<exporting::TraceRecord> traces;
  traces.push_back(exporting::trace_function(fun, args, kwargs, options.shapeless, constants, "export_function"));
  if (options.self_test) exporting::add_self_test(traces.back(), fun, args, kwargs, constants, "export_function");
  exporting::write_function_file(path, options.metadata, constants, traces);
}
void export_function(const std::string& path, const ArgsFunction& fun, const Args& args, const ExportOptions& options) {
  if (!fun) fail("export_function", "the function is empty.");
  export_function(path, from_args(fun), args, {}, options);
}
void export_function(const std::string& path, const ArgsKwargsFunction& fun, const Args& args, const Kwargs& kwargs,
                     bool shapeless, const Metadata& metadata) {
  export_function(path, fun, args, kwargs, ExportOptions{shapeless, metadata, false});
}
void export_function(const std::string& path, const ArgsFunction& fun, const Args& args, bool shapeless,
                     const Metadata& metadata) {
  if (!fun) fail("export_function", "the function is empty.");
  export_function(path, from_args(fun), args, {}, shapeless, metadata);
}
void export_function(const std::string& path, const KwargsFunction& fun, const Kwargs& kwargs, bool shapeless,
                     const Metadata& metadata) {
  if (!fun) fail("export_function", "the function is empty.");
  export_function(path, from_kwargs(fun), {}, kwargs, shapeless, metadata);
}

std::string Signature::str() const {
  std::ostringstream os;
  auto spec = [&](const TensorSpec& t) {
    os << t.dtype << '[';
    for (size_t i = 0; i < t.shape.size(); ++i) os << (i ? "," : "") << (shapeless ? std::string("?") : std::to_string(t.shape[i]));
    os << ']';
  };
  os << '(';
  bool first = true;
  for (const auto& a : args) os << (first ? "" : ", "), spec(a), first = false;
  for (const auto& [k, v] : kwargs) os << (first ? "" : ", ") << k << ": ", spec(v), first = false;
  os << ") -> (";
  for (size_t i = 0; i < outputs.size(); ++i) os << (i ? ", " : ""), spec(outputs[i]);
  os << ')';
  if (shapeless) os << " shapeless";
  return os.str();
}

}  // namespace ingot
