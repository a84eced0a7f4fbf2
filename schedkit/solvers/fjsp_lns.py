"""Large neighbourhood search with CP-SAT from an FJSP incumbent: free a part of the schedule, keep the
machine and the machine order of everything else, and let CP-SAT re-solve the rest.

Each step picks a machine-free set of about ``size`` operations (free machine and place) and a
sequence-free window of about ``order_factor × size`` operations (machine kept, place free) around a
critical operation, builds the full model (``models.fjsp_cpsat``) with every other operation restricted
to its machine and chained after its machine predecessor among those others (end ≤ start: they can still
move in time), hints the whole incumbent, and solves it with a short limit and one worker. A result that
is not worse replaces the incumbent. Machine-free sets, as in the scheduling LNS of Godard, Laborie &
Nuijten (2005, "Randomized large neighborhood search for cumulative scheduling") and OR-Tools' own:

- time window: the operations that start nearest a critical operation's start;
- machines: every operation on a critical operation's machine and on further random machines;
- jobs: every operation of a critical operation's job and of further random jobs.

Without the sequence-free window (the machine-free set alone) nearly every subproblem of mk05, mk06, mk07
and mk10 was proven without a better schedule from the tabu search's: its local optima are local optima
of these neighbourhoods too; with it, mk07 went from 142 to 140 (2 seeds of 2). The size adapts per
neighbourhood: up after a subproblem solved to optimality (it was too easy), down after one that ran out
of time. With several threads granted, one LNS loop per thread shares the incumbent (``SharedBest``;
the CP-SAT solve releases the GIL).
"""

from __future__ import annotations

import random
import threading
import time

from schedkit.heuristics.fjsp_improve import makespan
from schedkit.heuristics.fjsp_tabu import SharedBest, tabu_search
from schedkit.models.fjsp_cpsat import build_fjsp_cpsat
from schedkit.solvers.cpsat import run_cpsat
from schedkit.solvers.fjsp_pruning import slacks

NEIGHBOURHOODS = ("window", "machines", "jobs")


def free_window(rows: list[dict], critical: list[dict], size: int, rng: random.Random) -> set:
    """The ``size`` operations whose starts are nearest a random critical operation's start."""
    centre = rng.choice(critical)["start"]
    by_distance = sorted(rows, key=lambda r: (abs(r["start"] - centre), rng.random()))
    return {(r["job"], r["op"]) for r in by_distance[:size]}


def _free_group(rows: list[dict], critical: list[dict], size: int, rng: random.Random, field: str) -> set:
    """All operations sharing ``field`` (machine or job) with a random critical operation, then those of further
    random values of it, until ``size``."""
    chosen = [rng.choice(critical)[field]]
    others = sorted({r[field] for r in rows} - set(chosen))
    rng.shuffle(others)
    count = sum(r[field] == chosen[0] for r in rows)
    for value in others:
        if count >= size:
            break
        chosen.append(value)
        count += sum(r[field] == value for r in rows)
    return {(r["job"], r["op"]) for r in rows if r[field] in chosen}


def free_machines(rows: list[dict], critical: list[dict], size: int, rng: random.Random) -> set:
    """All operations of a critical operation's machine and of further random machines, until ``size``."""
    return _free_group(rows, critical, size, rng, "machine")


def free_jobs(rows: list[dict], critical: list[dict], size: int, rng: random.Random) -> set:
    """All operations of a critical operation's job and of further random jobs, until ``size``."""
    return _free_group(rows, critical, size, rng, "job")


_CHOOSERS = {"window": free_window, "machines": free_machines, "jobs": free_jobs}


def solve_neighbourhood(instance, rows: list[dict], free: set, time_limit: float, seed: int = 0,
                        lower_bound: int = 0, free_order: set = frozenset()) -> tuple[list[dict] | None, bool]:
    """Re-solve ``rows`` with the ``free`` operations unrestricted, the ``free_order`` ones kept on their machine
    but anywhere in its sequence, and every other operation kept on its machine after its machine predecessor
    among those others. Returns (schedule or None, proven optimal)."""
    kept = [r for r in rows if (r["job"], r["op"]) not in free]
    restrict = {(r["job"], r["op"]): r["machine"] for r in kept}
    built = build_fjsp_cpsat(instance, restrict=restrict, lower_bound=lower_bound)
    previous_on = {}
    for r in sorted((r for r in kept if (r["job"], r["op"]) not in free_order), key=lambda r: (r["start"], r["end"])):
        key = (r["job"], r["op"])
        if r["machine"] in previous_on:
            built.model.Add(built.starts[key] >= built.ends[previous_on[r["machine"]]])
        previous_on[r["machine"]] = key
    built.model.Add(built.makespan <= makespan(rows))
    outcome = run_cpsat(built.model, time_limit=time_limit, threads=1, seed=seed, hints=built.hints(rows))
    if not outcome.has_solution:
        return None, False
    return built.decode(outcome.solver.Value, instance), outcome.status == "optimal"


