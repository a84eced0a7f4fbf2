"""Local search over operator orders for COSMA, guided by a fast byte-count replay.

The replay (``Replay.traffic``; its numba twin ``cosma_order_kernels.replay``) runs an order at a
capacity counting bytes only (no addresses): the operator's inputs and outputs are made resident, a
tensor with no later event is dropped, and while the resident bytes exceed the capacity the tensor
used furthest in the future is evicted (Belady); a produced tensor pays its spill once, every return
pays a reload (the traffic rule of the result contract). It is a proxy for the exact fixed-order
traffic (``cosma.fs``), which is never below the byte-count optimum, but the kernel takes
microseconds, so millions of orders can be tried.

``search_order`` moves one operator at a time to another position between its last predecessor
and first successor (a topological order stays topological), or, in half of the moves, a whole
chain (a NAS node's ReLU → depthwise → pointwise; single moves reach its new place only through
worse orders) to a place between the chain's outside predecessors and successors. It keeps a move
when the replayed traffic does not grow, and accepts a worse one with a small probability that falls
as time passes (simulated annealing). It returns the best order seen, at the deadline or after
20,000·n orders tried in a row that found nothing better (small graphs are exhausted quickly). The
moves and the replay run in the numba kernels of ``cosma_order_kernels`` (~170,000 moves per second
on a 235-operator graph).
"""

from __future__ import annotations

import bisect
import time

import numpy as np

from schedkit.heuristics.cosma_order_kernels import anneal_batch, order_arrays, replay_order, seed_kernels

BATCH_MOVES = 100  # moves per kernel call between clock reads
STALE_TRIES = 20_000  # per operator: orders tried in a row without a new best that end the search (small graphs)


class Replay:
    """Per-instance data for the byte-count replay at one capacity."""

    def __init__(self, instance, capacity: int, weights: bool):
        tracked = instance.tracked(weights)
        self.capacity = capacity
        self.sizes = instance.sizes
        self.produced = [p is not None for p in instance.producer]
        self.needs = [instance.operator_tensors(v, weights) for v in range(instance.num_operators)]
        self.tensor_events = [[] for _ in range(instance.num_tensors)]  # operators with an event of the tensor
        for v in range(instance.num_operators):
            for t in self.needs[v]:
                self.tensor_events[t].append(v)
        self.tracked = tracked
        dag = instance.graph()
        self.predecessors = [list(dag.predecessors(v)) for v in range(instance.num_operators)]
        self.successors = [list(dag.successors(v)) for v in range(instance.num_operators)]

    def traffic(self, order) -> int:
        return self.run(order)[0]

    def run(self, order) -> tuple[int, dict[int, list[int]]]:
        """(traffic, returns): ``returns[t]`` lists the event steps at which tensor t comes back
        after an eviction (each a broken gap of the episode model, ``keep_plan``)."""
        position = [0] * len(order)
        for s, v in enumerate(order):
            position[v] = s
        steps = [sorted(position[v] for v in events) for events in self.tensor_events]
        sizes, capacity = self.sizes, self.capacity
        resident: dict[int, int] = {}  # tensor → next event step
        seen, spilled = set(), set()
        returns: dict[int, list[int]] = {}
        load = total = 0
        for s, v in enumerate(order):
            for t in [t for t, nxt in resident.items() if nxt < s]:
                load -= sizes[t]
                del resident[t]
            for t in self.needs[v]:
                events = steps[t]
                i = bisect.bisect_right(events, s)
                nxt = events[i] if i < len(events) else -1
                if t not in resident:
                    if t in seen:
                        total += sizes[t]
                        returns.setdefault(t, []).append(s)
                    seen.add(t)
                    load += sizes[t]
                resident[t] = nxt if nxt >= 0 else s  # dropped after this step when no later event
            if load > capacity:
                pinned = set(self.needs[v])
                victims = sorted((t for t in resident if t not in pinned), key=lambda t: -resident[t])
                for t in victims:
                    if load <= capacity:
                        break
                    if self.produced[t] and t not in spilled:
                        spilled.add(t)
                        total += sizes[t]
                    load -= sizes[t]
                    del resident[t]
        return total, returns

    def keep_plan(self, data) -> dict[tuple[int, int], bool]:
        """The replay's residency decisions for ``data`` (``episode_data`` of the same order) as the
        episode model's keep bits: a gap is broken where the tensor comes back after an eviction.
        The plan fits the byte-count stage (an evicted tensor is off chip over its whole gap there,
        in the replay only from its eviction on) at the replay's traffic: a complete warm start."""
        _, returns = self.run(list(data.order))
        keep = {}
        for k, ev in enumerate(data.tensors):
            back = set(returns.get(ev.tensor, ()))
            for j in range(len(ev.steps) - 1):
                keep[k, j] = ev.steps[j + 1] not in back
        return keep


