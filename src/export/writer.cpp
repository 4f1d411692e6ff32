// Writing a function file: FlatBuffer graph section, aligned data section, atomic rename.

#include <algorithm>
#include <bit>
#include <cstring>

#include "cpu/copy.h"
#include "export/format.h"
#include "export/schema_generated.h"
#include "export/trace.h"
#include "io/file.h"
#include "prims/primitive.h"

namespace ingot::exporting {

static_assert(std::endian::native == std::endian::little, "the file format is little-endian");

namespace {

flatbuffers::Offset<fb::TensorType> tensor_type(flatbuffers::FlatBufferBuilder& b, const TensorSpec& t) {
  return fb::CreateTensorTypeDirect(b, static_cast<uint8_t>(t.dtype), &t.shape);
}

bool all_zero(const void* p, size_t n) {
  const auto* c = static_cast<const unsigned char*>(p);
  return n == 0 || (c[0] == 0 && std::memcmp(c, c + 1, n - 1) == 0);
}

}  // namespace

void write_function_file(const std::string& path, const Metadata& metadata, const ConstantTable& constants,
                         const std::vector<TraceRecord>& traces) {
  // Data layout first: the graph section records each constant's offset.
  std::vector<uint64_t> offsets;
  uint64_t data_size = 0;
  for (const auto& c : constants.arrays()) {
    offsets.push_back(data_size);
    data_size = format::align_up(data_size + c.nbytes());
  }

  flatbuffers::FlatBufferBuilder b(1 << 16);
  std::vector<flatbuffers::Offset<fb::Constant>> fconsts;
  for (size_t i = 0; i < constants.size(); ++i) {
    const array& c = constants.arrays()[i];
    fconsts.push_back(fb::CreateConstantDirect(b, static_cast<uint8_t>(c.dtype()), &c.shape(), offsets[i], c.nbytes()));
  }
  std::vector<flatbuffers::Offset<fb::Trace>> ftraces;
  for (const auto& rec : traces) {
    const Tape& t = rec.tape;
    const Signature& sig = rec.signature;
    std::vector<flatbuffers::Offset<fb::TensorType>> args;
    for (const auto& a : sig.args) args.push_back(tensor_type(b, a));
    std::vector<flatbuffers::Offset<fb::KeywordInput>> kwargs;
    for (const auto& name : t.kwarg_names)
      kwargs.push_back(fb::CreateKeywordInputDirect(b, name.c_str(), tensor_type(b, sig.kwargs.at(name))));
    std::vector<flatbuffers::Offset<fb::Node>> nodes;
    for (const auto& n : t.nodes) {
      std::vector<flatbuffers::Offset<fb::TensorType>> outs;
      for (size_t o = 0; o < n.shapes.size(); ++o) outs.push_back(tensor_type(b, {n.dtypes[o], n.shapes[o]}));
      StateWriter state;
      n.primitive->write_state(state);
      nodes.push_back(fb::CreateNodeDirect(b, n.primitive->name(), n.version, &state.bytes(), &n.inputs, &outs));
    }
    flatbuffers::Offset<fb::SelfTest> test = 0;
    if (!t.test_outputs.empty() || !t.test_inputs.empty())
      test = fb::CreateSelfTestDirect(b, &t.test_inputs, &t.test_outputs);
    ftraces.push_back(
        fb::CreateTraceDirect(b, &args, &kwargs, &t.constants, &nodes, &t.outputs, sig.shapeless, test));
  }
  const std::string meta = metadata.dump();
  const std::string version = INGOT_VERSION;
  auto root = fb::CreateFunctionDirect(b, version.c_str(), meta.c_str(), &fconsts, &ftraces);
  fb::FinishFunctionBuffer(b, root);
  if (b.GetSize() > format::kMaxGraphBytes) throw std::runtime_error("[export_function] the graph is too large to write.");

  const format::Header h = format::header_for(b.GetBufferPointer(), b.GetSize(), data_size);

  io::AtomicWriter f(path, "export_function");
  f.write_at(0, &h, sizeof(h));
  f.write_at(h.graph_offset, b.GetBufferPointer(), b.GetSize());
  for (size_t i = 0; i < constants.size(); ++i) {
    uint64_t at = h.data_offset + offsets[i];
    // Zero pieces are skipped: they read back as zeros and large zero constants stay sparse on disk.
    cpu::for_each_row_major_chunk(constants.arrays()[i], 1 << 20, [&](const void* p, size_t n) {
      if (!all_zero(p, n)) f.write_at(at, p, n);
      at += n;
    });
  }
  f.commit(h.data_offset + h.data_size);
}

}  // namespace ingot::exporting
