"""Methods registered by name per family (``smtt/edd``, ``rcpsp/cpsat``, …), so the CLI, the
benchmark runner and notebooks call the same thing, and every Result that leaves is validated."""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from schedkit.errors import MethodError, SchedkitError
from schedkit.result import Result
from schedkit.validate import validate

# Packages whose modules register methods with @register when imported: a new module there is
# found without editing a list.
METHOD_PACKAGES = ("schedkit.heuristics", "schedkit.solvers")


@dataclass(frozen=True)
class SolveOptions:
    """What every method accepts. ``warm_start`` is a schedule (result rows) to start from;
    ``params`` holds method-specific options (e.g. ``{"budget": "M_R"}``)."""

    time_limit: float | None = None
    threads: int = 1
    seed: int = 0
    warm_start: list[dict] | None = None
    log: bool = False
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    name: str  # family/method
    problems: tuple[str, ...]
    run: Callable[[object, SolveOptions], Result]
    kind: str  # "heuristic" | "exact" | "model"
    description: str

    @property
    def family(self) -> str:
        return self.name.split("/", 1)[0]


_METHODS: dict[str, Method] = {}
_loaded = False


def register(name: str, problems: tuple[str, ...], kind: str, description: str):
    """Decorator: register ``run(instance, options) -> Result`` under ``name``."""

    def decorate(run):
        if name in _METHODS:
            raise ValueError(f"method {name!r} registered twice")
        _METHODS[name] = Method(name, problems, run, kind, description)
        return run

    return decorate


def _load() -> None:
    global _loaded
    if not _loaded:
        for package_name in METHOD_PACKAGES:
            package = importlib.import_module(package_name)
            for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
                importlib.import_module(module.name)
        _loaded = True


def methods(problem: str | None = None) -> list[Method]:
    """Registered methods, for one problem or all, by name."""
    _load()
    return sorted((m for m in _METHODS.values() if problem is None or problem in m.problems), key=lambda m: m.name)


def get_method(name: str) -> Method:
    _load()
    if name not in _METHODS:
        raise MethodError(f"unknown method {name!r}; `schedkit methods` lists them")
    return _METHODS[name]


def default_method(problem: str) -> str:
    """The method ``schedkit solve`` uses when none is named: the family's exact model."""
    preferred = {"smtt": "smtt/cpsat", "rcpsp": "rcpsp/cpsat", "fjsp": "fjsp/cpsat", "jssp": "fjsp/cpsat",
                 "cosma": "cosma/fs"}
    return preferred.get(problem) or methods(problem)[0].name


def solve(instance, method: str, options: SolveOptions | None = None, warm_start: str | None = None) -> Result:
    """Run a registered method on an instance and validate what it returns.

    ``warm_start`` names a method (usually a heuristic) whose schedule is handed to ``method``
    as its warm start. Raises SchedkitError when the returned schedule does not pass ``validate``
    or its objective differs from the recomputed one: a method bug must never leave the package.
    """
    options = options or SolveOptions()
    chosen = get_method(method)
    if instance.problem not in chosen.problems:
        raise MethodError(f"method {method!r} solves {', '.join(chosen.problems)}, not {instance.problem}")
    started = time.perf_counter()
    if warm_start is not None:
        hint = solve(instance, warm_start, replace(options, warm_start=None))
        remaining = None if options.time_limit is None else max(0.1, options.time_limit - hint.runtime_s)
        options = replace(options, warm_start=hint.schedule, time_limit=remaining)
    result = chosen.run(instance, options)
    result.runtime_s = time.perf_counter() - started
    check_result(instance, result)
    return result


def check_result(instance, result: Result) -> None:
    """Raise SchedkitError unless the result's schedule is feasible with the stated objective."""
    if result.objective is None and not result.schedule:
        return
    report = validate(instance, result)
    if not report.ok:
        details = "; ".join(str(v) for v in report.violations[:5])
        raise SchedkitError(f"{result.method} returned an invalid schedule for {result.instance}: {details}")
    if report.objective != result.objective:
        raise SchedkitError(f"{result.method} reports objective {result.objective} for {result.instance} "
                            f"but its schedule has {report.objective}")
