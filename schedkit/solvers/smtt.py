"""Model-based SMTT methods: CP-SAT and the three Pyomo MIPs solved by HiGHS, each with a warm start."""

from __future__ import annotations

from schedkit.heuristics.smtt_rules import sequence_schedule
from schedkit.models import smtt_mip
from schedkit.models.smtt_cpsat import build_smtt_cpsat
from schedkit.registry import SolveOptions, register
from schedkit.solvers.common import outcome_result
from schedkit.solvers.cpsat import run_cpsat
from schedkit.solvers.highs import run_highs


def warm_sequence(options: SolveOptions) -> list[int] | None:
    """The job order of the warm start rows, or None."""
    if not options.warm_start:
        return None
    return [row["job"] for row in sorted(options.warm_start, key=lambda r: r["start"])]


@register("smtt/cpsat", ("smtt",), "model", "CP-SAT: intervals on one no-overlap machine")
def run_smtt_cpsat(instance, options: SolveOptions):
    built = build_smtt_cpsat(instance)
    hints = {}
    for row in options.warm_start or []:
        hints[built.starts[row["job"]]] = row["start"]
        hints[built.ends[row["job"]]] = row["end"]
        hints[built.tardiness[row["job"]]] = max(0, row["end"] - instance.d[row["job"]])
    outcome = run_cpsat(built.model, time_limit=options.time_limit, threads=options.threads, seed=options.seed,
                        hints=hints, log=options.log, fix_hints=options.params.get("fix_hints", False))
    schedule = None
    if outcome.has_solution:
        value = outcome.solver.Value
        schedule = sorted(({"job": j, "start": value(built.starts[j]), "end": value(built.ends[j])}
                           for j in range(instance.n)), key=lambda r: r["start"])
        # After a time limit CP-SAT's ObjectiveValue() was seen to disagree with the values it
        # returns (2985 vs 2971 on a 20-job instance): take the objective of the schedule itself.
        outcome.objective = sum(instance.weights[r["job"]] * max(0, r["end"] - instance.d[r["job"]]) for r in schedule)
    return outcome_result(instance, "smtt/cpsat", outcome, schedule)


def mip_method(formulation: str) -> str:
    """Registered name of the MIP ``formulation`` (e.g. ``smtt/mip-positional``)."""
    return f"smtt/mip-{formulation}"


def solve_mip_model(instance, formulation: str, model, options: SolveOptions):
    """Solve an already built MIP of ``formulation`` with HiGHS (warm start from ``options``); the
    benchmark builds the model itself so that it can time and cap the Pyomo build on its own."""
    sequence = warm_sequence(options)
    start = smtt_mip.warm_start_values(model, instance, sequence) if sequence else None
    outcome = run_highs(model, time_limit=options.time_limit, threads=options.threads, seed=options.seed,
                        warm_start=start, log=options.log)
    schedule = None
    if outcome.has_solution:
        schedule, total = sequence_schedule(instance, smtt_mip.decode(model, instance))
        outcome.objective = total  # recomputed from the decoded order, not the LP's float
    return outcome_result(instance, mip_method(formulation), outcome, schedule)


def _mip_runner(formulation: str):
    builder = smtt_mip.BUILDERS[formulation]

    def run(instance, options: SolveOptions):
        return solve_mip_model(instance, formulation, builder(instance), options)

    run.__name__ = f"run_mip_{formulation.replace('-', '_')}"
    summary = f"{formulation} MIP (Keha et al. 2009) in Pyomo, solved by HiGHS"
    return register(mip_method(formulation), ("smtt",), "model", summary)(run)


for _formulation in smtt_mip.FORMULATIONS:
    _mip_runner(_formulation)
