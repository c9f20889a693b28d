"""The sections of one workload: timing, scaling, rates, construction, threads, memory,
line profiles, Python calls and optimizer passes, from one run's entries."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from harness.core.analysis import (
    MIN_SCALING_SIZES,
    break_even,
    case_size,
    distinct_sizes,
    entry_warnings,
    parallel_efficiency,
    scaling_exponent,
    scaling_lines,
)
from harness.core.results import Entry
from harness.core.workload import BACKENDS
from harness.report.charts import (
    Axis,
    Bars,
    Box,
    Series,
    bar_chart,
    box_chart,
    line_chart,
    marker,
    thread_style,
)
from harness.report.labels import (
    anchor,
    case_key,
    case_label,
    entry_label,
    format_mib,
    format_number,
    format_percent,
    format_rate,
    format_ratio,
    format_seconds,
    ordered_backends,
)
from harness.report.model import Section, Table, WorkloadReport

REFERENCES = ("python", "numpy")
HOT_LINES = 5
COST_POINTS = 60
PASS_COLUMNS = ("name", "seconds", "times_applied", "nodes_created", "nodes_removed")


def workload_report(
    name: str, index: int, entries: Sequence[Entry], size_parameters: Sequence[str] | None = None
) -> WorkloadReport:
    """Every section for one workload, in reading order; ``size_parameters`` as the run
    recorded the workload's declaration (None: not recorded, so no scaling fit)."""
    prefix = anchor(f"w{index}", name)
    timed = sorted(
        (e for e in entries if e.status == "ok" and e.evaluation is not None), key=_order
    )
    # A profile-only file (harness profile --output) has profiles and no timings: its
    # profile sections read every ok entry that holds either.
    profiled = sorted(
        (e for e in entries if e.status == "ok" and (e.evaluation is not None or e.profile)), key=_order
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
        calls_section,
        optimizer_section,
    ]
    cases = list(dict.fromkeys(case_label(e.params) for e in entries))
    return WorkloadReport(
        name=name,
        anchor=prefix,
        cases=cases,
        sections=[build(prefix, timed) for build in timing_builders]
        + [build(prefix, profiled) for build in profile_builders],
    )


def _order(entry: Entry) -> tuple[float, int, int]:
    return (case_size(entry) or 0.0, _backend_rank(entry.backend), entry.threads or 0)


def _backend_rank(backend: str) -> int:
    return BACKENDS.index(backend) if backend in BACKENDS else len(BACKENDS)


def _median(entry: Entry) -> float:
    assert entry.evaluation is not None
    return entry.evaluation.seconds.median


def _label(entry: Entry, entries: Sequence[Entry]) -> str:
    several_cases = len({case_key(e.params) for e in entries}) > 1
    return (
        f"{entry_label(entry)} | {case_label(entry.params)}"
        if several_cases
        else entry_label(entry)
    )


def by_case(entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    cases: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        cases[case_key(entry.params)].append(entry)
    return dict(cases)


def one_per_backend(entries: Sequence[Entry]) -> dict[str, Entry]:
    """Per backend, the entry with the most threads (the others are in the thread study)."""
    chosen: dict[str, Entry] = {}
    for entry in entries:
        current = chosen.get(entry.backend)
        if current is None or (entry.threads or 0) > (current.threads or 0):
            chosen[entry.backend] = entry
    return chosen


# -- evaluation ---------------------------------------------------------------------------


def evaluation_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-evaluation",
        title="Evaluation time per call",
        intro="Steady-state seconds per call from pyperf: every value of every worker process. "
        "Boxes show the quartiles and the median, whiskers 1.5 IQR, dots outliers.",
    )
    if not entries:
        return section.not_measured("no entry of this workload finished ok with an evaluation")
    section.chart = box_chart(
        "Seconds per call, all values",
        [
            Box(_label(e, entries), e.backend, e.evaluation.seconds.values)
            for e in entries
            if e.evaluation
        ],
        Axis("seconds per call (s)", seconds=True),
        alt="box plot of evaluation seconds per call for each backend",
    )
    rows = [_evaluation_row(entry) for entry in entries]
    unreliable = sum(1 for row in rows if row[-1] != "ok")
    if unreliable:
        section.warnings.append(
            f"{unreliable} of {len(rows)} entries are unreliable as measured; the reliability "
            "column says why and what to do"
        )
    section.tables.append(
        Table(
            ["case", "backend", "median", "min", "max", "spread", "values", "vs plain loop", "reliability"],
            rows,
            caption="vs plain loop: this median over that of a plain timeit loop of the same kernel "
            "in one process after a warm-up call; near 1.00 when both measured only the kernel.",
        )
    )
    return section


