"""Run a CP-SAT model: limits, threads, seed, hints, incumbent trace, bound and status mapping."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from schedkit.errors import SolverError
from schedkit.result import FEASIBLE, INFEASIBLE, OPTIMAL, UNKNOWN

_STATUS = {
    cp_model.OPTIMAL: OPTIMAL,
    cp_model.FEASIBLE: FEASIBLE,
    cp_model.INFEASIBLE: INFEASIBLE,
    cp_model.UNKNOWN: UNKNOWN,
}


@dataclass
class CpSatOutcome:
    """What a CP-SAT run gives back, before it is decoded into a schedule."""

    status: str
    termination: str
    objective: int | None
    bound: int | None
    runtime_s: float
    trace: list[tuple[float, int]] = field(default_factory=list)
    solver: cp_model.CpSolver | None = None

    @property
    def has_solution(self) -> bool:
        return self.status in (OPTIMAL, FEASIBLE)


class _Trace(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float):
        super().__init__()
        self.started = started
        self.points: list[tuple[float, int]] = []

    def on_solution_callback(self):
        self.points.append((time.perf_counter() - self.started, round(self.ObjectiveValue())))


def run_cpsat(
    model: cp_model.CpModel,
    *,
    time_limit: float | None = None,
    threads: int = 1,
    seed: int = 0,
    hints: dict | None = None,
    log: bool = False,
    parameters: dict | None = None,
    fix_hints: bool = False,
    configure: Callable[[cp_model.CpSolver], None] | None = None,
) -> CpSatOutcome:
    """Solve ``model`` (minimization with an integer objective) and map the outcome.

    ``hints`` maps variables to values (AddHint); ``fix_hints`` makes the solver keep them
    (used to check that a warm start is honoured). ``parameters`` sets further SatParameters.
    """
    for var, value in (hints or {}).items():
        model.AddHint(var, int(value))
    solver = cp_model.CpSolver()
    params = solver.parameters
    if time_limit is not None:
        params.max_time_in_seconds = float(time_limit)
    params.num_workers = max(1, int(threads))
    params.random_seed = int(seed)
    params.log_search_progress = bool(log)
    if fix_hints:
        params.fix_variables_to_their_hinted_value = True
    for key, value in (parameters or {}).items():
        try:
            setattr(params, key, value)
        except (AttributeError, TypeError, ValueError) as error:
            raise SolverError(f"CP-SAT parameter {key}={value!r} not understood: {error}") from None
    if configure is not None:
        configure(solver)
    started = time.perf_counter()
    trace = _Trace(started)
    try:
        code = solver.Solve(model, trace)
    except Exception as error:  # OR-Tools raises plain exceptions on bad parameters
        raise SolverError(f"CP-SAT failed: {error}") from error
    runtime = time.perf_counter() - started
    if code == cp_model.MODEL_INVALID:
        raise SolverError(f"CP-SAT rejected the model: {model.Validate()}")
    status = _STATUS[code]
    has_objective = model.has_objective()
    objective = round(solver.ObjectiveValue()) if status in (OPTIMAL, FEASIBLE) and has_objective else None
    bound = None
    if has_objective and status != INFEASIBLE:
        raw = solver.BestObjectiveBound()
        if math.isfinite(raw):
            bound = math.ceil(raw - 1e-6)
            if objective is not None:
                bound = min(bound, objective)
    if status == OPTIMAL:
        termination = "optimal"
    elif status == INFEASIBLE:
        termination = "infeasible"
    elif time_limit is not None:
        # We set no other limit, so a stop without a proof under a time limit is that limit
        # (CP-SAT may stop a little before it, e.g. when the limit falls within presolve).
        termination = "time_limit"
    else:
        termination = "interrupted"
    return CpSatOutcome(status, termination, objective, bound, runtime, trace.points, solver)
