"""Activity-list genetic algorithm for the RCPSP with forward-backward improvement.

Hartmann (1998), "A competitive genetic algorithm for resource-constrained project scheduling",
NRL 45: activity lists decoded by the serial SGS, two-point crossover that keeps precedence
feasibility, swap mutation of neighbours, ranking selection over parents and children. Every
decoded schedule is double-justified (Valls, Ballestín & Quintanilla 2005) and the list is re-read
from the justified start times, so improvements are inherited. The first population comes from
regret-biased LFT sampling. Schedules are counted as in Kolisch & Hartmann (2006): each SGS pass
(forward or backward) counts one.
"""

from __future__ import annotations

import time

import numba
import numpy as np

from schedkit.heuristics import rcpsp_sgs as sgs
from schedkit.heuristics.rcpsp_priority import (
    _finish,
    best_rule_schedule,
    priority_values,
    project_arrays,
)
from schedkit.registry import SolveOptions, register


@numba.njit(cache=True)
def _list_from_starts(start, rank):
    n = start.shape[0]
    return np.argsort(start * (n + 1) + rank, kind="mergesort")


@numba.njit(cache=True)
def _decode(order, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx, partner_ptr,
            partner_idx, capacity):
    """Serial SGS + one double justification; (starts, makespan, passes used); makespan -1 on failure."""
    start = sgs.serial_forward(order, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                               partner_ptr, partner_idx, capacity)
    if start.min() < 0:
        return start, -1, 1
    start = sgs.justify(start, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                        partner_ptr, partner_idx, capacity)
    return start, sgs.makespan_of(start, durations), 3


@numba.njit(cache=True)
def _crossover(mother, father, q1, q2):
    """Hartmann's two-point crossover: mother's first q1 tasks, then father's next tasks (in his
    order) up to q2, then mother's remaining tasks; precedence-feasible when both parents are."""
    n = mother.shape[0]
    child = np.empty(n, dtype=np.int64)
    taken = np.zeros(n, dtype=np.bool_)
    k = 0
    for i in range(q1):
        child[k] = mother[i]
        taken[mother[i]] = True
        k += 1
    for i in range(n):
        if k >= q2:
            break
        if not taken[father[i]]:
            child[k] = father[i]
            taken[father[i]] = True
            k += 1
    for i in range(n):
        if not taken[mother[i]]:
            child[k] = mother[i]
            taken[mother[i]] = True
            k += 1
    return child


@numba.njit(cache=True)
def _mutate(order, probability, reach):
    """Swap neighbours with the given probability when neither precedes the other."""
    n = order.shape[0]
    for i in range(n - 1):
        if np.random.random() < probability:
            a, b = order[i], order[i + 1]
            if not reach[a, b]:
                order[i], order[i + 1] = b, a


@numba.njit(cache=True)
def genetic(priority, alpha, schedules, population, mutation, seed, reach, first, durations, demands, release, deadline,
            pred_ptr, pred_idx, succ_ptr, succ_idx, partner_ptr, partner_idx, capacity):
    """Best starts found within ``schedules`` SGS passes (all -1 when none was feasible); ``first``
    is a feasible start vector (or all -1) placed into the first population."""
    np.random.seed(seed)
    n = durations.shape[0]
    rank = sgs._topological_rank(pred_ptr, succ_ptr, succ_idx)
    lists = np.empty((2 * population, n), dtype=np.int64)
    values = np.full(2 * population, 1 << 60, dtype=np.int64)
    best = first.copy()
    best_value = sgs.makespan_of(first, durations) if first.min() >= 0 else 1 << 60
    used = 0
    for p in range(population):
        if p == 0 and first.min() >= 0:
            lists[p] = _list_from_starts(first, rank)
            values[p] = best_value
            continue
        order = sgs.biased_list(priority, alpha, pred_ptr, succ_ptr, succ_idx)
        start, value, passes = _decode(order, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr,
                                       succ_idx, partner_ptr, partner_idx, capacity)
        used += passes
        if value >= 0:
            lists[p] = _list_from_starts(start, rank)
            values[p] = value
            if value < best_value:
                best_value, best = value, start.copy()
        else:
            lists[p] = order
    while used < schedules:
        perm = np.random.permutation(population)
        for c in range(0, population - 1, 2):
            mother, father = lists[perm[c]], lists[perm[c + 1]]
            for child_slot in range(2):
                a, b = (mother, father) if child_slot == 0 else (father, mother)
                q1 = np.random.randint(0, n)
                q2 = np.random.randint(q1, n + 1)
                child = _crossover(a, b, q1, q2)
                _mutate(child, mutation, reach)
                start, value, passes = _decode(child, durations, demands, release, deadline, pred_ptr, pred_idx,
                                               succ_ptr, succ_idx, partner_ptr, partner_idx, capacity)
                used += passes
                slot = population + c + child_slot
                if value >= 0:
                    lists[slot] = _list_from_starts(start, rank)
                    values[slot] = value
                    if value < best_value:
                        best_value, best = value, start.copy()
                else:
                    lists[slot] = child
                    values[slot] = 1 << 60
        # ranking selection: the best `population` of parents and children survive
        keep = np.argsort(values, kind="mergesort")[:population]
        lists[:population] = lists[keep].copy()
        values[:population] = values[keep].copy()
        values[population:] = 1 << 60
    return best


def genetic_schedule(instance, arrays, schedules: int = 5000, seed: int = 0, population: int = 40,
                     mutation: float = 0.05, alpha: float = 2.0, time_limit: float | None = None) -> np.ndarray:
    """Run the GA for ``schedules`` SGS passes (in rounds, so ``time_limit`` can stop it early)."""
    started = time.perf_counter()
    reach = np.zeros((instance.n, instance.n), dtype=np.bool_)
    for task in reversed(instance.topological_order()):
        for s in instance.successors[task]:
            reach[task, s] = True
            reach[task] |= reach[s]
    best = best_rule_schedule(instance, arrays)
    used = 10 * 3
    priority = priority_values(instance, arrays, "lft")
    round_ = 0
    while used < schedules and (time_limit is None or time.perf_counter() - started < time_limit):
        size = schedules - used if time_limit is None else min(2000, schedules - used)
        start = genetic(priority, float(alpha), size, population, float(mutation), int(seed) * 7919 + round_, reach, best,
                        *arrays.graph)
        used += size
        round_ += 1
        best = sgs.shorter(start, best, arrays.durations)
    return best


@register("rcpsp/ga", ("rcpsp",), "heuristic",
          "activity-list GA (Hartmann 1998) with forward-backward improvement; params schedules, population")
def run_genetic(instance, options: SolveOptions):
    arrays = project_arrays(instance)
    start = None
    if arrays is not None:
        start = genetic_schedule(instance, arrays, schedules=int(options.params.get("schedules", 5000)), seed=options.seed,
                                 population=int(options.params.get("population", 40)), time_limit=options.time_limit)
    return _finish(instance, "rcpsp/ga", arrays, start)