def _evaluation_row(entry: Entry) -> list[str]:
    assert entry.evaluation is not None
    seconds = entry.evaluation.seconds
    return [
        case_label(entry.params),
        entry_label(entry),
        format_seconds(seconds.median),
        format_seconds(seconds.min),
        format_seconds(seconds.max),
        format_percent(seconds.relative_spread),
        str(len(seconds.values)),
        _plain_loop_cell(entry),
        "; ".join(entry_warnings(entry)) or "ok",
    ]


def _plain_loop_cell(entry: Entry) -> str:
    ratio = entry.evaluation.plain_loop_ratio if entry.evaluation else None
    return "not measured" if ratio is None else f"{ratio:.2f}"


# -- scaling ------------------------------------------------------------------------------


def scaling_section(prefix: str, entries: Sequence[Entry], size_parameters: Sequence[str] | None = None) -> Section:
    section = Section(
        anchor=f"{prefix}-scaling",
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
        sorted(fitted.items(), key=lambda item: (_backend_rank(item[0][0]), item[0][1] or 0, item[0][2]))
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
        alt="log-log plot of seconds per call against size, one line per backend and fixed parameters",
    )
    section.tables.append(
        Table(["line", "exponent k", "smallest size", "largest size", "distinct sizes"], rows)
    )
    return section


def _fit(
    entries: Sequence[Entry], size_parameters: Sequence[str] = ()
) -> tuple[list[float], list[float], float | None]:
    points = sorted((case_size(e, size_parameters) or 0.0, _median(e)) for e in entries)
    sizes, seconds = [p[0] for p in points], [p[1] for p in points]
    return sizes, seconds, scaling_exponent(sizes, seconds)


def _work_unit(entries: Sequence[Entry]) -> str:
    for entry in entries:
        rate = entry.evaluation.rate if entry.evaluation else None
        work = rate.get("work") if isinstance(rate, dict) else None
        if isinstance(work, dict) and work.get("unit"):
            return str(work["unit"])
    return "size parameter"


# -- rates --------------------------------------------------------------------------------


def rate_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-rates",
        title="Rates against the numpy reference",
        intro="Work done per second (points/s, FLOP/s or B/s as the workload declares) divided "
        "by numpy's rate on the same case: above 1 is faster than numpy.",
    )
    rated = [e for e in entries if _rate(e) is not None]
    if not rated:
        return section.not_measured("this workload declares no work per call, so no rate")
    cases = by_case(rated)
    backends = ordered_backends(e.backend for e in rated)
    bars, rows = [], []
    for backend in backends:
        ratios: list[float | None] = []
        for group in cases.values():
            chosen = one_per_backend(group)
            entry, numpy = chosen.get(backend), chosen.get("numpy")
            ratio = _rate_ratio(entry, numpy)
            ratios.append(ratio)
            if entry is not None:
                rows.append(
                    [
                        case_label(entry.params),
                        entry_label(entry),
                        format_rate(entry.evaluation.rate if entry.evaluation else None),
                        format_ratio(ratio) if ratio is not None else "not measured (no numpy)",
                    ]
                )
        bars.append(Bars(backend, backend, ratios))
    if not any(r is not None for bar in bars for r in bar.values):
        section.notes.append(
            "not measured: no numpy entry to compare with; the table gives absolute rates"
        )
    else:
        section.chart = bar_chart(
            "Rate relative to numpy",
            [case_label(group[0].params) for group in cases.values()],
            bars,
            Axis("rate / numpy rate (×)"),
            reference_line=1.0,
            alt="bars of each backend's rate divided by numpy's rate, per case",
        )
    case_order = [case_label(group[0].params) for group in cases.values()]
    rows.sort(key=lambda row: case_order.index(row[0]))
    section.tables.append(Table(["case", "backend", "rate", "relative to numpy"], rows))
    return section


