// custom_function and checkpoint: the function's outputs pass through a node whose transforms are the
// caller's. The node's inputs are the function's inputs, then its outputs; it forwards the outputs.
#include "core/utils.h"
#include "ingot/ops.h"
#include "ingot/transforms.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

class CustomTransforms : public PrimitiveBase<CustomTransforms> {
 public:
  static constexpr const char* kName = "CustomTransforms";  // not registered: never written to a file
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;
  static constexpr bool kMixedDtypes = true;
  CustomTransforms(int num_inputs, ArraysFn fun, CustomVjp fun_vjp, std::optional<CustomJvp> fun_jvp,
                   std::optional<CustomVmap> fun_vmap, bool exact)
      : num_inputs_(num_inputs), fun_(std::move(fun)), vjp_(std::move(fun_vjp)), jvp_(std::move(fun_jvp)),
        vmap_(std::move(fun_vmap)), exact_(exact) {}
  // Two nodes are equivalent only when they are the same node: the functions have no equality.
  auto state() const { return std::tuple(reinterpret_cast<uintptr_t>(this)); }

  std::vector<Shape> output_shapes(const Arrays& in) const override {
    std::vector<Shape> s;
    for (size_t i = num_inputs_; i < in.size(); ++i) s.push_back(in[i].shape());
    return s;
  }
  std::vector<Dtype> output_dtypes(const Arrays& in) const override {
    std::vector<Dtype> t;
    for (size_t i = num_inputs_; i < in.size(); ++i) t.push_back(in[i].dtype());
    return t;
  }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    for (size_t j = 0; j < out.size(); ++j) {
      const array& r = in[num_inputs_ + j];
      out[j].copy_shared_buffer(r, r.strides(), r.flags(), r.data_size());
    }
  }
  Arrays vjp(const Arrays& primals, const Arrays& cot, const std::vector<int>& argnums,
             const Arrays& outputs) const override {
    const Arrays args(primals.begin(), primals.begin() + num_inputs_);
    const Arrays all = vjp_(args, cot, outputs);
    if (all.size() != args.size())
      fail("custom_function", "the vjp returned ", all.size(), " cotangents for ", args.size(), " inputs.");
    Arrays out;
    for (int i : argnums) out.push_back(i < num_inputs_ ? all[i] : array());  // none into the forward graph
    return out;
  }
  Arrays jvp(const Arrays& primals, const Arrays& tangents, const std::vector<int>& argnums,
             const Arrays& outputs) const override {
    std::vector<int> nums;
    Arrays ts;
    for (size_t k = 0; k < argnums.size(); ++k)
      if (argnums[k] < num_inputs_) nums.push_back(argnums[k]), ts.push_back(tangents[k]);
    const Arrays args(primals.begin(), primals.begin() + num_inputs_);
    if (!jvp_) return rules::jvp_via(fun_, args, ts, nums);  // the function's own, as MLX
    return (*jvp_)(args, ts, nums);
  }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    if (!vmap_) return {};
    return (*vmap_)(Arrays(in.begin(), in.begin() + num_inputs_), std::vector<int>(axes.begin(), axes.begin() + num_inputs_));
  }
  int forwards_input(int output) const override { return exact_ ? num_inputs_ + output : -1; }

 private:
  int num_inputs_;
  ArraysFn fun_;
  CustomVjp vjp_;
  std::optional<CustomJvp> jvp_;
  std::optional<CustomVmap> vmap_;
  bool exact_;  // the vjp is the function's own derivative (checkpoint): export may keep the forward alone
};

ArraysFn wrap(ArraysFn fun, CustomVjp fun_vjp, std::optional<CustomJvp> fun_jvp, std::optional<CustomVmap> fun_vmap,
              bool exact) {
  return [=](const Arrays& args) {
    Arrays outs = fun(args);
    Arrays in = args;
    in.insert(in.end(), outs.begin(), outs.end());
    return make_multi<CustomTransforms>(std::move(in), static_cast<int>(args.size()), fun, fun_vjp, fun_jvp,
                                        fun_vmap, exact);
  };
}

}  // namespace

ArraysFn custom_function(ArraysFn fun, std::optional<CustomVjp> fun_vjp, std::optional<CustomJvp> fun_jvp,
                         std::optional<CustomVmap> fun_vmap) {
  // Without a vjp of its own, the function's: only jvp and vmap are the caller's.
  if (!fun_vjp)
    fun_vjp = [fun](const Arrays& primals, const Arrays& cot, const Arrays&) { return vjp(fun, primals, cot).second; };
  return wrap(std::move(fun), *fun_vjp, std::move(fun_jvp), std::move(fun_vmap), false);
}

ArraysFn custom_vjp(ArraysFn fun, CustomVjp fun_vjp) { return custom_function(std::move(fun), std::move(fun_vjp)); }

ArraysFn checkpoint(ArraysFn fun) {
  CustomVjp again = [fun](const Arrays& primals, const Arrays& cot, const Arrays&) {
    return vjp(fun, primals, cot).second;
  };
  return wrap(std::move(fun), std::move(again), std::nullopt, std::nullopt, true);
}

}  // namespace ingot
