"""Serial schedule-generation scheme for the RCPSP (Kelley 1963; Kolisch 1996) with the latest
finish time (LFT) priority rule, aware of release dates, downtime and disjunctive pairs."""

from __future__ import annotations

import numpy as np

from schedkit.heuristics.common import heuristic_result
from schedkit.models.rcpsp_cpsat import rcpsp_horizon
from schedkit.registry import SolveOptions, register


def latest_finish_times(instance) -> list[int]:
    """LFT by a backward pass over the precedence graph with the shortest mode durations."""
    horizon = rcpsp_horizon(instance)
    shortest = [min(m.duration for m in modes) for modes in instance.modes]
    order = topological_order(instance)
    lft = [horizon] * instance.n
    for task in reversed(order):
        for s in instance.successors[task]:
            lft[task] = min(lft[task], lft[s] - shortest[s])
    return lft


def topological_order(instance) -> list[int]:
    indegree = [len(p) for p in instance.predecessors]
    ready = [t for t in range(instance.n) if indegree[t] == 0]
    order = []
    while ready:
        task = ready.pop()
        order.append(task)
        for s in instance.successors[task]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    return order


def serial_sgs(instance, priority: list[float]) -> list[dict] | None:
    """Schedule tasks one by one, the eligible task of smallest ``priority`` first, each at its
    earliest precedence- and resource-feasible start (in its fastest mode that fits the
    non-renewable budgets). Returns result rows, or None when a deadline or budget is missed."""
    n, num_resources = instance.n, instance.num_resources
    horizon = rcpsp_horizon(instance) + 1
    available = np.tile(np.asarray(instance.capacities, dtype=np.int64)[:, None], (1, horizon))
    for down in instance.downtimes:
        window = available[down.resource, down.start : down.end]
        np.minimum(window, down.capacity, out=window)
    usage = np.zeros((num_resources, horizon), dtype=np.int64)
    release = instance.release_dates or [0] * n
    partners = [[] for _ in range(n)]
    for a, b in instance.disjunctive:
        partners[a].append(b)
        partners[b].append(a)
    budget = list(instance.nonrenewable_capacities)
    min_need = [[min(m.nonrenewable[k] for m in modes) for k in range(len(budget))] for modes in instance.modes]
    remaining_need = [sum(min_need[t][k] for t in range(n)) for k in range(len(budget))]
    start, end, mode_of = [None] * n, [None] * n, [0] * n
    unscheduled_preds = [len(p) for p in instance.predecessors]
    eligible = {t for t in range(n) if unscheduled_preds[t] == 0}
    while eligible:
        task = min(eligible, key=lambda t: (priority[t], t))
        eligible.remove(task)
        earliest = max([release[task]] + [end[p] for p in instance.predecessors[task]])
        for k in range(len(budget)):
            remaining_need[k] -= min_need[task][k]
        best = None
        for m, mode in enumerate(instance.modes[task]):
            if any(mode.nonrenewable[k] > budget[k] - remaining_need[k] for k in range(len(budget))):
                continue
            t = _earliest_fit(mode, earliest, usage, available, [(start[p], end[p]) for p in partners[task]
                                                                  if start[p] is not None])
            if t is not None and (best is None or t + mode.duration < best[0] + instance.modes[task][best[1]].duration):
                best = (t, m)
        if best is None:
            return None
        t, m = best
        mode = instance.modes[task][m]
        start[task], end[task], mode_of[task] = t, t + mode.duration, m
        usage[:, t : t + mode.duration] += np.asarray(mode.demands, dtype=np.int64)[:, None]
        for k in range(len(budget)):
            budget[k] -= mode.nonrenewable[k]
        for s in instance.successors[task]:
            unscheduled_preds[s] -= 1
            if unscheduled_preds[s] == 0:
                eligible.add(s)
    if any(s is None for s in start):
        return None
    deadlines = instance.deadlines or [None] * n
    if any(d is not None and end[t] > d for t, d in enumerate(deadlines)):
        return None
    rows = []
    for t in range(n):
        row = {"task": t, "start": start[t], "end": end[t]}
        if instance.multi_mode:
            row["mode"] = mode_of[t]
        rows.append(row)
    return rows


def _earliest_fit(mode, earliest: int, usage, available, busy: list[tuple[int, int]]) -> int | None:
    """The first t >= earliest where the mode fits the resource profile and avoids ``busy``."""
    duration, horizon = mode.duration, usage.shape[1]
    demand = np.asarray(mode.demands, dtype=np.int64)[:, None]
    t = earliest
    while t + duration <= horizon:
        if duration == 0:
            return t
        clash = next((e for s, e in busy if s < t + duration and t < e and e > s), None)
        if clash is not None:
            t = clash
            continue
        over = np.nonzero((usage[:, t : t + duration] + demand > available[:, t : t + duration]).any(axis=0))[0]
        if over.size == 0:
            return t
        t += int(over[-1]) + 1
    return None


@register("rcpsp/sgs", ("rcpsp",), "heuristic", "serial schedule-generation scheme, latest finish time rule")
def run_serial_sgs(instance, options: SolveOptions):
    rows = serial_sgs(instance, latest_finish_times(instance))
    objective = None if rows is None else max(r["end"] for r in rows)
    return heuristic_result(instance, "rcpsp/sgs", rows, objective)
