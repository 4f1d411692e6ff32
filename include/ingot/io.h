// Arrays on disk: safetensors files (Hugging Face's format), GGUF files (ggml's) and numpy .npy files,
// MLX's API. Loading is lazy: each array is a Load node over a memory-mapped file, read on first
// evaluation (zero-copy when the bytes are aligned for the dtype; quantized blocks are decoded then).
// Exporting a function that uses such an array stores its values as a constant. Malformed files give
// std::runtime_error naming the file and the problem; writing goes to a temporary file renamed into place.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "ingot/array.h"

namespace ingot {

using SafetensorsLoad = std::pair<std::unordered_map<std::string, array>, std::unordered_map<std::string, std::string>>;

// The tensors of a .safetensors file by name, and its "__metadata__" strings.
SafetensorsLoad load_safetensors(const std::string& path);
// Writes every array (evaluating it) and the metadata. Tensors are laid out by decreasing item size,
// then by name, so that each is aligned for its dtype.
void save_safetensors(const std::string& path, const std::unordered_map<std::string, array>& arrays,
                      const std::unordered_map<std::string, std::string>& metadata = {});

// A GGUF metadata value, as MLX gives them: a string, a list of strings, or an array (0-d for a number,
// 1-d for a list of numbers). The empty state is never loaded and cannot be saved.
using GGUFMetaData = std::variant<std::monostate, array, std::string, std::vector<std::string>>;
using GGUFLoad = std::pair<std::unordered_map<std::string, array>, std::unordered_map<std::string, GGUFMetaData>>;

// The tensors of a GGUF file (version 2 or 3) by name, shapes outermost-first as MLX gives them, and its
// metadata. F32, F16, I8, I16, I32, I64 and F64 tensors keep their dtype and are mapped; Q4_0, Q4_1 and
// Q8_0 tensors become MLX's affine triplet: "x.weight" gives "x.weight" (uint32), "x.scales" and
// "x.biases" (float16) with group size 32 and 4 or 8 bits; BF16, Q2_K, Q4_K and Q6_K are dequantized to
// float16. Metadata numbers give arrays of their type (FLOAT64 gives float32, as MLX); nested arrays
// are refused.
GGUFLoad load_gguf(const std::string& path);
// Writes the arrays (float32, float16, int8, int16 or int32; evaluating them) as GGUF version 3, by name,
// and the metadata: strings, lists of strings, and 0-d or non-empty 1-d arrays of bool, (u)int8 to
// (u)int64 or float32. Tensors are aligned to 32 bytes, or to a "general.alignment" given as a 0-d
// uint32 power of two. Unlike MLX's, the path is used as given (Python's save_gguf appends ".gguf").
void save_gguf(const std::string& path, const std::unordered_map<std::string, array>& arrays,
               const std::unordered_map<std::string, GGUFMetaData>& metadata = {});

// A .npy file (format versions 1.0, 2.0 and 3.0; little-endian; C or Fortran order).
array load(const std::string& path);
// Writes `a` in C order as .npy (version 1.0, or 2.0 when the header needs it); ".npy" is appended
// to `path` when missing, as MLX does. bfloat16 is written with the descriptor '<V2', as MLX does.
void save(const std::string& path, const array& a);

}  // namespace ingot
