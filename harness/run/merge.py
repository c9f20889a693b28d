"""``harness merge``: the shard files of one run (``run --shard K/N``) joined into one run.

The merged file has the schema of any run, so ``report``, ``compare`` and
``check --baseline`` read it as they read a run made on one machine. Merge refuses
(``MergeRefused``, exit 2) files that are not shards of one run: another git commit,
another preset or other settings (all but the shard itself and the memory limit, a
default each machine takes from its own free memory), another shard count or selection,
a shard given twice, an entry in two files, an interrupted shard or a missing one
(``allow_partial`` merges what is there and records what is not).

A machine's kind is what ``compare`` holds two runs' machines to (``MACHINE_FIELDS``):
its name (``HARNESS_MACHINE``, else the host name; give a pool of identical hosts one
name), its CPU model and its logical cores. Shards of different kinds are refused unless
``allow_mixed_machines``; then each entry keeps its own machine's facts (``Entry.machine``)
and compare compares an entry only with entries of its own machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from harness.core.results import MACHINE_FIELDS, Entry, ResultsError, Run, load, save
from harness.run.locking import ResultsLock
from harness.run.settings import RunSettings
from harness.run.shards import Key, Shard, key_text, read_shard_record

EXIT_OK = 0

Parser = TypeVar("Parser", bound=argparse.ArgumentParser)


class MergeRefused(ResultsError):
    """The files are not the shards of one run, or not all of them."""


@dataclass(frozen=True)
class ShardFile:
    """One shard's results file, read and checked."""

    path: Path
    run: Run
    shard: Shard
    selection: list[Key]
    assigned: list[Key]
    settings: RunSettings

    @property
    def machine(self) -> tuple[object, ...]:
        return tuple(self.run.metadata.get(name) for name in MACHINE_FIELDS)

    @property
    def commit(self) -> object:
        return (self.run.metadata.get("git") or {}).get("commit")


def read_shard_file(path: Path) -> ShardFile:
    """A shard's results file; ``ResultsError`` naming the file and field when it is not one."""
    run = load(path)
    if "shard" not in run.metadata or "settings" not in run.metadata:
        raise MergeRefused(
            f"{path} is not a shard: its metadata has no shard record; merge takes the files `run --shard K/N` writes"
        )
    shard, selection, assigned = read_shard_record(run.metadata["shard"], str(path))
    settings = RunSettings.from_json(run.metadata["settings"], str(path))
    return ShardFile(path, run, shard, selection, assigned, settings)


# -- refusals -----------------------------------------------------------------------------


def listed(files: Sequence[ShardFile], value: Callable[[ShardFile], object]) -> str:
    """Each file with what ``value`` says of it: ``a.json: 1/3; b.json: 2/4``."""
    return "; ".join(f"{f.path}: {value(f)}" for f in files)


def refuse_if_differing(files: Sequence[ShardFile], what: str, value: Callable[[ShardFile], object], fix: str) -> None:
    if len({repr(value(f)) for f in files}) > 1:
        raise MergeRefused(f"the shards have different {what} ({listed(files, value)}); {fix}")


def refuse_differing_settings(files: Sequence[ShardFile], fix: str) -> None:
    """Refuse shards whose shared settings differ, naming only the settings that do."""
    shared = [f.settings.without_shard() for f in files]
    differing = sorted({name for settings in shared for name in settings
                        if len({repr(other.get(name)) for other in shared}) > 1})
    if differing:
        named = list(zip(files, shared, strict=True))
        values = "; ".join(
            f"{name}: " + ", ".join(f"{f.path.name} {settings.get(name)!r}" for f, settings in named)
            for name in differing
        )
        raise MergeRefused(f"the shards have different settings ({values}); {fix}")


def check_one_run(files: Sequence[ShardFile]) -> None:
    """The files are shards of one run: commit, preset, settings, shard count and selection."""
    same_run = "merge the shards of one run"
    refuse_if_differing(files, "git commits", lambda f: f.commit, same_run + " (run every shard at one commit)")
    refuse_if_differing(files, "presets", lambda f: f.run.metadata.get("preset"), same_run)
    refuse_differing_settings(files, same_run)
    refuse_if_differing(files, "shard counts N", lambda f: f.shard.count, same_run)
    refuse_if_differing(files, "selections", lambda f: f"{len(f.selection)} entries", same_run)
    if len({tuple(f.selection) for f in files}) > 1:
        names = ", ".join(str(f.path) for f in files)
        raise MergeRefused(f"the shards record different selections (metadata.shard.selection of {names}); {same_run}")
    seen: dict[int, Path] = {}
    for file in files:
        if file.shard.index in seen:
            raise MergeRefused(
                f"shard {file.shard} is given twice ({seen[file.shard.index]} and {file.path}); give each shard once"
            )
        seen[file.shard.index] = file.path
    check_parts(files)


