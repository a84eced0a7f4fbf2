"""SMTT improvement: adjacent interchange, insertion, dynasearch and an iterated local search.

Dynasearch after Congram, Potts & van de Velde (2002), "An iterated dynasearch algorithm for the
single-machine total weighted tardiness scheduling problem", INFORMS J. Computing 14:52–67: a
dynamic program over prefixes picks the best set of independent (non-overlapping) swaps at once.
The kernels are small numba functions over int64 arrays (cached); the descent and the iterated search
loop in Python so they can watch the clock.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from schedkit.heuristics.common import heuristic_result
from schedkit.heuristics.smtt_rules import best_rule_sequence, sequence_schedule
from schedkit.registry import SolveOptions, register
from schedkit.result import FEASIBLE, Result


@njit(cache=True)
def cost(sequence, p, d, w):
    """Σ w_j max(0, C_j − d_j) of ``sequence`` started at 0."""
    t, total = 0, 0
    for job in sequence:
        t += p[job]
        if t > d[job]:
            total += w[job] * (t - d[job])
    return total


@njit(cache=True)
def _pair_delta(a, b, start, p, d, w):
    """Change of cost when adjacent a, b (a first, starting at ``start``) become b, a."""
    before = w[a] * max(0, start + p[a] - d[a]) + w[b] * max(0, start + p[a] + p[b] - d[b])
    after = w[b] * max(0, start + p[b] - d[b]) + w[a] * max(0, start + p[a] + p[b] - d[a])
    return after - before


@njit(cache=True)
def adjacent_interchange(sequence, p, d, w):
    """Swap adjacent pairs while any swap strictly improves (first improvement, repeated passes)."""
    n = sequence.shape[0]
    improved = True
    while improved:
        improved = False
        start = 0
        for i in range(n - 1):
            a, b = sequence[i], sequence[i + 1]
            if _pair_delta(a, b, start, p, d, w) < 0:
                sequence[i], sequence[i + 1] = b, a
                improved = True
            start += p[sequence[i]]
    return sequence


@njit(cache=True)
def insertion(sequence, p, d, w):
    """Move single jobs forward or backward to the best position while that strictly improves."""
    return insertion_moves(sequence, p, d, w, -1)[0]


@njit(cache=True)
def insertion_moves(sequence, p, d, w, max_moves):
    """Insertion as in :func:`insertion`, stopped after ``max_moves`` moves (−1: no cap) so that a
    caller can watch the clock between calls; returns (sequence, moves made).

    Moving a job k places over is k adjacent swaps, so the change for every target position is
    accumulated along the way: O(n) per job, O(n²) per pass.
    """
    n = sequence.shape[0]
    moves = 0
    improved = True
    while improved and moves != max_moves:
        improved = False
        starts = np.zeros(n, dtype=np.int64)
        for i in range(1, n):
            starts[i] = starts[i - 1] + p[sequence[i - 1]]
        for i in range(n):
            job = sequence[i]
            best_delta, best_target = 0, i
            # later: the job passes sequence[k] for k = i+1..n-1
            delta, start = 0, starts[i]
            for k in range(i + 1, n):
                delta += _pair_delta(job, sequence[k], start, p, d, w)
                start += p[sequence[k]]
                if delta < best_delta:
                    best_delta, best_target = delta, k
            # earlier: sequence[k] for k = i-1..0 passes over the job
            delta = 0
            for k in range(i - 1, -1, -1):
                delta += _pair_delta(sequence[k], job, starts[k], p, d, w)
                if delta < best_delta:
                    best_delta, best_target = delta, k
                # after the swap the job starts at starts[k]; later swaps use earlier starts only
            if best_target != i:
                if best_target > i:
                    sequence[i:best_target] = sequence[i + 1:best_target + 1].copy()
                else:
                    sequence[best_target + 1:i + 1] = sequence[best_target:i].copy()
                sequence[best_target] = job
                improved = True
                moves += 1
                break
    return sequence, moves


@njit(cache=True)
def dynasearch_pass(sequence, p, d, w):
    """One dynasearch step: the best set of non-overlapping swaps of two positions (adjacent or not),
    found by a DP over prefixes; returns the new sequence and whether it improved."""
    n = sequence.shape[0]
    completion = np.cumsum(p[sequence])
    own = np.zeros(n, dtype=np.int64)
    for i in range(n):
        own[i] = w[sequence[i]] * max(0, completion[i] - d[sequence[i]])
    best = np.zeros(n + 1, dtype=np.int64)  # best[j]: best cost of positions 0..j-1
    choice = np.full(n + 1, -1, dtype=np.int64)  # start i of a swap (i, j-1) closing prefix j, -1 none
    for j in range(1, n + 1):
        best[j] = best[j - 1] + own[j - 1]
        last = j - 1
        for i in range(last):
            a, b = sequence[i], sequence[last]
            before = completion[i - 1] if i > 0 else 0
            shift = p[b] - p[a]
            segment = w[b] * max(0, before + p[b] - d[b])
            for k in range(i + 1, last):
                job = sequence[k]
                segment += w[job] * max(0, completion[k] + shift - d[job])
            segment += w[a] * max(0, completion[last] - d[a])
            value = best[i] + segment
            if value < best[j]:
                best[j], choice[j] = value, i
    if best[n] >= cost(sequence, p, d, w):
        return sequence, False
    result = sequence.copy()
    j = n
    while j > 0:
        i = choice[j]
        if i < 0:
            j -= 1
        else:
            result[i], result[j - 1] = sequence[j - 1], sequence[i]
            j = i
    return result, True


INSERTION_CHUNK = 32  # insertion moves between two looks at the clock (one move is O(n²))


def descend(sequence, p, d, w, deadline: float | None = None):
    """Dynasearch to a local optimum, then insertion, repeated until neither improves.

    With a ``deadline`` (a ``time.perf_counter()`` value) the clock is read between dynasearch
    passes and between chunks of insertion moves, and the current sequence is returned once it
    has passed: a pass is O(n³) (tens of milliseconds at n = 500), so a limit overshoots by about
    one pass. The first descent from a rule's order at n = 500 can take seconds.
    """
    def late() -> bool:
        return deadline is not None and time.perf_counter() >= deadline

    while True:
        before = cost(sequence, p, d, w)
        improved = True
        while improved:
            if late():
                return sequence
            sequence, improved = dynasearch_pass(sequence, p, d, w)
        moves = INSERTION_CHUNK
        while moves == INSERTION_CHUNK:
            if late():
                return sequence
            sequence, moves = insertion_moves(sequence, p, d, w, INSERTION_CHUNK)
        if cost(sequence, p, d, w) >= before:
            return sequence


@njit(cache=True)
def kick(sequence, swaps, seed):
    """A random perturbation: ``swaps`` swaps of two positions at most n/4 apart (seeded)."""
    np.random.seed(seed)
    result = sequence.copy()
    n = result.shape[0]
    span = max(2, n // 4)
    for _ in range(swaps):
        i = np.random.randint(0, n)
        j = min(n - 1, i + np.random.randint(1, span))
        result[i], result[j] = result[j], result[i]
    return result


def _arrays(instance):
    return (np.asarray(instance.p, dtype=np.int64), np.asarray(instance.d, dtype=np.int64),
            np.asarray(instance.weights, dtype=np.int64))


def start_sequence(instance, options: SolveOptions) -> np.ndarray:
    """The warm start's order when one is given, else the best of the cheap rules."""
    if options.warm_start:
        order = [row["job"] for row in sorted(options.warm_start, key=lambda r: r["start"])]
    else:
        order = best_rule_sequence(instance)
    return np.asarray(order, dtype=np.int64)


