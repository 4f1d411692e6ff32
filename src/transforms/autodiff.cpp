// Reverse and forward mode: vjp and jvp walk the graph a function builds, calling each primitive's rule;
// grad and value_and_grad are vjp with a cotangent of one; custom_function and checkpoint wrap a
// function in a node whose transforms are the caller's.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/graph.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "ingot/transforms.h"
#include "prims/primitive.h"
#include "transforms/rules.h"

namespace ingot {

namespace {

// The identity that gives each primal of a transform its own identity in the graph (the same array
// passed twice, or captured by an inner function, stays two variables). Export writes its input.
class Tracer : public PrimitiveBase<Tracer> {
 public:
  static constexpr const char* kName = "Tracer";
  static constexpr int kVersion = 1;
  static constexpr bool kFollowsShapes = true;
  static constexpr int kArity = 1;
  static constexpr bool kMixedDtypes = true;
  auto state() const { return std::tuple<>(); }
  std::vector<Shape> output_shapes(const Arrays& in) const override { return {in[0].shape()}; }
  void eval_cpu(const Arrays& in, Arrays& out) const override {
    out[0].copy_shared_buffer(in[0], in[0].strides(), in[0].flags(), in[0].data_size());
  }
  Arrays vjp(const Arrays&, const Arrays& cot, const std::vector<int>&, const Arrays&) const override { return cot; }
  Arrays jvp(const Arrays&, const Arrays& t, const std::vector<int>&, const Arrays&) const override { return t; }
  std::pair<Arrays, std::vector<int>> vmap(const Arrays& in, const std::vector<int>& axes) const override {
    return {in, axes};
  }
  int forwards_input(int) const override { return 0; }
};

// Every dtype but bool carries derivatives, as in MLX (an integer input's gradient is integer).
// Index-valued outputs (argmax, argsort, ...) carry none: their rules say so.
bool differentiable(Dtype t) { return t != bool_; }

// Derivatives through complex values need conjugation conventions the rules do not implement: refused.
void refuse_complex(const Node& n, const char* fn) {
  auto complex_in = [](const array& a) { return a.dtype() == complex64; };
  if (std::any_of(n.inputs.begin(), n.inputs.end(), complex_in) ||
      std::find(n.output_dtypes.begin(), n.output_dtypes.end(), complex64) != n.output_dtypes.end())
    fail(fn, "derivatives through complex64 values are not supported (primitive ", n.primitive->name(), ").");
}

Arrays tracers_of(const Arrays& primals, const char* fn) {
  Arrays t;
  t.reserve(primals.size());
  for (const auto& p : primals) {
    if (!p.valid()) fail(fn, "called with an empty array handle.");
    t.push_back(make<Tracer>({p}));
  }
  return t;
}

// The nodes above `outputs` that depend on `sources`, in topological order, and the ids of every
// array that depends on them (the sources included).
struct Dependents {
  std::vector<Node*> nodes;
  std::unordered_set<const void*> ids;
};
Dependents dependents(const Arrays& outputs, const Arrays& sources) {
  Dependents d;
  for (const auto& s : sources) d.ids.insert(s.id());
  auto enter = [&](const array& a) { return !d.ids.count(a.id()); };  // sources are leaves
  walk_graph(outputs, enter, [&](Node& n) {
    bool depends = false;
    for (const auto& in : n.inputs) depends = depends || d.ids.count(in.id());
    if (!depends) return;
    d.nodes.push_back(&n);
    for (auto& w : n.outputs)
      if (auto o = w.lock()) d.ids.insert(o.get());
  });
  return d;
}

// The node's outputs; one that was dropped (nothing downstream uses it) is built again over the same
// inputs, for rules that read outputs. It costs nothing unless a rule evaluates it.
Arrays outputs_of(Node& n) {
  Arrays outs;
  bool complete = true;
  for (auto& w : n.outputs) {
    if (auto d = w.lock()) outs.emplace_back(std::move(d));
    else outs.emplace_back(), complete = false;
  }
  if (complete) return outs;
  Arrays again = array::make_outputs(n.primitive, n.inputs, n.output_shapes, n.output_dtypes);
  for (size_t i = 0; i < outs.size(); ++i)
    if (!outs[i].valid()) outs[i] = again[i];
  return outs;
}

// Values per array id, holding the array so the id stays its own while the walk runs.
class Table {
 public:
  const array* find(const array& a) const {
    auto it = map_.find(a.id());
    return it == map_.end() ? nullptr : &it->second.second;
  }
  void add(const array& key, array v, const char* who) {
    if (!v.valid()) return;  // the rule's "none"
    if (v.shape() != key.shape())
      throw std::logic_error(std::string("[vjp] the rule of ") + who + " gave shape " + shape_str(v.shape()) +
                             " for an input of shape " + shape_str(key.shape()) + ".");
    if (v.dtype() != key.dtype()) v = astype(v, key.dtype());
    auto [it, fresh] = map_.try_emplace(key.id(), key, v);
    if (!fresh) it->second.second = add_arrays(it->second.second, v);
  }

