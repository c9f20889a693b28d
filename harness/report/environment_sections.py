"""Where and how a run was measured: the machine and its software, the shards a merged
run came from, and how each number was taken."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.core.entry_parts import Check
from harness.core.results import Entry, Run
from harness.report.labels import case_label, entry_label, format_number
from harness.report.model import Section, Table

METADATA_FIELDS = (
    ("utc_time", "measured at (UTC)"),
    ("machine", "machine"),
    ("cpu_model", "CPU"),
    ("logical_cores", "logical cores"),
    ("platform", "platform"),
    ("python", "Python"),
    ("python_implementation", "implementation"),
    ("numba_threading_layer", "Numba threading layer"),
    ("numba_threads", "Numba threads"),
    ("gpu", "GPU"),
    ("preset", "preset"),
    ("command", "command"),
)


def environment_section(run: Run, runs: Sequence[tuple[Path, Run]]) -> Section:
    section = Section(
        anchor="environment",
        title="Machine and environment",
        intro="Where and with what software the run this report is about was made.",
    )
    metadata = run.metadata
    git = metadata.get("git") or {}
    rows = [
        [
            "git commit",
            f"{git.get('commit') or 'not recorded'}" + (" (dirty)" if git.get("dirty") else ""),
        ]
    ]
    rows += [[label, _value(metadata.get(key))] for key, label in METADATA_FIELDS]
    section.tables.append(Table(["", "value"], rows))
    packages = metadata.get("packages") or {}
    if packages:
        section.tables.append(
            Table(["package", "version"], [[k, _value(v)] for k, v in packages.items()])
        )
    machines: dict[str, list[Run]] = defaultdict(list)
    for _, other in runs:
        machines[str(other.metadata.get("machine", "unknown machine"))].append(other)
    section.tables.append(
        Table(
            ["machine", "CPU", "cores", "runs found"],
            [
                [
                    m,
                    _value(r[-1].metadata.get("cpu_model")),
                    _value(r[-1].metadata.get("logical_cores")),
                    str(len(r)),
                ]
                for m, r in machines.items()
            ],
            caption="Every machine with results in this report.",
        )
    )
    merged = merged_sources_table(metadata)
    if merged is not None:
        section.tables.append(merged)
    return section


def merged_sources_table(metadata: Mapping[str, object]) -> Table | None:
    """For a run merged from shards (``harness merge``): each shard's file and machine."""
    merged = metadata.get("merged")
    if not isinstance(merged, dict) or not isinstance(merged.get("from"), list):
        return None
    rows = [
        [_value(source.get(name)) for name in ("shard", "file", "machine", "cpu_model", "logical_cores", "entries")]
        for source in merged["from"]
        if isinstance(source, dict)
    ]
    missing = ", ".join(str(k) for k in merged.get("missing_shards") or []) or "none"
    mixed = ""
    if merged.get("mixed_machines"):
        mixed = " Shards ran on machines of different kinds: each entry keeps its own."
    return Table(
        ["shard", "file", "machine", "CPU", "cores", "entries"],
        rows,
        caption=f"Merged from {len(rows)} of {merged.get('shards', '?')} shards (missing: {missing}).{mixed}",
    )


def _value(value: object) -> str:
    if value is None or value == "":
        return "not recorded"
    return format_number(value)


def method_section(run: Run) -> Section:
    section = Section(
        anchor="method",
        title="How each number was measured",
        intro="Construction: cold runs in fresh processes (import, compile, first call), then "
        "as many runs with Numba's cache warm (cache load). Evaluation: pyperf worker processes, "
        "each making one untimed call of its own, then pyperf's warmups and values, each value "
        "the mean of a number of loops; a value during which Numba compiled is discarded and "
        "taken again. Every median is held against plain timeit loops of the same kernel. "
        "Every result was compared with the reference backend's, and with any figure from "
        "outside the project the workload declares for the case, before it was timed.",
    )
    rows = [_method_row(e) for e in run.entries if e.status == "ok"]
    if not rows:
        return section.not_measured("no entry finished ok")
    section.tables.append(
        Table(
            [
                "workload",
                "case",
                "backend",
                "construction runs",
                "processes",
                "values per process",
                "values",
                "warmups",
                "loops",
                "timer",
                "check",
                "pyperf file",
            ],
            rows,
        )
    )
    return section


def _method_row(entry: Entry) -> list[str]:
    evaluation, construction, check = entry.evaluation, entry.construction, entry.check
    timing = (
        [
            str(evaluation.processes),
            str(evaluation.values_per_process),
            str(len(evaluation.seconds.values)),
            str(evaluation.warmups),
            str(evaluation.loops) if evaluation.loops else "calibrated",
            evaluation.timer,
        ]
        if evaluation
        else ["not measured"] * 6
    )
    return [
        entry.workload,
        case_label(entry.params),
        entry_label(entry),
        str(construction.runs) if construction else "not measured",
        *timing,
        _check_cell(check) if check else "not checked",
        (evaluation.pyperf_file or "-") if evaluation else "-",
    ]


def _check_cell(check: Check) -> str:
    if not check.passed:
        return "failed"
    kind = str(check.comparison.get("kind", "checked"))
    return f"{kind}; outside reference matched" if check.outside else kind
