"""The entries of an A/B check as its processes take them: each entry's group (which
entries share a process, and whether the two sides' processes run at the same time) and
its timer (``harness.regress.sampling`` says why)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.core.backends import implementation_unavailable_reason
from harness.regress.check_worker import EntrySpec
from harness.regress.verdicts import Key
from harness.run.entries import EntryPlan

CPU_TIMED_BACKENDS = ("python", "c", "cython", "numba")  # their kernels run on the calling thread
TIMERS = ("auto", "cpu", "wall")  # auto: CPU time for CPU_TIMED_BACKENDS, wall clock for the others


@dataclass(frozen=True)
class Group:
    """Entries timed together in one process: how they are timed and with how many threads."""

    name: str
    concurrent: bool  # base and new processes run at the same time, one core each
    threads: int | None = None  # NUMBA_NUM_THREADS of the process


@dataclass(frozen=True)
class Target:
    """One entry to sample: its plan, its group, and its spec for the worker."""

    plan: EntryPlan
    group: Group
    timer: str  # "cpu" or "wall"
    unavailable: str | None = None  # why the backend cannot run on this machine

    @property
    def key(self) -> Key:
        return self.plan.key

    @property
    def label(self) -> str:
        return self.plan.label

    def spec(self, loops: int | None = None) -> EntrySpec:
        return {
            "workload": self.plan.workload.name,
            "backend": self.plan.backend,
            "params": dict(self.plan.params),
            "timer": self.timer,
            "loops": loops or 0,
        }


def targets_for(plans: Sequence[EntryPlan], timer: str = "auto") -> list[Target]:
    """Each plan's group and timer; threads-agnostic kernels join the widest thread group."""
    widest = max((p.threads for p in plans if p.threads is not None), default=None)
    targets = []
    for plan in plans:
        serial = plan.backend in CPU_TIMED_BACKENDS
        if serial and timer != "wall":
            group = Group("serial", concurrent=True)
        else:
            threads = plan.threads if plan.threads is not None else widest
            group = Group(f"threads-{threads}" if threads else "alone", concurrent=False, threads=threads)
        chosen = "cpu" if timer == "cpu" or (timer == "auto" and serial) else "wall"
        targets.append(Target(plan, group, chosen, implementation_unavailable_reason(plan.workload, plan.backend)))
    return targets


def groups_of(targets: Iterable[Target]) -> dict[Group, list[Target]]:
    found: dict[Group, list[Target]] = {}
    for target in targets:
        found.setdefault(target.group, []).append(target)
    return found
