"""The overview of a run: the speedup matrix, the entries that did not run or were wrong,
and the measurement warnings."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from harness.core.analysis import case_size, entry_warnings, fastest_entry, speedup
from harness.core.results import WORKLOAD_LOAD_FAILURES, Entry, Run
from harness.report.grouping import timed_entries
from harness.report.labels import (
    case_key,
    case_label,
    entry_label,
    format_ratio,
    format_seconds,
    ordered_backends,
)
from harness.report.model import Section, Table


def _cases(run: Run) -> dict[tuple[str, str], list[Entry]]:
    cases: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in run.entries:
        cases[(entry.workload, case_key(entry.params))].append(entry)
    return dict(sorted(cases.items(), key=lambda item: (item[0][0], _size(item[1]))))


def _size(entries: Sequence[Entry]) -> float:
    return max((case_size(e) or 0.0 for e in entries), default=0.0)


def _columns(entries: Sequence[Entry]) -> list[str]:
    """One column per backend and thread count (numba_parallel at 1 thread beside numba)."""
    variants = sorted(
        {(e.backend, e.threads) for e in entries},
        key=lambda v: (ordered_backends(e.backend for e in entries).index(v[0]), v[1] or 0),
    )
    return [entry_label(Entry(workload="", backend=b, params={}, threads=t)) for b, t in variants]


def _chosen(entries: Sequence[Entry]) -> dict[str, Entry]:
    """Per column (backend and thread count), the entry a reader compares: ok first."""
    chosen: dict[str, Entry] = {}
    for entry in entries:
        column, current = entry_label(entry), chosen.get(entry_label(entry))
        if current is None or (entry.status == "ok") > (current.status == "ok"):
            chosen[column] = entry
    return chosen


# -- overview -----------------------------------------------------------------------------


def speedup_section(run: Run) -> Section:
    section = Section(
        anchor="overview-speedup",
        title="Speedup matrix",
        intro="How many times faster per call each backend is than python / than numpy (median "
        "seconds per call; numba_parallel at each thread count, so its one-thread column "
        "compares with numba on the same algorithm).",
    )
    cases = _cases(run)
    if not timed_entries(run.entries):
        return section.not_measured("no entry finished ok, so there is nothing to compare")
    columns = _columns(run.entries)
    rows = []
    for (workload, _), entries in cases.items():
        chosen = _chosen(entries)
        cells = [_speedup_cell(run, chosen.get(c)) for c in columns]
        rows.append([workload, case_label(entries[0].params), *cells, _best(chosen)])
    section.details.append(
        Table(
            ["workload", "case", *columns, "best backend"],
            rows,
            caption="Every backend's speedup over python / over numpy, per case; '-' where that "
            "baseline is missing; otherwise the entry's status",
        )
    )
    return section


def _speedup_cell(run: Run, entry: Entry | None) -> str:
    if entry is None:
        return "not run"
    if entry.status != "ok":
        return entry.status
    over_python, over_numpy = speedup(run, entry, "python"), speedup(run, entry, "numpy")
    return f"{format_ratio(over_python)} / {format_ratio(over_numpy)}"


def _best(chosen: dict[str, Entry]) -> str:
    best = fastest_entry(list(chosen.values()))
    if best is None or best.evaluation is None:
        return "not measured"
    return f"{entry_label(best)} ({format_seconds(best.evaluation.seconds.median)})"


def problems_section(run: Run) -> Section:
    section = Section(
        anchor="overview-problems",
        title="Entries that did not run, failed or were wrong",
        intro="Wrong results are never timed; unavailable backends say why.",
    )
    failed = [e for e in run.entries if e.status != "ok"]
    rows = _grouped_problems(failed) + _load_failure_rows(run)
    if rows:
        section.tables.append(Table(["status", "reason", "entries", "which"], rows))
        section.details.append(
            Table(
                ["workload", "case", "backend", "status", "reason"],
                [[e.workload, case_label(e.params), entry_label(e), e.status, _reason(e)] for e in failed],
                caption="Every entry that did not run, failed or was wrong",
            )
        )
    unchecked = [e for e in run.entries if e.status == "ok" and e.check is None]
    if not failed and not rows and not unchecked:
        section.notes.append("Every entry finished ok and matched the reference.")
    elif unchecked:
        section.notes.append(
            f"{len(unchecked)} of the {len(run.entries)} entries hold no correctness check in these results "
            "(profiled only: harness profile does not check); harness run checks every entry before timing it."
        )
    section.notes += outside_reference_notes(run)
    return section


def outside_reference_notes(run: Run) -> list[str]:
    """Which ok entries were also held against a figure from outside the project, and its source."""
    matched: dict[tuple[str, str, str], int] = defaultdict(int)
    for entry in run.entries:
        if entry.status == "ok" and entry.check is not None:
            for outside in entry.check.outside:
                matched[(entry.workload, outside.quantity, outside.source)] += 1
    return [
        f"{workload}: {count} entries reproduce the {quantity} of an outside reference ({source})."
        for (workload, quantity, source), count in sorted(matched.items())
    ]


def _load_failure_rows(run: Run) -> list[list[str]]:
    """Workload packages that could not be loaded: none of their entries ran."""
    return [
        ["failed", f"cannot be loaded: {failure.get('error', '')}", "the whole workload", str(failure.get("name", "?"))]
        for failure in run.metadata.get(WORKLOAD_LOAD_FAILURES, [])
    ]


def _grouped_problems(entries: Sequence[Entry]) -> list[list[str]]:
    """One row per status and reason, with how many entries share it and which."""
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.status, _reason(entry))].append(entry)
    ordered = sorted(groups.items(), key=lambda item: (item[0][0] == "unavailable", -len(item[1])))
    return [[status, reason, str(len(found)), _which(found)] for (status, reason), found in ordered]


def _which(entries: Sequence[Entry]) -> str:
    """Entries named compactly: per workload, each backend with its number of cases."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        counts[entry.workload][entry_label(entry)] += 1
    return "; ".join(
        f"{workload}: " + ", ".join(f"{label} ({n} cases)" if n > 1 else label for label, n in labels.items())
        for workload, labels in counts.items()
    )


