"""Tabu search for the flexible job shop on the disjunctive graph: machine assignment and machine
sequences, one operation re-inserted per move.

Neighbourhood of Mastrolilli & Gambardella (2000, J. Scheduling 3:3–20, "Effective neighbourhood
functions for the flexible job shop problem"): take an operation v on a critical path, remove it
from the graph (its job and machine neighbours become adjacent), and insert it on any eligible
machine k between two consecutive operations u, w of k. The insertion creates no cycle when
head(u) < head(JS(v)) + p(JS(v)) and head(w) + p(w) > head(JP(v)) (heads of the graph without v;
JP / JS = job predecessor / successor; u ≠ JS(v), w ≠ JP(v)): a path JS(v) → u or w → JP(v) would
violate them. The new
makespan is then exact, not estimated: max(makespan without v, longest path through v), where the
path through v is max(end of JP(v), end of u) + p(v, k) + max(tail of JS(v), tail of w) in the
graph without v (inserting v cannot lengthen any path that avoids it).

Tabu attribute: after v leaves the place right after u on machine k, putting it back right after
u is tabu for a random tenure, unless it gives a new best makespan (aspiration). Ties on the new
makespan go to the shorter longest path through v. After a stall the search restarts from the best
schedule with a cleared tabu list, kicked by moving a random tenth of the flexible operations to
other machines (iterated tabu search): on packed machines (mk05, mk07) every single re-insertion
costs makespan and the search otherwise only re-sequences on a plateau (stuck at 177 and 150). The kernels are numba
functions over int64 arrays; the driver loops in Python in chunks of iterations to watch the clock.
The kernels release the GIL, so ``parallel_tabu_search`` runs independent searches (one per thread the
caller grants, different seeds) side by side and keeps the best.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from schedkit.heuristics.common import heuristic_result
from schedkit.heuristics.fjsp_dispatch import best_dispatch
from schedkit.heuristics.fjsp_improve import makespan
from schedkit.registry import SolveOptions, register
from schedkit.result import OPTIMAL
from schedkit.solvers.fjsp_bound import fjsp_lower_bound

_NONE = -1


@njit(cache=True, nogil=True)
def topological_order(job_pred, job_succ, mpred, msucc):
    """Kahn's order of the disjunctive graph (job arcs and machine arcs); shorter than n on a cycle."""
    n = job_pred.shape[0]
    indegree = np.zeros(n, np.int64)
    for i in range(n):
        indegree[i] = (job_pred[i] >= 0) + (mpred[i] >= 0)
    order = np.empty(n, np.int64)
    size = 0
    for i in range(n):
        if indegree[i] == 0:
            order[size] = i
            size += 1
    k = 0
    while k < size:
        i = order[k]
        k += 1
        for s in (job_succ[i], msucc[i]):
            if s >= 0:
                indegree[s] -= 1
                if indegree[s] == 0:
                    order[size] = s
                    size += 1
    return order[:size]


@njit(cache=True, nogil=True)
def heads_tails(order, skip, job_pred, job_succ, mpred, msucc, duration, head, tail):
    """Longest path from the source to each operation (head) and from its end to the sink (tail),
    in the graph without ``skip`` (−1: the whole graph), whose neighbours are joined. Returns the makespan."""
    for i in order:
        if i == skip:
            continue
        jp, mp = job_pred[i], mpred[i]
        if jp == skip and skip >= 0:
            jp = job_pred[skip]
        if mp == skip and skip >= 0:
            mp = mpred[skip]
        h = 0
        if jp >= 0:
            h = head[jp] + duration[jp]
        if mp >= 0 and head[mp] + duration[mp] > h:
            h = head[mp] + duration[mp]
        head[i] = h
    longest = 0
    for x in range(order.shape[0] - 1, -1, -1):
        i = order[x]
        if i == skip:
            continue
        js, ms = job_succ[i], msucc[i]
        if js == skip and skip >= 0:
            js = job_succ[skip]
        if ms == skip and skip >= 0:
            ms = msucc[skip]
        t = 0
        if js >= 0:
            t = tail[js] + duration[js]
        if ms >= 0 and tail[ms] + duration[ms] > t:
            t = tail[ms] + duration[ms]
        tail[i] = t
        if head[i] + duration[i] + t > longest:
            longest = head[i] + duration[i] + t
    return longest


