// Reading a function file: every byte is hostile until checked (docs/format.md, "Reading a file").

#include <cstring>
#include <iomanip>
#include <limits>
#include <sstream>

#include "export/format.h"
#include "ingot/ops.h"
#include "ingot/transforms.h"
#include "export/imported.h"
#include "export/schema_generated.h"
#include "export/trace.h"
#include "prims/primitive.h"

namespace ingot {

namespace {

using Impl = ImportedFunction::Impl;
using flatbuffers::uoffset_t;

template <typename V>
size_t count(const V* v) {
  return v ? v->size() : 0;
}

class Reader {
 public:
  Reader(std::string path, const ImportOptions& options) : path_(std::move(path)), options_(options) {}

  std::shared_ptr<const Impl> read() {
    auto impl = std::make_shared<Impl>();
    impl->path = path_;
    impl->options = options_;
    impl->plans.packer.set_budget(options_.max_packed_bytes);
    size_t size = 0;
    const uint8_t* base = map_file(*impl, size);
    const format::Header h = header(base, size);
    impl->format_version = h.format_version;
    const uint8_t* g = base + h.graph_offset;
    flatbuffers::Verifier verifier(g, h.graph_size, /*max_depth=*/64, /*max_tables=*/1u << 28);
    if (!fb::VerifyFunctionBuffer(verifier)) bad("the graph section is malformed (FlatBuffers verification failed).");
    const fb::Function* f = fb::GetFunction(g);
    impl->library_version = f->library_version() ? f->library_version()->str() : "";
    read_metadata(*impl, f);
    read_constants(*impl, f, base + h.data_offset, h.data_size);
    const size_t ntraces = count(f->traces());
    if (ntraces > format::kMaxTraces) bad("too many traces (" + std::to_string(ntraces) + ").");
    for (size_t t = 0; t < ntraces; ++t) read_trace(*impl, f->traces()->Get(static_cast<uoffset_t>(t)), t);
    for (size_t a = 0; a < ntraces; ++a)
      for (size_t b = a + 1; b < ntraces; ++b)
        if (exporting::same_inputs(impl->signatures[a], impl->signatures[b]))
          bad("traces " + std::to_string(a) + " and " + std::to_string(b) + " accept the same inputs.");
    return impl;
  }

 private:
  [[noreturn]] void bad(const std::string& why) const {
    throw std::runtime_error("[import_function] " + path_ + ": " + why);
  }

  // The file mapped, or read into memory with ImportOptions::copy_constants (so that nothing refers to
  // it after the import; a file shrinking meanwhile is reported, not a SIGBUS).
  const uint8_t* map_file(Impl& impl, size_t& size) {
    auto file = io::MappedFile::open(path_, "import_function", options_.copy_constants);
    size = static_cast<size_t>(file->size());
    if (size < format::kHeaderSize)
      bad("too small to be an ingot function file (" + std::to_string(size) + " bytes).");
    impl.mapping = file;
    return file->data();
  }

  format::Header header(const uint8_t* base, uint64_t size) const {
    format::Header h;
    std::memcpy(&h, base, sizeof(h));
    if (std::memcmp(h.magic, format::kMagic, 8) != 0) bad("not an ingot function file (bad magic bytes).");
    if (h.min_reader_version > format::kFormatVersion)
      bad("written in format version " + std::to_string(h.format_version) + ", which needs a reader of version " +
          std::to_string(h.min_reader_version) + " or newer; this ingot reads format version " +
          std::to_string(format::kFormatVersion) + ". Upgrade ingot to read it.");
    if (h.flags != 0) bad("unknown header flags " + std::to_string(h.flags) + ".");
    if (h.graph_offset < format::kHeaderSize || h.graph_offset % 8 != 0 || h.graph_size == 0 ||
        h.graph_size > format::kMaxGraphBytes || h.graph_offset > size || h.graph_size > size - h.graph_offset)
      bad("the graph section lies outside the file (truncated or corrupt).");
    if (h.data_offset % format::kAlignment != 0 || h.data_offset < h.graph_offset + h.graph_size ||
        h.data_offset > size || h.data_size > size - h.data_offset)
      bad("the data section lies outside the file (truncated or corrupt): it needs " +
          std::to_string(h.data_offset) + " + " + std::to_string(h.data_size) + " bytes, the file has " +
          std::to_string(size) + ".");
    if (format::crc32(base + h.graph_offset, h.graph_size) != h.graph_crc32)
      bad("the graph section is corrupt (checksum mismatch).");
    return h;
  }

