"""The bars of a Gantt chart, computed from an instance and a result's schedule rows (no drawing here).

Lanes: the machine for SMTT, machines for FJSP/JSSP, tasks for RCPSP (whose resources get a usage
profile under the chart instead). Highlighted: tardy jobs (SMTT) and the critical chain (RCPSP,
FJSP): the bars that end at the makespan and, backwards, each bar that ends exactly when a highlighted
bar starts and is linked to it by a precedence or a shared machine/resource — delaying any of them
delays the makespan (Goldratt's critical chain, read off a fixed schedule).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from schedkit.errors import SchedkitError


@dataclass(frozen=True)
class ChartData:
    bars: pd.DataFrame  # lane, start, end, job, label, highlight
    lanes: list[str]  # top to bottom
    highlight_name: str  # what a highlighted bar means ("tardy", "critical chain")
    profiles: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]  # (resource, times, usage, capacity)
    due_dates: dict[int, int]  # job → due date, for SMTT
    title: str


def _critical(ids: list, start: dict, end: dict, linked) -> set:
    """Bars on the critical chain: backwards from those ending at the makespan."""
    makespan = max(end.values(), default=0)
    ending_at: dict[int, list] = {}
    for i in ids:
        ending_at.setdefault(end[i], []).append(i)
    chain = {i for i in ids if end[i] == makespan and end[i] > start[i]}
    queue = deque(chain)
    while queue:
        current = queue.popleft()
        for before in ending_at.get(start[current], []):
            if before not in chain and end[before] > start[before] and linked(before, current):
                chain.add(before)
                queue.append(before)
    return chain


def _smtt(instance, rows) -> ChartData:
    rows = sorted(rows, key=lambda r: r["start"])
    weights = instance.weights
    records = []
    for row in rows:
        job = row["job"]
        tardiness = max(0, row["end"] - instance.d[job])
        label = f"job {job}: p={instance.p[job]} d={instance.d[job]}" + (f" w={weights[job]}" if instance.weighted else "")
        records.append({"lane": "machine", "start": row["start"], "end": row["end"], "job": job,
                        "label": f"{label}, tardiness {tardiness}", "highlight": tardiness > 0})
    return ChartData(pd.DataFrame(records), ["machine"], "tardy", [], {r["job"]: instance.d[r["job"]] for r in rows}, "")


def _fjsp(instance, rows) -> ChartData:
    start = {(r["job"], r["op"]): r["start"] for r in rows}
    end = {(r["job"], r["op"]): r["end"] for r in rows}
    machine = {(r["job"], r["op"]): r["machine"] for r in rows}

    def linked(before, after):
        return machine[before] == machine[after] or (before[0] == after[0] and before[1] == after[1] - 1)

    chain = _critical(list(start), start, end, linked)
    records = [{"lane": f"M{r['machine']}", "start": r["start"], "end": r["end"], "job": r["job"],
                "label": f"job {r['job']} op {r['op']} on M{r['machine']}", "highlight": (r["job"], r["op"]) in chain}
               for r in rows]
    lanes = [f"M{m}" for m in range(instance.num_machines)]
    return ChartData(pd.DataFrame(records), lanes, "critical chain", [], {}, "")


def _rcpsp(instance, rows) -> ChartData:
    mode = {r["task"]: r.get("mode", 0) for r in rows}
    start = {r["task"]: r["start"] for r in rows}
    end = {r["task"]: r["end"] for r in rows}
    demands = {t: instance.modes[t][mode[t]].demands for t in start}
    successors = instance.successors

    def linked(before, after):
        return after in successors[before] or any(a > 0 and b > 0 for a, b in zip(demands[before], demands[after],
                                                                                   strict=True))

    chain = _critical(list(start), start, end, linked)
    shown = [t for t in sorted(start) if end[t] > start[t]]  # dummy source and sink take no time
    records = [{"lane": f"task {t}", "start": start[t], "end": end[t], "job": t,
                "label": f"task {t} (mode {mode[t]}): demands {list(demands[t])}", "highlight": t in chain}
               for t in shown]
    makespan = max(end.values(), default=0)
    times = np.arange(makespan + 1)
    profiles = []
    for r, capacity in enumerate(instance.capacities):
        usage = np.zeros(makespan + 1, dtype=int)
        for t in start:
            usage[start[t]:end[t]] += demands[t][r]
        available = np.full(makespan + 1, capacity)
        for downtime in instance.downtimes:
            if downtime.resource == r:
                available[downtime.start:downtime.end] = downtime.capacity
        profiles.append((f"R{r + 1}", times, usage, available))
    return ChartData(pd.DataFrame(records), [f"task {t}" for t in shown], "critical chain", profiles, {}, "")


def chart_data(instance, result) -> ChartData:
    """The bars, lanes and (RCPSP) resource profiles of a result's schedule."""
    if not result.schedule:
        raise SchedkitError(f"{result.instance}: the result holds no schedule to draw (status {result.status})")
    readers = {"smtt": _smtt, "fjsp": _fjsp, "jssp": _fjsp, "rcpsp": _rcpsp}
    if instance.problem not in readers:
        raise SchedkitError(f"no Gantt chart for {instance.problem} schedules yet")
    data = readers[instance.problem](instance, result.schedule)
    title = f"{result.instance} — {result.method} — objective {result.objective} ({result.status})"
    return ChartData(data.bars, data.lanes, data.highlight_name, data.profiles, data.due_dates, title)
