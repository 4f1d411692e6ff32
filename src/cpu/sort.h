// Sorting, partitioning and binary search along one axis, for arrays of any layout.
// Order is numpy's: ascending, NaN after every number (all NaNs tie), -0 and +0 tie.
#pragma once

#include <cstdint>

#include "ingot/array.h"

namespace ingot::cpu {

enum class SortKind : uint8_t {
  sort,          // the sorted values (stable)
  argsort,       // uint32 indices of the stable sort
  partition,     // values with the kth smallest at kth, smaller ones before, larger ones after
  argpartition,  // uint32 indices of such a partition
  topk,          // the k largest values in ascending order (out's axis has extent k)
};

// Fills `out` (shape of `in`, with extent k along `axis` for topk) with fresh dense storage in which
// `axis` is innermost: every row is sorted in place where it lies, with no transposing copy back.
// The kth of a partition lies in [0, n); k of topk in [0, n]. Ties in argsort/argpartition keep
// index order, so results are deterministic.
void sort(const array& in, array& out, int axis, SortKind kind, int64_t kth);

// out (uint32, the shape of `values`) = for each value the count of elements of the 1-D `sorted`
// that order before it (side left), or that do not order after it (right). Both of one dtype.
void searchsorted(const array& sorted, const array& values, array& out, bool right);

}  // namespace ingot::cpu
