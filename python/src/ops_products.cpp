// Products: matmul, addmm, gather_mm, block_masked_mm, outer, inner, tensordot, einsum.
#include <string>
#include <vector>

#include "axes.h"

namespace ingot::py {

void init_ops_products(nb::module_& m) {
  m.def(
      "matmul", [](const Operand& a, const Operand& b) { return matmul(arr(a), arr(b)); }, "a"_a, "b"_a,
      "The matrix product, numpy's rules: 1-D operands gain an axis that is then dropped, leading axes "
      "broadcast. Floating point only.");
  m.def(
      "addmm",
      [](const Operand& c, const Operand& a, const Operand& b, float alpha, float beta) {
        return addmm(arr(c), arr(a), arr(b), alpha, beta);
      },
      "c"_a, "a"_a, "b"_a, "alpha"_a = 1.0f, "beta"_a = 1.0f, "alpha * (a @ b) + beta * c.");
  m.def(
      "gather_mm",
      [](const Operand& a, const Operand& b, const std::optional<array>& lhs, const std::optional<array>& rhs,
         bool sorted) { return gather_mm(arr(a), arr(b), lhs, rhs, sorted); },
      "a"_a, "b"_a, "lhs_indices"_a = nb::none(), "rhs_indices"_a = nb::none(), nb::kw_only(),
      "sorted_indices"_a = false,
      "Matrix products of the matrices of ``a`` and ``b`` picked by ``lhs_indices`` / ``rhs_indices`` from "
      "their flattened batches (the index arrays broadcast; a missing one is its operand's own batch). "
      "``sorted_indices`` is a hint.");
  m.def(
      "block_masked_mm",
      [](const Operand& a, const Operand& b, int block_size, const std::optional<array>& mask_out,
         const std::optional<array>& mask_lhs, const std::optional<array>& mask_rhs) {
        return block_masked_mm(arr(a), arr(b), block_size, mask_out, mask_lhs, mask_rhs);
      },
      "a"_a, "b"_a, "block_size"_a = 64, "mask_out"_a = nb::none(), "mask_lhs"_a = nb::none(),
      "mask_rhs"_a = nb::none(),
      "The matrix product with blocks of ``block_size`` (32 or 64) of a, b and the result masked: a bool "
      "mask zeroes the blocks where it is False, a float mask scales them. Masks end in (ceil(rows / "
      "block_size), ceil(cols / block_size)) of what they mask.");
  m.def(
      "outer", [](const Operand& a, const Operand& b) { return outer(arr(a), arr(b)); }, "a"_a, "b"_a,
      "The outer product of the flattened operands: a[i] * b[j].");
  m.def(
      "inner", [](const Operand& a, const Operand& b) { return inner(arr(a), arr(b)); }, "a"_a, "b"_a,
      "The inner product over the last axes of a and b (a 0-d operand multiplies).");
  m.def(
      "tensordot",
      [](const Operand& a, const Operand& b, const std::variant<int, std::vector<AxisList>>& axes) {
        if (const int* n = std::get_if<int>(&axes)) return tensordot(arr(a), arr(b), *n);
        const auto& pair = std::get<std::vector<AxisList>>(axes);
        if (pair.size() != 2)
          throw nb::value_error("[tensordot] axes must be an int or a list of two lists of axes.");
        return tensordot(arr(a), arr(b), axes_of(pair[0]), axes_of(pair[1]));
      },
      "a"_a, "b"_a, "axes"_a = 2,
      "The sum of products over axes: an int n contracts the last n axes of a with the first n of b; a list "
      "[axes_a, axes_b] contracts those axes pairwise.");
  m.def(
      "einsum",
      [](const std::string& subscripts, nb::args operands) {
        Arrays xs;
        for (nb::handle h : operands) xs.push_back(to_array(h));
        return einsum(subscripts, xs);
      },
      "subscripts"_a, "operands"_a,
      "Einstein summation over the operands as numpy's einsum (\"ij,jk->ik\", implicit output, '...').");
}

}  // namespace ingot::py
