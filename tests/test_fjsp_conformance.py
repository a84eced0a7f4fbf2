"""Conformance of every registered FJSP method: valid schedules, objective = recomputed makespan,
status mapping, time limit honoured, known optimum on a tiny instance, JSSP accepted."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from schedkit import load
from schedkit.heuristics.fjsp_tabu import compile_kernels
from schedkit.instances import FJSPInstance
from schedkit.registry import SolveOptions, methods, solve
from schedkit.validate import validate

INSTANCES = Path(__file__).resolve().parents[1] / "instances"
FJSP_METHODS = [m.name for m in methods("fjsp")]


@pytest.fixture(scope="module", autouse=True)
def compiled_kernels():
    """Compile the numba tabu-search kernels (several seconds on a cold cache) before the timed runs."""
    compile_kernels()
    # a cold clone also compiles the dispatching and left-shift kernels on the first solve: do it untimed
    warm = load(INSTANCES / "fjsp" / "Brandimarte1993" / "mk01.txt")
    for method in FJSP_METHODS:
        solve(warm, method, SolveOptions(time_limit=1, threads=1))


def test_every_method_also_solves_the_job_shop():
    assert {"fjsp/dispatch", "fjsp/dispatch-best", "fjsp/tabu", "fjsp/cpsat", "fjsp/rho", "fjsp/rho-cp"} <= set(FJSP_METHODS)
    assert {m.name for m in methods("jssp")} >= set(FJSP_METHODS)


@pytest.mark.parametrize("method", FJSP_METHODS)
def test_tiny_instance(method):
    # two jobs, two machines: job 0 = (M0:2 | M1:3) → (M1:2), job 1 = (M1:2) → (M0:2 | M1:4); optimum 4
    # (job 0 on M0 [0,2) then M1 [2,4); job 1 on M1 [0,2) then M0 [2,4)).
    instance = FJSPInstance("tiny", 2, (({0: 2, 1: 3}, {1: 2}), ({1: 2}, {0: 2, 1: 4})))
    result = solve(instance, method, SolveOptions(time_limit=5))
    assert validate(instance, result).ok and result.objective >= 4
    if result.status == "optimal":
        assert result.objective == result.bound == 4
    if method in ("fjsp/cpsat", "fjsp/rho", "fjsp/rho-cp", "fjsp/dispatch-best", "fjsp/tabu"):
        assert result.objective == 4
    assert result.status in ("optimal", "feasible")


@pytest.mark.parametrize("method", FJSP_METHODS)
def test_time_limit_is_honoured(method):
    instance = load(INSTANCES / "fjsp" / "Brandimarte1993" / "mk10.txt")
    started = time.perf_counter()
    result = solve(instance, method, SolveOptions(time_limit=3, threads=1))
    assert time.perf_counter() - started < 3 + 2.5
    assert validate(instance, result).ok and result.status == "feasible"
    assert result.bound is None or result.bound <= result.objective
