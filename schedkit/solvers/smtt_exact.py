"""``smtt/exact``: proven optima of 1‖ΣTⱼ by Lawler's decomposition with memoised subproblems
(kernels in :mod:`schedkit.solvers.smtt_memo`), and of weighted instances by a subset DP (n ≤ 22) or successive sublimation DP
(:mod:`schedkit.solvers.smtt_ssdp`).

The best cheap rule gives the first incumbent; when the time limit stops the search, that
incumbent (improved by iterated dynasearch) is returned with status ``feasible`` and the simple
lower bound Σ wⱼ max(0, pⱼ − dⱼ).
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from schedkit.bounds import smtt_bound
from schedkit.errors import MethodError
from schedkit.heuristics.smtt_rules import best_rule_sequence, sequence_schedule
from schedkit.registry import SolveOptions, register
from schedkit.result import FEASIBLE, OPTIMAL, Result
from schedkit.solvers import smtt_memo, smtt_ssdp

SUBSET_DP_MAX_JOBS = 22  # 2**22 states × 22 jobs: about a second, 32 MB


class MemoSolver:
    """Exact unweighted solver on one instance; ``run`` can be called with growing time budgets."""

    def __init__(self, instance):
        if instance.weighted and any(w != instance.w[0] for w in instance.w):
            raise MethodError("Lawler's decomposition holds for equal weights only")
        n = instance.n
        if n > smtt_memo.MAX_JOBS or sum(instance.p) > smtt_memo.MAX_TIME:
            raise MethodError(f"smtt/exact handles up to {smtt_memo.MAX_JOBS} jobs and Σp < 2^30")
        self.instance = instance
        # EDD order: ascending (d, p, id); "longer than" order: ascending (p, d, id) (notes 4.1)
        self.edd = np.array(sorted(range(n), key=lambda j: (instance.d[j], instance.p[j], j)), dtype=np.int64)
        longer = sorted(range(n), key=lambda j: (instance.p[j], instance.d[j], j))
        rank_of_job = np.empty(n, dtype=np.int64)
        rank_of_job[longer] = np.arange(n)
        self.P = np.asarray(instance.p, dtype=np.int64)[self.edd]
        self.D = np.asarray(instance.d, dtype=np.int64)[self.edd]
        self.RK = rank_of_job[self.edd]
        slots = 1 << max(10, int(4 * n * n).bit_length())
        self.table = np.zeros(2 * slots, dtype=np.int64)  # (key, value and decision) per slot
        self.used = 0
        self.expansions = 0

    def run(self, time_limit: float | None = None, chunk: int = 200_000) -> int | None:
        """The optimal value, or None when the time limit came first (the memo is kept)."""
        started = time.perf_counter()
        root = np.arange(self.instance.n, dtype=np.int64)
        # a resumed call first re-expands the nodes on the path to where it stopped (at most n,
        # their finished children are memoised): a budget of 4n guarantees progress
        chunk = max(chunk, 4 * self.instance.n)
        while True:
            status, value, self.used, spent = smtt_memo.branch_and_memorize(
                self.P, self.D, self.RK, self.table, self.used, root, 0, chunk)
            self.expansions += spent
            if status == smtt_memo.DONE:
                return int(value)
            if status == smtt_memo.FULL:
                # four times larger: every rehash moves all entries (2.7 CPU s for 2^25 of them), so growing by 4
                # instead of 2 moves 15 M entries instead of 45 M on the hardest 1000-job instances
                larger = np.zeros(4 * self.table.shape[0], dtype=np.int64)  # numpy: huge pages
                smtt_memo.rehash(self.table, larger)
                self.table = larger
                continue
            if time_limit is not None and time.perf_counter() - started >= time_limit:
                return None

    def sequence(self) -> list[int]:
        """The optimal sequence (job numbers); call after ``run`` returned a value."""
        root = np.arange(self.instance.n, dtype=np.int64)
        positions = smtt_memo.rebuild(self.P, self.D, self.RK, self.table, root, 0)
        return [int(self.edd[i]) for i in positions]


@njit(cache=True)
def subset_dp(p, d, w):
    """Held–Karp over job subsets: F(S) = min_{j∈S} F(S∖j) + w_j max(0, p(S) − d_j). O(2ⁿ n).
    Returns the optimal value and sequence."""
    n = p.shape[0]
    size = 1 << n
    best = np.full(size, np.int64(1) << 62, dtype=np.int64)
    last = np.zeros(size, dtype=np.int64)
    length = np.zeros(size, dtype=np.int64)
    best[0] = 0
    for s in range(1, size):
        low = s & (-s)
        j0 = 0
        while (1 << j0) != low:
            j0 += 1
        length[s] = length[s ^ low] + p[j0]
        for j in range(n):
            if s & (1 << j):
                value = best[s ^ (1 << j)] + w[j] * max(0, length[s] - d[j])
                if value < best[s]:
                    best[s], last[s] = value, j
    order = np.zeros(n, dtype=np.int64)
    s = size - 1
    for i in range(n - 1, -1, -1):
        order[i] = last[s]
        s ^= 1 << last[s]
    return best[size - 1], order


def _unweighted(instance) -> bool:
    return not instance.weighted or len(set(instance.w)) <= 1


@register("smtt/exact", ("smtt",), "exact",
          "proven optimum: Lawler decomposition + memo (unweighted), subset DP (weighted, n <= 22), SSDP (weighted, larger)")
def run_exact(instance, options: SolveOptions):
    started = time.perf_counter()
    if _unweighted(instance) and instance.n > 0:
        solver = MemoSolver(instance)
        value = solver.run(options.time_limit, chunk=int(options.params.get("chunk", 200_000)))
        if value is not None:
            rows, total = sequence_schedule(instance, solver.sequence())
            return Result("smtt", instance.name, "smtt/exact", OPTIMAL, objective=total, bound=total,
                          runtime_s=time.perf_counter() - started, schedule=rows,
                          trace=[(time.perf_counter() - started, total)], termination="optimal",
                          extra={"expansions": solver.expansions})
    elif instance.n <= SUBSET_DP_MAX_JOBS:
        p, d, w = (np.asarray(x, dtype=np.int64) for x in (instance.p, instance.d, instance.weights))
        value, order = subset_dp(p, d, w)
        rows, total = sequence_schedule(instance, order)
        return Result("smtt", instance.name, "smtt/exact", OPTIMAL, objective=total, bound=total,
                      runtime_s=time.perf_counter() - started, schedule=rows, termination="optimal")
    else:
        # weighted beyond the subset DP: successive sublimation DP, same result under smtt/exact
        result = smtt_ssdp.solve_weighted(instance, options)
        result.method = "smtt/exact"
        return result
    # time limit: the best rule's schedule, no proof
    rows, total = sequence_schedule(instance, best_rule_sequence(instance))
    return Result("smtt", instance.name, "smtt/exact", FEASIBLE, objective=total, bound=smtt_bound(instance),
                  runtime_s=time.perf_counter() - started, schedule=rows, trace=[(0.0, total)],
                  termination="time_limit")
