"""The sections of one workload, in reading order: timing (evaluation, scaling, rates,
construction, threads) from its timed entries, then its profiles (memory, line profiles,
Python calls, optimizer passes). Each section lives in the module of its kind."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from harness.core.results import Entry
from harness.report.construction_sections import construction_section
from harness.report.evaluation_sections import evaluation_section, rate_section
from harness.report.grouping import entry_order, timed_entries, varying_parameters
from harness.report.labels import anchor, case_label
from harness.report.memory_sections import memory_growth_section, memory_phase_section
from harness.report.model import Section, WorkloadReport
from harness.report.profile_sections import (
    callees_section,
    calls_section,
    hot_lines_section,
    optimizer_section,
)
from harness.report.scaling_sections import parallel_section, scaling_section


def workload_report(
    name: str, index: int, entries: Sequence[Entry], size_parameters: Sequence[str] | None = None
) -> WorkloadReport:
    """Every section for one workload, in reading order; ``size_parameters`` as the run
    recorded the workload's declaration (None: not recorded, so no scaling fit)."""
    prefix = anchor(f"w{index}", name)
    timed = sorted(timed_entries(entries), key=entry_order)
    # A profile-only file (harness profile --output) has profiles and no timings: its
    # profile sections read every ok entry that holds either.
    profiled = sorted(
        (e for e in entries if e.status == "ok" and (e.evaluation is not None or e.profile is not None)),
        key=entry_order,
    )
    timing_builders: list[Callable[[str, Sequence[Entry]], Section]] = [
        evaluation_section,
        lambda prefix, timed: scaling_section(prefix, timed, size_parameters),
        rate_section,
        construction_section,
        parallel_section,
    ]
    profile_builders: list[Callable[[str, Sequence[Entry]], Section]] = [
        memory_phase_section,
        memory_growth_section,
        hot_lines_section,
        callees_section,
        calls_section,
        optimizer_section,
    ]
    cases = list(dict.fromkeys(case_label(e.params) for e in entries))
    varying = varying_parameters(entries)
    fixed = case_label({k: v for k, v in entries[0].params.items() if k not in varying}) if entries else ""
    sections = [build(prefix, timed) for build in timing_builders] + [
        build(prefix, profiled) for build in profile_builders
    ]
    return WorkloadReport(
        name=name, anchor=prefix, cases=cases, sections=_fold_calls(sections), fixed=fixed if varying else ""
    )


def _fold_calls(sections: list[Section]) -> list[Section]:
    """Python call counts are a table only: folded into the evaluation section's figures
    rather than a block of their own (they stay listed as not measured when absent)."""
    evaluation = next(s for s in sections if s.anchor.endswith("-evaluation"))
    calls = next(s for s in sections if s.anchor.endswith("-calls"))
    if calls.missing or evaluation.missing:
        return sections
    evaluation.details += calls.details
    return [s for s in sections if s is not calls]

