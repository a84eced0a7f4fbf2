"""Critical-path pruning for the rolling horizon: which overlapping operations keep their machine.

Graph-RHO (``fjsp_rho.md`` §1.6, §1.9) learns which operations of the previous window's solution
are "invariant" and fixes their machine in the next window; schedkit scores them by a transparent
rule instead. Slack comes from the disjunctive graph of the previous sub-solution (job arcs and
machine arcs in the solution's sequence), after a forward pass that left-shifts it (earliest
starts) and a backward pass from its makespan (latest starts); CP-SAT solutions are not always
left-justified, so the solution's own starts would under-estimate slack. An operation with zero
slack is critical and is never fixed (Graph-RHO's asymmetric cost: a wrong fix on the critical
path costs makespan, a missed fix only time).
"""

from __future__ import annotations

from dataclasses import dataclass


def _graph(rows: list[dict]):
    """Rows in topological order of their disjunctive graph (by start) with job and machine predecessors."""
    order = sorted(rows, key=lambda r: (r["start"], r["end"], r["job"], r["op"]))
    job_pred, machine_pred = [-1] * len(order), [-1] * len(order)
    last_of_job, last_on_machine = {}, {}
    for i, r in enumerate(order):
        job_pred[i] = last_of_job.get(r["job"], -1)
        machine_pred[i] = last_on_machine.get(r["machine"], -1)
        last_of_job[r["job"]] = last_on_machine[r["machine"]] = i
    return order, job_pred, machine_pred


def _forward(order, job_pred, machine_pred, job_release, machine_available) -> list[int]:
    earliest = [0] * len(order)
    for i, r in enumerate(order):
        start = max(job_release.get(r["job"], 0), machine_available[r["machine"]] if machine_available else 0)
        for pred in (job_pred[i], machine_pred[i]):
            if pred >= 0:
                start = max(start, earliest[pred] + order[pred]["end"] - order[pred]["start"])
        earliest[i] = start
    return earliest


def left_justify(rows: list[dict], job_release: dict | None = None, machine_available=None) -> list[dict]:
    """The same machines and sequences, every operation at its earliest start (forward pass);
    no operation moves later, so the makespan never grows."""
    order, job_pred, machine_pred = _graph(rows)
    earliest = _forward(order, job_pred, machine_pred, job_release or {}, machine_available)
    return [{**r, "start": s, "end": s + r["end"] - r["start"]} for r, s in zip(order, earliest, strict=True)]


def slacks(rows: list[dict], job_release: dict | None = None, machine_available=None) -> dict:
    """(job, op) → slack of each operation of a schedule, on its disjunctive graph.

    Earliest start: max(job predecessor end, machine predecessor end, job release, machine
    availability); latest start: min over successors of their latest start, or the makespan of
    the left-shifted schedule, minus the processing time. Arrays in topological order (by start).
    """
    order, job_pred, machine_pred = _graph(rows)
    n = len(order)
    duration = [r["end"] - r["start"] for r in order]
    earliest = _forward(order, job_pred, machine_pred, job_release or {}, machine_available)
    horizon = max((earliest[i] + duration[i] for i in range(n)), default=0)
    latest_finish = [horizon] * n
    for i in range(n - 1, -1, -1):
        latest_start = latest_finish[i] - duration[i]
        for pred in (job_pred[i], machine_pred[i]):
            if pred >= 0:
                latest_finish[pred] = min(latest_finish[pred], latest_start)
    return {(r["job"], r["op"]): latest_finish[i] - duration[i] - earliest[i] for i, r in enumerate(order)}


def critical_operations(rows: list[dict]) -> set:
    """Operations with zero slack in the left-shifted schedule (they lie on a longest path)."""
    return {key for key, slack in slacks(rows).items() if slack == 0}


@dataclass
class FixingRule:
    """Chooses the overlapping operations whose machine is fixed, and adapts the share fixed.

    Score (higher = fix first) of a flexible overlapping operation with positive slack:
    slack / window makespan + 0.5 × (early position in the window) + 0.3 × (same machine in the
    last two solves) + 0.3 × (on its fastest machine). Operations with one eligible machine are
    fixed anyway (nothing is lost). ``share`` moves down by ``step`` after a check found that fixing
    cost more than ``tolerance`` (relative window makespan), up by ``step / 2`` otherwise.
    """

    share: float = 0.5
    minimum: float = 0.1
    maximum: float = 0.8
    step: float = 0.1
    tolerance: float = 0.005

    def choose(self, instance, overlap: list, previous: dict, history: dict, window_slack: dict, position: dict) -> dict:
        """(job, op) → machine for the operations to fix; ``overlap`` is in window order."""
        span = max((r["end"] for r in previous.values()), default=1) - min((r["start"] for r in previous.values()), default=0)
        span = max(span, 1)
        candidates = []
        fixed = {}
        for key in overlap:
            machine = previous[key]["machine"]
            eligible = instance.jobs[key[0]][key[1]]
            if len(eligible) == 1:
                fixed[key] = machine
                continue
            slack = window_slack.get(key, 0)
            if slack <= 0:
                continue
            unchanged = len(history.get(key, ())) >= 2 and history[key][-1] == history[key][-2]
            fastest = eligible[machine] == min(eligible.values())
            score = slack / span + 0.5 * (1 - position[key] / max(len(overlap), 1)) + 0.3 * unchanged + 0.3 * fastest
            candidates.append((-score, key))
        flexible = sum(len(instance.jobs[j][o]) > 1 for j, o in overlap)
        candidates.sort()
        for _, key in candidates[: round(self.share * flexible)]:
            fixed[key] = previous[key]["machine"]
        return fixed

    def learn(self, restricted: int, unrestricted: int) -> bool:
        """Record a check (window makespans with and without fixing); True when fixing cost."""
        costly = restricted > unrestricted * (1 + self.tolerance)
        if costly:
            self.share = max(self.minimum, self.share - self.step)
        else:
            self.share = min(self.maximum, self.share + self.step / 2)
        return costly
