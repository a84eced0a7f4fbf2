"""schedkit: declarative optimization models for scheduling problems.

    >>> import schedkit
    >>> instance = schedkit.load("instances/rcpsp/j30/j301_1.sm")
    >>> result = schedkit.solve(instance, "rcpsp/cpsat", schedkit.SolveOptions(time_limit=10))
"""

from schedkit.errors import InstanceError, SchedkitError, SolverError
from schedkit.instances import load
from schedkit.registry import SolveOptions, methods, solve
from schedkit.result import Result
from schedkit.validate import validate

__all__ = ["InstanceError", "Result", "SchedkitError", "SolveOptions", "SolverError", "load", "methods", "solve",
           "validate"]
