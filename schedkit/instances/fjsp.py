"""Flexible job shop instances (a job shop is the case of one eligible machine per operation)
and the FJSPLIB, JSPLIB and Taillard readers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from schedkit.errors import InstanceError
from schedkit.instances._tokens import Tokens


@dataclass(frozen=True)
class FJSPInstance:
    """``jobs[j][o]`` maps each eligible machine (0-based) of operation o of job j to its
    processing time. Operations of a job run in the given order."""

    name: str
    num_machines: int
    jobs: tuple[tuple[dict[int, int], ...], ...]

    def __post_init__(self):
        for j, ops in enumerate(self.jobs):
            for o, eligible in enumerate(ops):
                if not eligible:
                    raise InstanceError(None, None, f"{self.name}: operation {o} of job {j} has no eligible machine")
                for machine, time in eligible.items():
                    if not 0 <= machine < self.num_machines:
                        raise InstanceError(None, None, f"{self.name}: job {j} op {o}: unknown machine {machine}")
                    if time < 0:
                        raise InstanceError(None, None, f"{self.name}: job {j} op {o}: negative processing time")

    @property
    def problem(self) -> str:
        """``jssp`` when every operation has exactly one eligible machine, else ``fjsp``."""
        return "jssp" if all(len(e) == 1 for ops in self.jobs for e in ops) else "fjsp"

    @property
    def num_jobs(self) -> int:
        return len(self.jobs)

    @property
    def num_operations(self) -> int:
        return sum(len(ops) for ops in self.jobs)

    def operations(self) -> list[tuple[int, int, dict[int, int]]]:
        """All operations as (job, op, eligible machines → time), job by job."""
        return [(j, o, e) for j, ops in enumerate(self.jobs) for o, e in enumerate(ops)]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "num_machines": self.num_machines,
            "jobs": [[[[m, t] for m, t in sorted(e.items())] for e in ops] for ops in self.jobs],
        }

    @classmethod
    def from_dict(cls, data: dict) -> FJSPInstance:
        return cls(
            name=data["name"],
            num_machines=int(data["num_machines"]),
            jobs=tuple(tuple({int(m): int(t) for m, t in op} for op in ops) for ops in data["jobs"]),
        )


def read_fjs(text: str, path: str | Path) -> FJSPInstance:
    """FJSPLIB: ``n_jobs n_machines [avg]``, then per job ``n_ops`` and per operation
    ``k`` followed by ``k`` pairs ``machine(1-based) time``."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.split()), None)
    if first is None:
        raise InstanceError(path, 1, "empty file: expected 'n_jobs n_machines [avg]'")
    head = lines[first].split()
    if len(head) not in (2, 3):
        raise InstanceError(path, first + 1, f"expected 'n_jobs n_machines [avg]', got {lines[first].strip()!r}")
    header = Tokens(lines[first], path)
    header.items = [(t, first + 1) for t, _ in header.items]
    num_jobs = header.int("the number of jobs", minimum=1)
    num_machines = header.int("the number of machines", minimum=1)
    if len(head) == 3:
        header.number("the average number of machines per operation")
    tokens = Tokens("\n" * (first + 1) + "\n".join(lines[first + 1 :]), path)
    jobs = []
    for j in range(num_jobs):
        num_ops = tokens.int(f"the number of operations of job {j + 1}", minimum=1)
        ops = []
        for o in range(num_ops):
            what = f"job {j + 1} operation {o + 1}"
            k = tokens.int(f"the number of eligible machines of {what}", minimum=1, maximum=num_machines)
            eligible: dict[int, int] = {}
            for _ in range(k):
                line = tokens.line_of_next()
                machine = tokens.int(f"a machine of {what}", minimum=None)
                if not 1 <= machine <= num_machines:
                    raise InstanceError(path, line, f"unknown machine {machine} in {what}: expected 1..{num_machines}")
                if machine - 1 in eligible:
                    raise InstanceError(path, line, f"machine {machine} listed twice in {what}")
                eligible[machine - 1] = tokens.int(f"the processing time of {what} on machine {machine}")
            ops.append(eligible)
        jobs.append(tuple(ops))
    tokens.expect_end(f"end of file after {num_jobs} jobs")
    return FJSPInstance(name=fjsp_name(path), num_machines=num_machines, jobs=tuple(jobs))


