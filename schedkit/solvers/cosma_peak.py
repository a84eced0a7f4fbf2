"""The minimum-peak schedule (COSMA sub-mode E1 / "MPMF", Eq. 13–15 of Li, Gupta, Malik, arXiv
2311.18246): the operator order whose peak live bytes without spilling is least; that peak is M_P.

CP-SAT: one position per operator (all different, precedences, ASAP/ALAP domains), one interval
per tracked tensor from its first to its last event, ``AddCumulative`` against the peak variable,
minimize the peak. Hinted with the better of the given order and a greedy list schedule that
runs, among the ready operators, the one that grows live memory least. M_R is a lower bound.
``cosma/peak`` returns the zero-traffic execution of that order at capacity = its peak (addresses
by the fixed-schedule address stage), so ``--budget`` is ignored there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import networkx as nx
from ortools.sat.python import cp_model

from schedkit.registry import register
from schedkit.result import FEASIBLE, OPTIMAL, UNKNOWN, Result
from schedkit.solvers.cosma_common import cosma_extra, weights_flag
from schedkit.solvers.cpsat import run_cpsat


@dataclass
class PeakOutcome:
    order: list[int]
    peak: int
    bound: int
    status: str  # optimal when peak == bound
    runtime_s: float


def greedy_min_peak_order(instance, weights: bool) -> list[int]:
    """A list schedule: among the ready operators run the one whose outputs minus the inputs it
    frees (as their last reader) is least; ties by the given order."""
    tracked = instance.tracked(weights)
    dag = instance.graph()
    waiting = {v: dag.in_degree(v) for v in dag}
    readers_left = {t: len(instance.consumers[t]) for t in range(instance.num_tensors)}
    ready = sorted(v for v, d in waiting.items() if d == 0)
    order = []
    while ready:
        def growth(v):
            allocated = sum(instance.sizes[t] for t in instance.outputs[v] if tracked[t])
            freed = sum(instance.sizes[t] for t in instance.inputs[v] if tracked[t] and readers_left[t] == 1)
            return allocated - freed, v
        v = min(ready, key=growth)
        ready.remove(v)
        order.append(v)
        for t in instance.inputs[v]:
            readers_left[t] -= 1
        for w in dag.successors(v):
            waiting[w] -= 1
            if waiting[w] == 0:
                ready.append(w)
    return order


def peak_model(instance, weights: bool):
    """The E1 model: returns (model, position vars, peak var)."""
    m = instance.num_operators
    dag = instance.graph()
    model = cp_model.CpModel()
    ancestors = {v: len(nx.ancestors(dag, v)) for v in dag}
    descendants = {v: len(nx.descendants(dag, v)) for v in dag}
    position = [model.NewIntVar(ancestors[v], m - 1 - descendants[v], f"position_{v}") for v in range(m)]
    model.AddAllDifferent(position)
    for u, v in dag.edges:
        model.Add(position[u] < position[v])
    tracked = instance.tracked(weights)
    peak = model.NewIntVar(instance.m_r(weights), sum(instance.sizes), "peak")
    intervals, demands = [], []
    for t in range(instance.num_tensors):
        if not tracked[t]:
            continue
        events = [position[v] for v in instance.consumers[t]]
        producer = instance.producer[t]
        if producer is not None:
            start = position[producer]
            events.append(start)
        elif len(events) == 1:
            start = events[0]
        else:
            start = model.NewIntVar(0, m - 1, f"first_{t}")
            model.AddMinEquality(start, events)
        if len(events) == 1:
            last = events[0]
        else:
            last = model.NewIntVar(0, m - 1, f"last_{t}")
            model.AddMaxEquality(last, events)
        length = model.NewIntVar(1, m, f"length_{t}")
        end = model.NewIntVar(1, m, f"end_{t}")
        model.Add(end == last + 1)
        intervals.append(model.NewIntervalVar(start, length, end, f"live_{t}"))
        demands.append(instance.sizes[t])
    model.AddCumulative(intervals, demands, peak)
    model.Minimize(peak)
    return model, position, peak


_CACHE: dict[tuple, PeakOutcome] = {}


def min_peak_order(instance, weights: bool, *, time_limit: float | None = 10.0, threads: int = 1, seed: int = 0,
                   log: bool = False) -> PeakOutcome:
    """The minimum-peak order found within ``time_limit`` and the proven lower bound (remembered per
    instance, weights flag, limit and seed: the baselines and budgets ask for it repeatedly)."""
    key = (id(instance), instance.name, weights, time_limit, threads, seed)
    if key not in _CACHE:
        _CACHE[key] = _min_peak_order(instance, weights, time_limit, threads, seed, log)
    return _CACHE[key]


def _min_peak_order(instance, weights, time_limit, threads, seed, log) -> PeakOutcome:
    started = time.perf_counter()
    given = list(range(instance.num_operators))
    greedy = greedy_min_peak_order(instance, weights)
    start_order = min((given, greedy), key=lambda o: instance.peak(o, weights))
    best_peak = instance.peak(start_order, weights)
    lower = instance.m_r(weights)
    if best_peak == lower:
        return PeakOutcome(start_order, best_peak, lower, OPTIMAL, time.perf_counter() - started)
    model, position, _ = peak_model(instance, weights)
    hints = {position[v]: s for s, v in enumerate(start_order)}
    outcome = run_cpsat(model, time_limit=time_limit, threads=threads, seed=seed, hints=hints, log=log)
    order = start_order
    if outcome.has_solution:
        found = sorted(range(instance.num_operators), key=lambda v: outcome.solver.Value(position[v]))
        if instance.peak(found, weights) < best_peak:
            order, best_peak = found, instance.peak(found, weights)
    if outcome.bound is not None:
        lower = max(lower, outcome.bound)
    lower = min(lower, best_peak)
    return PeakOutcome(order, best_peak, lower, OPTIMAL if lower == best_peak else FEASIBLE,
                       time.perf_counter() - started)


@register("cosma/peak", ("cosma",), "exact",
          "Minimum-peak order (E1, CP-SAT cumulative) run without spilling at capacity = its peak (M_P)")
def run_peak(instance, options) -> Result:
    from schedkit.models.cosma_episodes import episode_data
    from schedkit.solvers.cosma_fs import place_runs

    weights = weights_flag(options)
    found = min_peak_order(instance, weights, time_limit=options.time_limit, threads=options.threads,
                           seed=options.seed, log=options.log)
    data = episode_data(instance, found.order, weights)
    keep = {g: True for g in data.gaps()}
    started = time.perf_counter()
    rows = place_runs(data, keep, found.peak, None if options.time_limit is None else max(1.0, options.time_limit / 2),
                      options.threads, options.seed)
    capacity = found.peak  # rows is None when fragmentation needs more than the peak
    runtime = found.runtime_s + time.perf_counter() - started
    extra = {**cosma_extra(capacity, weights, found.order), "peak": found.peak, "peak_bound": found.bound}
    if rows is None:
        return Result(instance.problem, instance.name, "cosma/peak", UNKNOWN, bound=None, runtime_s=runtime,
                      termination="no_addresses", extra=extra)
    # the objective is the traffic (zero); the peak and its bound are reported in extra
    return Result(instance.problem, instance.name, "cosma/peak", found.status, objective=0, bound=0,
                  runtime_s=runtime, schedule=rows, trace=[(runtime, 0)],
                  termination="optimal" if found.status == OPTIMAL else "time_limit", extra=extra)
