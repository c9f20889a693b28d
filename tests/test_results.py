import json

import pytest

from harness.core import results
from harness.core.entry_parts import Check, Failure
from harness.core.results import Entry, ResultsError, Run, load, save
from harness.core.timings import Construction, Evaluation, Stats


def sample_run() -> Run:
    entry = Entry(
        workload="mandelbrot",
        backend="numba",
        params={"width": 10, "height": 10, "maxiter": 5},
        status="ok",
        check=Check(passed=True, comparison={"kind": "exact"}, size=25),
        construction=Construction(
            seconds=Stats.of([1.0, 1.2, 1.1]),
            steps={"inputs": 0.1, "import": 0.2, "prepare": 0.0, "first_call": 0.8},
            runs=3,
            jit_compile=Stats.of([0.7, 0.8, 0.75]),
            cache_load=Stats.of([0.3]),
        ),
        evaluation=Evaluation(
            seconds=Stats.of([1e-3, 1.1e-3, 0.9e-3]),
            processes=3,
            values_per_process=1,
            warmups=1,
            loops=10,
            rate={"value": 25000.0, "unit": "points/s"},
        ),
        calls_per_evaluation={"python_calls": 1, "builtin_calls": 0, "total": 1},
        info={"numba_threads": 2},
    )
    return Run(metadata={"machine": "m", "preset": "quick"}, entries=[entry])


def test_stats_summarise_every_value():
    stats = Stats.of([3.0, 1.0, 2.0])
    assert (stats.median, stats.min, stats.max, stats.mean) == (2.0, 1.0, 3.0, 2.0)
    assert stats.stdev == 1.0
    assert stats.values == [3.0, 1.0, 2.0]
    assert Stats.of([5.0]).stdev == 0.0
    with pytest.raises(ValueError):
        Stats.of([])


def test_round_trip_is_lossless(tmp_path):
    run = sample_run()
    path = tmp_path / "r.json"
    save(run, path)
    again = load(path)
    assert again.to_json() == run.to_json()
    assert again.entries[0].construction.jit_compile.median == 0.75


def test_unknown_fields_survive_a_round_trip():
    data = sample_run().to_json()
    data["entries"][0]["from_the_future"] = {"x": 1}
    again = Run.from_json(json.loads(json.dumps(data)))
    assert again.to_json()["entries"][0]["from_the_future"] == {"x": 1}


def test_wrong_schema_version_says_what_was_found(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"schema_version": 99, "metadata": {}, "entries": []}))
    with pytest.raises(ResultsError, match="schema_version 99"):
        load(path)


def test_corrupt_and_missing_files_are_named(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"schema_version": 1, "entr')
    with pytest.raises(ResultsError, match="not valid JSON"):
        load(path)
    with pytest.raises(ResultsError, match="cannot read"):
        load(tmp_path / "absent.json")
    path.write_text("[1, 2]")
    with pytest.raises(ResultsError, match="not a harness results file"):
        load(path)


def test_an_entry_without_params_is_refused(tmp_path):
    # params are part of the entry's key: an entry that lost them is not the case it was
    data = sample_run().to_json()
    del data["entries"][0]["params"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match=r"entries\[0\]\.params must be present; found nothing"):
        load(path)


def test_unknown_status_is_rejected():
    with pytest.raises(ResultsError, match="choose from: ok, unavailable"):
        Entry(workload="w", backend="python", params={}, status="great")


def test_atomic_save_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    save(sample_run(), path)
    before = path.read_text()

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(results.json, "dump", broken_dump)
    with pytest.raises(OSError):
        save(Run(metadata={}), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_add_replaces_an_entry_with_the_same_key():
    run = sample_run()
    rerun = Entry(workload="mandelbrot", backend="numba", params={"width": 10, "height": 10, "maxiter": 5},
                  status="failed", reason="boom")
    run.add(rerun)
    assert len(run.entries) == 1 and run.entries[0].status == "failed"
    assert run.find(rerun.key) is rerun


def test_a_failure_round_trips_and_entries_without_one_read_as_before():
    failure = Failure(phase="construction (check)", step="prepare", error_type="ValueError",
                      message="width must be >= 2", output_tail="Traceback ...")
    entry = Entry(workload="w", backend="python", params={}, status="failed",
                  reason="construction (check): prepare raised ValueError: width must be >= 2", failure=failure)
    assert Entry.from_json(json.loads(json.dumps(entry.to_json()))) == entry
    plain = sample_run().entries[0].to_json()
    assert "failure" not in plain
    assert Entry.from_json(plain).failure is None
