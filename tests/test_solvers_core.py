"""The first method of each family end to end: known optima, validation, status mapping,
time limit and warm start honoured, agreement with brute force."""

import itertools
import time
from pathlib import Path

import pytest
from hypothesis import given, settings

from schedkit.instances import Downtime, FJSPInstance, Mode, RCPSPInstance, SMTTInstance, load
from schedkit.instances.values import best_known
from schedkit.registry import SolveOptions, methods, solve
from schedkit.validate import validate
from tests.strategies import rcpsp_instances, smtt_instances

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


def brute_force_smtt(instance) -> int:
    best = None
    for order in itertools.permutations(range(instance.n)):
        time_, total = 0, 0
        for j in order:
            time_ += instance.p[j]
            total += instance.weights[j] * max(0, time_ - instance.d[j])
        best = total if best is None else min(best, total)
    return best


@pytest.mark.parametrize("name", ["j301_1", "j3010_3", "j3017_5", "j3025_1", "j3041_9", "j3046_2"])
def test_rcpsp_cpsat_reaches_j30_optimum(name):
    instance = load(INSTANCES / f"rcpsp/j30/{name}.sm")
    result = solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=30, threads=2))
    assert result.status == "optimal"
    assert result.objective == result.bound == best_known("rcpsp", name).upper
    assert validate(instance, result).ok


def test_fjsp_cpsat_mk01_and_ft06():
    for path, optimum in [(INSTANCES / "fjsp/Brandimarte1993/mk01.txt", 40), (INSTANCES / "jssp/instances/ft06", 55)]:
        instance = load(path)
        result = solve(instance, "fjsp/cpsat", SolveOptions(time_limit=60, threads=2))
        assert (result.status, result.objective, result.bound) == ("optimal", optimum, optimum)
        assert len(result.schedule) == instance.num_operations


def test_heuristics_give_valid_schedules_on_real_files():
    for path, method in [
        (INSTANCES / "rcpsp/j30/j301_1.sm", "rcpsp/sgs"),
        (INSTANCES / "rcpsp/patterson/pat1.rcp", "rcpsp/sgs"),
        (INSTANCES / "fjsp/Brandimarte1993/mk05.txt", "fjsp/dispatch"),
        (INSTANCES / "jssp/instances/la01", "fjsp/dispatch"),
    ]:
        instance = load(path)
        result = solve(instance, method)
        assert result.status == "feasible" and result.termination == "heuristic"
        assert result.objective >= best_known(instance.problem, instance.name).lower


@settings(max_examples=25, deadline=None)
@given(smtt_instances(max_jobs=6))
def test_smtt_cpsat_agrees_with_brute_force(instance):
    result = solve(instance, "smtt/cpsat", SolveOptions(time_limit=20))
    assert result.status == "optimal"
    assert result.objective == brute_force_smtt(instance)


@settings(max_examples=25, deadline=None)
@given(rcpsp_instances(max_tasks=6))
def test_rcpsp_cpsat_consistent_with_sgs(instance):
    """CP-SAT is never worse than the serial SGS, and never calls infeasible what SGS solved."""
    exact = solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=20))
    heuristic = solve(instance, "rcpsp/sgs")
    assert exact.status in ("optimal", "infeasible")
    if heuristic.objective is not None:
        assert exact.status == "optimal" and exact.objective <= heuristic.objective
    if exact.status == "optimal":
        assert validate(instance, exact).ok


@settings(max_examples=15, deadline=None)
@given(rcpsp_instances(max_tasks=5, extended=False, multi_mode=True))
def test_rcpsp_multimode_cpsat_valid(instance):
    result = solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=20))
    assert result.status in ("optimal", "infeasible")
    if result.status == "optimal":
        assert all("mode" in row for row in result.schedule)


def test_infeasible_status_mapping():
    # Task 1 needs 3 units of a resource with capacity 2 from its release date on: no schedule.
    instance = RCPSPInstance(
        "infeasible", modes=((Mode(0, (0,)),), (Mode(2, (2,)),), (Mode(0, (0,)),)),
        successors=((1,), (2,), ()), capacities=(2,), deadlines=(None, 3, None),
        downtimes=(Downtime(0, 0, 5, 1),),
    )
    result = solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=10))
    assert (result.status, result.objective, result.bound, result.schedule) == ("infeasible", None, None, [])
    assert result.termination == "infeasible"


def test_time_limit_honoured():
    instance = load(INSTANCES / "rcpsp/j120/j12016_1.sm")
    started = time.perf_counter()
    result = solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=1.0, threads=1))
    assert time.perf_counter() - started < 5
    assert result.status in ("feasible", "optimal", "unknown")
    if result.status == "feasible":
        assert result.termination == "time_limit" and result.bound <= result.objective


@pytest.mark.parametrize(("path", "hint_method", "model"), [
    ("rcpsp/j30/j301_1.sm", "rcpsp/sgs", "rcpsp/cpsat"),
    ("fjsp/Brandimarte1993/mk01.txt", "fjsp/dispatch", "fjsp/cpsat"),
    ("smtt/example.csv", "smtt/edd", "smtt/cpsat"),
])
def test_warm_start_honoured(path, hint_method, model):
    """With the hint fixed, the solver's first (and only) solution is the hint."""
    instance = load(INSTANCES / path)
    hint = solve(instance, hint_method)
    result = solve(instance, model, SolveOptions(time_limit=20, params={"fix_hints": True}), warm_start=hint_method)
    assert result.objective == hint.objective
    assert result.trace[0][1] == hint.objective
    key = {"rcpsp": "task", "fjsp": "job", "smtt": "job"}[model.split("/")[0]]
    starts = {(r[key], r.get("op")): r["start"] for r in result.schedule}
    assert starts == {(r[key], r.get("op")): r["start"] for r in hint.schedule}


def test_registry_lists_a_first_method_per_family():
    names = {m.name for m in methods()}
    assert {"smtt/edd", "smtt/cpsat", "rcpsp/sgs", "rcpsp/cpsat", "fjsp/dispatch", "fjsp/cpsat"} <= names


def test_invalid_method_result_never_leaves(monkeypatch):
    """registry.solve raises when a method's schedule is wrong."""
    from schedkit import registry
    from schedkit.errors import SchedkitError
    from schedkit.result import Result

    def bad(instance, options):
        return Result("smtt", instance.name, "smtt/bad", "feasible", objective=0,
                      schedule=[{"job": 0, "start": 0, "end": 1}, {"job": 1, "start": 0, "end": 1}])

    monkeypatch.setitem(registry._METHODS, "smtt/bad", registry.Method("smtt/bad", ("smtt",), bad, "heuristic", "broken"))
    with pytest.raises(SchedkitError, match="overlap"):
        solve(SMTTInstance("two", (1, 1), (0, 0)), "smtt/bad")


def test_jssp_from_fjsp_instance_object():
    instance = FJSPInstance("tiny", 2, (({0: 2}, {1: 3}), ({1: 2}, {0: 1})))
    result = solve(instance, "fjsp/cpsat", SolveOptions(time_limit=10))
    assert result.problem == "jssp" and result.status == "optimal" and result.objective == 5
