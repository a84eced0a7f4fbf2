"""SMTT improvement methods: local optimality of each neighbourhood, the OR-Library values reached
by iterated dynasearch on a sample of wt40, and the generator."""

import itertools
import time

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from schedkit.cli import main
from schedkit.heuristics import smtt_local
from schedkit.heuristics.smtt_rules import total_tardiness
from schedkit.instances import load
from schedkit.instances.smtt import read_smtt_csv
from schedkit.instances.values import best_known
from schedkit.registry import SolveOptions, solve
from tests.conftest import INSTANCES
from tests.strategies import smtt_instances


def arrays(instance):
    return (np.asarray(instance.p, dtype=np.int64), np.asarray(instance.d, dtype=np.int64),
            np.asarray(instance.weights, dtype=np.int64))


def moves(sequence):
    """Every insertion and every swap of two positions."""
    n = len(sequence)
    for i, j in itertools.permutations(range(n), 2):
        moved = sequence[:i] + sequence[i + 1:]
        moved.insert(j, sequence[i])
        yield "insert", moved
    for i, j in itertools.combinations(range(n), 2):
        swapped = list(sequence)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        yield "swap", swapped


@settings(max_examples=80, deadline=None)
@given(smtt_instances(max_jobs=9))
def test_descend_is_a_local_optimum_for_swaps_and_insertions(instance):
    p, d, w = arrays(instance)
    start = np.arange(instance.n, dtype=np.int64)[::-1].copy()
    result = [int(j) for j in smtt_local.descend(start, p, d, w)]
    assert sorted(result) == list(range(instance.n))
    value = total_tardiness(instance, result)
    assert all(total_tardiness(instance, other) >= value for _, other in moves(result))


@settings(max_examples=80, deadline=None)
@given(smtt_instances(max_jobs=9))
def test_interchange_and_insertion_local_optima(instance):
    p, d, w = arrays(instance)
    start = np.arange(instance.n, dtype=np.int64)
    adjacent = [int(j) for j in smtt_local.adjacent_interchange(start.copy(), p, d, w)]
    value = total_tardiness(instance, adjacent)
    for i in range(instance.n - 1):
        other = list(adjacent)
        other[i], other[i + 1] = other[i + 1], other[i]
        assert total_tardiness(instance, other) >= value
    inserted = [int(j) for j in smtt_local.insertion(start.copy(), p, d, w)]
    value = total_tardiness(instance, inserted)
    assert all(total_tardiness(instance, o) >= value for kind, o in moves(inserted) if kind == "insert")


@settings(max_examples=30, deadline=None)
@given(smtt_instances(max_jobs=7))
def test_local_methods_are_valid_and_never_below_the_optimum(instance):
    optimum = min(total_tardiness(instance, s) for s in itertools.permutations(range(instance.n)))
    for method in ("smtt/interchange", "smtt/insertion", "smtt/dynasearch", "smtt/ils"):
        result = solve(instance, method, SolveOptions(time_limit=0.05, params={"iterations": 20}))
        assert result.objective >= optimum


@pytest.mark.parametrize("index", [1, 19, 38, 64, 125])
def test_iterated_dynasearch_reaches_orlib_wt40(index):
    instance = load(INSTANCES / "smtt" / "wt40.txt", index=index)
    known = best_known("smtt", instance.name).upper
    start = smtt_local.start_sequence(instance, SolveOptions())
    _, value, _ = smtt_local.iterated_dynasearch(instance, start, time_limit=10.0, seed=index, target=known)
    assert value == known


def test_ils_respects_its_time_limit_at_n300():
    # from SPT order the first descent at n = 300 takes seconds; the clock is read between passes
    from schedkit.instances.generate_smtt import generate_smtt

    instance = generate_smtt(300, 0.6, 0.2, np.random.default_rng(3), name="ils_limit")
    p, d, w = arrays(instance)
    spt = np.argsort(p, kind="stable").astype(np.int64)
    smtt_local.insertion_moves(np.arange(20, dtype=np.int64), p[:20], d[:20], w[:20], 2)  # compile outside the timing
    smtt_local.dynasearch_pass(np.arange(20, dtype=np.int64), p[:20], d[:20], w[:20])
    started = time.perf_counter()
    sequence, value, _ = smtt_local.iterated_dynasearch(instance, spt.copy(), time_limit=0.2)
    assert time.perf_counter() - started < 2.0
    assert sorted(sequence.tolist()) == list(range(300)) and value == total_tardiness(instance, sequence.tolist())
    assert value < total_tardiness(instance, spt.tolist())


def test_warm_start_is_the_starting_point():
    instance = load(INSTANCES / "smtt" / "wt40.txt", index=2)
    hint = solve(instance, "smtt/edd")
    result = solve(instance, "smtt/interchange", SolveOptions(), warm_start="smtt/edd")
    assert result.objective <= hint.objective


def test_generator_command(tmp_path):
    runner = CliRunner()
    args = ["generate", "smtt", "--n", "30", "--tf", "0.2", "--tf", "0.8", "--rdd", "0.4", "--count", "2",
            "--seed", "7", "--weighted", "--out", str(tmp_path / "a")]
    assert runner.invoke(main, args).exit_code == 0
    files = sorted((tmp_path / "a").glob("*.csv"))
    assert len(files) == 4
    for path in files:
        instance = read_smtt_csv(path.read_text(), path)
        total = sum(instance.p)
        tf = 0.2 if "tf0.2" in path.name else 0.8
        assert instance.n == 30 and all(1 <= x <= 100 for x in instance.p) and all(1 <= x <= 10 for x in instance.w)
        assert all(max(0, int(total * (1 - tf - 0.2)) - 1) <= x <= total * (1 - tf + 0.2) for x in instance.d)
    again = ["generate", "smtt", "--n", "30", "--tf", "0.2", "--tf", "0.8", "--rdd", "0.4", "--count", "2",
             "--seed", "7", "--weighted", "--out", str(tmp_path / "b")]
    assert runner.invoke(main, again).exit_code == 0
    assert [f.read_text() for f in files] == [f.read_text() for f in sorted((tmp_path / "b").glob("*.csv"))]
    normal = runner.invoke(main, ["generate", "smtt", "--n", "200", "--tf", "0.4", "--rdd", "0.2", "--normal",
                                  "--out", str(tmp_path / "c")])
    assert normal.exit_code == 0
    (path,) = (tmp_path / "c").glob("*.csv")
    instance = read_smtt_csv(path.read_text(), path)
    assert min(instance.p) >= 1 and 50 <= sum(instance.p) / instance.n <= 70 and not instance.weighted


@pytest.mark.parametrize(("text", "line", "words"), [
    ("p,d\n3,4\n-2,5\n", 3, "p >= 1"),
    ("p,d\n3,4\n2.5,5\n", 3, "integer"),
    ("p\n3\n", 1, "missing column"),
    ("", 1, "empty"),
])
def test_bad_csv(tmp_path, text, line, words):
    from schedkit.errors import InstanceError

    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InstanceError) as error:
        load(path)
    message = str(error.value)
    assert "bad.csv" in message and f"{line}" in message and words in message
