"""COSMA: the replay validator on a hand-worked example (and broken copies of it), the methods
against each other on random small graphs, budgets below M_R, and the command line."""

import copy
import itertools
import json
import random
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schedkit
from schedkit import SolveOptions
from schedkit.cli import main
from schedkit.errors import SchedkitError
from schedkit.heuristics.cosma_order_search import Replay, chains, compile_kernels, search_order
from schedkit.instances.cosma import CosmaInstance
from schedkit.instances.generate_cosma import generate_cosma
from schedkit.registry import check_result
from schedkit.result import Result
from schedkit.solvers import cosma_dc, cosma_fs
from schedkit.solvers.cosma_bound import crossing_bound
from schedkit.solvers.cosma_common import prepare

GRAPHS = Path(__file__).resolve().parents[1] / "instances" / "cosma" / "graphs"

# x → v0 → a; a → v1 → b; b → v2 → c; (a, c) → v3 → d.  Sizes 4, except d = 2 and a weight w (1) of v1.
# M_R = 10 (v3). Live bytes at step 2 are a + b + c = 12, so at capacity 10 the gap of a from
# step 1 to 3 must break: one spill and one reload of a, traffic 8. At capacity 12 traffic is 0.
EXAMPLE = CosmaInstance(
    name="example", sizes=(4, 4, 4, 4, 2, 1), kinds=("input", "activation", "activation", "activation", "output", "weight"),
    inputs=((0,), (1, 5), (2,), (1, 3)), outputs=((1,), (2,), (3,), (4,)),
)
ROWS = [  # tensor, start, end, address
    {"tensor": 0, "start": 0, "end": 0, "address": 4},
    {"tensor": 1, "start": 0, "end": 1, "address": 0},
    {"tensor": 2, "start": 1, "end": 2, "address": 4},
    {"tensor": 3, "start": 2, "end": 3, "address": 0},
    {"tensor": 1, "start": 3, "end": 3, "address": 4},
    {"tensor": 4, "start": 3, "end": 3, "address": 8},
]
EXTRA = {"capacity": 10, "weights": False, "order": [0, 1, 2, 3]}


def _result(rows=ROWS, extra=EXTRA, objective=8):
    return Result("cosma", "example", "test", "feasible", objective=objective, schedule=copy.deepcopy(rows),
                  extra=copy.deepcopy(extra))


def test_hand_worked_example():
    assert (EXAMPLE.m_r(), EXAMPLE.peak()) == (10, 12)
    report = schedkit.validate(EXAMPLE, _result())
    assert report.ok, report.violations
    assert report.objective == 8
    check_result(EXAMPLE, _result())
    for method in ("cosma/fs", "cosma/fs-box", "cosma/fs-mip", "cosma/greedy"):
        assert schedkit.solve(EXAMPLE, method, SolveOptions(params={"budget": 10})).objective == 8
        assert schedkit.solve(EXAMPLE, method, SolveOptions(params={"budget": 12})).objective == 0


def _broken(change):
    rows, extra = copy.deepcopy(ROWS), copy.deepcopy(EXTRA)
    change(rows, extra)
    return _result(rows, extra)


@pytest.mark.parametrize(("change", "code"), [
    (lambda r, e: r[4].update(address=0), "address_overlap"),
    (lambda r, e: r[5].update(address=9), "capacity"),
    (lambda r, e: r.pop(2), "not_resident"),
    (lambda r, e: r[1].update(start=1), "production"),
    (lambda r, e: r[4].update(start=1), "episode_overlap"),
    (lambda r, e: e.update(order=[1, 0, 2, 3]), "precedence"),
    (lambda r, e: e.update(order=[0, 1, 2]), "order"),
    (lambda r, e: r.append({"tensor": 5, "start": 1, "end": 1, "address": 9}), "untracked"),
    (lambda r, e: r[0].update(end=4), "steps"),
    (lambda r, e: r[0].update(address="4"), "format"),
])
def test_validator_catches_broken_results(change, code):
    report = schedkit.validate(EXAMPLE, _broken(change))
    assert code in report.codes(), report.violations
    with pytest.raises(SchedkitError):
        check_result(EXAMPLE, _broken(change))


def test_wrong_objective_is_caught():
    with pytest.raises(SchedkitError, match="objective 0"):
        check_result(EXAMPLE, _result(objective=0))