  Dtype dtype(uint8_t code, const std::string& what) const {
    if (!is_valid_dtype_code(code)) bad(what + " has an unknown dtype code " + std::to_string(code) + ".");
    return static_cast<Dtype>(code);
  }

  Shape shape(const flatbuffers::Vector<int64_t>* v, const std::string& what) const {
    Shape s;
    if (count(v) > format::kMaxDims) bad(what + " has " + std::to_string(count(v)) + " dimensions (the limit is 32).");
    // The FlatBuffers verifier checks a vector's length field, not its 8-byte elements' alignment.
    if (count(v) > 0 && reinterpret_cast<uintptr_t>(v->data()) % alignof(int64_t) != 0) bad(what + " has a misaligned shape.");
    int64_t n = 1;  // of the nonzero dimensions: (0, 2^47, 2^47) is refused too (shape_size's rule)
    for (size_t i = 0; i < count(v); ++i) {
      const int64_t d = v->Get(static_cast<uoffset_t>(i));
      if (d < 0 || d > format::kMaxElements) bad(what + " has an invalid dimension " + std::to_string(d) + ".");
      if (d != 0 && n > format::kMaxElements / d) bad(what + " has too many elements.");
      n *= d != 0 ? d : 1;
      s.push_back(d);
    }
    return s;
  }

  TensorSpec tensor(const fb::TensorType* t, const std::string& what) const {
    if (!t) bad(what + " has no type.");
    return TensorSpec{dtype(t->dtype(), what), shape(t->shape(), what)};
  }

  void read_metadata(Impl& impl, const fb::Function* f) const {
    impl.metadata = Metadata::object();
    const auto* meta = f->metadata();
    if (!meta) return;
    if (meta->size() > format::kMaxMetadataBytes) bad("the metadata is larger than 64 MiB.");
    // The callback sees each container open with the number of containers around it.
    bool too_deep = false;
    auto depth_check = [&](int depth, Metadata::parse_event_t ev, Metadata&) {
      if ((ev == Metadata::parse_event_t::object_start || ev == Metadata::parse_event_t::array_start) &&
          depth + 1 > kMaxMetadataDepth)
        too_deep = true;
      return !too_deep;
    };
    impl.metadata = Metadata::parse(meta->begin(), meta->end(), depth_check, /*allow_exceptions=*/false);
    if (too_deep)
      bad("the metadata nests objects and arrays more than " + std::to_string(kMaxMetadataDepth) + " levels deep.");
    if (impl.metadata.is_discarded() || !impl.metadata.is_object()) bad("the metadata is not a JSON object.");
  }

  void read_constants(Impl& impl, const fb::Function* f, const uint8_t* data, uint64_t data_size) const {
    const size_t n = count(f->constants());
    if (n > format::kMaxConstants) bad("too many constants.");
    for (size_t i = 0; i < n; ++i) {
      const auto* c = f->constants()->Get(static_cast<uoffset_t>(i));
      const std::string what = "constant " + std::to_string(i);
      Impl::ConstantInfo ci{dtype(c->dtype(), what), shape(c->shape(), what), nullptr};
      const uint64_t nbytes = static_cast<uint64_t>(shape_size(ci.shape)) * size_of(ci.dtype);
      if (c->offset() % format::kAlignment != 0) bad(what + " is not 64-byte aligned.");
      if (c->size() != nbytes)
        bad(what + " records " + std::to_string(c->size()) + " bytes for " + std::to_string(nbytes) + " bytes of values.");
      if (c->offset() > data_size || nbytes > data_size - c->offset())
        bad(what + " lies outside the data section (truncated or corrupt).");
      ci.data = data + c->offset();
      impl.constants.push_back(std::move(ci));
    }
    impl.constant_cache.resize(n);
  }

