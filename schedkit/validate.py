"""Independent feasibility checkers: recompute the objective from a schedule alone.

This module shares no code with the models or heuristics on purpose: it reads only the instance
and the schedule rows of the result contract, lists every violation it finds (each with a code
and a message naming the tasks and times) and recomputes the objective.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Violation:
    code: str  # precedence, capacity, downtime, overlap, duration, missing, duplicate, ...
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass
class Validation:
    """Violations found and the objective recomputed from the schedule (None when incomplete)."""

    violations: list[Violation] = field(default_factory=list)
    objective: int | None = None

    @property
    def ok(self) -> bool:
        return not self.violations

    def codes(self) -> set[str]:
        return {v.code for v in self.violations}

    def add(self, code: str, message: str) -> None:
        self.violations.append(Violation(code, message))


def _rows(schedule: list[dict], keys: tuple[str, ...], report: Validation) -> list[dict]:
    """Rows that have every key as an integer; the others are reported as ``format``."""
    good = []
    for number, row in enumerate(schedule):
        if not isinstance(row, dict):
            report.add("format", f"row {number} is not an object: {row!r}")
            continue
        bad = [k for k in keys if not isinstance(row.get(k), int) or isinstance(row.get(k), bool)]
        if bad:
            report.add("format", f"row {number} needs integer fields {', '.join(bad)}: {row!r}")
            continue
        good.append(row)
    return good


def _index_rows(rows: list[dict], key: Callable[[dict], tuple], expected: set, what: str, report: Validation) -> dict:
    """Rows by key; reports unknown keys, duplicates and missing entities."""
    by_key: dict = {}
    for row in rows:
        k = key(row)
        if k not in expected:
            report.add("unknown", f"{what} {k} is not in the instance")
        elif k in by_key:
            report.add("duplicate", f"{what} {k} is scheduled more than once")
        else:
            by_key[k] = row
    for k in sorted(expected - set(by_key)):
        report.add("missing", f"{what} {k} is not scheduled")
    return by_key


def _check_start(row: dict, what: str, report: Validation) -> None:
    if row["start"] < 0:
        report.add("start", f"{what} starts at {row['start']} < 0")


def _check_no_overlap(intervals: list[tuple[int, int, str]], where: str, report: Validation) -> None:
    """Intervals [start, end) with names on one machine; zero-length ones never overlap."""
    busy = sorted((s, e, name) for s, e, name in intervals if e > s)
    latest_end, latest_name = None, None
    for start, end, name in busy:
        if latest_end is not None and start < latest_end:
            report.add("overlap", f"{name} [{start}, {end}) overlaps {latest_name} (ends {latest_end}) on {where}")
        if latest_end is None or end > latest_end:
            latest_end, latest_name = end, name


def validate_smtt(instance, schedule: list[dict], extra: dict | None = None) -> Validation:
    """One machine: every job once, duration p_j, no overlap; objective sum w_j max(0, C_j - d_j)."""
    report = Validation()
    rows = _rows(schedule, ("job", "start", "end"), report)
    n = len(instance.p)
    by_job = _index_rows(rows, lambda r: r["job"], set(range(n)), "job", report)
    weights = instance.w if instance.w is not None else [1] * n
    for job, row in by_job.items():
        _check_start(row, f"job {job}", report)
        if row["end"] - row["start"] != instance.p[job]:
            report.add("duration", f"job {job} runs [{row['start']}, {row['end']}) but p = {instance.p[job]}")
    _check_no_overlap([(r["start"], r["end"], f"job {j}") for j, r in by_job.items()], "the machine", report)
    if len(by_job) == n:
        report.objective = sum(weights[j] * max(0, r["end"] - instance.d[j]) for j, r in by_job.items())
    return report


def _capacity_profile(instance, resource: int):
    """Capacity of a resource as a function of time, from its downtime windows."""
    windows = [dt for dt in instance.downtimes if dt.resource == resource]
    base = instance.capacities[resource]

    def capacity(t: int) -> int:
        return min([base] + [dt.capacity for dt in windows if dt.start <= t < dt.end])

    return capacity, [t for dt in windows for t in (dt.start, dt.end)]


def validate_rcpsp(instance, schedule: list[dict], extra: dict | None = None) -> Validation:
    """Project schedule: every task once in a valid mode, its mode's duration, precedences,
    release dates, deadlines, renewable capacities (reduced in downtime windows), disjunctive
    pairs and non-renewable budgets; objective the makespan (latest end)."""
    report = Validation()
    rows = _rows(schedule, ("task", "start", "end"), report)
    n = len(instance.modes)
    by_task = _index_rows(rows, lambda r: r["task"], set(range(n)), "task", report)
    chosen = {}
    for task, row in by_task.items():
        mode_index = row.get("mode", 0)
        if not isinstance(mode_index, int) or not 0 <= mode_index < len(instance.modes[task]):
            report.add("mode", f"task {task} has mode {mode_index!r}: expected 0..{len(instance.modes[task]) - 1}")
            continue
        mode = instance.modes[task][mode_index]
        chosen[task] = mode
        _check_start(row, f"task {task}", report)
        if row["end"] - row["start"] != mode.duration:
            report.add("duration", f"task {task} runs [{row['start']}, {row['end']}) but its duration is {mode.duration}")
        if instance.release_dates is not None and row["start"] < instance.release_dates[task]:
            report.add("release", f"task {task} starts at {row['start']} before its release date {instance.release_dates[task]}")
        if instance.deadlines is not None and instance.deadlines[task] is not None and row["end"] > instance.deadlines[task]:
            report.add("deadline", f"task {task} ends at {row['end']} after its deadline {instance.deadlines[task]}")
    for task, succ in enumerate(instance.successors):
        for s in succ:
            if task in by_task and s in by_task and by_task[s]["start"] < by_task[task]["end"]:
                report.add("precedence", f"task {s} starts at {by_task[s]['start']} before its predecessor "
                                         f"task {task} ends at {by_task[task]['end']}")
    for a, b in instance.disjunctive:
        if a in by_task and b in by_task:
            ra, rb = by_task[a], by_task[b]
            if ra["start"] < rb["end"] and rb["start"] < ra["end"] and ra["end"] > ra["start"] and rb["end"] > rb["start"]:
                report.add("disjunctive", f"tasks {a} [{ra['start']}, {ra['end']}) and {b} [{rb['start']}, {rb['end']}) "
                                          "must not overlap (disjunctive pair)")
    for resource in range(len(instance.capacities)):
        capacity, downtime_points = _capacity_profile(instance, resource)
        users = [(by_task[t]["start"], by_task[t]["end"], t, m.demands[resource])
                 for t, m in chosen.items() if m.demands[resource] > 0 and by_task[t]["end"] > by_task[t]["start"]]
        points = sorted({p for s, e, _, _ in users for p in (s, e)} | set(downtime_points))
        for left, right in itertools.pairwise(points):
            active = [(t, q) for s, e, t, q in users if s <= left < e]
            usage = sum(q for _, q in active)
            available = capacity(left)
            if usage > available:
                tasks = ", ".join(f"{t}({q})" for t, q in active)
                code = "capacity" if usage > instance.capacities[resource] else "downtime"
                report.add(code, f"resource {resource} uses {usage} > {available} available in [{left}, {right}): tasks {tasks}")
    for k, budget in enumerate(instance.nonrenewable_capacities):
        used = sum(m.nonrenewable[k] for m in chosen.values())
        if used > budget:
            report.add("nonrenewable", f"non-renewable resource {k} uses {used} > {budget}")
    if len(by_task) == n:
        report.objective = max((r["end"] for r in by_task.values()), default=0)
    return report


def validate_fjsp(instance, schedule: list[dict], extra: dict | None = None) -> Validation:
    """(Flexible) job shop: every operation once on an eligible machine for its processing time,
    operations of a job in order, no overlap per machine; objective the makespan."""
    report = Validation()
    rows = _rows(schedule, ("job", "op", "machine", "start", "end"), report)
    expected = {(j, o) for j, ops in enumerate(instance.jobs) for o in range(len(ops))}
    by_op = _index_rows(rows, lambda r: (r["job"], r["op"]), expected, "operation (job, op)", report)
    per_machine = defaultdict(list)
    for (j, o), row in by_op.items():
        eligible = instance.jobs[j][o]
        name = f"operation ({j}, {o})"
        _check_start(row, name, report)
        if row["machine"] not in eligible:
            report.add("ineligible_machine", f"{name} runs on machine {row['machine']}, eligible: {sorted(eligible)}")
        elif row["end"] - row["start"] != eligible[row["machine"]]:
            report.add("duration", f"{name} runs [{row['start']}, {row['end']}) but takes "
                                   f"{eligible[row['machine']]} on machine {row['machine']}")
        per_machine[row["machine"]].append((row["start"], row["end"], name))
        if o > 0 and (j, o - 1) in by_op and row["start"] < by_op[j, o - 1]["end"]:
            report.add("precedence", f"{name} starts at {row['start']} before operation ({j}, {o - 1}) "
                                     f"ends at {by_op[j, o - 1]['end']}")
    for machine, intervals in sorted(per_machine.items()):
        _check_no_overlap(intervals, f"machine {machine}", report)
    if len(by_op) == len(expected):
        report.objective = max((r["end"] for r in by_op.values()), default=0)
    return report


# COSMA's replay checker lives in its own module (it builds on Validation and _rows above).
from schedkit.validate_cosma import validate_cosma  # noqa: E402

# problem → checker(instance, schedule rows, top-level result fields); families may add theirs.
VALIDATORS: dict[str, Callable[..., Validation]] = {
    "smtt": validate_smtt,
    "rcpsp": validate_rcpsp,
    "fjsp": validate_fjsp,
    "jssp": validate_fjsp,
    "cosma": validate_cosma,
}


def validate(instance, schedule, extra: dict | None = None) -> Validation:
    """Check a schedule (list of result rows, or a Result) against its instance.

    Returns a Validation with every violation and the recomputed objective.
    """
    if hasattr(schedule, "schedule"):  # a Result
        extra = {**schedule.extra, **(extra or {})}
        schedule = schedule.schedule
    checker = VALIDATORS.get(instance.problem)
    if checker is None:
        raise ValueError(f"no validator for problem {instance.problem!r}")
    return checker(instance, schedule, extra or {})
