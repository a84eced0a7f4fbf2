"""Turning a heuristic's schedule into a Result."""

from __future__ import annotations

from schedkit.result import FEASIBLE, UNKNOWN, Result


def heuristic_result(instance, method: str, schedule: list[dict] | None, objective: int | None) -> Result:
    """A heuristic holds a feasible schedule (status feasible) or nothing (status unknown)."""
    if schedule is None:
        return Result(instance.problem, instance.name, method, UNKNOWN, termination="heuristic")
    return Result(instance.problem, instance.name, method, FEASIBLE, objective=objective,
                  schedule=schedule, trace=[(0.0, objective)], termination="heuristic")
