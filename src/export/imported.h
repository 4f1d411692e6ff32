// The in-memory form of an imported function: verified traces ready to replay.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ingot/export.h"

namespace ingot {

struct ImportedFunction::Impl {
  struct ConstantInfo {
    Dtype dtype;
    Shape shape;
    const void* data;  // inside the mapping
  };
  struct NodeInfo {
    std::shared_ptr<Primitive> primitive;  // immutable, shared by every call
    std::vector<uint32_t> inputs;
    std::vector<Shape> shapes;  // as traced
    std::vector<Dtype> dtypes;
  };
  struct TraceInfo {
    size_t num_inputs = 0;
    size_t num_values = 0;
    std::vector<std::string> kwarg_names;  // sorted; ids follow the positional inputs
    std::vector<uint32_t> constants;
    std::vector<NodeInfo> nodes;
    std::vector<uint32_t> outputs;
  };

  std::string path;
  std::shared_ptr<void> mapping;  // keeps the mapped file alive for every constant array
  uint32_t format_version = 0;
  std::string library_version;
  Metadata metadata;
  std::vector<Signature> signatures;
  std::vector<ConstantInfo> constants;
  std::vector<TraceInfo> traces;

  mutable std::mutex mutex;               // guards constant_cache
  mutable std::vector<array> constant_cache;  // arrays over the mapping, made on first use

  array constant(uint32_t index) const;
  std::vector<array> call(const Args& args, const Kwargs& kwargs) const;
};

}  // namespace ingot
