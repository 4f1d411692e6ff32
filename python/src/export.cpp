// ingot.export_function, ingot.exporter, ingot.import_function and ingot.export_to_dot.
//
// A Python callable is traced from C++ through an ArgsKwargsFunction that takes the GIL to call it.
// The exporter object owns the callable as a Python reference that the garbage collector can see
// (tp_traverse / tp_clear), so an exporter and a function referring to each other are collected.
#include <nanobind/stl/map.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <filesystem>
#include <random>

#include "cli/cli.h"
#include "convert.h"
#include "export/imported.h"
#include "prims/primitive.h"

namespace ingot::py {

namespace {

// ---------------------------------------------------------------------------------------------------
// Input forms, as MLX: positional and keyword arrays, or one list/tuple of arrays and/or one dict of
// arrays. Keyword names keep the caller's order for calling the Python function.

struct Inputs {
  Args args;
  Kwargs kwargs;
  std::vector<std::string> order;  // keyword names in the caller's order
};

const char* kFormsHelp =
    "inputs can be positional and keyword arrays (f(x, y, z=w)), or one list or tuple of arrays and/or one "
    "dict of arrays (f([x, y], {'z': w}))";

[[noreturn]] void bad_form(const char* caller, const std::string& got) {
  throw nb::value_error(("[" + std::string(caller) + "] " + kFormsHelp + "; got " + got + ".").c_str());
}

bool is_seq(nb::handle h) { return nb::isinstance<nb::list>(h) || nb::isinstance<nb::tuple>(h); }
bool is_dict(nb::handle h) { return nb::isinstance<nb::dict>(h); }

// One input: an ingot array, or anything that converts to one (numpy arrays, Python scalars).
// A Python scalar is refused (as MLX does): it has no dtype of its own, so a call f(x, 1.0) would
// silently pick whichever trace a float32 scalar fits. numpy arrays and scalars carry their dtype.
array input_array(nb::handle h, const char* caller, const std::string& what) {
  if (nb::isinstance<array>(h)) return nb::cast<array>(h);
  if (is_seq(h) || is_dict(h)) bad_form(caller, "a " + type_name_of(h) + " as " + what);
  if (PyBool_Check(h.ptr()) || PyLong_Check(h.ptr()) || PyFloat_Check(h.ptr()) || PyComplex_Check(h.ptr()))
    throw nb::value_error(("[" + std::string(caller) + "] " + what + " is a Python " + type_name_of(h) +
                           ": inputs must be arrays (a Python scalar has no dtype of its own; pass "
                           "ingot.array(value, dtype) or a numpy array)")
                              .c_str());
  try {
    return to_array(h);
  } catch (nb::python_error& e) {
    // to_array reports with ValueError; other Python errors propagate as they are.
    if (!e.matches(PyExc_ValueError) && !e.matches(PyExc_TypeError)) throw;
    throw nb::value_error(("[" + std::string(caller) + "] " + what + " is not an array: " + e.what()).c_str());
  } catch (std::exception& e) {
    throw nb::value_error(("[" + std::string(caller) + "] " + what + " is not an array: " + e.what()).c_str());
  }
}

void add_positional(nb::handle seq, Inputs& in, const char* caller) {
  for (nb::handle h : seq) in.args.push_back(input_array(h, caller, "input " + std::to_string(in.args.size())));
}

void add_keywords(nb::handle dict, Inputs& in, const char* caller) {
  for (auto [k, v] : nb::borrow<nb::dict>(dict)) {
    if (!nb::isinstance<nb::str>(k)) bad_form(caller, "a dict key of type " + type_name_of(k) + " (keys must be str)");
    std::string name = nb::cast<std::string>(k);
    in.kwargs.insert_or_assign(name, input_array(v, caller, "input '" + name + "'"));
    in.order.push_back(std::move(name));
  }
}

Inputs parse_inputs(nb::handle args, nb::handle kwargs, const char* caller) {
  Inputs in;
  const size_t n = nb::len(args);
  const size_t nk = kwargs.is_valid() && !kwargs.is_none() ? nb::len(kwargs) : 0;
  nb::tuple t = nb::borrow<nb::tuple>(args);
  if (nk == 0 && n >= 1 && n <= 2 && (is_seq(t[0]) || is_dict(t[0]))) {
    // The container forms: (seq), (dict) or (seq, dict).
    if (n == 1) {
      if (is_seq(t[0])) add_positional(t[0], in, caller);
      else add_keywords(t[0], in, caller);
      return in;
    }
    if (is_seq(t[0]) && is_dict(t[1])) {
      add_positional(t[0], in, caller);
      add_keywords(t[1], in, caller);
      return in;
    }
    bad_form(caller, "a " + type_name_of(t[0]) + " followed by a " + type_name_of(t[1]));
  }
  for (size_t i = 0; i < n; ++i) {
    if (is_seq(t[i]) || is_dict(t[i]))
      bad_form(caller, "a " + type_name_of(t[i]) + " as positional input " + std::to_string(i) +
                           (n > 1 || nk > 0 ? " among other inputs" : ""));
    in.args.push_back(input_array(t[i], caller, "input " + std::to_string(i)));
  }
  if (nk > 0) {
    for (auto [k, v] : nb::borrow<nb::dict>(kwargs)) {
      std::string name = nb::cast<std::string>(k);
      if (is_seq(v) || is_dict(v)) bad_form(caller, "a " + type_name_of(v) + " as keyword input '" + name + "'");
      in.kwargs.insert_or_assign(name, input_array(v, caller, "input '" + name + "'"));
      in.order.push_back(std::move(name));
    }
  }
  return in;
}

// ---------------------------------------------------------------------------------------------------
// Metadata: JSON-compatible Python values <-> nlohmann::json.

[[noreturn]] void metadata_error(const char* caller, const std::string& key, const std::string& why) {
  throw nb::value_error(("[" + std::string(caller) + "] metadata" + (key.empty() ? std::string() : " key " + key) +
                         ": " + why + ".")
                            .c_str());
}

// `depth` counts the containers around h and h itself (the top-level dict is 1): bounded, so that a
// deeply nested or self-containing value is refused instead of exhausting the stack.
Metadata to_json(nb::handle h, const std::string& key, const char* caller, int depth = 1) {
  auto fail_at = [&](const std::string& why) { metadata_error(caller, key, why); };
  if ((is_seq(h) || is_dict(h)) && depth > kMaxMetadataDepth)
    fail_at("nests lists and dicts more than " + std::to_string(kMaxMetadataDepth) +
            " levels deep (or contains itself)");
  if (h.is_none()) return nullptr;
  if (PyBool_Check(h.ptr())) return h.ptr() == Py_True;
  if (PyLong_Check(h.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
    if (!overflow) return static_cast<int64_t>(v);
    if (overflow > 0) {
      unsigned long long u = PyLong_AsUnsignedLongLong(h.ptr());
      if (!PyErr_Occurred()) return static_cast<uint64_t>(u);
      PyErr_Clear();
    }
    fail_at("the integer " + nb::cast<std::string>(nb::str(h)) + " does not fit in 64 bits");
  }
  if (PyFloat_Check(h.ptr())) {
    const double v = PyFloat_AsDouble(h.ptr());
    if (!std::isfinite(v)) fail_at("the float " + nb::cast<std::string>(nb::repr(h)) + " has no JSON form");
    return v;
  }
  if (nb::isinstance<nb::str>(h)) return nb::cast<std::string>(h);
  if (is_seq(h)) {
    Metadata out = Metadata::array();
    size_t i = 0;
    for (nb::handle e : h) out.push_back(to_json(e, key + "[" + std::to_string(i++) + "]", caller, depth + 1));
    return out;
  }
  if (is_dict(h)) {
    Metadata out = Metadata::object();
    for (auto [k, v] : nb::borrow<nb::dict>(h)) {
      if (!nb::isinstance<nb::str>(k))
        fail_at("the key " + nb::cast<std::string>(nb::repr(k)) + " is not a str (JSON object keys are strings)");
      const std::string name = nb::cast<std::string>(k);
      out[name] = to_json(v, key + "[" + nb::cast<std::string>(nb::repr(k)) + "]", caller, depth + 1);
    }
    return out;
  }
  metadata_error(caller, key, "a value of type " + type_name_of(h) +
                          " is not JSON-compatible (use dict, list, tuple, str, int, float, bool or None)");
}

// The metadata argument: None, a dict, or a str holding a JSON object.
// MLX's metadata is a string, returned as given by import_function(..., return_metadata=True): it is kept
// under this key; a string holding a JSON object is also stored parsed, for ImportedFunction.metadata.
constexpr const char* kMetadataText = "ingot.metadata_text";

Metadata metadata_arg(nb::handle h, const char* caller) {
  if (h.is_none()) return Metadata::object();
  if (nb::isinstance<nb::str>(h)) {
    const std::string text = nb::cast<std::string>(h);
    Metadata m = Metadata::parse(text, nullptr, /*allow_exceptions=*/false);
    if (m.is_discarded() || !m.is_object()) m = Metadata::object();
    m[kMetadataText] = text;
    return m;
  }
  if (!is_dict(h))
    throw nb::value_error(("[" + std::string(caller) + "] metadata must be a dict of JSON-compatible values, got " +
                           type_name_of(h) + ".")
                              .c_str());
  return to_json(h, "", caller);
}

// The metadata without the text kept for MLX's return_metadata.
Metadata user_metadata(const Metadata& m) {
  if (!m.is_object() || !m.contains(kMetadataText)) return m;
  Metadata u = m;
  u.erase(kMetadataText);
  return u;
}

nb::object from_json(const Metadata& j) {
  switch (j.type()) {
    case Metadata::value_t::null: return nb::none();
    case Metadata::value_t::boolean: return nb::bool_(j.get<bool>());
    case Metadata::value_t::number_integer: return nb::int_(j.get<int64_t>());
    case Metadata::value_t::number_unsigned: return nb::steal(PyLong_FromUnsignedLongLong(j.get<uint64_t>()));
    case Metadata::value_t::number_float: return nb::float_(j.get<double>());
    case Metadata::value_t::string: {
      const auto& str = j.get_ref<const std::string&>();
      return nb::str(str.c_str(), str.size());
    }
    case Metadata::value_t::array: {
      nb::list l;
      for (const auto& e : j) l.append(from_json(e));
      return l;
    }
    case Metadata::value_t::object: {
      nb::dict d;
      for (const auto& [k, v] : j.items()) d[nb::str(k.c_str(), k.size())] = from_json(v);
      return d;
    }
    default: return nb::none();  // binary and discarded values never come from a file
  }
}

// ---------------------------------------------------------------------------------------------------
// Calling a Python function on traced placeholders.

std::vector<array> call_python(nb::handle fun, const Args& args, const Kwargs& kwargs,
                               const std::vector<std::string>& order, const char* caller) {
  nb::gil_scoped_acquire gil;
  nb::list pargs;
  for (const auto& a : args) pargs.append(nb::cast(a));
  nb::dict pkwargs;
  for (const auto& name : order) pkwargs[name.c_str()] = nb::cast(kwargs.at(name));
  for (const auto& [name, a] : kwargs)  // names the caller's order missed (none in practice)
    if (!pkwargs.contains(name.c_str())) pkwargs[name.c_str()] = nb::cast(a);
  nb::object out = fun(*nb::tuple(pargs), **pkwargs);
  std::vector<array> outs;
  auto bad = [&]() {
    throw std::invalid_argument(std::string("[") + caller +
                                "] the function must return an array or a list or tuple of arrays, got " +
                                (is_seq(out) ? "a " + type_name_of(out) + " holding a non-array" : type_name_of(out)) +
                                ".");
  };
  if (nb::isinstance<array>(out)) {
    outs.push_back(nb::cast<array>(out));
  } else if (is_seq(out)) {
    for (nb::handle h : out) {
      if (!nb::isinstance<array>(h)) bad();
      outs.push_back(nb::cast<array>(h));
    }
  } else {
    bad();
  }
  return outs;
}

void check_callable(nb::handle fun, const char* caller) {
  if (!PyCallable_Check(fun.ptr()))
    throw nb::value_error(
        ("[" + std::string(caller) + "] fun must be callable, got " + type_name_of(fun) + ".").c_str());
}

std::string path_arg(nb::handle h, const char* caller) {
  if (is_path(h)) return fspath(h, caller);
  throw nb::value_error(("[" + std::string(caller) + "] the file must be a str or a path-like object, got " +
                         type_name_of(h) + ".")
                            .c_str());
}

// ---------------------------------------------------------------------------------------------------
// The exporter: owns the Python function (visible to the garbage collector) and the C++ exporter.

struct PyExporter {
  nb::object fun;  // cleared by tp_clear
  std::string path;
  std::vector<std::string> order;  // keyword order of the call being traced
  bool busy = false;
  bool closed = false;
  std::optional<FunctionExporter> ex;
};

int exporter_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!nb::inst_ready(self)) return 0;
  PyExporter* e = nb::inst_ptr<PyExporter>(self);
  Py_VISIT(e->fun.ptr());
  return 0;
}

int exporter_clear(PyObject* self) {
  PyExporter* e = nb::inst_ptr<PyExporter>(self);
  e->fun.reset();
  return 0;
}

PyType_Slot exporter_slots[] = {{Py_tp_traverse, reinterpret_cast<void*>(exporter_traverse)},
                                {Py_tp_clear, reinterpret_cast<void*>(exporter_clear)},
                                {0, nullptr}};

// Marks the exporter busy for one call; refuses overlapping calls (from another thread, or from the
// function being traced).
struct BusyGuard {
  PyExporter& e;
  BusyGuard(PyExporter& e, const char* what) : e(e) {
    if (e.busy)
      throw std::runtime_error("[exporter] cannot " + std::string(what) + " " + e.path +
                               " while the exporter is tracing a call.");
    e.busy = true;
  }
  ~BusyGuard() { e.busy = false; }
};

void exporter_call(PyExporter& e, nb::args args, nb::kwargs kwargs) {
  if (e.closed) throw std::runtime_error("[exporter] cannot add a trace to " + e.path + ": the exporter is closed.");
  Inputs in = parse_inputs(args, kwargs, "exporter");
  BusyGuard guard(e, "add a trace to");
  e.order = std::move(in.order);
  nb::gil_scoped_release release;
  (*e.ex)(in.args, in.kwargs);
}

void exporter_close(PyExporter& e) {
  if (e.closed) return;
  BusyGuard guard(e, "close");
  e.closed = true;
  nb::gil_scoped_release release;
  e.ex->close();
}

// ---------------------------------------------------------------------------------------------------
// Imported functions.

nb::object spec_object(const TensorSpec& s) {
  nb::list shape;
  for (int64_t d : s.shape) shape.append(d);
  return nb::make_tuple(nb::tuple(shape), dtype_object(s.dtype));
}

nb::object signature_object(const Signature& s) {
  nb::dict d;
  nb::list args, outputs;
  nb::dict kwargs;
  for (const auto& a : s.args) args.append(spec_object(a));
  for (const auto& [k, v] : s.kwargs) kwargs[k.c_str()] = spec_object(v);
  for (const auto& o : s.outputs) outputs.append(spec_object(o));
  d["args"] = args;
  d["kwargs"] = kwargs;
  d["outputs"] = outputs;
  d["shapeless"] = nb::bool_(s.shapeless);
  return d;
}

nb::tuple imported_call(const ImportedFunction& f, nb::args args, nb::kwargs kwargs) {
  Inputs in = parse_inputs(args, kwargs, "import_function");
  std::vector<array> outs;
  {
    nb::gil_scoped_release release;
    outs = f(in.args, in.kwargs);
  }
  nb::list l;
  for (auto& o : outs) l.append(nb::cast(std::move(o)));
  return nb::tuple(l);
}

std::string imported_repr(const ImportedFunction& f) {
  std::string s = "<ingot.ImportedFunction " + f.path() + " with " + std::to_string(f.signatures().size()) +
                  (f.signatures().size() == 1 ? " trace" : " traces");
  for (const auto& sig : f.signatures()) s += "\n  " + sig.str();
  return s + ">";
}

// ---------------------------------------------------------------------------------------------------
// DOT pictures: to a path or to an object with write().

void write_text(nb::handle file, const std::string& text) {
  if (nb::hasattr(file, "write")) {
    file.attr("write")(nb::str(text.c_str(), text.size()));
    return;
  }
  const std::string path = path_arg(file, "export_to_dot");
  nb::object f = nb::module_::import_("builtins").attr("open")(path, "w");
  try {
    f.attr("write")(nb::str(text.c_str(), text.size()));
  } catch (...) {
    f.attr("close")();
    throw;
  }
  f.attr("close")();
}

void dot(nb::handle file, nb::args args, nb::kwargs kwargs) {
  std::ostringstream os;
  if (nb::len(args) == 1 && nb::len(kwargs) == 0 && nb::isinstance<ImportedFunction>(args[0])) {
    export_to_dot(os, nb::cast<const ImportedFunction&>(args[0]));
    write_text(file, os.str());
    return;
  }
  std::vector<array> outs;
  std::vector<std::string> names;
  for (nb::handle h : args) {
    if (!nb::isinstance<array>(h))
      throw nb::value_error(("[export_to_dot] outputs must be arrays (or one imported function), got " +
                             type_name_of(h) + ".").c_str());
    outs.push_back(nb::cast<array>(h));
    names.emplace_back();
  }
  for (auto [k, v] : kwargs) {
    if (!nb::isinstance<array>(v))
      throw nb::value_error(("[export_to_dot] named output '" + nb::cast<std::string>(k) + "' must be an array, got " +
                             type_name_of(v) + ".").c_str());
    outs.push_back(nb::cast<array>(v));
    names.push_back(nb::cast<std::string>(k));
  }
  export_to_dot(os, outs);
  std::string text = os.str();
  // Named outputs: their "output i" labels become the names.
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) continue;
    const std::string from = "out" + std::to_string(i) + " [shape=ellipse, style=bold, label=\"output " +
                             std::to_string(i) + "\\n";
    std::string label;
    for (char c : names[i]) {
      if (c == '"' || c == '\\') label += '\\';
      label += c;
    }
    const std::string to = "out" + std::to_string(i) + " [shape=ellipse, style=bold, label=\"" + label + "\\n";
    if (auto pos = text.find(from); pos != std::string::npos) text.replace(pos, from.size(), to);
  }
  write_text(file, text);
}

