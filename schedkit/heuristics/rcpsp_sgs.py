"""Schedule-generation schemes for the RCPSP with the R-ConstraintBench side constraints.

Serial SGS (activity-incrementing: each task of an activity list at its earliest precedence-
and resource-feasible start; searches active schedules, Kelley 1963, Kolisch 1996 EJOR 90),
parallel SGS (time-incrementing: at each decision time start eligible tasks in priority order
while capacity allows; non-delay schedules, Kolisch 1996), and the backward (right-justifying)
serial pass used by forward-backward improvement (Valls, Ballestín & Quintanilla 2005, EJOR 165).

All passes respect release dates, resource downtime (time-varying capacity), disjunctive pairs
and the per-task deadlines (a pass that misses one reports failure). Modes are fixed before a pass
(``ProjectArrays.for_modes``); the kernels are compiled with numba because sampling runs thousands
of passes per instance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from schedkit.models.rcpsp_cpsat import rcpsp_horizon


@dataclass(frozen=True)
class ProjectArrays:
    """The instance as flat arrays for the kernels, with one mode fixed per task."""

    durations: np.ndarray  # int64[n]
    demands: np.ndarray  # int64[n, K]
    release: np.ndarray  # int64[n]
    deadline: np.ndarray  # int64[n]; the horizon where there is none
    pred_ptr: np.ndarray
    pred_idx: np.ndarray
    succ_ptr: np.ndarray
    succ_idx: np.ndarray
    partner_ptr: np.ndarray  # disjunctive partners, CSR
    partner_idx: np.ndarray
    capacity: np.ndarray  # int64[K, H]: capacity per resource and time unit, downtime applied
    modes: tuple[int, ...]

    @classmethod
    def for_modes(cls, instance, modes: list[int] | tuple[int, ...] | None = None) -> ProjectArrays:
        n, num_resources = instance.n, instance.num_resources
        modes = tuple(modes) if modes is not None else (0,) * n
        chosen = [instance.modes[t][m] for t, m in enumerate(modes)]
        horizon = rcpsp_horizon(instance) + 1
        deadlines = instance.deadlines or [None] * n
        capacity = np.tile(np.asarray(instance.capacities, dtype=np.int64)[:, None], (1, horizon))
        for down in instance.downtimes:
            window = capacity[down.resource, down.start : min(down.end, horizon)]
            np.minimum(window, down.capacity, out=window)
        partners = [[] for _ in range(n)]
        for a, b in instance.disjunctive:
            partners[a].append(b)
            partners[b].append(a)
        pred_ptr, pred_idx = _csr(instance.predecessors)
        succ_ptr, succ_idx = _csr(instance.successors)
        partner_ptr, partner_idx = _csr(partners)
        return cls(
            durations=np.array([m.duration for m in chosen], dtype=np.int64),
            demands=np.array([m.demands for m in chosen], dtype=np.int64).reshape(n, num_resources),
            release=np.array(instance.release_dates or [0] * n, dtype=np.int64),
            deadline=np.array([horizon - 1 if d is None else min(d, horizon - 1) for d in deadlines], dtype=np.int64),
            pred_ptr=pred_ptr, pred_idx=pred_idx, succ_ptr=succ_ptr, succ_idx=succ_idx,
            partner_ptr=partner_ptr, partner_idx=partner_idx, capacity=capacity, modes=modes,
        )

    @property
    def graph(self) -> tuple:
        return (self.durations, self.demands, self.release, self.deadline, self.pred_ptr, self.pred_idx,
                self.succ_ptr, self.succ_idx, self.partner_ptr, self.partner_idx, self.capacity)


def _csr(lists) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    for i, items in enumerate(lists):
        ptr[i + 1] = ptr[i] + len(items)
    idx = np.array([j for items in lists for j in items], dtype=np.int64)
    return ptr, idx


@numba.njit(cache=True)
def _fits(available, demands, task, t, duration):
    """The first time unit in [t, t + duration) where ``task`` does not fit, or -1."""
    for tau in range(t, t + duration):
        for r in range(demands.shape[1]):
            if demands[task, r] > available[r, tau]:
                return tau
    return -1


@numba.njit(cache=True)
def _last_misfit(available, demands, task, s, duration):
    """The last time unit in [s, s + duration) where ``task`` does not fit, or -1."""
    for tau in range(s + duration - 1, s - 1, -1):
        for r in range(demands.shape[1]):
            if demands[task, r] > available[r, tau]:
                return tau
    return -1


@numba.njit(cache=True)
def _reserve(available, demands, task, t, duration):
    """Take ``task``'s demands out of the free capacity over [t, t + duration)."""
    for tau in range(t, t + duration):
        for r in range(demands.shape[1]):
            available[r, tau] -= demands[task, r]


