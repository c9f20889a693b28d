"""Terminal output: live progress while a run goes, a summary table at its end."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from harness.analysis import entry_warnings, speedup
from harness.registry import LoadFailure
from harness.results import Entry, Run
from harness.runner import EntryPlan

STATUS_STYLE = {
    "ok": "green",
    "unavailable": "dim",
    "failed": "red",
    "wrong_result": "red",
    "timeout": "red",
}


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.3g}x"


def format_rate(rate: dict[str, Any] | None) -> str:
    if not rate:
        return "-"
    value, unit = float(rate["value"]), str(rate["unit"])
    for prefix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


class RunConsole:
    """Shows each entry as it runs (a status line) and as it ends (one line)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 160)
        self._status: Status | None = None

    @contextmanager
    def entry(self, plan: EntryPlan, index: int, total: int) -> Iterator[None]:
        self._prefix = escape(f"[{index}/{total}] {plan.label}")
        with self.console.status(self._prefix) as status:
            self._status = status
            try:
                yield
            finally:
                self._status = None

    def step(self, plan: EntryPlan, text: str) -> None:
        if self._status is not None:
            self._status.update(f"{self._prefix}: {escape(text)}")

    def note(self, text: str) -> None:
        self.console.print(escape(text))

    def finished(self, entry: Entry, run: Run, index: int, total: int) -> None:
        style = STATUS_STYLE[entry.status]
        line = escape(f"[{index}/{total}] {entry.label}") + f": [{style}]{entry.status}[/{style}]"
        if entry.evaluation is not None:
            seconds = entry.evaluation.seconds
            line += f"  {format_seconds(seconds.median)} ±{seconds.relative_spread:.1%}"
            ratio = speedup(run, entry, "python")
            if ratio is not None and entry.backend != "python":
                line += f"  {format_ratio(ratio)} python"
        elif entry.reason:
            line += "  " + escape(entry.reason.splitlines()[0][:200])
        self.console.print(line)
        for warning in entry_warnings(entry):
            self.console.print(f"    [yellow]warning:[/yellow] {escape(warning)}")

    def summary(self, run: Run) -> None:
        self.console.print(summary_table(run))

    def load_failures(self, failures: Sequence[LoadFailure]) -> None:
        """One red line per workload package that could not be loaded (its entries never ran)."""
        for failure in failures:
            self.console.print(
                f"workload [bold]{escape(failure.name)}[/bold]: [red]failed[/red]  "
                + escape(f"cannot be loaded ({failure.directory}): {failure.error_type}: {failure.message}")
            )


def summary_table(run: Run) -> Table:
    table = Table(title="Summary", show_lines=False)
    for column in (
        "workload",
        "params",
        "backend",
        "status",
        "per call",
        "spread",
        "vs python",
        "vs numpy",
        "construction",
        "jit compile",
        "calls/eval",
        "rate",
    ):
        table.add_column(column, overflow="fold")
    for entry in run.entries:
        evaluation, construction = entry.evaluation, entry.construction
        backend = entry.backend + (f" x{entry.threads}" if entry.threads is not None else "")
        table.add_row(
            escape(entry.workload),
            escape(",".join(f"{k}={v}" for k, v in entry.params.items())),
            backend,
            f"[{STATUS_STYLE[entry.status]}]{entry.status}[/]",
            format_seconds(evaluation.seconds.median if evaluation else None),
            f"{evaluation.seconds.relative_spread:.1%}" if evaluation else "-",
            format_ratio(speedup(run, entry, "python")),
            format_ratio(speedup(run, entry, "numpy")),
            format_seconds(construction.seconds.median if construction else None),
            format_seconds(
                construction.jit_compile.median if construction and construction.jit_compile else None
            ),
            str(entry.calls_per_evaluation["total"]) if entry.calls_per_evaluation else "-",
            format_rate(evaluation.rate if evaluation else None),
        )
    return table
