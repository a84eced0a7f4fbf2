"""Constructive SMTT rules: EDD, SPT, MDD, WMDD, ATC, PSK, Panneerselvam, Wilkerson–Irwin, EDDC, MDDC, augmented MDD/MDDC.

Definitions, tie-breaking included, follow the shared notes ``papers/smtt.md`` section 1 (EDDC and
MDDC are Algorithms 1 and 2 of Çetinkaya et al., arXiv 2510.24013; the augmented rules their
Algorithm 3 after Bean & Hall 1985). Each rule returns a job sequence (0-based job numbers);
every dispatching step is one vectorised pass over the unplaced jobs, so a rule is O(n²); the
augmented rules evaluate all Bean & Hall moves of a step in O(m log K) (Fenwick trees), O(n² log K) in all.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from numba import njit

from schedkit.heuristics.common import heuristic_result
from schedkit.registry import SolveOptions, register


def sequence_schedule(instance, sequence) -> tuple[list[dict], int]:
    """Schedule rows for jobs run back to back in ``sequence``, and the total weighted tardiness."""
    rows, time, total = [], 0, 0
    weights = instance.weights
    for job in sequence:
        job = int(job)
        rows.append({"job": job, "start": time, "end": time + instance.p[job]})
        time += instance.p[job]
        total += weights[job] * max(0, time - instance.d[job])
    return rows, total


def total_tardiness(instance, sequence) -> int:
    """Σ w_j T_j of ``sequence`` started at time 0."""
    return sequence_schedule(instance, sequence)[1]


def _arrays(instance):
    return (np.asarray(instance.p, dtype=np.int64), np.asarray(instance.d, dtype=np.int64),
            np.asarray(instance.weights, dtype=np.int64))


def edd_sequence(instance) -> list[int]:
    """Earliest due date first; ties by job number."""
    return sorted(range(instance.n), key=lambda j: (instance.d[j], j))


def spt_sequence(instance) -> list[int]:
    """Shortest processing time first; ties by job number."""
    return sorted(range(instance.n), key=lambda j: (instance.p[j], j))


def _dispatch(instance, priority) -> list[int]:
    """Build front to back: at time t append the unplaced job with the smallest ``priority(t, placed)``
    (a float array over all jobs; placed ones are masked); ties go to the smaller job number."""
    p = np.asarray(instance.p, dtype=np.int64)
    placed = np.zeros(instance.n, dtype=bool)
    sequence, t = [], 0
    for _ in range(instance.n):
        value = np.minimum(priority(t, placed), np.finfo(float).max)  # an infinite priority still beats a placed job
        value[placed] = np.inf
        job = int(np.argmin(value))  # argmin returns the first minimum: the smaller job number
        sequence.append(job)
        placed[job] = True
        t += int(p[job])
    return sequence


def mdd_sequence(instance) -> list[int]:
    """MDD (Baker & Bertrand 1982): smallest modified due date max(d_j, t + p_j); ties by job number."""
    p, d, _ = _arrays(instance)
    return _dispatch(instance, lambda t, placed: np.maximum(d, t + p).astype(float))


def wmdd_sequence(instance) -> list[int]:
    """WMDD (Kanet & Li 2004): smallest max(p_j, d_j − t) / w_j; ties by job number (w_j = 0 last)."""
    p, d, w = _arrays(instance)

    def priority(t, placed):
        return np.where(w > 0, np.maximum(p, d - t) / np.maximum(w, 1), np.inf)

    return _dispatch(instance, priority)


def atc_sequence(instance, k: float = 2.0) -> list[int]:
    """ATC (Vepsalainen & Morton 1987): largest (w_j/p_j)·exp(−max(0, d_j − p_j − t)/(k·p̄)),
    p̄ the mean processing time of the unplaced jobs; ties by job number."""
    p, d, w = _arrays(instance)

    def priority(t, placed):
        mean_p = p[~placed].mean()
        slack = np.maximum(0, d - p - t)
        return -(w / p) * np.exp(-slack / (k * mean_p))

    return _dispatch(instance, priority)


def psk_sequence(instance) -> list[int]:
    """PSK (Panwalkar, Smith & Koulamas 1993), one pass over the SPT order (ties by due date, then
    job number). The first unplaced job is the active job; it is scheduled at once if it is late
    at t (t + p ≥ d); otherwise a later unplaced job j takes over as the active job when it would
    complete before the active job's due date and is due earlier (max(d_j, t + p_j) < d_active).
    Reconstructed from secondary descriptions (the original paper was not at hand): the check is
    the benchmark, where the seed paper puts PSK within 0.1 point of MDD."""
    order = sorted(range(instance.n), key=lambda j: (instance.p[j], instance.d[j], j))
    p, d = instance.p, instance.d
    sequence, t = [], 0
    while order:
        active = 0
        for position in range(1, len(order)):
            if t + p[order[active]] >= d[order[active]]:
                break  # the active job is late already: shortest first is right for it
            candidate = order[position]
            if max(d[candidate], t + p[candidate]) < d[order[active]]:
                active = position
        job = order.pop(active)
        sequence.append(job)
        t += p[job]
    return sequence


def panneerselvam_sequence(instance) -> list[int]:
    """Panneerselvam (2006), Int. J. Adv. Manuf. Technol. 30:722–726, as the shared notes describe it:
    a slack-per-processing-time rule. At time t append the unplaced job with the smallest
    (d_j − t − p_j) / p_j; ties by job number. Reconstructed from that one-line description (the
    original paper was not at hand); it is a baseline only, the seed paper's worst rule."""
    p, d, _ = _arrays(instance)
    return _dispatch(instance, lambda t, placed: (d - t - p) / p)