def test_crossing_bound_on_the_hand_worked_example():
    # a is live across v2 in every order (v0 before, v3 after it): 2 bytes over capacity 10 → spill a
    assert crossing_bound(EXAMPLE, 10, False) == 8
    assert crossing_bound(EXAMPLE, 12, False) == 0


# a DARTS-like fork: X (4 bytes, input of everything) read by two ReLU-like operators writing 4 bytes
# each, each followed by a conv writing 1 byte, joined by an add; nothing crosses a single operator in
# every order, but whichever ReLU runs first, X or its output cannot sit beside the next operator
FORK = CosmaInstance(
    name="fork", sizes=(4, 4, 4, 4, 1, 1, 1), kinds=("input", "activation", "activation", "activation", "activation",
                                                     "activation", "output"),
    inputs=((0,), (1,), (1,), (2,), (3,), (4, 5)), outputs=((1,), (2,), (3,), (4,), (5,), (6,)),
)


def test_fork_clauses_and_order_pairs_bound_every_order():
    import itertools

    import networkx as nx

    orders = list(nx.all_topological_sorts(FORK.graph()))
    best = min(schedkit.solve(FORK, "cosma/fs", SolveOptions(params={"budget": 8, "order": list(o)})).objective
               for o in orders)
    assert crossing_bound(FORK, 8, False, forks=False, pairs=False) == 0
    assert crossing_bound(FORK, 8, False) == best == 8  # one 4-byte tensor spilled and reloaded
    assert crossing_bound(FORK, 9, False) == 0  # X fits beside a conv then
    # random chains-and-joins with unequal sizes (forks fire on them): never above the best order
    rng = random.Random(1)
    improved = improved_by_pairs = 0
    for _ in range(40):
        sizes, inputs = [rng.randint(1, 6)], []
        for _ in range(7):
            recent = range(max(0, len(sizes) - 4), len(sizes))
            inputs.append(tuple(sorted(rng.sample(recent, min(len(recent), rng.choice((1, 1, 2)))))))
            sizes.append(rng.randint(1, 6))
        read = {t for ins in inputs for t in ins}
        kinds = ("input", *("activation" if t in read else "output" for t in range(1, len(sizes))))
        instance = CosmaInstance(name="random", sizes=tuple(sizes), kinds=kinds, inputs=tuple(inputs),
                                 outputs=tuple((t,) for t in range(1, len(sizes))))
        orders = list(itertools.islice(nx.all_topological_sorts(instance.graph()), 100))
        if len(orders) == 100:
            continue
        for capacity in range(instance.m_r(), instance.peak() + 1, 2):
            bound = crossing_bound(instance, capacity, False)
            if bound == 0:
                continue
            improved += crossing_bound(instance, capacity, False, forks=False, pairs=False) < bound
            improved_by_pairs += crossing_bound(instance, capacity, False, pairs=False) < bound
            assert bound <= min(schedkit.solve(instance, "cosma/fs", SolveOptions(params={"budget": capacity, "order": list(o)}))
                                .objective for o in orders)
    assert improved > 0 and improved_by_pairs > 0


# a cell-like step: v (reading P, writing Q) fills the capacity; X is read by r1 before v and by r2,
# unrelated to v, whose output O is read after v: X crosses v unless r2 runs first, and then O does
STEP = CosmaInstance(
    name="step", sizes=(4, 2, 6, 1, 1), kinds=("input", "activation", "activation", "activation", "output"),
    inputs=((0,), (1,), (0,), (2, 3)), outputs=((1,), (2,), (3,), (4,)),
)


def test_order_pairs_bound_the_step_no_crossing_set_or_fork_shows():
    import networkx as nx

    best = min(schedkit.solve(STEP, "cosma/fs", SolveOptions(params={"budget": 8, "order": list(o)})).objective
               for o in nx.all_topological_sorts(STEP.graph()))
    assert crossing_bound(STEP, 8, False, pairs=False) == 0
    assert crossing_bound(STEP, 8, False) == best == 2  # O spilled and reloaded (X, an input, would cost 4)


def test_order_pairs_prove_the_first_stage_cells():
    # six cells, reductions at cells 2 and 4: the concats of cells 0 and 1 fill M_R, and at each one
    # tensor of the next cell is off chip in any order (4,096 B; 2,048 B before the reduction cell),
    # 2 × (4,096 + 2,048); dc finds an order with that much
    instance = generate_cosma("cell", 6, 0)
    assert crossing_bound(instance, instance.m_r(), False, pairs=False) == 0
    assert crossing_bound(instance, instance.m_r(), False, threads=2) == 12_288
    joint = schedkit.solve(instance, "cosma/dc", SolveOptions(time_limit=20, threads=2, params={"budget": "M_R"}))
    assert joint.status == "optimal" and joint.objective == joint.bound == 12_288