def iterated_dynasearch(instance, sequence, time_limit: float = 1.0, seed: int = 0, target: int | None = None,
                        max_iterations: int | None = None):
    """Iterated dynasearch (Congram et al. 2002): descend, kick the best sequence with a few random
    swaps, descend again, keep the better (ties accepted); stop at the time limit, the iteration
    cap or when ``target`` is reached. Returns (sequence, cost, trace [(seconds, cost)])."""
    p, d, w = _arrays(instance)
    started = time.perf_counter()
    deadline = started + time_limit
    best = descend(sequence.copy(), p, d, w, deadline)
    best_cost = cost(best, p, d, w)
    trace = [(time.perf_counter() - started, int(best_cost))]
    iteration = 0
    rng = np.random.default_rng(seed)
    while best_cost > 0 and (target is None or best_cost > target) and instance.n > 1:
        if max_iterations is not None and iteration >= max_iterations:
            break
        if time.perf_counter() - started >= time_limit:
            break
        iteration += 1
        candidate = descend(kick(best, int(rng.integers(2, 6)), int(rng.integers(0, 2**31 - 1))), p, d, w, deadline)
        value = cost(candidate, p, d, w)
        if value <= best_cost:
            if value < best_cost:
                trace.append((time.perf_counter() - started, int(value)))
            best, best_cost = candidate, value
    return best, int(best_cost), trace


def _result(instance, name: str, sequence, trace=None) -> Result:
    rows, total = sequence_schedule(instance, sequence)
    result = heuristic_result(instance, name, rows, total)
    if trace:
        result.trace = trace
    return result


@register("smtt/interchange", ("smtt",), "heuristic", "adjacent pairwise interchange to a local optimum")
def run_interchange(instance, options: SolveOptions):
    p, d, w = _arrays(instance)
    return _result(instance, "smtt/interchange", adjacent_interchange(start_sequence(instance, options), p, d, w))


@register("smtt/insertion", ("smtt",), "heuristic", "single-job insertion to a local optimum")
def run_insertion(instance, options: SolveOptions):
    p, d, w = _arrays(instance)
    return _result(instance, "smtt/insertion", insertion(start_sequence(instance, options), p, d, w))


@register("smtt/dynasearch", ("smtt",), "heuristic", "dynasearch swaps + insertion to a local optimum (Congram et al. 2002)")
def run_dynasearch(instance, options: SolveOptions):
    p, d, w = _arrays(instance)
    return _result(instance, "smtt/dynasearch", descend(start_sequence(instance, options), p, d, w))


@register("smtt/ils", ("smtt",), "heuristic", "iterated dynasearch with random swap kicks; runs to --time-limit (default 1 s)")
def run_ils(instance, options: SolveOptions):
    limit = options.time_limit if options.time_limit is not None else 1.0
    iterations = options.params.get("iterations")
    sequence, _, trace = iterated_dynasearch(instance, start_sequence(instance, options), time_limit=limit,
                                             seed=options.seed, max_iterations=iterations)
    result = _result(instance, "smtt/ils", sequence, trace)
    result.status = FEASIBLE
    result.termination = "time_limit" if iterations is None else "iteration_limit"
    return result