@numba.njit(cache=True)
def _partner_clash(start, durations, partner_ptr, partner_idx, task, t, duration):
    """A scheduled disjunctive partner overlapping [t, t + duration), or -1."""
    if duration == 0:
        return -1
    for k in range(partner_ptr[task], partner_ptr[task + 1]):
        other = partner_idx[k]
        if start[other] >= 0 and durations[other] > 0 and start[other] < t + duration and t < start[other] + durations[other]:
            return other
    return -1


@numba.njit(cache=True)
def serial_forward(order, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                   partner_ptr, partner_idx, capacity):
    """Serial SGS over an activity list ``order`` (precedence-feasible): each task at its earliest
    feasible start. Returns the start times, or all -1 when a task cannot be placed in time."""
    n = durations.shape[0]
    horizon = capacity.shape[1]
    available = capacity.copy()
    start = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        task = order[i]
        duration = durations[task]
        t = release[task]
        for k in range(pred_ptr[task], pred_ptr[task + 1]):
            p = pred_idx[k]
            t = max(t, start[p] + durations[p])
        while True:
            if t + duration > deadline[task] or t + duration > horizon - 1:
                return np.full(n, -1, dtype=np.int64)
            other = _partner_clash(start, durations, partner_ptr, partner_idx, task, t, duration)
            if other >= 0:
                t = start[other] + durations[other]
                continue
            blocked = _fits(available, demands, task, t, duration)
            if blocked < 0:
                break
            t = blocked + 1
        start[task] = t
        _reserve(available, demands, task, t, duration)
    return start


@numba.njit(cache=True)
def serial_backward(order, makespan, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                    partner_ptr, partner_idx, capacity):
    """Backward serial SGS: tasks in ``order`` (reverse precedence-feasible, e.g. by decreasing
    finish time) each at its latest feasible start, all ending by ``makespan``. Returns the
    start times, or all -1 when a release date cannot be kept."""
    n = durations.shape[0]
    available = capacity.copy()
    start = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        task = order[i]
        duration = durations[task]
        finish = min(makespan, deadline[task])
        for k in range(succ_ptr[task], succ_ptr[task + 1]):
            finish = min(finish, start[succ_idx[k]])
        s = finish - duration
        while True:
            if s < release[task]:
                return np.full(n, -1, dtype=np.int64)
            other = _partner_clash(start, durations, partner_ptr, partner_idx, task, s, duration)
            if other >= 0:
                s = start[other] - duration
                continue
            blocked = _last_misfit(available, demands, task, s, duration)
            if blocked < 0:
                break
            s = blocked - duration
        start[task] = s
        _reserve(available, demands, task, s, duration)
    return start