def _reason(entry: Entry) -> str:
    parts = [entry.reason]
    if entry.check is not None and not entry.check.passed and entry.check.failed_on in ("", "values"):
        parts.append(
            f"{entry.check.mismatches} of {entry.check.size} values differ; max abs diff "
            f"{entry.check.max_abs_diff:.3g}, max rel diff {entry.check.max_rel_diff:.3g}"
        )
        parts.append(entry.check.message)
    return "; ".join(p for p in parts if p) or "no reason recorded"


def reliability_section(run: Run) -> Section:
    section = Section(
        anchor="overview-reliability",
        title="Measurement warnings",
        intro="Figures whose noise, sample size, compiles or disagreement with a plain timing loop "
        "make them unreliable, and what to do.",
    )
    rows = [
        [e.workload, case_label(e.params), entry_label(e), "; ".join(warnings)]
        for e in timed_entries(run.entries)
        if (warnings := entry_warnings(e))
    ]
    if rows:
        columns = ["cause", "entries (per workload)", "what it means, what to do"]
        section.tables.append(Table(columns, _grouped_warnings(run)))
        section.details.append(
            Table(["workload", "case", "backend", "warning"], rows, caption="Every warning of every entry")
        )
        section.warnings.append(
            f"{len(rows)} of {len(timed_entries(run.entries))} timed entries are unreliable as measured."
        )
    else:
        section.notes.append("Every timed entry has low spread and enough values.")
    return section


NUMBER = re.compile(r"[-+]?\d[\d.,]*(?:e[-+]?\d+)?")
PARENTHESES = re.compile(r"\s*\([^)]*\)")


def warning_cause(message: str) -> str:
    """What a warning is about, without its figures: the part before its first colon or
    semicolon, numbers replaced by N ("spread N% of the mean")."""
    bare = NUMBER.sub("N", PARENTHESES.sub("", message))
    return re.split(r"[:;]|\. ", bare, maxsplit=1)[0].strip()


def _grouped_warnings(run: Run) -> list[list[str]]:
    groups: dict[str, list[tuple[Entry, str]]] = defaultdict(list)
    for entry in timed_entries(run.entries):
        for message in entry_warnings(entry):
            groups[warning_cause(message)].append((entry, message))
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
    return [
        [cause, f"{len(found)} ({_workloads([e for e, _ in found])})", _advice(found[0][1])] for cause, found in ordered
    ]


def _workloads(entries: Sequence[Entry]) -> str:
    """How many of the entries each workload has ("matmul 3, tensor_map 5")."""
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        counts[entry.workload] += 1
    return ", ".join(f"{workload} {count}" for workload, count in sorted(counts.items()))


def _advice(message: str) -> str:
    """What a warning says to do: the part after its cause (the whole message where none)."""
    parts = re.split(r"[:;]|\. ", PARENTHESES.sub("", message), maxsplit=1)
    return parts[1].strip() if len(parts) > 1 and parts[1].strip() else message
