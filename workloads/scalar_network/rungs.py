"""The diary's ladder, shared by every backend: what one call does and what it returns.

loss:     one loss evaluation over the batch             -> the mean loss (float)
gradient: one gradient over the batch                    -> (mean loss, mean gradient)
step:     one SGD step, parameters updated in place      -> a copy of the parameters after it
steps:    K SGD steps, parameters updated in place       -> a copy of the parameters after them

The step rungs change the parameters, so every call continues training; the check uses
the first call after ``prepare``, which starts from the shared initial parameters.
A backend supplies four functions with the signatures of ``Evaluator``; ``make_kernel``
wraps them so that ``Kernel.call`` is one lambda making one call into the backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.workload import Kernel

from .inputs import NetworkInputs

Loss = Callable[..., float]
Gradient = Callable[..., tuple[float, Any]]
Step = Callable[..., Any]


@dataclass(frozen=True)
class Evaluator:
    """A backend's rung functions. Each takes ``*leading, samples, params`` and then
    ``learning_rate`` (step) or ``learning_rate, k`` (steps), and then ``*trailing``."""

    loss: Loss
    gradient: Gradient
    step: Step
    steps: Step
    leading: tuple[Any, ...] = ()
    trailing: tuple[Any, ...] = ()


def fetch_loss(result: float) -> dict[str, np.ndarray]:
    return {"loss": np.asarray(result, dtype=np.float64)}


def fetch_gradient(result: tuple[float, Any]) -> dict[str, np.ndarray]:
    loss, grad = result
    return {"loss": np.asarray(loss, dtype=np.float64), "gradient": np.asarray(grad)}


def fetch_params(result: Any) -> dict[str, np.ndarray]:
    return {"params": np.asarray(result, dtype=np.float64)}


def make_call(rung: str, evaluator: Evaluator, samples: Any, params: Any,
              learning_rate: float, k: int) -> Callable[[], Any]:
    """A lambda that makes exactly one call: ``count_calls`` then sees one Python call."""
    lead, trail = evaluator.leading, evaluator.trailing
    if rung == "loss":
        loss = evaluator.loss
        return lambda: loss(*lead, samples, params, *trail)
    if rung == "gradient":
        gradient = evaluator.gradient
        return lambda: gradient(*lead, samples, params, *trail)
    if rung == "step":
        step = evaluator.step
        return lambda: step(*lead, samples, params, learning_rate, *trail)
    if rung == "steps":
        steps = evaluator.steps
        return lambda: steps(*lead, samples, params, learning_rate, k, *trail)
    raise ValueError(f"unknown rung {rung!r}; choose from: loss, gradient, step, steps")


FETCHERS: dict[str, Callable[[Any], dict[str, np.ndarray]]] = {
    "loss": fetch_loss,
    "gradient": fetch_gradient,
    "step": fetch_params,
    "steps": fetch_params,
}


def make_kernel(rung: str, evaluator: Evaluator, inputs: NetworkInputs, samples: Any,
                params: Any, info: dict[str, Any]) -> Kernel:
    """The Kernel for one rung; ``params`` is this kernel's own (mutable) parameter copy."""
    call = make_call(rung, evaluator, samples, params, inputs.learning_rate, inputs.k)
    return Kernel(call=call, fetch=FETCHERS[rung],
                  info={**info, "rung": rung, "k": inputs.k if rung == "steps" else 1})


def params_option(params: dict[str, Any], name: str, default: Any, choices: tuple[Any, ...]) -> Any:
    """A workload parameter, checked against its choices with an error naming them."""
    value = params.get(name, default)
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose from: {', '.join(map(str, choices))}")
    return value
