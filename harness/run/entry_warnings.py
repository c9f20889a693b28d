"""What measuring an entry showed that its figures must be read with: ``EntryWarning``s.

Numba recompiling where its disk cache should have served, compiles inside timed values,
and the plain-loop cross-check: pyperf's median held against plain ``timeit`` loops of
the same kernel (``harness.run.construct``), where a disagreement is either processes
that run at different speeds or a measurement of something besides the kernel.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.core.entry_parts import EntryWarning
from harness.core.timings import CompileReport, Evaluation
from harness.run.entries import EntryPlan
from harness.run.findings import ConstructionFindings

# pyperf's median over a plain timeit loop's outside this range is a warning
PLAIN_LOOP_AGREEMENT = (0.8, 1.25)


def measurement_warnings(
    plan: EntryPlan, cached: Sequence[ConstructionFindings], evaluation: Evaluation
) -> list[EntryWarning]:
    """What measuring this entry showed that its figures must be read with."""
    warnings = []
    cache_load_compile = max((f.get("jit_compile_seconds") or 0.0 for f in cached), default=0.0)
    compiles = evaluation.compiles
    if cache_load_compile > 0 or (compiles is not None and compiles.processes_compiling):
        warnings.append(EntryWarning("not_cacheable", not_cacheable_message(cache_load_compile, compiles)))
    if compiles is not None and (compiles.discarded_values or compiles.compiled_values_kept):
        warnings.append(EntryWarning("compile_in_evaluation", compile_in_evaluation_message(compiles)))
    ratio = evaluation.plain_loop_ratio
    if ratio is not None and not plain_loop_agrees(plan.backend, ratio):
        if plan.backend != "cuda" and processes_overlap(evaluation):
            warnings.append(EntryWarning("process_variation", process_variation_message(evaluation, ratio)))
        else:
            warnings.append(EntryWarning("timing_disagreement", disagreement_message(evaluation, ratio)))
    cache_ratio = evaluation.cache_speed_ratio
    if cache_ratio is not None and not within_agreement(cache_ratio):
        warnings.append(EntryWarning("cache_speed", cache_speed_message(evaluation, cache_ratio)))
    return warnings


def not_cacheable_message(cache_load_compile: float, compiles: CompileReport | None) -> str:
    seen = []
    if cache_load_compile > 0:
        seen.append(f"the cache-load run compiled for {cache_load_compile:.2g} s")
    if compiles is not None and compiles.processes_compiling:
        seen.append(
            f"{compiles.processes_compiling} of {compiles.processes} evaluation processes compiled "
            f"(median {compiles.compile_seconds:.2g} s each)"
        )
    return (
        f"Numba recompiled where its disk cache should have served: {' and '.join(seen)}. The kernel "
        "cannot be cached (a closure, or globals that change), so every process of a user's program "
        "pays this compile; build kernels at module level from constants and plain arguments"
    )


def compile_in_evaluation_message(compiles: CompileReport) -> str:
    text = f"Numba compiled during {compiles.discarded_values + compiles.compiled_values_kept} timed values"
    if compiles.compiled_values_kept:
        return (
            f"{text}, and {compiles.compiled_values_kept} still compiled after being taken again: "
            "the median includes compilation, so the kernel compiles on every call (a jitted function "
            "created inside the call?)"
        )
    return f"{text}; they were discarded and taken again, so the median is of values without compilation"


def within_agreement(ratio: float) -> bool:
    low, high = PLAIN_LOOP_AGREEMENT
    return low <= ratio <= high


def plain_loop_agrees(backend: str, ratio: float) -> bool:
    """True when pyperf's median and the plain loops' agree within PLAIN_LOOP_AGREEMENT.

    For cuda the harness times the kernel with CUDA events and the plain loop the whole
    call (launch and synchronisation too), so only a harness figure above the loop's is
    a disagreement there.
    """
    return ratio <= PLAIN_LOOP_AGREEMENT[1] if backend == "cuda" else within_agreement(ratio)


def processes_overlap(evaluation: Evaluation, bounds: tuple[float, float] = PLAIN_LOOP_AGREEMENT) -> bool:
    """True when some evaluation process and some plain-loop process agree within
    ``bounds``, with more than one process on a side.

    Then the two medians differ because processes of this kernel run at different speeds
    (their memory layout, the core they got, a slow spell of the host), which each
    measurement samples: not because one of them measured something besides the kernel.
    With one process a side the two cannot be told apart.
    """
    assert evaluation.plain_loop is not None
    harness, plain = evaluation.process_medians, list(evaluation.plain_loop.seconds.values)
    if len(harness) + len(plain) < 3 or min(plain) <= 0:
        return False
    low, high = bounds
    return min(harness) / max(plain) <= high and max(harness) / min(plain) >= low


def process_range(seconds: list[float]) -> str:
    count = len(seconds)
    span = f"{min(seconds):.3g}-{max(seconds):.3g} s" if count > 1 else f"{seconds[0]:.3g} s"
    return f"{count} process{'es' if count > 1 else ''}: {span}"


def disagreement_message(evaluation: Evaluation, ratio: float) -> str:
    assert evaluation.plain_loop is not None
    plain = evaluation.plain_loop
    harness_processes, plain_processes = evaluation.process_medians, list(plain.seconds.values)
    text = (
        f"the harness's median ({evaluation.seconds.median:.3g} s, {process_range(harness_processes)}) is "
        f"{ratio:.2f}x that of plain timeit loops of the same kernel ({plain.seconds.median:.3g} s, "
        f"{process_range(plain_processes)}; {plain.loops} calls a value)"
    )
    if len(harness_processes) == 1 and len(plain_processes) == 1:
        return (
            f"{text}; with one process a side this cannot tell a measurement fault (a missing warm-up, "
            "a compile, a machine busy in one and not the other) from processes that run at different "
            "speeds: rerun on a quiet machine with more processes (a larger --budget, or --preset default)"
        )
    return (
        f"{text}; no process of one agrees with any of the other, so one of them measured something "
        "besides the kernel (a machine busy in one and not the other, a missing warm-up, a compile): "
        "rerun on a quiet machine"
    )


def process_variation_message(evaluation: Evaluation, ratio: float) -> str:
    assert evaluation.plain_loop is not None
    plain = evaluation.plain_loop
    harness_processes = evaluation.process_medians
    return (
        f"processes of this kernel ran at different speeds: the harness's median "
        f"({evaluation.seconds.median:.3g} s, {process_range(harness_processes)}) is {ratio:.2f}x that of "
        f"plain timeit loops ({plain.seconds.median:.3g} s, {process_range(list(plain.seconds.values))}), "
        "yet single processes of the two agree. A figure resting on "
        f"{len(harness_processes)} process{'es' if len(harness_processes) > 1 else ''} can move this much "
        "from run to run; more processes (a larger --budget, or --preset default) narrow it"
    )


def cache_speed_message(evaluation: Evaluation, ratio: float) -> str:
    assert evaluation.plain_loop is not None and evaluation.fresh_plain_loop is not None
    cached, fresh = evaluation.plain_loop.seconds.median, evaluation.fresh_plain_loop.seconds.median
    return (
        f"Numba's code loaded from its disk cache takes {ratio:.2f}x the time of the same kernel freshly "
        f"compiled (plain loops: {cached:.3g} s in {len(evaluation.plain_loop.seconds.values)} processes "
        f"that loaded it, {fresh:.3g} s in the process that compiled it). The figures here are the "
        "cached code's, what every later run of a program with cache=True gets; its first run gets "
        "the other"
    )
