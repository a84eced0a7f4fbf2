"""SMTT constructive rules: the paper's 6-job example, plain reference implementations written
straight from the definitions (papers/smtt.md section 1), and feasibility against brute force."""

import itertools

import pytest
from hypothesis import given, settings

from schedkit.heuristics import smtt_rules
from schedkit.heuristics.smtt_rules import RULES, rule_sequence, total_tardiness
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
])
def test_paper_example(rule, sequence, value):
    assert rule_sequence(EXAMPLE, rule) == sequence
    assert total_tardiness(EXAMPLE, sequence) == value
    assert brute_force(EXAMPLE) == 141


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

    import numpy as np

    from schedkit.instances.generate_smtt import generate_smtt

    instance = generate_smtt(500, 0.6, 0.4, np.random.default_rng(0))
    for rule in ("mdd", "mddc", "eddc", "atc", "aug-mddc"):
        rule_sequence(instance, rule)  # compile/warm
        started = time.perf_counter()
        sequence = rule_sequence(instance, rule)
        assert sorted(sequence) == list(range(500))
        assert time.perf_counter() - started < 5.0, rule
