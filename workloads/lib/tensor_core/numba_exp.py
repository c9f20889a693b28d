"""An ``exp`` for Numba CPU kernels that LLVM can vectorise (NumPy's exp is SIMD; libm's is not).

Numba lowers ``math.exp`` to a call of libm's scalar ``exp``, which keeps a loop from
vectorising. Numba used Intel's SVML vector functions instead, but only with an
llvmlite built with the SVML patch, which no release since Numba 0.62 has (llvmlite
reports ``has_svml() == False``; installing ``intel-cmplr-lib-rt`` does not change it).
So this is exp written out in arithmetic only, the textbook way (as fdlibm and NumPy's
AVX-512 routine do): ``exp(x) = 2^n * exp(r)`` with ``n = round(x / ln 2)`` and
``|r| <= ln(2) / 2`` (Cody-Waite: ``ln 2`` split in two so ``n * LN2_HIGH`` is exact),
``exp(r)`` by its Taylor polynomial to degree 13 (truncation below 0.05 units in the
last place), and ``2^n`` built from its bits. Out-of-range inputs are handled with
selects, not branches: above the overflow threshold inf, below the underflow threshold
0, NaN in NaN out. Within 1 unit in the last place of NumPy's exp (``tests/workloads/
test_tensor_numba_exp.py``); kernels that inline it may allow FMA contraction
(``fastmath={"contract"}``), nothing that assumes away NaN or inf.

Imported only by Numba implementation modules (through ``numba_helpers``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

LOG2_E = 1.4426950408889634
LN2_HIGH = 6.93147180369123816490e-01  # fdlibm's ln2_hi: its low 32 bits are zero
LN2_LOW = 1.90821492927058770002e-10  # ln 2 - LN2_HIGH
OVERFLOW_ABOVE = 709.782712893384  # exp(x) > largest float64 above this
UNDERFLOW_BELOW = -745.1332191019412  # exp(x) < half the smallest subnormal below this


@intrinsic
def float64_from_bits(typingctx: Any, bits: Any) -> Any:
    """The float64 whose IEEE bit pattern is the int64 ``bits`` (a bitcast, no conversion)."""
    signature = types.float64(types.int64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return signature, codegen


@njit(inline="always")
def power_of_two(exponent: int) -> float:
    """2.0 ** exponent for -1022 <= exponent <= 1023, from its bits."""
    return float64_from_bits((exponent + 1023) << 52)


@njit(inline="always")
def vectorisable_exp(x: float) -> float:
    """exp(x) in plain arithmetic and selects, so a loop calling it vectorises."""
    clamped = min(max(x, -746.0), 710.0)  # keeps n in range; the selects below fix the ends
    n = math.floor(clamped * LOG2_E + 0.5)
    r = (clamped - n * LN2_HIGH) - n * LN2_LOW
    p = 1.0 / 6227020800.0  # 1/13!, then Horner down to 1/0!
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
    # 2^n in two normal factors, so n from -1075 to 1024 needs no special case and a
    # subnormal result is rounded once, by the last multiply
    whole = np.int64(n)
    half = whole >> 1
    result = p * power_of_two(half) * power_of_two(whole - half)
    result = math.inf if x > OVERFLOW_ABOVE else result
    result = 0.0 if x < UNDERFLOW_BELOW else result
    return x if x != x else result


@njit(inline="always")
def vectorisable_sigmoid(x: float) -> float:
    """1 / (1 + exp(-x)), the scalar sigmoid's arithmetic with the vectorisable exp."""
    return 1.0 / (1.0 + vectorisable_exp(-x))