def fjsp_name(path: str | Path) -> str:
    """The instance name used by the value tables: Hurink files are ``la01_edata`` (their folder
    tells the data set), Dauzère-Pérès–Paulli files ``dpp01a``; others their file stem."""
    path = Path(path)
    folder = path.parent.name
    if re.fullmatch(r"[ersv]data", folder):
        return f"{path.stem}_{folder}"
    if folder.startswith("DauzerePeres"):
        return f"dpp{path.stem}"
    return path.stem


def read_jsplib(text: str, path: str | Path) -> FJSPInstance:
    """JSPLIB job shop: ``#`` comments, ``n_jobs n_machines``, then per job ``n_machines`` pairs
    ``machine(0-based) time`` in routing order, one job a line."""
    tokens = Tokens(text, path, comment="#")
    num_jobs = tokens.int("the number of jobs", minimum=1)
    num_machines = tokens.int("the number of machines", minimum=1)
    jobs = []
    for j in range(num_jobs):
        ops = []
        for o in range(num_machines):
            line = tokens.line_of_next()
            machine = tokens.int(f"the machine of job {j + 1} operation {o + 1}", minimum=None)
            if not 0 <= machine < num_machines:
                raise InstanceError(path, line, f"unknown machine {machine}: expected 0..{num_machines - 1}")
            ops.append({machine: tokens.int(f"the processing time of job {j + 1} operation {o + 1}")})
        jobs.append(tuple(ops))
    tokens.expect_end(f"end of file after {num_jobs} jobs")
    return FJSPInstance(name=Path(path).stem, num_machines=num_machines, jobs=tuple(jobs))


_TAILLARD_HEADER = re.compile(r"nb of jobs", re.IGNORECASE)


def is_taillard(text: str) -> bool:
    return bool(_TAILLARD_HEADER.search(text)) and "Machines" in text and "Times" in text


def read_taillard(text: str, path: str | Path) -> FJSPInstance:
    """Taillard's original job-shop format: a header line with labels, a line
    ``jobs machines seed upper lower``, a ``Times`` matrix and a ``Machines`` matrix (1-based)."""
    lines = text.splitlines()

    def find(label: str) -> int:
        for i, line in enumerate(lines):
            if line.strip().lower().startswith(label):
                return i
        raise InstanceError(path, None, f"missing {label.capitalize()!r} section")

    times_at, machines_at = find("times"), find("machines")
    sizes = Tokens(lines[1] if len(lines) > 1 else "", path)
    sizes.items = [(t, 2) for t, _ in sizes.items]
    num_jobs = sizes.int("the number of jobs", minimum=1)
    num_machines = sizes.int("the number of machines", minimum=1)

    def matrix(start: int, what: str, minimum: int, maximum: int | None) -> list[list[int]]:
        block = Tokens("\n" * (start + 1) + "\n".join(lines[start + 1 : start + 1 + num_jobs]), path)
        rows = [[block.int(what, minimum=minimum, maximum=maximum) for _ in range(num_machines)] for _ in range(num_jobs)]
        block.expect_end(f"{num_machines} {what}s per job")
        return rows

    times = matrix(times_at, "processing time", 0, None)
    machines = matrix(machines_at, "machine number", 1, num_machines)
    jobs = tuple(tuple({m - 1: t} for m, t in zip(ms, ts, strict=True)) for ms, ts in zip(machines, times, strict=True))
    return FJSPInstance(name=Path(path).stem, num_machines=num_machines, jobs=jobs)


def write_fjs(instance: FJSPInstance) -> str:
    """The instance as FJSPLIB text (1-based machines)."""
    flexibility = sum(len(e) for _, _, e in instance.operations()) / max(instance.num_operations, 1)
    out = [f"{instance.num_jobs} {instance.num_machines} {flexibility:g}"]
    for ops in instance.jobs:
        fields = [str(len(ops))]
        for eligible in ops:
            fields.append(str(len(eligible)))
            for machine, time in sorted(eligible.items()):
                fields += [str(machine + 1), str(time)]
        out.append(" ".join(fields))
    return "\n".join(out) + "\n"
