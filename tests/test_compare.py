"""``harness.regress.compare.compare_sides``: matching, verdicts, not-comparable paths, Markdown and the
CLI's exit codes.

Runs are built from seeded synthetic samples: no benchmark runs and no clock is read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness.cli.main import main
from harness.core.entry_parts import InstructionCounts
from harness.core.results import Entry, Run, load, save
from harness.core.timings import Evaluation, Stats
from harness.regress.ab_check import sampling_like
from harness.regress.compare import compare_sides
from harness.regress.render import headline, markdown
from harness.regress.sides import CompareError, Side, load_side
from harness.regress.time_verdicts import holm, process_means
from harness.regress.verdicts import IMPROVED, NOT_COMPARABLE, REGRESSED, UNCHANGED, Thresholds

MACHINE = {"machine": "ci-box", "cpu_model": "AMD EPYC", "logical_cores": 2, "python": "3.11.7"}
PARAMS = {"width": 160, "height": 160, "maxiter": 100}


def timed_entry(
    values: list[float],
    *,
    per_process: int = 3,
    workload: str = "mandelbrot",
    backend: str = "numba",
    params: dict[str, Any] | None = None,
    timer: str = "perf_counter",
) -> Entry:
    return Entry(
        workload=workload,
        backend=backend,
        params=dict(PARAMS if params is None else params),
        status="ok",
        evaluation=Evaluation(
            seconds=Stats.of(values),
            processes=len(values) // per_process + 1,
            values_per_process=per_process,
            warmups=1,
            loops=10,
            timer=timer,
        ),
    )


def process_values(seed: int, processes: int, median: float, spread: float = 0.02) -> list[float]:
    """Values of ``processes`` processes x 3 values; each process has its own offset."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(processes):
        offset = median * np.exp(rng.normal(0.0, spread))
        values += list(offset * np.exp(rng.normal(0.0, spread / 4, 3)))
    return values


def run_of(*entries: Entry, metadata: dict[str, Any] | None = None, time: str = "t0") -> Run:
    return Run(metadata={**MACHINE, **(metadata or {}), "utc_time": time}, entries=list(entries))


def side(label: str, *runs: Run) -> Side:
    return Side(label, list(runs), [f"{label}-{i}" for i in range(len(runs))])


def one_key(base: Entry, new: Entry, thresholds: Thresholds | None = None) -> Any:
    comparison = compare_sides(side("base", run_of(base)), side("new", run_of(new)), thresholds)
    assert len(comparison.entries) == 1
    return comparison.entries[0]


def test_process_means_group_values_by_process() -> None:
    entry = timed_entry([1.0, 2.0, 3.0, 10.0, 20.0, 30.0])
    assert process_means(entry) == [2.0, 20.0]


def test_values_that_do_not_divide_into_processes_are_samples_each() -> None:
    assert process_means(timed_entry([1.0, 2.0, 3.0, 4.0], per_process=3)) == [1.0, 2.0, 3.0, 4.0]


def test_a_ten_percent_slowdown_is_a_regression() -> None:
    verdict = one_key(
        timed_entry(process_values(1, 10, 1e-3)), timed_entry(process_values(2, 10, 1.1e-3))
    )
    assert verdict.status == REGRESSED
    assert verdict.statistics.ratio == pytest.approx(1.1, abs=0.03)
    assert verdict.statistics.base_samples == verdict.statistics.new_samples == 10


def test_a_ten_percent_speed_up_is_an_improvement() -> None:
    verdict = one_key(
        timed_entry(process_values(3, 10, 1e-3)), timed_entry(process_values(4, 10, 0.9e-3))
    )
    assert verdict.status == IMPROVED


def test_identical_code_is_unchanged() -> None:
    verdict = one_key(
        timed_entry(process_values(5, 10, 1e-3)), timed_entry(process_values(6, 10, 1e-3))
    )
    assert verdict.status == UNCHANGED


