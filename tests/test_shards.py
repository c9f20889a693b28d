"""Shard assignment (``harness/run/shards.py``): every entry once, deterministic, balanced by LPT."""

import itertools
import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.cli.main import main
from harness.core.results import Entry, Run, entry_key, load, save
from harness.run.shards import (
    PLAN,
    Shard,
    ShardError,
    assign,
    balance,
    balance_source,
    expected_seconds,
    measured_seconds,
    newest_comparable,
    plan_seconds,
)


def keys(count: int) -> list[tuple[str, str, str, int | None]]:
    backends = ("python", "numpy", "numba", "numba_parallel")
    return [entry_key("w", backends[i % 4], {"n": i}, 2 if i % 4 == 3 else None) for i in range(count)]


@given(st.lists(st.floats(0, 1000), max_size=40), st.integers(1, 12))
def test_the_shards_hold_each_entry_of_the_selection_exactly_once(seconds, count):
    selection = keys(len(seconds))
    expected = dict(zip(selection, seconds, strict=True))
    parts = [assign(Shard(k, count), selection, expected, PLAN).assigned for k in range(1, count + 1)]
    dealt = [key for part in parts for key in part]
    assert sorted(dealt) == sorted(selection)
    assert len(dealt) == len(set(dealt))
    for part in parts:  # each shard runs its part in the selection's order
        assert part == [key for key in selection if key in set(part)]


def optimal_makespan(seconds: list[float], count: int) -> float:
    """The best possible longest shard, by trying every assignment (small inputs only)."""
    return min(
        max(sum(s for s, shard in zip(seconds, choice, strict=True) if shard == k) for k in range(count))
        for choice in itertools.product(range(count), repeat=len(seconds))
    )


@given(st.lists(st.floats(0.01, 1000), min_size=1, max_size=7), st.integers(1, 3))
def test_the_longest_shard_is_within_the_lpt_bound(seconds, count):
    selection = keys(len(seconds))
    expected = dict(zip(selection, seconds, strict=True))
    loads = [sum(expected[k] for k in part) for part in balance(expected, count)]
    bound = (4 / 3 - 1 / (3 * count)) * optimal_makespan(seconds, count)  # Graham (1969)
    assert max(loads) <= bound * (1 + 1e-9)


@given(st.lists(st.floats(0, 1000), min_size=1, max_size=60), st.integers(1, 12))
def test_no_shard_exceeds_the_average_by_more_than_one_entry(seconds, count):
    expected = dict(zip(keys(len(seconds)), seconds, strict=True))
    loads = [sum(expected[k] for k in part) for part in balance(expected, count)]
    assert max(loads) <= sum(seconds) / count + max(seconds) * (1 + 1e-9)


def test_the_assignment_does_not_depend_on_the_order_the_times_come_in():
    selection = keys(30)
    expected = {key: float(i % 7) for i, key in enumerate(selection)}  # many ties
    shuffled = list(expected.items())
    random.Random(3).shuffle(shuffled)
    assert balance(expected, 4) == balance(dict(shuffled), 4)


def test_known_times_deal_longest_first_to_the_least_loaded_shard():
    a, b, c, d, e = keys(5)
    parts = balance({a: 5.0, b: 4.0, c: 3.0, d: 3.0, e: 1.0}, 2)
    assert parts == [[a, d], [b, c, e]]  # 5, 4, then c (its key first) to 4, d to 5, e to 7: 8 and 8


def test_more_shards_than_entries_leaves_shards_empty():
    selection = keys(2)
    expected = {key: 1.0 for key in selection}
    parts = [assign(Shard(k, 5), selection, expected, PLAN).assigned for k in range(1, 6)]
    assert [len(p) for p in parts] == [1, 1, 0, 0, 0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4/3", "--shard 4/3: K must be 1 to 3"),
        ("0/3", "--shard 0/3: K must be 1 to 3"),
        ("1/0", "--shard 1/0: N must be at least 1"),
        ("two", "--shard two: takes K/N, e.g. 2/3"),
        ("1/2/3", "takes K/N"),
    ],
)
def test_a_bad_shard_names_the_valid_form(text, message):
    with pytest.raises(ShardError, match=message):
        Shard.parse(text)


def test_plan_seconds_are_the_budget_and_a_construction_estimate_per_run():
    assert plan_seconds("python", budget=8.0, construction_runs=3) == pytest.approx(8.0 + 3 * 0.5)
    assert plan_seconds("numba", budget=1.0, construction_runs=1) > plan_seconds("numpy", 1.0, 1)


def entry(n: int, backend: str = "python", measured: float | None = None) -> Entry:
    info = {} if measured is None else {"measured_in_seconds": measured}
    return Entry(workload="w", backend=backend, params={"n": n}, status="unavailable", reason="x", info=info)