@njit(cache=True)
def best_move(iteration, best_value, job_pred, job_succ, mpred, msucc, mfirst, machine, duration,
              eligible_start, eligible_machine, eligible_time, tabu, order, head, tail, head_v, tail_v):
    """The best admissible insertion of a critical operation: (value, v, k, u, w), v = −1 if none.
    ``head``/``tail`` hold the whole graph's values; ``head_v``/``tail_v`` are work arrays."""
    n = job_pred.shape[0]
    makespan_now = 0
    for i in range(n):
        if head[i] + duration[i] + tail[i] > makespan_now:
            makespan_now = head[i] + duration[i] + tail[i]
    best = (np.int64(1) << 60, _NONE, _NONE, _NONE, _NONE)
    best_through = np.int64(1) << 60
    ties = 0
    for v in range(n):
        if head[v] + duration[v] + tail[v] != makespan_now:
            continue
        if eligible_start[v + 1] - eligible_start[v] == 1 and mpred[v] < 0 and msucc[v] < 0:
            continue
        without = heads_tails(order, v, job_pred, job_succ, mpred, msucc, duration, head_v, tail_v)
        jp, js = job_pred[v], job_succ[v]
        ready = head_v[jp] + duration[jp] if jp >= 0 else 0
        after = tail_v[js] + duration[js] if js >= 0 else 0
        for e in range(eligible_start[v], eligible_start[v + 1]):
            k, p = eligible_machine[e], eligible_time[e]
            u = _NONE
            w = mfirst[k]
            while True:
                if w == v:
                    w = msucc[v]
                    continue
                same_place = k == machine[v] and u == mpred[v]
                # no path JS(v) → u and none w → JP(v) (nor u = JS(v), w = JP(v)): no cycle through v
                feasible = (u < 0 or js < 0 or (u != js and head_v[u] < head_v[js] + duration[js])) and \
                           (w < 0 or jp < 0 or (w != jp and head_v[w] + duration[w] > head_v[jp]))
                if feasible and not same_place:
                    start = ready
                    if u >= 0 and head_v[u] + duration[u] > start:
                        start = head_v[u] + duration[u]
                    rest = after
                    if w >= 0 and tail_v[w] + duration[w] > rest:
                        rest = tail_v[w] + duration[w]
                    through = start + p + rest
                    value = max(without, through)
                    before = u if u >= 0 else n + k
                    behind = w if w >= 0 else n + k
                    if (tabu[v, before] <= iteration and tabu[behind, v] <= iteration) or value < best_value:
                        # ties on the makespan: the shorter longest path through v (other critical
                        # paths may hold the makespan; this one has still been shortened)
                        if value < best[0] or (value == best[0] and through < best_through):
                            best = (value, v, k, u, w)
                            best_through = through
                            ties = 1
                        elif value == best[0] and through == best_through:
                            ties += 1
                            if np.random.randint(ties) == 0:  # reservoir: a uniform choice among ties
                                best = (value, v, k, u, w)
                if w < 0:
                    break
                u = w
                w = msucc[w]
    return best


@njit(cache=True)
def apply_move(v, k, u, w, mpred, msucc, mfirst, mlast, machine, duration, p):
    """Take v out of its machine sequence and put it on machine k between u and w."""
    old = machine[v]
    a, b = mpred[v], msucc[v]
    if a >= 0:
        msucc[a] = b
    else:
        mfirst[old] = b
    if b >= 0:
        mpred[b] = a
    else:
        mlast[old] = a
    mpred[v], msucc[v] = u, w
    if u >= 0:
        msucc[u] = v
    else:
        mfirst[k] = v
    if w >= 0:
        mpred[w] = v
    else:
        mlast[k] = v
    machine[v] = k
    duration[v] = p


@njit(cache=True)
def seed_rng(seed):
    np.random.seed(seed)


