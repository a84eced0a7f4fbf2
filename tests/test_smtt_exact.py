"""smtt/exact: Lawler decomposition + memo against brute force, each position rule on its own,
the closed forms, the weighted subset DP, the MIPs, and the 500-job command line."""

import itertools

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from schedkit.cli import main
from schedkit.heuristics.smtt_rules import total_tardiness
from schedkit.instances.generate_smtt import generate_smtt
from schedkit.registry import SolveOptions, solve
from schedkit.solvers import smtt_memo
from schedkit.solvers.smtt_exact import MemoSolver, subset_dp
from tests.strategies import smtt_instances


def brute(p, d, jobs, t):
    """min over orders of Σ max(0, C − d) of ``jobs`` from t (0 for no job)."""
    best = None
    for order in itertools.permutations(jobs):
        clock, total = t, 0
        for j in order:
            clock += p[j]
            total += max(0, clock - d[j])
        best = total if best is None else min(best, total)
    return best or 0


@st.composite
def tie_heavy(draw, max_jobs=8):
    """Small sets with many equal p and d, and a start time t > 0 as inside the search."""
    n = draw(st.integers(1, max_jobs))
    p = draw(st.lists(st.integers(1, draw(st.sampled_from([3, 10, 60]))), min_size=n, max_size=n))
    d = draw(st.lists(st.integers(0, draw(st.sampled_from([4, sum(p)]))), min_size=n, max_size=n))
    return p, d, draw(st.integers(0, 30))


@settings(max_examples=120, deadline=None)
@given(smtt_instances(max_jobs=9, weighted=False))
def test_exact_matches_brute_force(instance):
    """Enumeration of all orders for n ≤ 7; the subset DP (also a full enumeration, of sets) above."""
    result = solve(instance, "smtt/exact")
    assert result.status == "optimal" and result.bound == result.objective
    if instance.n <= 7:
        assert result.objective == brute(instance.p, instance.d, range(instance.n), 0)
    else:
        p, d = (np.asarray(x, dtype=np.int64) for x in (instance.p, instance.d))
        assert result.objective == subset_dp(p, d, np.ones(instance.n, dtype=np.int64))[0]


@settings(max_examples=40, deadline=None)
@given(smtt_instances(max_jobs=8, weighted=True))
def test_weighted_subset_dp_matches_brute_force(instance):
    p, d, w = (np.asarray(x, dtype=np.int64) for x in (instance.p, instance.d, instance.weights))
    value, order = subset_dp(p, d, w)
    best = min(total_tardiness(instance, s) for s in itertools.permutations(range(instance.n)))
    assert value == best == total_tardiness(instance, list(order))
    assert solve(instance, "smtt/exact").objective == best


def _edd_layout(p, d, t):
    """Arrays of the kernel for the set of all jobs: EDD positions, ranks in the (p, d, id) order."""
    n = len(p)
    edd = sorted(range(n), key=lambda j: (d[j], p[j], j))
    longer = sorted(range(n), key=lambda j: (p[j], d[j], j))
    rank = {j: r for r, j in enumerate(longer)}
    P = np.array([p[j] for j in edd], dtype=np.int64)
    D = np.array([d[j] for j in edd], dtype=np.int64)
    RK = np.array([rank[j] for j in edd], dtype=np.int64)
    return P, D, RK


def _root(case):
    """A drawn case as the kernels' root node: EDD arrays from t, all jobs as members, and the scratch arrays
    (C, T, pm, cand) of ``edd_pass`` and ``kept_positions``."""
    p, d, t = case
    P, D, RK = _edd_layout(p, d, t)
    n = len(p)
    return (P, D, RK, t, np.arange(n, dtype=np.int64), *(np.zeros(n, dtype=np.int64) for _ in range(4)))


@pytest.mark.parametrize("rules", [0, smtt_memo.RULE_3, smtt_memo.RULE_4A, smtt_memo.RULE_4B,
                                   smtt_memo.RULE_4A | smtt_memo.RULE_4B, smtt_memo.ALL_RULES])
