"""Model-based SMTT methods."""

from __future__ import annotations

from schedkit.models.smtt_cpsat import build_smtt_cpsat
from schedkit.registry import SolveOptions, register
from schedkit.solvers.common import outcome_result
from schedkit.solvers.cpsat import run_cpsat


@register("smtt/cpsat", ("smtt",), "model", "CP-SAT: intervals on one no-overlap machine")
def run_smtt_cpsat(instance, options: SolveOptions):
    built = build_smtt_cpsat(instance)
    hints = {}
    for row in options.warm_start or []:
        hints[built.starts[row["job"]]] = row["start"]
        hints[built.ends[row["job"]]] = row["end"]
    outcome = run_cpsat(built.model, time_limit=options.time_limit, threads=options.threads, seed=options.seed,
                        hints=hints, log=options.log, fix_hints=options.params.get("fix_hints", False))
    schedule = None
    if outcome.has_solution:
        value = outcome.solver.Value
        schedule = sorted(({"job": j, "start": value(built.starts[j]), "end": value(built.ends[j])}
                           for j in range(instance.n)), key=lambda r: r["start"])
    return outcome_result(instance, "smtt/cpsat", outcome, schedule)