def wilkerson_irwin_sequence(instance) -> list[int]:
    """Wilkerson & Irwin (1971), as in Baker's textbook: an EDD list of unscheduled jobs, a scheduled
    list and a pivot job. The pairwise rule for two jobs started at F, e the one due first (EDD
    order), l the other: e goes first if p_e ≤ p_l or F + max(p_e, p_l) ≤ d_l, else l goes first.
    If the pivot goes before the first unscheduled job γ, the pivot is scheduled and γ becomes the
    pivot; otherwise the pivot returns to the head of the unscheduled list, γ becomes the pivot, and
    scheduled jobs that should not precede it return to the head too, in their scheduled order.
    (Re-inserting returned jobs by due date instead can cycle forever.) EDD ties by job number.
    Weights are ignored (the rule has no weighted form)."""
    p, d = instance.p, instance.d
    if instance.n < 2:
        return list(range(instance.n))

    def precedes(x, y, start):
        early, late = (x, y) if (d[x], x) < (d[y], y) else (y, x)  # the test is stated for the EDD-first job
        early_first = p[early] <= p[late] or start + max(p[early], p[late]) <= d[late]
        return early_first == (x == early)

    unscheduled = deque(sorted(range(instance.n), key=lambda j: (d[j], j)))
    first, second = unscheduled.popleft(), unscheduled.popleft()
    scheduled, pivot = ([first], second) if precedes(first, second, 0) else ([second], first)
    finish = p[scheduled[0]]  # completion time of the scheduled list
    while unscheduled:
        candidate = unscheduled.popleft()
        if precedes(pivot, candidate, finish):
            scheduled.append(pivot)
            finish += p[pivot]
            pivot = candidate
            continue
        unscheduled.appendleft(pivot)  # the candidate becomes the pivot
        pivot = candidate
        while scheduled and not precedes(scheduled[-1], pivot, finish - p[scheduled[-1]]):
            job = scheduled.pop()
            finish -= p[job]
            unscheduled.appendleft(job)
    scheduled.append(pivot)
    return scheduled


@njit(cache=True)
def _eddc_kernel(p, d, order):
    """Algorithm 1 of the paper on ``order`` (SPT, ties by d then job): move a job with an earlier
    due date forward past jobs that would still be early. ``completion[k]`` is kept up to date."""
    n = order.shape[0]
    sequence = order.copy()
    completion = np.cumsum(p[sequence])
    for i in range(1, n):
        k = i
        while k > 0 and d[sequence[k]] < d[sequence[k - 1]]:
            if d[sequence[k - 1]] > completion[k - 1]:
                sequence[k - 1], sequence[k] = sequence[k], sequence[k - 1]
                before = completion[k - 2] if k >= 2 else 0
                completion[k - 1] = before + p[sequence[k - 1]]
            k -= 1
    return sequence