def _rate(entry: Entry) -> float | None:
    rate = entry.evaluation.rate if entry.evaluation else None
    value = rate.get("value") if isinstance(rate, dict) else None
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _rate_ratio(entry: Entry | None, numpy: Entry | None) -> float | None:
    if entry is None or numpy is None:
        return None
    mine, reference = _rate(entry), _rate(numpy)
    return mine / reference if mine is not None and reference is not None else None


# -- construction -------------------------------------------------------------------------


def construction_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-construction",
        title="Construction against evaluation: break-even",
        intro="Total cost of n calls = cold construction (import, compile, first call; median "
        "of fresh processes) + n × seconds per call. A compiled backend beats python or numpy "
        "after n* = (C_b - C_ref) / (t_ref - t_b) calls, where its calls are faster.",
    )
    built = [e for e in entries if e.construction is not None]
    if not built:
        return section.not_measured("no entry recorded its construction (cold runs)")
    rows = []
    for group in by_case(entries).values():
        chosen = one_per_backend(group)
        rows += [_construction_row(entry, chosen) for entry in chosen.values()]
    section.tables.append(
        Table(
            [
                "case",
                "backend",
                "construction (cold)",
                "JIT compile",
                "cache load",
                "per call",
                "beats python",
                "beats numpy",
            ],
            rows,
            caption="'not measured' where a phase was not recorded or the reference is missing.",
        )
    )
    largest = max(by_case(built).values(), key=lambda g: case_size(g[0]) or 0.0)
    section.chart = _cost_chart(list(one_per_backend(largest).values()))
    return section


def _construction_row(entry: Entry, chosen: dict[str, Entry]) -> list[str]:
    construction = entry.construction
    return [
        case_label(entry.params),
        entry_label(entry),
        format_seconds(construction.seconds.median) if construction else "not measured",
        format_seconds(construction.jit_compile.median)
        if construction and construction.jit_compile
        else "-",
        format_seconds(construction.cache_load.median)
        if construction and construction.cache_load
        else "-",
        format_seconds(_median(entry)),
        *(_break_even_text(entry, chosen.get(reference)) for reference in REFERENCES),
    ]


def _break_even_text(entry: Entry, reference: Entry | None) -> str:
    if reference is None or reference.construction is None or entry.construction is None:
        return "not measured"
    if reference is entry:
        return "(reference)"
    return break_even(
        entry.construction.seconds.median,
        _median(entry),
        reference.construction.seconds.median,
        _median(reference),
    ).text


def _cost_chart(entries: list[Entry]) -> Any:
    built = [e for e in entries if e.construction is not None]
    crossings = [
        break_even(
            e.construction.seconds.median, _median(e), r.construction.seconds.median, _median(r)
        )
        for e in built
        for r in built
        if r.backend in REFERENCES and r is not e and r.construction
        if e.construction
    ]
    furthest = max([c.calls or 1 for c in crossings if c.kind in ("after", "until")], default=1)
    top = max(1000.0, 10.0 ** math.ceil(math.log10(furthest * 10)))
    calls = [10 ** (i * math.log10(top) / (COST_POINTS - 1)) for i in range(COST_POINTS)]
    series = [
        Series(
            entry_label(e),
            e.backend,
            calls,
            [e.construction.seconds.median + n * _median(e) for n in calls],
            marker="",
        )
        for e in built
        if e.construction
    ]
    return line_chart(
        f"Total cost of n calls ({case_label(built[0].params)})",
        series,
        Axis("calls n", log=True),
        Axis("construction + n × per call (s)", log=True, seconds=True),
        caption="Where a line drops below python's or numpy's, its compile has paid off.",
        alt="log-log plot of total seconds against number of calls for each backend",
    )


# -- threads ------------------------------------------------------------------------------


