"""FJSP CP-SAT LNS: neighbourhoods keep what they should, the subproblem with everything free is the full
model, every schedule is valid and never worse, and the tabu search picks up a better shared schedule."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from schedkit import load
from schedkit.heuristics.fjsp_dispatch import dispatch
from schedkit.heuristics.fjsp_improve import makespan
from schedkit.heuristics.fjsp_tabu import SharedBest, compile_kernels, tabu_search
from schedkit.instances.generate_fjsp import generate_fjsp
from schedkit.models.fjsp_cpsat import build_fjsp_cpsat
from schedkit.solvers.cpsat import run_cpsat
from schedkit.solvers.fjsp_lns import free_jobs, free_machines, free_window, lns, solve_neighbourhood, tabu_and_lns
from schedkit.validate import validate

JSSP = Path(__file__).resolve().parents[1] / "instances" / "jssp" / "instances"


def _machine_orders(rows, keys=None):
    orders = {}
    for r in sorted(rows, key=lambda r: (r["start"], r["end"])):
        if keys is None or (r["job"], r["op"]) in keys:
            orders.setdefault(r["machine"], []).append((r["job"], r["op"]))
    return orders


@pytest.mark.parametrize("seed", range(3))
def test_kept_operations_keep_their_machine_and_order(seed):
    instance = generate_fjsp(6, 4, 5, seed)
    rows = dispatch(instance, "mwkr", "load")
    rng = random.Random(seed)
    free = free_window(rows, rows, 8, rng)
    free_order = free_machines(rows, rows, 6, rng)
    found, _ = solve_neighbourhood(instance, rows, free, 5.0, seed=seed, free_order=free_order)
    assert validate(instance, found).ok and makespan(found) <= makespan(rows)
    machine_of = {(r["job"], r["op"]): r["machine"] for r in rows}
    for r in found:
        if (r["job"], r["op"]) not in free:
            assert r["machine"] == machine_of[r["job"], r["op"]]
    fixed = {key for key in machine_of if key not in free and key not in free_order}
    assert _machine_orders(found, fixed) == _machine_orders(rows, fixed)


@pytest.mark.parametrize("seed", range(3))
def test_everything_free_is_the_full_model(seed):
    instance = generate_fjsp(4, 3, 4, seed)
    rows = dispatch(instance, "est", "eet")
    everything = {(r["job"], r["op"]) for r in rows}
    found, proven = solve_neighbourhood(instance, rows, everything, 20.0, seed=seed)
    built = build_fjsp_cpsat(instance)
    full = run_cpsat(built.model, time_limit=20.0, threads=1)
    assert proven and full.status == "optimal" and makespan(found) == full.objective


def test_neighbourhood_sizes():
    instance = generate_fjsp(8, 4, 5, 0)
    rows = dispatch(instance, "mwkr", "load")
    rng = random.Random(0)
    assert len(free_window(rows, rows, 10, rng)) == 10
    jobs = free_jobs(rows, rows, 12, rng)
    assert len(jobs) >= 12 and all((j, o) in jobs for j, o in jobs for o in range(len(instance.jobs[j])))
    machines = free_machines(rows, rows, 12, rng)
    busy = {r["machine"] for r in rows if (r["job"], r["op"]) in machines}
    assert len(machines) >= 12 and machines == {(r["job"], r["op"]) for r in rows if r["machine"] in busy}


def test_lns_improves_a_dispatching_schedule_and_stays_valid():
    instance = load(JSSP / "ft06")
    rows = dispatch(instance, "spt", "eet")
    stats = {}
    improved = lns(instance, rows, 3.0, threads=2, lower_bound=55, stats=stats)
    assert validate(instance, improved).ok
    assert makespan(improved) < makespan(rows) and stats["steps"] > 0


def test_tabu_search_restarts_from_a_better_shared_schedule():
    compile_kernels()
    instance = load(JSSP / "ft06")
    poor = dispatch(instance, "spt", "eet")
    good = tabu_search(instance, poor, time_limit=3.0, lower_bound=55)
    shared = SharedBest(good)
    # a search from the poor schedule that never improves on its own (zero stall: it restarts at once)
    result = tabu_search(instance, poor, time_limit=0.5, stall=0, restarts=3, kick=0, shared=shared)
    assert makespan(result) <= makespan(good) and validate(instance, result).ok
    assert not shared.offer(poor) and shared.value == makespan(good)


@pytest.mark.parametrize("threads", [1, 2])
def test_tabu_and_lns_reach_ft06(threads):
    compile_kernels()
    instance = load(JSSP / "ft06")
    result = tabu_and_lns(instance, dispatch(instance, "spt", "eet"), 20.0, threads=threads, lower_bound=55)
    assert validate(instance, result).ok and makespan(result) == 55


@pytest.mark.parametrize("threads", [1, 2])
def test_tabu_and_lns_end_once_both_are_stuck(threads):
    # no lower bound to stop at: only the stall rule can end the phase before its 600 s
    compile_kernels()
    instance = load(JSSP / "ft06")
    stats, start = {}, dispatch(instance, "spt", "eet")
    result = tabu_and_lns(instance, start, 600.0, threads=threads, stats=stats, tabu_restarts=5, stall_steps=5)
    assert stats.get("stalled") and time.perf_counter() - stats["started"] < 300
    assert validate(instance, result).ok and makespan(result) <= makespan(start)
