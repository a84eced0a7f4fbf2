"""FJSP tabu search: graph kernels against the plain left-justification, exact move values, acyclic moves."""

from __future__ import annotations

import random
import time
from itertools import pairwise
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from schedkit import load
from schedkit.heuristics.fjsp_dispatch import dispatch
from schedkit.heuristics.fjsp_improve import makespan
from schedkit.heuristics.fjsp_tabu import (
    _Graph,
    heads_tails,
    parallel_tabu_search,
    perturb,
    seed_rng,
    tabu_chunk,
    tabu_search,
    topological_order,
)
from schedkit.instances import FJSPInstance
from schedkit.instances.generate_fjsp import generate_fjsp
from schedkit.solvers.fjsp_pruning import left_justify
from schedkit.validate import validate

JSSP = Path(__file__).resolve().parents[1] / "instances" / "jssp" / "instances"


def _by_key(rows):
    return {(r["job"], r["op"]): (r["machine"], r["start"], r["end"]) for r in rows}


@pytest.mark.parametrize("seed", range(4))
def test_heads_match_left_justification(seed):
    instance = generate_fjsp(6, 4, 5, seed)
    rows = dispatch(instance, "mwkr", "load")
    graph = _Graph(instance, rows)
    assert _by_key(graph.schedule()) == _by_key(left_justify(rows))


def test_heads_and_tails_without_an_operation_join_its_neighbours():
    # job 0: a (M0, 3) → b (M1, 2); job 1: c (M0, 4). M0 sequence a, c. Without a, c starts at 0
    # and b at 0: makespan 4 (c). With a, its tail is the 4 of c after it on M0.
    instance = FJSPInstance("hand", 2, (({0: 3}, {1: 2}), ({0: 4},)))
    rows = [{"job": 0, "op": 0, "machine": 0, "start": 0, "end": 3}, {"job": 0, "op": 1, "machine": 1, "start": 3, "end": 5},
            {"job": 1, "op": 0, "machine": 0, "start": 3, "end": 7}]
    graph = _Graph(instance, rows)
    order = topological_order(graph.job_pred, graph.job_succ, graph.mpred, graph.msucc)
    head, tail = np.zeros(3, np.int64), np.zeros(3, np.int64)
    assert heads_tails(order, -1, graph.job_pred, graph.job_succ, graph.mpred, graph.msucc, graph.duration, head, tail) == 7
    assert list(head) == [0, 3, 3] and list(tail) == [4, 0, 0]
    assert heads_tails(order, 0, graph.job_pred, graph.job_succ, graph.mpred, graph.msucc, graph.duration, head, tail) == 4
    assert head[1] == 0 and head[2] == 0


@pytest.mark.parametrize("seed", range(3))
def test_every_move_keeps_the_graph_acyclic_and_its_value_is_exact(seed):
    """One move at a time: the value the kernel claims is the makespan recomputed from scratch."""
    instance = generate_fjsp(5, 4, 6, seed)
    rows = dispatch(instance, "est", "eet")
    graph = _Graph(instance, rows)
    n = len(graph.keys)
    best = [a.copy() for a in (graph.mpred, graph.msucc, graph.mfirst, graph.mlast, graph.machine, graph.duration)]
    tabu = np.zeros((n + instance.num_machines, n + instance.num_machines), np.int64)
    state = np.array([makespan(rows), makespan(rows), 0, 0, 0], np.int64)
    seed_rng(seed)
    iteration = 0
    for _ in range(150):
        iteration = tabu_chunk(1, iteration, 40, 2, 3, graph.job_pred, graph.job_succ, graph.mpred, graph.msucc,
                               graph.mfirst, graph.mlast, graph.machine, graph.duration, graph.eligible_start,
                               graph.eligible_machine, graph.eligible_time, tabu, state, *best)
        assert len(topological_order(graph.job_pred, graph.job_succ, graph.mpred, graph.msucc)) == n
        schedule = graph.schedule()
        assert validate(instance, schedule).ok
        assert makespan(schedule) == state[0]
    assert state[1] <= makespan(rows)


