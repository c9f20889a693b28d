"""What a comparison decides for one entry key: its status, the figures behind it, and
the thresholds that decided it (``harness.regress.compare`` explains how)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

REGRESSED, IMPROVED, UNCHANGED, NOT_COMPARABLE = (
    "regressed",
    "improved",
    "unchanged",
    "not comparable",
)
STATUSES = (REGRESSED, IMPROVED, UNCHANGED, NOT_COMPARABLE)

Key = tuple[str, str, str, int | None]  # ``Entry.key``: workload, backend, params, threads


@dataclass(frozen=True)
class Thresholds:
    """What counts as a change: significance level, minimum effects, confidence level."""

    alpha: float = 0.01
    min_effect: float = 0.05
    min_effect_for: Mapping[str, float] = field(default_factory=dict)
    instructions_threshold: float = 0.01
    confidence: float = 0.95
    family_wise: bool = True  # Holm's step-down over the timed entries of one comparison

    def effect_for(self, workload: str) -> float:
        return self.min_effect_for.get(workload, self.min_effect)


@dataclass(frozen=True)
class Statistics:
    """The figures behind a timing verdict."""

    base_median: float
    new_median: float
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    base_samples: int
    new_samples: int
    min_p_value: float  # the smallest p-value these sample sizes can give
    strata: int = 1  # rounds the samples were ranked within
    p_adjusted: float | None = None  # Holm-adjusted for the family of timed entries
    family: int = 1  # how many timed entries the comparison tested

    def to_json(self) -> dict[str, float | int | None]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EntryComparison:
    """The verdict for one entry key."""

    key: Key
    label: str
    workload: str
    status: str
    reason: str = ""
    kind: str = "time"  # "time" (seconds per call) or "instructions" (per call)
    statistics: Statistics | None = None
    min_effect: float = 0.0
    notes: tuple[str, ...] = ()
    # too few samples for any p-value to pass alpha (after Holm): "unchanged" is then no finding
    underpowered: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "workload": self.workload,
            "status": self.status,
            "reason": self.reason,
            "kind": self.kind,
            "min_effect": self.min_effect,
            "statistics": self.statistics.to_json() if self.statistics else None,
            "notes": list(self.notes),
            "underpowered": self.underpowered,
        }
