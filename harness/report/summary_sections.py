"""The report's first screen: per workload and case, the backend to use, by how much,
how far to trust it, and whether anything changed since the previous comparable run.

Intervals and ties come from ``harness.report.trust``; the verdicts against the previous
run are ``harness compare``'s own (``compare_sides``: a rank test per entry on one sample
per process, Holm-adjusted across the run, and a minimum effect), so the report and the
command never disagree about a regression.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.core.analysis import case_size, entry_warnings, fastest_entry
from harness.core.results import Entry, Run
from harness.regress.compare import SidesComparison, compare_sides
from harness.regress.sides import CompareError, Side, machine_of
from harness.regress.targets import CPU_TIMED_BACKENDS
from harness.regress.verdicts import IMPROVED, NOT_COMPARABLE, REGRESSED, EntryComparison, Key
from harness.report.grouping import short_case, timed_entries, varying_parameters
from harness.report.labels import case_key, entry_label, format_percent, format_seconds
from harness.report.model import Section, Table
from harness.report.trust import Ratio, process_count, speedup_of

# How much faster than c a one-core backend must be, at the low end of its interval, before
# the summary says c is no ceiling for the case: spreads on a busy 2-core machine make
# smaller differences between two compiled kernels no finding
CEILING_MARGIN = 1.10


@dataclass(frozen=True)
class Previous:
    """The run this one is judged against, and what ``compare`` found (None: why not)."""

    run: Run | None
    comparison: SidesComparison | None
    reason: str

    def verdicts(self) -> dict[Key, EntryComparison]:
        return {e.key: e for e in self.comparison.entries} if self.comparison else {}


def run_name(run: Run) -> str:
    git = run.metadata.get("git") or {}
    commit = str(git.get("short_commit") or "?") + (" (dirty)" if git.get("dirty") else "")
    return f"commit {commit} of {str(run.metadata.get('utc_time', '?'))[:10]}"


def previous_comparable(primary: Run, primary_path: Path, runs: Sequence[tuple[Path, Run]]) -> Previous:
    """The newest earlier run on the same machine sharing an entry, compared as ``compare`` would."""
    machine = machine_of(primary.metadata)
    time = str(primary.metadata.get("utc_time", ""))
    keys = {e.key for e in primary.entries}
    earlier = [
        (path, run)
        for path, run in runs
        if run is not primary
        and str(run.metadata.get("utc_time", "")) < time
        and machine_of(run.metadata) == machine
        and keys & {e.key for e in run.entries}
    ]
    if not earlier:
        return Previous(
            None,
            None,
            f"no earlier run of these entries on {primary.metadata.get('machine', 'this machine')} among "
            "the results read; pass the folder of earlier runs to harness report",
        )
    path, run = earlier[-1]
    try:
        comparison = compare_sides(
            Side("previous", [run], [str(path)]), Side("this run", [primary], [str(primary_path)])
        )
    except CompareError as error:
        return Previous(run, None, str(error))
    return Previous(run, comparison, "")


def summary_section(run: Run, previous: Previous) -> Section:
    section = Section(
        anchor="summary",
        title="Which backend, by how much, and can it be trusted",
        intro="Fastest backend by median seconds per call, ≈ backends tied with it (the 95% "
        "interval of their ratio holds 1); speedups with 95% intervals (Hodges-Lehmann, one "
        "sample per worker process; with one process a side, no interval and the ratio of "
        "medians); its speed as a share of plain C's (the c backend: one "
        "core at -O3, the ceiling; a one-core backend faster than c by over 10% is named, as c "
        "is then no ceiling for the case); trust: answer checked (and against an outside figure), "
        "spread (sd/mean), processes, ⚠ warnings in the case; harness compare's verdict "
        "against the previous comparable run.",
    )
    cases = _cases(run)
    if not timed_entries(run.entries):
        return section.not_measured("no entry finished ok, so there is nothing to compare")
    verdicts = previous.verdicts()
    varying = {w: varying_parameters([e for e in run.entries if e.workload == w]) for w, _ in cases}
    rows = [_row(workload, entries, varying[workload], verdicts, previous) for (workload, _), entries in cases.items()]
    section.tables.append(
        Table(
            [
                "workload",
                "case",
                "fastest",
                "per call",
                "× python",
                "× numpy",
                "share of c's speed",
                "trust",
                "vs previous run",
            ],
            rows,
            unbroken=(3,),
        )
    )
    section.notes.append(_previous_note(previous))
    return section


def _cases(run: Run) -> dict[tuple[str, str], list[Entry]]:
    cases: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in run.entries:
        cases[(entry.workload, case_key(entry.params))].append(entry)
    return dict(
        sorted(cases.items(), key=lambda item: (item[0][0], -max(case_size(e) or 0.0 for e in item[1])))
    )


def _row(
    workload: str,
    entries: list[Entry],
    varying: Sequence[str],
    verdicts: Mapping[Key, EntryComparison],
    previous: Previous,
) -> list[str]:
    case = short_case(entries[0].params, varying)
    best = fastest_entry(entries)
    if best is None or best.evaluation is None:
        statuses = sorted({e.status for e in entries})
        verdict = _verdict(entries, verdicts, previous)
        return [workload, case, "none timed", "-", "-", "-", "-", ", ".join(statuses), verdict]
    timed = timed_entries(entries)
    tied = [e for e in timed if e is not best and _tied(best, e)]
    fastest = " ≈ ".join(entry_label(e) for e in [best, *tied])
    time = format_seconds(best.evaluation.seconds.median)
    return [
        workload,
        case,
        fastest,
        time,
        _over(best, timed, "python", entries),
        _over(best, timed, "numpy", entries),
        _share_of_c(best, timed, entries),
        _trust(best, entries),
        _verdict(entries, verdicts, previous),
    ]


def _tied(best: Entry, other: Entry) -> bool:
    ratio = speedup_of(best, over=other)
    return ratio is not None and ratio.includes_one


def _over(best: Entry, timed: Sequence[Entry], backend: str, entries: Sequence[Entry] = ()) -> str:
    if best.backend == backend:
        return "(itself)"
    references = [e for e in timed if e.backend == backend]
    if not references:
        statuses = sorted({e.status for e in entries if e.backend == backend})
        return f"{backend} {' / '.join(statuses)}" if statuses else f"no {backend} entry"
    ratio: Ratio | None = speedup_of(best, over=max(references, key=lambda e: e.threads or 0))
    return "-" if ratio is None else ratio.text()


def _share_of_c(best: Entry, timed: Sequence[Entry], entries: Sequence[Entry]) -> str:
    """The fastest backend's speed as a percentage of the c backend's, the per-core ceiling;
    and the one-core backends that beat c beyond doubt, where c is no ceiling."""
    references = [e for e in timed if e.backend == "c"]
    if not references:
        return _over(best, timed, "c", entries)
    if best.backend == "c":
        return "(itself)"
    beaten = _beating_c(timed, references[0])
    ratio = speedup_of(best, over=references[0])
    if ratio is None:
        return "-"
    if ratio.low is None or ratio.high is None:
        return f"{ratio.value:.0%} (no interval)" + beaten
    return f"{ratio.value:.0%}\u00a0[{ratio.low:.0%}–{ratio.high:.0%}]" + beaten


def _beating_c(timed: Sequence[Entry], c: Entry) -> str:
    """"; c beaten on one core: numba 161%" when a backend on one core is faster than c by
    more than ``CEILING_MARGIN`` at the low end of its 95% interval: the c kernel is then
    not what the core can do (a compiler that knows the CPU better; docs/performance.md,
    "Per core on a Zen 5 behind the same name")."""
    beaten = []
    for entry in timed:
        one_core = entry.backend in CPU_TIMED_BACKENDS or (entry.backend == "numba_parallel" and entry.threads == 1)
        ratio = speedup_of(entry, over=c) if one_core and entry.backend != "c" else None
        if ratio is not None and ratio.low is not None and ratio.low > CEILING_MARGIN:
            beaten.append(f"{entry_label(entry)} {ratio.value:.0%}")
    return "; c beaten on one core: " + ", ".join(beaten) if beaten else ""


def _trust(best: Entry, entries: Sequence[Entry]) -> str:
    assert best.evaluation is not None
    if best.check is None:
        checked = "not checked"
    elif best.check.outside:
        checked = "✓ answer, outside"
    else:
        checked = "✓ answer"
    parts = [checked, f"±{format_percent(best.evaluation.seconds.relative_spread)}", process_count(best)]
    warnings = sum(len(entry_warnings(e)) for e in timed_entries(entries))
    if warnings:
        parts.append(f"⚠ {warnings}")
    not_ok = [e for e in entries if e.status not in ("ok", "unavailable")]
    if not_ok:
        parts.append(f"✗ {len(not_ok)} failed or wrong")
    return " · ".join(parts)


def _verdict(entries: Sequence[Entry], verdicts: Mapping[Key, EntryComparison], previous: Previous) -> str:
    if previous.comparison is None:
        return "no previous run"
    found = [(e, verdicts[e.key]) for e in entries if e.key in verdicts]
    compared = [(e, v) for e, v in found if v.status != NOT_COMPARABLE]
    if not compared:
        new = all(v.reason.startswith(("only in", "parameters differ")) for _, v in found)
        return "new case" if new else "not comparable"
    changes = [
        f"{entry_label(e)} {v.status} {_change(v)}" for e, v in compared if v.status in (REGRESSED, IMPROVED)
    ]
    if changes:
        return "; ".join(changes)
    return f"unchanged ({len(compared)})"


def _change(comparison: EntryComparison) -> str:
    stats = comparison.statistics
    if stats is None:
        return ""
    return f"×{stats.ratio:.2f} [{stats.ci_low:.2f}–{stats.ci_high:.2f}]"


def _previous_note(previous: Previous) -> str:
    if previous.comparison is None:
        return f"Previous run: none compared ({previous.reason})."
    assert previous.run is not None
    counts = previous.comparison.counts()
    listed = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    return (
        f"Against the previous comparable run ({run_name(previous.run)}, same machine): {listed}. "
        "Verdicts are harness compare's: a rank test on one sample per process, Holm-adjusted "
        f"across the run, and a {previous.comparison.thresholds.min_effect:.0%} minimum effect; "
        "see the History section for every change."
    )