def eddc_sequence(instance) -> list[int]:
    """EDDC, the EDD Challenger (Algorithm 1 of Çetinkaya et al. 2025, as in its code: the start
    order is SPT with ties by due date, then job number)."""
    p, d, _ = _arrays(instance)
    order = np.array(sorted(range(instance.n), key=lambda j: (instance.p[j], instance.d[j], j)), dtype=np.int64)
    return [int(j) for j in _eddc_kernel(p, d, order)]


def _mddc_priority(p_u: np.ndarray, d_u: np.ndarray, t: int) -> np.ndarray:
    """The MDDC score μ of the unplaced jobs (Algorithm 2), in floating point as the paper computes it."""
    mu = np.maximum(1.1 * p_u + t, d_u)
    rho = np.minimum(1.0, p_u / (t + p_u.max()))
    mu = mu * (1 + rho**2 / (1 + rho**2))
    return mu + p_u / (t + p_u.sum() / p_u.shape[0])


def mddc_order(instance) -> np.ndarray:
    """MDDC's list order of the unplaced jobs: due date, then processing time, then job number."""
    return np.array(sorted(range(instance.n), key=lambda j: (instance.d[j], instance.p[j], j)), dtype=np.int64)


def _augment(sequence: list[int], p, d, w, t: int, levels: np.ndarray, level_of_job: np.ndarray) -> None:
    """Bean & Hall's augmentation (Algorithm 3): the best move 'job at position i (not the last)
    to the end' of the partial sequence, applied if it strictly lowers its weighted tardiness."""
    if len(sequence) < 2:
        return
    best_position, best_delta = _best_move_to_end(np.asarray(sequence, dtype=np.int64), p, d, w, t, levels, level_of_job)
    if best_delta < 0:
        sequence.append(sequence.pop(best_position))


@njit(cache=True)
def _fenwick_add(tree, index, value):
    index += 1
    while index < tree.shape[0]:
        tree[index] += value
        index += index & -index


@njit(cache=True)
def _fenwick_prefix(tree, index):
    """Sum of the entries 0..index."""
    total = 0
    index += 1
    while index > 0:
        total += tree[index]
        index -= index & -index
    return total


@njit(cache=True)
def _best_move_to_end(sequence, p, d, w, t, levels, level_of_job):
    """For each position i < m−1: change of Σ w T when sequence[i] moves to the end. The jobs after
    it finish p_i earlier, so a tardy job k gains w_k·min(τ_k, p_i) (τ_k its tardiness): one sweep
    from the back keeps the tardy jobs seen so far in two Fenwick trees indexed by how many distinct
    processing times (``levels``, sorted) are ≤ τ_k, so Σ_{k>i} w_k·min(τ_k, p_i) costs O(log K).
    O(m log K) per call instead of O(m²). Returns the first best position and its change."""
    m = sequence.shape[0]
    levels_count = levels.shape[0]
    completion = np.cumsum(p[sequence])
    weighted_tardiness = np.zeros(levels_count + 2, dtype=np.int64)  # Σ w_k τ_k per bucket
    weight = np.zeros(levels_count + 2, dtype=np.int64)  # Σ w_k per bucket
    weight_total = 0
    best_position, best_delta = -1, 0
    for i in range(m - 1, -1, -1):
        job = sequence[i]
        if i < m - 1:
            level = level_of_job[job]  # τ_k < p_i  ⇔  bucket(τ_k) ≤ level
            short = _fenwick_prefix(weighted_tardiness, level)
            long_weight = weight_total - _fenwick_prefix(weight, level)
            gain = short + p[job] * long_weight
            delta = w[job] * (max(0, t - d[job]) - max(0, completion[i] - d[job])) - gain
            if best_position < 0 or delta <= best_delta:  # sweeping backwards: ties go to the earlier position
                best_position, best_delta = i, delta
        tardiness = completion[i] - d[job]
        if tardiness > 0:
            bucket = np.searchsorted(levels, tardiness, side="right")
            _fenwick_add(weighted_tardiness, bucket, w[job] * tardiness)
            _fenwick_add(weight, bucket, w[job])
            weight_total += w[job]
    return best_position, best_delta