def test_tabu_search_improves_and_reaches_ft06():
    instance = load(JSSP / "ft06")
    rows = dispatch(instance, "est", "eet")
    improved = tabu_search(instance, rows, time_limit=3.0, lower_bound=55)
    assert validate(instance, improved).ok
    assert makespan(improved) == 55 < makespan(rows)


@pytest.mark.parametrize("seed", range(3))
def test_a_kick_moves_flexible_operations_to_eligible_machines_and_stays_acyclic(seed):
    instance = generate_fjsp(6, 4, 6, seed)
    rows = left_justify(dispatch(instance, "est", "eet"))
    kicked = perturb(instance, rows, 0.2, random.Random(seed))
    moved = [(a, b) for a, b in zip(rows, kicked, strict=True) if a["machine"] != b["machine"]]
    assert len(moved) == max(2, round(0.2 * len(rows)))
    assert all(b["machine"] in instance.jobs[b["job"]][b["op"]] for _, b in moved)
    graph = _Graph(instance, rows)
    graph.load(kicked)
    assert len(topological_order(graph.job_pred, graph.job_succ, graph.mpred, graph.msucc)) == len(rows)
    assert validate(instance, graph.schedule()).ok


@pytest.mark.parametrize("kick", [0.0, 0.1])
def test_tabu_search_with_and_without_kicks_keeps_the_best(kick):
    """Short stalls force many restarts (with or without a kick): the result is valid, never worse than the
    start, and the restart limit ends the search before the time limit."""
    instance = generate_fjsp(8, 4, 6, 3)
    rows = dispatch(instance, "mwkr", "load")
    improved = tabu_search(instance, rows, time_limit=20.0, stall=20, restarts=10, kick=kick)
    assert validate(instance, improved).ok
    assert makespan(improved) <= makespan(left_justify(rows))


def test_parallel_searches_reach_ft06_and_stop_together_at_the_bound():
    """Two threads: the first to reach the bound ends the other (well before the time limit); the merged
    trace only goes down."""
    instance = load(JSSP / "ft06")
    rows = dispatch(instance, "est", "eet")
    trace = []
    started = time.perf_counter()
    improved = parallel_tabu_search(instance, rows, time_limit=60.0, searches=2, lower_bound=55, trace=trace)
    assert time.perf_counter() - started < 30
    assert validate(instance, improved).ok
    assert makespan(improved) == 55
    assert trace and trace[-1][1] == 55
    assert all(a[0] <= b[0] and a[1] > b[1] for a, b in pairwise(trace))


@pytest.mark.parametrize("seed", range(3))
def test_heads_and_tails_without_each_operation_match_a_plain_longest_path(seed):
    """heads_tails(skip=v) against networkx longest paths of the graph rebuilt without v (its job and
    machine neighbours joined), for every v."""
    instance = generate_fjsp(5, 3, 4, seed)
    graph = _Graph(instance, dispatch(instance, "est", "eet"))
    n = len(graph.keys)
    order = topological_order(graph.job_pred, graph.job_succ, graph.mpred, graph.msucc)
    head, tail = np.zeros(n, np.int64), np.zeros(n, np.int64)
    for v in [-1, *range(n)]:
        arcs = nx.DiGraph()
        arcs.add_nodes_from(i for i in range(n) if i != v)
        for links in ((graph.job_pred, graph.job_succ), (graph.mpred, graph.msucc)):
            for i in range(n):
                a, b = links[0][i], i
                if i == v or a < 0:
                    continue
                if a == v:
                    a = links[0][v]
                if a >= 0:
                    arcs.add_edge(a, b)
        longest = heads_tails(order, v, graph.job_pred, graph.job_succ, graph.mpred, graph.msucc, graph.duration, head, tail)
        expected_head, expected_tail = {}, {}
        for i in nx.topological_sort(arcs):
            expected_head[i] = max((expected_head[a] + graph.duration[a] for a in arcs.predecessors(i)), default=0)
        for i in reversed(list(nx.topological_sort(arcs))):
            expected_tail[i] = max((expected_tail[b] + graph.duration[b] for b in arcs.successors(i)), default=0)
        assert all(head[i] == expected_head[i] and tail[i] == expected_tail[i] for i in arcs)
        assert longest == max(expected_head[i] + graph.duration[i] + expected_tail[i] for i in arcs)