@settings(max_examples=120, deadline=None)
@given(case=tie_heavy(max_jobs=7))
def test_each_position_rule_keeps_an_optimum(rules, case):
    """Lawler's decomposition (rules = 0: every r ≥ κ) and each elimination rule on its own keep
    at least one position r that yields the brute-force optimum, with t > 0 and many ties."""
    P, D, RK, t, members, C, T, pm, cand = _root(case)
    n = len(P)
    kk, lead, tard, _, _ = smtt_memo.edd_pass(P, D, RK, members, 0, n, t, C)
    assert kk == int(np.argmax(RK))
    count = smtt_memo.kept_positions(P, D, RK, members, 0, n, kk, lead, tard, C, T, pm, cand, rules)
    assert count >= 1
    Pl, Dl = list(P), list(D)
    best = None
    for r in cand[:count]:
        before = [i for i in range(r + 1) if i != kk]
        after = list(range(r + 1, n))
        value = brute(Pl, Dl, before, t) + max(0, C[r] - Dl[kk]) + brute(Pl, Dl, after, int(C[r]))
        best = value if best is None else min(best, value)
    assert best == brute(Pl, Dl, range(n), t)


def _kept_first_positions(P, D, RK, t):
    """DC rule 4 written out from the notes (4.4): T_E(q) of every q by direct evaluation."""
    n = len(P)
    E = [0] + [i for i in range(1, n) if RK[i] < RK[0]]
    tard = []
    for q in range(len(E)):
        order = [*E[1:q + 1], 0, *E[q + 1:]]
        tard.append(_edd_tardiness(P, D, order, t))
    return [q for q in range(len(E)) if (q == 0 or tard[q] < min(tard[:q])) and (q == len(E) - 1 or tard[q] <= tard[q + 1])]


@settings(max_examples=300, deadline=None)
@given(case=tie_heavy(max_jobs=8))
def test_first_job_leads_keeps_an_optimum(case):
    """edd_pass's ``leads`` equals DC rule 4 written out keeping q = 0 alone; when it holds, j1 (the EDD-first
    job) first, then Lawler's kept positions for k over L_r without j1 from t + p_j1, still reaches the
    brute-force optimum (t > 0, many ties)."""
    P, D, RK, t, members, C, T, pm, cand = _root(case)
    n = len(P)
    kk, lead, tard, _, leads = smtt_memo.edd_pass(P, D, RK, members, 0, n, t, C)
    assert leads == (_kept_first_positions(list(P), list(D), list(RK), t) == [0])
    if not leads or kk == 0:
        return
    count = smtt_memo.kept_positions(P, D, RK, members, 0, n, kk, lead, tard, C, T, pm, cand)
    Pl, Dl = list(P), list(D)
    t1 = t + Pl[0]
    best = min(max(0, t1 - Dl[0]) + brute(Pl, Dl, [i for i in range(1, r + 1) if i != kk], t1)
               + max(0, C[r] - Dl[kk]) + brute(Pl, Dl, range(r + 1, n), int(C[r])) for r in cand[:count])
    assert best == brute(Pl, Dl, range(n), t)


def _edd_tardiness(p, d, jobs, t):
    clock, total = t, 0
    for j in jobs:
        clock += p[j]
        total += max(0, clock - d[j])
    return total


@settings(max_examples=150, deadline=None)
@given(case=tie_heavy(max_jobs=8))
def test_children_edd_tardiness_from_the_parent(case):
    """The search ends a child at once when its EDD order has no tardy job, reading the child's EDD
    tardiness off the parent's arrays: L_r's is T(r) − T_k(C(r)) − st[r+1], B_r's is st[r+1]."""
    p, d, t = case
    n = len(p)
    P, D, RK = _edd_layout(p, d, t)
    members = np.arange(n, dtype=np.int64)
    C, T, cand, pm, sm, tail = (np.zeros(n, dtype=np.int64) for _ in range(6))
    kk, lead, tard, _, _ = smtt_memo.edd_pass(P, D, RK, members, 0, n, t, C)
    assert tard == _edd_tardiness(P, D, range(n), t)
    assert lead == max([int(RK[i]) for i in range(kk)], default=-1)
    smtt_memo.kept_positions(P, D, RK, members, 0, n, kk, lead, tard, C, T, pm, cand, 0)  # every r ≥ kk
    smtt_memo.suffix_maxima(RK, D, members, 0, n, kk, C, sm, tail)
    for r in range(kk, n):
        before = [i for i in range(r + 1) if i != kk]
        after = list(range(r + 1, n))
        st_next = int(tail[r + 1]) if r + 1 < n else 0
        assert st_next == _edd_tardiness(P, D, after, int(C[r]))
        assert T[r] - max(0, C[r] - D[kk]) - st_next == _edd_tardiness(P, D, before, t)
        assert pm[r] == max([int(RK[i]) for i in before], default=-1)
        if after:
            assert sm[r + 1] == max(int(RK[i]) for i in after)


