// Compiled replay of a tape: a plan per tape and input shapes, and the call that runs it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "tape/tape.h"

namespace ingot {

struct Plan;  // src/tape/plan.cpp

// Checks each step's work before anything runs (an imported function's budget); may throw.
using StepCheck = std::function<void(const TapeNode&, const Arrays& inputs, const std::vector<Shape>& shapes)>;

class WeightPacker;

// Builds the plan of `tape` for inputs shaped as `inputs` (only shapes and dtypes are read):
// `constants` are the tape's constants as arrays, in order. With `shapeless`, output shapes follow the
// inputs' and every step goes through `check`; otherwise the tape's recorded shapes are used. `name`
// names the node a direct call makes ("ImportedCall"). Products of many rows by constant weights read
// them packed by `packer` (when given). The plan points into `tape`, which its owner keeps: plans are
// kept in the owner's PlanCache, and calls hold the owner (call_plan).
std::shared_ptr<const Plan> build_plan(const Tape& tape, Arrays constants, const Arrays& inputs,
                                       bool shapeless, const StepCheck& check, const char* name,
                                       WeightPacker* packer);

namespace cpu {
struct PackedWeights;
}

// Constant weights packed for products (cpu/packed.h), shared by one owner's plans (every prompt length
// of a shapeless model reads the same packed copy) and bounded by a budget of bytes, past which products
// read the weights where they are.
class WeightPacker {
 public:
  static constexpr uint64_t kDefaultPackingBudget = uint64_t{1} << 30;  // ImportOptions::max_packed_bytes
  void set_budget(uint64_t bytes);
  // b packed for products of about `rows` rows, or nullptr (no oneDNN, over the budget, declined).
  std::shared_ptr<const cpu::PackedWeights> get(const array& b, int64_t rows);
  uint64_t used() const;

 private:
  struct Entry {
    array source;  // kept, so that its address names these bytes for as long as the entry lives
    std::shared_ptr<const cpu::PackedWeights> packed;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<const void*, Shape, Strides>, Entry> entries_;
  uint64_t budget_ = kDefaultPackingBudget, used_ = 0;
};

// Plans kept per owner, by tape and input shapes; a caller cycling through more shapes than the cap
// (every prompt length of a shapeless model) starts over rather than growing without bound.
class PlanCache {
 public:
  // The plan of `tape` for inputs like `inputs` (for their shapes when shapeless), made by `build()` the
  // first time (unlocked: threads may build the same plan, and the first one in is kept). A template, so
  // that a call finding its plan allocates nothing for `build`.
  template <class Build>
  std::shared_ptr<const Plan> get(const Tape& tape, const Arrays& inputs, bool shapeless, Build&& build) {
    Key key{&tape, {}};
    if (shapeless)
      for (const auto& a : inputs) key.second.push_back(a.shape());
    if (auto p = find(key)) return p;
    return insert(std::move(key), build());
  }
  WeightPacker packer;

 private:
  using Key = std::pair<const Tape*, std::vector<Shape>>;
  std::shared_ptr<const Plan> find(const Key& key) const;
  std::shared_ptr<const Plan> insert(Key key, std::shared_ptr<const Plan> plan);
  mutable std::mutex mutex_;
  std::map<Key, std::shared_ptr<const Plan>> plans_;
};

// The call of a plan on `inputs`. Inputs with data (not placeholders of a trace nor tracers of a
// transform) get one node that replays the plan when evaluated, holding `owner` (what keeps the plan's
// tape alive); otherwise the tape's nodes join the caller's graph, so transforms and traces see the
// primitives.
std::vector<array> call_plan(std::shared_ptr<const void> owner, std::shared_ptr<const Plan> plan, Arrays inputs);

}  // namespace ingot
