// The structure-aware half of the fuzzer: when an input is an ingot file whose graph section verifies,
// edit the graph (state fields, dims, ids, dtypes, primitive names, arities) or a constant's bytes,
// re-serialize it and write a fresh header with the offsets, sizes and checksum of the new graph, so
// that mutants get past the CRC and the FlatBuffers verifier into the primitives' own checks. Most
// mutants then have their nodes' recorded output types recomputed by the primitives (as the exporter
// would write them), so that a changed state or input shape reaches evaluation instead of the reader's
// consistency check. Anything else gets libFuzzer's byte mutations and a fixed checksum.
#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ingot_file.h"
#include "prims/primitive.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

using namespace ingot;
using fuzz::File;
using Rng = std::minstd_rand;

template <typename T>
T pick(Rng& r, const std::vector<T>& v) {
  return v[r() % v.size()];
}

// Integers at the edges of every range a primitive might compute with.
int64_t extreme(Rng& r) {
  static const std::vector<int64_t> v = {0, 1, -1, 2, 3, -2, 7, 64, 255, 256, 65536, INT_MIN, INT_MAX,
                                         int64_t{1} << 31, int64_t{1} << 32, int64_t{1} << 47, int64_t{1} << 48,
                                         int64_t{1} << 62, INT64_MIN, INT64_MAX, INT64_MIN + 1, -(int64_t{1} << 47)};
  return r() % 4 ? pick(r, v) : static_cast<int64_t>(r() % 17) - 8;
}

double extreme_real(Rng& r) {
  static const std::vector<double> v = {0.0, -0.0, 1.0, -1.0, 0.5, 1e-310, 1e308, -1e308, 3e38, 65504.0,
                                        std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::quiet_NaN(), 2147483648.0, 9.3e18};
  return pick(r, v);
}

// Positions of the fields in a state (docs/format.md, "Primitive state"): the payload offset and tag of
// each scalar, and the count offset of each list of scalars.
struct StateFields {
  std::vector<std::pair<size_t, uint8_t>> scalars;
  std::vector<size_t> lists;
};

bool walk(const std::vector<uint8_t>& s, size_t& p, StateFields& out, int depth) {
  if (p >= s.size() || depth > 8) return false;
  const uint8_t tag = s[p++];
  const size_t width = tag == 1 || tag == 4 ? 1 : tag == 2 || tag == 3 ? 8 : 4;
  if (tag < 1 || tag > 6 || s.size() - p < width) return false;
  if (tag <= 4) {
    out.scalars.push_back({p, tag});
    p += width;
    return true;
  }
  uint32_t n;
  std::memcpy(&n, &s[p], 4);
  const size_t count_at = p;
  p += 4;
  if (tag == 5) {
    if (n > s.size() - p) return false;
    p += n;
    return true;
  }
  if (n > s.size() - p) return false;
  const size_t first = out.scalars.size();
  for (uint32_t i = 0; i < n; ++i)
    if (!walk(s, p, out, depth + 1)) return false;
  if (n > 0 && out.scalars.size() == first + n) out.lists.push_back(count_at);  // a list of scalars
  return true;
}