def _build(instance, pick, augmented: bool) -> list[int]:
    """Front-to-back construction where ``pick(t, alive)`` chooses among the jobs of a list whose
    alive mask is kept; with ``augmented`` the partial sequence is improved after each append."""
    p, d, w = _arrays(instance)
    levels = np.unique(p)  # the distinct processing times, sorted
    level_of_job = np.searchsorted(levels, p).astype(np.int64)
    sequence, t = [], 0
    alive = np.ones(instance.n, dtype=bool)
    for _ in range(instance.n):
        job = pick(t, alive)
        alive[job] = False
        sequence.append(job)
        t += int(p[job])
        if augmented:
            _augment(sequence, p, d, w, t, levels, level_of_job)
    return sequence


def _mdd_pick(instance):
    p, d, _ = _arrays(instance)

    def pick(t, alive):
        return int(np.argmin(np.where(alive, np.maximum(d, t + p), np.iinfo(np.int64).max)))

    return pick


def _mddc_pick(instance):
    p, d, _ = _arrays(instance)
    order = mddc_order(instance)
    p_list, d_list = p[order].astype(float), d[order].astype(float)

    def pick(t, alive):
        keep = alive[order]
        mu = _mddc_priority(p_list[keep], d_list[keep], t)
        return int(order[keep][int(np.argmin(mu))])  # first minimum = first in the list's order

    return pick


def mddc_sequence(instance) -> list[int]:
    """MDDC, the MDD Challenger (Algorithm 2 of Çetinkaya et al. 2025)."""
    return _build(instance, _mddc_pick(instance), augmented=False)


def aug_mdd_sequence(instance) -> list[int]:
    """Augmented MDD (Bean & Hall 1985, Algorithm 3 of the paper)."""
    return _build(instance, _mdd_pick(instance), augmented=True)


def aug_mddc_sequence(instance) -> list[int]:
    """Augmented MDDC (Algorithm 3 of the paper applied to MDDC)."""
    return _build(instance, _mddc_pick(instance), augmented=True)


RULES = {
    "edd": (edd_sequence, "earliest due date first (ties by job number)"),
    "spt": (spt_sequence, "shortest processing time first (ties by job number)"),
    "mdd": (mdd_sequence, "modified due date, Baker & Bertrand 1982"),
    "wmdd": (wmdd_sequence, "weighted modified due date, Kanet & Li 2004"),
    "atc": (atc_sequence, "apparent tardiness cost, Vepsalainen & Morton 1987 (param k, default 2)"),
    "psk": (psk_sequence, "Panwalkar, Smith & Koulamas 1993 one-pass rule on the SPT order"),
    "panneerselvam": (panneerselvam_sequence, "Panneerselvam 2006 slack per processing time (a baseline)"),
    "wilkerson-irwin": (wilkerson_irwin_sequence, "Wilkerson & Irwin 1971 EDD list with pairwise pivot tests"),
    "eddc": (eddc_sequence, "EDD Challenger, Çetinkaya et al. 2025 Algorithm 1"),
    "mddc": (mddc_sequence, "MDD Challenger, Çetinkaya et al. 2025 Algorithm 2"),
    "aug-mdd": (aug_mdd_sequence, "augmented MDD, Bean & Hall 1985"),
    "aug-mddc": (aug_mddc_sequence, "augmented MDDC, Çetinkaya et al. 2025 Algorithm 3"),
}


def rule_sequence(instance, rule: str, params: dict | None = None) -> list[int]:
    """The sequence of a named rule (a key of RULES)."""
    build = RULES[rule][0]
    if rule == "atc" and params and "k" in params:
        return build(instance, float(params["k"]))
    return build(instance)


def best_rule_sequence(instance, rules=("mddc", "mdd", "atc", "wmdd", "eddc")) -> list[int]:
    """The best sequence among a few cheap rules: the usual first upper bound and warm start."""
    return min((rule_sequence(instance, r) for r in rules), key=lambda s: total_tardiness(instance, s))


def _make_runner(rule: str):
    name = f"smtt/{rule}"

    def run(instance, options: SolveOptions):
        rows, total = sequence_schedule(instance, rule_sequence(instance, rule, options.params))
        return heuristic_result(instance, name, rows, total)

    run.__name__ = f"run_{rule.replace('-', '_')}"
    return register(name, ("smtt",), "heuristic", RULES[rule][1])(run)


for _rule in RULES:
    _make_runner(_rule)
