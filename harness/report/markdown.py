"""A compact Markdown summary of one run, for a CI job summary ($GITHUB_STEP_SUMMARY).

The HTML report is the full picture; this is what fits on a job's summary page: per
workload and case, each backend's status, median and spread, speedup over python and
numpy, the fastest backend and how many warnings each figure carries; then the failures
with their reasons, and the unavailable backends grouped under their reason, once each
(a missing GPU would otherwise repeat on every CUDA row).

Every string may come from another machine's results file, so every piece of text goes
through :func:`cell` or :func:`inline`: a ``|`` or a newline in a reason must not break
the table, and ``<`` must not start HTML.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from harness.core.analysis import case_size, declared_size_parameters, entry_warnings, fastest_entry, speedup
from harness.core.results import STATUSES, WORKLOAD_LOAD_FAILURES, Entry, Run
from harness.report.labels import (
    case_key,
    case_label,
    entry_label,
    format_ratio,
    format_seconds,
    ordered_backends,
)

PROBLEM_STATUSES = ("failed", "wrong_result", "timeout")
COLUMNS = ("case", "backend", "status", "median", "spread", "vs python", "vs numpy", "warnings")


def inline(text: str) -> str:
    """Text safe anywhere in a Markdown line: no line breaks, no HTML."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(escaped.splitlines())


def cell(text: str) -> str:
    """Text safe inside a table cell: ``|`` escaped, line breaks as ``<br>``."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return "<br>".join(escaped.splitlines()) or " "


def table_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell(text) for text in cells) + " |"


def render_markdown(run: Run) -> str:
    """The summary of ``run`` as Markdown text, ending in a newline."""
    lines = [*heading(run), ""]
    for workload, cases in workload_cases(run).items():
        lines += [*workload_table(run, workload, cases), ""]
    lines += problem_lines(run)
    lines += unavailable_lines(run.entries)
    return "\n".join(lines).rstrip("\n") + "\n"


def heading(run: Run) -> list[str]:
    """The title (machine, preset, commit, time) and the count of entries per status."""
    metadata = run.metadata
    commit = (metadata.get("git") or {}).get("short_commit") or "unknown commit"
    title = (
        f"## Benchmarks on {metadata.get('machine', 'an unknown machine')}: preset "
        f"{metadata.get('preset', '?')}, {commit}, {metadata.get('utc_time', 'time unknown')}"
    )
    counts: dict[str, int] = defaultdict(int)
    for entry in run.entries:
        counts[entry.status] += 1
    tally = ", ".join(f"{counts[status]} {status}" for status in STATUSES if counts[status])
    lines = [inline(title), "", inline(f"{len(run.entries)} entries: {tally or 'none'}.")]
    if metadata.get("gpu"):
        lines.append(inline(f"GPU: {metadata['gpu']}."))
    incomplete = incompleteness(metadata)
    if incomplete:
        lines += ["", f"**Incomplete run:** {inline(incomplete)}"]
    return lines


def incompleteness(metadata: dict) -> str:
    """What a partial merge, a lone shard or an interrupted run leaves out, in a sentence; "" if nothing."""
    merged, shard = metadata.get("merged") or {}, metadata.get("shard") or {}
    said = []
    if merged.get("missing_shards") or merged.get("interrupted_shards"):
        given = len(merged.get("from") or [])
        said.append(f"merged from {given} of {merged.get('shards', '?')} shards")
        if merged.get("missing_shards"):
            missing = ", ".join(map(str, merged["missing_shards"]))
            said.append(f"the entries of missing shard(s) {missing} were not run")
        if merged.get("interrupted_shards"):
            stopped = ", ".join(map(str, merged["interrupted_shards"]))
            said.append(f"shard(s) {stopped} were interrupted before all their entries ran")
    elif shard:
        said.append(f"shard {shard.get('index', '?')} of {shard.get('count', '?')}: part of the selection only")
    elif metadata.get("interrupted"):
        said.append("the run was interrupted before all its entries ran (continue it with run --resume FILE)")
    return "; ".join(said) + "." if said else ""


def workload_cases(run: Run) -> dict[str, dict[str, list[Entry]]]:
    """The entries that ran (not unavailable), per workload and case, smallest case first."""
    grouped: dict[str, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for entry in run.entries:
        if entry.status != "unavailable":
            grouped[entry.workload][case_key(entry.params)].append(entry)
    return {workload: smallest_first(run, workload, cases) for workload, cases in sorted(grouped.items())}


def smallest_first(run: Run, workload: str, cases: dict[str, list[Entry]]) -> dict[str, list[Entry]]:
    """Cases by work per call (or declared size); cases of unknown size keep the run's order."""
    size_parameters = declared_size_parameters(run, workload) or ()

    def size(entries: list[Entry]) -> float:
        return max(case_size(e, size_parameters) or 0.0 for e in entries)

    return dict(sorted(cases.items(), key=lambda item: size(item[1])))