def parallel_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-parallel",
        title="Parallel efficiency (numba_parallel)",
        intro="Efficiency = speedup over one thread / threads; 1.0 is perfect scaling.",
    )
    series, rows = [], []
    for index, group in enumerate(
        by_case([e for e in entries if e.backend == "numba_parallel"]).values()
    ):
        seconds = {e.threads or 1: _median(e) for e in group}
        if 1 not in seconds or len(seconds) < 2:
            continue
        efficiency = parallel_efficiency(seconds)
        threads = sorted(efficiency)
        series.append(
            Series(
                case_label(group[0].params),
                "numba_parallel",
                threads,
                [efficiency[t] for t in threads],
                linestyle=thread_style(index),
                marker=marker(index),
            )
        )
        rows += [
            [
                case_label(group[0].params),
                str(t),
                format_seconds(seconds[t]),
                format_ratio(seconds[1] / seconds[t]),
                f"{efficiency[t]:.2f}",
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
        Axis("efficiency (speedup / threads)", log=False),
        alt="parallel efficiency of numba_parallel against thread count",
    )
    section.tables.append(Table(["case", "threads", "median", "speedup", "efficiency"], rows))
    return section


# -- memory -------------------------------------------------------------------------------


def _memory(entry: Entry) -> dict[str, Any] | None:
    memory = entry.profile.get("memory") if isinstance(entry.profile, dict) else None
    return memory if isinstance(memory, dict) else None


def memory_phase_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-memory",
        title="Memory per phase",
        intro="Resident memory of the process before anything ran (baseline) and at its peak "
        "during construction and during evaluation.",
    )
    profiled = [(e, m) for e in entries if (m := _memory(e)) is not None]
    if not profiled:
        return section.not_measured("no memory profile in these results; run the profiler on them")
    phases = ("baseline_mib", "construction_peak_mib", "evaluation_peak_mib")
    bars = [
        Bars(
            _label(e, entries),
            e.backend,
            [float(m[p]) if isinstance(m.get(p), int | float) else None for p in phases],
        )
        for e, m in profiled
    ]
    section.chart = bar_chart(
        "Resident memory per phase",
        ["baseline", "construction peak", "evaluation peak"],
        bars,
        Axis("resident memory (MiB)"),
        alt="bars of memory per phase for each backend",
    )
    rows = [
        [
            case_label(e.params),
            entry_label(e),
            *(format_mib(m.get(p)) for p in phases),
            _device_text(m.get("device")),
        ]
        for e, m in profiled
    ]
    section.tables.append(
        Table(
            ["case", "backend", "baseline", "construction peak", "evaluation peak", "device"], rows
        )
    )
    section.notes += [
        f"{entry_label(e)}: {note}" for e, m in profiled for note in m.get("notes") or []
    ]
    return section


def _device_text(device: Any) -> str:
    if not isinstance(device, dict) or not device:
        return "not measured"
    return ", ".join(f"{k}={format_number(v)}" for k, v in device.items())


def memory_growth_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-memory-growth",
        title="Memory growth over calls",
        intro="Resident memory sampled while the call repeats; a steady rise is a leak.",
    )
    grown = [(e, g) for e in entries if (g := _growth(e)) is not None]
    if not grown:
        return section.not_measured("no memory growth samples in these results")
    section.chart = line_chart(
        "Resident memory against calls",
        [
            Series(_label(e, entries), e.backend, g["calls"], g["rss_mib"], marker=marker(i))
            for i, (e, g) in enumerate(grown)
        ],
        Axis("calls made", log=False),
        Axis("resident memory (MiB)", log=False),
        alt="resident memory against the number of calls for each backend",
    )
    rows = []
    for entry, growth in grown:
        slope = growth.get("slope_mib_per_1000_calls")
        rows.append(
            [
                case_label(entry.params),
                entry_label(entry),
                format_number(slope) if slope is not None else "not measured",
                format_number(growth.get("growing")),
            ]
        )
        if growth.get("growing"):
            section.warnings.append(
                f"{entry.label}: memory grows by {format_number(slope)} MiB per 1000 calls; "
                "look for buffers allocated per call and never freed"
            )
    section.tables.append(Table(["case", "backend", "MiB per 1000 calls", "growing"], rows))
    return section