def check_parts(files: Sequence[ShardFile]) -> None:
    """The shards' parts do not overlap, and those of the shards given cover the selection
    but for the parts of missing shards (which ``incomplete_shards`` deals with).

    Every shard job computes its part itself; jobs that balanced from different results
    (a results folder that changed between jobs, ``--balance-from`` given to some) deal
    the entries differently, so some entry lands in two parts and another in none.
    """
    owner: dict[Key, ShardFile] = {}
    for file in files:
        for key in file.assigned:
            if key in owner:
                raise MergeRefused(
                    f"entry {key_text(key)} is in the parts of shard {owner[key].shard} ({owner[key].path}) and "
                    f"shard {file.shard} ({file.path}): the shards dealt the selection differently "
                    f"(balanced from: {listed(files, balanced_from)}); run every shard with the same "
                    "--balance-from"
                )
            owner[key] = file
    given = {f.shard.index for f in files}
    if len(given) < files[0].shard.count:
        return  # a missing shard's part is unknown: refused or recorded as missing
    unassigned = [key for key in files[0].selection if key not in owner]
    if unassigned:
        shown = ", ".join(key_text(key) for key in unassigned[:5])
        more = f" and {len(unassigned) - 5} more" if len(unassigned) > 5 else ""
        raise MergeRefused(
            f"{len(unassigned)} entries of the selection are in no shard's part ({shown}{more}): the shards "
            f"dealt the selection differently (balanced from: {listed(files, balanced_from)}); run every "
            "shard with the same --balance-from"
        )


def balanced_from(file: ShardFile) -> object:
    return file.run.metadata["shard"].get("balanced_from")


def check_machines(files: Sequence[ShardFile], allow_mixed: bool) -> bool:
    """Whether the shards ran on machines of different kinds; refused unless ``allow_mixed``."""
    mixed = len({f.machine for f in files}) > 1
    if mixed and not allow_mixed:
        kinds = listed(files, lambda f: ", ".join(map(str, f.machine)))
        raise MergeRefused(
            f"the shards ran on machines of different kinds (machine, CPU model, logical cores: {kinds}); "
            "give a pool of identical hosts one HARNESS_MACHINE name, or merge with --allow-mixed-machines "
            "to keep each entry's machine"
        )
    return mixed


def incomplete_shards(files: Sequence[ShardFile], allow_partial: bool) -> tuple[list[int], list[int]]:
    """The missing and the interrupted shards' K; refused unless ``allow_partial``."""
    count = files[0].shard.count
    missing = sorted(set(range(1, count + 1)) - {f.shard.index for f in files})
    interrupted = [f.shard.index for f in files if f.run.metadata.get("interrupted")]
    if missing and not allow_partial:
        raise MergeRefused(
            f"missing shards (K of {count}): {', '.join(map(str, missing))}; run them "
            "(run --shard K/N), or merge what is here with --allow-partial"
        )
    if interrupted and not allow_partial:
        names = listed([f for f in files if f.shard.index in interrupted], lambda f: f"shard {f.shard}")
        raise MergeRefused(
            f"interrupted shards ({names}): continue each with run --resume FILE, "
            "or merge what is here with --allow-partial"
        )
    return missing, interrupted


# -- the merged run -----------------------------------------------------------------------


def merge(
    files: Sequence[ShardFile],
    output: Path,
    command: str,
    *,
    allow_mixed_machines: bool = False,
    allow_partial: bool = False,
) -> Run:
    """One run from the shard files (``MergeRefused`` if they are not one run's shards)."""
    if not files:
        raise MergeRefused("no shard files given; merge takes the files `run --shard K/N` writes")
    files = sorted(files, key=lambda f: f.shard.index)
    check_one_run(files)
    mixed = check_machines(files, allow_mixed_machines)
    missing, interrupted = incomplete_shards(files, allow_partial)
    entries = merged_entries(files, output, mixed)
    metadata = merged_metadata(files, command, mixed, missing, interrupted)
    return Run(metadata=metadata, entries=entries)


def merged_entries(files: Sequence[ShardFile], output: Path, mixed: bool) -> list[Entry]:
    """Every shard's entries once, in the whole selection's order; an entry in two files is refused."""
    found: dict[Key, tuple[Entry, Path]] = {}
    for file in files:
        for entry in file.run.entries:
            if entry.key in found:
                raise MergeRefused(
                    f"entry {entry.label} is in {found[entry.key][1]} and in {file.path}; "
                    "each entry belongs to one shard: merge the shards of one run"
                )
            moved_pyperf_file(entry, file.path, output)
            if mixed:
                entry.machine = {name: file.run.metadata.get(name) for name in MACHINE_FIELDS}
            found[entry.key] = (entry, file.path)
    order = {key: position for position, key in enumerate(files[0].selection)}
    keys = sorted(found, key=lambda k: (order.get(k, len(order)), key_text(k)))
    return [found[key][0] for key in keys]


def moved_pyperf_file(entry: Entry, shard_path: Path, output: Path) -> None:
    """Point the entry's pyperf file (relative to its results file) from the merged file's folder."""
    if entry.evaluation is not None and entry.evaluation.pyperf_file:
        where = shard_path.parent / entry.evaluation.pyperf_file
        entry.evaluation.pyperf_file = os.path.relpath(where.resolve(), output.resolve().parent)


