"""Local search over operator orders for COSMA, guided by a fast byte-count replay.

The replay (``replay_traffic``) runs an order at a capacity counting bytes only (no addresses):
the operator's inputs and outputs are made resident, a tensor with no later event is dropped, and
while the resident bytes exceed the capacity the tensor used furthest in the future is evicted
(Belady); a produced tensor pays its spill once, every return pays a reload (the traffic rule of
the result contract). It is a proxy for the exact fixed-order traffic (``cosma.fs``), which is
never below the byte-count optimum, but it takes milliseconds, so thousands of orders can be tried.

``search_order`` moves one operator at a time to another position between its last predecessor
and first successor (a topological order stays topological), keeps a move when the replayed traffic
does not grow, and accepts a worse one with a small probability that falls as time passes (simulated
annealing). It returns the best order seen, at the deadline or after 200·n tries in a row that found
nothing better (small graphs are exhausted quickly).
"""

from __future__ import annotations

import bisect
import math
import random
import time


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
        position = [0] * len(order)
        for s, v in enumerate(order):
            position[v] = s
        steps = [sorted(position[v] for v in events) for events in self.tensor_events]
        sizes, capacity = self.sizes, self.capacity
        resident: dict[int, int] = {}  # tensor → next event step
        seen, spilled = set(), set()
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
        return total


def search_order(instance, order, capacity: int, weights: bool, *, deadline: float, seed: int = 0,
                 replay: Replay | None = None) -> tuple[list[int], int]:
    """(best order found, its replayed traffic) by single-operator moves until ``deadline``."""
    replay = replay or Replay(instance, capacity, weights)
    rng = random.Random(seed)
    current = list(order)
    current_value = replay.traffic(current)
    best, best_value = list(current), current_value
    started = time.perf_counter()
    span = max(1e-3, deadline - started)
    temperature0 = max(1, min(capacity, current_value) // 50)
    n = len(current)
    stale = 0
    while best_value > 0 and stale < 200 * n and (now := time.perf_counter()) < deadline:
        stale += 1
        position = {v: s for s, v in enumerate(current)}
        v = current[rng.randrange(n)]
        low = max((position[u] for u in replay.predecessors[v]), default=-1) + 1
        high = min((position[w] for w in replay.successors[v]), default=n) - 1
        if high <= low:
            continue
        target = rng.randint(low, high)
        if target == position[v]:
            continue
        candidate = current[:]
        candidate.pop(position[v])
        candidate.insert(target, v)
        value = replay.traffic(candidate)
        temperature = temperature0 * (1 - (now - started) / span)
        if value <= current_value or (temperature > 0 and rng.random() < math.exp((current_value - value) / temperature)):
            current, current_value = candidate, value
            if value < best_value:
                best, best_value, stale = list(candidate), value, 0
    return best, best_value
