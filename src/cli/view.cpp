// `ingot view`: one self-contained HTML page of an exported file. Each trace is laid out by Graphviz's
// dot as SVG; the page adds the signature, metadata and op histogram beside the picture, each node's
// details on click (and its label on hover), zoom with the wheel and pan by dragging. No network: the
// SVG, the details and the script are all inline.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli.h"
#include "export/imported.h"
#include "ingot/ingot.h"
#include "prims/primitive.h"

namespace ingot::cli {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string type_str(Dtype t, const Shape& s) { return std::string(dtype_name(t)) + shape_str(s); }

// Runs dot on `dot_text` and returns the SVG element (without the XML prolog).
std::string layout(const std::string& dot_text) {
  char dir_template[] = "/tmp/ingot-view-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  if (!dir) throw std::runtime_error("[view] cannot create a temporary folder.");
  const fs::path in = fs::path(dir) / "graph.dot", out = fs::path(dir) / "graph.svg";
  struct Cleanup {
    fs::path d;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } cleanup{dir};
  std::ofstream(in) << dot_text;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("[view] cannot start dot.");
  if (pid == 0) {
    ::execlp("dot", "dot", "-Tsvg", in.c_str(), "-o", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
    throw std::runtime_error("[view] Graphviz's dot is needed to draw the graphs (Debian: apt-get install graphviz).");
  if (WEXITSTATUS(status) != 0) throw std::runtime_error("[view] dot failed to lay out the graph.");
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string svg = ss.str();
  const size_t at = svg.find("<svg");
  return at == std::string::npos ? svg : svg.substr(at);
}

// Details of every node of trace t, keyed by the DOT names write_function_dot gives them.
json trace_details(const ImportedFunction::Impl& impl, size_t t) {
  const auto& tr = impl.traces[t];
  const auto& sig = impl.signatures[t];
  const std::string p = "t" + std::to_string(t) + "_";
  json d = json::object();
  std::vector<std::string> value_desc;  // what each value id is
  std::vector<std::string> value_type;
  for (size_t i = 0; i < sig.args.size(); ++i) {
    value_desc.push_back("input " + std::to_string(i));
    value_type.push_back(type_str(sig.args[i].dtype, sig.args[i].shape));
  }
  for (const auto& name : tr.kwarg_names) {
    value_desc.push_back("input '" + name + "'");
    value_type.push_back(type_str(sig.kwargs.at(name).dtype, sig.kwargs.at(name).shape));
  }
  for (uint32_t c : tr.constants) {
    value_desc.push_back("constant " + std::to_string(c));
    value_type.push_back(type_str(impl.constants[c].dtype, impl.constants[c].shape));
  }
  for (size_t v = 0; v < value_desc.size(); ++v)
    d[p + std::to_string(v)] = {{"kind", value_desc[v].rfind("constant", 0) == 0 ? "constant" : "input"},
                                {"title", value_desc[v]}, {"outputs", {value_type[v]}}};
  for (size_t k = 0; k < tr.nodes.size(); ++k) {
    const auto& n = tr.nodes[k];
    std::ostringstream label;
    n.primitive->print(label);
    json ins = json::array(), outs = json::array();
    for (uint32_t id : n.inputs) ins.push_back(value_desc[id] + ": " + value_type[id]);
    for (size_t o = 0; o < n.shapes.size(); ++o) {
      const std::string desc = "node " + std::to_string(k) + (n.shapes.size() > 1 ? " output " + std::to_string(o) : "");
      value_desc.push_back(desc);
      value_type.push_back(type_str(n.dtypes[o], n.shapes[o]));
      outs.push_back(value_type.back());
    }
    d[p + "n" + std::to_string(k)] = {{"kind", "node"}, {"title", "node " + std::to_string(k) + ": " + n.primitive->name()},
                                      {"primitive", n.primitive->name()}, {"state", label.str()},
                                      {"version", n.primitive->version()}, {"inputs", ins}, {"outputs", outs}};
  }
  return d;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside a <script> element: "</" must not appear.
std::string script_json(const json& j) {
  std::string s = j.dump();
  for (size_t at = 0; (at = s.find("</", at)) != std::string::npos; at += 3) s.replace(at, 2, "<\\/");
  return s;
}

constexpr size_t kLargeGraph = 300;  // nodes; above it the lean layout

constexpr const char* kStyle = R"(
body{margin:0;font:13px/1.4 system-ui,Helvetica,Arial,sans-serif;display:flex;height:100vh;color:#222}
#side{width:360px;min-width:260px;overflow:auto;border-right:1px solid #ccc;padding:10px;box-sizing:border-box;background:#fafafa}
#main{flex:1;position:relative;overflow:hidden;background:#fff}
.view{position:absolute;inset:0;display:none;cursor:grab}.view.active{display:block}
.view svg{width:100%;height:100%}
h1{font-size:15px;margin:0 0 6px}h2{font-size:13px;margin:12px 0 4px}
pre{white-space:pre-wrap;word-break:break-all;background:#f0f0f0;padding:6px;margin:0;max-height:200px;overflow:auto}
table{border-collapse:collapse}td{padding:1px 6px 1px 0}
.tab{display:inline-block;margin:0 4px 4px 0;padding:3px 8px;border:1px solid #aaa;border-radius:3px;cursor:pointer;background:#fff}
.tab.active{background:#2b6cb0;color:#fff;border-color:#2b6cb0}
g.node{cursor:pointer}g.node.selected polygon,g.node.selected ellipse{stroke:#e53e3e;stroke-width:3}
#details{min-height:60px}#hint{position:absolute;right:8px;bottom:6px;color:#888;font-size:11px}
)";

constexpr const char* kScript = R"(
(function(){
  const tabs = document.querySelectorAll('.tab'), graphs = document.querySelectorAll(".view");
  const infos = document.querySelectorAll('.info');
  function show(t){
    tabs.forEach(e => e.classList.toggle('active', e.dataset.trace == t));
    graphs.forEach(e => e.classList.toggle('active', e.dataset.trace == t));
    infos.forEach(e => e.style.display = e.dataset.trace == t ? 'block' : 'none');
  }
  tabs.forEach(e => e.addEventListener('click', () => show(e.dataset.trace)));
  show(0);
  const details = document.getElementById('details');
  function esc(s){ return String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
  function describe(name){
    const d = lookup(name);
    if (!d) return '<i>' + esc(name) + '</i>';
    let h = '<h2>' + esc(d.title) + '</h2><table>';
    if (d.state) h += '<tr><td>primitive</td><td><code>' + esc(d.state) + '</code> (state version ' + d.version + ')</td></tr>';
    (d.inputs || []).forEach((s, i) => h += '<tr><td>input ' + i + '</td><td>' + esc(s) + '</td></tr>');
    (d.outputs || []).forEach((s, i) => h += '<tr><td>output ' + i + '</td><td>' + esc(s) + '</td></tr>');
    return h + '</table>';
  }
  function lookup(name){ return DETAILS[name] || DETAILS[name.replace(/_(u\d+_\d+|o\d+)$/, '')]; }  // copies of a leaf
  graphs.forEach(g => {
    const svg = g.querySelector('svg');
    if (!svg) return;
    // Hover: each node's SVG title (the browser's tooltip) becomes its primitive and state.
    svg.querySelectorAll('g.node').forEach(n => {
      const t = n.querySelector('title');
      if (!t) return;
      n.dataset.name = t.textContent;
      const d = lookup(t.textContent);
      if (d) t.textContent = d.state ? d.title + '\n' + d.state + '\n-> ' + d.outputs.join(', ') : d.title + ': ' + d.outputs.join(', ');
    });
    svg.removeAttribute('width'); svg.removeAttribute('height');
    const vb = svg.viewBox.baseVal;
    const view = {x: vb.x, y: vb.y, w: vb.width, h: vb.height};
    const apply = () => svg.setAttribute('viewBox', view.x + ' ' + view.y + ' ' + view.w + ' ' + view.h);
    g.addEventListener('wheel', ev => {
      ev.preventDefault();
      const r = svg.getBoundingClientRect(), k = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
      const scale = Math.max(view.w / r.width, view.h / r.height);
      const px = view.x + (ev.clientX - r.left) * scale, py = view.y + (ev.clientY - r.top) * scale;
      view.x = px - (px - view.x) * k; view.y = py - (py - view.y) * k; view.w *= k; view.h *= k; apply();
    }, {passive: false});
    let drag = null;
    g.addEventListener('mousedown', ev => { drag = {x: ev.clientX, y: ev.clientY, moved: false}; g.style.cursor = 'grabbing'; });
    window.addEventListener('mouseup', () => { drag = null; g.style.cursor = 'grab'; });
    window.addEventListener('mousemove', ev => {
      if (!drag) return;
      const r = svg.getBoundingClientRect(), scale = Math.max(view.w / r.width, view.h / r.height);
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      view.x -= dx * scale; view.y -= dy * scale; drag.x = ev.clientX; drag.y = ev.clientY; apply();
    });
    svg.addEventListener('click', ev => {
      const node = ev.target.closest('g.node');
      if (!node) return;
      svg.querySelectorAll('g.node.selected').forEach(n => n.classList.remove('selected'));
      node.classList.add('selected');
      details.innerHTML = describe(node.dataset.name || '');
    });
  });
})();
)";

}  // namespace

std::string view_html(const std::string& path) {
  const ImportedFunction f = import_function(path);
  const auto& impl = f.impl();
  std::ostringstream h;
  json details = json::object();
  h << "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>ingot: " << html_escape(fs::path(path).filename().string())
    << "</title><style>" << kStyle << "</style></head><body>\n<div id=\"side\"><h1>"
    << html_escape(fs::path(path).filename().string()) << "</h1><div>format version " << f.format_version()
    << ", written by ingot " << html_escape(f.library_version()) << ", " << fs::file_size(path) << " bytes</div>\n<h2>traces</h2>";
  for (size_t t = 0; t < impl.traces.size(); ++t)
    h << "<span class=\"tab\" data-trace=\"" << t << "\">trace " << t << "</span>";
  for (size_t t = 0; t < impl.traces.size(); ++t) {
    const auto& tr = impl.traces[t];
    h << "<div class=\"info\" data-trace=\"" << t << "\"><h2>signature</h2><pre>" << html_escape(impl.signatures[t].str())
      << "</pre><h2>" << tr.nodes.size() << " nodes, " << tr.constants.size() << " constants</h2><table>";
    for (const auto& [name, n] : op_histogram(tr)) h << "<tr><td>" << html_escape(name) << "</td><td>" << n << "</td></tr>";
    h << "</table></div>";
  }
  h << "\n<h2>metadata</h2><pre>" << html_escape(f.metadata().dump(2)) << "</pre>\n<h2>details</h2><div id=\"details\">"
    << "Click a node of the graph.</div></div>\n<div id=\"main\">";
  for (size_t t = 0; t < impl.traces.size(); ++t) {
    // Large graphs: no edge labels, straight edges and bounded crossing minimization keep dot's layout
    // time near linear (a 5,000-node trace takes seconds instead of the minutes full labels cost).
    const bool large = impl.traces[t].nodes.size() > kLargeGraph;
    std::ostringstream dot;
    write_function_dot(dot, impl, t, !large,
                       large ? "rankdir=TB; splines=line; nslimit=2; nslimit1=2; mclimit=0.05; searchsize=10;" : "rankdir=TB;");
    h << "<div class=\"view\" data-trace=\"" << t << "\">" << layout(dot.str()) << "</div>\n";
    details.update(trace_details(impl, t));
  }
  h << "<div id=\"hint\">wheel: zoom, drag: pan, click: details</div></div>\n<script>const DETAILS = "
    << script_json(details) << ";" << kScript << "</script></body></html>\n";
  return h.str();
}

}  // namespace ingot::cli