@njit(cache=True, nogil=True)
def tabu_chunk(iterations, iteration, stall_limit, tenure_min, tenure_span, job_pred, job_succ,
               mpred, msucc, mfirst, mlast, machine, duration, eligible_start, eligible_machine, eligible_time,
               tabu, state, best_mpred, best_msucc, best_mfirst, best_mlast, best_machine, best_duration):
    """``iterations`` tabu moves from the current graph; the best graph is kept in the best_* arrays.
    ``state`` = [current makespan, best makespan, iterations since the best or the last restart, restarts
    since the best, 1 after a restart (then the chunk ends early)]. Returns the next iteration."""
    n = job_pred.shape[0]
    head = np.zeros(n, np.int64)
    tail = np.zeros(n, np.int64)
    head_v = np.zeros(n, np.int64)
    tail_v = np.zeros(n, np.int64)
    for _ in range(iterations):
        order = topological_order(job_pred, job_succ, mpred, msucc)
        state[0] = heads_tails(order, _NONE, job_pred, job_succ, mpred, msucc, duration, head, tail)
        value, v, k, u, w = best_move(iteration, state[1], job_pred, job_succ, mpred, msucc, mfirst, machine, duration,
                                      eligible_start, eligible_machine, eligible_time, tabu, order, head, tail,
                                      head_v, tail_v)
        iteration += 1
        if v < 0 or state[2] >= stall_limit:  # stuck or stalled: back to the best, tabu list cleared
            mpred[:], msucc[:], mfirst[:], mlast[:] = best_mpred, best_msucc, best_mfirst, best_mlast
            machine[:], duration[:] = best_machine, best_duration
            tabu[:, :] = 0
            state[0], state[2] = state[1], 0
            state[3] += 1
            state[4] = 1
            return iteration  # the driver may perturb the best schedule before going on
        until = iteration + tenure_min + np.random.randint(tenure_span + 1)
        tabu[v, mpred[v] if mpred[v] >= 0 else n + machine[v]] = until
        tabu[msucc[v] if msucc[v] >= 0 else n + machine[v], v] = until
        p = 0
        for e in range(eligible_start[v], eligible_start[v + 1]):
            if eligible_machine[e] == k:
                p = eligible_time[e]
        apply_move(v, k, u, w, mpred, msucc, mfirst, mlast, machine, duration, p)
        state[0] = value
        if value < state[1]:
            state[1] = value
            state[2], state[3] = 0, 0
            best_mpred[:], best_msucc[:], best_mfirst[:], best_mlast[:] = mpred, msucc, mfirst, mlast
            best_machine[:], best_duration[:] = machine, duration
        else:
            state[2] += 1
    return iteration


class _Graph:
    """Flat arrays of an instance and a schedule: operations numbered job by job."""

    def __init__(self, instance, rows: list[dict]):
        self.keys = [(j, o) for j, ops in enumerate(instance.jobs) for o in range(len(ops))]
        index = {key: i for i, key in enumerate(self.keys)}
        n = len(self.keys)
        self.job_pred = np.full(n, _NONE, np.int64)
        self.job_succ = np.full(n, _NONE, np.int64)
        starts, lengths, eligible_machine, eligible_time = [0], [], [], []
        for i, (j, o) in enumerate(self.keys):
            if o > 0:
                self.job_pred[i] = i - 1
                self.job_succ[i - 1] = i
            for m, t in sorted(instance.jobs[j][o].items()):
                eligible_machine.append(m)
                eligible_time.append(t)
            starts.append(len(eligible_machine))
            lengths.append(len(instance.jobs[j][o]))
        self.eligible_start = np.array(starts, np.int64)
        self.eligible_machine = np.array(eligible_machine, np.int64)
        self.eligible_time = np.array(eligible_time, np.int64)
        self.instance, self.index = instance, index
        self.load(rows)

    def load(self, rows: list[dict]) -> None:
        """Machine assignment and sequences from schedule rows (sequence by start: acyclic with the
        job arcs even where rows overlap on a machine, since every arc goes up in (start, end, job, op))."""
        n, machines, index, instance = len(self.keys), self.instance.num_machines, self.index, self.instance
        self.machine = np.zeros(n, np.int64)
        self.duration = np.zeros(n, np.int64)
        self.mpred = np.full(n, _NONE, np.int64)
        self.msucc = np.full(n, _NONE, np.int64)
        self.mfirst = np.full(machines, _NONE, np.int64)
        self.mlast = np.full(machines, _NONE, np.int64)
        for row in sorted(rows, key=lambda r: (r["start"], r["end"], r["job"], r["op"])):
            i, m = index[row["job"], row["op"]], row["machine"]
            self.machine[i], self.duration[i] = m, instance.jobs[row["job"]][row["op"]][m]
            if self.mlast[m] >= 0:
                self.msucc[self.mlast[m]] = i
                self.mpred[i] = self.mlast[m]
            else:
                self.mfirst[m] = i
            self.mlast[m] = i

    def schedule(self, arrays=None) -> list[dict]:
        """Semi-active schedule rows (every operation at its head), of the graph or of ``arrays`` = (mpred, msucc,
        mfirst, mlast, machine, duration) of the same instance (the best graph a search keeps)."""
        mpred, msucc, _, _, machine, duration = arrays or (self.mpred, self.msucc, self.mfirst, self.mlast,
                                                           self.machine, self.duration)
        order = topological_order(self.job_pred, self.job_succ, mpred, msucc)
        head, tail = np.zeros(len(self.keys), np.int64), np.zeros(len(self.keys), np.int64)
        heads_tails(order, _NONE, self.job_pred, self.job_succ, mpred, msucc, duration, head, tail)
        return [{"job": j, "op": o, "machine": int(machine[i]), "start": int(head[i]),
                 "end": int(head[i] + duration[i])} for i, (j, o) in enumerate(self.keys)]


