"""Conformance of every registered SMTT method: the 6-job example's optimum, validation, status,
warm starts honoured, time limits honoured."""

import time

import numpy as np
import pytest

from schedkit.instances.generate_smtt import generate_smtt
from schedkit.instances.smtt import SMTTInstance
from schedkit.registry import SolveOptions, methods, solve

EXAMPLE = SMTTInstance("paper_example", (10, 11, 10, 10, 11, 10), (15, 11, 13, 11, 12, 11))
WEIGHTED = SMTTInstance("weighted", (3, 5, 2, 4, 6), (4, 6, 3, 12, 10), (1, 2, 3, 1, 2))
SMTT_METHODS = [m.name for m in methods("smtt")]


def test_the_methods_are_registered():
    for name in ("smtt/exact", "smtt/mddc", "smtt/eddc", "smtt/aug-mddc", "smtt/ils", "smtt/cpsat",
                 "smtt/mip-positional", "smtt/mip-disjunctive", "smtt/mip-time-indexed"):
        assert name in SMTT_METHODS


@pytest.mark.parametrize("method", SMTT_METHODS)
@pytest.mark.parametrize(("instance", "optimum"), [(EXAMPLE, 141), (WEIGHTED, 28)])  # 28: enumeration of the 120 orders
def test_conformance(method, instance, optimum):
    kind = next(m.kind for m in methods("smtt") if m.name == method)
    limit = 20 if kind in ("exact", "model") else 0.2
    result = solve(instance, method, SolveOptions(time_limit=limit, threads=1))  # validated inside
    assert result.method == method
    assert result.objective >= optimum
    if kind in ("exact", "model"):
        assert result.status == "optimal" and result.objective == optimum == result.bound
    else:
        assert result.status == "feasible"


def test_cpsat_honours_a_fixed_hint():
    hint = solve(EXAMPLE, "smtt/edd")
    result = solve(EXAMPLE, "smtt/cpsat", SolveOptions(time_limit=10, params={"fix_hints": True}), warm_start="smtt/edd")
    assert result.objective == hint.objective == 146


@pytest.mark.parametrize("method", ["smtt/mip-positional", "smtt/mip-disjunctive", "smtt/mip-time-indexed",
                                    "smtt/cpsat"])
def test_warm_start_is_never_lost(method):
    instance = generate_smtt(12, 0.6, 0.2, np.random.default_rng(4))
    hint = solve(instance, "smtt/mddc")
    result = solve(instance, method, SolveOptions(time_limit=2, threads=1), warm_start="smtt/mddc")
    assert result.objective is not None and result.objective <= hint.objective


def test_time_limits_are_honoured():
    instance = generate_smtt(60, 0.6, 0.2, np.random.default_rng(5))
    for method in ("smtt/ils", "smtt/mip-disjunctive", "smtt/cpsat"):
        started = time.perf_counter()
        result = solve(instance, method, SolveOptions(time_limit=1.0, threads=1))
        assert time.perf_counter() - started < 15, method
        assert result.status in ("feasible", "optimal")
