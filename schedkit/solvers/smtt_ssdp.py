"""``smtt/ssdp``: proven optima of 1‖ΣwⱼTⱼ by successive sublimation dynamic programming.

After Tanaka, Fujikuma & Araki (2009), J. Scheduling 12:575–593 (steps in the shared notes
``papers/smtt_weighted.md``). The time-indexed model's "each job once" constraints are relaxed
with multipliers μ; the relaxation is a shortest path over time solved by DP (kernels in
:mod:`schedkit.solvers.smtt_ssdp_kernels`):

1. stage 1 — labels per time t, no job twice in a row; conjugate subgradient on μ;
2. stage 2 — states (t, j) with the adjacent-pair rule and no i–j–i; subgradient continues, and
   after every DP the states whose cheapest path through them exceeds UB − 1 are eliminated;
3. stage 3 — μ fixed; states (t, j, S) where S records which "modifier" jobs are done; modifiers
   (jobs missing or repeated on the relaxed path) are added a few at a time until the relaxed
   optimum is a permutation, its bound reaches UB, or no state survives.

A feasible schedule's Lagrangian cost equals its true cost, so elimination against UB − 1 never
removes a schedule that beats the incumbent; when nothing survives the incumbent is optimal.
The upper bound comes from the cheap rules plus iterated dynasearch, and is repaired from the
relaxed paths during stages 2 and 3.
"""

from __future__ import annotations

import math
import time

import numpy as np

from schedkit.bounds import smtt_bound
from schedkit.errors import MethodError
from schedkit.heuristics import smtt_local
from schedkit.heuristics.smtt_rules import sequence_schedule
from schedkit.registry import SolveOptions, register
from schedkit.result import FEASIBLE, OPTIMAL, Result
from schedkit.solvers import smtt_ssdp_kernels as K

EPS = 1e-6  # float slack: a bound within EPS of UB − 1 is not trusted to prune
MAX_MODIFIERS = 62  # S is one int64 bit set
MAX_GRID = 6_000_000  # (Σp + 1)·n time-job entries: the stage-2 label arrays take about 100 bytes each
MAX_NODES = 1 << 21  # refined states per stage-3 step (with 8 arcs each about 0.5 GB)


