// ingot.load, ingot.save, ingot.save_safetensors and ingot.save_gguf, as MLX's: paths (str or
// os.PathLike) or binary file objects; the format follows the extension unless `format` names it.
#include <nanobind/stl/string.h>
#include <nanobind/stl/unordered_map.h>

#include <functional>
#include <string>
#include <unordered_map>

#include "axes.h"
#include "ingot/io.h"

namespace ingot::py {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The format named by `format`, or by the file name's extension.
std::string format_of(nb::handle file, const std::optional<std::string>& format) {
  std::string fmt;
  if (format) {
    fmt = *format;
  } else {
    std::string name;
    if (is_path(file)) name = fspath(file, "load");
    else if (nb::hasattr(file, "name") && nb::isinstance<nb::str>(file.attr("name")))
      name = nb::cast<std::string>(file.attr("name"));
    const size_t dot = name.rfind('.');
    const size_t slash = name.rfind('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
      throw nb::value_error(("[load] cannot infer the file format from the name '" + name +
                             "': give format='npy', 'safetensors' or 'gguf'.").c_str());
    fmt = name.substr(dot + 1);
  }
  if (fmt != "npy" && fmt != "safetensors" && fmt != "gguf")
    throw nb::value_error(
        ("[load] unknown or unsupported file format '" + fmt + "' (supported: npy, npz, safetensors, gguf).").c_str());
  return fmt;
}

// A temporary file for reading from or writing to a Python file object; removed when destroyed.
struct TempFile {
  nb::object os = nb::module_::import_("os");
  std::string path;
  explicit TempFile(const std::string& suffix) {
    nb::object t = nb::module_::import_("tempfile").attr("mkstemp")("suffix"_a = suffix);
    os.attr("close")(t[0]);
    path = nb::cast<std::string>(t[1]);
  }
  ~TempFile() {
    try {
      os.attr("remove")(path);
    } catch (...) {
    }
  }
  nb::bytes read() const {
    nb::object f = nb::module_::import_("builtins").attr("open")(path, "rb");
    nb::object data = f.attr("read")();
    f.attr("close")();
    return nb::borrow<nb::bytes>(data);
  }
  void write(nb::handle data) const {
    nb::object f = nb::module_::import_("builtins").attr("open")(path, "wb");
    f.attr("write")(data);
    f.attr("close")();
  }
};

nb::dict to_dict(const std::unordered_map<std::string, array>& arrays) {
  nb::dict d;
  for (const auto& [name, a] : arrays) d[nb::str(name.c_str())] = nb::cast(a);
  return d;
}

// A GGUF file's text as str: its names and strings are UTF-8 by the format's rule, checked here.
nb::str utf8(const std::string& s, const std::string& path, const std::string& what) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
  if (!o) {
    PyErr_Clear();
    throw nb::value_error(("[load_gguf] " + path + ": " + what + " is not valid UTF-8.").c_str());
  }
  return nb::steal<nb::str>(o);
}

nb::object gguf_value(const GGUFMetaData& v, const std::string& path, const std::string& key) {
  if (auto* a = std::get_if<array>(&v)) return nb::cast(*a);
  if (auto* s = std::get_if<std::string>(&v)) return utf8(*s, path, "the value of metadata '" + key + "'");
  if (auto* list = std::get_if<std::vector<std::string>>(&v)) {
    nb::list out;
    for (const auto& s : *list) out.append(utf8(s, path, "a string of metadata '" + key + "'"));
    return out;
  }
  return nb::none();
}

nb::object load_gguf_path(const std::string& path, bool return_metadata, bool evaluate) {
  GGUFLoad result;
  {
    nb::gil_scoped_release release;
    result = load_gguf(path);
    if (evaluate)
      for (auto& [name, a] : result.first) a.eval();
  }
  nb::dict arrays;
  for (const auto& [name, a] : result.first) arrays[utf8(name, path, "a tensor name")] = nb::cast(a);
  if (!return_metadata) return arrays;
  nb::dict meta;
  for (const auto& [k, v] : result.second) meta[utf8(k, path, "a metadata key")] = gguf_value(v, path, k);
  return nb::make_tuple(arrays, meta);
}

nb::object load_path(const std::string& path, const std::string& fmt, bool return_metadata, bool evaluate) {
  if (fmt == "gguf") return load_gguf_path(path, return_metadata, evaluate);
  if (fmt == "npy") {
    if (return_metadata) throw nb::value_error("[load] metadata is not supported for the npy format.");
    array a;
    {
      nb::gil_scoped_release release;
      a = load(path);
      if (evaluate) a.eval();
    }
    return nb::cast(a);
  }
  SafetensorsLoad result;
  {
    nb::gil_scoped_release release;
    result = load_safetensors(path);
    if (evaluate)
      for (auto& [name, a] : result.first) a.eval();
  }
  nb::dict arrays = to_dict(result.first);
  if (!return_metadata) return arrays;
  nb::dict meta;
  for (const auto& [k, v] : result.second) meta[nb::str(k.c_str())] = nb::str(v.c_str());
  return nb::make_tuple(arrays, meta);
}

// Runs `write(path)` without the GIL on the path `file` names (`ext` appended when missing, as MLX
// does), or on a temporary file whose bytes then go to the binary file object `file`.
void save_to(nb::handle file, const char* op, const std::string& ext,
             const std::function<void(const std::string&)>& write) {
  if (is_path(file)) {
    std::string path = fspath(file, op);
    if (!ends_with(path, ext)) path += ext;
    nb::gil_scoped_release release;
    write(path);
    return;
  }
  TempFile tmp(ext);
  {
    nb::gil_scoped_release release;
    write(tmp.path);
  }
  file.attr("write")(tmp.read());
}

std::unordered_map<std::string, array> named_arrays(nb::dict arrays, const char* op) {
  std::unordered_map<std::string, array> out;
  for (auto [k, v] : arrays) {
    if (!nb::isinstance<nb::str>(k))
      throw nb::type_error((std::string("[") + op + "] array names must be str.").c_str());
    out.emplace(nb::cast<std::string>(k), to_array(v));
  }
  return out;
}

}  // namespace

