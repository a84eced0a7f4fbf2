"""CP-SAT model of the RCPSP with modes, release dates, deadlines, downtime and disjunctive pairs."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model


def rcpsp_horizon(instance) -> int:
    """An upper bound on the makespan of some optimal schedule: in an active schedule each task
    starts at a release date, a downtime end or another task's end, so all end by the latest
    such date plus the sum of the longest durations."""
    latest = max([0] + list(instance.release_dates or []) + [d.end for d in instance.downtimes])
    return latest + sum(max(m.duration for m in modes) for modes in instance.modes)


@dataclass
class RCPSPCpModel:
    model: cp_model.CpModel
    starts: list
    ends: list
    presences: list  # presences[task][mode]: literal, or None for a single-mode task
    makespan: object


def build_rcpsp_cpsat(instance) -> RCPSPCpModel:
    """Interval per task (optional interval per mode when there are several), cumulative per
    renewable resource with downtime as fixed intervals, precedence, windows in the domains,
    NoOverlap per disjunctive pair, non-renewable budgets; minimize the makespan."""
    model = cp_model.CpModel()
    horizon = rcpsp_horizon(instance)
    n = instance.n
    release = instance.release_dates or [0] * n
    deadline = [horizon if d is None else min(d, horizon) for d in (instance.deadlines or [None] * n)]
    starts, ends, presences, task_intervals = [], [], [], []
    demand_terms = [[] for _ in instance.capacities]  # (interval, demand) per resource
    for task, modes in enumerate(instance.modes):
        shortest = min(m.duration for m in modes)
        start = model.NewIntVar(release[task], max(release[task], deadline[task] - shortest), f"S{task}")
        end = model.NewIntVar(release[task] + shortest, max(release[task] + shortest, deadline[task]), f"C{task}")
        if len(modes) == 1:
            interval = model.NewIntervalVar(start, modes[0].duration, end, f"task{task}")
            for r, q in enumerate(modes[0].demands):
                if q:
                    demand_terms[r].append((interval, q))
            presences.append(None)
        else:
            durations = [m.duration for m in modes]
            duration = model.NewIntVarFromDomain(cp_model.Domain.FromValues(sorted(set(durations))), f"D{task}")
            interval = model.NewIntervalVar(start, duration, end, f"task{task}")
            literals = []
            for k, mode in enumerate(modes):
                present = model.NewBoolVar(f"x{task}_{k}")
                model.Add(duration == mode.duration).OnlyEnforceIf(present)
                option = model.NewOptionalIntervalVar(start, mode.duration, end, present, f"task{task}_m{k}")
                for r, q in enumerate(mode.demands):
                    if q:
                        demand_terms[r].append((option, q))
                literals.append(present)
            model.AddExactlyOne(literals)
            presences.append(literals)
        starts.append(start)
        ends.append(end)
        task_intervals.append(interval)
    for r, capacity in enumerate(instance.capacities):
        terms = list(demand_terms[r])
        for k, down in enumerate(dt for dt in instance.downtimes if dt.resource == r):
            blocked = capacity - down.capacity
            if blocked > 0:
                terms.append((model.NewFixedSizeIntervalVar(down.start, down.end - down.start, f"down{r}_{k}"), blocked))
        if terms:
            model.AddCumulative([i for i, _ in terms], [q for _, q in terms], capacity)
    for task, succ in enumerate(instance.successors):
        for s in succ:
            model.Add(starts[s] >= ends[task])
    for a, b in instance.disjunctive:
        model.AddNoOverlap([task_intervals[a], task_intervals[b]])
    for k, budget in enumerate(instance.nonrenewable_capacities):
        usage = []
        for task, modes in enumerate(instance.modes):
            if presences[task] is None:
                usage.append(modes[0].nonrenewable[k])
            else:
                usage.extend(m.nonrenewable[k] * lit for m, lit in zip(modes, presences[task], strict=True))
        model.Add(sum(usage) <= budget)
    makespan = model.NewIntVar(0, horizon, "makespan")
    model.AddMaxEquality(makespan, ends)
    model.Minimize(makespan)
    return RCPSPCpModel(model, starts, ends, presences, makespan)
