#include "transforms/rules.h"

#include "core/utils.h"
#include "ingot/ops.h"

namespace ingot::rules {

Arrays zero_tangents(const Arrays& outputs) {
  Arrays t;
  for (const auto& o : outputs) t.push_back(zeros_like(o));
  return t;
}

// Sums, no reshape: the result follows shapes in a shapeless trace.
array unbroadcast(const array& cot, const Shape& shape) {
  if (cot.shape() == shape) return cot;
  const int extra = cot.ndim() - static_cast<int>(shape.size());
  std::vector<int> leading, stretched;
  for (int i = 0; i < cot.ndim(); ++i) {
    if (i < extra) leading.push_back(i);
    else if (shape[i - extra] == 1 && cot.shape(i) != 1) stretched.push_back(i - extra);
  }
  array r = leading.empty() ? cot : sum(cot, leading, false);
  return stretched.empty() ? r : sum(r, stretched, true);
}

namespace {
// fun restricted to the inputs at argnums, the others held fixed.
ArraysFn partial(const ArraysFn& fun, const Arrays& primals, const std::vector<int>& argnums) {
  return [=](const Arrays& p) {
    Arrays all = primals;
    for (size_t k = 0; k < argnums.size(); ++k) all[argnums[k]] = p[k];
    return fun(all);
  };
}
Arrays pick(const Arrays& a, const std::vector<int>& argnums) {
  Arrays out;
  for (int i : argnums) out.push_back(a[i]);
  return out;
}
}  // namespace

Arrays vjp_via(const ArraysFn& decomposition, const Arrays& primals, const Arrays& cotangents,
               const std::vector<int>& argnums) {
  return detail::vjp_impl(partial(decomposition, primals, argnums), pick(primals, argnums),
                          [&](const Arrays&) { return cotangents; }, "vjp")
      .second;
}

Arrays jvp_via(const ArraysFn& decomposition, const Arrays& primals, const Arrays& tangents,
               const std::vector<int>& argnums) {
  return jvp(partial(decomposition, primals, argnums), pick(primals, argnums), tangents).second;
}

Arrays align_batched(const Arrays& in, const std::vector<int>& axes, int rank) {
  for (size_t i = 0; i < in.size(); ++i) rank = std::max(rank, in[i].ndim() - (axes[i] >= 0 ? 1 : 0));
  Arrays out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (axes[i] < 0) {
      out.push_back(in[i]);
      continue;
    }
    array x = moveaxis(in[i], axes[i], 0);
    std::vector<int> ones;  // new axes after the batch axis (expand_dims follows shapes when shapeless)
    for (int k = 0; k < rank - (x.ndim() - 1); ++k) ones.push_back(k + 1);
    out.push_back(ones.empty() ? x : expand_dims(x, ones));
  }
  return out;
}

array batch_first(const array& x, int axis) { return axis == 0 ? x : moveaxis(x, axis, 0); }

Arrays all_batch_first(const Arrays& in, const std::vector<int>& axes) {
  int64_t n = 1;
  for (size_t i = 0; i < in.size(); ++i)
    if (axes[i] >= 0) n = in[i].shape(axes[i]);
  Arrays out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (axes[i] >= 0) {
      out.push_back(batch_first(in[i], axes[i]));
      continue;
    }
    Shape s = in[i].shape();
    s.insert(s.begin(), n);
    out.push_back(broadcast_to(expand_dims(in[i], 0), s));
  }
  return out;
}

}  // namespace ingot::rules
