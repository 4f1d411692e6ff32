// The in-memory form of an imported function: verified traces ready to replay.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ingot/export.h"
#include "io/file.h"
#include "tape/plan.h"

namespace ingot {

struct ImportedFunction::Impl : std::enable_shared_from_this<ImportedFunction::Impl> {
  struct ConstantInfo {
    Dtype dtype;
    Shape shape;
    const void* data;  // inside the mapping
  };
  std::string path;
  ImportOptions options;
  std::shared_ptr<const io::MappedFile> mapping;  // the file (or its copy in memory), kept alive by every constant array
  uint32_t format_version = 0;
  std::string library_version;
  Metadata metadata;
  std::vector<Signature> signatures;
  std::vector<ConstantInfo> constants;
  std::vector<Tape> traces;

  mutable std::mutex mutex;               // guards constant_cache
  mutable std::vector<array> constant_cache;  // arrays over the mapping, made on first use

  // The work one call asks for, summed node by node before anything runs; add() throws
  // std::runtime_error naming the ImportOptions limit a node takes the call past.
  struct Budget {
    const ImportOptions& options;
    const std::string& where;  // "<path>: trace <t>"
    double bytes = 0, flops = 0;
    void add(const Primitive& p, const Arrays& in, const std::vector<Shape>& shapes, const std::vector<Dtype>& dtypes);
  };

  mutable PlanCache plans;  // per trace and, when shapeless, input shapes
  std::shared_ptr<const Plan> plan(size_t t, const Arrays& inputs) const;

  array constant(uint32_t index) const;
  std::vector<array> call(const Args& args, const Kwargs& kwargs) const;
  std::vector<array> call_trace(size_t t, const Args& args, const Kwargs& kwargs) const;
};

// The traces of an imported function (all, or only `trace`) as a DOT graph whose graph statement holds
// `graph_attributes` ("rankdir=LR;"), for export_to_dot and the command line's pictures. Each trace is a
// cluster whose node k is named "t<t>_n<k>" and whose inputs and constants are "t<t>_<v>" (v: value id).
// With edge_labels, each output is a point whose incoming edge is labelled with its dtype and shape;
// without, edges leave the node itself and carry the type as a tooltip, and each use of an input or
// constant gets its own copy of it ("t<t>_<v>_u<k>_<i>"), so that no edge spans the graph (a layout
// large graphs afford).
void write_function_dot(std::ostream& os, const ImportedFunction::Impl& impl, std::optional<size_t> trace,
                        bool edge_labels, const std::string& graph_attributes);

}  // namespace ingot