@numba.njit(cache=True)
def parallel_sgs(priority, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                 partner_ptr, partner_idx, capacity):
    """Parallel SGS: at each decision time start the eligible tasks (all predecessors finished,
    released) in increasing ``priority`` while they fit for their whole duration. Decision times
    are finish times, release dates and capacity changes. Returns starts or all -1."""
    n = durations.shape[0]
    horizon = capacity.shape[1]
    available = capacity.copy()
    start = np.full(n, -1, dtype=np.int64)
    waiting = np.zeros(n, dtype=np.int64)  # unscheduled predecessors
    for task in range(n):
        waiting[task] = pred_ptr[task + 1] - pred_ptr[task]
    ready_at = release.copy()  # earliest start from finished predecessors and release date
    placed = 0
    t = 0
    by_priority = np.argsort(priority, kind="mergesort")
    while placed < n:
        progress = True
        while progress:  # again at the same time: a zero-duration task may have released a successor
            progress = False
            for i in range(n):
                task = by_priority[i]
                if start[task] >= 0 or waiting[task] > 0 or ready_at[task] > t:
                    continue
                duration = durations[task]
                if t + duration > deadline[task] or t + duration > horizon - 1:
                    return np.full(n, -1, dtype=np.int64)
                if _partner_clash(start, durations, partner_ptr, partner_idx, task, t, duration) >= 0:
                    continue
                if _fits(available, demands, task, t, duration) >= 0:
                    continue
                start[task] = t
                placed += 1
                progress = True
                _reserve(available, demands, task, t, duration)
                for k in range(succ_ptr[task], succ_ptr[task + 1]):
                    s = succ_idx[k]
                    waiting[s] -= 1
                    ready_at[s] = max(ready_at[s], t + duration)
        if placed == n:
            break
        # next decision time: a finish, a release/ready date or a capacity change after t
        nxt = horizon
        for task in range(n):
            if start[task] >= 0:
                f = start[task] + durations[task]
                if t < f < nxt:
                    nxt = f
            elif waiting[task] == 0 and t < ready_at[task] < nxt:
                nxt = ready_at[task]
        for tau in range(t + 1, min(nxt, horizon)):
            changed = False
            for r in range(capacity.shape[0]):
                if capacity[r, tau] != capacity[r, tau - 1]:
                    changed = True
            if changed:
                nxt = tau
                break
        if nxt >= horizon - 1:
            return np.full(n, -1, dtype=np.int64)
        t = nxt
    return start


@numba.njit(cache=True)
def justify(start, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
            partner_ptr, partner_idx, capacity):
    """One double justification (right then left, Valls et al. 2005): returns the new starts
    (the input when a pass fails). Counts as two schedules."""
    n = durations.shape[0]
    makespan = makespan_of(start, durations)
    rank = _topological_rank(pred_ptr, succ_ptr, succ_idx)
    finish = start + durations
    # decreasing finish time; ties in reverse topological order (zero-duration chains)
    order = np.argsort(-(finish * (n + 1) + rank), kind="mergesort")
    right = serial_backward(order, makespan, durations, demands, release, deadline, pred_ptr, pred_idx,
                            succ_ptr, succ_idx, partner_ptr, partner_idx, capacity)
    if right.min() < 0:
        return start
    order = np.argsort(right * (n + 1) + rank, kind="mergesort")
    left = serial_forward(order, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                          partner_ptr, partner_idx, capacity)
    if left.min() < 0:
        return start
    return left


@numba.njit(cache=True)
def _topological_rank(pred_ptr, succ_ptr, succ_idx):
    """Position of each task in a topological order (Kahn)."""
    n = pred_ptr.shape[0] - 1
    waiting = pred_ptr[1:] - pred_ptr[:-1]
    queue = np.empty(n, dtype=np.int64)
    head, tail = 0, 0
    for task in range(n):
        if waiting[task] == 0:
            queue[tail] = task
            tail += 1
    rank = np.zeros(n, dtype=np.int64)
    while head < tail:
        task = queue[head]
        rank[task] = head
        head += 1
        for k in range(succ_ptr[task], succ_ptr[task + 1]):
            s = succ_idx[k]
            waiting[s] -= 1
            if waiting[s] == 0:
                queue[tail] = s
                tail += 1
    return rank


@numba.njit(cache=True)
def makespan_of(start, durations):
    best = 0
    for task in range(durations.shape[0]):
        best = max(best, start[task] + durations[task])
    return best


def shorter(candidate, best, durations):
    """The start vector with the smaller makespan; a vector holding -1 is no schedule."""
    if candidate.min() >= 0 and (best.min() < 0 or makespan_of(candidate, durations) < makespan_of(best, durations)):
        return candidate
    return best


