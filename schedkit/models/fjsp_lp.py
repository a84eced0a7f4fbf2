"""LP assignment relaxation of the flexible job shop (``fjsp_rho.md`` §3.5).

min C  s.t.  Σ_m x_om = 1 for every operation o,  Σ_o p_om x_om ≤ C for every machine m,  x ≥ 0.
Every schedule gives a feasible point (x = its assignment, C = its makespan), so the optimum is a
lower bound on the makespan: the load of the best fractional spread of the work over the machines.
"""

from __future__ import annotations

import pyomo.environ as pyo


def build_fjsp_lp(instance) -> pyo.ConcreteModel:
    """The LP above as a Pyomo model; ``model.makespan`` is C, ``model.x[(j, o, m)]`` the shares."""
    model = pyo.ConcreteModel(name=f"fjsp_lp_{instance.name}")
    pairs = [(j, o, m) for j, o, eligible in instance.operations() for m in eligible]
    model.x = pyo.Var(pairs, bounds=(0, 1))
    model.makespan = pyo.Var(bounds=(0, None))
    by_op, by_machine = {}, {}
    for j, o, m in pairs:
        by_op.setdefault((j, o), []).append((j, o, m))
        by_machine.setdefault(m, []).append((j, o, m))
    model.assign = pyo.Constraint(list(by_op), rule=lambda mdl, j, o: sum(mdl.x[k] for k in by_op[j, o]) == 1)
    model.machine_load = pyo.Constraint(
        list(by_machine),
        rule=lambda mdl, m: sum(instance.jobs[j][o][m] * mdl.x[j, o, m] for j, o, _ in by_machine[m]) <= mdl.makespan)
    model.objective = pyo.Objective(expr=model.makespan, sense=pyo.minimize)
    return model
