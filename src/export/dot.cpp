// Graphviz pictures of lazy graphs and of imported functions.
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/graph.h"
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
  std::unordered_map<const void*, std::string> names;  // arrays and nodes, named as met
  auto key_of = [](const array& a) {
    return (a.has_node() && !a.is_evaluated()) ? static_cast<const void*>(a.node().get()) : a.id();
  };
  auto name_of = [&](const array& a) -> const std::string& {
    const bool node = a.has_node() && !a.is_evaluated();
    return names.emplace(key_of(a), (node ? 'n' : 'v') + std::to_string(names.size())).first->second;
  };
  std::unordered_set<const void*> leaves;
  auto enter = [&](const array& a) {
    if (!a.valid()) return false;
    if (a.has_node() && !a.is_evaluated()) return true;
    if (leaves.insert(a.id()).second)
      os << "  " << name_of(a) << " [shape=ellipse, label=\""
         << (a.kind() == ArrayKind::placeholder ? "input " : "constant ") << spec_label(a.dtype(), a.shape())
         << "\"];\n";
    return false;
  };
  std::ostringstream edges;
  walk_graph(outputs, enter, [&](Node& node) {
    const std::string n = names.emplace(&node, 'n' + std::to_string(names.size())).first->second;
    std::ostringstream label;
    node.primitive->print(label);
    os << "  " << n << " [shape=box, style=filled, fillcolor=\"#dde8f7\", label=\"" << escape(label.str()) << "\"];\n";
    for (const auto& in : node.inputs)
      edges << "  " << name_of(in) << " -> " << n << " [label=\"" << spec_label(in.dtype(), in.shape()) << "\"];\n";
  });
  for (size_t i = 0; i < outputs.size(); ++i) {
    const array& o = outputs[i];
    if (!o.valid()) continue;
    os << "  out" << i << " [shape=ellipse, style=bold, label=\"output " << i << "\\n"
       << spec_label(o.dtype(), o.shape()) << "\"];\n";
    edges << "  " << names.at(key_of(o)) << " -> out" << i << ";\n";
  }
  os << edges.str() << "}\n";
}

namespace {
// Trace t as a DOT cluster (see write_function_dot for the names and the two styles).
void write_trace_dot(std::ostream& os, const ImportedFunction::Impl& impl, size_t t, bool edge_labels) {
  const auto& tr = impl.traces[t];
  const auto& sig = impl.signatures[t];
  const std::string p = "t" + std::to_string(t) + "_";
  os << "  subgraph cluster_" << t << " {\n    label=\"trace " << t << ": " << escape(sig.str()) << "\";\n";
  std::vector<std::string> source;  // the DOT node each value comes from
  std::vector<std::string> type;    // and its dtype and shape
  std::vector<std::string> leaf_attrs;  // inputs and constants: how to draw them
  auto leaf = [&](const std::string& label, Dtype d, const Shape& s, const char* style) {
    source.push_back(p + std::to_string(source.size()));
    type.push_back(spec_label(d, s));
    leaf_attrs.push_back("[shape=ellipse" + std::string(style) + ", label=\"" + label + "\\n" + type.back() + "\"]");
    if (edge_labels) os << "    " << source.back() << " " << leaf_attrs.back() << ";\n";
  };
  for (size_t i = 0; i < sig.args.size(); ++i) leaf("input " + std::to_string(i), sig.args[i].dtype, sig.args[i].shape, "");
  for (const auto& name : tr.kwarg_names) leaf(escape(name), sig.kwargs.at(name).dtype, sig.kwargs.at(name).shape, "");
  for (uint32_t c : tr.constants) {
    const auto& ci = impl.constants[c];
    leaf("constant " + std::to_string(c), ci.dtype, ci.shape, ", style=dashed");
  }
  const size_t num_leaves = source.size();
  for (size_t k = 0; k < tr.nodes.size(); ++k) {
    const auto& n = tr.nodes[k];
    std::ostringstream label;
    n.primitive->print(label);
    const std::string node = p + "n" + std::to_string(k);
    os << "    " << node << " [shape=box, style=filled, fillcolor=\"#dde8f7\", label=\"" << escape(label.str()) << "\"];\n";
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const uint32_t in = n.inputs[i];
      std::string from = source[in];
      if (!edge_labels && in < num_leaves) {  // a copy of the leaf beside each use: no edges spanning the graph
        from += "_u" + std::to_string(k) + "_" + std::to_string(i);
        os << "    " << from << " " << leaf_attrs[in] << ";\n";
      }
      os << "    " << from << " -> " << node;
      if (!edge_labels) os << " [tooltip=\"" << type[in] << "\"]";
      os << ";\n";
    }
    for (size_t o = 0; o < n.shapes.size(); ++o) {
      type.push_back(spec_label(n.dtypes[o], n.shapes[o]));
      if (!edge_labels) {  // the node itself stands for its outputs: half the nodes, no label ranks to lay out
        source.push_back(node);
        continue;
      }
      source.push_back(p + std::to_string(source.size()));
      os << "    " << source.back() << " [shape=point];\n    " << node << " -> " << source.back() << " [label=\""
         << type.back() << "\"];\n";
    }
  }
  for (size_t i = 0; i < tr.outputs.size(); ++i) {
    std::string from = source[tr.outputs[i]];
    if (!edge_labels && tr.outputs[i] < num_leaves) {
      from += "_o" + std::to_string(i);
      os << "    " << from << " " << leaf_attrs[tr.outputs[i]] << ";\n";
    }
    os << "    " << p << "out" << i << " [shape=ellipse, style=bold, label=\"output " << i << "\"];\n    " << from
       << " -> " << p << "out" << i << ";\n";
  }
  os << "  }\n";
}

}  // namespace

void write_function_dot(std::ostream& os, const ImportedFunction::Impl& impl, std::optional<size_t> trace,
                        bool edge_labels, const std::string& graph_attributes) {
  os << "digraph ingot {\n  " << graph_attributes << "\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  for (size_t t = 0; t < impl.traces.size(); ++t)
    if (!trace || *trace == t) write_trace_dot(os, impl, t, edge_labels);
  os << "}\n";
}

void export_to_dot(std::ostream& os, const ImportedFunction& fun) {
  write_function_dot(os, fun.impl(), std::nullopt, true, "rankdir=LR;");
}

}  // namespace ingot