def perturb(instance, rows: list[dict], share: float, rng: random.Random) -> list[dict]:
    """Rows with a random ``share`` of the flexible operations moved to another eligible machine (half
    of them to their fastest), at their old start: the kick of an iterated tabu search. When every
    machine is packed, no single re-insertion lowers the makespan, so the search keeps re-sequencing
    on a plateau; a kick changes several assignments at once (mk05 and mk07 stalled at 177 and 150)."""
    flexible = [i for i, r in enumerate(rows) if len(instance.jobs[r["job"]][r["op"]]) > 1]
    rows = [dict(r) for r in rows]
    for i in rng.sample(flexible, min(len(flexible), max(2, round(share * len(rows))))):
        row, eligible = rows[i], instance.jobs[rows[i]["job"]][rows[i]["op"]]
        others = [m for m in eligible if m != row["machine"]]
        fastest = min(eligible, key=lambda m: (eligible[m], m))
        row["machine"] = fastest if fastest != row["machine"] and rng.random() < 0.5 else rng.choice(others)
        row["end"] = row["start"] + eligible[row["machine"]]
    return rows


class SharedBest:
    """The best schedule of searches that run side by side (thread-safe): each offers its new bests and
    picks up a better one from the others (the tabu search when it restarts, an LNS step when it starts)."""

    def __init__(self, rows: list[dict]):
        self.rows, self.value = rows, makespan(rows)
        self.lock = threading.Lock()

    def offer(self, rows: list[dict]) -> bool:
        """Keep ``rows`` if not worse than the best; True if kept."""
        value = makespan(rows)
        with self.lock:
            if value <= self.value:
                self.rows, self.value = rows, value
                return True
            return False