void mutate_state(fb::NodeT& node, Rng& r) {
  auto& s = node.state;
  StateFields fields;
  size_t p = 0;
  while (p < s.size() && walk(s, p, fields, 0)) {
  }
  const int what = static_cast<int>(r() % 8);
  if (what < 5 && !fields.scalars.empty()) {  // one field to an edge value
    auto [at, tag] = pick(r, fields.scalars);
    if (tag == 2) {
      const int64_t v = extreme(r);
      std::memcpy(&s[at], &v, 8);
    } else if (tag == 3) {
      const double v = extreme_real(r);
      std::memcpy(&s[at], &v, 8);
    } else if (tag == 4) {
      s[at] = static_cast<uint8_t>(r() % 4 ? r() % 16 : r());
    } else {
      s[at] = static_cast<uint8_t>(r() % 4 ? s[at] ^ 1 : r());
    }
  } else if (what < 7 && !fields.lists.empty()) {  // a list of scalars one element longer or shorter
    const size_t at = pick(r, fields.lists);
    uint32_t n;
    std::memcpy(&n, &s[at], 4);
    const uint8_t tag = s[at + 4];
    const size_t width = 1 + (tag == 2 || tag == 3 ? 8 : 1);
    const size_t last = at + 4 + (n - 1) * width;
    if (last + width > s.size()) return;  // scalars of several widths (after byte mutations)
    if (r() % 2) {
      const std::vector<uint8_t> element(s.begin() + static_cast<long>(last), s.begin() + static_cast<long>(last + width));
      s.insert(s.begin() + static_cast<long>(last + width), element.begin(), element.end());
      ++n;
    } else {
      s.erase(s.begin() + static_cast<long>(last), s.begin() + static_cast<long>(last + width));
      --n;
    }
    std::memcpy(&s[at], &n, 4);
  } else {  // raw bytes
    const size_t size = s.size();
    s.resize(size * 2 + 16);
    s.resize(LLVMFuzzerMutate(s.data(), size, s.size()));
  }
}

void mutate_shape(std::vector<int64_t>& shape, Rng& r) {
  const int what = static_cast<int>(r() % 6);
  if (what == 0 && shape.size() < 40) shape.insert(shape.begin() + static_cast<long>(r() % (shape.size() + 1)), extreme(r));
  else if (what == 1 && !shape.empty()) shape.erase(shape.begin() + static_cast<long>(r() % shape.size()));
  else if (what == 2) shape = {0, int64_t{1} << 47, int64_t{1} << 47};  // zero elements, huge strides
  else if (what == 3 && !shape.empty()) shape[r() % shape.size()] = static_cast<int64_t>(r() % 9);
  else if (!shape.empty()) shape[r() % shape.size()] = extreme(r);
}

const std::vector<std::pair<std::string, int>>& primitives() {
  static const auto v = [] {
    std::vector<std::pair<std::string, int>> out;
    for (const auto& [name, e] : primitive_registry().entries()) out.push_back({name, e.version});
    return out;
  }();
  return v;
}

// Every place of the graph a mutation can edit, gathered once per mutation.
struct Places {
  std::vector<fb::NodeT*> nodes;
  std::vector<std::vector<int64_t>*> shapes;
  std::vector<uint8_t*> dtypes;
  std::vector<std::vector<uint32_t>*> ids;
  std::vector<fb::TraceT*> traces;
};

Places places(fb::FunctionT& g) {
  Places p;
  auto add = [&](fb::TensorTypeT* t) {
    if (t) p.shapes.push_back(&t->shape), p.dtypes.push_back(&t->dtype);
  };
  for (auto& c : g.constants) p.shapes.push_back(&c->shape), p.dtypes.push_back(&c->dtype);
  for (auto& t : g.traces) {
    p.traces.push_back(t.get());
    for (auto& a : t->args) add(a.get());
    for (auto& k : t->kwargs) add(k->type.get());
    p.ids.push_back(&t->constants);
    p.ids.push_back(&t->outputs);
    if (t->self_test) p.ids.push_back(&t->self_test->inputs), p.ids.push_back(&t->self_test->outputs);
    for (auto& n : t->nodes) {
      p.nodes.push_back(n.get());
      p.ids.push_back(&n->inputs);
      for (auto& o : n->outputs) add(o.get());
    }
  }
  return p;
}

void mutate_constant(File& f, Rng& r) {
  if (f.graph.constants.empty()) return;
  const auto& c = *f.graph.constants[r() % f.graph.constants.size()];
  if (c.offset >= f.data.size() || c.size == 0) return;
  const size_t n = std::min<uint64_t>(c.size, f.data.size() - c.offset);
  uint8_t* d = f.data.data() + c.offset;
  if (r() % 2) {
    LLVMFuzzerMutate(d, n, n);
  } else if (n >= 8) {  // an edge value over an aligned 8-byte word: NaN, infinity, INT64_MIN, ...
    const int64_t v = r() % 2 ? extreme(r) : std::bit_cast<int64_t>(extreme_real(r));
    std::memcpy(d + (r() % (n / 8)) * 8, &v, 8);
  } else {
    d[r() % n] = static_cast<uint8_t>(r());
  }
}