// ---------------------------------------------------------------------------------------------------
// export_function(callback, fun, ...): the traced graph handed to a Python callable, as MLX does.

// A primitive's state as Python values, decoded from its tagged serialization (docs/format.md).
nb::object state_value(const uint8_t*& p, const uint8_t* end) {
  auto take = [&](size_t n) {
    if (static_cast<size_t>(end - p) < n) throw std::runtime_error("[export_function] truncated primitive state.");
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    p += n;
    return v;
  };
  switch (static_cast<StateTag>(take(1))) {
    case StateTag::boolean: return nb::bool_(take(1) != 0);
    case StateTag::integer: return nb::int_(static_cast<int64_t>(take(8)));
    case StateTag::real: {
      const uint64_t u = take(8);
      double d;
      std::memcpy(&d, &u, 8);
      return nb::float_(d);
    }
    case StateTag::dtype: return dtype_object(static_cast<Dtype>(take(1)));
    case StateTag::string: {
      const size_t n = take(4);
      if (static_cast<size_t>(end - p) < n) throw std::runtime_error("[export_function] truncated primitive state.");
      std::string str(reinterpret_cast<const char*>(p), n);
      p += n;
      return nb::str(str.c_str(), str.size());
    }
    case StateTag::list: {
      const size_t n = take(4);
      nb::list l;
      for (size_t i = 0; i < n; ++i) l.append(state_value(p, end));
      return l;
    }
  }
  throw std::runtime_error("[export_function] unknown primitive state tag.");
}

