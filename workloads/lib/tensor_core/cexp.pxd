# cython: language_level=3
"""Cython port of ``numba_exp.py``: exp in plain arithmetic and selects, as the tuned map uses it.

The tuned algorithm's same-layout fast path computes exp and sigmoid with this
polynomial in every compiled backend, so Cython runs the same arithmetic as Numba there
(Cody-Waite reduction by ln 2, the degree-13 Taylor polynomial, 2^n from its bits, inf,
0 and NaN by selects); the constants are ``numba_exp``'s, and the C of the c backend
(``c_kernels.py``) is the same. The extensions are built for the host CPU with
``-fno-trapping-math`` (setup.py, ``harness.core.c_build.OPTIMISE``): libm's ``floor``
becomes the CPU's vector round, the selects vector compares, and GCC vectorises a loop
over this exp; where the CPU has FMA, the Horner steps fuse, as Numba's do under
``fastmath={"contract"}``. Within 1 unit in the last place of NumPy's exp
(``tests/workloads/test_tensor_cython_exp.py``).
"""

cimport cython
from libc.math cimport INFINITY, floor
from libc.stdint cimport uint64_t
from libc.string cimport memcpy


cdef inline double power_of_two(int exponent) noexcept nogil:
    """2.0 ** exponent for -1022 <= exponent <= 1023, from its bits."""
    cdef uint64_t bits = (<uint64_t>(exponent + 1023)) << 52
    cdef double value
    memcpy(&value, &bits, sizeof(double))
    return value


@cython.cdivision(True)  # a .pxd's functions do not take the directives of the .pyx that cimports it
cdef inline double vectorisable_exp(double x) noexcept nogil:
    # numba_exp's clamp; written as comparisons so that NaN becomes -746.0, not a NaN
    # converted to an integer below (undefined in C); the last select returns NaN
    cdef double clamped = x if x > -746.0 else -746.0
    clamped = clamped if clamped < 710.0 else 710.0
    cdef double scaled = clamped * 1.4426950408889634 + 0.5  # LOG2_E
    cdef double n = floor(scaled)  # |scaled| < 1100
    cdef int whole = <int>n
    # LN2_HIGH (its low 32 bits are zero, so n * LN2_HIGH is exact), then LN2_LOW
    cdef double r = (clamped - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10
    cdef double p = 1.0 / 6227020800.0  # 1/13!, then Horner down to 1/0!
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    # 2^n in two normal factors, so a subnormal result is rounded once, by the last multiply
    cdef int half = whole >> 1
    cdef double result = p * power_of_two(half) * power_of_two(whole - half)
    result = INFINITY if x > 709.782712893384 else result  # OVERFLOW_ABOVE
    result = 0.0 if x < -745.1332191019412 else result  # UNDERFLOW_BELOW
    return x if x != x else result


@cython.cdivision(True)
cdef inline double vectorisable_sigmoid(double x) noexcept nogil:
    return 1.0 / (1.0 + vectorisable_exp(-x))


cdef inline double apply_unary_vectorisable(int code, double x) noexcept nogil:
    """``cindexing.apply_unary`` with this exp for exp and sigmoid."""
    if code == 0:
        return -x
    if code == 1:
        return vectorisable_exp(x)
    if code == 2:
        return x if x > 0.0 else 0.0
    return vectorisable_sigmoid(x)
