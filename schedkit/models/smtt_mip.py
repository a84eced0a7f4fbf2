"""Pyomo MIPs of 1‖ΣwⱼTⱼ: positional (assignment), disjunctive (big-M) and time-indexed.

Formulations as compared by Keha, Khowala & Fowler (2009), "Mixed integer programming
formulations for single machine scheduling problems", Computers & Industrial Engineering
56:357–367 (shared notes ``papers/smtt.md`` section 3). Each builder is pure: instance in, model
out; ``warm_start_values`` turns a job sequence into a MIP start and ``decode`` reads the sequence
back from a solved model.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

FORMULATIONS = ("positional", "disjunctive", "time-indexed")


def build_positional(instance) -> pyo.ConcreteModel:
    """x[j, k] = 1 if job j takes position k; C[k] the completion of position k.

    Unweighted: T[k] ≥ C[k] − Σⱼ dⱼ x[j, k] per position (Keha et al.'s strongest compact model).
    Weighted: tardiness per job, T[j] ≥ C[k] − dⱼ − M(1 − x[j, k]) with M = Σp.
    """
    n, p, d, w = instance.n, instance.p, instance.d, instance.weights
    horizon = sum(p)
    model = pyo.ConcreteModel(name="smtt_positional")
    model.J = pyo.RangeSet(0, n - 1)
    model.K = pyo.RangeSet(0, n - 1)
    model.x = pyo.Var(model.J, model.K, domain=pyo.Binary)
    model.C = pyo.Var(model.K, bounds=(0, horizon))
    model.one_position = pyo.Constraint(model.J, rule=lambda m, j: sum(m.x[j, k] for k in m.K) == 1)
    model.one_job = pyo.Constraint(model.K, rule=lambda m, k: sum(m.x[j, k] for j in m.J) == 1)
    model.completion = pyo.Constraint(
        model.K, rule=lambda m, k: m.C[k] == (m.C[k - 1] if k > 0 else 0) + sum(p[j] * m.x[j, k] for j in m.J))
    if not instance.weighted:
        model.T = pyo.Var(model.K, domain=pyo.NonNegativeReals)
        model.late = pyo.Constraint(model.K, rule=lambda m, k: m.T[k] >= m.C[k] - sum(d[j] * m.x[j, k] for j in m.J))
        model.total = pyo.Objective(expr=sum(model.T[k] for k in model.K), sense=pyo.minimize)
    else:
        model.T = pyo.Var(model.J, domain=pyo.NonNegativeReals)
        model.late = pyo.Constraint(model.J, model.K,
                                    rule=lambda m, j, k: m.T[j] >= m.C[k] - d[j] - horizon * (1 - m.x[j, k]))
        model.total = pyo.Objective(expr=sum(w[j] * model.T[j] for j in model.J), sense=pyo.minimize)
    return model


def build_disjunctive(instance) -> pyo.ConcreteModel:
    """C[j] completion of job j; y[i, j] = 1 if i precedes j (i < j); big-M = Σp (weak LP bound)."""
    n, p, d, w = instance.n, instance.p, instance.d, instance.weights
    horizon = sum(p)
    model = pyo.ConcreteModel(name="smtt_disjunctive")
    model.J = pyo.RangeSet(0, n - 1)
    model.pairs = pyo.Set(initialize=[(i, j) for i in range(n) for j in range(i + 1, n)], dimen=2)
    model.C = pyo.Var(model.J, bounds=lambda m, j: (p[j], horizon))
    model.T = pyo.Var(model.J, domain=pyo.NonNegativeReals)
    model.y = pyo.Var(model.pairs, domain=pyo.Binary)
    model.i_first = pyo.Constraint(model.pairs,
                                   rule=lambda m, i, j: m.C[j] >= m.C[i] + p[j] - horizon * (1 - m.y[i, j]))
    model.j_first = pyo.Constraint(model.pairs, rule=lambda m, i, j: m.C[i] >= m.C[j] + p[i] - horizon * m.y[i, j])
    model.late = pyo.Constraint(model.J, rule=lambda m, j: m.T[j] >= m.C[j] - d[j])
    model.total = pyo.Objective(expr=sum(w[j] * model.T[j] for j in model.J), sense=pyo.minimize)
    return model


def build_time_indexed(instance) -> pyo.ConcreteModel:
    """The time-indexed model in its cumulative ("step") form: z[j, s] = 1 if job j has started by
    time s ∈ [0, P − pⱼ] (so x[j, s] = z[j, s] − z[j, s − 1] is the usual start variable).

    One job in process per unit of time: Σⱼ z[j, τ] − z[j, τ − pⱼ] ≤ 1. The map x ↔ z is
    unimodular, so the LP bound is the time-indexed one (the strongest of the three), with 2·n
    nonzeros per time instead of Σⱼ pⱼ. The cost of starting at s is wⱼ max(0, s + pⱼ − dⱼ).
    """
    n, p, d, w = instance.n, instance.p, instance.d, instance.weights
    horizon = sum(p)
    model = pyo.ConcreteModel(name="smtt_time_indexed")
    model.starts = pyo.Set(initialize=[(j, s) for j in range(n) for s in range(horizon - p[j] + 1)], dimen=2)
    model.z = pyo.Var(model.starts, domain=pyo.Binary)
    model.started = pyo.Constraint(range(n), rule=lambda m, j: m.z[j, horizon - p[j]] == 1)
    model.monotone = pyo.Constraint(model.starts, rule=lambda m, j, s: m.z[j, s] >= m.z[j, s - 1] if s > 0
                                    else pyo.Constraint.Skip)

    def started_by(m, j, s):
        if s < 0:
            return 0
        return 1 if s > horizon - p[j] else m.z[j, s]

    def machine(m, time):
        running = sum(started_by(m, j, time) - started_by(m, j, time - p[j]) for j in range(n))
        return pyo.Constraint.Skip if isinstance(running, int) else running <= 1  # a constant when no z is free

    model.machine = pyo.Constraint(range(horizon), rule=machine)

    def cost(j, s):
        return w[j] * max(0, s + p[j] - d[j])

    # Σ_s cost(s)·(z[s] − z[s−1]) = Σ_s (cost(s) − cost(s+1))·z[s] + cost(last)·z[last]; z[last] = 1
    model.total = pyo.Objective(expr=sum(
        (cost(j, s) - (cost(j, s + 1) if s < horizon - p[j] else 0)) * model.z[j, s] for j, s in model.starts),
        sense=pyo.minimize)
    return model


BUILDERS = {"positional": build_positional, "disjunctive": build_disjunctive, "time-indexed": build_time_indexed}


def warm_start_values(model, instance, sequence: list[int]) -> ComponentMap:
    """A complete MIP start for ``model`` from a job sequence (a map variables → values)."""
    values = ComponentMap()
    completion, clock = {}, 0
    for job in sequence:
        clock += instance.p[job]
        completion[job] = clock
    weighted_positional = model.name == "smtt_positional" and instance.weighted
    if model.name == "smtt_positional":
        for k, job in enumerate(sequence):
            for j in range(instance.n):
                values[model.x[j, k]] = int(j == job)
            values[model.C[k]] = completion[job]
            if not weighted_positional:
                values[model.T[k]] = max(0, completion[job] - instance.d[job])
        if weighted_positional:
            for j in range(instance.n):
                values[model.T[j]] = max(0, completion[j] - instance.d[j])
    elif model.name == "smtt_disjunctive":
        for j in range(instance.n):
            values[model.C[j]] = completion[j]
            values[model.T[j]] = max(0, completion[j] - instance.d[j])
        for i, j in model.pairs:
            values[model.y[i, j]] = int(completion[i] < completion[j])
    else:
        for j, s in model.starts:
            values[model.z[j, s]] = int(completion[j] - instance.p[j] <= s)
    return values


def decode(model, instance) -> list[int]:
    """The job sequence of a solved model."""
    if model.name == "smtt_positional":
        order = []
        for k in range(instance.n):
            order.append(max(range(instance.n), key=lambda j: pyo.value(model.x[j, k])))
        return order
    if model.name == "smtt_disjunctive":
        return sorted(range(instance.n), key=lambda j: (pyo.value(model.C[j]), j))
    start = {}
    for j, s in model.starts:
        if j not in start and pyo.value(model.z[j, s]) > 0.5:
            start[j] = s
    return sorted(range(instance.n), key=lambda j: (start[j], j))
