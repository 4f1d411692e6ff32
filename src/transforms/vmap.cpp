// vmap: the function is traced once on unbatched placeholders, then its graph is replayed over the
// batched inputs, each node through its primitive's batching rule or, without one, once per batch
// entry with the results stacked.
#include <unordered_map>

#include "core/graph.h"
#include "core/utils.h"
#include "ingot/ops.h"
#include "ingot/transforms.h"
#include "prims/primitive.h"

namespace ingot {

namespace {

struct Batched {
  array value;
  int axis;
};

// The node run once per entry of the batch, the results stacked along a new axis 0.
std::pair<Arrays, std::vector<int>> per_entry(const Node& n, const Arrays& in, const std::vector<int>& axes,
                                              int64_t size) {
  std::vector<Arrays> rows(n.outputs.size());
  for (int64_t b = 0; b < size; ++b) {
    Arrays entry;
    for (size_t i = 0; i < in.size(); ++i) entry.push_back(axes[i] < 0 ? in[i] : take(in[i], b, axes[i]));
    Arrays outs = array::make_outputs(n.primitive, entry, n.primitive->output_shapes(entry),
                                      n.primitive->output_dtypes(entry));
    for (size_t j = 0; j < outs.size(); ++j) rows[j].push_back(outs[j]);
  }
  Arrays stacked;
  for (auto& r : rows) stacked.push_back(stack(r, 0));
  return {stacked, std::vector<int>(stacked.size(), 0)};
}

}  // namespace

ArraysFn vmap(const ArraysFn& fun, const std::vector<int>& in_axes, const std::vector<int>& out_axes) {
  return [=](const Arrays& inputs) {
    if (!in_axes.empty() && in_axes.size() != inputs.size())
      fail("vmap", in_axes.size(), " input axes were given for ", inputs.size(), " inputs.");
    int64_t size = -1;
    Arrays placeholders;
    std::unordered_map<const void*, Batched> batched;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const array& x = inputs[i];
      if (!x.valid()) fail("vmap", "called with an empty array handle.");
      int ax = in_axes.empty() ? 0 : in_axes[i];
      if (ax < 0) {
        placeholders.push_back(x);
        continue;
      }
      if (ax >= x.ndim())
        fail("vmap", "in_axes[", i, "] = ", ax, " is out of range for input ", i, " with shape ", x.shape(), ".");
      if (size >= 0 && x.shape(ax) != size)
        fail("vmap", "inputs have different sizes along their mapped axes: ", size, " and ", x.shape(ax), ".");
      size = x.shape(ax);
      Shape s = x.shape();
      s.erase(s.begin() + ax);
      array p = array::placeholder(s, x.dtype());
      batched.emplace(p.id(), Batched{x, ax});
      placeholders.push_back(p);
    }
    if (size < 0) fail("vmap", "at least one input must be mapped (an axis other than -1).");
    Arrays outs = fun(placeholders);
    if (!out_axes.empty() && out_axes.size() != outs.size())
      fail("vmap", out_axes.size(), " output axes were given for ", outs.size(), " outputs.");

    // Replay the nodes that depend on a mapped input, in order; the others are used as they are.
    std::unordered_map<const void*, array> hold;  // keeps the ids in `batched` our own
    auto enter = [&](const array& a) { return !batched.count(a.id()); };
    walk_graph(outs, enter, [&](Node& n) {
      Arrays in;
      std::vector<int> axes;
      bool any = false;
      for (const auto& x : n.inputs) {
        auto it = batched.find(x.id());
        any = any || it != batched.end();
        in.push_back(it == batched.end() ? x : it->second.value);
        axes.push_back(it == batched.end() ? -1 : it->second.axis);
      }
      if (!any) return;
      auto [res, res_axes] = n.primitive->vmap(in, axes);
      if (res.empty()) std::tie(res, res_axes) = per_entry(n, in, axes, size);
      for (size_t j = 0; j < n.outputs.size(); ++j)
        if (auto d = n.outputs[j].lock()) {
          array o(std::move(d));
          hold.emplace(o.id(), o);
          batched.emplace(o.id(), Batched{res[j], res_axes[j]});
        }
    });

    Arrays results;
    for (size_t j = 0; j < outs.size(); ++j) {
      const int want = out_axes.empty() ? 0 : out_axes[j];
      auto it = batched.find(outs[j].id());
      array r = it == batched.end() ? broadcast_to(expand_dims(outs[j], 0), [&] {
        Shape s = outs[j].shape();
        s.insert(s.begin(), size);
        return s;
      }())
                                    : it->second.value;
      const int have = it == batched.end() ? 0 : it->second.axis;
      if (want < 0 || want > r.ndim() - 1)
        fail("vmap", "out_axes[", j, "] = ", want, " is out of range for an output with ", r.ndim(), " dimensions.");
      results.push_back(have == want ? r : moveaxis(r, have, want));
    }
    return results;
  };
}

std::function<array(const array&)> vmap(const std::function<array(const array&)>& fun, int in_axis, int out_axis) {
  auto f = vmap([fun](const Arrays& a) { return Arrays{fun(a[0])}; }, {in_axis}, {out_axis});
  return [f](const array& x) { return f({x})[0]; };
}

std::function<array(const array&, const array&)> vmap(const std::function<array(const array&, const array&)>& fun,
                                                      int in_axis_a, int in_axis_b, int out_axis) {
  auto f = vmap([fun](const Arrays& a) { return Arrays{fun(a[0], a[1])}; }, {in_axis_a, in_axis_b}, {out_axis});
  return [f](const array& a, const array& b) { return f({a, b})[0]; };
}

}  // namespace ingot