def test_a_significant_change_below_the_minimum_effect_is_unchanged() -> None:
    base = timed_entry(process_values(7, 12, 1e-3, spread=0.004))
    new = timed_entry(process_values(8, 12, 1.03e-3, spread=0.004))
    verdict = one_key(base, new)
    assert verdict.statistics.p_value < 0.01
    assert verdict.status == UNCHANGED
    assert "minimum effect" in verdict.reason


def test_minimum_effect_per_workload() -> None:
    base, new = (
        timed_entry(process_values(9, 10, 1e-3)),
        timed_entry(process_values(10, 10, 1.1e-3)),
    )
    lenient = Thresholds(min_effect_for={"mandelbrot": 0.2})
    assert one_key(base, new, lenient).status == UNCHANGED
    assert one_key(base, new, Thresholds(min_effect_for={"other": 0.2})).status == REGRESSED


def test_too_few_processes_say_the_check_is_underpowered() -> None:
    verdict = one_key(
        timed_entry(process_values(11, 1, 1e-3)), timed_entry(process_values(12, 1, 2e-3))
    )
    assert verdict.status == UNCHANGED
    assert any("underpowered" in note for note in verdict.notes)


def test_minima_of_a_check_are_not_compared_with_process_means() -> None:
    base = timed_entry(process_values(13, 10, 1e-3))
    new = timed_entry(process_values(14, 10, 1e-3))
    new.sample_kind = "minimum"
    verdict = one_key(base, new)
    assert verdict.status == NOT_COMPARABLE and "minimum" in verdict.reason


def test_a_version_1_file_says_what_its_samples_are_in_its_own_words(tmp_path: Path) -> None:
    """Version 1 had no sample_kind: a check's entries said "minimum of ..." in info.check_sample,
    counted entries carried their counts as an extra field."""
    check = timed_entry(process_values(15, 10, 1e-3)).to_json()
    check["info"]["check_sample"] = "minimum of 10 values, taken round-robin with the other entries of its process"
    counted = instructions_entry(5000.0).to_json()
    plain = timed_entry(process_values(16, 10, 1e-3)).to_json()
    for entry in (check, counted, plain):
        del entry["sample_kind"]
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({"schema_version": 1, "metadata": {}, "entries": [check, counted, plain]}))
    run = load(path)
    assert [e.sample_kind for e in run.entries] == ["minimum", "instructions", "mean"]
    assert run.entries[1].instructions == instructions_entry(5000.0).instructions
    save(run, path)
    assert json.loads(path.read_text())["schema_version"] == 2
    assert [e.sample_kind for e in load(path).entries] == ["minimum", "instructions", "mean"]


@pytest.mark.parametrize(
    ("metadata", "timer", "expected"),
    [({"check_round": 1}, "auto", ("min", "auto")), ({}, "auto", ("mean", "wall")), ({}, "cpu", ("mean", "cpu"))],
)
def test_a_baseline_is_sampled_like_it_was_measured(metadata: dict[str, Any], timer: str, expected: Any) -> None:
    assert sampling_like([run_of(metadata=metadata)], timer) == expected


def test_holm_adjusts_the_smallest_p_value_most() -> None:
    # sorted 0.01, 0.02, 0.03, 0.5: 4 x 0.01, max(that, 3 x 0.02), max(.., 2 x 0.03), 1 x 0.5
    assert holm([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.06, 0.5, 0.04, 0.06])
    assert holm([0.4, 0.9]) == pytest.approx([0.8, 0.9])
    assert holm([]) == []


def many_entries(shift: dict[int, float], count: int = 20) -> tuple[Side, Side]:
    """``count`` entries of 6 vs 6 processes; entry i of the new side is ``shift[i]`` slower."""
    base = [timed_entry(process_values(100 + i, 6, 1e-3), params={"i": i}) for i in range(count)]
    new = [
        timed_entry(process_values(200 + i, 6, 1e-3 * shift.get(i, 1.0)), params={"i": i}) for i in range(count)
    ]
    return side("base", run_of(*base)), side("new", run_of(*new))


