"""Glue shared by the model-based methods: from a solver outcome to a Result."""

from __future__ import annotations

import math

from schedkit.result import Result


def outcome_result(instance, method: str, outcome, schedule: list[dict] | None) -> Result:
    """A Result from a CpSatOutcome / MipOutcome and the decoded schedule (None without one)."""
    objective = outcome.objective if schedule else None
    if objective is not None:
        objective = round(objective)
    bound = outcome.bound
    if bound is not None:
        bound = math.ceil(bound - 1e-6)  # objectives are integers: a fractional bound rounds up
        if objective is not None:
            bound = min(bound, objective)
    return Result(
        problem=instance.problem,
        instance=instance.name,
        method=method,
        status=outcome.status if schedule or outcome.status == "infeasible" else "unknown",
        objective=objective,
        bound=bound,
        runtime_s=outcome.runtime_s,
        schedule=schedule or [],
        trace=list(getattr(outcome, "trace", []) or ([(outcome.runtime_s, objective)] if objective is not None else [])),
        termination=outcome.termination,
    )
