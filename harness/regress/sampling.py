"""The measuring half of an A/B check: set each side up, then sample it in interleaved rounds.

Every process is ``harness/regress/check_worker.py`` run inside one side's tree
(``harness.regress.workers``), and each one handles many entries in a row, so starting
Python, NumPy and Numba is paid once per process rather than once per entry:

**Set-up** (``harness.regress.set_up``). Per side, one process per group of entries runs
the side's own construction with the correctness check for each entry, and Numba
compiles into the group's cache, so no compile lands in a sample.

**Rounds.** A round gives every entry still undecided ``pairs`` sample processes per
side; each process's minimum (or mean) for an entry is one sample, and a round is one
stratum of the rank test (``harness.regress.significance``), so load that drifts over the
A/B check hits both sides of a stratum alike. Entries are grouped by how they may be
timed (``harness.regress.targets``):

- ``serial``: kernels that run on the calling thread (``CPU_TIMED_BACKENDS``), timed in
  process CPU time (``time.process_time``), which leaves out time spent waiting for a
  core. The base and new processes of a pair run *at the same time*, one core each:
  whatever the machine does meanwhile, it does to both sides.
- one group per thread count for the rest (``numpy``, whose BLAS may use threads;
  ``numba_parallel``, whose speed is its use of the cores; ``cuda``, timed by CUDA
  events): wall clock, one process at a time, sides alternating A B, B A, ...

With ``--timer wall`` every kernel is timed in wall clock and nothing runs concurrently;
with ``--timer cpu`` every kernel is timed in CPU time.

**Stopping.** After ``min_rounds``, an entry leaves the rounds as soon as its verdict is
clear: its interval of new/base lies inside the minimum effect, or its p-value is below
``alpha / m`` for the ``m`` entries compared, the strictest bar of the Holm step-down
procedure that ``harness.regress.time_verdicts`` applies to the whole A/B check, so
stopping there never changes a verdict. Others go on up to ``max_rounds``.

Each round is written as it finishes (``harness.regress.rounds``), as one results file
per side, so an interrupted A/B check keeps the rounds it finished.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from harness.core.results import Entry
from harness.regress.ab import SideTree
from harness.regress.rounds import RoundWriter, Samples
from harness.regress.set_up import set_up_sides
from harness.regress.significance import Stratum
from harness.regress.targets import Group, Target, groups_of
from harness.regress.time_verdicts import sample_statistics
from harness.regress.verdicts import Key, Thresholds
from harness.regress.workers import Finding, Workers
from harness.run.planning import loops_for

VALUE_SECONDS = 0.005  # a sample value lasts at least this long
STATISTICS = ("min", "mean")  # a process's sample: the minimum of its values, or their mean


@dataclass
class Sampler:
    """Sets every side up, then samples the targets in rounds until each verdict is clear."""

    sides: Sequence[SideTree]
    workers: Workers
    thresholds: Thresholds = field(default_factory=Thresholds)
    pairs: int = 3  # sample processes per side and group in a round
    min_rounds: int = 2
    max_rounds: int = 6
    values: int = 10  # per entry and process
    warmups: int = 1
    statistic: str = "min"  # one of STATISTICS
    value_seconds: float = VALUE_SECONDS
    log: Callable[[str], None] = print
    loops: dict[Key, int] = field(default_factory=dict)  # fixed by the first process that calibrates

    def setup(self, targets: Sequence[Target]) -> dict[str, list[Entry]]:
        """Each side's set-up entries, in target order; the sides run at the same time."""
        return set_up_sides(self.sides, self.workers, targets, self.log)

    def sample(self, targets: Sequence[Target], writer: RoundWriter, setups: Mapping[str, Sequence[Entry]]) -> None:
        """Rounds of sample processes for every target ``ok`` on every side."""
        first = setups[self.sides[0].label]
        for target, entry in zip(targets, first, strict=True):
            estimate = entry.info.get("estimate_seconds")
            if target.group.concurrent and estimate:  # concurrent set-ups time serial kernels fairly
                self.loops[target.key] = loops_for(estimate, self.value_seconds)
        ok = {label: {e.key for e in entries if e.status == "ok"} for label, entries in setups.items()}
        active = [t for t in targets if all(t.key in keys for keys in ok.values())]
        family = len(active)
        turns: dict[Group, int] = {}
        for number in range(1, self.max_rounds + 1):
            samples: dict[Key, Samples] = {t.key: {s.label: [] for s in self.sides} for t in active}
            for group, members in groups_of(active).items():
                for _ in range(self.pairs):
                    turn = turns.get(group, 0)
                    turns[group] = turn + 1
                    order = list(self.sides) if turn % 2 == 0 else list(reversed(self.sides))
                    for label, found in self.processes(group, members, order):
                        for target, finding in zip(members, found, strict=True):
                            self.take(target, label, finding, samples, writer)
            failed = writer.failed_keys()
            active = [t for t in active if t.key not in failed]
            writer.add_round(number, {t.key: samples[t.key] for t in active})
            writer.write()
            self.log(f"round {number}: {len(active)} entries sampled")
            if number >= self.min_rounds:
                active = [t for t in active if not self.decided(t, writer.rounds_of(t.key), family)]
            if not active:
                break

    def processes(
        self, group: Group, members: Sequence[Target], order: Sequence[SideTree]
    ) -> list[tuple[str, list[Finding]]]:
        """One sample process per side for ``members``: together or one after the other.

        An entry without loops yet is calibrated by the first process that times it; the
        loops it chose are then every later process's, on both sides.
        """

        def one(side: SideTree) -> tuple[str, list[Finding]]:
            specs = [t.spec(self.loops.get(t.key)) for t in members]
            found = self.workers.run(
                side, group, "sample", specs, values=self.values, warmups=self.warmups, value_seconds=self.value_seconds
            )
            for target, finding in zip(members, found, strict=True):
                if finding.get("loops"):
                    self.loops.setdefault(target.key, int(finding["loops"]))
            return side.label, found

        if group.concurrent and len(order) > 1:
            with ThreadPoolExecutor(max_workers=len(order)) as pool:
                return list(pool.map(one, order))
        return [one(side) for side in order]

    def take(
        self,
        target: Target,
        label: str,
        finding: Finding,
        samples: dict[Key, Samples],
        writer: RoundWriter,
    ) -> None:
        if finding.get("status") != "ok" or not finding.get("values"):
            reason = f"{label} sample of {target.label}: {finding.get('reason', 'no values')}"
            self.log(f"  {reason}")
            writer.add_failure(target.key, label, finding.get("status", "failed"), reason)
            return
        values = finding["values"]
        samples[target.key][label].append(min(values) if self.statistic == "min" else statistics.fmean(values))
        if finding.get("compiled_values"):
            compiled = writer.compiled_values.setdefault(target.key, {})
            compiled[label] = compiled.get(label, 0) + int(finding["compiled_values"])
        writer.timers.setdefault(label, {})[target.key] = finding["timer"]
        writer.loops.setdefault(target.key, int(finding["loops"]))

    def decided(self, target: Target, rounds: Sequence[Samples], family: int) -> bool:
        """True when more rounds would not change the verdict: significant for the whole
        family of entries, or an interval clearly inside the minimum effect."""
        if len(self.sides) != 2:
            return False
        base, new = (side.label for side in self.sides)
        stats = sample_statistics([Stratum(tuple(r[base]), tuple(r[new])) for r in rounds], self.thresholds)
        effect = self.thresholds.effect_for(target.plan.workload.name)
        inside = 1 - effect < stats.ci_low and stats.ci_high < 1 + effect
        return stats.p_value < self.thresholds.alpha / max(family, 1) or inside
