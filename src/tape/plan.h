// Compiled replay of a tape: a plan per tape and input shapes, and the call that runs it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "tape/tape.h"

namespace ingot {

struct Plan;  // src/tape/plan.cpp

// Checks each step's work before anything runs (an imported function's budget); may throw.
using StepCheck = std::function<void(const TapeNode&, const Arrays& inputs, const std::vector<Shape>& shapes)>;

// Builds the plan of `tape` for inputs shaped as `inputs` (only shapes and dtypes are read):
// `constants` are the tape's constants as arrays, in order. With `shapeless`, output shapes follow the
// inputs' and every step goes through `check`; otherwise the tape's recorded shapes are used. `name`
// names the node a direct call makes ("ImportedCall"). `tape` is kept alive by the plan.
std::shared_ptr<const Plan> build_plan(std::shared_ptr<const Tape> tape, Arrays constants, const Arrays& inputs,
                                       bool shapeless, const StepCheck& check, const char* name);

// Plans kept per owner, by tape and input shapes; a caller cycling through more shapes than the cap
// (every prompt length of a shapeless model) starts over rather than growing without bound.
class PlanCache {
 public:
  using Key = std::pair<const Tape*, std::vector<Shape>>;
  std::shared_ptr<const Plan> find(const Key& key) const;
  std::shared_ptr<const Plan> insert(Key key, std::shared_ptr<const Plan> plan);

 private:
  mutable std::mutex mutex_;
  std::map<Key, std::shared_ptr<const Plan>> plans_;
};

// The call of a plan on `inputs`. Inputs with data (not placeholders of a trace nor tracers of a
// transform) get one node that replays the plan when evaluated; otherwise the tape's nodes join the
// caller's graph, so transforms and traces see the primitives.
std::vector<array> call_plan(std::shared_ptr<const Plan> plan, Arrays inputs);

}  // namespace ingot
