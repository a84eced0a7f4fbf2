"""A lower bound on COSMA traffic over every operator order (a crossing-tensor cover).

When operator v runs, a tensor with an event (its producer, or a read) among v's ancestors and
another among v's descendants is live at v's step in every order. If those tensors and
In(v) ∪ Out(v) together exceed the capacity, the excess bytes are off chip at v, and a tensor
that is ever off chip while live costs at least its spill plus one reload (2·size; size for a
graph input or weight, which the host already holds). So with y_a = 1 when tensor a is ever
reloaded:

    traffic ≥ min Σ_a cost_a·y_a   s.t.   Σ_{a crossing v} size_a·y_a ≥ excess_v  for every v.

CP-SAT solves this covering model (usually at once); its proven bound is a bound for the joint
problem, so ``cosma/dc`` and ``cosma/free`` report it and stop when an order reaches it.
"""

from __future__ import annotations

import networkx as nx
from ortools.sat.python import cp_model

from schedkit.solvers.cpsat import run_cpsat


def crossing_sets(instance, capacity: int, weights: bool) -> list[tuple[int, list[int]]]:
    """(excess bytes, crossing tensors) for each operator whose forced live bytes exceed ``capacity``."""
    dag = instance.graph()
    order = list(nx.topological_sort(dag))
    ancestors = [0] * instance.num_operators  # bitsets of operators
    for v in order:
        for u in dag.predecessors(v):
            ancestors[v] |= ancestors[u] | (1 << u)
    descendants = [0] * instance.num_operators
    for v in reversed(order):
        for w in dag.successors(v):
            descendants[v] |= descendants[w] | (1 << w)
    tracked = instance.tracked(weights)
    event_bits = []
    for a in range(instance.num_tensors):
        bits = 0
        for v in instance.consumers[a]:
            bits |= 1 << v
        if instance.producer[a] is not None:
            bits |= 1 << instance.producer[a]
        event_bits.append(bits)
    candidates = [a for a in range(instance.num_tensors) if tracked[a] and event_bits[a]]
    sets = []
    for v in range(instance.num_operators):
        own = set(instance.operator_tensors(v, weights))
        crossing = [a for a in candidates if a not in own and event_bits[a] & ancestors[v] and event_bits[a] & descendants[v]]
        excess = instance.operator_bytes(v, weights) + sum(instance.sizes[a] for a in crossing) - capacity
        if excess > 0:
            sets.append((excess, crossing))
    return sets


def crossing_bound(instance, capacity: int, weights: bool, *, time_limit: float = 10.0, threads: int = 1,
                   seed: int = 0) -> int:
    """A lower bound on the traffic of any order at ``capacity`` (0 when nothing must cross off chip)."""
    sets = crossing_sets(instance, capacity, weights)
    if not sets:
        return 0
    model = cp_model.CpModel()
    used = sorted({a for _, crossing in sets for a in crossing})
    y = {a: model.NewBoolVar(f"reloaded_{a}") for a in used}
    for excess, crossing in sets:
        model.Add(sum(instance.sizes[a] * y[a] for a in crossing) >= excess)
    model.Minimize(sum(instance.sizes[a] * (2 if instance.producer[a] is not None else 1) * y[a] for a in used))
    outcome = run_cpsat(model, time_limit=time_limit, threads=threads, seed=seed)
    return int(outcome.bound) if outcome.bound is not None else 0
