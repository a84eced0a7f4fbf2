"""CP-SAT model of the flexible job shop (the job shop is its one-machine-per-operation case),
for the whole instance or for a window of operations of the rolling horizon.

The formulation of OR-Tools' ``examples/cpp/jobshop_sat_model.cc`` (``fjsp_rho.md`` §3.1–3.2):
one main interval per operation whose size is the processing time of the chosen machine, one
optional fixed-size interval per eligible machine sharing the main start, exactly one chosen,
NoOverlap per machine, job precedence, makespan ≥ the end of each job's last operation. Redundant:
a cumulative over all main intervals with capacity = number of machines (the "cumulative
relaxation" of the connected machine group), the energetic cut Σ durations ≤ |M|·(Cmax − min_m a_m),
head/tail bounds on every start, and makespan ≥ a given lower bound (the LP assignment bound),
which also stops the search once it is reached.

A window (L-RHO, ``fjsp_rho.md`` §1.2–1.4) is a set of operations, contiguous within each job,
with a release time per job (end of its last committed operation) and an availability per
machine (end of its last committed operation: append-only); its objective is the makespan of
the window. ``restrict`` fixes the machine of some operations (the "pruned" alternatives).
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model


@dataclass
class FJSPCpModel:
    model: cp_model.CpModel
    operations: list  # (job, op) in the model, job by job
    starts: dict  # (job, op) → start var
    ends: dict
    presences: dict  # (job, op, machine) → literal (constant True for a single or fixed machine)
    makespan: object
    durations: dict  # (job, op) → duration variable of a flexible operation (the chosen machine's time)

    def decode(self, value, instance) -> list[dict]:
        """Schedule rows of the modelled operations from a solver's ``Value``."""
        rows = []
        for j, o in self.operations:
            machine = next(m for m in sorted(instance.jobs[j][o])
                           if (j, o, m) in self.presences and value(self.presences[j, o, m]))
            rows.append({"job": j, "op": o, "machine": machine,
                         "start": value(self.starts[j, o]), "end": value(self.ends[j, o])})
        return rows

    def hints(self, rows: list[dict]) -> dict:
        """Complete hints (presence of every alternative, start, end) from schedule rows."""
        hints = {self.makespan: max((r["end"] for r in rows), default=0)} if rows else {}
        for row in rows:
            key = (row["job"], row["op"])
            if key not in self.starts:
                continue
            hints[self.starts[key]] = row["start"]
            hints[self.ends[key]] = row["end"]
            if key in self.durations:
                hints[self.durations[key]] = row["end"] - row["start"]
            for (_, _, m), literal in self.presences.get_by_op(key):
                if not isinstance(literal, int):
                    hints[literal] = int(m == row["machine"])
        return hints


class _Presences(dict):
    """(job, op, machine) → literal, with the alternatives of one operation at hand."""

    def __init__(self):
        super().__init__()
        self.by_op: dict = {}

    def put(self, j, o, m, literal):
        self[j, o, m] = literal
        self.by_op.setdefault((j, o), []).append(((j, o, m), literal))

    def get_by_op(self, key):
        return self.by_op.get(key, [])


