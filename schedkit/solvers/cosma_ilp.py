"""``cosma/ilp``: the faithful time-indexed COSMA ILP (``schedkit.models.cosma_ilp``) solved by HiGHS.

Free schedule by default (``--param order=given`` fixes the given order: COSMA-FS, Eq. 16–17).
For small graphs (tens of operators) and as the cross-check of the episode models; the paper's
big-M non-overlap makes its LP bound weak (research notes §1.5). Episodes are read off the
residency variables: a run of resident steps continues while the tensor is preserved (P = 1).
Addresses, possibly fractional in the LP sense, are made integral by keeping the solver's vertical
order of co-resident runs and stacking each on the highest run below it.
"""

from __future__ import annotations

import math

from schedkit.models.cosma_ilp import time_indexed_ilp
from schedkit.registry import register
from schedkit.result import UNKNOWN, Result
from schedkit.solvers.cosma_common import cosma_extra, prepare, rows_traffic
from schedkit.solvers.highs import run_highs


def stack_runs(runs: list[tuple[int, int, int, int, float]]) -> list[dict]:
    """Rows from runs (tensor, start, end, size, solver address): same vertical order, integral."""
    ranked = sorted(range(len(runs)), key=lambda r: runs[r][4])
    placed = [0] * len(runs)
    for n, r in enumerate(ranked):
        _, start, end, _, _ = runs[r]
        top = 0
        for q in ranked[:n]:
            if runs[q][1] <= end and start <= runs[q][2]:
                top = max(top, placed[q] + runs[q][3])
        placed[r] = top
    rows = [{"tensor": t, "start": s, "end": e, "address": placed[r]} for r, (t, s, e, _, _) in enumerate(runs)]
    return sorted(rows, key=lambda row: (row["start"], row["tensor"]))


@register("cosma/ilp", ("cosma",), "exact",
          "Faithful time-indexed COSMA ILP with the fixes (Pyomo → HiGHS), free schedule or param order=given; small graphs")
def run_ilp(instance, options) -> Result:
    capacity, weights, infeasible = prepare(instance, options, "cosma/ilp")
    if infeasible:
        return infeasible
    fixed = list(range(instance.num_operators)) if options.params.get("order") == "given" else None
    model, span = time_indexed_ilp(instance, capacity, weights, fixed)
    outcome = run_highs(model, time_limit=options.time_limit, threads=options.threads, seed=options.seed, log=options.log)
    if not outcome.has_solution:
        return Result(instance.problem, instance.name, "cosma/ilp", outcome.status, runtime_s=outcome.runtime_s,
                      termination=outcome.termination, extra=cosma_extra(capacity, weights, range(instance.num_operators)))
    order = sorted(range(instance.num_operators),
                   key=lambda v: max((t for (u, t) in model.x if u == v), key=lambda t: model.x[v, t].value))
    runs = []
    for a, (first, last) in span.items():
        current = None
        for t in range(first, last + 1):
            resident = (model.C[a, t].value + model.P[a, t].value + model.R[a, t].value) > 0.5
            if resident and current is not None and model.P[a, t].value > 0.5:
                current[2] = t
                continue
            if current is not None:
                runs.append(tuple(current))
                current = None
            if resident:
                current = [a, t, t, instance.sizes[a], model.L[a, t].value or 0.0]
        if current is not None:
            runs.append(tuple(current))
    rows = stack_runs(runs)
    objective = rows_traffic(instance, rows)
    status = outcome.status if objective == round(outcome.objective) else "feasible"
    bound = None if outcome.bound is None else min(objective, math.ceil(outcome.bound - 1e-6))
    if status == "optimal":
        bound = objective
    return Result(instance.problem, instance.name, "cosma/ilp", status if rows else UNKNOWN, objective=objective,
                  bound=bound, runtime_s=outcome.runtime_s, schedule=rows, trace=[(outcome.runtime_s, objective)],
                  termination=outcome.termination, extra=cosma_extra(capacity, weights, order))
