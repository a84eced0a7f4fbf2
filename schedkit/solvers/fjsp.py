"""Model-based FJSP / JSSP methods."""

from __future__ import annotations

from schedkit.models.fjsp_cpsat import build_fjsp_cpsat
from schedkit.registry import SolveOptions, register
from schedkit.solvers.common import outcome_result
from schedkit.solvers.cpsat import run_cpsat


def fjsp_hints(built, instance, schedule: list[dict]) -> dict:
    """Complete hints (presence, start, end of every operation) from a schedule."""
    hints = {}
    for row in schedule:
        key = (row["job"], row["op"])
        hints[built.starts[key]] = row["start"]
        hints[built.ends[key]] = row["end"]
        for machine in instance.jobs[key[0]][key[1]]:
            literal = built.presences[key[0], key[1], machine]
            if len(instance.jobs[key[0]][key[1]]) > 1:
                hints[literal] = int(machine == row["machine"])
    return hints


@register("fjsp/cpsat", ("fjsp", "jssp"), "model", "CP-SAT: optional intervals per eligible machine, no-overlap")
def run_fjsp_cpsat(instance, options: SolveOptions):
    built = build_fjsp_cpsat(instance)
    hints = fjsp_hints(built, instance, options.warm_start or [])
    outcome = run_cpsat(built.model, time_limit=options.time_limit, threads=options.threads, seed=options.seed,
                        hints=hints, log=options.log, fix_hints=options.params.get("fix_hints", False))
    schedule = None
    if outcome.has_solution:
        value = outcome.solver.Value
        schedule = []
        for j, ops in enumerate(instance.jobs):
            for o, eligible in enumerate(ops):
                machine = next(m for m in sorted(eligible) if value(built.presences[j, o, m]))
                schedule.append({"job": j, "op": o, "machine": machine,
                                 "start": value(built.starts[j, o]), "end": value(built.ends[j, o])})
    return outcome_result(instance, "fjsp/cpsat", outcome, schedule)