 private:
  static array add_arrays(const array& a, const array& b) { return ingot::add(a, b); }
  std::unordered_map<const void*, std::pair<array, array>> map_;
};

void check_cotangents(const Arrays& outs, const Arrays& cots, const char* fn) {
  if (outs.size() != cots.size())
    fail(fn, "the function has ", outs.size(), " outputs but ", cots.size(), " cotangents were given.");
  for (size_t i = 0; i < outs.size(); ++i)
    if (outs[i].shape() != cots[i].shape())
      fail(fn, "cotangent ", i, " has shape ", cots[i].shape(), " but output ", i, " has shape ", outs[i].shape(), ".");
}

}  // namespace

namespace detail {

std::pair<Arrays, Arrays> vjp_impl(const ArraysFn& fun, const Arrays& primals, const CotangentsFor& cotangents_for,
                                   const char* fn) {
  KeepGraph keep;
  const Arrays tracers = tracers_of(primals, fn);
  Arrays outs = fun(tracers);
  for (const auto& o : outs)
    if (!o.valid()) fail(fn, "the function returned an empty array handle.");
  const Arrays cotangents = cotangents_for(outs);
  check_cotangents(outs, cotangents, fn);

  const Dependents dep = dependents(outs, tracers);
  Table cot;
  for (size_t i = 0; i < outs.size(); ++i)
    if (dep.ids.count(outs[i].id()) && differentiable(outs[i].dtype())) cot.add(outs[i], cotangents[i], fn);
  for (auto it = dep.nodes.rbegin(); it != dep.nodes.rend(); ++it) {
    Node& n = **it;
    const Arrays node_outs = outputs_of(n);
    Arrays cots;
    bool any = false;
    for (size_t i = 0; i < node_outs.size(); ++i) {
      const array* c = cot.find(node_outs[i]);
      any = any || c;
      cots.push_back(c ? *c : zeros(n.output_shapes[i], n.output_dtypes[i]));
    }
    if (!any) continue;
    std::vector<int> argnums;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (dep.ids.count(n.inputs[i].id()) && differentiable(n.inputs[i].dtype())) argnums.push_back(static_cast<int>(i));
    if (argnums.empty()) continue;
    refuse_complex(n, fn);
    Arrays in_cots = n.primitive->vjp(n.inputs, cots, argnums, node_outs);
    if (in_cots.size() != argnums.size())
      throw std::logic_error(std::string("[vjp] the rule of ") + n.primitive->name() + " gave " +
                             std::to_string(in_cots.size()) + " cotangents for " + std::to_string(argnums.size()) + " inputs.");
    for (size_t k = 0; k < argnums.size(); ++k) cot.add(n.inputs[argnums[k]], in_cots[k], n.primitive->name());
  }
  Arrays grads;
  for (size_t i = 0; i < primals.size(); ++i) {
    const array* c = cot.find(tracers[i]);
    grads.push_back(c ? *c : zeros_like(primals[i]));
  }
  return {std::move(outs), std::move(grads)};
}

}  // namespace detail

std::pair<Arrays, Arrays> vjp(const ArraysFn& fun, const Arrays& primals, const Arrays& cotangents) {
  return detail::vjp_impl(fun, primals, [&](const Arrays&) { return cotangents; }, "vjp");
}

std::pair<array, array> vjp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& cotangent) {
  auto [o, g] = vjp([&](const Arrays& a) { return Arrays{fun(a[0])}; }, {primal}, {cotangent});
  return {o[0], g[0]};
}

