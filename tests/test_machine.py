"""The machine facts a run records: CPUs that share a model name are told apart."""

from __future__ import annotations

from harness.core.machine import cpu_flags_digest, cpu_model

# /proc/cpuinfo of two generations behind one masked name (family 25: Zen 4; family 26: Zen 5)
ZEN4 = (
    "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
    "model name\t: AMD EPYC\nstepping\t: 1\nflags\t\t: fpu avx2 fma avx512f\n"
)
ZEN5 = (
    "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\n"
    "model name\t: AMD EPYC\nstepping\t: 1\nflags\t\t: fpu avx2 fma avx512f avx_vnni\n"
)


def test_one_model_name_two_generations_are_two_cpus() -> None:
    assert cpu_model(ZEN4) == "AMD EPYC (family 25, model 17, stepping 1)"
    assert cpu_model(ZEN5) == "AMD EPYC (family 26, model 2, stepping 1)"


def test_a_cpuinfo_without_numbers_gives_the_name_alone() -> None:
    assert cpu_model("model name\t: Some CPU\n") == "Some CPU"


def test_the_flags_digest_follows_the_instruction_sets() -> None:
    assert cpu_flags_digest(ZEN4) != cpu_flags_digest(ZEN5)
    assert cpu_flags_digest(ZEN4) == cpu_flags_digest(ZEN4.replace("AMD EPYC", "Another name"))
    assert cpu_flags_digest("model name\t: Some CPU\n") == "unknown"
