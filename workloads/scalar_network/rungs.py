"""The diary's ladder, shared by every backend: what one call does and what it leaves behind.

loss:     one loss evaluation over the batch                     -> returns the mean loss
gradient: one gradient over the batch, written to a buffer       -> returns the mean loss
step:     one SGD step, parameters updated in place              -> returns the step's loss
steps:    K SGD steps, parameters updated in place               -> returns the last loss

Every call returns a float, and arrays go to buffers allocated once in ``prepare``:
returning a fresh array from compiled code costs hidden Python calls (Numba boxes it
through a Python helper), and the compiled backends must make exactly one call per step.
The step rungs keep training on every call, so the first call after ``prepare`` copies
the parameters it reached to ``snapshot`` (guarded by the ``pending`` flag); ``fetch``
returns that snapshot, which is what the cross-backend check compares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.core.workload import Kernel

from .inputs import NetworkInputs

RungFunction = Callable[..., float]

# How the compiled backends (c, cython, numba, numba_parallel) evaluate the batch: the graph
# as straight-line code run one sample at a time, built per graph (codegen); the same code
# run on blocks of samples side by side, one per SIMD lane (lanes); or an interpreter of
# the graph's instruction tape, built once for every graph (tape)
EVALUATORS = ("codegen", "lanes", "tape")


@dataclass(frozen=True)
class TrainingState:
    """This kernel's mutable parameters and the output buffers the rungs write."""

    params: Any
    gradient: Any
    snapshot: Any
    pending: Any

    @classmethod
    def arrays(cls, initial: np.ndarray) -> TrainingState:
        return cls(initial.copy(), np.zeros_like(initial), initial.copy(),
                   np.ones(1, dtype=np.int64))

    @classmethod
    def lists(cls, initial: np.ndarray) -> TrainingState:
        return cls(initial.tolist(), [0.0] * initial.size, initial.tolist(), [1])


@dataclass(frozen=True)
class Evaluator:
    """A backend's rung functions, all returning the loss as a float:

    loss(*leading, samples, params, *trailing)
    gradient(*leading, samples, params, gradient, *trailing)
    step(*leading, samples, params, rate, snapshot, pending, *trailing)
    steps(*leading, samples, params, rate, k, snapshot, pending, *trailing)

    ``convert`` maps each array argument to what the functions take (e.g. its address);
    ``keep_alive`` holds arrays whose addresses are bound in ``leading``.
    """

    loss: RungFunction
    gradient: RungFunction
    step: RungFunction
    steps: RungFunction
    leading: tuple[Any, ...] = ()
    trailing: tuple[Any, ...] = ()
    convert: Callable[[Any], Any] = lambda array: array
    keep_alive: Any = None


def take_snapshot(params: Any, snapshot: Any, pending: Any) -> None:
    """Copy the parameters to ``snapshot`` the first time only (for the check)."""
    if pending[0]:
        snapshot[:] = params
        pending[0] = 0


def make_call(rung: str, evaluator: Evaluator, samples: Any, state: TrainingState,
              learning_rate: float, k: int) -> Callable[[], float]:
    """A function that makes exactly one call: ``count_calls`` then sees one Python call."""
    lead, trail, c = evaluator.leading, evaluator.trailing, evaluator.convert
    data, params = c(samples), c(state.params)
    # Converted arguments may be bare addresses: the default argument keeps the arrays.
    anchor = (evaluator.keep_alive, samples, state)
    if rung == "loss":
        loss = evaluator.loss

        def call_loss(_: Any = anchor) -> float:
            return loss(*lead, data, params, *trail)

        return call_loss
    if rung == "gradient":
        gradient, out = evaluator.gradient, c(state.gradient)

        def call_gradient(_: Any = anchor) -> float:
            return gradient(*lead, data, params, out, *trail)

        return call_gradient
    snapshot, pending = c(state.snapshot), c(state.pending)
    if rung == "step":
        step = evaluator.step

        def call_step(_: Any = anchor) -> float:
            return step(*lead, data, params, learning_rate, snapshot, pending, *trail)

        return call_step
    if rung == "steps":
        steps = evaluator.steps

        def call_steps(_: Any = anchor) -> float:
            return steps(*lead, data, params, learning_rate, k, snapshot, pending, *trail)

        return call_steps
    raise ValueError(f"unknown rung {rung!r}; choose from: loss, gradient, step, steps")


def make_fetch(rung: str, state: TrainingState) -> Callable[[float], dict[str, np.ndarray]]:
    """Turns a call's loss into the check's arrays, reading the buffers the rung writes."""

    def fetch(loss: float) -> dict[str, np.ndarray]:
        result = {"loss": np.asarray(float(loss))}
        if rung == "gradient":
            result["gradient"] = np.array(state.gradient, dtype=np.float64)
        elif rung in ("step", "steps"):
            result["params"] = np.array(state.snapshot, dtype=np.float64)
        return result

    return fetch


def make_kernel(rung: str, evaluator: Evaluator, inputs: NetworkInputs, samples: Any,
                state: TrainingState, info: dict[str, Any]) -> Kernel:
    """The Kernel for one rung over this kernel's own training state."""
    call = make_call(rung, evaluator, samples, state, inputs.learning_rate, inputs.k)
    return Kernel(call=call, fetch=make_fetch(rung, state),
                  info={**info, "rung": rung, "k": inputs.k if rung == "steps" else 1})


def params_option(params: dict[str, Any], name: str, default: Any, choices: tuple[Any, ...]) -> Any:
    """A workload parameter, checked against its choices with an error naming them."""
    value = params.get(name, default)
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose from: {', '.join(map(str, choices))}")
    return value
