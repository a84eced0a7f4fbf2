"""Model-based FJSP / JSSP method: the full CP-SAT model, warm-started by the best dispatching rule
improved by the tabu search (``heuristics.fjsp_tabu``) and a CP-SAT LNS (``solvers.fjsp_lns``) side by side,
sharing their best schedule, in all but the last ``cpsat_share`` of the time limit.

With 2 workers CP-SAT runs one full search and one thread of interleaved LNS; on the larger
Brandimarte instances (mk06, mk10) it stays close to a dispatching hint, while the tabu search of
the critical-path insertion neighbourhood reaches within a few percent of the best known in seconds;
the LNS that re-solves a machine-free set inside a sequence-free window gets out of the tabu search's
plateaus on packed instances (mk07); CP-SAT then improves that hint and proves the optima the
heuristics cannot.
"""

from __future__ import annotations

import time

from schedkit.heuristics.fjsp_dispatch import best_dispatch
from schedkit.heuristics.fjsp_improve import makespan
from schedkit.heuristics.fjsp_tabu import parallel_tabu_search
from schedkit.models.fjsp_cpsat import build_fjsp_cpsat
from schedkit.registry import SolveOptions, register
from schedkit.solvers.common import outcome_result
from schedkit.solvers.cpsat import run_cpsat
from schedkit.solvers.fjsp_bound import fjsp_lower_bound
from schedkit.solvers.fjsp_lns import tabu_and_lns

PROBING_MAX_OPERATIONS = 400  # from here on CP-SAT's presolve probing is switched off (see below)


def fjsp_hints(built, instance, schedule: list[dict]) -> dict:
    """Complete hints (presence, start, end of every operation) from a schedule."""
    return built.hints(schedule)


def _improve_hint(instance, warm: list[dict], lower: int, options: SolveOptions, started: float) -> list[dict]:
    """The heuristic phase before CP-SAT: tabu search and CP-SAT LNS side by side until the last cpsat_share of
    the limit, or (lns=false, or no limit) the tabu search alone, one per thread."""
    params = options.params
    left = None if options.time_limit is None else options.time_limit - (time.perf_counter() - started)
    if left is not None and params.get("lns", True) and float(params.get("tabu_share", 1.0)) > 0:
        budget = options.time_limit * (1 - float(params.get("cpsat_share", 0.15))) - (time.perf_counter() - started)
        if budget <= 0:
            return warm
        return tabu_and_lns(instance, warm, budget, threads=options.threads, seed=options.seed, lower_bound=lower,
                            tabu_restarts=params.get("tabu_restarts", 200), stall_steps=params.get("lns_stall", 30))
    tabu_s = float(params.get("tabu_s", 5.0)) if left is None else float(params.get("tabu_share", 0.75)) * left
    if tabu_s <= 0:
        return warm
    return parallel_tabu_search(instance, warm, tabu_s, searches=options.threads, seed=options.seed,
                                lower_bound=lower, restarts=params.get("tabu_restarts", 200))


@register("fjsp/cpsat", ("fjsp", "jssp"), "model",
          "CP-SAT: optional intervals per eligible machine, no-overlap, redundant cumulative, LP bound; "
          "hinted by the best dispatching rule improved by tabu search and CP-SAT LNS side by side until the last "
          "cpsat_share=0.15 of the limit or until both are stuck (tabu_restarts=200 fruitless kicks, lns_stall=30 "
          "fruitless LNS steps); params hint=false to start cold; lns=false: tabu search only, one per thread, "
          "for tabu_share=0.75 of the limit at most, tabu_s=5 without one)")
def run_fjsp_cpsat(instance, options: SolveOptions):
    started = time.perf_counter()
    lower = fjsp_lower_bound(instance)
    built = build_fjsp_cpsat(instance, lower_bound=lower)
    warm = options.warm_start
    params = options.params
    if warm is None and params.get("hint", True):
        warm, _ = best_dispatch(instance)
        if makespan(warm) > lower:  # else the dispatching rule is already optimal
            warm = _improve_hint(instance, warm, lower, options, started)
    limit = None if options.time_limit is None else max(0.1, options.time_limit - (time.perf_counter() - started))
    # Presolve probing of the optional intervals takes 30-40 s per round at 2000 operations (for
    # under 0.3 units of deterministic time, so no deterministic limit stops it): three rounds ate a
    # 120 s budget and CP-SAT stopped after presolve without searching. Large models skip probing.
    parameters = {"cp_model_probing_level": 0} if instance.num_operations >= PROBING_MAX_OPERATIONS else {}
    outcome = run_cpsat(built.model, time_limit=limit, threads=options.threads, seed=options.seed,
                        hints=built.hints(warm or []), log=options.log, parameters=parameters,
                        fix_hints=params.get("fix_hints", False))
    schedule = built.decode(outcome.solver.Value, instance) if outcome.has_solution else None
    if schedule is None and warm and outcome.status != "infeasible":
        schedule, outcome.objective, outcome.status = warm, makespan(warm), "feasible"  # the hint still holds
    result = outcome_result(instance, "fjsp/cpsat", outcome, schedule)
    if result.objective is not None:
        result.bound = min(result.objective, max(result.bound or 0, lower))
    return result
