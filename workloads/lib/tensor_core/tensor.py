"""A strided tensor: flat float64 storage plus shape and strides (in elements).

This is the data every backend receives. Views (a transpose, a broadcast row) share
storage and differ only in shape and strides, which is what the workloads exercise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .indexing import contiguous_strides

ITEMSIZE = np.dtype(np.float64).itemsize


@dataclass(frozen=True)
class StridedTensor:
    """Flat storage, with shape and strides as int64 arrays (what compiled kernels want)."""

    storage: np.ndarray
    shape: np.ndarray
    strides: np.ndarray

    @classmethod
    def contiguous(cls, array: np.ndarray) -> StridedTensor:
        """A row-major tensor holding a copy of ``array``'s values."""
        values = np.ascontiguousarray(array, dtype=np.float64)
        return cls.from_parts(values.ravel(), values.shape, contiguous_strides(values.shape))

    @classmethod
    def zeros(cls, shape: Sequence[int]) -> StridedTensor:
        storage = np.zeros(int(np.prod(shape)), dtype=np.float64)
        return cls.from_parts(storage, shape, contiguous_strides(shape))

    @classmethod
    def from_parts(
        cls, storage: np.ndarray, shape: Sequence[int], strides: Sequence[int]
    ) -> StridedTensor:
        return cls(storage, np.asarray(shape, dtype=np.int64), np.asarray(strides, dtype=np.int64))

    def permute(self, *order: int) -> StridedTensor:
        """A view with dimensions reordered (``permute(1, 0)`` is the transpose)."""
        return StridedTensor(self.storage, self.shape[list(order)], self.strides[list(order)])

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def as_numpy(self) -> np.ndarray:
        """A NumPy view onto the same storage with the same shape and strides."""
        return np.lib.stride_tricks.as_strided(
            self.storage,
            shape=tuple(int(s) for s in self.shape),
            strides=tuple(int(s) * ITEMSIZE for s in self.strides),
            writeable=False,
        )

    def reshape_values(self, values: Any) -> np.ndarray:
        """Flat output values (a list or the storage array) as an array of this shape.

        Only meaningful for contiguous tensors, which every output is.
        """
        return np.asarray(values, dtype=np.float64).reshape(tuple(int(s) for s in self.shape))

    def as_lists(self) -> tuple[list[float], list[int], list[int]]:
        """Storage, shape and strides as Python lists, for the pure-Python backend."""
        return self.storage.tolist(), self.shape.tolist(), self.strides.tolist()


def matrix_shape(elements: int) -> tuple[int, int]:
    """A near-square (rows, cols) with ``rows * cols == elements``, cols >= rows.

    ``elements`` must be a power of two, so sizes double cleanly in scaling studies.
    """
    if elements < 2 or elements & (elements - 1):
        raise ValueError(f"elements must be a power of two >= 2, got {elements}")
    exponent = elements.bit_length() - 1
    rows = 1 << (exponent // 2)
    return rows, elements // rows


def rng_for(params: Mapping[str, Any], salt: int) -> np.random.Generator:
    """A generator seeded from the params (default seed 0) and a per-workload salt."""
    return np.random.default_rng([int(params.get("seed", 0)), salt])
