#include "export/trace.h"
#include "ingot/transforms.h"

#include <algorithm>
#include <unordered_set>

#include <cstring>

#include "core/graph.h"
#include "core/utils.h"
#include "export/format.h"
#include "cpu/copy.h"
#include "prims/primitive.h"

namespace ingot::exporting {

namespace {

// A streaming 128-bit content hash (two independent multiply-rotate lanes over 64-bit words).
class Hasher {
 public:
  void update(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    total_ += n;
    while (n > 0 && fill_ > 0) {
      tail_[fill_++] = *p++, --n;
      if (fill_ == 8) word(load(tail_)), fill_ = 0;
    }
    for (; n >= 8; p += 8, n -= 8) word(load(p));
    while (n > 0) tail_[fill_++] = *p++, --n;
  }
  std::pair<uint64_t, uint64_t> finish() {
    uint8_t last[8] = {};
    std::copy(tail_, tail_ + fill_, last);
    word(load(last) ^ (static_cast<uint64_t>(fill_) << 56));
    word(total_);
    return {mix(h1_), mix(h2_ ^ h1_)};
  }

 private:
  static uint64_t load(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static uint64_t mix(uint64_t x) {
    x ^= x >> 33, x *= 0xff51afd7ed558ccdULL, x ^= x >> 33, x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
  }
  void word(uint64_t w) {
    h1_ = rotl(h1_ ^ (w * 0x87c37b91114253d5ULL), 31) * 0x4cf5ad432745937fULL;
    h2_ = rotl(h2_ + (w * 0x9e3779b97f4a7c15ULL), 27) * 0xc2b2ae3d27d4eb4fULL + 0x52dce729;
  }
  uint64_t h1_ = 0x243f6a8885a308d3ULL, h2_ = 0x13198a2e03707344ULL, total_ = 0;
  uint8_t tail_[8] = {};
  int fill_ = 0;
};

}  // namespace

uint32_t ConstantTable::intern(const array& a) {
  if (auto it = by_identity_.find(a.id()); it != by_identity_.end()) return it->second.second;
  Hasher h;
  cpu::for_each_row_major_chunk(a, 1 << 20, [&](const void* p, size_t n) { h.update(p, n); });
  auto [h1, h2] = h.finish();
  Key key{a.dtype(), a.shape(), h1, h2};
  uint32_t index;
  if (auto it = by_content_.find(key); it != by_content_.end()) {
    index = it->second;
  } else {
    if (arrays_.size() >= format::kMaxConstants) fail("export_function", "too many constants.");
    index = static_cast<uint32_t>(arrays_.size());
    arrays_.push_back(a);
    keys_.push_back(key);
    by_content_.emplace(key, index);
  }
  by_identity_.emplace(a.id(), std::pair(a, index));
  return index;
}

void ConstantTable::truncate(size_t n) {
  if (n >= arrays_.size()) return;
  for (size_t i = n; i < arrays_.size(); ++i) by_content_.erase(keys_[i]);
  std::erase_if(by_identity_, [n](const auto& kv) { return kv.second.second >= n; });
  arrays_.resize(n);
  keys_.resize(n);
}

namespace {
thread_local bool shapeless_trace = false;
}  // namespace

ShapelessTraceScope::ShapelessTraceScope(bool on) : saved(shapeless_trace) { shapeless_trace = on; }
ShapelessTraceScope::~ShapelessTraceScope() { shapeless_trace = saved; }

bool same_inputs(const Signature& a, const Signature& b) {
  auto match = [&](const TensorSpec& x, const TensorSpec& y) {
    if (x.dtype != y.dtype || x.shape.size() != y.shape.size()) return false;
    return (a.shapeless || b.shapeless) || x.shape == y.shape;
  };
  if (a.args.size() != b.args.size() || a.kwargs.size() != b.kwargs.size()) return false;
  for (size_t i = 0; i < a.args.size(); ++i)
    if (!match(a.args[i], b.args[i])) return false;
  for (const auto& [name, spec] : a.kwargs) {
    auto it = b.kwargs.find(name);
    if (it == b.kwargs.end() || !match(spec, it->second)) return false;
  }
  return true;
}

TraceRecord trace_function(const ArgsKwargsFunction& fun, const Args& args, const Kwargs& kwargs, bool shapeless,
                           ConstantTable& constants, const char* caller) {
  TraceRecord rec;
  Tape& tape = rec.tape;
  rec.signature.shapeless = shapeless;
  Args pargs;
  Kwargs pkwargs;
  std::unordered_map<const void*, uint32_t> input_ids;
  for (const auto& a : args) {
    if (!a.valid()) fail(caller, "positional input ", pargs.size(), " is an empty array handle.");
    rec.signature.args.push_back({a.dtype(), a.shape()});
    pargs.push_back(array::placeholder(a.shape(), a.dtype()));
    input_ids.emplace(pargs.back().id(), static_cast<uint32_t>(input_ids.size()));
  }
  for (const auto& [name, a] : kwargs) {  // std::map: sorted by name, which is the id order
    if (!a.valid()) fail(caller, "keyword input '", name, "' is an empty array handle.");
    rec.signature.kwargs.emplace(name, TensorSpec{a.dtype(), a.shape()});
    tape.kwarg_names.push_back(name);
    auto p = array::placeholder(a.shape(), a.dtype());
    input_ids.emplace(p.id(), static_cast<uint32_t>(input_ids.size()));
    pkwargs.emplace(name, std::move(p));
  }

  auto forwards = [](const Node& n) {
    for (size_t k = 0; k < n.output_shapes.size(); ++k)
      if (n.primitive->forwards_input(static_cast<int>(k)) < 0) return false;
    return !n.output_shapes.empty();
  };
  std::vector<array> outs;
  {
    ShapelessTraceScope scope(shapeless);
    outs = fun(pargs, pkwargs);
  }

  // Pass 1: the nodes in topological order (the one graph walk) and the constants in first-use order.
  std::vector<const Node*> order;
  std::vector<array> consts;
  std::unordered_set<const void*> seen_const;
  const auto& registry = primitive_registry().entries();
  auto enter = [&](const array& a) {
    if (!a.valid()) fail(caller, "the function returned or used an empty array handle.");
    // Weights loaded lazily from disk are read now and stored as data: a file never names another file.
    // So are the results of replayed calls on arrays with data (one node that replays a plan).
    if (!a.is_evaluated() && a.has_node()) {
      const std::string_view name = a.node()->primitive->name();
      if (name == "Load" || name == "ImportedCall" || name == "CompiledCall") array(a).eval();
    }
    if (a.kind() == ArrayKind::placeholder) {
      if (!input_ids.count(a.id()))
        fail(caller, "the function uses an input of another trace (an array captured while tracing).");
      return false;
    }
    if (a.is_evaluated() || !a.has_node()) {
      if (!a.is_evaluated()) fail(caller, "the function uses an array with neither data nor a graph.");
      if (seen_const.insert(a.id()).second) consts.push_back(a);
      return false;
    }
    const Node& n = *a.node();
    const char* name = n.primitive->name();
    if (!registry.count(name) && !forwards(n)) {
      if (std::string_view(name) == "CustomTransforms")
        fail(caller, "a custom_function with its own transforms cannot be exported: the file would keep its "
                     "forward pass but lose its vjp. Export the function without custom_function.");
      fail(caller, "primitive ", name, " cannot be exported (it has no registered serialization).");
    }
    return true;
  };
  walk_graph(outs, enter, [&](Node& n) { order.push_back(&n); });

  // Pass 2: dense ids (inputs, constants, node outputs), merging equal constants and equal nodes.
  const size_t table_size = constants.size();
  try {
    std::unordered_map<const void*, uint32_t> id = input_ids;
    uint32_t next = static_cast<uint32_t>(input_ids.size());
    std::vector<bool> dynamic(input_ids.size(), true);  // per value id: depends on a function input
    std::unordered_map<uint32_t, uint32_t> const_value;  // table index -> value id
    for (const auto& c : consts) {
      uint32_t index = constants.intern(c);
      auto [it, fresh] = const_value.emplace(index, next);
      if (fresh) tape.constants.push_back(index), ++next, dynamic.push_back(false);
      id.emplace(c.id(), it->second);
    }
    std::unordered_map<const Node*, uint32_t> node_base;  // first output id of each emitted node
    std::unordered_map<std::string, uint32_t> cse;
    std::unordered_map<const Node*, std::vector<uint32_t>> passed;  // the input ids a forwarding node passes on
    auto value_of = [&](const array& a) -> uint32_t {
      if (a.has_node() && !a.is_evaluated()) {
        if (auto it = passed.find(a.node().get()); it != passed.end()) return it->second.at(a.output_index());
        return node_base.at(a.node().get()) + a.output_index();
      }
      return id.at(a.id());
    };
    for (const Node* n : order) {
      std::vector<uint32_t> ins;
      for (const auto& in : n->inputs) ins.push_back(value_of(in));
      const Primitive& p = *n->primitive;
      // Nodes that pass inputs on (tracers, checkpoints) are not written: their consumers read the inputs.
      // A copy is the identity on values too: callers see the same numbers without it.
      if (forwards(*n) || (std::string_view(p.name()) == "Copy" && ins.size() == 1)) {
        std::vector<uint32_t> ids;
        for (size_t k = 0; k < n->output_shapes.size(); ++k) {
          const int from = std::string_view(p.name()) == "Copy" ? 0 : p.forwards_input(static_cast<int>(k));
          ids.push_back(ins.at(from));
        }
        passed.emplace(n, std::move(ids));
        continue;
      }
      StateWriter w;
      p.write_state(w);
      std::string key = std::string(p.name()) + '\0' + std::to_string(p.version()) + '\0';
      key.append(reinterpret_cast<const char*>(w.bytes().data()), w.bytes().size());
      for (auto i : ins) key.append(reinterpret_cast<const char*>(&i), sizeof(i));
      if (auto it = cse.find(key); it != cse.end() && !p.communicates()) {
        node_base.emplace(n, it->second);
        continue;
      }
      std::vector<bool> in_dynamic;
      for (auto i : ins) in_dynamic.push_back(dynamic[i]);
      const bool any_dynamic = std::find(in_dynamic.begin(), in_dynamic.end(), true) != in_dynamic.end();
      if (shapeless && any_dynamic) {  // only a shapeless trace asks what a node bakes in
        const std::string baked = p.shapeless_bakes(n->inputs, in_dynamic);
        if (!baked.empty())
          fail(caller, p.name(), " (node ", tape.nodes.size(), ") bakes ", baked, " and cannot be exported shapeless.");
      }
      const size_t nout = n->output_shapes.size();
      if (next + nout > format::kMaxValues) fail(caller, "the traced graph has too many values.");
      tape.nodes.push_back({n->primitive, static_cast<uint32_t>(p.version()), std::move(ins), n->output_shapes,
                            n->output_dtypes});
      cse.emplace(std::move(key), next);
      node_base.emplace(n, next);
      next += static_cast<uint32_t>(nout);
      dynamic.resize(next, any_dynamic);
    }
    for (const auto& o : outs) {
      tape.outputs.push_back(value_of(o));
      rec.signature.outputs.push_back({o.dtype(), o.shape()});
    }
    tape.num_inputs = input_ids.size();
    tape.num_values = next;
  } catch (...) {
    constants.truncate(table_size);
    throw;
  }
  return rec;
}

void add_self_test(TraceRecord& rec, const ArgsKwargsFunction& fun, const Args& args, const Kwargs& kwargs,
                   ConstantTable& constants, const char* caller) {
  std::vector<array> outs = fun(args, kwargs);
  Tape& tape = rec.tape;
  if (outs.size() != tape.outputs.size())
    fail(caller, "the self-test run returned ", outs.size(), " outputs; the trace returns ", tape.outputs.size(), ".");
  std::vector<array> all(args.begin(), args.end());
  for (const auto& name : tape.kwarg_names) all.push_back(kwargs.at(name));
  all.insert(all.end(), outs.begin(), outs.end());
  eval(all);
  for (size_t i = 0; i < outs.size(); ++i) {
    const TensorSpec& want = rec.signature.outputs[i];
    if (outs[i].dtype() != want.dtype || outs[i].shape() != want.shape)
      fail(caller, "the self-test run's output ", i, " is ", outs[i].dtype(), shape_str(outs[i].shape()),
           "; the trace gives ", want.dtype, shape_str(want.shape), ".");
  }
  for (size_t i = 0; i < all.size(); ++i)
    (i < all.size() - outs.size() ? tape.test_inputs : tape.test_outputs).push_back(constants.intern(all[i]));
}

}  // namespace ingot::exporting

namespace ingot::detail {
bool in_shapeless_trace() { return exporting::shapeless_trace; }
}  // namespace ingot::detail