def build_fjsp_cpsat(instance, operations=None, job_release=None, machine_available=None, restrict=None,
                     lower_bound: int = 0, redundant: bool = True, end_weight: int = 0) -> FJSPCpModel:
    """The model of ``operations`` (default: all), minimizing their makespan.

    ``job_release[j]``: earliest start of the job's first modelled operation; ``machine_available[m]``:
    no modelled operation starts on m before it; ``restrict[(j, o)]``: the only machine allowed.
    ``end_weight`` > 0 minimizes end_weight × makespan + Σ ends instead: a window's makespan alone
    leaves the operations off its critical path anywhere and on any machine, which the next windows pay for.
    """
    model = cp_model.CpModel()
    if operations is None:
        operations = [(j, o) for j, ops in enumerate(instance.jobs) for o in range(len(ops))]
    job_release = job_release or {}
    available = list(machine_available) if machine_available is not None else [0] * instance.num_machines
    restrict = restrict or {}
    by_job: dict[int, list[int]] = {}
    for j, o in operations:
        by_job.setdefault(j, []).append(o)
    eligible_of = {}
    for j, ops in by_job.items():
        for o in ops:
            eligible = instance.jobs[j][o]
            if (j, o) in restrict:
                eligible = {restrict[j, o]: eligible[restrict[j, o]]}
            eligible_of[j, o] = eligible
    origin = min([*(job_release.get(j, 0) for j in by_job), *available], default=0)
    horizon = max([*job_release.values(), *available, 0]) + sum(max(e.values()) for e in eligible_of.values())
    starts, ends = {}, {}
    presences = _Presences()
    per_machine: list[list] = [[] for _ in range(instance.num_machines)]
    main_intervals, durations, last_ends = [], [], []
    duration_vars = {}
    for j, ops in by_job.items():
        shortest = [min(eligible_of[j, o].values()) for o in ops]
        release = job_release.get(j, 0)
        head = release
        tail_total = sum(shortest)
        previous_end = None
        for i, o in enumerate(ops):
            eligible = eligible_of[j, o]
            low = shortest[i]
            earliest = max(head, min(available[m] for m in eligible))
            tail = tail_total - sum(shortest[: i + 1])
            start = model.NewIntVar(earliest, horizon - tail - low, f"S{j}_{o}")
            end = model.NewIntVar(earliest + low, horizon - tail, f"C{j}_{o}")
            if len(eligible) == 1:
                (machine, time), = eligible.items()
                interval = model.NewIntervalVar(start, time, end, f"op{j}_{o}")
                per_machine[machine].append(interval)
                presences.put(j, o, machine, 1)
                duration = time
            else:
                literals, times = [], []
                for machine, time in sorted(eligible.items()):
                    present = model.NewBoolVar(f"x{j}_{o}_{machine}")
                    per_machine[machine].append(
                        model.NewOptionalFixedSizeIntervalVar(start, time, present, f"op{j}_{o}_m{machine}"))
                    if available[machine] > earliest:
                        model.Add(start >= available[machine]).OnlyEnforceIf(present)
                    presences.put(j, o, machine, present)
                    literals.append(present)
                    times.append(time)
                model.AddExactlyOne(literals)
                # the size of the main interval is the chosen machine's time (a linear equality: tight in the LP)
                duration = model.NewIntVarFromDomain(cp_model.Domain.FromValues(sorted(set(times))), f"D{j}_{o}")
                model.Add(duration == cp_model.LinearExpr.WeightedSum(literals, times))
                interval = model.NewIntervalVar(start, duration, end, f"op{j}_{o}")
                duration_vars[j, o] = duration
            if previous_end is not None:
                model.Add(start >= previous_end)
            main_intervals.append(interval)
            durations.append(duration)
            starts[j, o], ends[j, o] = start, end
            previous_end = end
            head = earliest + low
        last_ends.append(previous_end)
    for intervals in per_machine:
        if len(intervals) > 1:
            model.AddNoOverlap(intervals)
    makespan = model.NewIntVar(max(origin, lower_bound), horizon, "makespan")
    model.AddMaxEquality(makespan, last_ends)
    if redundant and main_intervals:
        used = sorted({m for e in eligible_of.values() for m in e})
        model.AddCumulative(main_intervals, [1] * len(main_intervals), len(used))
        # energy: all the work fits on the used machines between the earliest availability and the makespan
        model.Add(sum(durations) <= len(used) * (makespan - min(available[m] for m in used)))
    if end_weight > 0:
        model.Minimize(end_weight * makespan + sum(ends.values()))
    else:
        model.Minimize(makespan)
    return FJSPCpModel(model, list(operations), starts, ends, presences, makespan, duration_vars)
