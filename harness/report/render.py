"""Build the report's view model from loaded runs and render it with Jinja2.

Autoescaping is on for every template: names, reasons and error messages come from
results files made elsewhere, and none of them is trusted as markup. Charts are SVG
data URIs inside ``<img>``, so the file makes no network request and needs no script.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections import defaultdict
from pathlib import Path

import jinja2
import markupsafe

from harness.core.analysis import declared_size_parameters
from harness.core.results import Entry
from harness.report.environment_sections import environment_section, method_section
from harness.report.history_sections import history_sections
from harness.report.model import ReportPage
from harness.report.overview_sections import problems_section, reliability_section, speedup_section
from harness.report.sources import ReportError, ReportInput
from harness.report.summary_sections import previous_comparable, summary_section
from harness.report.workload_sections import workload_report

TEMPLATE = "report.html.j2"


def build_page(report: ReportInput) -> ReportPage:
    """Every section of the report, from the primary run and the history."""
    run = report.primary
    by_workload: dict[str, list[Entry]] = defaultdict(list)
    for entry in run.entries:
        by_workload[entry.workload].append(entry)
    git = run.metadata.get("git") or {}
    return ReportPage(
        title="Performance report",
        subtitle=(
            f"{run.metadata.get('machine', 'unknown machine')} · commit "
            f"{git.get('short_commit', '?')}{' (dirty)' if git.get('dirty') else ''} · "
            f"preset {run.metadata.get('preset', '?')} · {run.metadata.get('utc_time', '?')}"
        ),
        summary=[summary_section(run, previous_comparable(run, report.primary_path, report.runs))],
        overview=[problems_section(run), reliability_section(run), speedup_section(run)],
        workloads=[
            workload_report(name, index, entries, declared_size_parameters(run, name))
            for index, (name, entries) in enumerate(sorted(by_workload.items()))
        ],
        history=history_sections(report.runs),
        environment=[environment_section(run, report.runs), method_section(run)],
        sources=[
            f"report about: {report.primary_path}",
            *(f"history: {path}" for path, _ in report.runs),
            *(f"skipped: {reason}" for reason in report.skipped),
        ],
    )


# A space between a figure and its unit ("1.96 s", "38.0 MiB", "4.1 GB/s"): a table cell
# may wrap at other spaces ("1x / 0.00102x" at the slash), never inside a figure.
FIGURE_AND_UNIT = re.compile(r"(?<=[0-9]) (?=(?:s|ms|us|µs|ns|B|kB|MB|GB|KiB|MiB|GiB|Ir|[A-Za-z]{1,12}/s)(?![A-Za-z]))")


def figures_together(cell: object) -> markupsafe.Markup:
    """The cell's text, escaped, with a non-breaking space between each figure and its unit."""
    return markupsafe.Markup(FIGURE_AND_UNIT.sub("\u00a0", str(markupsafe.escape(cell))))


def template_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("harness.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["figures_together"] = figures_together
    return environment


def render_html(page: ReportPage, generated_at: str | None = None) -> str:
    template = template_environment().get_template(TEMPLATE)
    generated = generated_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return template.render(page=page, generated_at=generated)


def build_report(report: ReportInput, generated_at: str | None = None) -> str:
    """The whole report as one HTML document."""
    return render_html(build_page(report), generated_at)


def report_path(output: Path) -> Path:
    """``output`` itself when it names an .html file, else ``output/index.html``."""
    return output if output.suffix == ".html" else output / "index.html"


def write_report(report: ReportInput, output: Path) -> Path:
    """Write the report atomically; returns the HTML file's path."""
    path = report_path(output)
    html = build_report(report)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(html)
        os.chmod(temporary, 0o644)  # a report is for reading: CI artifacts, web servers
        os.replace(temporary, path)
    except OSError as error:
        raise ReportError(f"cannot write the report to {path}: {error.strerror}") from error
    return path
