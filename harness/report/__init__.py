"""The HTML report: one self-contained file built from saved results.

Reports never run workloads: they read results files (this machine's, another
machine's, older commits') and return HTML. ``sources`` finds and loads the runs,
the ``*_sections`` modules turn them into a view model of sections, tables and notes, ``charts``
draws the matplotlib figures (imported only when a report is built), and ``render``
fills the Jinja2 templates in ``harness/report/templates``.
"""

from __future__ import annotations

from harness.report.sources import ReportError, ReportInput, collect_results

__all__ = ["ReportError", "ReportInput", "collect_results"]
