"""The set-up phase of an A/B check: each side constructs every entry once, with the
correctness check, before any sample is timed.

Per side, one process per group of entries runs the side's own construction. Numba
compiles into that group's cache directory, which every later process of the side
loads, so no compile lands in a sample. The two sides set up at the same time, one core
each: nothing compared is timed here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from harness.core.entry_parts import Check
from harness.core.results import Entry
from harness.regress.ab import SideTree
from harness.regress.targets import Target, groups_of
from harness.regress.workers import Finding, Workers
from harness.run.entries import EntryPlan
from harness.run.findings import ConstructionFindings
from harness.run.summary import summarise_construction, wrong_result_reason


def set_up_sides(
    sides: Sequence[SideTree], workers: Workers, targets: Sequence[Target], log: Callable[[str], None]
) -> dict[str, list[Entry]]:
    """Each side's set-up entries, in target order; the sides run at the same time."""

    def one_side(side: SideTree) -> list[Entry]:
        entries = {t.key: t.plan.entry(status="unavailable", reason=t.unavailable) for t in targets if t.unavailable}
        for group, members in groups_of(t for t in targets if not t.unavailable).items():
            log(f"set-up: {len(members)} entries ({group.name}) on {side.label}")
            findings = workers.run(
                side,
                group,
                "setup",
                [t.spec() for t in members],
                reference_dir=str(workers.output_dir / "reference" / side.padded),
            )
            for target, finding in zip(members, findings, strict=True):
                entries[target.key] = setup_entry(target.plan, finding)
        return [entries[t.key] for t in targets]

    with ThreadPoolExecutor(max_workers=len(sides)) as pool:
        done = list(pool.map(one_side, sides))
    return {side.label: entries for side, entries in zip(sides, done, strict=True)}


def setup_entry(plan: EntryPlan, finding: Finding) -> Entry:
    """A side's set-up finding as an entry: ok (not yet timed), wrong_result, unavailable or failed."""
    status = finding.get("status")
    if status != "ok":
        return plan.entry(
            status=status if status in ("unavailable", "timeout") else "failed", reason=finding.get("reason", "")
        )
    check = Check.from_json(finding["check"])
    if plan.backend == plan.workload.reference:
        check.message = "this backend is the reference"
    if not check.passed:
        return plan.entry(status="wrong_result", reason=wrong_result_reason(check), check=check)
    info = {**finding.get("info", {}), "check_setup": "one cold construction in the check's set-up"}
    info["estimate_seconds"] = finding.get("estimate_seconds")
    if finding.get("work"):
        info["work"] = finding["work"]
    return plan.entry(
        status="ok",
        check=check,
        construction=summarise_construction([cast(ConstructionFindings, finding)], []),
        calls_per_evaluation=finding.get("calls_per_evaluation"),
        info=info,
    )