def test_measured_seconds_come_from_the_entries_and_the_plan_fills_the_rest():
    run = Run(metadata={}, entries=[entry(0, measured=12.5), entry(1)])
    selection = [entry(0).key, entry(1).key, entry(2, "numpy").key]
    expected = expected_seconds(selection, measured_seconds(run), budget=1.0, construction_runs=1)
    assert expected == {
        selection[0]: 12.5,
        selection[1]: plan_seconds("python", 1.0, 1),
        selection[2]: plan_seconds("numpy", 1.0, 1),
    }


def test_the_newest_comparable_file_is_chosen_by_recorded_time_and_shards_are_left_out(tmp_path):
    selection = [entry(0).key]

    def write(name: str, utc_time: str, **metadata: object) -> None:
        run = Run(metadata={"utc_time": utc_time, "preset": "quick", **metadata}, entries=[entry(0, measured=1.0)])
        save(run, tmp_path / name)

    write("a.json", "2026-01-02T00:00:00+00:00")
    write("b.json", "2026-01-01T00:00:00+00:00")  # written last (newer mtime) but measured earlier
    write("c.json", "2026-01-03T00:00:00+00:00", shard={"index": 1, "count": 2})
    write("d.json", "2026-01-04T00:00:00+00:00", preset="default")
    (tmp_path / "e.json").write_text("{not json")
    path, _ = newest_comparable(tmp_path, "quick", selection)
    assert path.name == "a.json"
    assert newest_comparable(tmp_path, "quick", [entry(9).key]) is None
    assert balance_source("none", tmp_path, "quick", selection) == (PLAN, None)
    assert balance_source(None, tmp_path / "absent", "quick", selection) == (PLAN, None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shard", "4/3"], "--shard 4/3: K must be 1 to 3"),
        (["--shard", "3"], "--shard 3: takes K/N"),
        (["--balance-from", "none"], "--balance-from balances shards; give --shard K/N with it"),
    ],
)
def test_bad_shard_options_exit_2(args, message, capsys, tmp_path):
    output = tmp_path / "r.json"
    assert main(["run", "--workload", "mandelbrot", "--output", str(output), *args]) == 2
    assert message in capsys.readouterr().err
    assert not output.exists()


def test_balance_from_a_file_that_is_not_results_exits_2_naming_it(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"entries": []}))
    output = tmp_path / "r.json"
    assert main(["run", "--workload", "mandelbrot", "--shard", "1/2", "--balance-from", str(bad),
                 "--output", str(output)]) == 2
    assert f"{bad} is not a harness results file" in capsys.readouterr().err


@pytest.mark.slow
def test_resume_alone_continues_a_shard_with_its_recorded_part(fixture_workloads, tmp_path, capsys):
    output = tmp_path / "shard-1.json"
    options = ["--workload", "toy", "--preset", "full", "--backend", "python", "--backend", "numpy", "--budget", "0.3"]
    assert main(["run", *options, "--shard", "1/2", "--balance-from", "none", "--output", str(output)]) == 0
    before = json.loads(output.read_text())
    assigned = before["metadata"]["shard"]["assigned"]
    assert [(e["backend"], e["params"]) for e in before["entries"]] == [(a["backend"], a["params"]) for a in assigned]
    before["entries"] = before["entries"][:1]  # as if stopped after its first entry
    before["metadata"]["interrupted"] = True
    output.write_text(json.dumps(before))
    assert main(["run", "--resume", str(output), "--shard", "2/2"]) == 2
    assert "is shard 1/2; resume it without --shard" in capsys.readouterr().err
    assert main(["run", "--resume", str(output), "--balance-from", "none"]) == 2
    assert "resume it without --balance-from" in capsys.readouterr().err
    assert main(["run", "--resume", str(output)]) == 0
    after = json.loads(output.read_text())
    assert after["metadata"]["shard"] == before["metadata"]["shard"]
    assert after["metadata"]["settings"]["shard"] == "1/2"
    assert [(e["backend"], e["params"]) for e in after["entries"]] == [(a["backend"], a["params"]) for a in assigned]
    assert "interrupted" not in after["metadata"]


@pytest.mark.slow
def test_an_empty_shard_writes_a_valid_file_with_no_entries(fixture_workloads, tmp_path, capsys):
    output = tmp_path / "shard-3.json"
    assert main(["run", "--workload", "toy", "--preset", "quick", "--backend", "python", "--shard", "3/3",
                 "--output", str(output)]) == 0
    assert "shard 3/3: 0 of the selection's 1 entries" in capsys.readouterr().out
    run = load(output)
    assert run.entries == [] and run.metadata["shard"]["assigned"] == []
    assert len(run.metadata["shard"]["selection"]) == 1
