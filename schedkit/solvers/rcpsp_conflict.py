"""Explain an infeasible RCPSP instance: a small set of named side constraints (deadlines,
release dates, downtime windows, disjunctive pairs) that cannot hold together.

Each side constraint is enforced by its own literal and all literals are passed to CP-SAT as
assumptions; on infeasibility CP-SAT returns a sufficient subset
(``SufficientAssumptionsForInfeasibility``, one worker, no objective). The subset is then shrunk
by deletion filtering (Chinneck & Dravnieks 1991): drop a constraint whenever the rest stays
infeasible, so what remains is irreducible when the time allows.
"""

from __future__ import annotations

import re
import time

from ortools.sat.python import cp_model

from schedkit.models.rcpsp_cpsat import build_rcpsp_cpsat


def _solve_with(instance, names: list[str] | None, time_limit: float | None, seed: int):
    """Solve the switched model with the named switches on (all when None); (status, core names)."""
    built = build_rcpsp_cpsat(instance, assumptions=True)
    chosen = list(built.switches) if names is None else names
    built.model.AddAssumptions([built.switches[name] for name in chosen])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumptions cores need a single worker
    solver.parameters.random_seed = int(seed)
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = max(0.01, float(time_limit))
    status = solver.Solve(built.model)
    core = []
    if status == cp_model.INFEASIBLE:
        by_index = {literal.Index(): name for name, literal in built.switches.items()}
        core = [by_index[i] for i in solver.SufficientAssumptionsForInfeasibility() if i in by_index]
    return status, core


def describe(instance, name: str) -> str:
    """Plain words for a switch name."""
    kind, _, inside = name.partition("[")
    inside = inside.rstrip("]")
    if kind == "deadline":
        task = int(inside)
        return f"task {task} must end by {instance.deadlines[task]}"
    if kind == "release":
        task = int(inside)
        return f"task {task} may not start before {instance.release_dates[task]}"
    if kind == "disjunctive":
        a, b = inside.split(",")
        return f"tasks {a} and {b} must not overlap"
    if kind == "downtime":
        resource, left, right = re.fullmatch(r"r(\d+):(\d+)-(\d+)", inside).groups()
        return f"resource {resource} has reduced capacity in [{left}, {right})"
    return name


def structural_conflicts(instance) -> list[dict]:
    """Reasons that need no side constraint: a task with no mode that fits the capacities, or
    non-renewable budgets that even the thriftiest modes exceed."""
    found = []
    for task, modes in enumerate(instance.modes):
        if all(any(q > c for q, c in zip(m.demands, instance.capacities, strict=True)) for m in modes):
            found.append({"name": f"capacity[{task}]", "kind": "capacity",
                          "description": f"task {task} needs more than a resource's capacity in every mode"})
    for k, budget in enumerate(instance.nonrenewable_capacities):
        need = sum(min(m.nonrenewable[k] for m in modes) for modes in instance.modes)
        if need > budget:
            found.append({"name": f"nonrenewable[{k}]", "kind": "nonrenewable",
                          "description": f"non-renewable resource {k}: at least {need} needed, {budget} available"})
    return found


def explain_infeasibility(instance, time_limit: float | None = 30.0, seed: int = 0) -> dict:
    """``{"constraints": [{"name", "kind", "description"}, …], "minimal": bool, "proven": bool}``.

    ``proven``: the listed constraints (with precedences and capacities) were shown infeasible;
    ``minimal``: dropping any one of them makes the rest feasible (checked one by one).
    """
    started = time.perf_counter()

    def left() -> float | None:
        return None if time_limit is None else time_limit - (time.perf_counter() - started)

    structural = structural_conflicts(instance)
    if structural:
        return {"constraints": structural, "minimal": len(structural) == 1, "proven": True}
    status, core = _solve_with(instance, None, left(), seed)
    if status != cp_model.INFEASIBLE:
        return {"constraints": [], "minimal": False, "proven": False}
    minimal = True
    for name in list(core):
        if name not in core:  # already dropped with an earlier, smaller core
            continue
        remaining = left()
        if remaining is not None and remaining <= 0:
            minimal = False
            break
        trial = [c for c in core if c != name]
        status, smaller = _solve_with(instance, trial, remaining, seed)
        if status == cp_model.INFEASIBLE:
            core = [c for c in trial if c in smaller] or trial
        elif status != cp_model.FEASIBLE and status != cp_model.OPTIMAL:
            minimal = False  # undecided within the time: keep the constraint
    constraints = [{"name": name, "kind": name.partition("[")[0], "description": describe(instance, name)}
                   for name in core]
    return {"constraints": constraints, "minimal": minimal, "proven": True}
