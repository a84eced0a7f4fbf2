"""CP-SAT model of the RCPSP with modes, release dates, deadlines, downtime and disjunctive pairs.

Formulation after OR-Tools' ``examples/python/rcpsp_sat.py``: one interval per task (optional
intervals per mode), a cumulative per renewable resource, end-before-start precedences, and the
"interval makespan" redundancy (an interval [makespan, horizon) that takes the whole capacity of
each resource, so the cumulative propagators see the makespan). Task windows are tightened by a
forward/backward pass over the precedence graph (Elmaghraby 1977, CPM) against the horizon, which
a heuristic upper bound makes short.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


def rcpsp_horizon(instance) -> int:
    """An upper bound on the makespan of some optimal schedule: in an active schedule each task
    starts at a release date, a downtime end or another task's end, so all end by the latest
    such date plus the sum of the longest durations."""
    latest = max([0] + list(instance.release_dates or []) + [d.end for d in instance.downtimes])
    return latest + sum(max(m.duration for m in modes) for modes in instance.modes)


def downtime_profile(instance, resource: int) -> list[tuple[int, int, int]]:
    """Disjoint segments (start, end, capacity) where the resource has less than its capacity;
    overlapping downtime windows take the smallest capacity."""
    windows = [d for d in instance.downtimes if d.resource == resource]
    points = sorted({t for d in windows for t in (d.start, d.end)})
    segments = []
    for left, right in itertools.pairwise(points):
        capacity = min([instance.capacities[resource]] + [d.capacity for d in windows if d.start <= left < d.end])
        if capacity < instance.capacities[resource]:
            if segments and segments[-1][1] == left and segments[-1][2] == capacity:
                segments[-1] = (segments[-1][0], right, capacity)
            else:
                segments.append((left, right, capacity))
    return segments


def time_windows(instance, horizon: int) -> tuple[list[int], list[int]]:
    """Earliest start and latest end of every task (shortest modes) from release dates, deadlines
    and the horizon by a forward and a backward pass over the precedence graph."""
    n = instance.n
    shortest = [min(m.duration for m in modes) for modes in instance.modes]
    order = instance.topological_order()
    earliest = list(instance.release_dates or [0] * n)
    for task in order:
        for s in instance.successors[task]:
            earliest[s] = max(earliest[s], earliest[task] + shortest[task])
    latest_end = [horizon if d is None else min(d, horizon) for d in (instance.deadlines or [None] * n)]
    for task in reversed(order):
        for s in instance.successors[task]:
            latest_end[task] = min(latest_end[task], latest_end[s] - shortest[s])
    return earliest, latest_end


@dataclass
class RCPSPCpModel:
    model: cp_model.CpModel
    starts: list
    ends: list
    presences: list  # presences[task][mode]: literal, or None for a single-mode task
    makespan: object
    horizon: int
    # named constraint groups → enforcement literal, when built with ``assumptions=True``
    switches: dict = field(default_factory=dict)


def build_rcpsp_cpsat(instance, upper_bound: int | None = None, interval_makespan: bool = True,
                      redundant: bool = True, assumptions: bool = False, minimize: bool = True) -> RCPSPCpModel:
    """Interval per task (optional interval per mode when there are several), cumulative per
    renewable resource with downtime as fixed intervals, precedence, windows in the domains,
    NoOverlap per disjunctive pair, non-renewable budgets; minimize the makespan.

    ``upper_bound``: a known makespan (e.g. of a heuristic schedule); the horizon becomes it, so
    only schedules at least as good remain. ``redundant``: NoOverlap over cliques of tasks that
    cannot overlap (``incompatibility_cliques``). ``assumptions``: every deadline, release date,
    downtime window and disjunctive pair is enforced by its own literal (``switches``, named
    ``deadline[3]``, ``downtime[r0:10-15]``, ``disjunctive[2,7]`` …) so that an infeasibility
    core can name them; windows are then not folded into the domains, and there is no objective.
    ``minimize=False``: no objective either — "is there a schedule within ``upper_bound``?", the
    question of a destructive lower-bound test.
    """
    model = cp_model.CpModel()
    horizon = rcpsp_horizon(instance) if upper_bound is None else min(upper_bound, rcpsp_horizon(instance))
    switches: dict = {}

    def switch(name: str):
        literal = model.NewBoolVar(name)
        switches[name] = literal
        return literal

    if assumptions:
        earliest, latest_end = time_windows(instance.__class__(**_without_windows(instance)), horizon)
    else:
        earliest, latest_end = time_windows(instance, horizon)
    starts, ends, presences, task_intervals, sizes = [], [], [], [], []
    demand_terms = [[] for _ in instance.capacities]  # (interval, demand) per resource
    for task, modes in enumerate(instance.modes):
        shortest = min(m.duration for m in modes)
        low, high = earliest[task], max(earliest[task] + shortest, latest_end[task])
        start = model.NewIntVar(low, max(low, high - shortest), f"S{task}")
        end = model.NewIntVar(low + shortest, high, f"C{task}")
        if latest_end[task] < low + shortest:  # an empty window: keep it, the model is infeasible
            model.Add(end <= latest_end[task])
        if len(modes) == 1:
            sizes.append(modes[0].duration)
            interval = model.NewIntervalVar(start, modes[0].duration, end, f"task{task}")
            for r, q in enumerate(modes[0].demands):
                if q:
                    demand_terms[r].append((interval, q))
            presences.append(None)
        else:
            durations = sorted({m.duration for m in modes})
            duration = model.NewIntVarFromDomain(cp_model.Domain.FromValues(durations), f"D{task}")
            sizes.append(duration)
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
    if assumptions:
        for task, release in enumerate(instance.release_dates or []):
            if release > 0:
                model.Add(starts[task] >= release).OnlyEnforceIf(switch(f"release[{task}]"))
        for task, deadline in enumerate(instance.deadlines or []):
            if deadline is not None:
                model.Add(ends[task] <= deadline).OnlyEnforceIf(switch(f"deadline[{task}]"))
    makespan = model.NewIntVar(max([0, *earliest]), horizon, "makespan")
    model.AddMaxEquality(makespan, ends)
    for r, capacity in enumerate(instance.capacities):
        terms = list(demand_terms[r])
        profile = downtime_profile(instance, r)
        for left, right, available in profile:
            name = f"downtime[r{r}:{left}-{right}]"
            if assumptions:
                literal = switch(name)
                terms.append((model.NewOptionalFixedSizeIntervalVar(left, right - left, literal, name),
                              capacity - available))
            else:
                terms.append((model.NewFixedSizeIntervalVar(left, right - left, name), capacity - available))
        if interval_makespan and not profile and capacity > 0 and terms:
            # nothing runs after the makespan: the whole capacity is taken from there to the horizon
            tail = model.NewIntervalVar(makespan, horizon + 1 - makespan, horizon + 1, f"after_makespan{r}")
            terms.append((tail, capacity))
        if terms:
            model.AddCumulative([i for i, _ in terms], [q for _, q in terms], capacity)
    for task, succ in enumerate(instance.successors):
        for s in succ:
            model.Add(starts[s] >= ends[task])
    if redundant:
        for clique in incompatibility_cliques(instance):
            model.AddNoOverlap([task_intervals[t] for t in clique])
    for a, b in instance.disjunctive:
        if assumptions:
            # copies of the two intervals, present only while the pair is switched on
            literal = switch(f"disjunctive[{a},{b}]")
            copies = [model.NewOptionalIntervalVar(starts[t], sizes[t], ends[t], literal, f"pair{a}_{b}_{t}")
                      for t in (a, b)]
            model.AddNoOverlap(copies)
        else:
            model.AddNoOverlap([task_intervals[a], task_intervals[b]])
    for k, budget in enumerate(instance.nonrenewable_capacities):
        usage = []
        for task, modes in enumerate(instance.modes):
            if presences[task] is None:
                usage.append(modes[0].nonrenewable[k])
            else:
                usage.extend(m.nonrenewable[k] * lit for m, lit in zip(modes, presences[task], strict=True))
        model.Add(sum(usage) <= budget)
    if minimize and not assumptions:  # the conflict search is a feasibility question
        model.Minimize(makespan)
    return RCPSPCpModel(model, starts, ends, presences, makespan, horizon, switches)


def incompatibility_cliques(instance, min_size: int = 3) -> list[list[int]]:
    """Groups of tasks no two of which can run at the same time, because together they need more
    than some resource's capacity in all their modes, or because one precedes the other; a
    NoOverlap over such a group is redundant but propagates far more than the cumulatives
    (disjunctive reasoning, e.g. Baptiste, Le Pape & Nuijten 2001, ch. 4). Greedy clique cover of
    the incompatibility graph, largest degrees first."""
    n = instance.n
    need = [[min(m.demands[r] for m in modes) for r in range(instance.num_resources)] for modes in instance.modes]
    real = [t for t in range(n) if min(m.duration for m in instance.modes[t]) > 0]
    reach = _transitive_successors(instance)
    clash = {t: set() for t in real}
    for i, a in enumerate(real):
        for b in real[i + 1:]:
            if b in reach[a] or a in reach[b] or any(
                    need[a][r] + need[b][r] > c for r, c in enumerate(instance.capacities)):
                clash[a].add(b)
                clash[b].add(a)
    cliques = []
    covered: set[tuple[int, int]] = set()
    for seed in sorted(real, key=lambda t: -len(clash[t])):
        clique = [seed]
        for other in sorted(clash[seed], key=lambda t: -len(clash[t])):
            if all(other in clash[member] for member in clique):
                clique.append(other)
        pairs = {(min(a, b), max(a, b)) for a in clique for b in clique if a != b}
        # keep cliques that bring pairs not yet covered by a resource clash (precedence pairs are known)
        if len(clique) >= min_size and not pairs <= covered:
            cliques.append(sorted(clique))
            covered |= pairs
    return cliques


def _transitive_successors(instance) -> list[set[int]]:
    reach: list[set[int]] = [set() for _ in range(instance.n)]
    for task in reversed(instance.topological_order()):
        for s in instance.successors[task]:
            reach[task] |= reach[s] | {s}
    return reach


def _without_windows(instance) -> dict:
    """The instance's fields with release dates and deadlines removed (for switched windows)."""
    fields = {name: getattr(instance, name) for name in instance.__dataclass_fields__ if name != "predecessors"}
    fields["release_dates"] = None
    fields["deadlines"] = None
    return fields
