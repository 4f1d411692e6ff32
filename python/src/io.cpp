// ingot.load, ingot.save and ingot.save_safetensors, as MLX's: paths (str or os.PathLike) or binary
// file objects; the format follows the extension unless `format` names it.
#include <nanobind/stl/string.h>
#include <nanobind/stl/unordered_map.h>

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
                             "': give format='npy' or format='safetensors'.").c_str());
    fmt = name.substr(dot + 1);
  }
  if (fmt != "npy" && fmt != "safetensors")
    throw nb::value_error(("[load] unknown or unsupported file format '" + fmt + "' (supported: npy, safetensors).")
                              .c_str());
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

nb::object load_path(const std::string& path, const std::string& fmt, bool return_metadata, bool evaluate) {
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
      "Arrays from a file (a path or a binary file object): a dict of arrays for .safetensors, an array for "
      ".npy. ``format`` overrides the extension; ``return_metadata`` (safetensors only) also returns the "
      "file's metadata dict. Loading from a path is lazy: each array is read on first use.");
  m.def(
      "save",
      [](nb::handle file, const Operand& arr_) {
        const array a = arr(arr_);
        if (is_path(file)) {
          const std::string path = fspath(file, "save");
          nb::gil_scoped_release release;
          save(path, a);
          return;
        }
        TempFile tmp(".npy");
        {
          nb::gil_scoped_release release;
          save(tmp.path, a);
        }
        file.attr("write")(tmp.read());
      },
      "file"_a, "arr"_a,
      "Writes ``arr`` as a .npy file (``.npy`` is appended to a path without it), or to a binary file object.");
  m.def(
      "save_safetensors",
      [](nb::handle file, nb::dict arrays, std::optional<nb::dict> metadata) {
        std::unordered_map<std::string, array> tensors;
        for (auto [k, v] : arrays) {
          if (!nb::isinstance<nb::str>(k)) throw nb::type_error("[save_safetensors] array names must be str.");
          tensors.emplace(nb::cast<std::string>(k), to_array(v));
        }
        std::unordered_map<std::string, std::string> meta;
        if (metadata)
          for (auto [k, v] : *metadata) {
            if (!nb::isinstance<nb::str>(k) || !nb::isinstance<nb::str>(v))
              throw nb::value_error("[save_safetensors] metadata must be a dict with str keys and str values.");
            meta.emplace(nb::cast<std::string>(k), nb::cast<std::string>(v));
          }
        if (is_path(file)) {
          std::string path = fspath(file, "save_safetensors");
          if (!ends_with(path, ".safetensors")) path += ".safetensors";  // as MLX
          nb::gil_scoped_release release;
          save_safetensors(path, tensors, meta);
          return;
        }
        TempFile tmp(".safetensors");
        {
          nb::gil_scoped_release release;
          save_safetensors(tmp.path, tensors, meta);
        }
        file.attr("write")(tmp.read());
      },
      "file"_a, "arrays"_a, "metadata"_a = nb::none(),
      "Writes a dict of named arrays (and optional str-to-str ``metadata``) as a .safetensors file "
      "(``.safetensors`` is appended to a path without it), or to a binary file object.");
}

}  // namespace ingot::py
