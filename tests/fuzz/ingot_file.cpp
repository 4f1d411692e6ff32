#include "ingot_file.h"

#include <algorithm>
#include <cstring>

#include "export/format.h"
#include "prims/primitive.h"

namespace ingot::fuzz {

namespace {

bool header_of(const uint8_t* d, size_t n, format::Header& h) {
  if (n < format::kHeaderSize) return false;
  std::memcpy(&h, d, sizeof(h));
  return h.graph_offset >= format::kHeaderSize && h.graph_offset <= n && h.graph_size <= n - h.graph_offset;
}

// The verifier checks no 8-byte alignment of vector elements (the reader refuses misaligned shapes).
bool aligned(const flatbuffers::Vector<int64_t>* v) {
  return !v || reinterpret_cast<uintptr_t>(v->data()) % alignof(int64_t) == 0;
}
bool aligned(const fb::TensorType* t) { return !t || aligned(t->shape()); }

bool shapes_aligned(const fb::Function& g) {
  if (g.constants())
    for (const auto* c : *g.constants())
      if (!aligned(c->shape())) return false;
  if (!g.traces()) return true;
  for (const auto* t : *g.traces()) {
    if (t->args())
      for (const auto* a : *t->args())
        if (!aligned(a)) return false;
    if (t->kwargs())
      for (const auto* k : *t->kwargs())
        if (!aligned(k->type())) return false;
    if (t->nodes())
      for (const auto* n : *t->nodes())
        if (n->outputs())
          for (const auto* o : *n->outputs())
            if (!aligned(o)) return false;
  }
  return true;
}

}  // namespace

void fix_crc(uint8_t* d, size_t n) {
  format::Header h;
  if (!header_of(d, n, h)) return;
  h.graph_crc32 = format::crc32(d + h.graph_offset, h.graph_size);
  std::memcpy(d, &h, sizeof(h));
}

bool parse(const uint8_t* d, size_t n, File& f) {
  format::Header h;
  if (!header_of(d, n, h) || h.graph_size == 0) return false;
  std::vector<uint8_t> g(d + h.graph_offset, d + h.graph_offset + h.graph_size);  // aligned for the verifier
  flatbuffers::Verifier v(g.data(), g.size(), 64, 1u << 28);
  if (!fb::VerifyFunctionBuffer(v) || !shapes_aligned(*fb::GetFunction(g.data()))) return false;
  fb::GetFunction(g.data())->UnPackTo(&f.graph);
  if (h.data_offset <= n) f.data.assign(d + h.data_offset, d + h.data_offset + std::min<uint64_t>(h.data_size, n - h.data_offset));
  return true;
}

std::vector<uint8_t> write(const File& f, size_t max) {
  flatbuffers::FlatBufferBuilder b;
  fb::FinishFunctionBuffer(b, fb::Function::Pack(b, &f.graph));
  const format::Header h = format::header_for(b.GetBufferPointer(), b.GetSize(), f.data.size());
  if (h.data_offset + h.data_size > max) return {};
  std::vector<uint8_t> out(h.data_offset + h.data_size, 0);
  std::memcpy(out.data(), &h, sizeof(h));
  std::memcpy(out.data() + h.graph_offset, b.GetBufferPointer(), b.GetSize());
  std::copy(f.data.begin(), f.data.end(), out.begin() + static_cast<long>(h.data_offset));
  return out;
}

namespace {

// A shape import_function accepts (format::kMaxDims, kMaxElements, the nonzero dimensions' product).
bool valid_shape(const std::vector<int64_t>& s) {
  if (s.size() > format::kMaxDims) return false;
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0 || d > format::kMaxElements || (d != 0 && n > format::kMaxElements / d)) return false;
    n *= d != 0 ? d : 1;
  }
  return true;
}

bool same_types(const fb::NodeT& n, const std::vector<Shape>& shapes, const std::vector<Dtype>& dtypes) {
  if (n.outputs.size() != shapes.size()) return false;
  for (size_t o = 0; o < shapes.size(); ++o)
    if (!n.outputs[o] || Shape(n.outputs[o]->shape.begin(), n.outputs[o]->shape.end()) != shapes[o] ||
        n.outputs[o]->dtype != static_cast<uint8_t>(dtypes[o]))
      return false;
  return true;
}

}  // namespace

void recompute_outputs(File& f) {
  for (auto& t : f.graph.traces) {
    Arrays vals;
    auto push = [&](const std::vector<int64_t>& shape, uint8_t dtype) {
      if (!valid_shape(shape) || !is_valid_dtype_code(dtype)) return false;
      vals.push_back(array::placeholder(Shape(shape.begin(), shape.end()), static_cast<Dtype>(dtype)));
      return true;
    };
    bool ok = true;
    for (auto& a : t->args) ok = ok && push(a->shape, a->dtype);
    for (auto& k : t->kwargs) ok = ok && push(k->type->shape, k->type->dtype);
    for (uint32_t c : t->constants)
      ok = ok && c < f.graph.constants.size() && push(f.graph.constants[c]->shape, f.graph.constants[c]->dtype);
    for (auto& n : t->nodes) {
      if (!ok) break;
      const auto& reg = primitive_registry().entries();
      auto it = reg.find(n->primitive);
      ok = it != reg.end() && n->version >= 1 && n->version <= static_cast<uint32_t>(it->second.version) &&
           !n->outputs.empty();
      Arrays ins;
      for (uint32_t id : n->inputs) {
        if (!ok || id >= vals.size()) ok = false;
        else ins.push_back(vals[id]);
      }
      for (auto& o : n->outputs) ok = ok && valid_shape(o->shape) && is_valid_dtype_code(o->dtype);
      if (!ok) break;
      try {
        static const uint8_t kNoState = 0;
        StateReader sr(n->state.empty() ? &kNoState : n->state.data(), n->state.size(), "fuzz", static_cast<int>(n->version));
        auto prim = it->second.factory(sr);
        prim->check_inputs(ins);
        const auto shapes = prim->output_shapes(ins);
        const auto dtypes = prim->output_dtypes(ins);
        if (shapes.size() != dtypes.size() || shapes.empty()) break;
        if (t->self_test && !same_types(*n, shapes, dtypes)) t->self_test.reset();  // its outputs no longer fit
        n->outputs.resize(shapes.size());
        for (size_t o = 0; o < shapes.size(); ++o) {
          if (!n->outputs[o]) n->outputs[o] = std::make_unique<fb::TensorTypeT>();
          n->outputs[o]->shape.assign(shapes[o].begin(), shapes[o].end());
          n->outputs[o]->dtype = static_cast<uint8_t>(dtypes[o]);
        }
      } catch (const std::exception&) {
      }
      for (auto& o : n->outputs) ok = ok && push(o->shape, o->dtype);
    }
  }
}

}  // namespace ingot::fuzz
