// Batched matrix products over strided matrices: OpenBLAS for float32/float64 (halves through float32),
// a plain loop kernel for integers and bool. Knows nothing about primitives.
#pragma once

#include <cstdint>

#include "ingot/array.h"

namespace ingot::cpu {

// A batch of matrices in one buffer: element (batch index n..., i, j) lies at
// data + sum(n_d * batch_strides[d]) + i * row_stride + j * col_stride (in elements, any sign).
// Strides of size-1 dimensions are never used.
struct MatrixBatch {
  const void* data = nullptr;
  Strides batch_strides;  // one per dimension of the batch shape, 0 where broadcast
  int64_t row_stride = 0;
  int64_t col_stride = 0;
};

// For every batch entry: out = alpha * (a @ b) + beta * out, with a of M x K, b of K x N and out dense
// row-major batch + (M, N), all of dtype t. beta == 0 never reads out. Integers wrap and bool is
// or-of-and; both ignore alpha and beta (callers pass 1 and 0).
void matmul(Dtype t, const Shape& batch, int64_t M, int64_t N, int64_t K, const MatrixBatch& a, const MatrixBatch& b,
            void* out, float alpha = 1.0f, float beta = 0.0f);

}  // namespace ingot::cpu
