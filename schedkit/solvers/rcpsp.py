"""Model-based RCPSP methods."""

from __future__ import annotations

from schedkit.models.rcpsp_cpsat import build_rcpsp_cpsat
from schedkit.registry import SolveOptions, register
from schedkit.solvers.common import outcome_result
from schedkit.solvers.cpsat import run_cpsat


@register("rcpsp/cpsat", ("rcpsp",), "model", "CP-SAT: intervals, cumulative per resource, precedences")
def run_rcpsp_cpsat(instance, options: SolveOptions):
    built = build_rcpsp_cpsat(instance)
    hints = {}
    for row in options.warm_start or []:
        task = row["task"]
        hints[built.starts[task]] = row["start"]
        hints[built.ends[task]] = row["end"]
        if built.presences[task] is not None:
            for k, literal in enumerate(built.presences[task]):
                hints[literal] = int(k == row.get("mode", 0))
    outcome = run_cpsat(built.model, time_limit=options.time_limit, threads=options.threads, seed=options.seed,
                        hints=hints, log=options.log, fix_hints=options.params.get("fix_hints", False))
    schedule = None
    if outcome.has_solution:
        value = outcome.solver.Value
        schedule = []
        for task in range(instance.n):
            row = {"task": task, "start": value(built.starts[task]), "end": value(built.ends[task])}
            if instance.multi_mode:
                literals = built.presences[task]
                row["mode"] = 0 if literals is None else next(k for k, lit in enumerate(literals) if value(lit))
            schedule.append(row)
    return outcome_result(instance, "rcpsp/cpsat", outcome, schedule)
