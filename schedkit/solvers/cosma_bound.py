"""A lower bound on COSMA traffic over every operator order (a crossing-tensor cover).

When operator v runs, a tensor with an event (its producer, or a read) among v's ancestors and
another among v's descendants is live at v's step in every order. If those tensors and
In(v) ∪ Out(v) together exceed the capacity, the excess bytes are off chip at v, and a tensor
that is ever off chip while live costs at least its spill plus one reload (2·size; size for a
graph input or weight, which the host already holds). So with y_a = 1 when tensor a is ever
reloaded:

    traffic ≥ min Σ_a cost_a·y_a   s.t.   Σ_{a crossing v} size_a·y_a ≥ excess_v  for every v.

Forks add what the crossing sets miss when the tensor that must be off chip depends on the order.
Operator r1 reads X and writes O1, c1 reads O1, and another reader r2 of X runs after r1: either c1
runs before r2 (X is live at c1) or r2 before c1 (O1 is live at r2). When X does not fit beside
c1's own tensors and O1 not beside r2's, X or O1 pays, whichever sub-case the order takes; with a
literal b = "r1 before r2": b → y_X ∨ y_O1 and ¬b → y_X ∨ y_O2 (the same with r1, r2 swapped).
On darts_v2_cifar10 at M_R every normal-cell output of the first stage is read by two ReLUs whose
4-unit outputs cannot sit beside it, which no single-operator crossing set shows.

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


def fork_clauses(instance, capacity: int, weights: bool, max_readers: int = 8):
    """(r1, r2, tensors, fixed) for the forks of the module docstring: when r1 runs before r2 (always,
    if ``fixed``: r1 is an ancestor of r2) one of ``tensors`` is off chip while live. Only the cases
    where every possible sub-case overflows."""
    dag = instance.graph()
    tracked = instance.tracked(weights)
    own = [set(instance.operator_tensors(v, weights)) for v in range(instance.num_operators)]
    need = [instance.operator_bytes(v, weights) for v in range(instance.num_operators)]
    sizes = instance.sizes
    reach = {}

    def precedes(u, v):  # u is an ancestor of v
        if u not in reach:
            reach[u] = nx.descendants(dag, u)
        return v in reach[u]

    clauses = []
    for x in range(instance.num_tensors):
        readers = instance.consumers[x]
        if not tracked[x] or len(readers) < 2 or len(readers) > max_readers:
            continue
        for r1 in readers:
            for r2 in readers:
                if r1 == r2 or precedes(r2, r1):
                    continue
                for o1 in instance.outputs[r1]:
                    if not tracked[o1]:
                        continue
                    for c1 in instance.consumers[o1]:
                        a_possible, b_possible = not precedes(r2, c1), not precedes(c1, r2)  # c1 before r2 / after
                        a_forces = x not in own[c1] and sizes[x] + need[c1] > capacity  # X off chip at c1
                        b_forces = o1 not in own[r2] and sizes[o1] + need[r2] > capacity  # O1 off chip at r2
                        if (a_possible and not a_forces) or (b_possible and not b_forces):
                            continue  # a sub-case the order can take at no cost
                        tensors = ([x] if a_possible else []) + ([o1] if b_possible else [])
                        clauses.append((r1, r2, tensors, precedes(r1, r2)))
    return clauses


def crossing_bound(instance, capacity: int, weights: bool, *, time_limit: float = 10.0, threads: int = 1,
                   seed: int = 0, forks: bool = True) -> int:
    """A lower bound on the traffic of any order at ``capacity`` (0 when nothing must cross off chip):
    the crossing sets, and with ``forks`` the fork clauses, as one covering model."""
    sets = crossing_sets(instance, capacity, weights)
    clauses = fork_clauses(instance, capacity, weights) if forks else []
    if not sets and not clauses:
        return 0
    model = cp_model.CpModel()
    used = sorted({a for _, crossing in sets for a in crossing} | {a for _, _, tensors, _ in clauses for a in tensors})
    y = {a: model.NewBoolVar(f"reloaded_{a}") for a in used}
    for excess, crossing in sets:
        model.Add(sum(instance.sizes[a] * y[a] for a in crossing) >= excess)
    first: dict[tuple[int, int], cp_model.IntVar] = {}
    for r1, r2, tensors, fixed in clauses:
        if fixed:
            model.AddBoolOr([y[a] for a in tensors])
            continue
        if (r1, r2) not in first:
            first[r1, r2] = model.NewBoolVar(f"before_{r1}_{r2}")
            first[r2, r1] = first[r1, r2].Not()
        model.AddBoolOr([first[r1, r2].Not()] + [y[a] for a in tensors])
    model.Minimize(sum(instance.sizes[a] * (2 if instance.producer[a] is not None else 1) * y[a] for a in used))
    outcome = run_cpsat(model, time_limit=time_limit, threads=threads, seed=seed)
    return int(outcome.bound) if outcome.bound is not None else 0
