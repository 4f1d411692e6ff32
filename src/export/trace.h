// Tracing a function into a tape, and the exporter's constant table.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingot/export.h"
#include "tape/tape.h"

namespace ingot::exporting {

// While one lives, op builders on this thread build the forms that follow shapes (detail::in_shapeless_trace).
struct ShapelessTraceScope {
  explicit ShapelessTraceScope(bool on);
  ~ShapelessTraceScope();
  ShapelessTraceScope(const ShapelessTraceScope&) = delete;
  ShapelessTraceScope& operator=(const ShapelessTraceScope&) = delete;

 private:
  bool saved;
};

// A traced function: its signature (outputs filled in too) and its tape, whose constants and self-test
// vectors are indices into the file's ConstantTable.
struct TraceRecord {
  Signature signature;
  Tape tape;
};

// Every constant of one file, stored once: by identity, then by content (dtype, shape, 128-bit hash).
// The table holds every array it has seen, so an identity (an address) stays that array's for the
// table's whole life: a freed constant's address reused by a later trace's array is never mistaken for it.
class ConstantTable {
 public:
  uint32_t intern(const array& a);
  const std::vector<array>& arrays() const { return arrays_; }
  size_t size() const { return arrays_.size(); }
  void truncate(size_t n);  // forget constants added after a failed trace

 private:
  struct Key {
    Dtype dtype;
    Shape shape;
    uint64_t h1, h2;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return static_cast<size_t>(k.h1 ^ (k.h2 << 1)); }
  };
  std::vector<array> arrays_;
  std::vector<Key> keys_;
  std::unordered_map<const void*, std::pair<array, uint32_t>> by_identity_;
  std::unordered_map<Key, uint32_t, KeyHash> by_content_;
};

// Calls fun on placeholders shaped like the inputs and records the graph it builds, simplified
// (common subexpressions merged, copies dropped). Throws std::invalid_argument for graphs that
// cannot be exported, naming the primitive.
TraceRecord trace_function(const ArgsKwargsFunction& fun, const Args& args, const Kwargs& kwargs, bool shapeless,
                           ConstantTable& constants, const char* caller);

// Runs fun on the example inputs themselves and keeps inputs and outputs as the trace's self-test vectors.
// On failure the table may hold some of them: the caller drops the trace's constants (truncate) or the table.
void add_self_test(TraceRecord& trace, const ArgsKwargsFunction& fun, const Args& args, const Kwargs& kwargs,
                   ConstantTable& constants, const char* caller);

bool same_inputs(const Signature& a, const Signature& b);  // would a call matching one match the other

// Writes the whole file atomically (temporary file + rename).
void write_function_file(const std::string& path, const Metadata& metadata, const ConstantTable& constants,
                         const std::vector<TraceRecord>& traces);

}  // namespace ingot::exporting
