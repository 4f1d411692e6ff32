// Sorting and searching: sort, argsort, partition, argpartition, topk, searchsorted.
#include "convert.h"

namespace ingot::py {

void init_ops_sort(nb::module_& m) {
  m.def(
      "sort", [](const array& a, std::optional<int> axis) { return ingot::sort(a, axis); }, "a"_a,
      "axis"_a = -1,
      "The array sorted along ``axis`` (the flattened array when None), ascending with NaN last; stable.");
  m.def(
      "argsort", [](const array& a, std::optional<int> axis) { return ingot::argsort(a, axis); }, "a"_a,
      "axis"_a = -1,
      "The uint32 indices that sort ``a`` along ``axis`` (the flattened array when None); ties keep their "
      "index order.");
  m.def(
      "partition",
      [](const array& a, int64_t kth, std::optional<int> axis) { return ingot::partition(a, kth, axis); }, "a"_a,
      "kth"_a, "axis"_a = -1,
      "A partial sort along ``axis`` (flattened when None): the element at index ``kth`` (negative counts from "
      "the end) is the one a full sort puts there, smaller ones come before it and larger ones after, in no "
      "particular order.");
  m.def(
      "argpartition",
      [](const array& a, int64_t kth, std::optional<int> axis) { return ingot::argpartition(a, kth, axis); },
      "a"_a, "kth"_a, "axis"_a = -1,
      "The uint32 indices that partition ``a`` along ``axis`` around ``kth`` (see :func:`partition`).");
  m.def(
      "topk", [](const array& a, int k, std::optional<int> axis) { return ingot::topk(a, k, axis); }, "a"_a,
      "k"_a, "axis"_a = -1,
      "The ``k`` largest elements along ``axis`` (flattened when None), in ascending order.");
  m.def(
      "searchsorted",
      [](const array& sorted_sequence, const Operand& values, const std::string& side) {
        return ingot::searchsorted(sorted_sequence, values, side);
      },
      "sorted_sequence"_a, "values"_a, "side"_a = "left",
      "The uint32 indices (shape of ``values``) where ``values`` would be inserted into the ascending 1-D "
      "``sorted_sequence`` to keep it sorted: ``side='left'`` counts the elements less than each value, "
      "``'right'`` those less than or equal to it.");
}

}  // namespace ingot::py