def test_joint_scheduling_proves_bert_at_m_r_by_the_crossing_bound():
    """Every BERT layer's input feeds the residual add after the attention softmax, whose own
    tensors fill M_R: 12 spills and reloads of 393,216 bytes are forced in any order, and the
    minimum-peak order reaches that."""
    instance = schedkit.load(GRAPHS / "bert_l12_encoder.json")
    result = schedkit.solve(instance, "cosma/free", SolveOptions(time_limit=60, threads=2, params={"budget": "M_R"}))
    assert result.status == "optimal" and result.objective == result.bound == 12 * 2 * 393_216


def test_replay_and_order_search():
    """The byte-count replay on the hand-worked example (a spilled and reloaded: 8), zero at the
    peak; the search returns a topological order no worse than its start by the replay."""
    import networkx as nx

    assert Replay(EXAMPLE, 10, False).traffic([0, 1, 2, 3]) == 8
    assert Replay(EXAMPLE, 12, False).traffic([0, 1, 2, 3]) == 0
    instance = generate_cosma("er", 24, 3, stages=2, p=0.2)
    replay = Replay(instance, instance.m_r(), False)
    start = list(range(instance.num_operators))
    order, value = search_order(instance, start, instance.m_r(), False, deadline=time.perf_counter() + 1.0, replay=replay)
    assert sorted(order) == start and value == replay.traffic(order) <= replay.traffic(start)
    position = {v: s for s, v in enumerate(order)}
    assert all(position[u] < position[v] for u, v in instance.graph().edges)
    assert nx.is_directed_acyclic_graph(instance.graph())
    assert Replay(instance, instance.peak(), False).traffic(start) == 0
    # chain moves only: each chain is a path of exclusive links, and the order stays topological
    for v, chain in enumerate(chains(replay)):
        assert v in chain and all(replay.successors[a] == [b] and replay.predecessors[b] == [a]
                                  for a, b in itertools.pairwise(chain))
    order, value = search_order(instance, start, instance.m_r(), False, deadline=time.perf_counter() + 1.0, replay=replay,
                                block_share=1.0)
    position = {v: s for s, v in enumerate(order)}
    assert sorted(order) == start and value <= replay.traffic(start)
    assert all(position[u] < position[v] for u, v in instance.graph().edges)


def test_input_reload_costs_its_size_only():
    rows = [*ROWS, {"tensor": 0, "start": 2, "end": 2, "address": 8}]  # a pointless reload of input x
    report = schedkit.validate(EXAMPLE, _result(rows, {**EXTRA, "capacity": 12}))
    assert report.ok and report.objective == 8 + 4


def test_budget_below_m_r_is_infeasible_naming_the_operator():
    for method in ("cosma/fs", "cosma/greedy-given-belady"):
        result = schedkit.solve(EXAMPLE, method, SolveOptions(params={"budget": 9}))
        assert result.status == "infeasible" and result.objective is None
        assert "operator 3" in result.extra["reason"] and "10 B" in result.extra["reason"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["ws", "er", "ba"]), nodes=st.integers(5, 8), ops=st.integers(1, 2),
       seed=st.integers(0, 10_000), fraction=st.floats(0, 1), weights=st.booleans())
def test_episode_models_agree_on_random_graphs(kind, nodes, ops, seed, fraction, weights):
    """The two-stage CP-SAT model, the single box model and the MIP prove the same optimum; every
    baseline is feasible and no better."""
    instance = generate_cosma(kind, nodes, seed, ops_per_node=ops, k=2, m=2, p=0.5)
    m_r, peak = instance.m_r(weights), instance.peak(None, weights)
    capacity = m_r + int(fraction * (peak - m_r))
    options = SolveOptions(time_limit=30, threads=1, params={"budget": capacity, "weights": weights})
    values = {}
    for method in ("cosma/fs", "cosma/fs-box", "cosma/fs-mip"):
        result = schedkit.solve(instance, method, options)  # solve() validates the replay
        assert result.status == "optimal", (method, result.termination)
        values[method] = result.objective
    assert len(set(values.values())) == 1, values
    if capacity >= peak:
        assert values["cosma/fs"] == 0
    for method in ("cosma/greedy-given-belady", "cosma/greedy-given-bytes"):
        result = schedkit.solve(instance, method, options)
        assert result.objective >= values["cosma/fs"]