std::pair<Arrays, Arrays> jvp(const ArraysFn& fun, const Arrays& primals, const Arrays& tangents) {
  if (primals.size() != tangents.size())
    fail("jvp", primals.size(), " primals but ", tangents.size(), " tangents were given.");
  for (size_t i = 0; i < primals.size(); ++i)
    if (tangents[i].shape() != primals[i].shape())
      fail("jvp", "tangent ", i, " has shape ", tangents[i].shape(), " but primal ", i, " has shape ",
           primals[i].shape(), ".");
  KeepGraph keep;
  const Arrays tracers = tracers_of(primals, "jvp");
  Arrays outs = fun(tracers);
  for (const auto& o : outs)
    if (!o.valid()) fail("jvp", "the function returned an empty array handle.");
  const Dependents dep = dependents(outs, tracers);
  std::unordered_map<const void*, std::pair<array, array>> tan;
  for (size_t i = 0; i < tracers.size(); ++i)
    if (differentiable(primals[i].dtype()))
      tan.try_emplace(tracers[i].id(), tracers[i], astype(tangents[i], primals[i].dtype()));
  for (Node* np : dep.nodes) {
    Node& n = *np;
    std::vector<int> argnums;
    Arrays ts;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (auto it = tan.find(n.inputs[i].id()); it != tan.end()) {
        argnums.push_back(static_cast<int>(i));
        ts.push_back(it->second.second);
      }
    if (argnums.empty()) continue;
    // Bool outputs have no tangents.
    if (std::none_of(n.output_dtypes.begin(), n.output_dtypes.end(), differentiable)) continue;
    refuse_complex(n, "jvp");
    Arrays node_outs = outputs_of(n);
    Arrays out_t = n.primitive->jvp(n.inputs, ts, argnums, node_outs);
    for (size_t i = 0; i < node_outs.size() && i < out_t.size(); ++i)
      if (node_outs[i].valid() && differentiable(node_outs[i].dtype()))
        tan.try_emplace(node_outs[i].id(), node_outs[i], astype(out_t[i], node_outs[i].dtype()));
  }
  Arrays out_tangents;
  for (const auto& o : outs) {
    auto it = tan.find(o.id());
    // A bool output's tangent is zero in the tangents' dtype (as MLX), so that it composes with them.
    const Dtype t = differentiable(o.dtype()) ? o.dtype() : (tangents.empty() ? float32 : tangents[0].dtype());
    out_tangents.push_back(it == tan.end() ? zeros_like(o, t) : it->second.second);
  }
  return {std::move(outs), std::move(out_tangents)};
}

std::pair<array, array> jvp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& tangent) {
  auto [o, t] = jvp([&](const Arrays& a) { return Arrays{fun(a[0])}; }, {primal}, {tangent});
  return {o[0], t[0]};
}

// The rules' defaults.
Arrays Primitive::vjp(const Arrays&, const Arrays&, const std::vector<int>&, const Arrays&) const {
  throw std::invalid_argument(std::string("[vjp] primitive ") + name() + " has no vjp: it cannot be differentiated.");
}

Arrays Primitive::jvp(const Arrays& primals, const Arrays& tangents, const std::vector<int>& argnums,
                      const Arrays& outputs) const {
  Arrays zero_cots;
  for (const auto& o : outputs) zero_cots.push_back(zeros(o.shape(), o.dtype()));
  auto linear = [&](const Arrays& u) {
    Arrays c = vjp(primals, u, argnums, outputs);
    for (size_t k = 0; k < c.size(); ++k)
      if (!c[k].valid()) c[k] = zeros_like(primals[argnums[k]]);  // "none" is a zero cotangent
    return c;
  };
  return detail::vjp_impl(linear, zero_cots, [&](const Arrays&) { return tangents; }, "jvp").second;
}

std::pair<Arrays, std::vector<int>> Primitive::vmap(const Arrays&, const std::vector<int>&) const { return {}; }