@numba.njit(cache=True)
def priority_list(priority, pred_ptr, succ_ptr, succ_idx):
    """The activity list the serial SGS builds from a priority rule: repeatedly the eligible task
    (all predecessors listed) of smallest priority, ties by index."""
    n = priority.shape[0]
    waiting = np.zeros(n, dtype=np.int64)
    for task in range(n):
        waiting[task] = pred_ptr[task + 1] - pred_ptr[task]
    listed = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        best = -1
        for task in range(n):
            if not listed[task] and waiting[task] == 0 and (best < 0 or priority[task] < priority[best]):
                best = task
        order[i] = best
        listed[best] = True
        for k in range(succ_ptr[best], succ_ptr[best + 1]):
            waiting[succ_idx[k]] -= 1
    return order


@numba.njit(cache=True)
def biased_list(priority, alpha, pred_ptr, succ_ptr, succ_idx):
    """Regret-based biased random sampling (Kolisch & Drexl 1996): among the eligible tasks pick
    j with probability proportional to (max_eligible priority − priority_j + 1) ** alpha."""
    n = priority.shape[0]
    waiting = np.zeros(n, dtype=np.int64)
    for task in range(n):
        waiting[task] = pred_ptr[task + 1] - pred_ptr[task]
    listed = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    weights = np.zeros(n)
    for i in range(n):
        worst = -np.inf
        for task in range(n):
            if not listed[task] and waiting[task] == 0:
                worst = max(worst, priority[task])
        total = 0.0
        for task in range(n):
            weights[task] = 0.0
            if not listed[task] and waiting[task] == 0:
                weights[task] = (worst - priority[task] + 1.0) ** alpha
                total += weights[task]
        pick = np.random.random() * total
        chosen = -1
        for task in range(n):
            if weights[task] > 0.0:
                chosen = task
                pick -= weights[task]
                if pick <= 0.0:
                    break
        order[i] = chosen
        listed[chosen] = True
        for k in range(succ_ptr[chosen], succ_ptr[chosen + 1]):
            waiting[succ_idx[k]] -= 1
    return order


@numba.njit(cache=True)
def sample(priority, alpha, schedules, seed, use_parallel, durations, demands, release, deadline, pred_ptr, pred_idx,
           succ_ptr, succ_idx, partner_ptr, partner_idx, capacity):
    """Biased random sampling with forward-backward improvement until ``schedules`` schedules
    (each SGS pass counts one, as in Kolisch & Hartmann 2006). Alternates serial and parallel
    passes when ``use_parallel``. Returns the best starts (all -1 when none was feasible)."""
    np.random.seed(seed)
    n = durations.shape[0]
    best = np.full(n, -1, dtype=np.int64)
    best_makespan = 1 << 60
    generated = 0
    iteration = 0
    position = np.empty(n, dtype=np.int64)
    while generated < schedules:
        if use_parallel and iteration % 2 == 1:
            # the parallel scheme decodes the biased list as priorities (position in the list)
            order = biased_list(priority, alpha, pred_ptr, succ_ptr, succ_idx)
            for i in range(n):
                position[order[i]] = i
            start = parallel_sgs(position, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                                 partner_ptr, partner_idx, capacity)
        else:
            order = biased_list(priority, alpha, pred_ptr, succ_ptr, succ_idx)
            start = serial_forward(order, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                                   partner_ptr, partner_idx, capacity)
        iteration += 1
        generated += 1
        if start.min() < 0:
            continue
        current = makespan_of(start, durations)
        while generated + 2 <= schedules:  # justify until no improvement
            improved = justify(start, durations, demands, release, deadline, pred_ptr, pred_idx, succ_ptr, succ_idx,
                               partner_ptr, partner_idx, capacity)
            generated += 2
            value = makespan_of(improved, durations)
            if value >= current:
                break
            start, current = improved, value
        if current < best_makespan:
            best_makespan = current
            best = start.copy()
    return best
