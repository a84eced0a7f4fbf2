"""smtt/ssdp: each DP kernel against a plain Python reference, the whole method against brute force
and the subset DP, the OR-Library wt40 values on a sample, and the time-limit path."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedkit.errors import MethodError
from schedkit.instances import load
from schedkit.instances.generate_smtt import generate_smtt
from schedkit.instances.smtt import SMTTInstance
from schedkit.instances.values import best_known, instances_root
from schedkit.registry import SolveOptions, solve
from schedkit.solvers import smtt_ssdp_kernels as K
from schedkit.solvers.smtt_exact import subset_dp
from schedkit.solvers.smtt_ssdp import solve_weighted
from tests.strategies import smtt_instances


def arrays(instance):
    return (np.asarray(instance.p, dtype=np.int64), np.asarray(instance.d, dtype=np.int64),
            np.asarray(instance.weights, dtype=np.int64))


def brute(instance):
    p, d, w = arrays(instance)
    best = None
    for order in itertools.permutations(range(instance.n)):
        t, total = 0, 0
        for j in order:
            t += p[j]
            total += w[j] * max(0, t - d[j])
        best = total if best is None else min(best, total)
    return best or 0


def edd_rank(p, d):
    order = sorted(range(p.shape[0]), key=lambda j: (d[j], p[j], j))
    rank = np.empty(p.shape[0], dtype=np.int64)
    rank[order] = np.arange(p.shape[0])
    return rank


@st.composite
def relaxations(draw, max_jobs=5):
    """A small weighted instance and multipliers μ."""
    n = draw(st.integers(1, max_jobs))
    p = draw(st.lists(st.integers(1, 6), min_size=n, max_size=n))
    d = draw(st.lists(st.integers(0, sum(p)), min_size=n, max_size=n))
    w = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    mu = draw(st.lists(st.integers(-10, 30), min_size=n, max_size=n))
    return (np.array(p, dtype=np.int64), np.array(d, dtype=np.int64), np.array(w, dtype=np.int64),
            np.array(mu, dtype=float) / 2)


def cost(j, t, d, w, mu):
    return w[j] * max(0, t - d[j]) - mu[j]


def reference_lr1(p, d, w, mu):
    """min over 0 → T paths with no job twice in a row, by a DP over (t, last job)."""
    T, n = int(p.sum()), p.shape[0]
    best = {(0, -1): 0.0}
    for t in range(1, T + 1):
        for j in range(n):
            options = [v + cost(j, t, d, w, mu) for (s, last), v in best.items() if s == t - p[j] and last != j]
            if options:
                best[(t, j)] = min(options)
    return min(v for (t, _), v in best.items() if t == T)


def reference_lr2(p, d, w, mu, rank):
    """min over 0 → T paths without i–j–i and obeying the adjacent-pair rule, by a DP over
    (t, last job, job before it)."""
    T, n = int(p.sum()), p.shape[0]
    best = {(0, -1, -1): 0.0}
    for t in range(1, T + 1):
        for j in range(n):
            for (s, last, before), v in list(best.items()):
                if s != t - p[j] or last == j or (before == j and before >= 0):
                    continue
                if last >= 0 and not K.adjacent_ok(last, j, t, p, d, w, rank):
                    continue
                key = (t, j, last)
                best[key] = min(best.get(key, math.inf), v + cost(j, t, d, w, mu))
    return min(v for (t, _, _), v in best.items() if t == T)


@settings(max_examples=40, deadline=None)
@given(relaxations())
def test_lr1_kernels_match_reference(case):
    p, d, w, mu = case
    T = int(p.sum())
    f1, j1, q1, _, j2, q2 = K.lr1_forward(p, d, w, mu, T)
    g1, _, _, _ = K.lr1_backward(p, d, w, mu, T)
    assert f1[T] == pytest.approx(reference_lr1(p, d, w, mu))
    assert g1[0] == pytest.approx(f1[T])
    path = K.lr1_path(p, j1, q1, j2, q2, T)
    assert p[path].sum() == T and all(a != b for a, b in itertools.pairwise(path))
    assert sum(cost(j, t, d, w, mu) for j, t in zip(path, np.cumsum(p[path]), strict=True)) == pytest.approx(f1[T])


@settings(max_examples=40, deadline=None)
@given(relaxations())
def test_lr2_kernels_match_reference(case):
    p, d, w, mu = case
    T, n = int(p.sum()), p.shape[0]
    rank = edd_rank(p, d)
    alive = np.zeros((T + 1, n), dtype=np.bool_)
    for j in range(n):
        alive[p[j]:, j] = True
    start, jobs, opening, by_start = K.time_lists(p, alive)
    none = np.full(T + 1, -K.INF)  # no suffix bound: the forward pass keeps every state
    f1, a1, q1, f2, a2, q2 = K.lr2_forward(p, d, w, mu, rank, alive, start, jobs, none, np.full(T + 1, -1), none, K.INF, T,
                                           K.lr2_buffers(T, n))
    best, last = K.lr2_best(start, jobs, f1, T)
    assert best == pytest.approx(reference_lr2(p, d, w, mu, rank))
    g1, _, _, _, _ = K.lr2_backward(p, d, w, mu, rank, alive.copy(), start, jobs, opening, by_start, f1, a1, f2, K.INF, T,
                                    K.lr2_buffers(T, n))
    assert min(cost(j, p[j], d, w, mu) + g1[p[j], j] for j in range(n)) == pytest.approx(best)
    path = K.lr2_path(p, a1, q1, a2, q2, last, T)
    assert p[path].sum() == T
    assert sum(cost(j, t, d, w, mu) for j, t in zip(path, np.cumsum(p[path]), strict=True)) == pytest.approx(best)
    # elimination at the optimum's own value keeps every state of the best path; below it, none
    survivors = alive.copy()
    left = K.lr2_backward(p, d, w, mu, rank, survivors, start, jobs, opening, by_start, f1, a1, f2, best - 1e-6, T,
                            K.lr2_buffers(T, n))[-1]
    assert left == 0 and not survivors.any()
    left = K.lr2_backward(p, d, w, mu, rank, alive, start, jobs, opening, by_start, f1, a1, f2, best + 1e-9, T,
                            K.lr2_buffers(T, n))[-1]
    assert left == alive.sum()
    assert all(alive[t, j] for j, t in zip(path, np.cumsum(p[path]), strict=True))


@settings(max_examples=30, deadline=None)
@given(smtt_instances(max_jobs=6, weighted=True))
def test_refinement_with_every_job_a_modifier_is_exact(instance):
    """Stage 3 with M = all jobs is the exact subset DP over time: its value is the optimum."""
    p, d, w = arrays(instance)
    T, n = int(p.sum()), instance.n
    mu = np.arange(n, dtype=float)  # any μ: with all jobs once, Σμ cancels
    alive = np.zeros((T + 1, n), dtype=np.bool_)
    for j in range(n):
        alive[p[j]:, j] = True
    bt, bj, out_start, out, first = K.base_graph(p, d, w, edd_rank(p, d), alive, T)
    live = [(t, j) for t in range(T + 1) for j in range(n) if alive[t, j]]
    assert list(zip(bt.tolist(), bj.tolist(), strict=True)) == live  # the live states, by time then job
    costs = w[bj] * np.maximum(0, bt - d[bj]) - mu[bj]
    m = bt.shape[0]
    everything = np.ones(m, dtype=np.bool_)
    prev = K.bound_table(np.arange(m, dtype=np.int64), np.zeros(m, dtype=np.int64), np.full(m, -K.INF), everything)
    modbit = np.left_shift(np.int64(1), np.arange(n, dtype=np.int64))
    arc_alive = np.ones(out.shape[0], dtype=np.bool_)
    nb, ns, f1, a1, q1, f2, _, q2, au, av, ab, count, _ = K.refine_forward(
        p, bt, bj, out_start, out, arc_alive, first, costs, modbit, 0, prev[0], prev[1], prev[2], 1e18, T, 4096)
    full = (1 << n) - 1
    best, node = K.refine_best(bt, nb, ns, f1, full, T)
    assert count > 0 and node >= 0
    assert best + mu.sum() == pytest.approx(brute(instance))
    path = K.refine_path(bj, nb, q1, q2, node)
    assert sorted(path) == list(range(n))
    g1, b1, g2, _ = K.refine_backward(bt, bj, nb, ns, au, av, costs, full, T)
    starts = [u for u in range(count) if first[nb[u]]]
    assert min(f1[u] + g1[u] for u in starts) == pytest.approx(best)
    keep, _, _ = K.refine_eliminate(bj, nb, f1, a1, f2, g1, b1, g2, au, av, ab, costs, best + 1e-9, m, out.shape[0])
    assert keep[node]


@settings(max_examples=60, deadline=None)
@given(smtt_instances(max_jobs=8, weighted=True))
def test_ssdp_matches_brute_force(instance):
    result = solve(instance, "smtt/ssdp", SolveOptions(params={"ils_iterations": 0}))
    assert result.status == "optimal" and result.objective == result.bound == brute(instance)


@pytest.mark.parametrize("seed", range(6))
def test_ssdp_matches_subset_dp(seed):
    rng = np.random.default_rng(seed)
    tf, rdd = [(0.4, 0.2), (0.6, 0.4), (0.8, 0.6), (0.2, 1.0), (0.6, 0.2), (1.0, 0.2)][seed]
    instance = generate_smtt(12 + seed % 4, tf, rdd, rng, weighted=True)
    p, d, w = arrays(instance)
    # a weak start (one ILS iteration at most) so the Lagrangian stages do the proving
    result = solve(instance, "smtt/ssdp", SolveOptions(params={"ils_iterations": 0, "ils_limit": 0.0}))
    assert result.status == "optimal" and result.objective == subset_dp(p, d, w)[0]


def test_ssdp_stage3_from_a_bad_incumbent():
    """The incumbent is only the rule's; stages 2–3 must improve it from relaxed paths."""
    instance = SMTTInstance("tie", (3, 3, 3, 5, 5, 2, 7, 4), (4, 6, 6, 9, 12, 3, 10, 8), (1, 3, 2, 5, 1, 4, 2, 3))
    result = solve(instance, "smtt/ssdp", SolveOptions(params={"ils_iterations": 0, "ils_limit": 0.0, "modifiers_per_step": 1}))
    assert result.objective == result.bound == brute(instance)