def test_a_change_significant_alone_is_not_a_regression_among_many_entries() -> None:
    # 6 vs 6 fully separated gives p = 0.0022: below alpha alone, above alpha / 20
    base, new = many_entries({3: 1.2})
    alone = compare_sides(base, new, Thresholds(family_wise=False))
    assert [e.status for e in alone.entries].count(REGRESSED) == 1
    family = compare_sides(base, new, Thresholds())
    entry = family.entries[3]
    assert entry.status == UNCHANGED and entry.statistics.family == 20
    assert entry.statistics.p_adjusted == pytest.approx(20 * entry.statistics.p_value)
    assert "Holm" in entry.reason and any("too few for 20 entries" in note for note in entry.notes)


def test_holm_keeps_a_regression_that_is_clear_for_the_family() -> None:
    base = [timed_entry(process_values(300 + i, 12, 1e-3), params={"i": i}) for i in range(20)]
    slower = {5: 1.2}
    new = [timed_entry(process_values(400 + i, 12, 1e-3 * slower.get(i, 1.0)), params={"i": i}) for i in range(20)]
    comparison = compare_sides(side("base", run_of(*base)), side("new", run_of(*new)))
    assert [e.status for e in comparison.entries].count(REGRESSED) == 1 and comparison.entries[5].status == REGRESSED


def test_rounds_pair_into_strata() -> None:
    base = side(
        "base",
        *(
            run_of(timed_entry(process_values(20 + r, 4, load)), time=f"t{r}")
            for r, load in enumerate((1e-3, 1.6e-3, 1.2e-3))
        ),
    )
    new = side(
        "new",
        *(
            run_of(timed_entry(process_values(40 + r, 4, 1.1 * load)), time=f"t{r}")
            for r, load in enumerate((1e-3, 1.6e-3, 1.2e-3))
        ),
    )
    verdict = compare_sides(base, new).entries[0]
    assert verdict.statistics.strata == 3
    assert verdict.status == REGRESSED


def test_missing_on_one_side_is_not_comparable() -> None:
    other = timed_entry(process_values(13, 4, 1e-3), backend="cython")
    comparison = compare_sides(
        side("base", run_of(timed_entry(process_values(14, 4, 1e-3)), other)),
        side("new", run_of(timed_entry(process_values(15, 4, 1e-3)))),
    )
    by_backend = {e.key[1]: e for e in comparison.entries}
    assert by_backend["cython"].status == NOT_COMPARABLE
    assert by_backend["cython"].reason == "only in base"


def test_different_parameters_are_not_comparable() -> None:
    comparison = compare_sides(
        side(
            "base",
            run_of(
                timed_entry(process_values(16, 4, 1e-3)), timed_entry([1.0] * 3, backend="numpy")
            ),
        ),
        side(
            "new",
            run_of(
                timed_entry(process_values(17, 4, 1e-3), params={"width": 320}),
                timed_entry([1.0] * 3, backend="numpy"),
            ),
        ),
    )
    numba = [e for e in comparison.entries if e.key[1] == "numba"]
    assert len(numba) == 2
    assert all(e.status == NOT_COMPARABLE and "parameters differ" in e.reason for e in numba)


def test_a_failed_entry_is_not_comparable() -> None:
    failed = Entry(
        workload="mandelbrot",
        backend="numba",
        params=dict(PARAMS),
        status="failed",
        reason="segfault",
    )
    verdict = one_key(timed_entry(process_values(18, 4, 1e-3)), failed)
    assert verdict.status == NOT_COMPARABLE
    assert verdict.reason == "new status failed: segfault"


def test_different_timers_are_not_comparable() -> None:
    verdict = one_key(timed_entry([1.0] * 6), timed_entry([1.0] * 6, timer="cuda_events"))
    assert verdict.status == NOT_COMPARABLE
    assert "timers" in verdict.reason


