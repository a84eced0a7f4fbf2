"""Time-indexed MIP of the single-mode RCPSP in Pyomo, with the disaggregated precedences.

x[j, t] = 1 when task j starts at time t (Pritsker, Watters & Wolfe 1969); precedences in the
disaggregated form of Christofides, Alvarez-Valdes & Tamarit (1987, EJOR 29):
``Σ_{τ ≥ t} x[i, τ] + Σ_{τ ≤ t + p_i − 1} x[j, τ] ≤ 1`` for every arc (i, j) and time t, a much
stronger LP than the aggregated form. Start times are restricted to the CPM windows against the
horizon (an upper bound, e.g. a heuristic makespan), release dates and deadlines. Downtime lowers
the right-hand side of the resource rows; a disjunctive pair gets one row per time unit.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from schedkit.errors import MethodError
from schedkit.models.rcpsp_cpsat import rcpsp_horizon, time_windows


def build_rcpsp_mip(instance, upper_bound: int | None = None) -> pyo.ConcreteModel:
    """A Pyomo model with ``x[j, t]`` (start binaries) and ``makespan``; minimize the makespan.
    Single mode only (the first mode of every task)."""
    if instance.multi_mode:
        raise MethodError("the time-indexed MIP handles single-mode instances only; use rcpsp/cpsat")
    horizon = rcpsp_horizon(instance) if upper_bound is None else min(upper_bound, rcpsp_horizon(instance))
    n = instance.n
    durations = instance.durations
    earliest, latest_end = time_windows(instance, horizon)
    windows = {j: range(earliest[j], latest_end[j] - durations[j] + 1) for j in range(n)}
    model = pyo.ConcreteModel(name=f"rcpsp_mip_{instance.name}")
    model.X = pyo.Set(dimen=2, initialize=[(j, t) for j in range(n) for t in windows[j]])
    model.x = pyo.Var(model.X, domain=pyo.Binary)
    model.makespan = pyo.Var(domain=pyo.NonNegativeReals, bounds=(0, horizon))
    # an empty window (deadline before the earliest finish) leaves the row infeasible on its own
    model.once = pyo.Constraint(range(n), rule=lambda m, j: sum(m.x[j, t] for t in windows[j]) == 1 if windows[j]
                                else pyo.Constraint.Infeasible)
    model.ends_by = pyo.Constraint(range(n), rule=lambda m, j: m.makespan >= sum((t + durations[j]) * m.x[j, t]
                                                                                   for t in windows[j]))
    model.precedence = pyo.ConstraintList()
    for i in range(n):
        for j in instance.successors[i]:
            p = durations[i]
            for t in windows[i]:
                late_i = [tau for tau in windows[i] if tau >= t]
                early_j = [tau for tau in windows[j] if tau <= t + p - 1]
                if early_j:
                    model.precedence.add(sum(model.x[i, tau] for tau in late_i) + sum(model.x[j, tau] for tau in early_j) <= 1)
    capacity = _capacity_profile(instance, horizon)

    def running(j, t):
        """x-terms for task j being in process during [t, t + 1)."""
        return [model.x[j, tau] for tau in range(max(t - durations[j] + 1, windows[j].start), min(t, windows[j].stop - 1) + 1)]

    model.resource = pyo.ConstraintList()
    for r in range(instance.num_resources):
        users = [j for j in range(n) if instance.demands[j][r] > 0 and durations[j] > 0]
        for t in range(horizon):
            terms = [instance.demands[j][r] * x for j in users for x in running(j, t)]
            if terms and sum(instance.demands[j][r] for j in users
                             if windows[j].start <= t < windows[j].stop - 1 + durations[j]) > capacity[r][t]:
                model.resource.add(sum(terms) <= capacity[r][t])
    model.disjunctive = pyo.ConstraintList()
    for a, b in instance.disjunctive:
        if durations[a] and durations[b]:
            for t in range(horizon):
                terms = running(a, t) + running(b, t)
                if len(terms) > 1:
                    model.disjunctive.add(sum(terms) <= 1)
    model.objective = pyo.Objective(expr=model.makespan, sense=pyo.minimize)
    model.windows = windows
    return model


def _capacity_profile(instance, horizon: int) -> list[list[int]]:
    capacity = [[c] * horizon for c in instance.capacities]
    for down in instance.downtimes:
        for t in range(down.start, min(down.end, horizon)):
            capacity[down.resource][t] = min(capacity[down.resource][t], down.capacity)
    return capacity


def mip_start(model, schedule: list[dict]) -> ComponentMap:
    """A MIP start (Pyomo variable → value) from schedule rows."""
    start_of = {row["task"]: row["start"] for row in schedule}
    values = ComponentMap((var, 0) for var in model.x.values())
    for j, t in model.X:
        if start_of.get(j) == t:
            values[model.x[j, t]] = 1
    values[model.makespan] = max(row["end"] for row in schedule)
    return values
