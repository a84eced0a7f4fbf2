"""COSMA order-search kernels against their plain Python reference (``Replay.traffic``) on small
random graphs, and the annealing batches: every order they keep is a topological permutation whose
kernel traffic is the reference traffic, and the best is never worse than the start."""

import random

import numpy as np
import pytest

from schedkit.heuristics.cosma_order_kernels import anneal_batch, order_arrays, replay_order, seed_kernels
from schedkit.heuristics.cosma_order_search import Replay, chains
from schedkit.instances.generate_cosma import generate_cosma


def random_topological_order(instance, rng: random.Random) -> list[int]:
    dag = instance.graph()
    waiting = {v: dag.in_degree(v) for v in dag}
    ready = [v for v, d in waiting.items() if d == 0]
    order = []
    while ready:
        v = ready.pop(rng.randrange(len(ready)))
        order.append(v)
        for w in dag.successors(v):
            waiting[w] -= 1
            if waiting[w] == 0:
                ready.append(w)
    return order


CASES = [("ws", 10, 0, {"stages": 2}), ("er", 12, 1, {"stages": 2, "p": 0.3}), ("ba", 12, 2, {"m": 2, "ops_per_node": 2}),
         ("cell", 2, 3, {})]


@pytest.mark.parametrize(("kind", "size", "seed", "options"), CASES)
@pytest.mark.parametrize("weights", [False, True])
def test_kernel_replay_equals_reference(kind, size, seed, options, weights):
    instance = generate_cosma(kind, size, seed, **options)
    rng = random.Random(seed)
    m_r = instance.m_r(weights)
    for capacity in (m_r, (m_r + instance.peak(None, weights)) // 2, instance.peak(None, weights)):
        replay = Replay(instance, capacity, weights)
        arrays = order_arrays(replay, chains(replay))
        values = []
        for _ in range(20):
            order = random_topological_order(instance, rng)
            values.append(replay.traffic(order))
            assert replay_order(arrays, order) == values[-1]
        if capacity == m_r:
            assert max(values) > 0  # the comparison covers evictions


@pytest.mark.parametrize(("kind", "size", "seed", "options"), CASES[:3])
def test_anneal_keeps_topological_orders(kind, size, seed, options):
    instance = generate_cosma(kind, size, seed, **options)
    capacity = instance.m_r()
    replay = Replay(instance, capacity, False)
    arrays = order_arrays(replay, chains(replay))
    edges = list(instance.graph().edges)
    seed_kernels(seed)
    start = random_topological_order(instance, random.Random(seed))
    current, best = np.array(start), np.array(start)
    current_value = best_value = replay_order(arrays, start)
    for temperature in (2048.0, 512.0, 0.0):
        current_value, best_value, _ = anneal_batch(arrays, current, current_value, best, best_value, 200, temperature,
                                                    0.5, 0, 10**9)
        for order, value in ((current, current_value), (best, best_value)):
            position = {int(v): s for s, v in enumerate(order)}
            assert sorted(position) == list(range(instance.num_operators))
            assert all(position[u] < position[v] for u, v in edges)
            assert replay.traffic([int(v) for v in order]) == value
    assert best_value <= replay.traffic(start)


@pytest.mark.parametrize(("kind", "size", "seed", "options"), CASES)
def test_replay_plan_fits_the_byte_stage_at_the_replayed_traffic(kind, size, seed, options):
    """The keep bits of ``Replay.keep_plan``: the byte-count stage's capacity holds at every step and
    the episode cost of the broken gaps is the replayed traffic, so the plan is a complete warm start."""
    from schedkit.models.cosma_episodes import episode_data

    instance = generate_cosma(kind, size, seed, **options)
    rng = random.Random(seed)
    capacity = instance.m_r()
    replay = Replay(instance, capacity, False)
    for _ in range(20):
        data = episode_data(instance, random_topological_order(instance, rng), False)
        plan = replay.keep_plan(data)
        load = data.mandatory_bytes()
        for (k, j), kept in plan.items():
            ev = data.tensors[k]
            for s in range(ev.steps[j] + 1, ev.steps[j + 1]):
                load[s] += ev.size * kept
        assert max(load) <= capacity
        cost = sum(data.cost(k, sum(not plan[k, j] for j in range(len(ev.steps) - 1))) for k, ev in enumerate(data.tensors))
        assert cost == replay.traffic(list(data.order))