def chains(replay: Replay) -> list[list[int]]:
    """Each operator's maximal chain: the path through it whose links are an operator's only
    successor that has it as only predecessor (a NAS node's ReLU → depthwise → pointwise)."""
    n = len(replay.successors)
    head = list(range(n))
    for v in range(n):  # walk up while the link is exclusive
        u = v
        while len(replay.predecessors[u]) == 1 and len(replay.successors[replay.predecessors[u][0]]) == 1:
            u = replay.predecessors[u][0]
        head[v] = u
    of_head: dict[int, list[int]] = {}
    for u in set(head):
        path = [u]
        while len(replay.successors[path[-1]]) == 1 and len(replay.predecessors[replay.successors[path[-1]][0]]) == 1:
            path.append(replay.successors[path[-1]][0])
        of_head[u] = path
    return [of_head[head[v]] for v in range(n)]


def search_order(instance, order, capacity: int, weights: bool, *, deadline: float, seed: int = 0,
                 replay: Replay | None = None, block_share: float = 0.5, target: int = 0) -> tuple[list[int], int]:
    """(best order found, its replayed traffic) by single-operator moves until ``deadline``, or until
    the replay reaches ``target`` (a lower bound); with ``block_share`` that share of the moves takes
    a whole chain (``chains``) instead. The moves and
    the replay run in the numba kernels of ``cosma_order_kernels``, in batches between clock reads."""
    replay = replay or Replay(instance, capacity, weights)
    arrays = order_arrays(replay, chains(replay))
    seed_kernels(seed)
    current = np.array(order, dtype=np.int64)
    best = current.copy()
    current_value = best_value = replay_order(arrays, current)
    started = time.perf_counter()
    span = max(1e-3, deadline - started)
    temperature0 = max(1, min(capacity, current_value) // 50)
    stale, stale_limit = 0, STALE_TRIES * len(current)
    while best_value > target and stale < stale_limit and (now := time.perf_counter()) < deadline:
        temperature = temperature0 * (1 - (now - started) / span)
        current_value, best_value, stale = anneal_batch(arrays, current, current_value, best, best_value, BATCH_MOVES,
                                                        temperature, block_share, stale, stale_limit)
    return [int(v) for v in best], best_value


_compiled = False


def compile_kernels() -> None:
    """Run the kernels once on a three-operator graph (once per process): numba compiles them, or
    loads them from its cache, here rather than inside a timed run (seconds on a cold cache)."""
    global _compiled
    if _compiled:
        return
    from schedkit.instances.cosma import CosmaInstance

    instance = CosmaInstance("warm-up", sizes=(2, 2, 2, 2), kinds=("input", "activation", "activation", "output"),
                             inputs=((0,), (0,), (1, 2)), outputs=((1,), (2,), (3,)))
    arrays = order_arrays(*_replay_and_chains(instance, 4))  # capacity 4 < 6 live bytes: traffic, so moves run
    order = np.arange(3, dtype=np.int64)
    value = replay_order(arrays, order)
    seed_kernels(0)
    anneal_batch(arrays, order, value, order.copy(), value, 10, 1.0, 0.5, 0, 10)
    _compiled = True


def _replay_and_chains(instance, capacity):
    replay = Replay(instance, capacity, False)
    return replay, chains(replay)

