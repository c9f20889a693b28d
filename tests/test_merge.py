"""``harness merge``: each refusal (exit 2, why), mixed machines, and shards run end to end."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.main import build_parser, main
from harness.cli.options import selected_entries
from harness.core.results import Entry, Run, load, save
from harness.core.timings import Evaluation, Stats
from harness.regress.compare import compare_sides
from harness.regress.sides import load_side
from harness.run.settings import RunSettings
from harness.run.shards import PLAN, Shard, assign

MACHINE = {"machine": "vm", "cpu_model": "AMD EPYC", "logical_cores": 2}


def timed(n: int, backend: str = "python", median: float = 1e-3) -> Entry:
    seconds = Stats.of([median, median * 1.01, median * 0.99])
    evaluation = Evaluation(seconds=seconds, processes=3, values_per_process=1, warmups=1, loops=1)
    return Entry(workload="w", backend=backend, params={"n": n}, evaluation=evaluation)


SELECTION = [timed(n, backend) for n in (1, 2) for backend in ("python", "numpy")]


def write_shard(folder: Path, index: int, count: int = 2, **metadata: object) -> Path:
    """A shard file as `run --shard` writes it, its entries those LPT assigns to it."""
    keys = [e.key for e in SELECTION]
    assignment = assign(Shard(index, count), keys, {key: 1.0 for key in keys}, PLAN)
    settings = RunSettings(preset="quick", workloads=("w",), shard=Shard(index, count))
    run = Run(
        metadata={
            "utc_time": f"2026-01-0{index}T00:00:00+00:00",
            "git": {"commit": "abc", "short_commit": "abc", "dirty": False},
            "preset": "quick",
            **MACHINE,
            "settings": settings.to_json(),
            "shard": assignment.to_json(),
            **metadata,
        },
        entries=[e for e in SELECTION if e.key in set(assignment.assigned)],
    )
    path = folder / f"shard-{index}.json"
    save(run, path)
    return path


def edited(path: Path, change) -> Path:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


def merge_exit(capsys, *args: object) -> tuple[int, str]:
    status = main(["merge", *map(str, args)])
    return status, capsys.readouterr().err


def test_shards_of_one_run_merge_into_the_whole_selection(tmp_path, capsys):
    files = [write_shard(tmp_path, 1), write_shard(tmp_path, 2)]
    output = tmp_path / "merged.json"
    assert merge_exit(capsys, *files, "--output", output)[0] == 0
    merged = load(output)
    assert [e.key for e in merged.entries] == [e.key for e in SELECTION]
    assert "shard" not in merged.metadata and "shard" not in merged.metadata["settings"]
    assert [s["shard"] for s in merged.metadata["merged"]["from"]] == [1, 2]
    assert merged.metadata["merged"]["missing_shards"] == []
    assert all(e.machine is None for e in merged.entries)
    assert "machine" not in json.loads(output.read_text())["entries"][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["metadata"]["git"].update(commit="def"), "different git commits"),
        (lambda d: d["metadata"].update(preset="default"), "different presets"),
        (lambda d: d["metadata"]["settings"].update(budget=3.0), "different settings (budget: shard-1.json"),
        (lambda d: d["metadata"]["shard"].update(selection=d["metadata"]["shard"]["selection"][:1]),
         "different selections"),
        (lambda d: d["metadata"].update(cpu_model="Xeon"), "machines of different kinds"),
        (lambda d: d["metadata"].update(machine="runner-7"), "one HARNESS_MACHINE name"),
        (lambda d: d["metadata"].update(interrupted=True), "interrupted shards"),
    ],
)
def test_shards_that_are_not_of_one_run_are_refused_with_exit_2(tmp_path, capsys, change, message):
    first = write_shard(tmp_path, 1)
    second = edited(write_shard(tmp_path, 2), change)
    output = tmp_path / "merged.json"
    status, error = merge_exit(capsys, first, second, "--output", output)
    assert status == 2
    assert message in error
    assert not output.exists()


def test_an_entry_in_two_shard_files_is_refused(tmp_path, capsys):
    first = write_shard(tmp_path, 1)
    its_entry = json.loads(first.read_text())["entries"][0]
    second = edited(write_shard(tmp_path, 2), lambda d: d["entries"].append(its_entry))
    status, error = merge_exit(capsys, first, second, "--output", tmp_path / "m.json")
    assert status == 2 and f"is in {first} and in {second}" in error


def test_shards_that_dealt_the_selection_differently_are_refused(tmp_path, capsys):
    """Shard jobs that balanced from different results leave an entry in no part, or in two."""
    first = write_shard(tmp_path, 1)
    first_part = json.loads(first.read_text())["metadata"]["shard"]["assigned"]

    def drop_part(data):
        data["metadata"]["shard"]["assigned"].pop()  # its entry is then in no part
        data["metadata"]["shard"]["balanced_from"] = "results/vm/other.json"

    second = edited(write_shard(tmp_path, 2), drop_part)
    status, error = merge_exit(capsys, first, second, "--output", tmp_path / "m.json")
    assert status == 2 and "1 entries of the selection are in no shard's part" in error
    assert "results/vm/other.json" in error and "--balance-from" in error
    both = edited(write_shard(tmp_path, 2), lambda d: d["metadata"]["shard"]["assigned"].append(first_part[0]))
    status, error = merge_exit(capsys, first, both, "--output", tmp_path / "m.json")
    assert status == 2 and "is in the parts of shard 1/2" in error and "shard 2/2" in error
    assert not (tmp_path / "m.json").exists()


def test_the_output_is_never_a_shard_merged_or_a_folder(tmp_path, capsys):
    files = [write_shard(tmp_path, 1), write_shard(tmp_path, 2)]
    status, error = merge_exit(capsys, *files, "--output", files[1], "--force")
    assert status == 2 and "is one of the shard files merged" in error
    assert json.loads(files[1].read_text())["metadata"]["shard"]["index"] == 2
    status, error = merge_exit(capsys, *files, "--output", tmp_path, "--force")
    assert status == 2 and "is a folder" in error


def test_another_memory_limit_is_not_another_setting(tmp_path, capsys):
    second = edited(write_shard(tmp_path, 2), lambda d: d["metadata"]["settings"].update(memory_limit_gib=3.5))
    assert merge_exit(capsys, write_shard(tmp_path, 1), second, "--output", tmp_path / "m.json")[0] == 0


def test_a_shard_given_twice_or_of_another_count_is_refused(tmp_path, capsys):
    first = write_shard(tmp_path, 1)
    status, error = merge_exit(capsys, first, first, "--output", tmp_path / "m.json")
    assert status == 2 and "shard 1/2 is given twice" in error
    other = tmp_path / "other"
    other.mkdir()
    status, error = merge_exit(capsys, first, write_shard(other, 2, count=3), "--output", tmp_path / "m.json")
    assert status == 2 and "different shard counts N" in error


def test_missing_shards_are_listed_and_allow_partial_records_them(tmp_path, capsys):
    first = write_shard(tmp_path, 1, count=3)
    output = tmp_path / "m.json"
    status, error = merge_exit(capsys, first, "--output", output)
    assert status == 2 and "missing shards (K of 3): 2, 3" in error and "--allow-partial" in error
    assert merge_exit(capsys, first, "--output", output, "--allow-partial")[0] == 0
    assert load(output).metadata["merged"]["missing_shards"] == [2, 3]


def test_an_interrupted_shard_merges_only_with_allow_partial(tmp_path, capsys):
    second = edited(write_shard(tmp_path, 2), lambda d: d["metadata"].update(interrupted=True))
    output = tmp_path / "m.json"
    assert merge_exit(capsys, write_shard(tmp_path, 1), second, "--output", output, "--allow-partial")[0] == 0
    merged = load(output)
    assert merged.metadata["interrupted"] is True
    assert merged.metadata["merged"]["interrupted_shards"] == [2]


def test_bad_files_are_exit_2_naming_the_file_and_field(tmp_path, capsys):
    first = write_shard(tmp_path, 1)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    status, error = merge_exit(capsys, first, broken, "--output", tmp_path / "m.json")
    assert status == 2 and f"{broken} is not valid JSON" in error
    whole = tmp_path / "whole.json"
    save(Run(metadata={"preset": "quick"}, entries=[]), whole)
    status, error = merge_exit(capsys, first, whole, "--output", tmp_path / "m.json")
    assert status == 2 and f"{whole} is not a shard" in error
    bad_record = edited(write_shard(tmp_path, 2), lambda d: d["metadata"]["shard"].update(index="two"))
    status, error = merge_exit(capsys, first, bad_record, "--output", tmp_path / "m.json")
    assert status == 2 and "metadata.shard.index must be a whole number" in error


def test_an_existing_output_is_replaced_only_with_force(tmp_path, capsys):
    files = [write_shard(tmp_path, 1), write_shard(tmp_path, 2)]
    output = tmp_path / "m.json"
    output.write_text("precious")
    status, error = merge_exit(capsys, *files, "--output", output)
    assert status == 2 and "exists" in error and output.read_text() == "precious"
    assert merge_exit(capsys, *files, "--output", output, "--force")[0] == 0
    assert len(load(output).entries) == len(SELECTION)


def test_mixed_machines_keep_each_entrys_machine_and_are_never_compared_across(tmp_path, capsys):
    xeon = {"machine": "box", "cpu_model": "Xeon", "logical_cores": 8}
    files = [write_shard(tmp_path, 1), write_shard(tmp_path, 2, **xeon)]
    output = tmp_path / "mixed.json"
    assert merge_exit(capsys, *files, "--output", output, "--allow-mixed-machines")[0] == 0
    merged = load(output)
    assert {e.machine["machine"] for e in merged.entries} == {"vm", "box"}
    assert merged.metadata["machine"] == "vm + box" and merged.metadata["logical_cores"] is None
    single = tmp_path / "vm.json"
    save(Run(metadata={**MACHINE, "preset": "quick"}, entries=list(SELECTION)), single)
    verdicts = compare_sides(load_side("base", [single]), load_side("new", [output])).entries
    on_vm = {e.key for e in merged.entries if e.machine["machine"] == "vm"}
    for verdict in verdicts:
        if verdict.key in on_vm:
            assert verdict.status == "unchanged"
        else:
            assert verdict.status == "not comparable" and "different machines" in verdict.reason
    assert main(["report", str(output), "--output", str(tmp_path / "report.html")]) == 0
    assert "vm + box" in (tmp_path / "report.html").read_text()


def test_committed_results_still_load_and_report(tmp_path):
    committed = sorted((Path(__file__).parent.parent / "results" / "vm").glob("*.json"))
    assert committed
    for path in committed:
        assert load(path).entries
    assert main(["report", *map(str, committed), "--output", str(tmp_path / "r.html")]) == 0


# -- end to end ---------------------------------------------------------------------------

SELECTION_OPTIONS = ["--workload", "toy", "--preset", "full", "--backend", "python", "--backend", "numpy"]


def harness(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200", "HARNESS_MACHINE": "shard-test"},
    )


@pytest.mark.slow
def test_three_shards_in_three_processes_merge_into_the_unsharded_selection(fixture_workloads, tmp_path):
    shards = tmp_path / "shards"
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "harness", "run", *SELECTION_OPTIONS, "--budget", "0.3",
             "--shard", f"{k}/3", "--output", str(shards / f"shard-{k}.json")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "COLUMNS": "200", "HARNESS_MACHINE": "shard-test"},
        )
        for k in (1, 2, 3)
    ]
    outputs = [process.communicate(timeout=240)[0] for process in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    merged_path = tmp_path / "merged.json"
    done = harness("merge", *sorted(str(p) for p in shards.glob("*.json")), "--output", str(merged_path))
    assert done.returncode == 0, done.stderr

    args = build_parser().parse_args(["run", *SELECTION_OPTIONS])
    unsharded = [plan.key for plan in selected_entries(args, one_thread_too=True).plans]
    merged = load(merged_path)
    assert [e.key for e in merged.entries] == unsharded
    assert all(e.status == "ok" for e in merged.entries)
    shard_records = [json.loads(p.read_text())["metadata"]["shard"] for p in sorted(shards.glob("*.json"))]
    assert [r["index"] for r in shard_records] == [1, 2, 3]
    assert all(r["balanced_from"] == PLAN for r in shard_records)  # results/shard-test/ holds no runs
    assert all(len(r["selection"]) == len(unsharded) for r in shard_records)

    report = harness("report", str(merged_path), "--output", str(tmp_path / "report.html"))
    assert report.returncode == 0, report.stderr
    compared = harness("compare", str(merged_path), str(merged_path))
    assert compared.returncode == 0, compared.stdout + compared.stderr
    assert "unchanged" in compared.stdout