@pytest.mark.parametrize("index", [1, 18, 38, 71, 112])
def test_ssdp_reaches_orlib_wt40(index):
    instance = load(instances_root() / "smtt" / "wt40.txt", index=index)
    result = solve(instance, "smtt/ssdp", SolveOptions())
    assert result.status == "optimal"
    assert result.objective == result.bound == best_known("smtt", instance.name).upper


def test_time_limit_returns_incumbent_and_valid_bound():
    instance = load(instances_root() / "smtt" / "wt100.txt", index=10)
    known = best_known("smtt", instance.name).upper
    result = solve(instance, "smtt/ssdp", SolveOptions(time_limit=0.05))
    assert result.status == "feasible" and result.termination == "time_limit"
    assert result.bound <= known <= result.objective
    assert solve_weighted(instance, SolveOptions(time_limit=0.05)).bound <= known


@pytest.mark.parametrize("max_nodes", [40, 400])
def test_stage3_memory_cap_keeps_a_valid_bound(max_nodes):
    """With a tiny state budget stage 3 falls back to one modifier per step, then gives up with
    status feasible and a bound that is still valid."""
    instance = load(instances_root() / "smtt" / "wt40.txt", index=18)
    known = best_known("smtt", instance.name).upper
    result = solve(instance, "smtt/ssdp", SolveOptions(params={"max_nodes": max_nodes}))
    assert result.bound <= known <= result.objective
    assert result.status == "optimal" or result.termination == "memory_limit"