@pytest.mark.parametrize(("name", "weights", "budget", "optimum"), [
    ("resnet50", True, "M_R", 602112),
    ("bert_l12_encoder", False, "M_R", 10223616),
])
def test_fixed_schedule_optimum_on_shipped_graphs_two_models(name, weights, budget, optimum):
    """The two-stage model and the single box model agree on shipped graphs with traffic."""
    instance = schedkit.load(GRAPHS / f"{name}.json")
    options = SolveOptions(time_limit=60, threads=2, params={"budget": budget, "weights": weights})
    for method in ("cosma/fs", "cosma/fs-box"):
        result = schedkit.solve(instance, method, options)
        assert (result.status, result.objective) == ("optimal", optimum), method


def test_min_peak_order_reaches_zero_traffic_at_its_peak():
    instance = generate_cosma("ws", 16, 1, ops_per_node=2)
    result = schedkit.solve(instance, "cosma/peak", SolveOptions(time_limit=20, threads=1))
    assert result.objective == 0
    assert instance.m_r() <= result.extra["peak"] <= instance.peak()
    assert result.extra["capacity"] == result.extra["peak"]


def test_cli_solve_and_validate(tmp_path):
    runner = CliRunner()
    graph = GRAPHS / "densenet121.json"
    out = tmp_path / "r.json"
    solved = runner.invoke(main, ["solve", str(graph), "--problem", "cosma", "--budget", "M_R", "--weights",
                                  "--method", "cosma/fs", "--output", str(out)])
    assert solved.exit_code == 0, solved.output
    data = json.loads(out.read_text())
    assert data["capacity"] == 1606144 and data["weights"] is True and data["order"] == list(range(431))
    assert {"tensor", "start", "end", "address"} == set(data["schedule"][0])
    checked = runner.invoke(main, ["validate", str(graph), str(out)])
    assert checked.exit_code == 0, checked.output
    below = runner.invoke(main, ["solve", str(graph), "--budget", "1000", "--method", "cosma/fs"])
    assert below.exit_code == 0 and "infeasible" in below.output and "below M_R: operator" in below.output


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["ws", "er", "ba"]), nodes=st.integers(4, 6), ops=st.integers(1, 2),
       seed=st.integers(0, 10_000), fraction=st.floats(0, 0.7))
def test_time_indexed_ilp_matches_the_best_order_by_enumeration(kind, nodes, ops, seed, fraction):
    """The faithful ILP with a free schedule equals the episode-model optimum minimized over every
    topological order (enumerated); with the given order fixed it equals cosma/fs. The joint
    heuristics land between the two."""
    import itertools

    import networkx as nx

    instance = generate_cosma(kind, nodes, seed, ops_per_node=ops, stages=2, k=2, m=2, p=0.6)
    m_r, peak = instance.m_r(), instance.peak()
    capacity = m_r + int(fraction * (peak - m_r))
    options = SolveOptions(time_limit=60, threads=1, params={"budget": capacity})
    orders = list(itertools.islice(nx.all_topological_sorts(instance.graph()), 3000))
    best = min(schedkit.solve(instance, "cosma/fs", SolveOptions(params={"budget": capacity, "order": o})).objective
               for o in orders)
    free = schedkit.solve(instance, "cosma/ilp", options)
    assert free.status == "optimal"
    if len(orders) < 3000:
        assert free.objective == best
    fixed = schedkit.solve(instance, "cosma/ilp", SolveOptions(time_limit=60, threads=1,
                                                               params={"budget": capacity, "order": "given"}))
    assert fixed.objective == schedkit.solve(instance, "cosma/fs", options).objective
    assert crossing_bound(instance, capacity, False) <= free.objective
    for method in ("cosma/free", "cosma/dc"):
        joint = schedkit.solve(instance, method, SolveOptions(time_limit=10, threads=1, params={"budget": capacity}))
        assert joint.bound <= free.objective <= joint.objective <= fixed.objective


@pytest.mark.parametrize("name", ["resnet8_tiny", "mobilenet_v2", "resnet50", "bert_l12_encoder", "densenet121",
                                  "darts_v2_cifar10"])