def workload_table(run: Run, workload: str, cases: dict[str, list[Entry]]) -> list[str]:
    """One row per case and backend, then the fastest backend of each case."""
    lines = [inline(f"### {workload}"), "", table_row(COLUMNS), "|" + "---|" * len(COLUMNS)]
    fastest_lines = []
    for entries in cases.values():
        label = case_label(entries[0].params)
        lines += [table_row([label, *entry_cells(run, entry)]) for entry in in_backend_order(entries)]
        best = fastest_entry(entries)
        fastest = f"{entry_label(best)} ({format_seconds(median_of(best))})" if best else "none finished ok"
        fastest_lines.append(inline(f"- {label}: fastest {fastest}"))
    return [*lines, "", *fastest_lines]


def in_backend_order(entries: Sequence[Entry]) -> list[Entry]:
    order = ordered_backends(e.backend for e in entries)
    return sorted(entries, key=lambda e: (order.index(e.backend), e.threads or 0))


def median_of(entry: Entry) -> float | None:
    return entry.evaluation.seconds.median if entry.evaluation else None


def entry_cells(run: Run, entry: Entry) -> list[str]:
    """backend, status, median, spread, speedups and warnings count; '-' where not measured."""
    timed = entry.status == "ok" and entry.evaluation is not None
    if not timed or entry.evaluation is None:
        return [entry_label(entry), entry.status, "-", "-", "-", "-", "-"]
    return [
        entry_label(entry),
        entry.status,
        format_seconds(entry.evaluation.seconds.median),
        f"±{entry.evaluation.seconds.relative_spread:.1%}",
        format_ratio(speedup(run, entry, "python")),
        format_ratio(speedup(run, entry, "numpy")),
        str(len(entry_warnings(entry))),
    ]


def problem_lines(run: Run) -> list[str]:
    """Every entry that failed, was wrong or timed out, and every workload package that failed to load."""
    problems = [
        f"- {e.workload} [{case_label(e.params)}] {entry_label(e)}: {e.status}: {e.reason or 'no reason recorded'}"
        for e in run.entries
        if e.status in PROBLEM_STATUSES
    ] + [
        f"- {failure.get('name', '?')}: cannot be loaded: {failure.get('error', '')}"
        for failure in run.metadata.get(WORKLOAD_LOAD_FAILURES, [])
    ]
    if not problems:
        return []
    return ["### Failures", "", *map(inline, problems), ""]


def unavailable_lines(entries: Sequence[Entry]) -> list[str]:
    """Unavailable entries, one line per reason: the backends and workloads it kept out."""
    by_reason: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.status == "unavailable":
            by_reason[entry.reason or "no reason recorded"].append(entry)
    if not by_reason:
        return []
    lines = ["### Unavailable", ""]
    for reason, kept_out in by_reason.items():
        backends = ", ".join(ordered_backends(e.backend for e in kept_out))
        workloads = ", ".join(sorted({e.workload for e in kept_out}))
        count = f"{len(kept_out)} entr{'y' if len(kept_out) == 1 else 'ies'}"
        lines.append(inline(f"- {backends} ({count}: {workloads}): {reason}"))
    return [*lines, ""]
