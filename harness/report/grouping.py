"""How the report's sections pick, group and order entries (shared by every section module)."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Mapping, Sequence

from harness.core.analysis import case_size
from harness.core.results import Entry
from harness.core.workload import BACKENDS
from harness.report.labels import case_key, case_label, entry_label

TIMED = ("ok",)


def timed_entries(entries: Sequence[Entry]) -> list[Entry]:
    """The entries that finished ok with an evaluation, in the order given."""
    return [e for e in entries if e.status in TIMED and e.evaluation is not None]


def entry_order(entry: Entry) -> tuple[float, int, int]:
    """Smallest case first, then the harness's backend order, then fewest threads."""
    return (case_size(entry) or 0.0, backend_rank(entry.backend), entry.threads or 0)


def grouped_notes(notes: Sequence[tuple[Entry, str]]) -> list[str]:
    """Notes said of several entries, each once: "python, numpy: <note>"."""
    said: dict[str, list[str]] = defaultdict(list)
    for entry, note in notes:
        if entry_label(entry) not in said[note]:
            said[note].append(entry_label(entry))
    return [f"{', '.join(labels)}: {note}" for note, labels in said.items()]


def backend_order(entry: Entry) -> tuple[int, int]:
    return (backend_rank(entry.backend), entry.threads or 0)


def varying_parameters(entries: Sequence[Entry]) -> tuple[str, ...]:
    """The parameters whose value differs between the cases of ``entries`` (one workload)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for name, value in entry.params.items():
            seen[name].add(repr(value))
    return tuple(name for name, values in seen.items() if len(values) > 1)


def short_case(params: Mapping[str, object], varying: Sequence[str]) -> str:
    """The case by the parameters that tell it apart from its workload's other cases."""
    shown = [f"{name}={params[name]}" for name in varying if name in params]
    return ", ".join(shown) or "the one case"


def case_values(params: Mapping[str, object], varying: Sequence[str], width: int = 16) -> str:
    """The case by the values alone, wrapped for a narrow chart's axis ("neg\ntransposed")."""
    shown = " ".join(str(params[name]) for name in varying if name in params) or "the one case"
    return textwrap.fill(shown, width)


def backend_rank(backend: str) -> int:
    return BACKENDS.index(backend) if backend in BACKENDS else len(BACKENDS)


def median_seconds(entry: Entry) -> float:
    assert entry.evaluation is not None
    return entry.evaluation.seconds.median


def label_among(entry: Entry, entries: Sequence[Entry]) -> str:
    """The entry's label, with its case where ``entries`` hold more than one case."""
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
