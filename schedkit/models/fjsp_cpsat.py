"""CP-SAT model of the flexible job shop (the job shop is its one-machine-per-operation case)."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model


@dataclass
class FJSPCpModel:
    model: cp_model.CpModel
    starts: dict  # (job, op) → start var
    ends: dict
    presences: dict  # (job, op, machine) → literal (constant True for a single eligible machine)
    makespan: object


def build_fjsp_cpsat(instance) -> FJSPCpModel:
    """Optional interval per (operation, eligible machine), exactly one chosen per operation,
    NoOverlap per machine, job precedence, makespan >= every job's last end."""
    model = cp_model.CpModel()
    horizon = sum(max(e.values()) for _, _, e in instance.operations())
    starts, ends, presences = {}, {}, {}
    per_machine = [[] for _ in range(instance.num_machines)]
    for j, ops in enumerate(instance.jobs):
        # Work before and after an operation in its job bounds its start (a redundant tightening).
        shortest = [min(e.values()) for e in ops]
        for o, eligible in enumerate(ops):
            head, tail = sum(shortest[:o]), sum(shortest[o + 1 :])
            low, high = min(eligible.values()), max(eligible.values())
            start = model.NewIntVar(head, horizon - tail - low, f"S{j}_{o}")
            end = model.NewIntVar(head + low, horizon - tail, f"C{j}_{o}")
            if len(eligible) == 1:
                (machine, time), = eligible.items()
                per_machine[machine].append(model.NewIntervalVar(start, time, end, f"op{j}_{o}"))
                presences[j, o, machine] = model.NewConstant(1)
            else:
                duration = model.NewIntVar(low, high, f"D{j}_{o}")
                model.NewIntervalVar(start, duration, end, f"op{j}_{o}")
                literals = []
                for machine, time in sorted(eligible.items()):
                    present = model.NewBoolVar(f"x{j}_{o}_{machine}")
                    per_machine[machine].append(
                        model.NewOptionalIntervalVar(start, time, end, present, f"op{j}_{o}_m{machine}"))
                    model.Add(duration == time).OnlyEnforceIf(present)
                    presences[j, o, machine] = present
                    literals.append(present)
                model.AddExactlyOne(literals)
            starts[j, o], ends[j, o] = start, end
            if o > 0:
                model.Add(start >= ends[j, o - 1])
    for intervals in per_machine:
        if len(intervals) > 1:
            model.AddNoOverlap(intervals)
    makespan = model.NewIntVar(0, horizon, "makespan")
    model.AddMaxEquality(makespan, [ends[j, len(ops) - 1] for j, ops in enumerate(instance.jobs) if ops])
    model.Minimize(makespan)
    return FJSPCpModel(model, starts, ends, presences, makespan)
