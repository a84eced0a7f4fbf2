"""Replay validator for COSMA results (operator order, scratchpad addresses, spills and reloads).

Shares no code with the models or heuristics: it reads the instance, the result's top-level
``capacity``, ``weights`` and ``order`` and the residency episodes ``{"tensor", "start", "end",
"address"}`` (tensor resident in bytes [address, address + size) during steps start..end
inclusive, steps being positions in ``order``), replays the execution and recomputes the traffic:

- a produced tensor with k > 0 reloads costs (1 + k)·size (spilled once, read back k times);
- a graph input or weight costs size per reload after its first load (the host holds it);
- everything else (first loads, final outputs, dead tensors that lapse) is compulsory and free.

The number of reloads of a tensor is its number of episodes minus one.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from schedkit.validate import Validation, _rows


def validate_cosma(instance, schedule: list[dict], extra: dict | None = None) -> Validation:
    report = Validation()
    extra = extra or {}
    capacity, weights, order = extra.get("capacity"), extra.get("weights", False), extra.get("order")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0:
        report.add("format", f"the result needs an integer \"capacity\" (bytes), got {capacity!r}")
        return report
    m, n = instance.num_operators, instance.num_tensors
    if not isinstance(order, list) or sorted(order) != list(range(m)) or not all(isinstance(v, int) for v in order):
        report.add("order", f"\"order\" must list every operator 0..{m - 1} exactly once")
        return report
    step_of = {v: s for s, v in enumerate(order)}
    producer = {t: v for v, outs in enumerate(instance.outputs) for t in outs}
    for v in range(m):
        for t in instance.inputs[v]:
            if t in producer and step_of[producer[t]] >= step_of[v]:
                report.add("precedence", f"operator {v} runs at step {step_of[v]} but reads tensor {t}, "
                                         f"produced by operator {producer[t]} at step {step_of[producer[t]]}")
    tracked = [bool(weights) or kind != "weight" for kind in instance.kinds]

    rows = _rows(schedule, ("tensor", "start", "end", "address"), report)
    episodes: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for row in rows:
        t, start, end, address = row["tensor"], row["start"], row["end"], row["address"]
        if not 0 <= t < n:
            report.add("unknown", f"tensor {t} is not in the instance")
            continue
        if not tracked[t]:
            report.add("untracked", f"tensor {t} is a weight but the result does not track weights")
            continue
        if not 0 <= start <= end < m:
            report.add("steps", f"tensor {t} episode [{start}, {end}] is not within steps 0..{m - 1}")
            continue
        if address < 0 or address + instance.sizes[t] > capacity:
            report.add("capacity", f"tensor {t} at [{address}, {address + instance.sizes[t]}) leaves the "
                                   f"scratchpad [0, {capacity})")
        if t in producer and start < step_of[producer[t]]:
            report.add("before_production", f"tensor {t} is resident from step {start}, before its producer "
                                            f"(operator {producer[t]}) runs at step {step_of[producer[t]]}")
        episodes[t].append((start, end, address))

    for t, runs in episodes.items():
        runs.sort()
        for (s1, e1, _), (s2, e2, _) in itertools.pairwise(runs):
            if s2 <= e1:
                report.add("episode_overlap", f"tensor {t} has episodes [{s1}, {e1}] and [{s2}, {e2}] that share steps")
        if t in producer and runs[0][0] != step_of[producer[t]]:
            report.add("production", f"tensor {t}'s first episode starts at step {runs[0][0]}, not at its "
                                     f"producer's step {step_of[producer[t]]}")

    resident_at: dict[int, dict[int, int]] = defaultdict(dict)  # step → tensor → address
    for t, runs in episodes.items():
        for start, end, address in runs:
            for s in range(start, end + 1):
                resident_at[s][t] = address
    for v in range(m):
        s = step_of[v]
        for t in (*instance.inputs[v], *instance.outputs[v]):
            if tracked[t] and t not in resident_at[s]:
                role = "input" if t in instance.inputs[v] else "output"
                report.add("not_resident", f"operator {v} at step {s} needs its {role} tensor {t} resident")

    for s in sorted(resident_at):
        boxes = sorted((address, address + instance.sizes[t], t) for t, address in resident_at[s].items())
        reach, owner = None, None
        for low, high, t in boxes:
            if reach is not None and low < reach:
                report.add("address_overlap", f"at step {s} tensor {t} [{low}, {high}) overlaps tensor {owner} "
                                              f"(up to {reach})")
            if reach is None or high > reach:
                reach, owner = high, t

    if report.ok:
        traffic = 0
        for t, runs in episodes.items():
            reloads = len(runs) - 1
            if reloads > 0:
                traffic += instance.sizes[t] * (reloads + 1 if t in producer else reloads)
        report.objective = traffic
    return report
