"""What a sweep runs: instance files (from files, globs and folders) × methods × seeds.

Each run is a frozen ``Run`` whose ``key`` identifies it in the output file, so a sweep that is
started again skips the runs already recorded there.
"""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from schedkit.errors import InstanceError, SchedkitError


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a method on one instance with one seed and one time limit."""

    path: str  # the instance file as named on the command line (normalised, relative when given so)
    index: int | None  # instance number in a multi-instance file (OR-Library wt), else None
    problem: str
    instance: str  # the instance name as the reader gives it (j301_1, wt40_3, mk01)
    instance_set: str  # the folder the file lies in (j30, Brandimarte1993), for per-set tables
    method: str
    seed: int
    time_limit: float | None
    threads: int = 1
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        """What identifies the run in the output: file (and index), method, seed, time limit, params."""
        where = self.path if self.index is None else f"{self.path}#{self.index}"
        limit = "none" if self.time_limit is None else f"{self.time_limit:g}"
        key = f"{where}|{self.method}|seed={self.seed}|tl={limit}"
        if self.params:
            key += "|" + json.dumps(self.params, sort_keys=True, separators=(",", ":"))
        return key


def _natural(path: Path) -> list:
    """Sort j301_2 before j301_10: digits compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


def instance_files(paths: list[str]) -> list[tuple[Path, bool]]:
    """Files named by ``paths`` (files, glob patterns, folders searched recursively), in natural
    order, each with a flag saying whether it was named explicitly (an explicit file that cannot be
    read is an error; a file found in a folder that is not an instance is skipped)."""
    found: list[tuple[Path, bool]] = []
    for spec in paths:
        if any(ch in spec for ch in "*?["):
            matches = sorted((Path(m) for m in glob.glob(spec, recursive=True)), key=_natural)
            if not matches:
                raise SchedkitError(f"{spec}: the pattern matches no file")
            found += [(m, False) for m in matches if m.is_file()]
        elif Path(spec).is_dir():
            files = [f for f in Path(spec).rglob("*") if f.is_file() and not f.name.startswith(".")]
            found += [(f, False) for f in sorted(files, key=_natural)]
        elif Path(spec).is_file():
            found.append((Path(spec), True))
        else:
            raise SchedkitError(f"{spec}: no such file or folder")
    seen, unique = set(), []
    for path, explicit in found:
        if path not in seen:
            seen.add(path)
            unique.append((path, explicit))
    return unique


def _orlib_count(path: Path) -> int | None:
    """How many instances an OR-Library weighted-tardiness file holds (n from the name, 3n numbers each)."""
    from schedkit.instances._tokens import read_text
    from schedkit.instances.loader import detect_format

    text = read_text(path)
    if detect_format(text, path).name != "orlib-wt":
        return None
    n = int("".join(ch for ch in path.stem if ch.isdigit()) or 0)
    return len(text.split()) // (3 * n) if n else None


def parse_indices(spec: str | None) -> list[int] | None:
    """``"1-20,25"`` → [1, …, 20, 25]; None → None (all)."""
    if not spec:
        return None
    indices: list[int] = []
    for part in spec.split(","):
        low, sep, high = part.strip().partition("-")
        try:
            indices += list(range(int(low), int(high) + 1)) if sep else [int(low)]
        except ValueError:
            raise SchedkitError(f"--index {spec!r}: expected numbers and ranges like 1-20,25") from None
    return indices


@dataclass(frozen=True)
class Plan:
    runs: list[Run]
    skipped_files: list[str]  # files in folders that are not instances
    skipped_pairs: int  # instance × method pairs where the method does not solve the instance's problem


def plan_runs(paths: list[str], methods: list[str], *, seeds: int = 1, time_limit: float | None = None,
              threads: int = 1, problem: str | None = None, indices: list[int] | None = None,
              params: dict | None = None) -> Plan:
    """Every run of a sweep, instance-major. A method is paired only with instances of a problem it
    solves (a folder of mixed families with methods of several families just works)."""
    from schedkit.instances import load
    from schedkit.registry import get_method

    chosen = [get_method(name) for name in methods]  # an unknown method fails here, before any run
    runs, skipped_files, skipped_pairs = [], [], 0
    for path, explicit in instance_files(paths):
        try:
            count = _orlib_count(path)
            numbers = [None] if count is None else (indices or list(range(1, count + 1)))
            loaded = [(number, load(path, problem=problem, index=number)) for number in numbers]
        except InstanceError:
            if explicit:
                raise
            skipped_files.append(str(path))
            continue
        shown = os.path.normpath(path)
        for number, instance in loaded:
            for method in chosen:
                if instance.problem not in method.problems:
                    skipped_pairs += 1
                    continue
                for seed in range(seeds):
                    runs.append(Run(shown, number, instance.problem, instance.name, path.parent.name, method.name,
                                    seed, time_limit, threads, dict(params or {})))
    if not runs:
        raise SchedkitError("nothing to run: no instance of a problem that the chosen methods solve")
    return Plan(runs, skipped_files, skipped_pairs)