  void read_trace(Impl& impl, const fb::Trace* tr, size_t t) const {
    const std::string where = "trace " + std::to_string(t);
    Tape info;
    Signature sig;
    sig.shapeless = tr->shapeless();
    Arrays vals;  // placeholders with each value's recorded shape and dtype, to check nodes against
    for (size_t i = 0; i < count(tr->args()); ++i) {
      sig.args.push_back(tensor(tr->args()->Get(static_cast<uoffset_t>(i)), where + " input " + std::to_string(i)));
      vals.push_back(array::placeholder(sig.args.back().shape, sig.args.back().dtype));
    }
    for (size_t i = 0; i < count(tr->kwargs()); ++i) {
      const auto* kw = tr->kwargs()->Get(static_cast<uoffset_t>(i));
      std::string name = kw->name()->str();
      if (i > 0 && !(info.kwarg_names.back() < name)) bad(where + ": keyword inputs are not unique and sorted.");
      auto spec = tensor(kw->type(), where + " keyword input '" + name + "'");
      vals.push_back(array::placeholder(spec.shape, spec.dtype));
      sig.kwargs.emplace(name, spec);
      info.kwarg_names.push_back(std::move(name));
    }
    info.num_inputs = vals.size();
    for (size_t i = 0; i < count(tr->constants()); ++i) {
      const uint32_t c = tr->constants()->Get(static_cast<uoffset_t>(i));
      if (c >= impl.constants.size()) bad(where + " refers to constant " + std::to_string(c) + ", which does not exist.");
      info.constants.push_back(c);
      vals.push_back(array::placeholder(impl.constants[c].shape, impl.constants[c].dtype));
    }
    const auto& registry = primitive_registry().entries();
    const size_t nnodes = count(tr->nodes());
    if (nnodes > format::kMaxNodes) bad(where + " has too many nodes.");
    nodes_ += nnodes;
    if (nodes_ > options_.max_nodes)
      bad("the file has more than " + std::to_string(options_.max_nodes) + " nodes, the limit max_nodes (" +
          where + " brings it to " + std::to_string(nodes_) + ").");
    const std::string budget_where = path_ + ": " + where;
    Impl::Budget budget{options_, budget_where};
    for (size_t k = 0; k < nnodes; ++k) {
      const auto* n = tr->nodes()->Get(static_cast<uoffset_t>(k));
      const std::string name = n->primitive()->str();
      const std::string what = where + ", node " + std::to_string(k) + " (" + name + ")";
      auto it = registry.find(name);
      if (it == registry.end()) bad(what + ": unknown primitive (the file may need a newer ingot).");
      if (n->version() == 0 || n->version() > static_cast<uint32_t>(it->second.version))
        bad(what + ": state version " + std::to_string(n->version()) + " is not supported (this ingot has version " +
            std::to_string(it->second.version) + ").");
      TapeNode ni;
      ni.version = n->version();
      static const uint8_t kNoState = 0;
      StateReader sr(n->state() ? n->state()->data() : &kNoState, count(n->state()), what + " in " + path_,
                     static_cast<int>(n->version()));
      ni.primitive = it->second.factory(sr);
      const size_t nin = count(n->inputs());
      if (nin > format::kMaxNodeArity) bad(what + " has too many inputs.");
      Arrays ins;
      for (size_t i = 0; i < nin; ++i) {
        const uint32_t id = n->inputs()->Get(static_cast<uoffset_t>(i));
        if (id >= vals.size()) bad(what + " uses value " + std::to_string(id) + ", which is not defined before it.");
        ni.inputs.push_back(id);
        ins.push_back(vals[id]);
      }
      const size_t nout = count(n->outputs());
      if (nout == 0 || nout > format::kMaxNodeArity) bad(what + " has an invalid number of outputs.");
      for (size_t o = 0; o < nout; ++o) {
        auto spec = tensor(n->outputs()->Get(static_cast<uoffset_t>(o)), what + " output " + std::to_string(o));
        ni.shapes.push_back(std::move(spec.shape));
        ni.dtypes.push_back(spec.dtype);
      }
      std::vector<Shape> shapes;
      std::vector<Dtype> dtypes;
      try {
        ni.primitive->check_inputs(ins);
        shapes = ni.primitive->output_shapes(ins);
        dtypes = ni.primitive->output_dtypes(ins);
      } catch (const std::exception& e) {
        bad(what + ": the node does not fit its inputs: " + e.what());
      }
      if (shapes != ni.shapes || dtypes != ni.dtypes)
        bad(what + ": the recorded output shapes or dtypes differ from what the primitive computes.");
      if (!sig.shapeless) budget.add(*ni.primitive, ins, shapes, dtypes);  // shapeless: when a call fixes shapes
      if (vals.size() + nout > format::kMaxValues) bad(where + " has too many values.");
      for (size_t o = 0; o < nout; ++o) vals.push_back(array::placeholder(ni.shapes[o], ni.dtypes[o]));
      info.nodes.push_back(std::move(ni));
    }
    for (size_t i = 0; i < count(tr->outputs()); ++i) {
      const uint32_t id = tr->outputs()->Get(static_cast<uoffset_t>(i));
      if (id >= vals.size()) bad(where + " returns value " + std::to_string(id) + ", which does not exist.");
      info.outputs.push_back(id);
      sig.outputs.push_back({vals[id].dtype(), vals[id].shape()});
    }
    info.num_values = vals.size();
    if (const auto* test = tr->self_test()) read_self_test(impl, test, info, sig, where);
    impl.traces.push_back(std::move(info));
    impl.signatures.push_back(std::move(sig));
  }