def _growth(entry: Entry) -> dict[str, Any] | None:
    memory = _memory(entry)
    growth = memory.get("growth") if memory else None
    if not isinstance(growth, dict):
        return None
    calls, rss = growth.get("calls") or [], growth.get("rss_mib") or []
    return growth if calls and len(calls) == len(rss) else None


# -- line profiles ------------------------------------------------------------------------


def hot_lines_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-lines",
        title="Hottest lines",
        intro=f"The {HOT_LINES} lines with the most time in each profiled function "
        "(line_profiler). Compiled backends are profiled through their interpreted "
        "equivalent where marked.",
    )
    for entry in entries:
        profile = entry.profile if isinstance(entry.profile, dict) else {}
        for line_profile in profile.get("line_profiles") or []:
            section.tables.append(_hot_lines_table(entry, line_profile))
        section.notes += [
            f"{entry_label(entry)}: {n}" for n in profile.get("line_profile_notes") or []
        ]
    if not section.tables:
        return section.not_measured("no line profiles in these results; run the line profiler")
    return section


def _hot_lines_table(entry: Entry, line_profile: dict[str, Any]) -> Table:
    lines = sorted(
        line_profile.get("lines") or [], key=lambda line: -float(line.get("seconds") or 0)
    )
    rows = [
        [
            format_number(line.get("lineno")),
            str(line.get("source", "")).strip(),
            format_number(line.get("hits")),
            format_seconds(line.get("seconds")),
            format_seconds(line.get("per_hit_seconds")),
            _percent(line.get("percent")),
        ]
        for line in lines[:HOT_LINES]
    ]
    interpreted = " (interpreted equivalent)" if line_profile.get("interpreted_equivalent") else ""
    caption = (
        f"{entry_label(entry)} | {case_label(entry.params)} | {line_profile.get('phase', '?')}: "
        f"{line_profile.get('function', '?')} in {line_profile.get('file', '?')}"
        f"{interpreted}, {format_seconds(line_profile.get('total_seconds'))} in total"
    )
    return Table(["line", "source", "hits", "seconds", "per hit", "% of function"], rows, caption)


def _percent(value: Any) -> str:
    return f"{float(value):.1f}%" if isinstance(value, int | float) else "-"


# -- calls and optimizer passes -----------------------------------------------------------


def calls_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-calls",
        title="Python calls per evaluation",
        intro="Function calls the interpreter makes during one call (sys.setprofile): "
        "compiled backends should make almost none.",
    )
    counted = [e for e in entries if e.calls_per_evaluation]
    if not counted:
        return section.not_measured("no call counts in these results")
    names = list(dict.fromkeys(k for e in counted for k in e.calls_per_evaluation or {}))
    rows = [
        [
            case_label(e.params),
            entry_label(e),
            *(format_number((e.calls_per_evaluation or {}).get(n)) for n in names),
        ]
        for e in counted
    ]
    section.tables.append(Table(["case", "backend", *(n.replace("_", " ") for n in names)], rows))
    return section


def optimizer_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-optimizer",
        title="Optimizer passes",
        intro="Passes the workload's optimizer ran before evaluation, as it reports them.",
    )
    for entry in entries:
        passes = entry.info.get("optimizer_passes")
        if isinstance(passes, list) and passes:
            section.tables.append(_passes_table(entry, [p for p in passes if isinstance(p, dict)]))
    if not section.tables:
        return section.not_measured("no entry of this workload reports optimizer passes")
    return section


def _passes_table(entry: Entry, passes: list[dict[str, Any]]) -> Table:
    extra = [k for k in dict.fromkeys(k for p in passes for k in p) if k not in PASS_COLUMNS]
    columns = [*PASS_COLUMNS, *extra]
    rows = [
        [
            format_seconds(p.get(c))
            if c == "seconds" and isinstance(p.get(c), int | float)
            else format_number(p.get(c))
            for c in columns
        ]
        for p in passes
    ]
    caption = f"{entry_label(entry)} | {case_label(entry.params)}"
    return Table([c.replace("_", " ") for c in columns], rows, caption)
