"""FJSP / JSSP: dispatching rules, local improvement, LP bound and the full CP-SAT model."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from schedkit import load
from schedkit.heuristics.fjsp_dispatch import MACHINE_RULES, OPERATION_RULES, best_dispatch, dispatch
from schedkit.heuristics.fjsp_improve import improve, left_shift, makespan, reassign
from schedkit.instances import FJSPInstance
from schedkit.instances.generate_fjsp import generate_fjsp
from schedkit.instances.values import best_known
from schedkit.registry import SolveOptions, solve
from schedkit.solvers import fjsp as fjsp_solver
from schedkit.solvers.fjsp_bound import fjsp_lower_bound, lp_assignment_bound
from schedkit.validate import validate
from tests.strategies import fjsp_instances

INSTANCES = Path(__file__).resolve().parents[1] / "instances"
MK = INSTANCES / "fjsp" / "Brandimarte1993"


def brute_force_makespan(instance) -> int:
    """Optimum by depth-first enumeration of append-only decodings (every semi-active schedule is the
    append-only decoding of its operations in start order), pruned by the best makespan so far."""
    best = [sum(max(e.values()) for _, _, e in instance.operations())]

    def search(next_op, job_ready, machine_free, current):
        if current >= best[0]:
            return
        if all(next_op[j] == len(ops) for j, ops in enumerate(instance.jobs)):
            best[0] = current
            return
        for j, ops in enumerate(instance.jobs):
            if next_op[j] == len(ops):
                continue
            for machine, time in ops[next_op[j]].items():
                end = max(job_ready[j], machine_free[machine]) + time
                search((*next_op[:j], next_op[j] + 1, *next_op[j + 1:]),
                       (*job_ready[:j], end, *job_ready[j + 1:]),
                       (*machine_free[:machine], end, *machine_free[machine + 1:]), max(current, end))

    search((0,) * instance.num_jobs, (0,) * instance.num_jobs, (0,) * instance.num_machines, 0)
    return best[0]


def test_brute_force_on_a_hand_worked_example():
    # job 0: a (M0:3 | M1:5) then b (M1:2); job 1: c (M0:4). a on M0 [0,3), b on M1 [3,5), c on M0 [3,7) → 7;
    # a on M1 [0,5), b [5,7), c on M0 [0,4) → 7; nothing shorter: M0 alone would need 7, a on M1 ends b at 7.
    instance = FJSPInstance("hand", 2, (({0: 3, 1: 5}, {1: 2}), ({0: 4},)))
    assert brute_force_makespan(instance) == 7
    result = solve(instance, "fjsp/cpsat", SolveOptions(time_limit=10))
    assert (result.status, result.objective) == ("optimal", 7)


@settings(max_examples=25, deadline=None)
@given(fjsp_instances(max_jobs=3, max_ops=2, max_machines=3))
def test_cpsat_agrees_with_brute_force(instance):
    result = solve(instance, "fjsp/cpsat", SolveOptions(time_limit=10))
    assert result.status == "optimal"
    assert result.objective == brute_force_makespan(instance)
    assert fjsp_lower_bound(instance) <= result.objective


@settings(max_examples=40, deadline=None)
@given(fjsp_instances(max_jobs=4, max_ops=4, max_machines=3))
def test_every_rule_and_improvement_is_valid_and_improvement_never_worsens(instance):
    for operation_rule in OPERATION_RULES:
        for machine_rule in MACHINE_RULES:
            rows = dispatch(instance, operation_rule, machine_rule)
            assert validate(instance, rows).ok
            shifted = left_shift(instance, rows)
            assert validate(instance, shifted).ok and makespan(shifted) <= makespan(rows)
            assert validate(instance, reassign(instance, rows)).ok
            improved = improve(instance, rows)
            assert validate(instance, improved).ok and makespan(improved) <= makespan(shifted)


def test_left_shift_fills_a_gap():
    # op (1, 0) was started late at 10 although machine 0 is free from 2: the left shift moves it to 2.
    instance = FJSPInstance("gap", 1, (({0: 2},), ({0: 3},)))
    rows = [{"job": 0, "op": 0, "machine": 0, "start": 0, "end": 2}, {"job": 1, "op": 0, "machine": 0, "start": 10, "end": 13}]
    assert left_shift(instance, rows)[1] == {"job": 1, "op": 0, "machine": 0, "start": 2, "end": 5}


def test_best_dispatch_on_brandimarte_is_within_ten_percent():
    # measured: the best of the 15 rule pairs with improvement sums to 1846 on mk01-10 (best known 1721)
    instances = [load(MK / f"mk{i:02d}.txt") for i in range(1, 11)]
    total = 0
    for instance in instances:
        rows, _ = best_dispatch(instance)
        assert validate(instance, rows).ok
        total += makespan(rows)
    known = sum(best_known("fjsp", i.name).upper for i in instances)
    assert known <= total <= 1.10 * known


def test_lp_assignment_bound_on_brandimarte():
    # fjsp_rho.md §3.5: 36, 26, 204, 60, 172 on mk01-05; mk02-05 equal the optimum
    values = [lp_assignment_bound(load(MK / f"mk{i:02d}.txt")) for i in range(1, 6)]
    assert values == [36, 26, 204, 60, 172]
    for i, value in enumerate(values, start=1):
        assert value <= best_known("fjsp", f"mk{i:02d}").lower


@pytest.mark.parametrize(("path", "optimum"), [
    (MK / "mk01.txt", 40), (INSTANCES / "jssp/instances/ft06", 55), (INSTANCES / "jssp/instances/la01", 666),
    (MK / "mk02.txt", 26),
])
def test_cpsat_proves_known_optima(path, optimum):
    instance = load(path)
    result = solve(instance, "fjsp/cpsat", SolveOptions(time_limit=60, threads=2))
    assert (result.status, result.objective, result.bound) == ("optimal", optimum, optimum)
    assert validate(instance, result).ok


def test_cpsat_warm_start_is_honoured():
    instance = load(MK / "mk05.txt")
    rows = dispatch(instance, "mwkr", "load")
    result = solve(instance, "fjsp/cpsat", SolveOptions(time_limit=10, warm_start=rows, params={"fix_hints": True}))
    assert result.trace[0][1] == makespan(rows)
    assert result.objective == makespan(rows)


def test_cpsat_skips_presolve_probing_on_large_models(monkeypatch):
    """Probing took the whole budget at 2000 operations (CP-SAT stopped after presolve): large models skip it."""
    seen = []
    real = fjsp_solver.run_cpsat

    def spy(model, **kwargs):
        seen.append(kwargs.get("parameters"))
        return real(model, **kwargs)

    monkeypatch.setattr(fjsp_solver, "run_cpsat", spy)
    large = generate_fjsp(20, 5, fjsp_solver.PROBING_MAX_OPERATIONS // 20, seed=0)
    result = solve(large, "fjsp/cpsat", SolveOptions(time_limit=3, threads=1, params={"tabu_share": 0.2}))
    assert validate(large, result).ok
    solve(load(MK / "mk01.txt"), "fjsp/cpsat", SolveOptions(time_limit=3, threads=1))
    assert seen == [{"cp_model_probing_level": 0}, {}]
