"""History: each workload's seconds per call over commits, and every change ``harness
compare`` finds between one commit and the next on the same machine.

The x axis is the commits in the order they were first measured, each commit once with
its date; runs of one commit on one machine are pooled as one side, as ``compare``
pools them. Lines never join two machines, and each thread count has its own line.
A point where ``compare`` found a significant change (``compare_sides``: a rank test on
one sample per process, Holm-adjusted over the pair's entries, and a minimum effect) is
marked, and the change is listed with the commit range it happened in.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.core.analysis import case_size
from harness.core.results import Entry, Run
from harness.regress.compare import compare_sides
from harness.regress.sides import CompareError, Side
from harness.regress.verdicts import IMPROVED, REGRESSED, EntryComparison
from harness.report.charts import Axis
from harness.report.grouping import backend_rank, median_seconds, timed_entries
from harness.report.labels import case_key, case_label, entry_label, format_seconds
from harness.report.model import Section, Table
from harness.report.panels import Line, LinePanel, Mark, line_grid

VISIBLE_CHANGES = 6  # more are folded under a line that counts them


@dataclass(frozen=True)
class Commit:
    name: str  # short commit, "+dirty" where the tree was
    date: str

    @property
    def label(self) -> str:
        return f"{self.name}\n{self.date}"


def commit_of(run: Run) -> Commit:
    git = run.metadata.get("git") or {}
    name = str(git.get("short_commit") or "?")[:8] + ("+dirty" if git.get("dirty") else "")
    return Commit(name, str(run.metadata.get("utc_time", ""))[:10])


def machine_name(run: Run) -> str:
    return str(run.metadata.get("machine") or "unknown machine")


@dataclass(frozen=True)
class Change:
    workload: str
    entry: str
    machine: str
    before: Commit
    after: Commit
    comparison: EntryComparison


def history_sections(runs: Sequence[tuple[Path, Run]]) -> list[Section]:
    section = Section(
        anchor="history",
        title="Seconds per call over commits",
        intro="Per workload, the case measured at the most commits: median seconds per call "
        "at each commit (runs of one commit on one machine pooled), one line per machine, "
        "backend and thread count. ▲ marks a regression and ▼ an improvement that harness "
        "compare finds between one commit and the next on the same machine.",
    )
    commits = list(dict.fromkeys(commit_of(run) for _, run in runs))
    if len(commits) < 2:
        return [
            section.not_measured(
                f"{len(commits)} commit found; trends need results of several commits in results/ "
                "(or more RESULTS arguments to harness report)"
            )
        ]
    sides = _sides(runs)
    changes = _changes(sides, commits)
    workloads = sorted({e.workload for _, run in runs for e in timed_entries(run.entries)})
    panels, single = [], []
    for workload in workloads:
        panel = _panel(workload, sides, commits, changes)
        if panel is None:
            single.append(workload)
        else:
            panels.append(panel)
    if not panels:
        return [section.not_measured("no workload has the same case at two commits")]
    section.chart = line_grid(
        "Median seconds per call at each commit",
        panels,
        [c.label for c in commits],
        Axis("median seconds per call", seconds=True),
        alt="seconds per call over commits for "
        + "; ".join(f"{p.title}: {len(p.lines)} lines" for p in panels)
        + f"; {len(changes)} significant changes marked",
    )
    table = _changes_table(changes)
    if len(changes) > VISIBLE_CHANGES:
        counts = {status: sum(1 for c in changes if c.comparison.status == status) for status in (REGRESSED, IMPROVED)}
        section.notes.append(
            f"{len(changes)} significant changes between consecutive commits: {counts[REGRESSED]} regressed, "
            f"{counts[IMPROVED]} improved (every one below, with its commit range)."
        )
        section.details.append(table)
    else:
        section.tables.append(table)
    if changes:
        section.notes.append(
            "Runs of different commits were measured at different times, not interleaved: a change between "
            "them can be the machine's (load, clock, neighbours) as much as the code's. harness check "
            "--against REF measures both sides in interleaved rounds and tells them apart."
        )
    if single:
        section.notes.append(
            f"Measured at one commit only, so no trend: {', '.join(single)}."
        )
    machines = sorted({machine for machine, _ in sides})
    if len(machines) > 1:
        section.notes.append(f"Machines kept apart: {', '.join(machines)}.")
    return [section]


Sides = dict[tuple[str, Commit], list[tuple[Path, Run]]]


def _sides(runs: Sequence[tuple[Path, Run]]) -> Sides:
    sides: Sides = defaultdict(list)
    for path, run in runs:
        sides[(machine_name(run), commit_of(run))].append((path, run))
    return dict(sides)


def _changes(sides: Sides, commits: Sequence[Commit]) -> list[Change]:
    """Every significant change between consecutive commits measured on one machine."""
    found: list[Change] = []
    for machine in sorted({m for m, _ in sides}):
        measured = [c for c in commits if (machine, c) in sides]
        for before, after in itertools.pairwise(measured):
            old, new = sides[(machine, before)], sides[(machine, after)]
            try:
                comparison = compare_sides(
                    Side(before.name, [r for _, r in old], [str(p) for p, _ in old]),
                    Side(after.name, [r for _, r in new], [str(p) for p, _ in new]),
                )
            except CompareError:
                continue
            labels = {e.key: e for _, run in new for e in run.entries}
            found += [
                Change(e.workload, entry_label(labels[e.key]), machine, before, after, e)
                for e in comparison.entries
                if e.status in (REGRESSED, IMPROVED) and e.key in labels
            ]
    return found


def _chosen_case(workload: str, sides: Sides) -> str | None:
    """The case of ``workload`` measured at the most commits (ties: the largest)."""
    counts: dict[str, tuple[int, float]] = {}
    for found in sides.values():
        seen = {
            case_key(e.params): case_size(e) or 0.0
            for _, run in found
            for e in timed_entries(run.entries)
            if e.workload == workload
        }
        for key, size in seen.items():
            count, _ = counts.get(key, (0, 0.0))
            counts[key] = (count + 1, size)
    best = max(counts, key=lambda key: counts[key], default=None)
    return best if best is not None and counts[best][0] >= 2 else None


def _panel(workload: str, sides: Sides, commits: Sequence[Commit], changes: Sequence[Change]) -> LinePanel | None:
    case = _chosen_case(workload, sides)
    if case is None:
        return None
    points: dict[tuple[str, str, int | None], dict[int, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for (machine, commit), found in sides.items():
        for _, run in found:
            for entry in timed_entries(run.entries):
                if entry.workload == workload and case_key(entry.params) == case:
                    points[(machine, entry.backend, entry.threads)][commits.index(commit)].append(entry)
    marks = {(c.machine, c.entry, c.after): c.comparison.status for c in changes if c.workload == workload}
    machines = sorted({m for m, _, _ in points})
    lines = []
    for (machine, backend, threads), at in sorted(points.items(), key=_line_order):
        sample = next(iter(at.values()))[0]
        label = entry_label(sample)
        xs = sorted(at)
        lines.append(
            Line(
                f"{label} @ {machine}" if len(machines) > 1 else label,
                backend,
                xs,
                [_pooled(at[x]) for x in xs],
                style=machines.index(machine),
                threads=threads or 0,
                marks=[
                    Mark(x, _pooled(at[x]), status)
                    for x in xs
                    if (status := marks.get((machine, label, commits[x])))
                ],
            )
        )
    first = next(iter(next(iter(points.values())).values()))[0]
    return LinePanel(f"{workload} ({case_label(first.params)})", lines)


def _pooled(entries: Sequence[Entry]) -> float:
    medians = sorted(median_seconds(e) for e in entries)
    return medians[len(medians) // 2]


def _line_order(item: tuple[tuple[str, str, int | None], object]) -> tuple[str, int, int]:
    (machine, backend, threads), _ = item
    return (machine, backend_rank(backend), threads or 0)


def _changes_table(changes: Sequence[Change]) -> Table:
    if not changes:
        return Table(
            ["changes"],
            [["harness compare finds no significant change between consecutive commits on any machine."]],
        )
    rows = [
        [
            change.comparison.status,
            change.workload,
            change.entry,
            change.machine,
            f"{change.before.name} ({change.before.date}) → {change.after.name} ({change.after.date})",
            _figures(change.comparison),
        ]
        for change in sorted(changes, key=lambda c: (c.comparison.status != REGRESSED, c.workload, c.entry))
    ]
    return Table(
        ["verdict", "workload", "backend", "machine", "between commits", "new / old per call"],
        rows,
        caption="Every significant change between one commit and the next, from harness compare.",
    )


def _figures(comparison: EntryComparison) -> str:
    stats = comparison.statistics
    if stats is None:
        return comparison.reason
    return (
        f"×{stats.ratio:.3f} [{stats.ci_low:.3f}–{stats.ci_high:.3f}] "
        f"({format_seconds(stats.base_median)} → {format_seconds(stats.new_median)})"
    )