void mutate_ids(std::vector<uint32_t>& ids, Rng& r) {
  const uint32_t v = r() % 4 ? r() % 24 : (r() % 2 ? UINT32_MAX : static_cast<uint32_t>(r()));
  const int what = static_cast<int>(r() % 4);
  if (what == 0 || ids.empty()) ids.push_back(v);  // one more input or output
  else if (what == 1) ids.erase(ids.begin() + static_cast<long>(r() % ids.size()));
  else ids[r() % ids.size()] = v;
}

void mutate_once(File& f, Rng& r) {
  Places p = places(f.graph);
  switch (r() % 12) {
    case 0:
    case 1:
    case 2:
      if (!p.nodes.empty()) mutate_state(*pick(r, p.nodes), r);
      break;
    case 3:
    case 4:
      if (!p.shapes.empty()) mutate_shape(*pick(r, p.shapes), r);
      break;
    case 5:
      if (!p.ids.empty()) mutate_ids(*pick(r, p.ids), r);
      break;
    case 6:
      if (!p.dtypes.empty()) *pick(r, p.dtypes) = static_cast<uint8_t>(r() % 8 ? 1 + r() % 14 : r());
      break;
    case 7:
      if (!p.nodes.empty()) {  // another primitive reading this state
        auto* n = pick(r, p.nodes);
        const auto& [name, version] = pick(r, primitives());
        n->primitive = name;
        n->version = 1 + static_cast<uint32_t>(r() % version);
      }
      break;
    case 8:
      mutate_constant(f, r);
      break;
    case 9:
      if (!p.nodes.empty()) {  // one output more or less
        auto* n = pick(r, p.nodes);
        if (r() % 2 && !n->outputs.empty()) n->outputs.pop_back();
        else n->outputs.push_back(std::make_unique<fb::TensorTypeT>(n->outputs.empty() ? fb::TensorTypeT{} : *n->outputs[0]));
      }
      break;
    case 10:
      if (!p.traces.empty()) {  // shapeless or not; or a node repeated at the end of its trace
        auto* t = pick(r, p.traces);
        if (r() % 2 || t->nodes.empty()) t->shapeless = !t->shapeless;
        else t->nodes.push_back(std::make_unique<fb::NodeT>(*t->nodes[r() % t->nodes.size()]));
      }
      break;
    default:
      if (!p.nodes.empty()) pick(r, p.nodes)->version = r() % 4 ? 1 + r() % 3 : static_cast<uint32_t>(r());
      break;
  }
}

// Writes the mutant into out; 0 when it does not fit.
size_t finish(File& f, uint8_t* out, size_t max, Rng& r) {
  if (r() % 4) fuzz::recompute_outputs(f);
  const std::vector<uint8_t> bytes = fuzz::write(f, max);
  std::copy(bytes.begin(), bytes.end(), out);
  return bytes.size();
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  Rng r(seed);
  File f;
  if (r() % 8 && fuzz::parse(data, size, f)) {
    for (int k = 1 + static_cast<int>(r() % 3); k > 0; --k) mutate_once(f, r);
    if (size_t n = finish(f, data, max_size, r)) return n;
  }
  size = LLVMFuzzerMutate(data, size, max_size);
  fuzz::fix_crc(data, size);
  return size;
}

// Crossing two files: a node of the first takes the primitive and state of a node of the second.
extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* d1, size_t n1, const uint8_t* d2, size_t n2, uint8_t* out,
                                            size_t max_out, unsigned seed) {
  Rng r(seed);
  File a, b;
  if (!fuzz::parse(d1, n1, a) || !fuzz::parse(d2, n2, b)) return 0;
  Places pa = places(a.graph), pb = places(b.graph);
  if (pa.nodes.empty() || pb.nodes.empty()) return 0;
  fb::NodeT* to = pick(r, pa.nodes);
  const fb::NodeT* from = pick(r, pb.nodes);
  to->primitive = from->primitive;
  to->version = from->version;
  to->state = from->state;
  return finish(a, out, max_out, r);
}
