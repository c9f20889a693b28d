"""The data set (two interleaved moons), the initial parameters and the training settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

# What one call does: one loss evaluation, one gradient, one SGD step, or K steps.
RUNGS = ("loss", "gradient", "step", "steps")

N_FEATURES = 2
# Columns of a sample row: the two features, then the label in {-1, +1}.
N_SAMPLE_COLUMNS = N_FEATURES + 1


def parameter_count(hidden: int) -> int:
    """MLP 2 -> hidden -> hidden -> 1: weights and biases (337 for hidden = 16)."""
    return (N_FEATURES * hidden + hidden) + (hidden * hidden + hidden) + (hidden + 1)


@dataclass(frozen=True)
class NetworkInputs:
    """samples: (batch, 3) rows [x0, x1, label]; initial_params: the untrained weights."""

    samples: np.ndarray
    initial_params: np.ndarray
    hidden: int
    learning_rate: float
    k: int

    @property
    def batch(self) -> int:
        return int(self.samples.shape[0])


def two_moons(batch: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Two interleaving half circles with Gaussian noise, labels -1 and +1 alternating."""
    angle = rng.uniform(0.0, np.pi, size=batch)
    upper = np.arange(batch) % 2 == 0
    x0 = np.where(upper, np.cos(angle), 1.0 - np.cos(angle))
    x1 = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    features = np.stack([x0, x1], axis=1) + rng.normal(0.0, noise, size=(batch, 2))
    labels = np.where(upper, 1.0, -1.0)
    return np.ascontiguousarray(np.column_stack([features, labels]), dtype=np.float64)


def initial_parameters(hidden: int, rng: np.random.Generator) -> np.ndarray:
    """Scaled Gaussian weights (1/sqrt(fan_in)) and zero biases, in the graph's order."""
    blocks = []
    for fan_in, fan_out in ((N_FEATURES, hidden), (hidden, hidden), (hidden, 1)):
        blocks.append(rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=fan_in * fan_out))
        blocks.append(np.zeros(fan_out))
    return np.ascontiguousarray(np.concatenate(blocks), dtype=np.float64)


def make_inputs(params: Mapping[str, Any]) -> NetworkInputs:
    hidden, batch = int(params["hidden"]), int(params["batch"])
    if hidden < 1 or batch < 1:
        raise ValueError("scalar_network needs hidden >= 1 and batch >= 1")
    rng = np.random.default_rng(int(params.get("seed", 0)))
    samples = two_moons(batch, float(params.get("noise", 0.1)), rng)
    weights = initial_parameters(hidden, rng)
    assert weights.size == parameter_count(hidden)
    return NetworkInputs(
        samples=samples,
        initial_params=weights,
        hidden=hidden,
        learning_rate=float(params.get("learning_rate", 0.1)),
        k=int(params.get("k", 10)),
    )
