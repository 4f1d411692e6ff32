// The tape: a traced function as inputs, constants and nodes in order over dense value ids. The
// reader builds one per trace of a file, compile one per input signature; both replay through plans.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ingot/array.h"

namespace ingot {

struct TapeNode {
  std::shared_ptr<Primitive> primitive;  // immutable, shared by every call
  uint32_t version = 0;                  // of the state layout a file recorded (older ones were upgraded)
  std::vector<uint32_t> inputs;          // value ids
  std::vector<Shape> shapes;             // as traced
  std::vector<Dtype> dtypes;
};

// Value ids: the inputs (positional, then keyword in name order), the constants, then each node's
// outputs in node order.
struct Tape {
  size_t num_inputs = 0;
  size_t num_values = 0;
  std::vector<std::string> kwarg_names;  // sorted
  std::vector<uint32_t> constants;       // indices into the owner's constants
  std::vector<TapeNode> nodes;
  std::vector<uint32_t> outputs;
  // Self-test vectors: constant indices of the example inputs and of the outputs they gave; empty when
  // there are none.
  std::vector<uint32_t> test_inputs, test_outputs;
};

}  // namespace ingot