// ---- grad and value_and_grad ----

namespace {
std::vector<int> checked_argnums(const std::vector<int>& argnums, size_t n, const char* fn) {
  if (argnums.empty()) fail(fn, "argnums is empty: there is nothing to differentiate with respect to.");
  std::vector<int> out;
  for (int a : argnums) {
    if (a < 0 || static_cast<size_t>(a) >= n)
      fail(fn, "argnum ", a, " is out of range for a function called with ", n, " arguments.");
    if (std::find(out.begin(), out.end(), a) != out.end()) fail(fn, "argnum ", a, " is repeated.");
    out.push_back(a);
  }
  return out;
}
}  // namespace

namespace {
// value_and_grad, with errors naming `fn` (grad or value_and_grad).
ValueAndGradFn value_and_grad_named(const ArraysFn& fun, const std::vector<int>& argnums, const char* fn) {
  return [fun, argnums, fn](const Arrays& inputs) {
    const auto nums = checked_argnums(argnums, inputs.size(), fn);
    Arrays primals;
    for (int a : nums) primals.push_back(inputs[a]);
    auto partial = [&](const Arrays& p) {
      Arrays all = inputs;
      for (size_t k = 0; k < nums.size(); ++k) all[nums[k]] = p[k];
      Arrays outs = fun(all);
      if (outs.empty()) fail(fn, "the function must return at least one array.");
      if (outs[0].ndim() != 0)
        fail(fn, "the function's first output must be a scalar (the loss), got shape ", outs[0].shape(), ".");
      return outs;
    };
    // A cotangent of one for the loss; the other outputs (aux values) get none.
    auto cots = [](const Arrays& outs) {
      Arrays c{ones_like(outs[0])};
      for (size_t i = 1; i < outs.size(); ++i) c.push_back(zeros_like(outs[i]));
      return c;
    };
    return detail::vjp_impl(partial, primals, cots, fn);
  };
}

SimpleValueAndGradFn simple_named(const std::function<array(const Arrays&)>& fun, const std::vector<int>& argnums,
                                  const char* fn) {
  auto vg = value_and_grad_named([fun](const Arrays& a) { return Arrays{fun(a)}; }, argnums, fn);
  return [vg](const Arrays& inputs) {
    auto [v, g] = vg(inputs);
    return std::make_pair(v[0], g);
  };
}
}  // namespace

ValueAndGradFn value_and_grad(const ArraysFn& fun, const std::vector<int>& argnums) {
  return value_and_grad_named(fun, argnums, "value_and_grad");
}

ValueAndGradFn value_and_grad(const ArraysFn& fun, int argnum) { return value_and_grad(fun, std::vector<int>{argnum}); }

SimpleValueAndGradFn value_and_grad(const std::function<array(const Arrays&)>& fun, const std::vector<int>& argnums) {
  return simple_named(fun, argnums, "value_and_grad");
}

SimpleValueAndGradFn value_and_grad(const std::function<array(const Arrays&)>& fun, int argnum) {
  return value_and_grad(fun, std::vector<int>{argnum});
}

std::function<std::pair<array, array>(const array&)> value_and_grad(const std::function<array(const array&)>& fun) {
  auto vg = value_and_grad([fun](const Arrays& a) { return fun(a[0]); }, 0);
  return [vg](const array& x) {
    auto [v, g] = vg({x});
    return std::make_pair(v, g[0]);
  };
}

GradFn grad(const std::function<array(const Arrays&)>& fun, const std::vector<int>& argnums) {
  auto vg = simple_named(fun, argnums, "grad");
  return [vg](const Arrays& inputs) { return vg(inputs).second; };
}

std::function<array(const Arrays&)> grad(const std::function<array(const Arrays&)>& fun, int argnum) {
  auto vg = simple_named(fun, {argnum}, "grad");
  return [vg](const Arrays& inputs) { return vg(inputs).second[0]; };
}

std::function<array(const array&)> grad(const std::function<array(const array&)>& fun) {
  auto vg = simple_named([fun](const Arrays& a) { return fun(a[0]); }, {0}, "grad");
  return [vg](const array& x) { return vg({x}).second[0]; };
}

}  // namespace ingot