class Subgradient:
    """Conjugate subgradient on μ with the step rules of SiPS (notes §1.2)."""

    def __init__(self, mu, expand, ratio, patience):
        self.mu = mu
        self.best_mu = mu.copy()
        self.best = -math.inf
        self.step = 1.0
        self.expand, self.ratio, self.patience = expand, ratio, patience
        self.direction = None
        self.history = []  # best bound after each iteration
        self.updates = 0
        self.flat = 0

    def update(self, value, counts, ub) -> bool:
        """Record L(μ) and the job counts of its path, move μ; True when the stage should stop."""
        n = self.mu.shape[0]
        if value > self.best + 1e-9:
            self.best, self.best_mu = value, self.mu.copy()
            self.updates += 1
            self.step = min(1.0, self.step * self.expand)
            self.flat = 0
        else:
            self.flat += 1
            if self.flat >= 2:
                self.step *= 0.9
                self.flat = 0
        self.history.append(self.best)
        g = 1.0 - counts
        direction = g
        if self.direction is not None:
            norm = np.linalg.norm(self.direction)
            if norm > 0:
                candidate = g + (np.linalg.norm(g) / norm) * self.direction
                if np.dot(candidate, candidate) > 0:  # g anti-parallel to the old direction: plain g
                    direction = candidate
        self.direction = direction
        size = float(np.dot(direction, direction))
        if size > 0:
            self.mu += self.step * max(ub - value, 0.0) / size * direction
        iterations = len(self.history)
        window = max(1, n // 4)
        if self.step < 1e-4 or iterations > 20 * n + 100:
            return True
        if iterations > window and self.updates >= n / 10:
            gain = self.best - self.history[-1 - window]
            if gain < self.ratio * (ub - self.best):
                return True
        return iterations >= self.patience and self.updates <= 1


class SSDP:
    """One weighted instance; ``run`` proves the optimum or stops at the time limit."""

    def __init__(self, instance, options: SolveOptions):
        self.instance = instance
        self.options = options
        self.n = instance.n
        self.p = np.asarray(instance.p, dtype=np.int64)
        self.d = np.asarray(instance.d, dtype=np.int64)
        self.w = np.asarray(instance.weights, dtype=np.int64)
        self.T = int(self.p.sum())
        if (self.T + 1) * self.n > MAX_GRID:
            raise MethodError(f"smtt/ssdp works on the time grid 0..Σp: (Σp + 1)·n = {(self.T + 1) * self.n} exceeds "
                              f"{MAX_GRID} (memory); use smtt/ils for a good schedule")
        # tie-break order of the adjacent-pair rule: EDD (then p, job number)
        order = sorted(range(self.n), key=lambda j: (instance.d[j], instance.p[j], j))
        self.rank = np.empty(self.n, dtype=np.int64)
        self.rank[order] = np.arange(self.n)
        self.started = time.perf_counter()
        self.deadline = None if options.time_limit is None else self.started + options.time_limit
        self.lb = int(smtt_bound(instance))
        self.sequence = None
        self.ub = None
        self.trace = []
        self.stats = {"stage": 0, "stage_lb": [], "iterations": [0, 0], "states": [], "modifiers": 0, "steps": 0}

    # ------------------------------------------------------------ bounds and incumbents

    def _offer(self, sequence) -> None:
        value = int(smtt_local.cost(sequence, self.p, self.d, self.w))
        if self.ub is None or value < self.ub:
            self.sequence, self.ub = sequence.copy(), value
            self.trace.append((time.perf_counter() - self.started, value))

    def _repair(self, path) -> None:
        """An incumbent from a relaxed path: first occurrences, the missing jobs inserted one by
        one where they cost least, then dynasearch + insertion to a local optimum."""
        seen = np.zeros(self.n, dtype=bool)
        order = []
        for j in path:
            if not seen[j]:
                seen[j] = True
                order.append(int(j))
        missing = sorted(np.flatnonzero(~seen), key=lambda j: -self.w[j] / self.p[j])
        for j in missing:
            best, where = None, 0
            for k in range(len(order) + 1):
                value = smtt_local.cost(np.asarray([*order[:k], int(j), *order[k:]], dtype=np.int64), self.p, self.d, self.w)
                if best is None or value < best:
                    best, where = value, k
            order.insert(where, int(j))
        self._offer(smtt_local.descend(np.asarray(order, dtype=np.int64), self.p, self.d, self.w))

    def _raise_lb(self, value) -> None:
        self.lb = max(self.lb, min(self.ub, math.ceil(value - EPS)))

    def _limit(self, mu) -> float:
        """Largest Lagrangian path value (net of Σμ) a schedule better than UB can have."""
        return self.ub - 1 + EPS - float(mu.sum())

    def _proven(self) -> bool:
        return self.lb >= self.ub

    def _out_of_time(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    # ------------------------------------------------------------ stages

    def initial_upper_bound(self) -> None:
        params = self.options.params
        start = smtt_local.start_sequence(self.instance, self.options)  # the warm start, else the best cheap rule
        limit = float(params.get("ils_limit", 0.05 + 0.002 * self.n))
        iterations = int(params.get("ils_iterations", 2 * self.n))
        if self.deadline is not None:
            limit = min(limit, 0.2 * self.options.time_limit)
        sequence, _, _ = smtt_local.iterated_dynasearch(self.instance, start, time_limit=limit, seed=self.options.seed,
                                                        max_iterations=iterations)
        self._offer(sequence)
        self._raise_lb(self.lb)

    def start_multipliers(self):
        """μ⁰: zero, or each job's cost in the incumbent (then the incumbent's path costs 0 net)."""
        if self.options.params.get("mu_start", "zero") == "zero":
            return np.zeros(self.n)
        completion = np.empty(self.n, dtype=np.int64)
        completion[self.sequence] = np.cumsum(self.p[self.sequence])
        return (self.w * np.maximum(0, completion - self.d)).astype(float)

    def stage1(self, mu):
        """Subgradient on the time-only relaxation; returns the best μ and the live (t, j) states."""
        p, d, w, T = self.p, self.d, self.w, self.T
        params = self.options.params
        opt = Subgradient(mu, expand=1.25, ratio=float(params.get("stage1_ratio", 0.02)),
                          patience=max(1, int(float(params.get("stage1_patience", 1 / 3)) * self.n)))
        alive = np.arange(T + 1)[:, None] >= p[None, :]
        every = int(params.get("stage1_elimination", 5))  # eliminate at every so many μ: each prunes other states
        while not self._proven() and not self._out_of_time():
            f1, j1, q1, f2, j2, q2 = K.lr1_forward(p, d, w, opt.mu, T)
            value = f1[T] + opt.mu.sum()
            self._raise_lb(value)
            if every and len(opt.history) % every == every - 1:
                g1, k1, g2, _ = K.lr1_backward(p, d, w, opt.mu, T)
                if K.lr1_states(p, d, w, opt.mu, T, f1, j1, f2, g1, k1, g2, self._limit(opt.mu), alive) == 0:
                    self.lb = self.ub
                    break
            path = K.lr1_path(p, j1, q1, j2, q2, T)
            counts = np.bincount(path, minlength=self.n).astype(float)
            if np.all(counts == 1):  # the relaxed optimum is a schedule: optimal
                self._offer(path)
                self._raise_lb(value)
                break
            if opt.update(value, counts, self.ub):
                break
        self.stats["iterations"][0] = len(opt.history)
        self.stats["stage_lb"].append(self.lb)
        mu = opt.best_mu
        f1, j1, _, f2, _, _ = K.lr1_forward(p, d, w, mu, T)
        g1, k1, g2, _ = K.lr1_backward(p, d, w, mu, T)
        if K.lr1_states(p, d, w, mu, T, f1, j1, f2, g1, k1, g2, self._limit(mu), alive) == 0:
            self.lb = self.ub
        return mu, alive

    def stage2(self, mu, alive):
        """Subgradient on the (t, j) relaxation with state elimination after every DP."""
        p, d, w, T, rank = self.p, self.d, self.w, self.T, self.rank
        params = self.options.params
        opt = Subgradient(mu, expand=1.3, ratio=float(params.get("stage2_ratio", 0.1)),
                          patience=max(1, int(float(params.get("stage2_patience", 1)) * self.n)))
        start, jobs, opening, by_start = K.time_lists(p, alive)
        forward, backward = K.lr2_buffers(T, self.n), K.lr2_buffers(T, self.n)
        self.stats["states"].append(int(jobs.shape[0]))
        while not self._proven() and not self._out_of_time():
            limit = self._limit(opt.mu)
            h1, k1, h2, _ = K.lr1_backward(p, d, w, opt.mu, T)  # cheap suffix bounds for the forward pass
            f1, a1, q1, f2, a2, q2 = K.lr2_forward(p, d, w, opt.mu, rank, alive, start, jobs, h1, k1, h2, limit, T, forward)
            best, last = K.lr2_best(start, jobs, f1, T)
            if last < 0:  # nothing better than UB is left
                self.lb = self.ub
                break
            value = best + opt.mu.sum()
            self._raise_lb(value)
            _, _, _, _, left = K.lr2_backward(p, d, w, opt.mu, rank, alive, start, jobs, opening, by_start,
                                              f1, a1, f2, limit, T, backward)
            if left == 0:
                self.lb = self.ub
                break
            start, jobs, opening, by_start = K.time_lists(p, alive)
            path = K.lr2_path(p, a1, q1, a2, q2, last, T)
            counts = np.bincount(path, minlength=self.n).astype(float)
            if np.all(counts == 1):
                self._offer(path)
                self._raise_lb(value)
                break
            if len(opt.history) % 10 == 0:
                self._repair(path)
            if opt.update(value, counts, self.ub):
                break
        self.stats["iterations"][1] = len(opt.history)
        self.stats["stage_lb"].append(self.lb)
        self.stats["states"].append(int(alive.sum()))
        return opt.best_mu, alive

    def stage3(self, mu, alive) -> None:
        """Refine states by modifier sets until the proof closes (μ fixed)."""
        p, d, w, T = self.p, self.d, self.w, self.T
        bt, bj, out_start, out, first = K.base_graph(p, d, w, self.rank, alive, T)
        cost = w[bj] * np.maximum(0, bt - d[bj]) - mu[bj]
        arc_alive = np.ones(out.shape[0], dtype=np.bool_)
        base_count = bt.shape[0]
        prev = K.bound_table(np.arange(base_count, dtype=np.int64), np.zeros(base_count, dtype=np.int64),
                             np.full(base_count, -K.INF), np.ones(base_count, dtype=np.bool_))
        modbit = np.zeros(self.n, dtype=np.int64)
        modifiers = []
        old_mask = 0
        max_nodes = int(self.options.params.get("max_nodes", MAX_NODES))
        capacity = min(1 << 16, max_nodes)
        per_step = int(self.options.params.get("modifiers_per_step", 3))
        added = []
        while not self._proven() and not self._out_of_time():
            full = int(np.bitwise_or.reduce(modbit)) if modifiers else 0
            while True:
                nb, ns, f1, a1, q1, f2, _, q2, au, av, ab, count, _ = K.refine_forward(
                    p, bt, bj, out_start, out, arc_alive, first, cost, modbit, old_mask,
                    prev[0], prev[1], prev[2], self._limit(mu), T, capacity)
                if count >= 0 or capacity >= max_nodes:
                    break
                capacity = min(4 * capacity, max_nodes)
            if count < 0:
                if len(added) <= 1:
                    return  # out of memory budget even with one new modifier: no proof
                for j in added[1:]:  # too big a step: keep only the first new modifier
                    modbit[j] = 0
                    modifiers.remove(j)
                added = added[:1]
                continue
            self.stats["steps"] += 1
            best, node = K.refine_best(bt, nb, ns, f1, full, T)
            if node < 0:
                self.lb = self.ub
                return
            value = best + mu.sum()
            self._raise_lb(value)
            path = K.refine_path(bj, nb, q1, q2, node)
            counts = np.bincount(path, minlength=self.n)
            if np.all(counts == 1):
                self._offer(path)
                self._raise_lb(value)
                return
            self._repair(path)
            if self._proven():
                return
            g1, b1, g2, _ = K.refine_backward(bt, bj, nb, ns, au, av, cost, full, T)
            keep, base_alive, arc_alive = K.refine_eliminate(bj, nb, f1, a1, f2, g1, b1, g2, au, av, ab, cost,
                                                             self._limit(mu), base_count, out.shape[0])
            if not keep.any():
                self.lb = self.ub
                return
            prev = K.bound_table(nb, ns, g1, keep)
            first = first & base_alive
            # new modifiers: jobs missing from or repeated on the relaxed path, fewest live states first
            live = np.bincount(bj[base_alive], minlength=self.n)
            candidates = [j for j in np.flatnonzero(counts != 1) if modbit[j] == 0]
            candidates.sort(key=lambda j: (live[j], j))
            if not candidates or len(modifiers) >= MAX_MODIFIERS:
                return
            old_mask = full
            added = [int(j) for j in candidates[:min(per_step, MAX_MODIFIERS - len(modifiers))]]
            for j in added:
                modbit[j] = np.int64(1) << len(modifiers)
                modifiers.append(j)
            self.stats["modifiers"] = len(modifiers)
            self.stats["states"].append(int(keep.sum()))

    def run(self) -> None:
        if self.n == 0:
            self.sequence, self.ub, self.lb = np.zeros(0, dtype=np.int64), 0, 0
            return
        self.initial_upper_bound()
        if self._proven():
            return
        mu = self.start_multipliers()
        self.stats["stage"] = 1
        mu, alive = self.stage1(mu)
        if self._proven() or self._out_of_time():
            return
        self.stats["stage"] = 2
        mu, alive = self.stage2(mu, alive)
        if self._proven() or self._out_of_time():
            return
        self.stats["stage"] = 3
        self.stage3(mu, alive)


def solve_weighted(instance, options: SolveOptions) -> Result:
    """Prove the optimum of a (weighted) SMTT instance by SSDP; at the time limit, the incumbent
    with status ``feasible`` and the Lagrangian lower bound."""
    solver = SSDP(instance, options)
    solver.run()
    rows, total = sequence_schedule(instance, solver.sequence)
    proven = solver.lb >= total
    stopped = "time_limit" if solver._out_of_time() else "memory_limit"
    return Result("smtt", instance.name, "smtt/ssdp", OPTIMAL if proven else FEASIBLE, objective=total,
                  bound=total if proven else solver.lb, runtime_s=time.perf_counter() - solver.started, schedule=rows,
                  trace=solver.trace, termination="optimal" if proven else stopped,
                  extra={"ssdp": solver.stats})


@register("smtt/ssdp", ("smtt",), "exact",
          "proven optimum of 1||sum wT by successive sublimation DP (Tanaka et al. 2009), Lagrangian bound at the time limit")
def run_ssdp(instance, options: SolveOptions):
    return solve_weighted(instance, options)
