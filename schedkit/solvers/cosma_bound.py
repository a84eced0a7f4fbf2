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

Order pairs generalize both to any operator whose bytes can overflow in some order. A tensor
crosses v (is live at v's step) when one of its events runs before v and another after it. With one
literal per unrelated pair, b(u, v) = "u runs before v" (b(v, u) = ¬b(u, v)), an ancestor of v
certainly before and a descendant certainly after, and r(a, v) = "a crosses v and is never
reloaded": for each pair of events e, f of a, b(e, v) ∧ ¬b(f, v) → y_a ∨ r(a, v), and
Σ_a size_a·r(a, v) ≤ capacity − bytes(In(v) ∪ Out(v)); what runs before v is closed under
predecessors (b(u, v) → b(p, v) for a predecessor p of u unrelated to v). Valid: any order with its
residency sets b from its positions, y_a = [a reloaded], r(a, v) = [a crosses v and y_a = 0]; a
tensor that crosses v and is never reloaded is resident at v (off chip there, it would have to
come back for its later event), so the rows hold, and the traffic is at least Σ cost_a·y_a.
(Transitivity between three operators is not imposed: a relaxation, still a lower bound.) On the
DARTS-like cells of ``schedkit generate cosma --kind cell`` the first-stage concat fills M_R, and
the previous concat output, which the next cell's preprocess0 reads, is live at it unless that
preprocess has run, and then its output (or a tensor derived from it, up to the add that also needs
this concat) is: one tensor per cell must go off chip, which no crossing set or fork shows.

CP-SAT solves the covering model without order pairs usually at once, the one with them (up to
60,000 order literals; bigger graphs skip it) in seconds when it helps at all; the proven bound is a
bound for the joint problem, so ``cosma/dc`` and ``cosma/free`` report it and stop when an order
reaches it.
"""

from __future__ import annotations

import networkx as nx
from ortools.sat.python import cp_model

from schedkit.solvers.cpsat import run_cpsat


def reach_bitsets(dag) -> tuple[list[int], list[int]]:
    """(ancestors, descendants) of every operator of ``dag`` as bitsets of operators."""
    order = list(nx.topological_sort(dag))
    ancestors = [0] * dag.number_of_nodes()
    for v in order:
        for u in dag.predecessors(v):
            ancestors[v] |= ancestors[u] | (1 << u)
    descendants = [0] * dag.number_of_nodes()
    for v in reversed(order):
        for w in dag.successors(v):
            descendants[v] |= descendants[w] | (1 << w)
    return ancestors, descendants


def crossing_sets(instance, capacity: int, weights: bool) -> list[tuple[int, list[int]]]:
    """(excess bytes, crossing tensors) for each operator whose forced live bytes exceed ``capacity``."""
    ancestors, descendants = reach_bitsets(instance.graph())
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


def order_pair_rows(instance, capacity: int, weights: bool, max_literals: int = 60_000):
    """The rows of the order-pair cover (module docstring): for each operator v whose live bytes can
    exceed ``capacity`` in some order, (v, spare bytes beside In(v) ∪ Out(v), the operators unrelated
    to v, rows); a row (tensor, possible earlier events, possible later events) says that the tensor
    crosses v when one of the first runs before v and one of the second after it (None stands for
    an ancestor of v, certainly before, or a descendant, certainly after). Empty when the model would
    need more than ``max_literals`` order literals (it is then too big to help within seconds)."""
    n = instance.num_operators
    ancestors, descendants = reach_bitsets(instance.graph())
    unrelated = [n - 1 - (ancestors[v] | descendants[v]).bit_count() for v in range(n)]
    if sum(unrelated) > 4 * max_literals:  # a quick rejection before the rows (seconds on 1,000 operators)
        return []
    tracked = instance.tracked(weights)
    events = {}
    for a in range(instance.num_tensors):
        ev = list(instance.consumers[a]) + ([instance.producer[a]] if instance.producer[a] is not None else [])
        if tracked[a] and len(ev) > 1:
            events[a] = ev
    steps, literals = [], 0
    for v in range(n):
        own = set(instance.operator_tensors(v, weights))
        spare = capacity - instance.operator_bytes(v, weights)
        rows, possible = [], 0
        for a, ev in events.items():
            if a in own:
                continue
            early = [None if ancestors[v] >> e & 1 else e for e in ev if not descendants[v] >> e & 1]
            late = [None if descendants[v] >> e & 1 else e for e in ev if not ancestors[v] >> e & 1]
            if not early or not late:
                continue
            if None in early and None in late:  # crosses in every order
                early, late = [None], [None]
            rows.append((a, early, late))
            possible += instance.sizes[a]
        if possible > spare:
            related = ancestors[v] | descendants[v] | (1 << v)
            steps.append((v, spare, [u for u in range(n) if not related >> u & 1], rows))
            literals += unrelated[v]
            if literals > max_literals:
                return []
    return steps


def crossing_bound(instance, capacity: int, weights: bool, *, time_limit: float = 10.0, threads: int = 1,
                   seed: int = 0, forks: bool = True, pairs: bool = True, pair_time_limit: float | None = None) -> int:
    """A lower bound on the traffic of any order at ``capacity`` (0 when nothing must cross off chip):
    the crossing sets, with ``forks`` the fork clauses, as one covering model within ``time_limit``;
    then with ``pairs`` the same model with the order-pair rows added, within ``pair_time_limit``
    (default ``time_limit``). The larger proven bound."""
    sets = crossing_sets(instance, capacity, weights)
    clauses = fork_clauses(instance, capacity, weights) if forks else []
    bound = 0
    if sets or clauses:
        outcome = run_cpsat(cover_model(instance, sets, clauses, []), time_limit=time_limit, threads=threads, seed=seed)
        bound = int(outcome.bound) if outcome.bound is not None else 0
    steps = order_pair_rows(instance, capacity, weights) if pairs else []
    if steps:
        limit = time_limit if pair_time_limit is None else pair_time_limit
        outcome = run_cpsat(cover_model(instance, sets, clauses, steps), time_limit=limit, threads=threads, seed=seed)
        if outcome.bound is not None:
            bound = max(bound, int(outcome.bound))
    return bound


def cover_model(instance, sets, clauses, steps) -> cp_model.CpModel:
    """The covering model over y (tensor ever reloaded) of the crossing sets, fork clauses and
    order-pair rows; minimizes the least traffic of the reloaded tensors."""
    model = cp_model.CpModel()
    used = sorted({a for _, crossing in sets for a in crossing} | {a for _, _, tensors, _ in clauses for a in tensors}
                  | {a for _, _, _, rows in steps for a, _, _ in rows})
    y = {a: model.NewBoolVar(f"reloaded_{a}") for a in used}
    for excess, crossing in sets:
        model.Add(sum(instance.sizes[a] * y[a] for a in crossing) >= excess)
    first: dict[tuple[int, int], cp_model.IntVar] = {}

    def before(u, v):  # the literal "u runs before v" (one variable per unordered pair)
        if (u, v) not in first:
            first[u, v] = model.NewBoolVar(f"before_{u}_{v}")
            first[v, u] = first[u, v].Not()
        return first[u, v]

    for r1, r2, tensors, fixed in clauses:
        if fixed:
            model.AddBoolOr([y[a] for a in tensors])
            continue
        model.AddBoolOr([before(r1, r2).Not()] + [y[a] for a in tensors])
    dag = instance.graph() if steps else None
    for v, spare, free, rows in steps:
        free_set = set(free)
        for u in free:  # what runs before v is closed under predecessors
            for p in dag.predecessors(u):
                if p in free_set:
                    model.AddImplication(before(u, v), before(p, v))
        load = []
        for a, early, late in rows:
            resident = model.NewBoolVar(f"resident_{a}_at_{v}")  # crosses v and never reloaded
            for e in early:
                for f in late:
                    if e is not None and e == f:
                        continue
                    clause = [y[a], resident]
                    if e is not None:
                        clause.append(before(e, v).Not())
                    if f is not None:
                        clause.append(before(f, v))
                    model.AddBoolOr(clause)
            load.append(instance.sizes[a] * resident)
        model.Add(sum(load) <= spare)
    model.Minimize(sum(instance.sizes[a] * (2 if instance.producer[a] is not None else 1) * y[a] for a in used))
    return model
