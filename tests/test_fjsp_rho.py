"""FJSP rolling horizon: the window loop, critical-path pruning, the generator and the command line."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from schedkit import load
from schedkit.cli import main
from schedkit.heuristics.fjsp_dispatch import dispatch
from schedkit.heuristics.fjsp_improve import makespan
from schedkit.heuristics.fjsp_tabu import compile_kernels
from schedkit.instances import FJSPInstance
from schedkit.instances.generate_fjsp import generate_fjsp
from schedkit.models.fjsp_cpsat import build_fjsp_cpsat
from schedkit.registry import SolveOptions, solve
from schedkit.result import Result
from schedkit.solvers.fjsp_bound import fjsp_lower_bound
from schedkit.solvers.fjsp_pruning import FixingRule, critical_operations, left_justify, slacks
from schedkit.solvers.fjsp_rho import rho_order
from schedkit.validate import validate
from tests.strategies import fjsp_instances

MK = Path(__file__).resolve().parents[1] / "instances" / "fjsp" / "Brandimarte1993"


@pytest.fixture(scope="module", autouse=True)
def compiled_kernels():
    """The RHO polish runs the numba tabu search: compile it before the timed runs."""
    compile_kernels()


def row(j, o, m, s, e):
    return {"job": j, "op": o, "machine": m, "start": s, "end": e}


def test_slack_on_a_hand_worked_schedule():
    # job 0: (0,0) M0 [0,4) → (0,1) M1 [4,6); job 1: (1,0) M1 [0,2) at 1 (not left-justified) → [1,3).
    # Left-justified: (1,0) starts 0; makespan 6; the chain (0,0)→(0,1) is critical; (1,0) must end
    # before (0,1) starts at 4 on M1, so its slack is 4 - 2 - 0 = 2.
    rows = [row(0, 0, 0, 0, 4), row(0, 1, 1, 4, 6), row(1, 0, 1, 1, 3)]
    assert slacks(rows) == {(0, 0): 0, (0, 1): 0, (1, 0): 2}
    assert critical_operations(rows) == {(0, 0), (0, 1)}
    assert row(1, 0, 1, 0, 2) in left_justify(rows) and row(0, 1, 1, 4, 6) in left_justify(rows)


def test_slack_respects_releases():
    rows = [row(0, 0, 0, 5, 7), row(1, 0, 1, 0, 3)]
    assert slacks(rows, job_release={0: 5}) == {(0, 0): 0, (1, 0): 4}
    assert slacks(rows, machine_available=[0, 4]) == {(0, 0): 5, (1, 0): 0}  # (0,0) left-justified to [0,2); (1,0) [4,7)


@settings(max_examples=30, deadline=None)
@given(fjsp_instances(max_jobs=4, max_ops=4, max_machines=3))
def test_left_justify_keeps_a_valid_schedule_and_slacks_are_nonnegative(instance):
    rows = dispatch(instance, "mwkr", "load")
    shifted = left_justify(rows)
    assert validate(instance, shifted).ok and makespan(shifted) <= makespan(rows)
    values = slacks(rows)
    assert min(values.values()) == 0 and all(v >= 0 for v in values.values())


def test_fixing_rule_never_fixes_a_zero_slack_operation_and_always_fixes_single_machine_ones():
    instance = FJSPInstance("fix", 2, (({0: 3, 1: 4}, {0: 2, 1: 2}), ({1: 5},), ({0: 1, 1: 1},)))
    previous = {(0, 0): row(0, 0, 0, 0, 3), (0, 1): row(0, 1, 1, 5, 7), (1, 0): row(1, 0, 1, 0, 5),
                (2, 0): row(2, 0, 0, 3, 4)}
    window_slack = slacks(list(previous.values()))
    rule = FixingRule(share=1.0)
    fixed = rule.choose(instance, list(previous), previous, {}, window_slack, {k: i for i, k in enumerate(previous)})
    assert (1, 0) in fixed  # one eligible machine: fixed, nothing lost
    assert all(window_slack[key] > 0 for key in fixed if len(instance.jobs[key[0]][key[1]]) > 1)
    # left-justified: M0 runs (0,0) [0,3), (2,0) [3,4); M1 runs (1,0) [0,5), (0,1) [5,7): (1,0) → (0,1) is
    # the critical path; (0,0) may end as late as 5 (slack 2), (2,0) as late as 7 (slack 3)
    assert window_slack == {(0, 0): 2, (0, 1): 0, (1, 0): 0, (2, 0): 3}
    assert (0, 1) not in fixed and fixed[0, 0] == 0 and fixed[2, 0] == 0
    assert rule.learn(restricted=110, unrestricted=100) and rule.share == pytest.approx(0.9)
    assert not rule.learn(restricted=100, unrestricted=100) and rule.share == pytest.approx(0.8)  # capped at maximum


def test_rho_order_is_by_relative_position():
    instance = generate_fjsp(3, 2, 4, seed=1)
    order = rho_order(instance, seed=0)
    positions = [o / 4 for _, o in order]
    assert positions == sorted(positions) and len(set(order)) == instance.num_operations


@pytest.mark.parametrize("method", ["fjsp/rho", "fjsp/rho-cp"])
def test_rolling_horizon_on_a_generated_instance(method):
    instance = generate_fjsp(8, 4, 10, seed=3)  # 80 operations
    started = time.perf_counter()
    result = solve(instance, method, SolveOptions(time_limit=6, threads=1, params={"window": 24, "step": 8}))
    assert time.perf_counter() - started < 6 + 3  # the limit is the total (plus the LP bound and the checks)
    assert validate(instance, result).ok and result.objective == makespan(result.schedule)
    stats = result.extra["rho"]
    assert stats["windows"] == math.ceil((80 - 24) / 8) + 1
    assert sum(w["operations"] for w in stats["per_window"]) - stats["overlap_total"] == 80
    assert result.bound == fjsp_lower_bound(instance) <= result.objective
    if method == "fjsp/rho":
        assert stats["fixed_total"] == 0
    else:
        assert 0 < stats["fixed_total"] <= stats["overlap_total"]


def test_one_window_over_everything_is_the_full_model():
    instance = load(MK / "mk01.txt")
    result = solve(instance, "fjsp/rho", SolveOptions(time_limit=30, threads=2, params={"window": 1000, "stall": 10}))
    assert result.objective == 40 and result.extra["rho"]["windows"] == 1


def test_jssp_runs_through_the_rolling_horizon():
    instance = load(MK.parents[1] / "jssp" / "instances" / "ft06")
    result = solve(instance, "fjsp/rho-cp", SolveOptions(time_limit=4, params={"window": 12, "step": 6}))
    assert validate(instance, result).ok and result.objective >= 55


def test_generator_distribution_and_round_trip(tmp_path):
    out = tmp_path / "g.fjs"
    outcome = CliRunner().invoke(main, ["generate", "fjsp", "--jobs", "20", "--machines", "10", "--ops-per-job", "30",
                                        "--seed", "0", "--out", str(out)])
    assert outcome.exit_code == 0, outcome.output
    instance = load(out)
    assert (instance.num_jobs, instance.num_machines, instance.num_operations) == (20, 10, 600)
    assert instance.jobs == generate_fjsp(20, 10, 30, seed=0).jobs
    times = [t for _, _, e in instance.operations() for t in e.values()]
    assert min(times) >= 1 and max(times) <= 99
    sizes = [len(e) for _, _, e in instance.operations()]
    assert min(sizes) == 1 and max(sizes) == 10 and 4.5 < sum(sizes) / len(sizes) < 6.5  # U{1..10}: mean 5.5
    assert generate_fjsp(20, 10, 30, seed=1).jobs != instance.jobs
    fixed = generate_fjsp(5, 6, 4, seed=0, flexibility=2)
    assert all(len(e) == 2 for _, _, e in fixed.operations())


def test_model_building_for_2000_operations_takes_seconds():
    instance = generate_fjsp(40, 10, 50, seed=1)
    started = time.perf_counter()
    built = build_fjsp_cpsat(instance)
    assert time.perf_counter() - started < 10 and len(built.starts) == 2000


def test_cli_solves_with_rho_cp(tmp_path):
    path, out = tmp_path / "g.fjs", tmp_path / "r.json"
    runner = CliRunner()
    runner.invoke(main, ["generate", "fjsp", "--jobs", "10", "--machines", "5", "--ops-per-job", "10", "--seed", "2",
                         "--out", str(path)])
    outcome = runner.invoke(main, ["solve", str(path), "--method", "fjsp/rho-cp", "--time-limit", "5", "--threads", "1",
                                   "--output", str(out)])
    assert outcome.exit_code == 0, outcome.output
    result = Result.read(out)
    assert validate(load(path), result).ok and result.extra["rho"]["windows"] >= 2


@pytest.mark.slow
def test_cli_rho_cp_on_2000_operations(tmp_path):
    path, out = tmp_path / "g2000.fjs", tmp_path / "r.json"
    runner = CliRunner()
    runner.invoke(main, ["generate", "fjsp", "--jobs", "40", "--machines", "10", "--ops-per-job", "50", "--seed", "1",
                         "--out", str(path)])
    outcome = runner.invoke(main, ["solve", str(path), "--method", "fjsp/rho-cp", "--time-limit", "60", "--output", str(out)])
    assert outcome.exit_code == 0, outcome.output
    assert validate(load(path), Result.read(out)).ok