def test_given_order_baselines_replay_and_never_beat_the_exact_model(name):
    instance = schedkit.load(GRAPHS / f"{name}.json")
    for weights in (False, True):
        options = SolveOptions(time_limit=30, threads=2, params={"budget": "M_R", "weights": weights})
        exact = schedkit.solve(instance, "cosma/fs", options)
        for method in ("cosma/greedy-given-belady", "cosma/greedy-given-bytes"):
            assert schedkit.solve(instance, method, options).objective >= exact.objective


def test_dc_honours_its_time_limit_and_never_loses_to_its_start():
    compile_kernels()  # a cold numba cache takes seconds: not this test's subject
    instance = generate_cosma("ws", 48, 2, stages=2)
    result = schedkit.solve(instance, "cosma/dc", SolveOptions(time_limit=4, threads=1, params={"budget": "M_R"}))
    assert result.runtime_s < 4 + 1.5
    assert result.objective <= min(result.extra["start_traffic"].values())


def test_dc_segment_budget_counts_the_model_build():
    # densenet121 at 40 s ran 43.3 s: a 106-operator segment model was built with 0.7 s left (3.7 s),
    # then CP-SAT's floor of 0.1 s overran by 0.6 s loading it
    instance = generate_cosma("ws", 48, 2, stages=2)
    capacity, order = instance.m_r(), list(range(instance.num_operators))
    assert cosma_dc.segment_model(instance, order, 0, 40, capacity, False) is not None
    now = time.perf_counter()
    assert cosma_dc.segment_model(instance, order, 0, 40, capacity, False, deadline=now) is None
    assert cosma_dc.segment_residency_model(instance, order, 0, 40, capacity, False, deadline=now) is None
    share = cosma_dc.SOLVE_OVERHEAD_SHARE
    assert cosma_dc.segment_solve_limit(100.0, 2.0, 4.0) == 4.0
    assert cosma_dc.segment_solve_limit(3.0, 2.0, 4.0) == pytest.approx(3.0 - share * 2.0)
    assert cosma_dc.segment_solve_limit(cosma_dc.MIN_SEGMENT_SECONDS + share * 1.0 - 0.01, 1.0, 4.0) is None


def test_dc_segment_pass_solves_only_with_time_left_after_the_build(monkeypatch):
    instance = generate_cosma("ws", 48, 2, stages=2)
    capacity, order = instance.m_r(), list(range(instance.num_operators))
    assert max(instance.live_bytes(order, False)) > capacity  # some segment is to be re-ordered
    limits = []

    def fake_cpsat(model, *, time_limit, **_):
        limits.append(time_limit)
        return SimpleNamespace(has_solution=False)

    monkeypatch.setattr(cosma_dc, "run_cpsat", fake_cpsat)
    best = SimpleNamespace(objective=1)

    def run_pass(seconds, kind="residency"):
        return cosma_dc._improve_pass(instance, order, best, capacity, False, 40, 0, kind,
                                      time.perf_counter() + seconds, 1, 0, 4.0, False)

    assert run_pass(100.0, "excess") == (order, best) and limits and set(limits) == {4.0}
    limits.clear()
    assert run_pass(cosma_dc.MIN_SEGMENT_SECONDS / 2) == (order, best) and limits == []  # no time to build
    real_build = cosma_dc.segment_residency_model

    def slow_build(*args, **kwargs):  # a build taking 0.6 s of the 1 s left: too little remains for CP-SAT's load
        built = real_build(*args, **kwargs)
        time.sleep(0.6)
        return built

    monkeypatch.setattr(cosma_dc, "segment_residency_model", slow_build)
    assert run_pass(1.0) == (order, best) and limits == []


def test_fixed_schedule_box_model_stage_runs_and_reaches_the_two_stage_optimum(monkeypatch):
    # with no two-stage rounds, solve_fixed goes straight to its last stage, the box model (a regression:
    # a parameter named like the model builder shadowed it, so this stage raised "bool is not callable")
    instance = schedkit.load(GRAPHS / "resnet8_tiny.json")
    options = SolveOptions(time_limit=30, threads=2, params={"budget": "M_R", "weights": True})
    expected = schedkit.solve(instance, "cosma/fs", options)
    capacity, weights, _ = prepare(instance, options, "cosma/fs")
    order = cosma_fs.chosen_order(instance, options, weights)
    monkeypatch.setattr(cosma_fs, "STAGE1_ROUNDS", 0)
    outcome = cosma_fs.solve_fixed(instance, order, capacity, weights, time_limit=30, threads=2, incumbent=[])
    assert expected.status == "optimal" and expected.objective > 0
    assert outcome.status == "optimal"
    assert outcome.objective == expected.objective