def test_different_machines_are_never_compared_silently() -> None:
    comparison = compare_sides(
        side("base", run_of(timed_entry(process_values(19, 10, 1e-3)))),
        side(
            "new",
            run_of(timed_entry(process_values(20, 10, 2e-3)), metadata={"cpu_model": "Intel Xeon"}),
        ),
    )
    assert [e.status for e in comparison.entries] == [NOT_COMPARABLE]
    assert "different machines" in comparison.entries[0].reason
    assert any("different machines" in w for w in comparison.warnings)
    assert not comparison.regressed


def test_nothing_in_common_is_an_error() -> None:
    with pytest.raises(CompareError, match="nothing to compare"):
        compare_sides(
            side("base", run_of(timed_entry([1.0] * 3))),
            side("new", run_of(timed_entry([1.0] * 3, workload="other"))),
        )


def test_a_side_must_not_mix_machines(tmp_path: Path) -> None:
    save(run_of(timed_entry([1.0] * 3)), tmp_path / "a.json")
    save(run_of(timed_entry([1.0] * 3), metadata={"machine": "laptop"}), tmp_path / "b.json")
    with pytest.raises(CompareError, match="mixes runs from different machines"):
        load_side("base", [tmp_path])


def instructions_entry(per_call: float) -> Entry:
    return Entry(
        workload="mandelbrot",
        backend="numba",
        params=dict(PARAMS),
        status="ok",
        instructions=InstructionCounts(per_call, (1, 11), (1000, 1000 + round(10 * per_call)), "callgrind"),
        sample_kind="instructions",
    )


@pytest.mark.parametrize(
    ("new", "status"), [(1.02e7, REGRESSED), (1.003e7, UNCHANGED), (0.97e7, IMPROVED)]
)
def test_instruction_counts_use_their_own_threshold(new: float, status: str) -> None:
    verdict = one_key(instructions_entry(1e7), instructions_entry(new))
    assert verdict.kind == "instructions"
    assert verdict.status == status


def test_markdown_lists_regressions_first_with_the_warnings() -> None:
    base = run_of(
        timed_entry(process_values(21, 10, 1e-3)),
        timed_entry(process_values(22, 10, 1e-3), backend="cython"),
    )
    new = run_of(
        timed_entry(process_values(23, 10, 1e-3)),
        timed_entry(process_values(24, 10, 1.2e-3), backend="cython"),
        metadata={"python": "3.12.1"},
    )
    text = markdown(compare_sides(side("base", base), side("new", new)))
    assert text.startswith("## :red_circle: Performance regression: 1 regressed, 1 unchanged")
    assert "> **Warning:** python differs: 3.11.7 vs 3.12.1" in text
    rows = [line for line in text.splitlines() if line.startswith("| mandelbrot")]
    assert "cython" in rows[0] and "regressed" in rows[0]
    assert "| entry | base | new | ratio | 95% CI | p | samples | status | why |" in text


def test_headline_says_when_no_change_could_be_called() -> None:
    # one process a side (a quick run's): the rank test cannot give p below 1, so an 18%
    # slowdown is "unchanged", and the headline must not read as a clean bill
    base = run_of(timed_entry(process_values(31, 1, 1e-3)))
    new = run_of(timed_entry(process_values(32, 1, 1.18e-3)))
    comparison = compare_sides(side("base", base), side("new", new))
    assert comparison.entries[0].status == UNCHANGED and comparison.underpowered == 1
    assert headline(comparison) == (
        "No change could be called: all 1 compared entries have too few samples to show one "
        "(1 unchanged); add samples: more --rounds, or a folder of runs a side"
    )
    assert comparison.to_json()["underpowered"] == 1


