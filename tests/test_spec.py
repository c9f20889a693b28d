"""The specs the runner writes for its children: read back as written, and a wrong field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.core.json_fields import FieldError
from harness.profiling.protocol import checked_kinds
from harness.run.construct import construct
from harness.run.spec import ChildSpec, ConstructionSpec, EvaluationSpec, ProfilingSpec


def test_each_spec_reads_back_as_written(tmp_path: Path) -> None:
    specs = [
        ChildSpec("toy", "python", {"n": 3}),
        ConstructionSpec(
            "toy", "numba", {"n": 3}, check=True, reference_file=tmp_path / "ref.npz", output=tmp_path / "out.json"
        ),
        ConstructionSpec("toy", "numba", {"n": 3}, plain_loop_call_seconds=1e-5),
        EvaluationSpec("toy", "cuda", {"n": 3, "dtype": "float32"}, watch_file=tmp_path / "watch.jsonl"),
        ProfilingSpec(
            "toy", "cython", {"n": 3}, outputs={"memory": tmp_path / "m.json", "lines": tmp_path / "l.json"},
            growth_seconds=0.5, growth_max_calls=100, line_seconds=0.3,
        ),
    ]
    for spec in specs:
        path = tmp_path / "spec.json"
        spec.write(path)
        assert type(spec).read(path) == spec


def test_the_profiling_spec_keeps_the_order_of_its_kinds(tmp_path: Path) -> None:
    data = {"workload": "toy", "backend": "python", "params": {}, "kinds": ["lines", "memory"],
            "outputs": {"memory": "m.json", "lines": "l.json"}}
    assert ProfilingSpec.from_json(data).kinds == ["lines", "memory"]
    single = ProfilingSpec.from_json({"workload": "toy", "backend": "python", "params": {}, "kind": "lines",
                                      "output": "l.json"})
    assert single.outputs == {"lines": Path("l.json")} and single.growth_seconds is None


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"backend": "python", "params": {}}, "spec.workload must be present"),
        ({"workload": "toy", "backend": 3, "params": {}}, "spec.backend must be a string; found int 3"),
        ({"workload": "toy", "backend": "python", "params": []}, "spec.params must be an object"),
        ({"workload": "toy", "backend": "python", "params": {}, "check": "yes"}, "spec.check must be true or false"),
        ({"workload": "toy", "backend": "python", "params": {}, "check": True}, "spec.reference_file must be a string"),
        ({"workload": "toy", "backend": "python", "params": {}, "plain_loop_call_seconds": -1.0},
         "spec.plain_loop_call_seconds must be a finite number"),
    ],
)
def test_a_wrong_construction_spec_names_its_field(data: dict[str, object], named: str) -> None:
    with pytest.raises(FieldError, match="^" + named.replace(".", r"\.")):
        ConstructionSpec.from_json(data)


def test_a_profiling_spec_names_a_kind_without_an_output() -> None:
    data = {"workload": "toy", "backend": "python", "params": {}, "kinds": ["memory", "lines"],
            "outputs": {"memory": "m.json"}}
    with pytest.raises(FieldError, match=r"spec\.outputs\.lines must be present"):
        ProfilingSpec.from_json(data)


def test_a_spec_file_that_is_not_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text("{not json")
    with pytest.raises(FieldError, match=r"spec\.json"):
        EvaluationSpec.read(path)


def test_construct_takes_a_plain_dict_and_a_malformed_one_is_a_failed_finding() -> None:
    """The A/B check's worker passes dicts (it runs in trees of any version)."""
    findings = construct({"backend": "python", "params": {}})
    assert findings["status"] == "failed"
    assert json.loads(json.dumps(findings))["failure"]["step"] == "workload"
    assert "spec.workload" in str(findings["reason"])


def test_a_profiling_spec_asking_for_an_unknown_kind_of_profile_is_refused(tmp_path: Path) -> None:
    spec = ProfilingSpec("toy", "python", {"n": 3}, outputs={"memory": tmp_path / "m.json"})
    assert checked_kinds(spec) is spec
    wrong = ProfilingSpec("toy", "python", {"n": 3}, outputs={"heap": tmp_path / "h.json"})
    with pytest.raises(FieldError, match="kinds of profile among memory, lines; found \\['heap'\\]"):
        checked_kinds(wrong)