  // Self-test vectors: constants shaped and typed as the trace's inputs and outputs.
  void read_self_test(const Impl& impl, const fb::SelfTest* test, Tape& info, const Signature& sig,
                      const std::string& where) const {
    std::vector<TensorSpec> ins(sig.args.begin(), sig.args.end());
    for (const auto& name : info.kwarg_names) ins.push_back(sig.kwargs.at(name));
    auto read = [&](const flatbuffers::Vector<uint32_t>* ids, const std::vector<TensorSpec>& specs, const char* what,
                    std::vector<uint32_t>& out) {
      if (count(ids) != specs.size())
        bad(where + "'s self-test has " + std::to_string(count(ids)) + " " + what + "; the trace has " +
            std::to_string(specs.size()) + ".");
      for (size_t i = 0; i < specs.size(); ++i) {
        const uint32_t c = ids->Get(static_cast<uoffset_t>(i));
        if (c >= impl.constants.size()) bad(where + "'s self-test refers to constant " + std::to_string(c) + ", which does not exist.");
        const auto& ci = impl.constants[c];
        const bool fits = ci.dtype == specs[i].dtype &&
                          (sig.shapeless ? ci.shape.size() == specs[i].shape.size() : ci.shape == specs[i].shape);
        if (!fits) bad(where + "'s self-test " + what + " " + std::to_string(i) + " does not fit the trace's signature.");
        out.push_back(c);
      }
    };
    read(test->inputs(), ins, "inputs", info.test_inputs);
    read(test->outputs(), sig.outputs, "outputs", info.test_outputs);
  }

