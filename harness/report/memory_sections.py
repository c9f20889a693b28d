"""A workload's memory sections, from ``Entry.profile.memory`` (memory_profiler's samples):
the peak of each construction step and of evaluation, all above one baseline, and the
growth of resident memory over repeated calls.

The profiler measures every peak above the process's resident memory before anything
ran (the baseline), so those figures are drawn and the baseline is given beside them,
never charted next to them. Growth is given over the calls that were sampled and
nothing further: a rate per 1,000 calls only where at least 1,000 calls were sampled.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.profiles import DeviceMemory, MemoryGrowth, MemoryProfile
from harness.core.results import Entry
from harness.report.charts import Axis, Bars, Series, bar_chart, line_chart, marker
from harness.report.grouping import grouped_notes, label_among
from harness.report.labels import case_label, entry_label, format_mib, format_number
from harness.report.model import Section, Table

STEPS = ("inputs", "import", "prepare", "first_call")
RATE_CALLS = 1000  # a rate per this many calls needs at least this many sampled


def _memory(entry: Entry) -> MemoryProfile | None:
    return entry.profile.memory if entry.profile else None


def _steps(memory: MemoryProfile) -> dict[str, float | None]:
    """Each construction step's peak and the evaluation peak, in MiB above the baseline."""
    steps = memory.construction_steps_peak_mib or {}
    found: dict[str, float | None] = {name: steps.get(name) for name in STEPS}
    found.update({name: value for name, value in steps.items() if name not in found})
    if not steps:
        found["construction"] = memory.construction_peak_mib
    found["evaluation"] = memory.evaluation_peak_mib
    return found


def memory_phase_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-memory",
        span="third",
        title="Memory per step",
        intro="Peak resident memory of each construction step (inputs, import, prepare, first "
        "call) and of evaluation, in MiB above the process's memory before anything ran.",
    )
    profiled = [(e, m) for e in entries if (m := _memory(e)) is not None]
    if not profiled:
        return section.not_measured(
            "no memory profile in these results; harness profile --workload NAME measures it"
        )
    names = list(dict.fromkeys(name for _, m in profiled for name in _steps(m)))
    bars = [
        Bars(label_among(e, entries), e.backend, [_steps(m).get(name) for name in names]) for e, m in profiled
    ]
    baselines = sorted({m.baseline_mib for _, m in profiled if m.baseline_mib is not None})
    section.chart = bar_chart(
        "Peak above the baseline (MiB)",
        [name.replace("_", " ") for name in names],
        bars,
        Axis("MiB above baseline", log=False),
        alt="bars of peak memory above the baseline at each step: "
        + "; ".join(
            f"{entry_label(e)} " + ", ".join(f"{n} {format_mib(v)}" for n, v in _steps(m).items())
            for e, m in profiled
        ),
        caption=f"Baseline {format_mib(baselines[0])}"
        + (f" to {format_mib(baselines[-1])}" if len(baselines) > 1 else "")
        + " of resident memory before construction.",
        narrow=True,
    )
    section.details.append(
        Table(
            ["case", "backend", "baseline", *(n.replace("_", " ") for n in names), "device"],
            [
                [
                    case_label(e.params),
                    entry_label(e),
                    format_mib(m.baseline_mib),
                    *(format_mib(_steps(m).get(n)) for n in names),
                    _device_text(m.device),
                ]
                for e, m in profiled
            ],
            caption="Every entry's peaks above its baseline (MiB)",
        )
    )
    section.notes += grouped_notes([(e, note) for e, m in profiled for note in m.notes])
    return section


def _device_text(device: DeviceMemory | None) -> str:
    if device is None:
        return "not measured"
    return ", ".join(f"{k}={format_number(v)}" for k, v in device.to_json().items())


def memory_growth_section(prefix: str, entries: Sequence[Entry]) -> Section:
    section = Section(
        anchor=f"{prefix}-memory-growth",
        span="third",
        title="Memory growth over calls",
        intro="Resident memory while the call repeats, above its first sample; a steady rise "
        "that goes on into the second half of the calls is a leak.",
    )
    grown = [(e, g) for e in entries if (g := _growth(e)) is not None]
    if not grown:
        return section.not_measured(
            "no memory growth samples in these results; harness profile --workload NAME samples them"
        )
    series = [
        Series(
            label_among(e, entries), e.backend, g.calls, [v - g.rss_mib[0] for v in g.rss_mib], marker=marker(i)
        )
        for i, (e, g) in enumerate(grown)
    ]
    rise = max((v for s in series for v in s.y), default=0.0)
    lowest = [v for s in series for v in s.y]
    section.chart = line_chart(
        "Resident memory above the first sample",
        series,
        Axis("calls made", log=False),
        # at least 1 MiB tall, so that one 4 KiB page is not drawn as a cliff
        Axis("MiB above first sample", log=False, limits=(min(0.0, *lowest), max(1.0, rise * 1.1))),
        alt="resident memory against calls: "
        + "; ".join(f"{entry_label(e)} {growth_text(g)}" for e, g in grown),
        narrow=True,
    )
    rows = []
    for entry, growth in grown:
        rows.append(
            [
                case_label(entry.params),
                entry_label(entry),
                growth_text(growth),
                rate_text(growth),
                "yes" if growth.growing else "no",
                growth.reason or "-",
            ]
        )
        if growth.growing:
            section.warnings.append(
                f"{entry_label(entry)} ({case_label(entry.params)}): memory grows, {growth_text(growth)}; "
                "look for buffers allocated per call and never freed"
            )
    section.details.append(
        Table(
            ["case", "backend", "measured rise", "per 1,000 calls", "growing", "verdict"],
            rows,
            caption="Every entry's growth, over the calls sampled",
        )
    )
    return section


def sampled_calls(growth: MemoryGrowth) -> int:
    return growth.calls[-1] - growth.calls[0] if len(growth.calls) > 1 else 0


def growth_text(growth: MemoryGrowth) -> str:
    """The rise the fitted line gives over the calls sampled, and how many calls that is."""
    rise = growth.growth_mib
    if rise is None and len(growth.rss_mib) > 1:
        rise = growth.rss_mib[-1] - growth.rss_mib[0]
    return f"{format_number(rise)} MiB over {sampled_calls(growth):,} calls"


def rate_text(growth: MemoryGrowth) -> str:
    """MiB per 1,000 calls only where 1,000 calls or more were sampled: never extrapolated."""
    calls = sampled_calls(growth)
    if growth.slope_mib_per_1000_calls is None:
        return "not measured: too few calls to fit"
    if calls < RATE_CALLS:
        return f"not given: {calls:,} calls sampled, fewer than {RATE_CALLS:,}"
    return f"{format_number(growth.slope_mib_per_1000_calls)} MiB (fitted on {calls:,} calls)"


def _growth(entry: Entry) -> MemoryGrowth | None:
    """The entry's growth samples; None without any (the reader has checked their lengths)."""
    memory = _memory(entry)
    growth = memory.growth if memory else None
    return growth if growth is not None and growth.calls else None

