"""The tensor workloads' ``c`` backend: their kernels in plain C (``harness.core.c_build``).

``HEADER`` is the C restatement of ``indexing.py``, ``operators.py``, ``elementwise.py``
and ``numba_exp.py`` that the Cython backend has in its ``.pxd`` files: MiniTorch's index
helpers, the ops by code, and the tuned algorithm's polynomial exp (the same constants,
Cody-Waite reduction and degree-13 polynomial, so C runs Numba's and Cython's arithmetic
on the fast path). Its floor is libm's ``floor``: compiled for the host CPU, which has a
vector floor, the loop over it vectorises (Cython's port, built with the same flags, is
the same code). Each
workload's ``c_impl.py`` appends its kernels and loads the whole.

The serial backends split their outer loop into chunks only so that their loops mirror
numba_parallel's; C runs one thread, so it walks the outputs in one piece: the same
elements in the same order, the same result.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

from harness.core.c_build import load

from .tensor import StridedTensor

MAX_DIMS = 32

HEADER = r"""
#include <stdint.h>
#include <string.h>
#include <math.h>

#define MAX_DIMS 32

static inline int64_t index_to_position(const int64_t *index, const int64_t *strides, int64_t ndim)
{
    int64_t position = 0;
    for (int64_t dim = 0; dim < ndim; dim++) position += index[dim] * strides[dim];
    return position;
}

static inline void to_index(int64_t ordinal, const int64_t *shape, int64_t ndim, int64_t *out_index)
{
    int64_t remaining = ordinal;
    for (int64_t dim = ndim - 1; dim >= 0; dim--) {
        out_index[dim] = remaining % shape[dim];
        remaining = remaining / shape[dim];
    }
}

static inline void broadcast_index(const int64_t *big_index, int64_t big_ndim,
                                   const int64_t *shape, int64_t ndim, int64_t *out_index)
{
    int64_t offset = big_ndim - ndim;
    for (int64_t dim = 0; dim < ndim; dim++) out_index[dim] = shape[dim] > 1 ? big_index[dim + offset] : 0;
}

static inline double apply_unary(int code, double x)
{
    if (code == 0) return -x;
    if (code == 1) return exp(x);
    if (code == 2) return x > 0.0 ? x : 0.0;
    return 1.0 / (1.0 + exp(-x));
}

static inline double apply_binary(int code, double x, double y)
{
    if (code == 0) return x + y;
    if (code == 1) return x * y;
    return x < y ? 1.0 : 0.0;
}

static inline double larger(double x, double y) { return x > y ? x : y; }

static inline double apply_reduce(int code, double accumulator, double x)
{
    return code == 0 ? accumulator + x : larger(accumulator, x);
}

static inline double power_of_two(int64_t exponent)
{
    uint64_t bits = ((uint64_t)(exponent + 1023)) << 52;
    double value;
    memcpy(&value, &bits, sizeof(double));
    return value;
}

static inline double vectorisable_exp(double x)
{
    double clamped = x > -746.0 ? x : -746.0;
    clamped = clamped < 710.0 ? clamped : 710.0;
    double scaled = clamped * 1.4426950408889634 + 0.5;
    double n = floor(scaled);  /* the host CPU has a vector floor: GCC vectorises the loop */
    int64_t whole = (int64_t)n;
    double r = (clamped - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int64_t half = whole >> 1;
    double result = p * power_of_two(half) * power_of_two(whole - half);
    result = x > 709.782712893384 ? INFINITY : result;
    result = x < -745.1332191019412 ? 0.0 : result;
    return x != x ? x : result;
}

static inline double apply_unary_vectorisable(int code, double x)
{
    if (code == 0) return -x;
    if (code == 1) return vectorisable_exp(x);
    if (code == 2) return x > 0.0 ? x : 0.0;
    return 1.0 / (1.0 + vectorisable_exp(-x));
}

static inline int64_t last_step(const int64_t *shape, const int64_t *strides, int64_t ndim)
{
    return shape[ndim - 1] > 1 ? strides[ndim - 1] : 0;
}

static inline int64_t row_count(const int64_t *shape, int64_t ndim)
{
    int64_t rows = 1;
    for (int64_t dim = 0; dim < ndim - 1; dim++) rows *= shape[dim];
    return rows;
}

static inline int same_layout(const int64_t *out_shape, const int64_t *out_strides, int64_t out_ndim,
                              const int64_t *in_shape, const int64_t *in_strides, int64_t in_ndim)
{
    if (out_ndim != in_ndim) return 0;
    for (int64_t dim = 0; dim < out_ndim; dim++)
        if (out_shape[dim] != in_shape[dim] || out_strides[dim] != in_strides[dim]) return 0;
    return 1;
}
"""


def tensor_arguments(tensor: StridedTensor) -> tuple[int, int, int, int]:
    """A tensor as a C kernel takes it: storage, shape and strides pointers, then its number of dims."""
    if tensor.shape.size > MAX_DIMS:
        raise ValueError(f"the c backend takes tensors of at most {MAX_DIMS} dims, not {tensor.shape.size}")
    return (tensor.storage.ctypes.data, tensor.shape.ctypes.data, tensor.strides.ctypes.data, int(tensor.shape.size))


TENSOR = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)


def c_function(name: str, source: str, function: str, argtypes: Sequence[object]) -> ctypes._CFuncPtr:
    """``function`` of the library built from ``HEADER`` and ``source``, with its argument types."""
    kernel = getattr(load(name, HEADER + source), function)
    kernel.argtypes = list(argtypes)
    kernel.restype = None
    return kernel