nb::list state_of(const Primitive& prim) {
  StateWriter w;
  prim.write_state(w);
  const uint8_t* p = w.bytes().data();
  const uint8_t* end = p + w.bytes().size();
  nb::list fields;
  while (p < end) fields.append(state_value(p, end));
  return fields;
}

// Names values as MLX's callback does: A, B, ..., Z, AA, AB, ... in the order they are met.
std::string value_name(size_t i) {
  std::string s;
  for (size_t n = i + 1; n > 0; n = (n - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
  return s;
}

// The trace, exported to a private temporary file and read back (so the callback sees exactly what a
// file holds), handed over as MLX's callback dicts: inputs, keyword inputs, outputs, constants, and
// one dict per primitive with its name, state ("arguments"), inputs and outputs.
void export_to_callback(nb::handle callback, const ArgsKwargsFunction& traced, const Inputs& in, bool shapeless) {
  std::mt19937_64 rng(std::random_device{}());
  const auto dir = std::filesystem::temp_directory_path();
  const std::string path = (dir / ("ingot-callback-" + std::to_string(rng()) + ".ingot")).string();
  struct Remove {
    std::string path;
    ~Remove() { std::filesystem::remove(path); }
  } remove{path};
  ImportedFunction f = [&] {
    nb::gil_scoped_release release;
    export_function(path, traced, in.args, in.kwargs, ExportOptions{shapeless, Metadata::object(), false});
    return import_function(path);
  }();
  const auto& impl = f.impl();
  const auto& tr = impl.traces.at(0);
  std::vector<std::pair<Shape, Dtype>> spec(tr.num_values);
  const Signature& sig = impl.signatures.at(0);
  size_t v = 0;
  for (const auto& a : sig.args) spec[v++] = {a.shape, a.dtype};
  for (const auto& name : tr.kwarg_names) spec[v++] = {sig.kwargs.at(name).shape, sig.kwargs.at(name).dtype};
  for (uint32_t c : tr.constants) spec[v++] = {impl.constants[c].shape, impl.constants[c].dtype};
  for (const auto& n : tr.nodes)
    for (size_t k = 0; k < n.shapes.size(); ++k) spec[v++] = {n.shapes[k], n.dtypes[k]};
  auto described = [&](auto ids) {
    nb::list l;
    for (uint32_t id : ids) l.append(nb::make_tuple(value_name(id), nb::tuple(nb::cast(spec[id].first)), dtype_object(spec[id].second)));
    return l;
  };
  auto dict = [](const char* type) {
    nb::dict d;
    d["type"] = type;
    return d;
  };
  std::vector<uint32_t> inputs(tr.num_inputs);
  for (uint32_t i = 0; i < tr.num_inputs; ++i) inputs[i] = i;
  nb::dict d = dict("inputs");
  d["inputs"] = described(inputs);
  callback(d);
  d = dict("keyword_inputs");
  nb::list keywords;
  for (size_t k = 0; k < tr.kwarg_names.size(); ++k)
    keywords.append(nb::make_tuple(tr.kwarg_names[k], value_name(sig.args.size() + k)));
  d["keywords"] = keywords;
  callback(d);
  d = dict("outputs");
  d["outputs"] = described(tr.outputs);
  callback(d);
  d = dict("constants");
  nb::list constants;
  for (size_t k = 0; k < tr.constants.size(); ++k)
    constants.append(nb::make_tuple(value_name(tr.num_inputs + k), nb::cast(impl.constant(tr.constants[k]))));
  d["constants"] = constants;
  callback(d);
  uint32_t next = static_cast<uint32_t>(tr.num_inputs + tr.constants.size());
  for (const auto& n : tr.nodes) {
    std::vector<uint32_t> outs;
    for (size_t k = 0; k < n.shapes.size(); ++k) outs.push_back(next++);
    d = dict("primitive");
    d["name"] = n.primitive->name();
    d["arguments"] = state_of(*n.primitive);
    d["inputs"] = described(n.inputs);
    d["outputs"] = described(outs);
    callback(d);
  }
}

}  // namespace

void init_export(nb::module_& m) {
  m.def(
      "export_function",
      [](nb::handle file, nb::handle fun, nb::args args, bool shapeless, nb::handle metadata, bool self_test,
         nb::kwargs kwargs) {
        if (!is_path(file) && PyCallable_Check(file.ptr())) {  // a callback in place of the file (MLX)
          check_callable(fun, "export_function");
          if (!metadata.is_none() || self_test)
            throw nb::value_error("[export_function] metadata and self_test are stored in files: they cannot be "
                                  "given when exporting to a callback.");
          Inputs in = parse_inputs(args, kwargs, "export_function");
          nb::object f = nb::borrow(fun);
          const auto& order = in.order;
          ArgsKwargsFunction traced = [&f, &order](const Args& a, const Kwargs& k) {
            return call_python(f, a, k, order, "export_function");
          };
          return export_to_callback(file, traced, in, shapeless);
        }
        const std::string path = path_arg(file, "export_function");
        check_callable(fun, "export_function");
        Metadata meta = metadata_arg(metadata, "export_function");
        Inputs in = parse_inputs(args, kwargs, "export_function");
        nb::object f = nb::borrow(fun);
        const auto& order = in.order;
        ArgsKwargsFunction traced = [&f, &order](const Args& a, const Kwargs& k) {
          return call_python(f, a, k, order, "export_function");
        };
        nb::gil_scoped_release release;
        export_function(path, traced, in.args, in.kwargs, ExportOptions{shapeless, meta, self_test});
      },
      "file"_a, "fun"_a, "args"_a, nb::kw_only(), "shapeless"_a = false, "metadata"_a = nb::none(),
      "self_test"_a = false, "kwargs"_a,
      "Traces ``fun`` on inputs shaped like the example inputs and writes the graph and its constants to ``file``.\n\n"
      "``file`` may instead be a callable: it is then handed the traced graph as MLX's callback dicts, one call "
      "each for the inputs, keyword inputs, outputs and constants, and one per primitive (``name``, its state as "
      "``arguments``, ``inputs`` and ``outputs`` as (name, shape, dtype) tuples).\n\n"
      "The inputs are positional and keyword arrays, or one list or tuple of arrays and/or one dict of arrays. "
      "``fun`` returns an array or a list or tuple of arrays. ``shapeless=True`` lets the imported function take "
      "other shapes of the same rank. ``metadata`` is a dict of JSON-compatible values (or a str holding a JSON "
      "object) stored in the file; read it back with ``import_function(file).metadata``. ``self_test=True`` also "
      "stores the example inputs and the outputs ``fun`` gives for them, which ``ImportedFunction.verify()`` and "
      "``ingot verify`` check on another machine.");

  nb::class_<PyExporter>(m, "FunctionExporter", nb::type_slots(exporter_slots), nb::is_weak_referenceable(),
                         "Exports several traces of one function to a file; made by ingot.exporter.")
      .def("__call__", &exporter_call, "args"_a, "kwargs"_a,
           "Traces the function on inputs like these (same forms as export_function) and adds the trace.")
      .def("close", &exporter_close, "Writes the file. Calls after closing raise RuntimeError.")
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); })
      .def(
          "__exit__",
          [](PyExporter& e, nb::handle exc_type, nb::handle, nb::handle) {
            // After an error in the with-block, the file is still written with the traces made so far,
            // as MLX does; a failure to write then only surfaces when no other error is propagating.
            try {
              exporter_close(e);
            } catch (...) {
              if (exc_type.is_none()) throw;
            }
          },
          "exc_type"_a.none(), "exc"_a.none(), "tb"_a.none())
      .def_prop_ro("closed", [](const PyExporter& e) { return e.closed; }, "Whether the file has been written.")
      .def("__repr__", [](const PyExporter& e) {
        return "<ingot.FunctionExporter " + e.path + (e.closed ? " (closed)>" : ">");
      });

  m.def(
      "_cli_main",
      [](const std::vector<std::string>& args) {
        int rc;
        {
          nb::gil_scoped_release release;
          rc = cli::main(args);
          std::cout.flush();
          std::cerr.flush();
        }
        return rc;
      },
      "args"_a, "Runs the ``ingot`` command line with these arguments (the first is the program name); returns its exit status.");
  m.def(
      "_in_shapeless_trace", [] { return detail::in_shapeless_trace(); },
      "Whether a shapeless export is tracing on this thread (for the pure-Python ops that must refuse it).");
  m.def(
      "exporter",
      [](nb::handle file, nb::handle fun, bool shapeless, nb::handle metadata, bool self_test) {
        const std::string path = path_arg(file, "exporter");
        check_callable(fun, "exporter");
        Metadata meta = metadata_arg(metadata, "exporter");
        nb::object obj = nb::cast(PyExporter(), nb::rv_policy::move);
        PyExporter* e = nb::inst_ptr<PyExporter>(obj);
        e->fun = nb::borrow(fun);
        e->path = path;
        // The function holds no Python reference: the exporter object owns `fun` and outlives `ex`.
        ArgsKwargsFunction traced = [e](const Args& a, const Kwargs& k) {
          nb::gil_scoped_acquire gil;
          nb::object f = e->fun;
          if (!f.is_valid() || f.is_none())
            throw std::runtime_error("[exporter] the exporter's function has been released.");
          return call_python(f, a, k, e->order, "exporter");
        };
        e->ex.emplace(exporter(path, traced, ExportOptions{shapeless, meta, self_test}));
        return obj;
      },
      "file"_a, "fun"_a, nb::kw_only(), "shapeless"_a = false, "metadata"_a = nb::none(), "self_test"_a = false,
      "A FunctionExporter writing several traces of ``fun`` to ``file``: each call ``ex(*args, **kwargs)`` adds "
      "one trace; constants shared between traces are stored once. Use it in a ``with`` block, or call "
      "``close()``, which writes the file. ``self_test=True`` stores each trace's example inputs and outputs (see "
      "export_function).");

  nb::class_<ImportedFunction>(m, "ImportedFunction", "A function read from a file written by export_function.")
      .def("__call__", &imported_call, "args"_a, "kwargs"_a,
           "Runs the trace whose signature matches the inputs (positional and keyword arrays or array-likes, or "
           "one list or tuple and/or one dict of them); returns a tuple of arrays.")
      .def_prop_ro(
          "signatures",
          [](const ImportedFunction& f) {
            nb::list l;
            for (const auto& s : f.signatures()) l.append(signature_object(s));
            return l;
          },
          "One dict per trace: 'args' (a list of (shape, dtype)), 'kwargs' (a dict of name: (shape, dtype)), "
          "'outputs' (a list of (shape, dtype)) and 'shapeless'.")
      .def_prop_ro("metadata", [](const ImportedFunction& f) { return from_json(user_metadata(f.metadata())); },
                   "The metadata given at export, as a dict.")
      .def_prop_ro("format_version", &ImportedFunction::format_version, "The file's format version.")
      .def_prop_ro("library_version", &ImportedFunction::library_version, "The ingot version that wrote the file.")
      .def_prop_ro("path", &ImportedFunction::path, "The file it was read from.")
      .def(
          "verify",
          [](const ImportedFunction& f, double rtol, double atol) {
            std::vector<SelfTestResult> results;
            {
              nb::gil_scoped_release release;
              results = f.verify(rtol, atol);
            }
            nb::list l;
            for (const auto& r : results) {
              nb::dict d;
              d["trace"] = r.trace;
              d["passed"] = r.passed;
              d["max_abs_error"] = nb::cast(r.max_abs_error);
              d["max_tolerance_ratio"] = nb::cast(r.max_tolerance_ratio);
              d["message"] = r.message;
              l.append(d);
            }
            return l;
          },
          "rtol"_a = 1e-5, "atol"_a = 1e-6,
          "Reruns the self-test vectors stored at export (``self_test=True``) and compares the outputs as "
          "``numpy.allclose(rtol, atol, equal_nan=True)``: one dict per trace that has them, with 'trace', 'passed', "
          "'max_abs_error' and 'max_tolerance_ratio' (per output; at most 1 passes) and 'message'.")
      .def("has_self_test", &ImportedFunction::has_self_test, "trace"_a,
           "Whether trace ``trace`` (an index into ``signatures``) has self-test vectors.")
      .def("__repr__", &imported_repr);

  m.def(
      "import_function",
      [](nb::handle file, bool return_metadata, uint64_t max_nodes, uint64_t max_call_bytes, double max_call_flops,
         bool copy_constants, uint64_t max_packed_bytes) -> nb::object {
        const std::string path = path_arg(file, "import_function");
        if (!(max_call_flops >= 0))
          throw nb::value_error(("[import_function] max_call_flops must be >= 0, got " + std::to_string(max_call_flops) + ".").c_str());
        const ImportOptions options{max_nodes, max_call_bytes, max_call_flops, copy_constants, max_packed_bytes};
        ImportedFunction f = [&] {
          nb::gil_scoped_release release;
          return import_function(path, options);
        }();
        // MLX's form: the string given at export ("" for none); a dict given at export comes back as one.
        const Metadata& meta = f.metadata();
        nb::object md = meta.contains(kMetadataText) && meta[kMetadataText].is_string()
                            ? nb::cast(meta[kMetadataText].get<std::string>())
                        : meta.empty() ? nb::cast(std::string())
                                       : from_json(meta);
        nb::object obj = nb::cast(std::move(f));
        if (return_metadata) return nb::make_tuple(obj, md);
        return obj;
      },
      "file"_a, "return_metadata"_a = false, nb::kw_only(), "max_nodes"_a = ImportOptions{}.max_nodes,
      "max_call_bytes"_a = ImportOptions{}.max_call_bytes, "max_call_flops"_a = ImportOptions{}.max_call_flops,
      "copy_constants"_a = false, "max_packed_bytes"_a = ImportOptions{}.max_packed_bytes,
      "Reads a function written by export_function or exporter. The result is called like the original "
      "(``f(*args, **kwargs)``, or one list/tuple and/or one dict of inputs) and returns a tuple of arrays; "
      "``.signatures`` and ``.metadata`` describe the file. With ``return_metadata=True`` returns "
      "``(function, metadata)`` as MLX does: the string given at export (\"\" for none), or the dict given.\n\n"
      "A file may make the library do only so much: at most ``max_nodes`` nodes, and per call at most "
      "``max_call_bytes`` bytes of intermediate and output arrays and ``max_call_flops`` estimated operations "
      "(checked at import for fixed shapes, at each call for shapeless traces, before anything runs; RuntimeError "
      "names the limit). ``copy_constants=True`` reads the file into memory instead of mapping it, so the function "
      "keeps working if the file is changed or truncated later. Products of many rows by the file's weights read "
      "them packed once into the matrix kernels' own layout, up to ``max_packed_bytes`` bytes of packed weights "
      "(0: none); matrix-vector products read them where they are.");

  m.def("export_to_dot", &dot, "file"_a, "args"_a, "kwargs"_a,
        "Writes a Graphviz picture of the graph computing the given arrays (named ones labelled by their "
        "keyword), or of every trace of one imported function, to ``file`` (a path or an object with "
        "``write``).");
}

}  // namespace ingot::py
