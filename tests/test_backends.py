"""The solver backends on their own: status mapping, bounds, warm starts, clear errors."""

import pyomo.environ as pyo
import pytest
from ortools.sat.python import cp_model
from pyomo.common.collections import ComponentMap

from schedkit.errors import SolverError
from schedkit.solvers.cpsat import run_cpsat
from schedkit.solvers.highs import run_highs


def knapsack_mip():
    """max 5a + 4b + 3c, 2a + 3b + c <= 5 (binary), written as a minimization: optimum -9 (a and b)."""
    model = pyo.ConcreteModel()
    model.x = pyo.Var(["a", "b", "c"], domain=pyo.Binary)
    model.weight = pyo.Constraint(expr=2 * model.x["a"] + 3 * model.x["b"] + model.x["c"] <= 5)
    model.value = pyo.Objective(expr=-(5 * model.x["a"] + 4 * model.x["b"] + 3 * model.x["c"]))
    return model


def test_highs_optimal_and_bound():
    model = knapsack_mip()
    outcome = run_highs(model, time_limit=10)
    assert (outcome.status, outcome.termination) == ("optimal", "optimal")
    assert outcome.objective == pytest.approx(-9) and outcome.bound == pytest.approx(-9)
    assert [round(pyo.value(model.x[k])) for k in "abc"] == [1, 1, 0]


def test_highs_infeasible():
    model = pyo.ConcreteModel()
    model.x = pyo.Var(domain=pyo.Integers, bounds=(0, 3))
    model.c = pyo.Constraint(expr=2 * model.x == 3)
    model.o = pyo.Objective(expr=model.x)
    outcome = run_highs(model, time_limit=10)
    assert outcome.status == "infeasible" and outcome.objective is None


def test_highs_accepts_a_warm_start():
    model = knapsack_mip()
    start = ComponentMap([(model.x["a"], 1), (model.x["b"], 0), (model.x["c"], 1)])
    outcome = run_highs(model, time_limit=10, warm_start=start)
    assert outcome.status == "optimal" and outcome.objective == pytest.approx(-9)


def test_cpsat_status_bound_and_trace():
    model = cp_model.CpModel()
    x = [model.NewBoolVar(f"x{i}") for i in range(3)]
    model.Add(2 * x[0] + 3 * x[1] + x[2] <= 5)
    model.Minimize(-(5 * x[0] + 4 * x[1] + 3 * x[2]))
    outcome = run_cpsat(model, time_limit=10)
    assert (outcome.status, outcome.objective, outcome.bound) == ("optimal", -9, -9)
    assert outcome.trace and outcome.trace[-1][1] == -9


def test_cpsat_infeasible_and_invalid():
    model = cp_model.CpModel()
    x = model.NewIntVar(0, 3, "x")
    model.Add(2 * x == 3)
    model.Minimize(x)
    outcome = run_cpsat(model, time_limit=10)
    assert (outcome.status, outcome.objective, outcome.bound) == ("infeasible", None, None)
    broken = cp_model.CpModel()
    y = broken.NewIntVar(0, 3, "y")
    broken.Minimize(y)
    domain = broken.Proto().variables[0].domain
    domain[0], domain[1] = 3, 0  # an empty domain makes the model invalid
    with pytest.raises(SolverError, match="rejected the model"):
        run_cpsat(broken, time_limit=5)


def test_cpsat_bad_parameter_is_a_solver_error():
    model = cp_model.CpModel()
    model.NewIntVar(0, 1, "x")
    with pytest.raises(SolverError, match="no_such_parameter"):
        run_cpsat(model, parameters={"no_such_parameter": 1})
