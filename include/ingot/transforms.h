// Evaluation of lazy graphs and the function transforms: vjp, jvp, grad, value_and_grad, vmap,
// custom_function and checkpoint, with MLX's signatures and semantics.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "ingot/array.h"

namespace ingot {

// Computes every array in `outputs` on the calling thread. Iterative: graph depth is bounded
// only by memory. Intermediates are released as soon as their last consumer has run.
void eval(const Arrays& outputs);

template <typename... A>
void eval(const array& first, const A&... rest) {
  eval(Arrays{first, rest...});
}

using ArraysFn = std::function<Arrays(const Arrays&)>;

// The outputs of fun(primals) and the vector-Jacobian product: the cotangents of the primals given
// one cotangent per output. Lazy, like any op; differentiable again.
std::pair<Arrays, Arrays> vjp(const ArraysFn& fun, const Arrays& primals, const Arrays& cotangents);
std::pair<array, array> vjp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& cotangent);

// The outputs of fun(primals) and the Jacobian-vector product: the tangents of the outputs given
// one tangent per primal.
std::pair<Arrays, Arrays> jvp(const ArraysFn& fun, const Arrays& primals, const Arrays& tangents);
std::pair<array, array> jvp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& tangent);

// fun's outputs and the gradient of its first output (a scalar) with respect to the inputs at
// argnums. The other outputs ride along (MLX's "aux" values).
using ValueAndGradFn = std::function<std::pair<Arrays, Arrays>(const Arrays&)>;
using SimpleValueAndGradFn = std::function<std::pair<array, Arrays>(const Arrays&)>;
ValueAndGradFn value_and_grad(const ArraysFn& fun, const std::vector<int>& argnums);
ValueAndGradFn value_and_grad(const ArraysFn& fun, int argnum = 0);
SimpleValueAndGradFn value_and_grad(const std::function<array(const Arrays&)>& fun, const std::vector<int>& argnums);
SimpleValueAndGradFn value_and_grad(const std::function<array(const Arrays&)>& fun, int argnum = 0);
std::function<std::pair<array, array>(const array&)> value_and_grad(const std::function<array(const array&)>& fun);

using GradFn = std::function<Arrays(const Arrays&)>;
GradFn grad(const std::function<array(const Arrays&)>& fun, const std::vector<int>& argnums);
std::function<array(const Arrays&)> grad(const std::function<array(const Arrays&)>& fun, int argnum = 0);
std::function<array(const array&)> grad(const std::function<array(const array&)>& fun);

// fun mapped over axis in_axes[i] of input i (-1: the input is shared, not mapped); the outputs carry
// the mapped axis at out_axes[j]. Empty lists mean axis 0 everywhere.
ArraysFn vmap(const ArraysFn& fun, const std::vector<int>& in_axes = {}, const std::vector<int>& out_axes = {});
std::function<array(const array&)> vmap(const std::function<array(const array&)>& fun, int in_axis = 0,
                                        int out_axis = 0);
std::function<array(const array&, const array&)> vmap(const std::function<array(const array&, const array&)>& fun,
                                                      int in_axis_a = 0, int in_axis_b = 0, int out_axis = 0);

// fun with its own transforms: fun_vjp(primals, cotangents, outputs) -> cotangents of the primals;
// fun_jvp(primals, tangents, argnums) -> tangents of the outputs; fun_vmap(inputs, axes) -> (outputs,
// out axes). Those not given are fun's own (as MLX: a custom vjp leaves jvp and vmap as they were).
using CustomVjp = std::function<Arrays(const Arrays&, const Arrays&, const Arrays&)>;
using CustomJvp = std::function<Arrays(const Arrays&, const Arrays&, const std::vector<int>&)>;
using CustomVmap = std::function<std::pair<Arrays, std::vector<int>>(const Arrays&, const std::vector<int>&)>;
ArraysFn custom_function(ArraysFn fun, std::optional<CustomVjp> fun_vjp = std::nullopt,
                         std::optional<CustomJvp> fun_jvp = std::nullopt,
                         std::optional<CustomVmap> fun_vmap = std::nullopt);
ArraysFn custom_vjp(ArraysFn fun, CustomVjp fun_vjp);

// fun whose intermediates are not kept for the backward pass: its vjp runs fun again.
ArraysFn checkpoint(ArraysFn fun);

// fun traced once per input signature (dtypes and shapes; dtypes and ranks when shapeless) and replayed
// from the recorded graph on later calls, without running fun again: fun must be pure (its arrays
// come from its inputs; arrays it captures are constants of the trace). Values that depend on no input
// are computed once, when tracing. A shapeless compile refuses a function whose graph bakes in a traced
// size, as a shapeless export does.
ArraysFn compile(ArraysFn fun, bool shapeless = false);
// While disabled, compiled functions run fun directly (every call).
void disable_compile();
void enable_compile();

}  // namespace ingot
