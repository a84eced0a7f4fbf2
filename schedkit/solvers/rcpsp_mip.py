"""The time-indexed RCPSP MIP solved by HiGHS, horizon and MIP start from SGS sampling."""

from __future__ import annotations

import time

import pyomo.environ as pyo

from schedkit.models.rcpsp_mip import build_rcpsp_mip, mip_start
from schedkit.registry import SolveOptions, register
from schedkit.result import INFEASIBLE, Result
from schedkit.solvers.common import outcome_result
from schedkit.solvers.highs import run_highs
from schedkit.solvers.rcpsp import heuristic_warm_start
from schedkit.validate import validate


@register("rcpsp/mip", ("rcpsp",), "model",
          "time-indexed MIP, disaggregated precedences (Pyomo → HiGHS); single mode, small instances")
def run_rcpsp_mip(instance, options: SolveOptions):
    """Params: ``heuristic_schedules`` (default 200) for the horizon and the MIP start."""
    started = time.perf_counter()
    hint = options.warm_start
    if hint and not validate(instance, hint).ok:
        hint = None
    schedules = int(options.params.get("heuristic_schedules", 200))
    if not hint and schedules > 0:
        hint = heuristic_warm_start(instance, schedules, options.seed, None)
    upper_bound = max((row["end"] for row in hint), default=0) if hint else None
    model = build_rcpsp_mip(instance, upper_bound=upper_bound)
    if any(not window for window in model.windows.values()):
        # a task's CPM window is empty: infeasible without a solver call
        return Result(instance.problem, instance.name, "rcpsp/mip", INFEASIBLE, termination="infeasible",
                      runtime_s=time.perf_counter() - started)
    remaining = None if options.time_limit is None else max(0.1, options.time_limit - (time.perf_counter() - started))
    outcome = run_highs(model, time_limit=remaining, threads=options.threads, seed=options.seed,
                        warm_start=mip_start(model, hint) if hint else None, log=options.log)
    schedule = None
    if outcome.has_solution:
        schedule = []
        for j in range(instance.n):
            start = next(t for t in model.windows[j] if pyo.value(model.x[j, t]) > 0.5)
            schedule.append({"task": j, "start": start, "end": start + instance.durations[j]})
        # the makespan variable may sit above the latest end (it is only bounded below)
        outcome.objective = max(row["end"] for row in schedule)
    return outcome_result(instance, "rcpsp/mip", outcome, schedule)
