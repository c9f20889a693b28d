"""One point's escape count, written once in plain Python and wrapped per backend.

``njit(inline="always")(escape_count)`` for Numba and ``cuda.jit(device=True)(escape_count)``
for numba-cuda compile this same source. Complex math is expanded into doubles in the
order Python's complex multiply uses, so the counts match the talk's program exactly.
"""


def escape_count(c_real: float, c_imag: float, maxiter: int) -> int:
    """The iteration at which |z| exceeds 2, or 0 if it never does (the talk's convention)."""
    z_real = 0.0
    z_imag = 0.0
    for iteration in range(maxiter):
        z_real, z_imag = (
            z_real * z_real - z_imag * z_imag + c_real,
            z_real * z_imag + z_imag * z_real + c_imag,
        )
        if z_real * z_real + z_imag * z_imag > 4.0:
            return iteration
    return 0
