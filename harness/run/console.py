"""Terminal output: live progress while a run goes, a summary at its end (a line an entry)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.text import Text

from harness.core.analysis import entry_warnings, speedup
from harness.core.formatting import format_rate, format_ratio, format_seconds
from harness.core.registry import LoadFailure
from harness.core.results import Entry, Run
from harness.run.entries import EntryPlan

STATUS_STYLE = {
    "ok": "green",
    "unavailable": "dim",
    "failed": "red",
    "wrong_result": "red",
    "timeout": "red",
}


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
            line += "  " + escape(entry.reason.splitlines()[0])
        self.console.print(line)
        for warning in entry_warnings(entry):
            self.console.print(f"    [yellow]warning:[/yellow] {escape(warning)}")

    def summary(self, run: Run) -> None:
        for line in summary_lines(run):
            self.console.print(line, overflow="ellipsis", no_wrap=True)

    def load_failures(self, failures: Sequence[LoadFailure]) -> None:
        """One red line per workload package that could not be loaded (its entries never ran)."""
        for failure in failures:
            self.console.print(
                f"workload [bold]{escape(failure.name)}[/bold]: [red]failed[/red]  "
                + escape(f"cannot be loaded ({failure.directory}): {failure.error_type}: {failure.message}")
            )


SUMMARY_WIDTH = 100  # one line per entry in this many columns; the wide table is the report's
SUMMARY_COLUMNS = (  # (heading, width, right-aligned)
    ("backend", 18, False),
    ("status", 12, False),
    ("per call", 9, True),
    ("spread", 7, True),
    ("vs python", 9, True),
    ("vs numpy", 9, True),
    ("build", 9, True),
    ("rate", 16, True),
)


def summary_lines(run: Run) -> list[Text]:
    """The run's summary: a heading per workload and case, then one line per entry in at
    most ``SUMMARY_WIDTH`` columns (construction's JIT share, calls per evaluation and the
    rest are in the HTML report)."""
    lines = [Text("Summary", style="bold"), Text(summary_row([heading for heading, _, _ in SUMMARY_COLUMNS]),
                                                 style="dim")]
    shown_case = None
    for entry in run.entries:
        case = (entry.workload, tuple(entry.params.items()))
        if case != shown_case:
            params = ",".join(f"{name}={value}" for name, value in entry.params.items())
            lines.append(Text(fitted(f"{entry.workload} {params}", SUMMARY_WIDTH), style="bold"))
            shown_case = case
        lines.append(entry_line(run, entry))
    return lines


def entry_line(run: Run, entry: Entry) -> Text:
    """One entry's row, its status coloured."""
    evaluation, construction = entry.evaluation, entry.construction
    backend = entry.backend + (f" x{entry.threads}" if entry.threads is not None else "")
    cells = [
        backend,
        entry.status,
        format_seconds(evaluation.seconds.median if evaluation else None),
        f"{evaluation.seconds.relative_spread:.1%}" if evaluation else "-",
        format_ratio(speedup(run, entry, "python")),
        format_ratio(speedup(run, entry, "numpy")),
        format_seconds(construction.seconds.median if construction else None),
        format_rate(evaluation.rate if evaluation else None),
    ]
    row = summary_row(cells)
    if evaluation is None and entry.reason:  # nothing timed: the reason in the figures' place
        row = summary_row(cells[:2]).ljust(status_column_end()) + " " + entry.reason.splitlines()[0]
        row = fitted(row, SUMMARY_WIDTH)
    status_at = 2 + SUMMARY_COLUMNS[0][1] + 1
    line = Text(row)
    line.stylize(STATUS_STYLE[entry.status], status_at, status_at + len(entry.status))
    return line


def status_column_end() -> int:
    return 2 + SUMMARY_COLUMNS[0][1] + 1 + SUMMARY_COLUMNS[1][1]


def summary_row(cells: Sequence[str]) -> str:
    """Cells padded to their columns (each cut to fit), two spaces of indent."""
    padded = []
    for text, (_, width, right) in zip(cells, SUMMARY_COLUMNS[: len(cells)], strict=True):
        text = fitted(text, width)
        padded.append(text.rjust(width) if right else text.ljust(width))
    return ("  " + " ".join(padded)).rstrip()


def fitted(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "\u2026"
