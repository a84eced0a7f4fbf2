"""RCPSP models (CP-SAT, time-indexed MIP) and infeasibility explanations: known optima from the
PSPLIB table, hand-worked examples for each side constraint, MIP = CP-SAT on random instances."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedkit.instances import Downtime, Mode, RCPSPInstance, load
from schedkit.instances.generate_rcpsp import generate_rcpsp
from schedkit.instances.values import best_known
from schedkit.registry import SolveOptions, solve
from schedkit.solvers.rcpsp_conflict import explain_infeasibility
from schedkit.validate import validate

INSTANCES = Path(__file__).resolve().parents[1] / "instances" / "rcpsp"
FAST = SolveOptions(time_limit=20, threads=1)


def small(**changes) -> RCPSPInstance:
    """Hand-worked project: 1 (3 units, needs 2) and 2 (2 units, needs 2) cannot overlap on a
    capacity of 3; 3 (2 units, needs 1) fits beside either. Optimum 5: 1, then 2, 3 alongside."""
    base = RCPSPInstance(
        name="small",
        modes=((Mode(0, (0,)),), (Mode(3, (2,)),), (Mode(2, (2,)),), (Mode(2, (1,)),), (Mode(0, (0,)),)),
        successors=((1, 2, 3), (4,), (4,), (4,), ()),
        capacities=(3,),
    )
    return replace(base, **changes)


@pytest.mark.parametrize("method", ["rcpsp/cpsat", "rcpsp/mip"])
@pytest.mark.parametrize(("changes", "optimum"), [
    ({}, 5),
    ({"downtimes": (Downtime(0, 0, 2, 0),)}, 7),  # nothing runs in [0, 2)
    ({"downtimes": (Downtime(0, 0, 3, 1),)}, 8),  # only 3 fits in [0, 3); 1 and 2 follow in turn
    ({"release_dates": (0, 4, 0, 0, 0)}, 7),  # 2 and 3 first, then 1 from time 4
    ({"deadlines": (None, None, 2, None, None)}, 5),  # 2 first: same makespan
    ({"deadlines": (None, 3, None, None, None), "release_dates": (0, 0, 0, 2, 0)}, 5),
    ({"disjunctive": ((1, 3),)}, 5),  # 3 beside 2 instead
    ({"disjunctive": ((1, 3), (2, 3))}, 7),  # 3 alone
])
def test_hand_worked_side_constraints(method, changes, optimum):
    instance = small(**changes)
    result = solve(instance, method, FAST)
    assert result.status == "optimal"
    assert result.objective == optimum
    assert validate(instance, result).ok


@pytest.mark.parametrize("name", ["j301_1", "j3010_3", "j3047_9", "j3024_5"])
def test_cpsat_proves_psplib_j30_optima(name):
    instance = load(INSTANCES / "j30" / f"{name}.sm")
    result = solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=30, threads=2))
    assert result.status == "optimal"
    assert result.objective == best_known("rcpsp", name).upper


def test_feasibility_model_brackets_the_optimum():
    """``minimize=False`` with the horizon at the optimum has a schedule, one below it has none
    (the question the destructive proof stage asks)."""
    from ortools.sat.python import cp_model

    from schedkit.models.rcpsp_cpsat import build_rcpsp_cpsat

    instance = load(INSTANCES / "j30" / "j301_1.sm")
    optimum = best_known("rcpsp", "j301_1").upper
    for horizon, expected in ((optimum, cp_model.OPTIMAL), (optimum - 1, cp_model.INFEASIBLE)):
        built = build_rcpsp_cpsat(instance, upper_bound=horizon, minimize=False)
        assert not built.model.has_objective()
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.Solve(built.model) == expected


@pytest.mark.parametrize("threads", [1, 2])
def test_destructive_proof_from_a_poor_schedule(threads):
    """Stage 2 alone, started from the serial-LFT schedule without any bound, improves it step by
    step to the optimum and proves it."""
    from schedkit.solvers.cpsat import CpSatOutcome
    from schedkit.solvers.rcpsp import _destructive_proof

    instance = load(INSTANCES / "j30" / "j3010_3.sm")
    start = solve(instance, "rcpsp/sgs", FAST)
    first = CpSatOutcome("feasible", "time_limit", start.objective, None, 0.0)
    options = SolveOptions(time_limit=20, threads=threads)
    outcome, schedule = _destructive_proof(instance, options, first, None, start.schedule, 20)
    optimum = best_known("rcpsp", "j3010_3").upper
    assert start.objective > optimum
    assert outcome.status == "optimal" and outcome.objective == outcome.bound == optimum
    assert max(row["end"] for row in schedule) == optimum
    assert validate(instance, schedule).ok


def _scripted_rounds(monkeypatch, rounds, name="j301_1"):
    """Run ``_portfolio_rounds`` for 60 s against scripted CP-SAT rounds (makespan, bound, times of
    the improvements as shares of the round): returns the time limits the rounds were given."""
    from schedkit.models.rcpsp_cpsat import build_rcpsp_cpsat
    from schedkit.solvers import rcpsp
    from schedkit.solvers.cpsat import CpSatOutcome

    limits = []

    def fake_run(model, *, time_limit, **_):
        makespan, bound, shares = rounds[len(limits)]
        limits.append(time_limit)
        return CpSatOutcome("feasible", "time_limit", makespan, bound, time_limit,
                            [(share * time_limit, makespan) for share in shares])

    monkeypatch.setattr(rcpsp, "run_cpsat", fake_run)
    monkeypatch.setattr(rcpsp, "_decode", lambda instance, built, outcome: [{"task": 0, "start": 0, "end": outcome.objective}])
    instance = load(INSTANCES / name[:3] / f"{name}.sm")
    hint = [{"task": 0, "start": 0, "end": 60}]
    outcome, _ = rcpsp._portfolio_rounds(instance, SolveOptions(threads=2), build_rcpsp_cpsat(instance, upper_bound=60),
                                         {}, hint, 60.0)
    return limits, outcome


def test_portfolio_hands_over_to_the_proof_when_it_stalls(monkeypatch):
    """The hard j30 case: better schedules only early in the first round, so stage 2 gets the rest."""
    limits, outcome = _scripted_rounds(monkeypatch, [(55, 40, [0.1, 0.2])])
    assert limits == [pytest.approx(24)]
    assert outcome.objective == 55 and outcome.bound == 40 and outcome.runtime_s == pytest.approx(24)


def test_portfolio_keeps_the_time_while_it_improves(monkeypatch):
    """The hard j60 case: a large gap and better schedules late in every round, so the portfolio
    keeps all the time (the last round takes what would be too little for another)."""
    limits, outcome = _scripted_rounds(monkeypatch, [(58, 40, [0.9]), (57, 40, [0.8]), (56, 40, [0.7]), (55, 40, [0.6])])
    assert limits == pytest.approx([24, 12, 12, 12])
    assert outcome.objective == 55 and outcome.runtime_s == pytest.approx(60)
    assert [v for _, v in outcome.trace] == [58, 57, 56, 55]


def test_portfolio_hands_over_when_the_gap_is_small(monkeypatch):
    limits, _ = _scripted_rounds(monkeypatch, [(58, 40, [0.9]), (57, 55, [0.9])])
    assert limits == pytest.approx([24, 12])


def test_portfolio_keeps_a_large_project_despite_a_stall(monkeypatch):
    """On a j60 project a stalled first round with a large gap is followed by one round with all
    the remaining time; a small gap still hands over to the proof."""
    limits, outcome = _scripted_rounds(monkeypatch, [(58, 40, [0.1]), (55, 40, [0.9])], name="j601_1")
    assert limits == pytest.approx([24, 36]) and outcome.objective == 55
    limits, _ = _scripted_rounds(monkeypatch, [(58, 57, [0.1])], name="j601_1")
    assert limits == pytest.approx([24])


def test_mip_agrees_with_cpsat_on_j30_sample():
    instance = load(INSTANCES / "j30" / "j301_1.sm")
    mip = solve(instance, "rcpsp/mip", SolveOptions(time_limit=60))
    assert mip.status == "optimal" and mip.objective == best_known("rcpsp", "j301_1").upper == 43


def test_multi_mode_with_budget():
    # task 1: fast mode (1 unit) uses 3 of a non-renewable budget of 2, so the slow mode (4) is forced
    instance = RCPSPInstance(
        name="mm", modes=((Mode(0, (0,), (0,)),), (Mode(1, (1,), (3,)), Mode(4, (1,), (1,))), (Mode(0, (0,), (0,)),)),
        successors=((1,), (2,), ()), capacities=(1,), nonrenewable_capacities=(2,))
    for method in ("rcpsp/cpsat", "rcpsp/sgs", "rcpsp/sampling"):
        result = solve(instance, method, FAST)
        assert result.objective == 4
        assert result.schedule[1]["mode"] == 1


def test_warm_start_is_honoured():
    instance = load(INSTANCES / "j30" / "j301_2.sm")
    heuristic = solve(instance, "rcpsp/serial-grpw")
    fixed = solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=10, warm_start=heuristic.schedule,
                                                        params={"fix_hints": True}))
    assert fixed.objective == heuristic.objective
    assert fixed.schedule == heuristic.schedule


def test_time_limit_is_honoured():
    instance = load(INSTANCES / "j120" / "j12016_1.sm")
    result = solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=2, threads=1))
    assert result.runtime_s < 6
    assert result.status in ("feasible", "optimal") and validate(instance, result).ok


def test_infeasible_deadline_is_named():
    instance = small(deadlines=(None, None, 1, None, None))  # task 2 takes 2 units
    result = solve(instance, "rcpsp/cpsat", FAST)
    assert result.status == "infeasible" and result.objective is None
    names = [c["name"] for c in result.extra["conflict"]["constraints"]]
    assert names == ["deadline[2]"]


def test_infeasible_combination_is_named_and_minimal():
    # 1 and 3 must both run in [0, 3) (deadline 3), and may not overlap (disjunctive): the
    # conflict is exactly these three constraints; the release date of 2 is innocent
    instance = small(deadlines=(None, 3, None, 3, None), disjunctive=((1, 3),), release_dates=(0, 0, 1, 0, 0))
    conflict = explain_infeasibility(instance)
    assert conflict["proven"] and conflict["minimal"]
    assert sorted(c["name"] for c in conflict["constraints"]) == ["deadline[1]", "deadline[3]", "disjunctive[1,3]"]


def _drop(instance, names: list[str]) -> RCPSPInstance:
    """The instance without the named side constraints."""
    release = list(instance.release_dates or [0] * instance.n)
    deadlines = list(instance.deadlines or [None] * instance.n)
    downtimes, pairs = list(instance.downtimes), list(instance.disjunctive)
    for name in names:
        kind, inside = name.rstrip("]").split("[")
        if kind == "release":
            release[int(inside)] = 0
        elif kind == "deadline":
            deadlines[int(inside)] = None
        elif kind == "disjunctive":
            pairs.remove(tuple(int(x) for x in inside.split(",")))
        elif kind == "downtime":
            r, window = inside[1:].split(":")
            left, right = (int(x) for x in window.split("-"))
            downtimes = [d for d in downtimes if not (d.resource == int(r) and d.start < right and left < d.end)]
    return replace(instance, release_dates=tuple(release), deadlines=tuple(deadlines), downtimes=tuple(downtimes),
                   disjunctive=tuple(pairs))


@pytest.mark.parametrize("kind", ["deadline", "disjunctive", "downtime"])
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_infeasible_instances_get_a_conflict(kind, seed):
    instance = generate_rcpsp(12, 4, 2, 6, np.random.default_rng(seed), infeasible=kind, name="gen")
    result = solve(instance, "rcpsp/cpsat", FAST)
    assert result.status == "infeasible"
    assert solve(instance, "rcpsp/mip", FAST).status == "infeasible"  # the independent model agrees
    names = [c["name"] for c in result.extra["conflict"]["constraints"]]
    assert names
    # without the named constraints the planted witness schedule is feasible again
    relaxed = solve(_drop(instance, names), "rcpsp/cpsat", FAST)
    assert relaxed.status == "optimal"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), level=st.integers(1, 8))
def test_mip_equals_cpsat_on_generated_instances(seed, level):
    instance = generate_rcpsp(8, 3, 2, level, np.random.default_rng(seed), name="gen")
    cpsat = solve(instance, "rcpsp/cpsat", FAST)
    mip = solve(instance, "rcpsp/mip", SolveOptions(time_limit=60))
    assert cpsat.status == mip.status == "optimal"
    assert cpsat.objective == mip.objective