  std::string path_;
  const ImportOptions& options_;
  mutable uint64_t nodes_ = 0;  // over the traces read so far
};

std::string call_signature(const Args& args, const Kwargs& kwargs) {
  Signature s;
  for (const auto& a : args) s.args.push_back({a.dtype(), a.shape()});
  for (const auto& [k, v] : kwargs) s.kwargs.emplace(k, TensorSpec{v.dtype(), v.shape()});
  std::string str = s.str();
  return str.substr(0, str.find(" -> "));
}

bool matches(const Signature& sig, const Args& args, const Kwargs& kwargs) {
  auto fits = [&](const TensorSpec& spec, const array& a) {
    return spec.dtype == a.dtype() && spec.shape.size() == a.shape().size() && (sig.shapeless || spec.shape == a.shape());
  };
  if (sig.args.size() != args.size() || sig.kwargs.size() != kwargs.size()) return false;
  for (size_t i = 0; i < args.size(); ++i)
    if (!fits(sig.args[i], args[i])) return false;
  for (const auto& [name, a] : kwargs) {
    auto it = sig.kwargs.find(name);
    if (it == sig.kwargs.end() || !fits(it->second, a)) return false;
  }
  return true;
}

}  // namespace

array Impl::constant(uint32_t index) const {
  std::lock_guard<std::mutex> lock(mutex);
  array& a = constant_cache[index];
  if (!a.valid()) {
    const ConstantInfo& c = constants[index];
    // A bool byte other than 0 or 1 (a hostile file) would break every bool kernel: bools are copied,
    // any nonzero byte becoming true, as Load reads them. Other dtypes are valid in any bit pattern.
    if (c.dtype == bool_) return a = array(c.data, uint8, c.shape, bool_);
    // Zero-copy: the array aliases the mapping, which it keeps alive.
    a = array::from_buffer(std::shared_ptr<void>(mapping, const_cast<void*>(c.data)), const_cast<void*>(c.data),
                           c.shape, c.dtype);
  }
  return a;
}

namespace {
void check_handles(const Args& args, const Kwargs& kwargs) {
  for (const auto& a : args)
    if (!a.valid()) throw std::invalid_argument("[import_function] called with an empty array handle.");
  for (const auto& [k, a] : kwargs)
    if (!a.valid()) throw std::invalid_argument("[import_function] keyword '" + k + "' is an empty array handle.");
}
}  // namespace

std::vector<array> Impl::call(const Args& args, const Kwargs& kwargs) const {
  check_handles(args, kwargs);
  for (size_t t = 0; t < traces.size(); ++t)
    if (matches(signatures[t], args, kwargs)) return call_trace(t, args, kwargs);
  std::string msg = "[import_function] no trace in " + path + " accepts the call " + call_signature(args, kwargs) +
                    ". The file holds:";
  for (const auto& s : signatures) msg += "\n  " + s.str();
  if (signatures.empty()) msg += " no traces.";
  throw std::invalid_argument(msg);
}

std::vector<array> Impl::call_trace(size_t t, const Args& args, const Kwargs& kwargs) const {
  Arrays inputs(args);
  for (const auto& name : traces[t].kwarg_names) inputs.push_back(kwargs.at(name));
  auto p = plan(t, inputs);
  return call_plan(shared_from_this(), std::move(p), std::move(inputs));
}

std::shared_ptr<const Plan> Impl::plan(size_t t, const Arrays& inputs) const {
  const bool shapeless = signatures[t].shapeless;
  return plans.get(traces[t], inputs, shapeless, [&] {
    Arrays consts;
    for (uint32_t c : traces[t].constants) consts.push_back(constant(c));
    const std::string where = path + ": trace " + std::to_string(t);
    Budget budget{options, where};
    auto check = [&](const TapeNode& n, const Arrays& ins, const std::vector<Shape>& shapes) {
      budget.add(*n.primitive, ins, shapes, n.dtypes);
    };
    return build_plan(traces[t], std::move(consts), inputs, shapeless, check, "ImportedCall", &plans.packer);
  });
}

void Impl::Budget::add(const Primitive& p, const Arrays& in, const std::vector<Shape>& shapes,
                       const std::vector<Dtype>& dtypes) {
  for (size_t o = 0; o < shapes.size(); ++o) bytes += detail::elements(shapes[o]) * size_of(dtypes[o]);
  flops += p.cost(in, shapes);
  auto over = [&](const std::string& need, const char* limit, const std::string& value) {
    throw std::runtime_error("[import_function] " + where + " needs " + need + " per call (reached at a " + p.name() +
                             " node), more than the limit " + limit + " = " + value + ". Raise the limit (ImportOptions "
                             "in C++, the " + limit + " argument in Python) if the file is trusted.");
  };
  auto number = [](double v) {
    std::ostringstream os;
    os << std::setprecision(v < 1e15 ? 15 : 3) << v;
    return os.str();
  };
  // Written as !(x <= limit): a NaN estimate (a hostile shape's 0 / 0) fails the check instead of passing.
  if (!(bytes <= static_cast<double>(options.max_call_bytes)))
    over(number(bytes) + " bytes of intermediate and output arrays", "max_call_bytes",
         std::to_string(options.max_call_bytes));
  if (!(flops <= options.max_call_flops))
    over("an estimated " + number(flops) + " operations", "max_call_flops", number(options.max_call_flops));
}

ImportedFunction import_function(const std::string& path, const ImportOptions& options) {
  return ImportedFunction(Reader(path, options).read());
}

std::vector<array> ImportedFunction::operator()(const Args& args) const { return impl_->call(args, {}); }
std::vector<array> ImportedFunction::operator()(const Kwargs& kwargs) const { return impl_->call({}, kwargs); }
std::vector<array> ImportedFunction::operator()(const Args& args, const Kwargs& kwargs) const {
  return impl_->call(args, kwargs);
}
std::vector<array> ImportedFunction::call_trace(size_t trace, const Args& args, const Kwargs& kwargs) const {
  const Impl& impl = *impl_;
  if (trace >= impl.traces.size())
    throw std::invalid_argument("[import_function] trace " + std::to_string(trace) + " does not exist: " + impl.path +
                                " has " + std::to_string(impl.traces.size()) + ".");
  check_handles(args, kwargs);
  if (!matches(impl.signatures[trace], args, kwargs))
    throw std::invalid_argument("[import_function] trace " + std::to_string(trace) + " of " + impl.path +
                                " does not accept the call " + call_signature(args, kwargs) + "; it takes " +
                                impl.signatures[trace].str() + ".");
  return impl.call_trace(trace, args, kwargs);
}

bool ImportedFunction::has_self_test(size_t trace) const {
  return trace < impl_->traces.size() && !impl_->traces[trace].test_outputs.empty();
}

std::vector<SelfTestResult> ImportedFunction::verify(double rtol, double atol) const {
  if (!(rtol >= 0) || !(atol >= 0))
    throw std::invalid_argument("[verify] rtol and atol must be >= 0, got " + std::to_string(rtol) + " and " +
                                std::to_string(atol) + ".");
  const Impl& impl = *impl_;
  std::vector<SelfTestResult> results;
  for (size_t t = 0; t < impl.traces.size(); ++t) {
    if (!has_self_test(t)) continue;
    const auto& tr = impl.traces[t];
    SelfTestResult r;
    r.trace = t;
    try {
      Args args;
      Kwargs kwargs;
      const size_t npos = impl.signatures[t].args.size();
      for (size_t i = 0; i < tr.test_inputs.size(); ++i) {
        if (i < npos) args.push_back(impl.constant(tr.test_inputs[i]));
        else kwargs.emplace(tr.kwarg_names[i - npos], impl.constant(tr.test_inputs[i]));
      }
      std::vector<array> got = call_trace(t, args, kwargs);
      eval(got);
      r.passed = true;
      for (size_t o = 0; o < got.size(); ++o) {
        array want = impl.constant(tr.test_outputs[o]);
        if (got[o].dtype() != want.dtype() || got[o].shape() != want.shape()) {
          r.passed = false;
          r.message = "output " + std::to_string(o) + " is " + std::string(dtype_name(got[o].dtype())) +
                      shape_str(got[o].shape()) + ", the stored one " + dtype_name(want.dtype()) + shape_str(want.shape());
          r.max_abs_error.push_back(std::numeric_limits<double>::infinity());
          r.max_tolerance_ratio.push_back(std::numeric_limits<double>::infinity());
          continue;
        }
        // The check is allclose's; the report measures |got - want| in float64, equal values (NaN with
        // NaN, an infinity with itself) counting 0 and any other NaN difference infinite.
        if (!allclose(got[o], want, rtol, atol, true)) r.passed = false;
        array g = astype(got[o], float64), w = astype(want, float64);
        const array same = isclose(g, w, 0.0, 0.0, true);
        array diff = abs(subtract(g, w));
        diff = where(same, array(0.0, float64), where(isnan(diff), array(std::numeric_limits<double>::infinity(), float64), diff));
        const array ratio = where(same, array(0.0, float64),
                                  divide(diff, add(array(atol, float64), multiply(array(rtol, float64), abs(w)))));
        r.max_abs_error.push_back(got[o].size() ? max(diff).item<double>() : 0.0);
        r.max_tolerance_ratio.push_back(got[o].size() ? max(ratio).item<double>() : 0.0);
      }
    } catch (const std::exception& e) {
      r.passed = false;
      r.message = e.what();
    }
    results.push_back(std::move(r));
  }
  return results;
}

const std::vector<Signature>& ImportedFunction::signatures() const { return impl_->signatures; }
const Metadata& ImportedFunction::metadata() const { return impl_->metadata; }
uint32_t ImportedFunction::format_version() const { return impl_->format_version; }
const std::string& ImportedFunction::library_version() const { return impl_->library_version; }
const std::string& ImportedFunction::path() const { return impl_->path; }

}  // namespace ingot