def test_too_long_a_horizon_is_refused_clearly():
    instance = SMTTInstance("long", (10**6, 10**6, 3), (5, 10**6, 7), (1, 2, 3))
    with pytest.raises(MethodError, match="time grid"):
        solve(instance, "smtt/ssdp", SolveOptions())


def test_proves_from_a_weak_warm_start():
    instance = load(instances_root() / "smtt" / "wt40.txt", index=7)
    result = solve(instance, "smtt/ssdp", SolveOptions(params={"ils_iterations": 0}), warm_start="smtt/edd")
    assert result.status == "optimal" and result.objective == best_known("smtt", instance.name).upper


@pytest.mark.parametrize("seed", range(8))
def test_stage3_forced_early_matches_subset_dp(seed):
    """Subgradient stopped after one iteration per stage and no heuristic (3 of these 8 end in stage 3)."""
    rng = np.random.default_rng(100 + seed)
    instance = generate_smtt(int(rng.integers(10, 15)), 0.6, 0.4, rng, weighted=True)
    p, d, w = arrays(instance)
    params = {"ils_iterations": 0, "ils_limit": 0.0, "stage1_patience": 0.01, "stage2_patience": 0.01,
              "stage1_ratio": 10, "stage2_ratio": 10, "stage1_elimination": 0, "modifiers_per_step": 1 + seed % 3}
    result = solve(instance, "smtt/ssdp", SolveOptions(params=params))
    assert result.status == "optimal" and result.objective == subset_dp(p, d, w)[0]