void init_io(nb::module_& m) {
  m.def(
      "load",
      [](nb::handle file, const std::optional<std::string>& format, bool return_metadata) {
        const std::string fmt = format_of(file, format);
        if (is_path(file)) return load_path(fspath(file, "load"), fmt, return_metadata, false);
        // A file object: its bytes go through a temporary file, read before it is removed.
        TempFile tmp("." + fmt);
        tmp.write(file.attr("read")());
        return load_path(tmp.path, fmt, return_metadata, true);
      },
      "file"_a, "format"_a = nb::none(), "return_metadata"_a = false,
      "Arrays from a file (a path or a binary file object): a dict of arrays for .safetensors and .gguf, an "
      "array for .npy. ``format`` overrides the extension; ``return_metadata`` (safetensors and gguf) also "
      "returns the file's metadata dict (GGUF values as str, list of str, or array). GGUF tensors of types "
      "Q4_0, Q4_1 and Q8_0 give MLX's quantized triplet (``x.weight``, ``x.scales``, ``x.biases``, group size "
      "32); BF16, Q2_K, Q4_K and Q6_K are dequantized to float16. Loading from a path is lazy: each array is "
      "read on first use.");
  m.def(
      "save",
      [](nb::handle file, const Operand& arr_) {
        const array a = arr(arr_);
        save_to(file, "save", ".npy", [&](const std::string& path) { save(path, a); });
      },
      "file"_a, "arr"_a,
      "Writes ``arr`` as a .npy file (``.npy`` is appended to a path without it), or to a binary file object.");
  m.def(
      "save_safetensors",
      [](nb::handle file, nb::dict arrays, std::optional<nb::dict> metadata) {
        const auto tensors = named_arrays(arrays, "save_safetensors");
        std::unordered_map<std::string, std::string> meta;
        if (metadata)
          for (auto [k, v] : *metadata) {
            if (!nb::isinstance<nb::str>(k) || !nb::isinstance<nb::str>(v))
              throw nb::value_error("[save_safetensors] metadata must be a dict with str keys and str values.");
            meta.emplace(nb::cast<std::string>(k), nb::cast<std::string>(v));
          }
        save_to(file, "save_safetensors", ".safetensors",
                [&](const std::string& path) { save_safetensors(path, tensors, meta); });
      },
      "file"_a, "arrays"_a, "metadata"_a = nb::none(),
      "Writes a dict of named arrays (and optional str-to-str ``metadata``) as a .safetensors file "
      "(``.safetensors`` is appended to a path without it), or to a binary file object.");
  m.def(
      "save_gguf",
      [](nb::handle file, nb::dict arrays, std::optional<nb::dict> metadata) {
        const auto tensors = named_arrays(arrays, "save_gguf");
        std::unordered_map<std::string, GGUFMetaData> meta;
        if (metadata)
          for (auto [k, v] : *metadata) {
            if (!nb::isinstance<nb::str>(k)) throw nb::value_error("[save_gguf] metadata keys must be str.");
            const auto key = nb::cast<std::string>(k);
            if (nb::isinstance<array>(v)) {
              meta.emplace(key, nb::cast<array>(v));
            } else if (nb::isinstance<nb::str>(v)) {
              meta.emplace(key, nb::cast<std::string>(v));
            } else if (nb::isinstance<nb::list>(v) || nb::isinstance<nb::tuple>(v)) {
              std::vector<std::string> strings;
              for (nb::handle s : v) {
                if (!nb::isinstance<nb::str>(s))
                  throw nb::value_error(("[save_gguf] the metadata list '" + key + "' holds a non-str item.").c_str());
                strings.push_back(nb::cast<std::string>(s));
              }
              meta.emplace(key, std::move(strings));
            } else {
              throw nb::value_error(("[save_gguf] the metadata value of '" + key +
                                     "' must be an array, a str or a list of str, not " +
                                     nb::cast<std::string>(nb::type_name(v.type())) + ".")
                                        .c_str());
            }
          }
        save_to(file, "save_gguf", ".gguf", [&](const std::string& path) { save_gguf(path, tensors, meta); });
      },
      "file"_a, "arrays"_a, "metadata"_a = nb::none(),
      "Writes a dict of named arrays (float32, float16, int8, int16 or int32) as a GGUF file (``.gguf`` is "
      "appended to a path without it), or to a binary file object. ``metadata`` maps str keys to str, lists of "
      "str, or 0-d / non-empty 1-d arrays of bool, (u)int8 to (u)int64 or float32.");
}

}  // namespace ingot::py