def test_headline_counts_the_unchanged_entries_too_thin_to_show_a_change() -> None:
    base = run_of(
        timed_entry(process_values(41, 10, 1e-3)),
        timed_entry(process_values(42, 1, 1e-3), backend="cython"),
    )
    new = run_of(
        timed_entry(process_values(43, 10, 1e-3)),
        timed_entry(process_values(44, 1, 1e-3), backend="cython"),
    )
    comparison = compare_sides(side("base", base), side("new", new))
    assert sorted(e.underpowered for e in comparison.entries) == [False, True]
    assert headline(comparison) == (
        "No performance regression: 2 unchanged; 1 of the 2 unchanged had too few samples to show a change"
    )


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for seed, (name, median) in enumerate((("base", 1e-3), ("same", 1e-3), ("slow", 1.15e-3))):
        path = tmp_path / f"{name}.json"
        save(run_of(timed_entry(process_values(500 + seed, 10, median))), path)
        paths[name] = path
    return paths


def test_cli_exit_zero_without_regression(saved: dict[str, Path], tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    assert (
        main(["compare", str(saved["base"]), str(saved["same"]), "--markdown", str(summary)]) == 0
    )
    assert "No performance regression" in summary.read_text()


def test_cli_exit_one_on_regression(saved: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "comparison.json"
    assert main(["compare", str(saved["base"]), str(saved["slow"]), "--json", str(report)]) == 1
    assert json.loads(report.read_text())[0]["counts"]["regressed"] == 1


def test_cli_pools_a_folder_of_runs(saved: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "rounds"
    folder.mkdir()
    for index in range(3):
        save(
            run_of(timed_entry(process_values(100 + index, 4, 1.15e-3)), time=f"t{index}"),
            folder / f"r{index}.json",
        )
    assert main(["compare", str(saved["base"]), str(folder)]) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "not valid JSON"),
        (json.dumps({"schema_version": 99, "entries": []}), "schema_version 99"),
        (json.dumps({"entries": []}), "no schema_version"),
    ],
)
def test_cli_exit_two_on_bad_input(
    saved: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    message: str,
) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert main(["compare", str(saved["base"]), str(bad)]) == 2
    assert message in capsys.readouterr().err


def test_cli_exit_two_on_an_empty_folder(
    saved: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(saved["base"]), str(tmp_path / "empty")]) == 2
    assert "holds no results files" in capsys.readouterr().err


def test_cli_exit_two_when_nothing_is_comparable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save(run_of(timed_entry([1.0] * 3)), tmp_path / "a.json")
    save(run_of(timed_entry([2.0] * 3), metadata={"machine": "laptop"}), tmp_path / "b.json")
    assert main(["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 2
    err = capsys.readouterr()
    assert "nothing to compare" in err.err
    assert "different machines" in err.out


def test_cli_refuses_a_bad_minimum_effect(
    saved: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["compare", str(saved["base"]), str(saved["same"]), "--min-effect-for", "mandelbrot"])
        == 2
    )
    assert "WORKLOAD=FRACTION" in capsys.readouterr().err


def test_cli_refuses_a_minimum_effect_for_a_workload_in_neither_side(
    saved: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # a misspelt name would otherwise leave the default threshold in place, silently
    code = main(["compare", str(saved["base"]), str(saved["same"]), "--min-effect-for", "mandelbrott=0.1"])
    assert code == 2
    assert (
        "--min-effect-for names 'mandelbrott', not a workload in either side's results; choose from mandelbrot"
        in capsys.readouterr().err
    )


def test_check_refuses_a_minimum_effect_for_an_unknown_workload_before_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["check", "--against", "HEAD", "--min-effect-for", "mandelbrott=0.1"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--min-effect-for names 'mandelbrott', not a workload this tree has; choose from mandelbrot," in err


def test_importing_harness_loads_neither_scipy_nor_numba() -> None:
    code = (
        "import sys, harness, harness.cli.main, harness.regress.compare, harness.cli.regress, harness.regress.ab;"
        "bad = [m for m in ('scipy', 'numba') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
