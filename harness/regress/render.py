"""Renders a ``SidesComparison``: a rich table for the terminal and Markdown for CI summaries."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

from harness.regress.compare import SidesComparison
from harness.regress.verdicts import IMPROVED, NOT_COMPARABLE, REGRESSED, UNCHANGED, EntryComparison

STATUS_STYLE = {REGRESSED: "bold red", IMPROVED: "green", NOT_COMPARABLE: "yellow"}
STATUS_ICON = {REGRESSED: ":red_circle:", IMPROVED: ":green_circle:", NOT_COMPARABLE: ":warning:"}
COLUMNS = ("entry", "base", "new", "ratio", "95% CI", "p", "samples", "status", "why")


def headline(comparison: SidesComparison) -> str:
    """One line: the verdict and how many entries fell in each status."""
    counts = comparison.counts()
    tally = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    weak, compared = comparison.underpowered, comparison.compared
    if comparison.regressed:
        return f"Performance regression: {tally}"
    if weak and weak == compared:
        return (
            f"No change could be called: all {compared} compared entries have too few samples "
            f"to show one ({tally}); add samples: more --rounds, or a folder of runs a side"
        )
    if weak:
        few = f"{weak} of the {counts[UNCHANGED]} unchanged had too few samples to show a change"
        return f"No performance regression: {tally}; {few}"
    return f"No performance regression: {tally}"


def format_amount(value: float, kind: str) -> str:
    if math.isnan(value):
        return "-"
    if kind == "instructions":
        return f"{value:,.0f} Ir"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def row(entry: EntryComparison) -> list[str]:
    """The table cells of one entry comparison, shared by both renderings."""
    stats = entry.statistics
    why = "; ".join([entry.reason, *entry.notes]) if entry.notes else entry.reason
    if stats is None:
        return [entry.label, "-", "-", "-", "-", "-", "-", entry.status, why]
    p_value = "-" if math.isnan(stats.p_value) else f"{stats.p_value:.2g}"
    return [
        entry.label,
        format_amount(stats.base_median, entry.kind),
        format_amount(stats.new_median, entry.kind),
        f"{stats.ratio:.3f}",
        f"{stats.ci_low:.3f}-{stats.ci_high:.3f}",
        p_value,
        f"{stats.base_samples} vs {stats.new_samples}",
        entry.status,
        why,
    ]


SAMPLES_NOTE = (
    "base, new: the median of one sample per process (a process's mean for a run's results, its "
    "minimum for the rounds of an A/B check), so they may differ from a run's median of all values"
)


def rich_table(comparison: SidesComparison) -> Table:
    """A rich Table of every entry; regressions in red, not-comparable ones in yellow."""

    thresholds = comparison.thresholds
    table = Table(
        title=f"{headline(comparison)}  (alpha {thresholds.alpha:g}, "
        f"min effect {thresholds.min_effect:.0%}{', Holm over the entries' if thresholds.family_wise else ''}, "
        "new/base; one sample per process)",
        caption=SAMPLES_NOTE,
    )
    for name in COLUMNS:
        table.add_column(name, overflow="fold", no_wrap=name in ("ratio", "p", "status"))
    for entry in comparison.entries:
        # labels hold "[params]", which rich would read as markup
        table.add_row(*(rich_escape(cell) for cell in row(entry)), style=STATUS_STYLE.get(entry.status, ""))
    return table


def print_comparison(comparison: SidesComparison) -> None:
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    for warning in comparison.warnings:
        console.print(f"[bold yellow]warning:[/bold yellow] {rich_escape(warning)}")
    console.print(rich_table(comparison))


def markdown(comparison: SidesComparison) -> str:
    """A Markdown summary for a CI job summary or a pull-request comment."""
    thresholds = comparison.thresholds
    icon = STATUS_ICON[REGRESSED] if comparison.regressed else ":white_check_mark:"
    lines = [f"## {icon} {headline(comparison)}", ""]
    for warning in comparison.warnings:
        lines.append(f"> **Warning:** {escape(warning)}")
    if comparison.warnings:
        lines.append("")
    lines += [
        f"Base: {describe_side(comparison.base.metadata, len(comparison.base.runs))}  ",
        f"New: {describe_side(comparison.new.metadata, len(comparison.new.runs))}  ",
        "Verdict rule: rank test (Mann-Whitney U, stratified by round) on one sample per process, "
        f"p < {thresholds.alpha:g}"
        + (" after Holm's adjustment over the timed entries" if thresholds.family_wise else "")
        + f", and a change of at least {thresholds.min_effect:.0%}"
        + "".join(
            f", {name}: {value:.0%}" for name, value in sorted(thresholds.min_effect_for.items())
        )
        + f"; instruction counts: {thresholds.instructions_threshold:.1%}.",
        f"{SAMPLES_NOTE[0].upper()}{SAMPLES_NOTE[1:]}.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for entry in sorted(comparison.entries, key=order):
        cells = row(entry)
        cells[7] = f"{STATUS_ICON.get(entry.status, '')} {entry.status}".strip()
        lines.append("| " + " | ".join(escape(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def order(entry: EntryComparison) -> int:
    """Regressions first, then not comparable, improvements, and unchanged last."""
    return (
        [REGRESSED, NOT_COMPARABLE, IMPROVED].index(entry.status)
        if entry.status in (REGRESSED, NOT_COMPARABLE, IMPROVED)
        else 3
    )


def describe_side(metadata: Mapping[str, object], runs: int) -> str:
    git = metadata.get("git")
    git = git if isinstance(git, Mapping) else {}
    commit = git.get("short_commit") or "unknown commit"
    dirty = " (dirty)" if git.get("dirty") else ""
    return (
        f"`{commit}`{dirty}, {runs} run{'s' if runs != 1 else ''} on "
        f"{metadata.get('machine', '?')} ({metadata.get('cpu_model', '?')}, "
        f"{metadata.get('logical_cores', '?')} cores)"
    )


def escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