@settings(max_examples=100, deadline=None)
@given(case=tie_heavy(max_jobs=7))
def test_closed_forms(case):
    """All tardy in every order → SPT is optimal; no tardy job in EDD → 0."""
    p, d, t = case
    n = len(p)
    if all(t + p[j] >= d[j] for j in range(n)):
        spt = sorted(range(n), key=lambda j: (p[j], d[j], j))
        clock, total = t, 0
        for j in spt:
            clock += p[j]
            total += max(0, clock - d[j])
        assert total == brute(p, d, range(n), t)
    P, D, RK = _edd_layout(p, d, t)
    scratch = np.zeros(n, dtype=np.int64)
    value = smtt_memo.spt_value(P, D, RK, np.arange(n, dtype=np.int64), 0, n, t, scratch)
    assert value >= brute(list(P), list(D), range(n), t)


@settings(max_examples=5, deadline=None)
@given(smtt_instances(max_jobs=14, weighted=False))
def test_exact_matches_time_indexed_mip(instance):
    mip = solve(instance, "smtt/mip-time-indexed", SolveOptions(time_limit=60))
    assert mip.status == "optimal"
    assert solve(instance, "smtt/exact").objective == mip.objective


@pytest.mark.parametrize("seed", range(3))
def test_exact_matches_positional_mip_at_20_jobs(seed):
    instance = generate_smtt(20, 0.6, 0.4, np.random.default_rng(seed))
    mip = solve(instance, "smtt/mip-positional", SolveOptions(time_limit=60), warm_start="smtt/mddc")
    assert mip.status == "optimal"
    assert solve(instance, "smtt/exact").objective == mip.objective


def test_time_limit_returns_incumbent_with_bound():
    instance = generate_smtt(300, 0.6, 0.2, np.random.default_rng(1))
    result = solve(instance, "smtt/exact", SolveOptions(time_limit=0.0, params={"chunk": 50}))
    assert result.status == "feasible" and result.termination == "time_limit"
    assert result.bound is not None and result.bound <= result.objective


def test_memo_solver_resumes_after_a_budget():
    instance = generate_smtt(120, 0.6, 0.2, np.random.default_rng(2))
    whole = MemoSolver(instance).run()
    pieces = MemoSolver(instance)
    assert pieces.run(time_limit=None, chunk=25) == whole


def test_cli_proves_a_500_job_instance(tmp_path):
    runner = CliRunner()
    made = runner.invoke(main, ["generate", "smtt", "--n", "500", "--tf", "0.6", "--rdd", "0.6", "--seed", "3",
                                "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    (path,) = tmp_path.glob("*.csv")
    out = tmp_path / "result.json"
    solved = runner.invoke(main, ["solve", str(path), "--method", "smtt/exact", "--output", str(out)])
    assert solved.exit_code == 0, solved.output
    assert "status: optimal" in solved.output
    checked = runner.invoke(main, ["validate", str(path), str(out)])
    assert checked.exit_code == 0, checked.output


def test_weighted_large_goes_to_ssdp():
    """Weighted instances past the subset DP are proven by SSDP under the name smtt/exact."""
    from schedkit.instances import load
    from schedkit.instances.values import best_known, instances_root

    instance = load(instances_root() / "smtt" / "wt40.txt", index=3)
    result = solve(instance, "smtt/exact")
    assert result.method == "smtt/exact" and result.status == "optimal"
    assert result.objective == best_known("smtt", instance.name).upper
