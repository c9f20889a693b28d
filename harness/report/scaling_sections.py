"""How a workload's time grows: with size (the log-log exponent) and with threads
(numba_parallel's parallel efficiency)."""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.analysis import (
    MIN_SCALING_SIZES,
    case_size,
    distinct_sizes,
    scaling_exponent,
    scaling_lines,
)
from harness.core.results import Entry
from harness.report.charts import Axis, Series, line_chart, marker, thread_style
from harness.report.grouping import backend_rank, by_case, median_seconds, short_case, varying_parameters
from harness.report.labels import case_label, entry_label, format_number, format_seconds
from harness.report.model import Section, Table
from harness.report.trust import Ratio, efficiency_of, percent_text, process_count, speedup_of


def scaling_section(prefix: str, entries: Sequence[Entry], size_parameters: Sequence[str] | None = None) -> Section:
    section = Section(
        anchor=f"{prefix}-scaling",
        span="third",
        title="Scaling with size",
        intro="Median seconds per call against the work per call, log-log. The exponent k is "
        "the least-squares slope: time grows as size^k (k=1: linear). A line joins cases that "
        "differ only in the workload's size parameters, and is fitted through "
        f"{MIN_SCALING_SIZES} sizes or more.",
    )
    if not size_parameters:
        return section.not_measured(
            "this results file does not record the workload's size parameters (runs made "
            "before workloads declared them), so no fit can tell sizes from other parameters"
        )
    lines = scaling_lines(entries, size_parameters)
    fitted = {
        key: fit
        for key, group in lines.items()
        if distinct_sizes(group, size_parameters) >= MIN_SCALING_SIZES
        and (fit := _fit(group, size_parameters))[2] is not None
    }
    if not fitted:
        return section.not_measured(
            f"no backend was run at {MIN_SCALING_SIZES} or more sizes ({', '.join(size_parameters)}) "
            "with everything else equal; run a scaling preset (--preset full) to measure how time "
            "grows with size"
        )
    several = len({fixed for _, _, fixed in fitted}) > 1
    series, rows = [], []
    thread_counts = sorted({t or 0 for _, t, _ in fitted})
    for index, ((backend, threads, fixed), (sizes, seconds, exponent)) in enumerate(
        sorted(fitted.items(), key=lambda item: (backend_rank(item[0][0]), item[0][1] or 0, item[0][2]))
    ):
        first = lines[(backend, threads, fixed)][0]
        others = case_label({k: v for k, v in first.params.items() if k not in size_parameters})
        label = f"{entry_label(first)} | {others}" if several else entry_label(first)
        series.append(
            Series(
                f"{label} (k={exponent:.2f})",
                backend,
                sizes,
                seconds,
                linestyle=thread_style(thread_counts.index(threads or 0)),
                marker=marker(index),
            )
        )
        rows.append([label, f"{exponent:.2f}", format_number(min(sizes)), format_number(max(sizes)),
                     str(len(set(sizes)))])
    unit = _work_unit(entries)
    section.chart = line_chart(
        "Time against size",
        series,
        Axis(f"work per call ({unit})", log=True),
        Axis("median seconds per call (s)", log=True, seconds=True),
        alt="seconds per call against size, log-log: " + "; ".join(s.label for s in series),
        narrow=True,
    )
    section.details.append(
        Table(
            ["line", "exponent k", "smallest size", "largest size", "distinct sizes"],
            rows,
            caption="The fitted exponent of every line",
        )
    )
    return section


def _fit(
    entries: Sequence[Entry], size_parameters: Sequence[str] = ()
) -> tuple[list[float], list[float], float | None]:
    points = sorted((case_size(e, size_parameters) or 0.0, median_seconds(e)) for e in entries)
    sizes, seconds = [p[0] for p in points], [p[1] for p in points]
    return sizes, seconds, scaling_exponent(sizes, seconds)


def _work_unit(entries: Sequence[Entry]) -> str:
    for entry in entries:
        rate = entry.evaluation.rate if entry.evaluation else None
        work = rate.get("work") if isinstance(rate, dict) else None
        if isinstance(work, dict) and work.get("unit"):
            return str(work["unit"])
    return "size parameter"



# -- threads ------------------------------------------------------------------------------


def parallel_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-parallel",
        span="third",
        title="Parallel efficiency (numba_parallel)",
        intro="Efficiency = speedup over one thread / threads; 100% is perfect scaling. The "
        "speedup is the Hodges-Lehmann ratio of the two entries' process samples, with its 95% "
        "interval (bars): one thread and more ran in separate processes, so the interval is as "
        "wide as the machine's speed moves from one process to the next (one process on a side: "
        "no interval, and the ratio of the medians). The median is of all "
        "values; where processes ran at different speeds, the ratio of two medians and the "
        "speedup of the process samples differ.",
    )
    series, rows = [], []
    varying = varying_parameters(entries)
    for index, group in enumerate(
        by_case([e for e in entries if e.backend == "numba_parallel"]).values()
    ):
        by_threads = {e.threads or 1: e for e in group}
        one = by_threads.get(1)
        if one is None or len(by_threads) < 2:
            continue
        # one thread is the reference, exactly 1; every other count with its interval
        measured = {t: r for t, e in by_threads.items() if t != 1 and (r := efficiency_of(e, one)) is not None}
        if not measured:
            continue
        efficiency = {1: Ratio(1.0, 1.0, 1.0), **measured}
        threads = sorted(efficiency)
        series.append(
            Series(
                short_case(group[0].params, varying),
                "numba_parallel",
                threads,
                [efficiency[t].value for t in threads],
                low=[_or_value(efficiency[t].low, efficiency[t]) for t in threads],
                high=[_or_value(efficiency[t].high, efficiency[t]) for t in threads],
                linestyle=thread_style(index),
                marker=marker(index),
            )
        )
        rows += [
            [
                case_label(group[0].params),
                str(t),
                format_seconds(median_seconds(by_threads[t])),
                "1 (the reference)" if t == 1 else _speedup_text(by_threads[t], one),
                "100% (the reference)" if t == 1 else percent_text(efficiency[t]),
                process_count(by_threads[t]),
            ]
            for t in threads
        ]
    if not series:
        return section.not_measured(
            "numba_parallel was not run at threads=1 and at more threads; "
            "run with --backend numba_parallel --threads 1,2"
        )
    ticks = sorted({t for s in series for t in s.x})
    section.chart = line_chart(
        "Parallel efficiency against threads",
        series,
        Axis("threads", log=False, ticks=ticks, tick_labels=[str(t) for t in ticks]),
        Axis(
            "efficiency (speedup / threads)",
            log=False,
            limits=(0.0, max(1.1, *(v for s in series for v in (*s.y, *(s.high or [])))) * 1.05),
        ),
        alt="parallel efficiency of numba_parallel against threads: "
        + "; ".join(f"{s.label} {s.y[-1]:.0%} at {s.x[-1]:g} threads" for s in series),
        narrow=True,
    )
    section.details.append(
        Table(
            ["case", "threads", "median", "speedup over one thread", "efficiency", "samples"],
            rows,
            caption="Every thread count's figures, with 95% intervals",
        )
    )
    return section


def _or_value(bound: float | None, ratio: Ratio) -> float:
    return ratio.value if bound is None else bound


def _speedup_text(entry: Entry, one_thread: Entry) -> str:
    speedup = speedup_of(entry, over=one_thread)
    return "-" if speedup is None else speedup.text()
