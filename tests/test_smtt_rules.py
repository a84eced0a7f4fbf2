"""SMTT constructive rules: the paper's 6-job example, plain reference implementations written
straight from the definitions (papers/smtt.md section 1), and feasibility against brute force."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings

from schedkit.heuristics import smtt_rules
from schedkit.heuristics.smtt_rules import RULES, rule_sequence, total_tardiness
from schedkit.instances.generate_smtt import generate_smtt
from schedkit.instances.smtt import SMTTInstance
from schedkit.registry import SolveOptions, solve
from tests.strategies import smtt_instances

EXAMPLE = SMTTInstance("paper_example", (10, 11, 10, 10, 11, 10), (15, 11, 13, 11, 12, 11))


def brute_force(instance) -> int:
    return min(total_tardiness(instance, s) for s in itertools.permutations(range(instance.n)))


@pytest.mark.parametrize(("rule", "sequence", "value"), [
    ("edd", [1, 3, 5, 4, 2, 0], 146),
    ("mdd", [1, 0, 2, 3, 5, 4], 144),
    ("eddc", [3, 5, 2, 0, 1, 4], 141),
    ("mddc", [3, 5, 2, 0, 1, 4], 141),
    # worked by hand: EDD list 1,3,5,4,2,0; job 2 overtakes the pivot 4 (31 + 11 > 13) and job 0
    # overtakes it again (41 + 11 > 15), no scheduled job has to return
    ("wilkerson-irwin", [1, 3, 5, 2, 0, 4], 144),
    # worked by hand: (d − t − p)/p is 0 for job 1 at t = 0; at t = 11 jobs 3 and 5 tie at −1.0
    # (job number decides), then 5 (−2.0), 2 (−2.8), 4 (−3.64 < −3.6)
    ("panneerselvam", [1, 3, 5, 2, 4, 0], 145),
])
def test_paper_example(rule, sequence, value):
    assert rule_sequence(EXAMPLE, rule) == sequence
    assert total_tardiness(EXAMPLE, sequence) == value
    assert brute_force(EXAMPLE) == 141


def test_wilkerson_irwin_returns_scheduled_jobs():
    """Worked by hand: EDD list 0, 1, 2. Job 0 is scheduled (p 5 ≤ 6), job 1 is the pivot; job 2
    overtakes it (5 + 6 > 4) and job 0 too (0 + 5 > 4), so job 0 returns to the list: 2, 0, 1."""
    instance = SMTTInstance("wi_backtrack", (5, 6, 2), (3, 4, 4))
    assert rule_sequence(instance, "wilkerson-irwin") == [2, 0, 1]
    assert total_tardiness(instance, [2, 0, 1]) == 13 == brute_force(instance)


def reference_mdd(instance):
    left, t, out = list(range(instance.n)), 0, []
    while left:
        job = min(left, key=lambda j: (max(instance.d[j], t + instance.p[j]), j))
        left.remove(job)
        out.append(job)
        t += instance.p[job]
    return out


def reference_mddc_pick(instance, left, t):
    """Algorithm 2, one step, written with Python floats over the list U in its order."""
    p_max = max(instance.p[u] for u in left)
    p_mean = sum(instance.p[u] for u in left) / len(left)
    best, best_mu = None, None
    for u in left:
        mu = max(1.1 * instance.p[u] + t, instance.d[u])
        rho = min(1, instance.p[u] / (t + p_max))
        mu = mu * (1 + rho**2 / (1 + rho**2))
        mu = mu + instance.p[u] / (t + p_mean)
        if best_mu is None or mu < best_mu:
            best, best_mu = u, mu
    return best


def reference_mddc(instance, augmented=False, pick=None):
    left = sorted(range(instance.n), key=lambda j: (instance.d[j], instance.p[j], j))
    pick = pick or reference_mddc_pick
    t, out = 0, []
    while left:
        job = pick(instance, left, t)
        left.remove(job)
        out.append(job)
        t += instance.p[job]
        if augmented and len(out) > 1:
            base = total_tardiness(instance, out)
            moves = [(total_tardiness(instance, out[:i] + out[i + 1:] + [out[i]]), i) for i in range(len(out) - 1)]
            value, i = min(moves)  # first best on ties
            if value < base:
                out = out[:i] + out[i + 1:] + [out[i]]
    return out


def reference_eddc(instance):
    s = sorted(range(instance.n), key=lambda j: (instance.p[j], instance.d[j], j))
    d, p = instance.d, instance.p
    for i in range(1, len(s)):
        k = i
        while k > 0 and d[s[k]] < d[s[k - 1]]:
            if d[s[k - 1]] > sum(p[j] for j in s[:k]):
                s[k], s[k - 1] = s[k - 1], s[k]
            k -= 1
    return s


def reference_aug_mdd(instance):
    def pick(inst, left, t):
        return min(left, key=lambda j: (max(inst.d[j], t + inst.p[j]), j))

    # MDD breaks ties by job number, so its list order must not matter: sort U by job number
    left_order = sorted(range(instance.n))
    out, t = [], 0
    while left_order:
        job = pick(instance, left_order, t)
        left_order.remove(job)
        out.append(job)
        t += instance.p[job]
        if len(out) > 1:
            base = total_tardiness(instance, out)
            value, i = min((total_tardiness(instance, out[:i] + out[i + 1:] + [out[i]]), i) for i in range(len(out) - 1))
            if value < base:
                out = out[:i] + out[i + 1:] + [out[i]]
    return out


def cubic_best_move_to_end(sequence, p, d, w, t):
    """The former O(m²)-per-step evaluation of Bean & Hall's move (O(n³) in all), kept as the reference
    for the Fenwick-tree version: every move is evaluated by walking the jobs after it."""
    completion = np.cumsum(p[sequence])
    best_position, best_delta = -1, 0
    for i in range(len(sequence) - 1):
        job = sequence[i]
        delta = w[job] * (max(0, t - d[job]) - max(0, completion[i] - d[job]))
        for k in range(i + 1, len(sequence)):
            late = completion[k] - d[sequence[k]]
            if late > 0:
                delta -= w[sequence[k]] * min(late, p[job])
        if best_position < 0 or delta < best_delta:
            best_position, best_delta = i, delta
    return best_position, best_delta


def cubic_augmented(instance, pick):
    p, d, w = (np.asarray(x, dtype=np.int64) for x in (instance.p, instance.d, instance.weights))
    sequence, t, alive = [], 0, np.ones(instance.n, dtype=bool)
    for _ in range(instance.n):
        job = pick(t, alive)
        alive[job] = False
        sequence.append(job)
        t += int(p[job])
        if len(sequence) > 1:
            position, delta = cubic_best_move_to_end(np.asarray(sequence), p, d, w, t)
            if delta < 0:
                sequence.append(sequence.pop(position))
    return sequence


@pytest.mark.parametrize("weighted", [False, True])
def test_fast_augmentation_matches_the_cubic_reference(weighted):
    rng = np.random.default_rng(7)
    for index in range(60):
        n = int(rng.integers(2, 90))
        instance = generate_smtt(n, float(rng.choice([0.2, 0.4, 0.6, 0.8])), float(rng.choice([0.2, 0.6, 1.0])), rng,
                                 weighted=weighted)
        if index % 3 == 0:  # tie-heavy: few distinct processing times and due dates
            instance = SMTTInstance("ties", tuple(int(x) for x in rng.integers(1, 4, n)),
                                    tuple(int(x) for x in rng.integers(0, 3 * n, n)), instance.w)
        assert smtt_rules.aug_mdd_sequence(instance) == cubic_augmented(instance, smtt_rules._mdd_pick(instance))
        assert smtt_rules.aug_mddc_sequence(instance) == cubic_augmented(instance, smtt_rules._mddc_pick(instance))


def test_fast_move_evaluation_matches_the_cubic_reference():
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(2, 40))
        p, d, w = rng.integers(1, 12, n), rng.integers(0, 8 * n, n), rng.integers(0, 5, n)
        sequence = rng.permutation(n).astype(np.int64)
        levels = np.unique(p)
        fast = smtt_rules._best_move_to_end(sequence, p, d, w, int(p.sum()), levels, np.searchsorted(levels, p))
        assert fast == cubic_best_move_to_end(sequence, p, d, w, int(p.sum()))


@settings(max_examples=150, deadline=None)
@given(smtt_instances(max_jobs=12, weighted=False))
def test_rules_match_plain_references(instance):
    assert smtt_rules.mdd_sequence(instance) == reference_mdd(instance)
    assert smtt_rules.mddc_sequence(instance) == reference_mddc(instance)
    assert smtt_rules.aug_mddc_sequence(instance) == reference_mddc(instance, augmented=True)
    assert smtt_rules.aug_mdd_sequence(instance) == reference_aug_mdd(instance)
    assert smtt_rules.eddc_sequence(instance) == reference_eddc(instance)


@settings(max_examples=40, deadline=None)
@given(smtt_instances(max_jobs=7))
def test_every_rule_is_valid_and_never_below_the_optimum(instance):
    optimum = brute_force(instance)
    for rule in RULES:
        result = solve(instance, f"smtt/{rule}", SolveOptions())  # solve() validates the schedule
        assert result.status == "feasible"
        assert result.objective >= optimum
        assert sorted(r["job"] for r in result.schedule) == list(range(instance.n))


def test_atc_lookahead_parameter_changes_nothing_on_validity():
    for k in (0.5, 1.0, 4.0):
        result = solve(EXAMPLE, "smtt/atc", SolveOptions(params={"k": k}))
        assert result.objective >= 141


def test_rules_scale_to_500_jobs():
    import time

    instance = generate_smtt(500, 0.6, 0.4, np.random.default_rng(0))
    for rule in RULES:
        rule_sequence(instance, rule)  # compile/warm
        started = time.perf_counter()
        sequence = rule_sequence(instance, rule)
        assert sorted(sequence) == list(range(500))
        assert time.perf_counter() - started < 5.0, rule
