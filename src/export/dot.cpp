// Graphviz pictures of lazy graphs and of imported functions.
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "export/imported.h"
#include "ingot/export.h"
#include "prims/primitive.h"

namespace ingot {

namespace {
std::string spec_label(Dtype t, const Shape& s) { return std::string(dtype_name(t)) + " " + shape_str(s); }

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace

void export_to_dot(std::ostream& os, const std::vector<array>& outputs) {
  os << "digraph ingot {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  std::unordered_map<const void*, std::string> names;  // arrays and nodes, named in visit order
  std::vector<array> stack(outputs.rbegin(), outputs.rend());
  std::unordered_set<const Node*> done;
  std::unordered_set<const void*> leaves;  // leaves already labelled (their names may come earlier, from an edge)
  auto name_of = [&](const void* p, char prefix) {
    auto [it, fresh] = names.emplace(p, prefix + std::to_string(names.size()));
    return std::make_pair(it->second, fresh);
  };
  std::ostringstream edges;
  while (!stack.empty()) {
    array a = std::move(stack.back());
    stack.pop_back();
    if (!a.valid()) continue;
    if (!a.has_node() || a.is_evaluated()) {
      auto [n, fresh] = name_of(a.id(), 'v');
      (void)fresh;
      if (leaves.insert(a.id()).second)
        os << "  " << n << " [shape=ellipse, label=\""
           << (a.kind() == ArrayKind::placeholder ? "input " : "constant ") << spec_label(a.dtype(), a.shape())
           << "\"];\n";
      continue;
    }
    const Node* node = a.node().get();
    if (!done.insert(node).second) continue;
    auto [n, fresh] = name_of(node, 'n');
    std::ostringstream label;
    node->primitive->print(label);
    os << "  " << n << " [shape=box, style=filled, fillcolor=\"#dde8f7\", label=\"" << escape(label.str()) << "\"];\n";
    for (const auto& in : node->inputs) {
      const void* key = (in.has_node() && !in.is_evaluated()) ? static_cast<const void*>(in.node().get()) : in.id();
      auto [src, f2] = name_of(key, (in.has_node() && !in.is_evaluated()) ? 'n' : 'v');
      (void)f2;
      edges << "  " << src << " -> " << n << " [label=\"" << spec_label(in.dtype(), in.shape()) << "\"];\n";
      stack.push_back(in);
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const array& o = outputs[i];
    if (!o.valid()) continue;
    const void* key = (o.has_node() && !o.is_evaluated()) ? static_cast<const void*>(o.node().get()) : o.id();
    os << "  out" << i << " [shape=ellipse, style=bold, label=\"output " << i << "\\n"
       << spec_label(o.dtype(), o.shape()) << "\"];\n";
    edges << "  " << names.at(key) << " -> out" << i << ";\n";
  }
  os << edges.str() << "}\n";
}

void export_to_dot(std::ostream& os, const ImportedFunction& fun) {
  const auto& impl = fun.impl();
  os << "digraph ingot {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  for (size_t t = 0; t < impl.traces.size(); ++t) {
    const auto& tr = impl.traces[t];
    const auto& sig = impl.signatures[t];
    const std::string p = "t" + std::to_string(t) + "_";
    os << "  subgraph cluster_" << t << " {\n    label=\"trace " << t << ": " << escape(sig.str()) << "\";\n";
    size_t id = 0;
    for (size_t i = 0; i < sig.args.size(); ++i, ++id)
      os << "    " << p << id << " [shape=ellipse, label=\"input " << i << "\\n" << spec_label(sig.args[i].dtype, sig.args[i].shape) << "\"];\n";
    for (const auto& name : tr.kwarg_names) {
      const auto& s = sig.kwargs.at(name);
      os << "    " << p << id++ << " [shape=ellipse, label=\"" << escape(name) << "\\n" << spec_label(s.dtype, s.shape) << "\"];\n";
    }
    for (uint32_t c : tr.constants) {
      const auto& ci = impl.constants[c];
      os << "    " << p << id++ << " [shape=ellipse, label=\"constant " << c << "\\n" << spec_label(ci.dtype, ci.shape) << "\"];\n";
    }
    for (size_t k = 0; k < tr.nodes.size(); ++k) {
      const auto& n = tr.nodes[k];
      std::ostringstream label;
      n.primitive->print(label);
      const std::string node = p + "n" + std::to_string(k);
      os << "    " << node << " [shape=box, style=filled, fillcolor=\"#dde8f7\", label=\"" << escape(label.str()) << "\"];\n";
      for (uint32_t in : n.inputs) os << "    " << p << in << " -> " << node << ";\n";
      for (size_t o = 0; o < n.shapes.size(); ++o, ++id)
        os << "    " << p << id << " [shape=point];\n    " << node << " -> " << p << id << " [label=\""
           << spec_label(n.dtypes[o], n.shapes[o]) << "\"];\n";
    }
    for (size_t i = 0; i < tr.outputs.size(); ++i)
      os << "    " << p << "out" << i << " [shape=ellipse, style=bold, label=\"output " << i << "\"];\n    " << p
         << tr.outputs[i] << " -> " << p << "out" << i << ";\n";
    os << "  }\n";
  }
  os << "}\n";
}

}  // namespace ingot
