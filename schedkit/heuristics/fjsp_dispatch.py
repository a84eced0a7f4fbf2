"""Dispatching rule for the (flexible) job shop: among the next operation of every job, start the
one that can start earliest, on the eligible machine where it ends earliest (append-only)."""

from __future__ import annotations

from schedkit.heuristics.common import heuristic_result
from schedkit.registry import SolveOptions, register


def earliest_start_dispatch(instance) -> list[dict]:
    """Earliest-start operation rule × earliest-end machine rule; ties by job, then machine."""
    job_ready = [0] * instance.num_jobs
    machine_free = [0] * instance.num_machines
    next_op = [0] * instance.num_jobs
    rows = []
    for _ in range(instance.num_operations):
        best = None
        for j, ops in enumerate(instance.jobs):
            if next_op[j] == len(ops):
                continue
            for machine, time in ops[next_op[j]].items():
                start = max(job_ready[j], machine_free[machine])
                key = (start, start + time, j, machine)
                if best is None or key < best:
                    best = key
        start, end, j, machine = best
        rows.append({"job": j, "op": next_op[j], "machine": machine, "start": start, "end": end})
        job_ready[j] = machine_free[machine] = end
        next_op[j] += 1
    return rows


@register("fjsp/dispatch", ("fjsp", "jssp"), "heuristic", "earliest-start operation, earliest-end machine")
def run_dispatch(instance, options: SolveOptions):
    rows = earliest_start_dispatch(instance)
    return heuristic_result(instance, "fjsp/dispatch", rows, max((r["end"] for r in rows), default=0))
