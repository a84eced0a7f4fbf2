"""Classic SMTT dispatching rules (definitions in shared papers/smtt.md, section 1)."""

from __future__ import annotations

from schedkit.heuristics.common import heuristic_result
from schedkit.registry import SolveOptions, register


def sequence_schedule(instance, sequence: list[int]) -> tuple[list[dict], int]:
    """Schedule rows for jobs run back to back in ``sequence``, and the total weighted tardiness."""
    rows, time, total = [], 0, 0
    weights = instance.weights
    for job in sequence:
        rows.append({"job": job, "start": time, "end": time + instance.p[job]})
        time += instance.p[job]
        total += weights[job] * max(0, time - instance.d[job])
    return rows, total


def edd_sequence(instance) -> list[int]:
    """Earliest due date first; ties by job number."""
    return sorted(range(instance.n), key=lambda j: (instance.d[j], j))


@register("smtt/edd", ("smtt",), "heuristic", "earliest due date first (ties by job number)")
def run_edd(instance, options: SolveOptions):
    rows, total = sequence_schedule(instance, edd_sequence(instance))
    return heuristic_result(instance, "smtt/edd", rows, total)
