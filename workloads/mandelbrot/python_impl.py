"""Pure Python: the talk's ``calculate_z_serial_purepython``, over lists of complex numbers."""

from __future__ import annotations

from harness.core.workload import Kernel, StepTimer

from .inputs import MandelbrotInputs


def calculate_z_serial_purepython(q: list[complex], maxiter: int, z: list[complex]) -> list[int]:
    output = [0] * len(q)
    for i in range(len(q)):
        for iteration in range(maxiter):
            z[i] = z[i] * z[i] + q[i]
            if abs(z[i]) > 2.0:
                output[i] = iteration
                break
    return output


def prepare(inputs: MandelbrotInputs, params: dict, steps: StepTimer) -> Kernel:
    q, maxiter = inputs.q, inputs.maxiter

    def call() -> list[int]:
        return calculate_z_serial_purepython(q, maxiter, [0j] * len(q))

    return Kernel(call=call)
