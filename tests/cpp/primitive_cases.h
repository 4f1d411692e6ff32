// One case per registered primitive: a small function using it, inputs, and the shapeless column. The
// export round trip (test_export_primitives.cpp) and the transforms' finite-difference check
// (test_grad.cpp) run over this one table, so a new primitive without a row fails both.
#pragma once

#include <string>
#include <vector>

#include "ingot/ingot.h"

namespace ingot::testing {

struct PrimitiveCase {
  std::string primitive;  // the registry name the case exercises
  ArgsFunction fun;
  Args inputs;
  std::vector<Args> alts = {};      // other input shapes that a shapeless export of fun replays at
  std::string refuses = {};         // or what a shapeless export names when it refuses the primitive
  ArgsFunction shapeless_fun = {};  // the function for the shapeless column, when not fun
};

std::vector<PrimitiveCase> primitive_cases();

array f32(std::vector<float> v, Shape s);
array i32(std::vector<int32_t> v, Shape s);
// `a`'s values repeated in order to fill shape s (same dtype, so the same domain of values).
array rs(const array& a, Shape s);

}  // namespace ingot::testing
