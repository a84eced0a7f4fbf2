"""The faithful time-indexed COSMA ILP (Li, Gupta, Malik, arXiv 2311.18246, §III, Eq. 1–12) with the
gaps the research notes list (§1.3) closed, as a Pyomo model for HiGHS. For small graphs and as
the cross-check of the episode models.

Per operator v and step t, x[v, t] = 1 when v runs at t (the paper's C of v's outputs; one operator
per step, gap 2). Per tracked tensor a and step t: C (created: its producer runs at t, or for a
graph input / weight its free first load), P (preserved from t−1), S (spilled, Eq. 3, at most once),
R (retrieved: after a spill, or for an input/weight after its first load, gap 4), L (address),
and per pair of tensors that may be co-resident an order bit o (replacing u/d, notes §1.6).

    (1) C + P + S + R ≤ 1            (2) P[t] ≤ res[t−1]         (3) S[t] ≤ C[t−1] + P[t−1]
    (4) R[t] ≤ Σ_{k<t} S[k] (produced) or Σ_{k<t} C[k] (input/weight)
    (5) x[v, t] ≤ res[b, t] for every tracked input b of v; outputs are resident through C
    (7) Σ_t x[v, t] = 1, Σ_v x[v, t] = 1   (8) Σ_t S ≤ 1
    (9) 0 ≤ L ≤ capacity − size      (10) L_a + s_a ≤ L_b + M(1 − o) + M(2 − res_a − res_b), and mirrored
    (11) P[t] ⇒ L[t] = L[t−1]        (12) min Σ (S + R)·size
    base case: P = S = 0 at t = 0 (gap 1); res = C + P + R.

x is restricted to each operator's [ASAP, ALAP] window, each tensor to the window between its
producer's (or first reader's) ASAP and its last reader's ALAP; pairs are only built where those
windows meet (no lingering outside them, so the pruning is sound: gap 3). ``order`` fixes x.
"""

from __future__ import annotations

import networkx as nx


def _windows(instance, order):
    m = instance.num_operators
    if order is not None:
        step = {v: s for s, v in enumerate(order)}
        return {v: (step[v], step[v]) for v in range(m)}
    dag = instance.graph()
    return {v: (len(nx.ancestors(dag, v)), m - 1 - len(nx.descendants(dag, v))) for v in range(m)}


def time_indexed_ilp(instance, capacity: int, weights: bool, order=None):
    """Returns (model, span): the faithful ILP and each tracked tensor's window of steps."""
    import pyomo.environ as pyo

    m = instance.num_operators
    window = _windows(instance, order)
    tracked = instance.tracked(weights)
    tensors = [t for t in range(instance.num_tensors) if tracked[t]]
    span = {}
    for a in tensors:
        events = list(instance.consumers[a]) + ([instance.producer[a]] if instance.producer[a] is not None else [])
        span[a] = (min(window[v][0] for v in events), max(window[v][1] for v in events))
    model = pyo.ConcreteModel(name="cosma_time_indexed")
    op_steps = [(v, t) for v in range(m) for t in range(window[v][0], window[v][1] + 1)]
    tensor_steps = [(a, t) for a in tensors for t in range(span[a][0], span[a][1] + 1)]
    model.x = pyo.Var(op_steps, domain=pyo.Binary)
    model.C = pyo.Var(tensor_steps, domain=pyo.Binary)
    model.P = pyo.Var(tensor_steps, domain=pyo.Binary)
    model.S = pyo.Var(tensor_steps, domain=pyo.Binary)
    model.R = pyo.Var(tensor_steps, domain=pyo.Binary)
    model.L = pyo.Var(tensor_steps, domain=pyo.NonNegativeReals, bounds=lambda _, a, t: (0, capacity - instance.sizes[a]))
    model.rules = pyo.ConstraintList()
    runs_at = {key: model.x[key] for key in op_steps}
    add = model.rules.add

    def res(a, t):
        if (a, t) not in model.C:
            return 0
        return model.C[a, t] + model.P[a, t] + model.R[a, t]

    for v in range(m):
        add(sum(model.x[v, t] for t in range(window[v][0], window[v][1] + 1)) == 1)  # (7)
    for t in range(m):
        running = [model.x[v, t] for v in range(m) if (v, t) in model.x]
        add(sum(running) == 1)  # one operator per step (gap 2)
    for a in tensors:
        first, last = span[a]
        producer = instance.producer[a]
        for t in range(first, last + 1):
            add(model.C[a, t] + model.P[a, t] + model.S[a, t] + model.R[a, t] <= 1)  # (1)
            if producer is not None:
                add(model.C[a, t] == runs_at.get((producer, t), 0))
            if t == first:
                add(model.P[a, t] == 0)  # base case (gap 1)
                add(model.S[a, t] == 0)
                add(model.R[a, t] == 0)
                continue
            add(model.P[a, t] <= res(a, t - 1))  # (2)
            add(model.S[a, t] <= model.C[a, t - 1] + model.P[a, t - 1])  # (3)
            earlier = model.S if producer is not None else model.C
            add(model.R[a, t] <= sum(earlier[a, k] for k in range(first, t)))  # (4)
            add(model.L[a, t] - model.L[a, t - 1] <= capacity * (1 - model.P[a, t]))  # (11)
            add(model.L[a, t - 1] - model.L[a, t] <= capacity * (1 - model.P[a, t]))
        add(sum(model.S[a, t] for t in range(first, last + 1)) <= 1)  # (8)
        if producer is None:
            add(sum(model.C[a, t] for t in range(first, last + 1)) == 1)  # one free first load
        for v in instance.consumers[a]:
            for t in range(window[v][0], window[v][1] + 1):
                add(model.x[v, t] <= res(a, t))  # (5), with weights as inputs (gap 4)
    pairs = []
    for i, a in enumerate(tensors):
        for b in tensors[i + 1:]:
            for t in range(max(span[a][0], span[b][0]), min(span[a][1], span[b][1]) + 1):
                pairs.append((a, b, t))
    model.o = pyo.Var(range(len(pairs)), domain=pyo.Binary)
    for n, (a, b, t) in enumerate(pairs):
        both = capacity * (2 - res(a, t) - res(b, t))
        add(model.L[a, t] + instance.sizes[a] <= model.L[b, t] + capacity * (1 - model.o[n]) + both)  # (10)
        add(model.L[b, t] + instance.sizes[b] <= model.L[a, t] + capacity * model.o[n] + both)
    for t in range(m):  # redundant byte count per step: a useful LP bound
        add(sum(instance.sizes[a] * res(a, t) for a in tensors if (a, t) in model.C) <= capacity)
    model.traffic = pyo.Objective(expr=sum(instance.sizes[a] * (model.S[a, t] + model.R[a, t]) for a, t in tensor_steps),
                                  sense=pyo.minimize)
    return model, span