def merged_metadata(
    files: Sequence[ShardFile], command: str, mixed: bool, missing: list[int], interrupted: list[int]
) -> dict[str, object]:
    """The lowest shard's metadata, its shard record replaced by where the run was merged from."""
    metadata = dict(files[0].run.metadata)
    for name in ("shard", "resumed", "interrupted"):
        metadata.pop(name, None)
    metadata["utc_time"] = min(str(f.run.metadata.get("utc_time", "")) for f in files)
    metadata["command"] = command
    metadata["settings"] = dataclasses.replace(files[0].settings, shard=None, balance_from=None).to_json()
    metadata["workloads"] = {k: v for f in files for k, v in (f.run.metadata.get("workloads") or {}).items()}
    metadata["gpu"] = next((f.run.metadata["gpu"] for f in files if f.run.metadata.get("gpu")), None)
    if mixed:
        metadata.update(mixed_machine_facts(files))
    if interrupted:
        metadata["interrupted"] = True
    metadata["merged"] = {
        "shards": files[0].shard.count,
        "from": [merged_source(f) for f in files],
        "missing_shards": missing,
        "interrupted_shards": interrupted,
        "mixed_machines": mixed,
    }
    return metadata


def mixed_machine_facts(files: Sequence[ShardFile]) -> dict[str, object]:
    """Top-level machine facts of a mixed merge: each distinct value joined with " + "
    (logical cores, a number, is null unless all agree); each entry holds its own."""
    facts: dict[str, object] = {}
    for name in MACHINE_FIELDS:
        values = list(dict.fromkeys(f.run.metadata.get(name) for f in files))
        if name == "logical_cores":
            facts[name] = values[0] if len(values) == 1 else None
        else:
            facts[name] = " + ".join(str(v) for v in values)
    return facts


def merged_source(file: ShardFile) -> dict[str, object]:
    metadata = file.run.metadata
    return {
        "file": str(file.path),
        "shard": file.shard.index,
        **{name: metadata.get(name) for name in MACHINE_FIELDS},
        "utc_time": metadata.get("utc_time"),
        "balanced_from": metadata["shard"].get("balanced_from"),
        "memory_limit_gib": file.settings.memory_limit_gib,
        "entries": len(file.run.entries),
        "interrupted": bool(metadata.get("interrupted")),
    }


def write_merged(run: Run, output: Path, command: str, *, force: bool) -> None:
    """Save ``run`` at ``output`` under the results lock; an existing file only with ``force``."""
    with ResultsLock(output, command):
        if output.exists() and not force:
            raise MergeRefused(f"{output} exists; choose another --output, or replace it with --force")
        save(run, output)


# -- the command --------------------------------------------------------------------------


def add_merge_command(commands: argparse._SubParsersAction[Parser]) -> None:
    """Register ``merge`` on ``harness.cli.main``'s subparsers."""
    merge_parser = commands.add_parser("merge", help="join the shard files of one run into one results file")
    merge_parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="shard results files")
    merge_parser.add_argument("--output", type=Path, required=True, help="the merged results file")
    merge_parser.add_argument(
        "--allow-mixed-machines",
        action="store_true",
        help="merge shards run on machines of different kinds; each entry keeps its own machine",
    )
    merge_parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="merge although shards are missing or interrupted (recorded in metadata.merged)",
    )
    merge_parser.add_argument("--force", action="store_true", help="replace --output if it exists")
    merge_parser.set_defaults(handler=command_merge)


def refuse_output_among_inputs(output: Path, inputs: Sequence[Path]) -> None:
    """``--output`` may not be a shard file it reads (``--force`` would replace it) nor a folder."""
    if str(output).endswith(os.sep) or output.is_dir():
        raise MergeRefused(f"{output} is a folder; --output takes the merged results file's path")
    if any(output.resolve() == path.resolve() for path in inputs):
        raise MergeRefused(f"--output {output} is one of the shard files merged; choose another path")


def command_merge(args: argparse.Namespace) -> int:
    """Steps: read each shard file -> merge -> write. Refusals raise (exit 2 in ``cli.main``)."""
    command = " ".join(["python", "-m", "harness", *sys.argv[1:]])
    refuse_output_among_inputs(args.output, args.files)
    files = [read_shard_file(path) for path in args.files]
    run = merge(
        files,
        args.output,
        command,
        allow_mixed_machines=args.allow_mixed_machines,
        allow_partial=args.allow_partial,
    )
    write_merged(run, args.output, command, force=args.force)
    merged = run.metadata["merged"]
    missing = f"; missing shards: {', '.join(map(str, merged['missing_shards']))}" if merged["missing_shards"] else ""
    print(f"merged {len(files)} of {merged['shards']} shards, {len(run.entries)} entries: {args.output}{missing}")
    return EXIT_OK
