// Arrays on disk: safetensors files (Hugging Face's format) and numpy .npy files, MLX's API.
// Loading is lazy: each array is a Load node over a memory-mapped file, read on first evaluation
// (zero-copy when the bytes are aligned for the dtype). Exporting a function that uses such an array
// stores its values as a constant. Malformed files give std::runtime_error naming the file and the
// problem; writing goes to a temporary file renamed into place.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>

#include "ingot/array.h"

namespace ingot {

using SafetensorsLoad = std::pair<std::unordered_map<std::string, array>, std::unordered_map<std::string, std::string>>;

// The tensors of a .safetensors file by name, and its "__metadata__" strings.
SafetensorsLoad load_safetensors(const std::string& path);
// Writes every array (evaluating it) and the metadata. Tensors are laid out by decreasing item size,
// then by name, so that each is aligned for its dtype.
void save_safetensors(const std::string& path, const std::unordered_map<std::string, array>& arrays,
                      const std::unordered_map<std::string, std::string>& metadata = {});

// A .npy file (format versions 1.0, 2.0 and 3.0; little-endian; C or Fortran order).
array load(const std::string& path);
// Writes `a` in C order as .npy (version 1.0, or 2.0 when the header needs it); ".npy" is appended
// to `path` when missing, as MLX does. bfloat16 is written with the descriptor '<V2', as MLX does.
void save(const std::string& path, const array& a);

}  // namespace ingot