def _loop(instance, incumbent: SharedBest, deadline: float, seed: int, lower_bound: int, size: int,
          order_factor: float, step_limit: float, stats: dict, tabu_done: threading.Event | None, stall_steps: int) -> None:
    rng = random.Random(seed)
    sizes = dict.fromkeys(NEIGHBOURHOODS, size)
    n = instance.num_operations
    fruitless, seen = 0, incumbent.value  # steps since the shared best last improved (by either search)
    while time.perf_counter() < deadline - 0.05 and incumbent.value > lower_bound:
        if incumbent.value < seen:
            fruitless, seen = 0, incumbent.value
        if fruitless >= stall_steps and (tabu_done is None or tabu_done.is_set()):
            stats["stalled"] = True  # both searches are stuck: CP-SAT gets the time left to prove or improve
            break
        rows = incumbent.rows
        slack = slacks(rows)
        critical = [r for r in rows if slack[r["job"], r["op"]] == 0] or rows
        kind = rng.choice(NEIGHBOURHOODS)
        free = _CHOOSERS[kind](rows, critical, sizes[kind], rng)
        free_order = free_window(rows, critical, round(order_factor * sizes[kind]), rng)
        limit = min(step_limit, deadline - time.perf_counter())
        if limit <= 0.05:
            break
        found, proven = solve_neighbourhood(instance, rows, free, limit, seed=rng.randrange(1 << 30),
                                            lower_bound=lower_bound, free_order=free_order)
        before = incumbent.value
        if found is not None:
            incumbent.offer(found)
            if incumbent.value < before:
                stats.setdefault("trace", []).append((round(time.perf_counter() - stats["started"], 1), incumbent.value))
        stats["steps"] += 1
        stats["improved"] += incumbent.value < before
        fruitless += 1
        stats[kind + "_proven"] = stats.get(kind + "_proven", 0) + proven
        stats[kind] = stats.get(kind, 0) + 1
        stats[kind + "_size"] = sizes[kind]
        # an easy subproblem (proven in time) grows the neighbourhood, a hard one shrinks it
        sizes[kind] = max(8, min(n, round(sizes[kind] * (1.1 if proven else 0.9))))


def lns(instance, rows: list[dict], time_limit: float, threads: int = 1, seed: int = 0, lower_bound: int = 0,
        size: int = 20, order_factor: float = 2.0, step_limit: float = 1.0, stats: dict | None = None,
        shared: SharedBest | None = None, stall_steps: int | None = None,
        tabu_done: threading.Event | None = None) -> list[dict]:
    """CP-SAT LNS from the feasible schedule ``rows`` for ``time_limit`` seconds (or until ``lower_bound``, or
    after ``stall_steps`` steps in a row without a better shared best once ``tabu_done`` is set, if given),
    one loop per thread; returns the best schedule (never worse than ``rows``)."""
    deadline = time.perf_counter() + time_limit
    incumbent = shared or SharedBest(rows)
    stats = stats if stats is not None else {}
    stats.update(steps=0, improved=0, started=time.perf_counter())
    stall_steps = stall_steps if stall_steps is not None else 1 << 62
    workers = [threading.Thread(target=_loop, args=(instance, incumbent, deadline, seed + t, lower_bound, size,
                                                      order_factor, step_limit, stats, tabu_done, stall_steps))
               for t in range(max(1, threads))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return incumbent.rows


def tabu_and_lns(instance, rows: list[dict], time_limit: float, threads: int = 2, seed: int = 0, lower_bound: int = 0,
                 tabu_share: float = 0.35, stats: dict | None = None, tabu_restarts: int | None = 200,
                 stall_steps: int | None = 30) -> list[dict]:
    """The tabu search (``heuristics.fjsp_tabu``) and the CP-SAT LNS from ``rows`` for ``time_limit`` seconds,
    sharing their best schedule. With two threads or more: one tabu search and threads − 1 LNS loops side by side
    (the tabu search restarts from the LNS's better schedule, each LNS step starts from the best); with one:
    the tabu search for ``tabu_share`` of the time, then the LNS. Each finds what the other misses: on mk10 the
    tabu search gets 199 where the LNS alone stays above 205, on mk07 the LNS gets 140 from the tabu search's 142.
    The phase ends early once both are stuck (the tabu search after ``tabu_restarts`` fruitless restarts, the LNS
    after ``stall_steps`` steps without a better best), so that CP-SAT gets the time to prove an optimum the
    heuristics already hold (mk01, ft06: otherwise it has only what is left after the whole phase)."""
    started = time.perf_counter()
    shared = SharedBest(rows)
    tabu_done = threading.Event()
    if threads <= 1:
        shared.offer(tabu_search(instance, rows, tabu_share * time_limit, seed=seed, lower_bound=lower_bound,
                                 restarts=tabu_restarts))
        tabu_done.set()
        left = time_limit - (time.perf_counter() - started)
        return lns(instance, shared.rows, left, threads=1, seed=seed, lower_bound=lower_bound, stats=stats, shared=shared,
                   stall_steps=stall_steps, tabu_done=tabu_done)

    def run_tabu():
        shared.offer(tabu_search(instance, rows, time_limit, seed=seed, lower_bound=lower_bound, shared=shared,
                                 restarts=tabu_restarts))
        tabu_done.set()

    tabu = threading.Thread(target=run_tabu)
    tabu.start()
    lns(instance, rows, time_limit, threads=threads - 1, seed=seed + 1, lower_bound=lower_bound, stats=stats,
        shared=shared, stall_steps=stall_steps, tabu_done=tabu_done)
    tabu.join()
    return shared.rows
