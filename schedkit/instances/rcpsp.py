"""Resource-constrained project scheduling instances (single- and multi-mode, with the extended
constraints of R-ConstraintBench) and the PSPLIB / Patterson readers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from schedkit.errors import InstanceError
from schedkit.instances._tokens import Tokens


@dataclass(frozen=True)
class Mode:
    """One way to run a task: its duration and per-resource demands."""

    duration: int
    demands: tuple[int, ...]  # renewable resources, in instance order
    nonrenewable: tuple[int, ...] = ()


@dataclass(frozen=True)
class Downtime:
    """Resource ``resource`` offers only ``capacity`` units during [start, end) (0: it is down)."""

    resource: int
    start: int
    end: int
    capacity: int = 0


@dataclass(frozen=True)
class RCPSPInstance:
    """A project: tasks with modes, precedence (``successors``), renewable ``capacities``.

    Optional R-ConstraintBench features: ``release_dates`` (earliest start per task),
    ``deadlines`` (latest end per task, None for none), ``downtimes`` and ``disjunctive`` pairs
    (two tasks that must not overlap). PSPLIB dummy source and sink are ordinary tasks of
    duration 0. Indices are 0-based in file order.
    """

    name: str
    modes: tuple[tuple[Mode, ...], ...]
    successors: tuple[tuple[int, ...], ...]
    capacities: tuple[int, ...]
    nonrenewable_capacities: tuple[int, ...] = ()
    release_dates: tuple[int, ...] | None = None
    deadlines: tuple[int | None, ...] | None = None
    downtimes: tuple[Downtime, ...] = ()
    disjunctive: tuple[tuple[int, int], ...] = ()
    horizon: int | None = None
    predecessors: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)

    problem = "rcpsp"

    def __post_init__(self):
        n = len(self.modes)
        if len(self.successors) != n:
            raise InstanceError(None, None, f"{self.name}: {n} tasks but {len(self.successors)} successor lists")
        for task, task_modes in enumerate(self.modes):
            if not task_modes:
                raise InstanceError(None, None, f"{self.name}: task {task} has no mode")
            for mode in task_modes:
                if mode.duration < 0 or any(q < 0 for q in mode.demands + mode.nonrenewable):
                    raise InstanceError(None, None, f"{self.name}: task {task} has a negative duration or demand")
                if len(mode.demands) != len(self.capacities):
                    raise InstanceError(None, None, f"{self.name}: task {task} has a wrong number of demands")
        for task, succ in enumerate(self.successors):
            for s in succ:
                if not 0 <= s < n:
                    raise InstanceError(None, None, f"{self.name}: task {task} has unknown successor {s}")
        for a, b in self.disjunctive:
            if not (0 <= a < n and 0 <= b < n) or a == b:
                raise InstanceError(None, None, f"{self.name}: disjunctive pair ({a}, {b}) is not two tasks")
        for dt in self.downtimes:
            if not 0 <= dt.resource < len(self.capacities) or dt.start >= dt.end or dt.capacity < 0:
                raise InstanceError(None, None, f"{self.name}: bad downtime {dt}")
        for seq, label in ((self.release_dates, "release dates"), (self.deadlines, "deadlines")):
            if seq is not None and len(seq) != n:
                raise InstanceError(None, None, f"{self.name}: {label} must have one entry per task")
        cycle = find_cycle(self.successors)
        if cycle:
            raise InstanceError(None, None, f"{self.name}: cyclic precedence {' -> '.join(map(str, cycle))}")
        predecessors: list[list[int]] = [[] for _ in range(n)]
        for task, succ in enumerate(self.successors):
            for s in succ:
                predecessors[s].append(task)
        object.__setattr__(self, "predecessors", tuple(tuple(p) for p in predecessors))

    def topological_order(self) -> list[int]:
        """Tasks in a topological order of the precedence graph (Kahn)."""
        waiting = [len(p) for p in self.predecessors]
        ready = [t for t in range(self.n) if waiting[t] == 0]
        order = []
        while ready:
            task = ready.pop()
            order.append(task)
            for s in self.successors[task]:
                waiting[s] -= 1
                if waiting[s] == 0:
                    ready.append(s)
        return order

    @property
    def n(self) -> int:
        return len(self.modes)

    @property
    def num_resources(self) -> int:
        return len(self.capacities)

    @property
    def multi_mode(self) -> bool:
        return any(len(m) > 1 for m in self.modes) or bool(self.nonrenewable_capacities)

    @property
    def durations(self) -> tuple[int, ...]:
        """Durations of the first (for single-mode: the only) mode of every task."""
        return tuple(m[0].duration for m in self.modes)

    @property
    def demands(self) -> tuple[tuple[int, ...], ...]:
        """Renewable demands of the first (for single-mode: the only) mode of every task."""
        return tuple(m[0].demands for m in self.modes)

    def to_dict(self) -> dict:
        data: dict = {
            "name": self.name,
            "capacities": list(self.capacities),
            "tasks": [
                {
                    "modes": [
                        {"duration": m.duration, "demands": list(m.demands)}
                        | ({"nonrenewable": list(m.nonrenewable)} if m.nonrenewable else {})
                        for m in task_modes
                    ],
                    "successors": list(self.successors[i]),
                }
                for i, task_modes in enumerate(self.modes)
            ],
        }
        if self.nonrenewable_capacities:
            data["nonrenewable_capacities"] = list(self.nonrenewable_capacities)
        if self.release_dates is not None:
            data["release_dates"] = list(self.release_dates)
        if self.deadlines is not None:
            data["deadlines"] = list(self.deadlines)
        if self.downtimes:
            data["downtimes"] = [
                {"resource": d.resource, "start": d.start, "end": d.end, "capacity": d.capacity}
                for d in self.downtimes
            ]
        if self.disjunctive:
            data["disjunctive"] = [list(pair) for pair in self.disjunctive]
        if self.horizon is not None:
            data["horizon"] = self.horizon
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RCPSPInstance:
        tasks = data["tasks"]
        release = data.get("release_dates")
        deadlines = data.get("deadlines")
        return cls(
            name=data["name"],
            modes=tuple(
                tuple(
                    Mode(int(m["duration"]), tuple(m["demands"]), tuple(m.get("nonrenewable", ())))
                    for m in task["modes"]
                )
                for task in tasks
            ),
            successors=tuple(tuple(task.get("successors", ())) for task in tasks),
            capacities=tuple(data["capacities"]),
            nonrenewable_capacities=tuple(data.get("nonrenewable_capacities", ())),
            release_dates=None if release is None else tuple(release),
            deadlines=None if deadlines is None else tuple(deadlines),
            downtimes=tuple(Downtime(**d) for d in data.get("downtimes", ())),
            disjunctive=tuple(tuple(pair) for pair in data.get("disjunctive", ())),
            horizon=data.get("horizon"),
        )


def find_cycle(successors: tuple[tuple[int, ...], ...] | list[list[int]]) -> list[int] | None:
    """A precedence cycle as a list of tasks (first task repeated at the end), or None."""
    n = len(successors)
    state = [0] * n  # 0 new, 1 on the stack, 2 done
    parent = [-1] * n
    for root in range(n):
        if state[root]:
            continue
        stack = [(root, iter(successors[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state[nxt] == 1:
                cycle = [nxt]
                walk = node
                while walk != nxt:
                    cycle.append(walk)
                    walk = parent[walk]
                cycle.append(nxt)
                return cycle[::-1]
            elif state[nxt] == 0:
                state[nxt] = 1
                parent[nxt] = node
                stack.append((nxt, iter(successors[nxt])))
    return None


def _check_acyclic(successors, path, lines: list[int]) -> None:
    cycle = find_cycle(successors)
    if cycle:
        names = " -> ".join(str(t + 1) for t in cycle)
        raise InstanceError(path, lines[cycle[0]], f"cyclic precedence between jobs {names} (1-based)")


_HEADER_FIELDS = {
    "jobs": re.compile(r"^jobs \(incl\. supersource/sink \)\s*:\s*(\S+)"),
    "horizon": re.compile(r"^horizon\s*:\s*(\S+)"),
    "renewable": re.compile(r"^\s*-\s*renewable\s*:\s*(\S+)"),
    "nonrenewable": re.compile(r"^\s*-\s*nonrenewable\s*:\s*(\S+)"),
    "doubly": re.compile(r"^\s*-\s*doubly constrained\s*:\s*(\S+)"),
}


def read_psplib(text: str, path: str | Path) -> RCPSPInstance:
    """A PSPLIB ``.sm`` (single-mode) or ``.mm`` (multi-mode) file.

    Sections: header counts, PRECEDENCE RELATIONS, REQUESTS/DURATIONS, RESOURCEAVAILABILITIES
    (Kolisch & Sprecher 1997). Jobs 1 and n are the dummy source and sink.
    """
    lines = text.splitlines()

    def integer(token: str, line: int, what: str, minimum: int = 0) -> int:
        try:
            value = int(token)
        except ValueError:
            raise InstanceError(path, line, f"expected {what} (an integer), got {token!r}") from None
        if value < minimum:
            raise InstanceError(path, line, f"expected {what} >= {minimum}, got {value}")
        return value

    header: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        for key, pattern in _HEADER_FIELDS.items():
            match = pattern.match(line)
            if match and key not in header:
                header[key] = integer(match.group(1), number, f"the number of {key}")
    for key in ("jobs", "renewable"):
        if key not in header:
            raise InstanceError(path, None, f"missing header field {key!r}: expected a PSPLIB .sm/.mm file")
    n, num_renewable = header["jobs"], header["renewable"]
    num_nonrenewable = header.get("nonrenewable", 0)
    if header.get("doubly", 0):
        raise InstanceError(path, None, "doubly constrained resources are not supported")

    def section(title: str) -> int:
        for number, line in enumerate(lines, start=1):
            if line.strip().upper().startswith(title):
                return number
        raise InstanceError(path, None, f"missing section {title!r}")

    def data_rows(start: int, count: int, what: str) -> list[tuple[int, list[str]]]:
        """``count`` non-empty, non-separator rows after line ``start`` (1-based), skipping its header."""
        rows = []
        number = start + 1  # skip the column header line
        while len(rows) < count:
            if number >= len(lines) or lines[number].startswith("*"):
                raise InstanceError(path, number + 1 if number < len(lines) else len(lines),
                                    f"section ends early: expected {count} {what}, found {len(rows)}")
            fields = lines[number].split()
            if fields and not set(lines[number].strip()) <= {"-"}:
                rows.append((number + 1, fields))
            number += 1
        return rows

    # Precedence relations: jobnr, #modes, #successors, successors.
    successors: list[tuple[int, ...]] = []
    mode_counts: list[int] = []
    task_lines: list[int] = []
    for expected, (line, fields) in enumerate(data_rows(section("PRECEDENCE RELATIONS"), n, "job rows"), start=1):
        job = integer(fields[0], line, "the job number")
        if job != expected:
            raise InstanceError(path, line, f"expected job number {expected}, got {job}")
        if len(fields) < 3:
            raise InstanceError(path, line, "expected jobnr, #modes, #successors and the successors")
        modes = integer(fields[1], line, "the number of modes", minimum=1)
        count = integer(fields[2], line, "the number of successors")
        if len(fields) != 3 + count:
            raise InstanceError(path, line, f"expected {count} successors, got {len(fields) - 3}")
        succ = tuple(integer(f, line, "a successor job number", minimum=1) - 1 for f in fields[3:])
        for s in succ:
            if s >= n:
                raise InstanceError(path, line, f"successor {s + 1} out of range: expected 1..{n}")
        successors.append(succ)
        mode_counts.append(modes)
        task_lines.append(line)
    _check_acyclic(successors, path, task_lines)

    # Requests/durations: the first row of a job starts with its number, later modes do not.
    width = 2 + num_renewable + num_nonrenewable
    rows = data_rows(section("REQUESTS/DURATIONS"), sum(mode_counts), "mode rows")
    modes: list[tuple[Mode, ...]] = []
    position = 0
    for job in range(n):
        job_modes = []
        for m in range(mode_counts[job]):
            line, fields = rows[position]
            position += 1
            if m == 0:
                if len(fields) != width + 1:
                    raise InstanceError(path, line, f"expected {width + 1} fields (jobnr, mode, duration, demands)")
                if integer(fields[0], line, "the job number") != job + 1:
                    raise InstanceError(path, line, f"expected a row for job {job + 1}")
                fields = fields[1:]
            elif len(fields) != width:
                raise InstanceError(path, line, f"expected {width} fields (mode, duration, demands)")
            if integer(fields[0], line, "the mode number", minimum=1) != m + 1:
                raise InstanceError(path, line, f"expected mode {m + 1} of job {job + 1}")
            duration = integer(fields[1], line, "a duration")
            demands = [integer(f, line, "a resource demand") for f in fields[2:]]
            job_modes.append(Mode(duration, tuple(demands[:num_renewable]), tuple(demands[num_renewable:])))
        modes.append(tuple(job_modes))

    # Resource availabilities: one header line of names, one line of integers.
    start = section("RESOURCEAVAILABILITIES")
    (line, fields), = data_rows(start, 1, "capacity line")
    if len(fields) != num_renewable + num_nonrenewable:
        raise InstanceError(path, line, f"expected {num_renewable + num_nonrenewable} capacities, got {len(fields)}")
    capacities = [integer(f, line, "a capacity") for f in fields]
    return RCPSPInstance(
        name=Path(path).stem,
        modes=tuple(modes),
        successors=tuple(successors),
        capacities=tuple(capacities[:num_renewable]),
        nonrenewable_capacities=tuple(capacities[num_renewable:]),
        horizon=header.get("horizon"),
    )


def read_patterson(text: str, path: str | Path) -> RCPSPInstance:
    """A Patterson ``.rcp`` file: ``n R``, the capacities, then per activity
    ``duration demand_1..demand_R n_successors successors...`` (1-based)."""
    tokens = Tokens(text, path)
    n = tokens.int("the number of activities", minimum=2)
    num_resources = tokens.int("the number of resources")
    capacities = tuple(tokens.int(f"the capacity of resource {r + 1}") for r in range(num_resources))
    modes, successors, lines = [], [], []
    for task in range(n):
        lines.append(tokens.line_of_next() or tokens.line_count)
        duration = tokens.int(f"the duration of activity {task + 1}")
        demands = tuple(tokens.int(f"demand {r + 1} of activity {task + 1}") for r in range(num_resources))
        count = tokens.int(f"the number of successors of activity {task + 1}")
        succ = tuple(tokens.int(f"a successor of activity {task + 1}", minimum=1, maximum=n) - 1 for _ in range(count))
        modes.append((Mode(duration, demands),))
        successors.append(succ)
    tokens.expect_end()
    _check_acyclic(successors, path, lines)
    return RCPSPInstance(name=Path(path).stem, modes=tuple(modes), successors=tuple(successors), capacities=capacities)