def tabu_search(instance, rows: list[dict], time_limit: float, seed: int = 0, stall: int | None = None,
                lower_bound: int = 0, restarts: int | None = None, chunk: int | None = None,
                trace: list | None = None, clock_origin: float | None = None, kick: float = 0.1,
                stop: threading.Event | None = None, shared: SharedBest | None = None) -> list[dict]:
    """Improve a feasible schedule by tabu search for ``time_limit`` seconds, until ``lower_bound``, or
    after ``restarts`` restarts from the best (each after ``stall`` moves) found nothing better;
    each restart perturbs the best schedule (``perturb`` with share ``kick``; 0: restart from the best
    itself). Returns the best schedule found (never worse than the semi-active form of ``rows``). ``trace``,
    when given, gets (seconds since ``clock_origin``, makespan) at each new best, checked every ``chunk`` moves.
    ``stop``, when given, ends the search once set, and is set when the search reaches ``lower_bound``.
    ``shared``, when given, gets each new best, and a restart starts from its schedule when that is better."""
    started = time.perf_counter()
    graph = _Graph(instance, rows)
    n = len(graph.keys)
    if n == 0:
        return rows
    best = [a.copy() for a in (graph.mpred, graph.msucc, graph.mfirst, graph.mlast, graph.machine, graph.duration)]
    tabu = np.zeros((n + instance.num_machines, n + instance.num_machines), np.int64)
    current = makespan(graph.schedule())
    state = np.array([current, current, 0, 0, 0], np.int64)
    stall = stall if stall is not None else max(1000, 4 * n)  # mk05/mk07: 1000 with kicks beat 5000
    tenure_min, tenure_span = 4 + n // 40, 8 + n // 20  # 10..30 at 240 operations (mk10)
    chunk = chunk or max(10, 50_000 // n)  # moves between looks at the clock: about 200 at 240 operations
    seed_rng(seed)
    rng = random.Random(seed)
    iteration = 0
    while time.perf_counter() - started < time_limit and state[1] > lower_bound and \
            (restarts is None or state[3] < restarts) and not (stop is not None and stop.is_set()):
        before = state[1]
        iteration = tabu_chunk(chunk, iteration, stall, tenure_min, tenure_span, graph.job_pred, graph.job_succ,
                               graph.mpred, graph.msucc, graph.mfirst, graph.mlast, graph.machine, graph.duration,
                               graph.eligible_start, graph.eligible_machine, graph.eligible_time, tabu, state, *best)
        if trace is not None and state[1] < before:
            trace.append((time.perf_counter() - (clock_origin or started), int(state[1])))
        if shared is not None and state[1] < before:
            shared.offer(graph.schedule(best))
        if shared is not None and state[4] and shared.value < state[1]:
            # another search found better: restart from its schedule, unkicked (graph and best arrays both take it)
            graph.load(shared.rows)
            for target, source in zip(best, (graph.mpred, graph.msucc, graph.mfirst, graph.mlast, graph.machine,
                                             graph.duration), strict=True):
                target[:] = source
            state[0] = state[1] = makespan(graph.schedule())
            state[3], state[4] = 0, 0
        if state[4] and kick > 0 and (restarts is None or state[3] < restarts):
            graph.load(perturb(instance, graph.schedule(), kick, rng))  # the graph holds the best here
            state[0] = makespan(graph.schedule())
        state[4] = 0
    if stop is not None and state[1] <= lower_bound:
        stop.set()  # optimal: the other searches of parallel_tabu_search can end
    graph.mpred, graph.msucc, graph.mfirst, graph.mlast, graph.machine, graph.duration = best
    return graph.schedule()


def parallel_tabu_search(instance, rows: list[dict], time_limit: float, searches: int = 1, seed: int = 0,
                         trace: list | None = None, clock_origin: float | None = None, **options) -> list[dict]:
    """``searches`` independent ``tabu_search`` runs from ``rows`` (seeds ``seed``, ``seed + 1``, …), each in its
    own thread for the whole ``time_limit``, the best result kept; all end when one reaches ``lower_bound``.
    With 2 threads granted, CP-SAT's phase uses both but a single search left one core idle for most of the
    time limit. ``trace`` gets the new bests over all searches, in time order; ``options`` go to ``tabu_search``."""
    clock_origin = time.perf_counter() if clock_origin is None else clock_origin
    if searches <= 1:
        return tabu_search(instance, rows, time_limit, seed=seed, trace=trace, clock_origin=clock_origin, **options)
    stop = threading.Event()
    traces = [[] for _ in range(searches)]
    with ThreadPoolExecutor(searches) as pool:
        futures = [pool.submit(tabu_search, instance, rows, time_limit, seed=seed + s, trace=traces[s],
                               clock_origin=clock_origin, stop=stop, **options) for s in range(searches)]
        results = [future.result() for future in futures]
    if trace is not None:
        for moment, value in sorted(point for points in traces for point in points):
            if not trace or value < trace[-1][1]:
                trace.append((moment, value))
    return min(results, key=makespan)


def compile_kernels() -> None:
    """Run the kernels once on a two-job instance: numba compiles them (seconds on a cold cache)
    here rather than inside a timed run."""
    from schedkit.instances import FJSPInstance

    instance = FJSPInstance("warm-up", 2, (({0: 2, 1: 3}, {1: 2}), ({1: 2}, {0: 2, 1: 4})))
    tabu_search(instance, best_dispatch(instance, local_search=False)[0], time_limit=0.05)


@register("fjsp/tabu", ("fjsp", "jssp"), "heuristic",
          "tabu search of critical-operation re-insertions from fjsp/dispatch-best (or the warm start) "
          "for the time limit (param tabu_s=5 without one), one search per thread; stops at the LP lower bound")
def run_tabu(instance, options: SolveOptions):
    started = time.perf_counter()
    lower = fjsp_lower_bound(instance)
    rows = options.warm_start or best_dispatch(instance)[0]
    budget = options.time_limit if options.time_limit is not None else float(options.params.get("tabu_s", 5.0))
    trace = []
    rows = parallel_tabu_search(instance, rows, budget - (time.perf_counter() - started), searches=options.threads,
                                seed=options.seed, lower_bound=lower, trace=trace, clock_origin=started)
    result = heuristic_result(instance, "fjsp/tabu", rows, makespan(rows))
    result.bound = min(lower, result.objective)
    result.trace = trace or result.trace
    if result.objective == lower:
        result.status, result.termination = OPTIMAL, "optimal"
    return result
