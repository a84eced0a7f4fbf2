"""Solve a Pyomo model with HiGHS (through Pyomo's persistent highspy interface)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from schedkit.errors import SolverError
from schedkit.result import FEASIBLE, INFEASIBLE, OPTIMAL, UNKNOWN


@dataclass
class MipOutcome:
    status: str
    termination: str
    objective: float | None
    bound: float | None
    runtime_s: float

    @property
    def has_solution(self) -> bool:
        return self.status in (OPTIMAL, FEASIBLE)


def run_highs(
    model,
    *,
    time_limit: float | None = None,
    threads: int = 1,
    rel_gap: float = 0.0,
    seed: int = 0,
    warm_start: dict | None = None,
    log: bool = False,
) -> MipOutcome:
    """Solve a Pyomo ConcreteModel (minimization) with HiGHS; variable values are loaded into
    the model when a solution is found.

    ``warm_start`` maps Pyomo variables to values (a ``pyomo.common.collections.ComponentMap``,
    since Pyomo variables are not hashable): a MIP start handed to HiGHS (``Highs.setSolution``);
    HiGHS completes or repairs a partial start.
    """
    try:
        import highspy
        from pyomo.contrib.solver.common.factory import SolverFactory
        from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
    except ImportError as error:
        raise SolverError(f"HiGHS through Pyomo is not available: {error}") from error
    solver = SolverFactory("highs")
    if not solver.available():
        raise SolverError("HiGHS (highspy) is not available: pip install highspy")
    started = time.perf_counter()
    solver.set_instance(model)
    if warm_start:
        highs = solver._solver_model  # the persistent highspy.Highs the model was loaded into
        columns = solver._pyomo_var_to_solver_var_map
        values = [0.0] * highs.getNumCol()
        for var, value in warm_start.items():
            values[columns[id(var)]] = float(value)
        start = highspy.HighsSolution()
        start.col_value = values
        highs.setSolution(start)
    try:
        results = solver.solve(
            model,
            time_limit=time_limit,
            threads=threads,
            rel_gap=rel_gap,
            tee=log,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            solver_options={"random_seed": int(seed)},
        )
    except Exception as error:
        raise SolverError(f"HiGHS failed: {error}") from error
    runtime = time.perf_counter() - started
    term = results.termination_condition
    has_solution = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if has_solution:
        results.solution_loader.load_vars()
    if term == TerminationCondition.convergenceCriteriaSatisfied and has_solution:
        status, termination = (OPTIMAL, "optimal") if rel_gap == 0 else (FEASIBLE, "gap_limit")
    elif term in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible):
        status, termination = INFEASIBLE, "infeasible"
    else:
        status = FEASIBLE if has_solution else UNKNOWN
        termination = "time_limit" if term == TerminationCondition.maxTimeLimit else str(term.name)
    bound = results.objective_bound
    bound = bound if bound is not None and math.isfinite(bound) else None
    objective = results.incumbent_objective if has_solution else None
    return MipOutcome(status, termination, objective, bound, runtime)
