"""Joint scheduling for COSMA: change the operator order, then solve the fixed order exactly.

``cosma/dc`` is a divide-and-conquer reconstruction (research notes §3; the paper's §IV rules were
not retrievable): start from the better (by exact fixed-schedule traffic) of the given and the
minimum-peak order, improved for a share of the time (``search_share``, 0.8) by single-operator
and chain moves guided by a byte-count replay (``heuristics.cosma_order_search``); cut it into segments of at
most ``window`` operators where few bytes cross; re-order the operators of each segment whose live
bytes exceed the capacity with CP-SAT (positions, precedences, the tensors crossing the segment's
boundaries as fixed load), minimizing the bytes above capacity summed over the segment's steps;
stitch, solve the new order exactly with the episode model (``cosma.fs``) and keep it when its
traffic is no worse. Then shift the cuts by half a window and repeat while time remains ("improve
across cuts").

``cosma/free`` runs the same re-ordering model over the whole order at once (one segment) for graphs
of up to 120 operators, and then the same improvement passes; beyond 120 operators it is ``cosma/dc``.

The re-ordering model counts bytes, not addresses or spills: it is a heuristic for the order. Every
returned result is an exact fixed-schedule solution of the order it reports. The bound is the
crossing-tensor cover of ``cosma_bound`` (valid over every order); the search stops when an order
reaches it, and the status is ``optimal`` then, ``feasible`` otherwise.
"""

from __future__ import annotations

import itertools
import time

from ortools.sat.python import cp_model

from schedkit.heuristics.cosma_order_search import Replay, compile_kernels, search_order
from schedkit.models.cosma_episodes import episode_data
from schedkit.registry import register
from schedkit.result import FEASIBLE, OPTIMAL, Result
from schedkit.solvers.cosma_bound import crossing_bound
from schedkit.solvers.cosma_common import cosma_extra, prepare
from schedkit.solvers.cosma_fs import solve_fixed
from schedkit.solvers.cosma_peak import min_peak_order
from schedkit.solvers.cpsat import run_cpsat

DC_WINDOW = 40
START_FS_SHARE = 0.05  # of the time limit, at most, for the exact traffic of each start order (big graphs take all they get)
FREE_MAX_OPS = 120  # the re-ordering model has operators × steps reified booleans
MAX_WINDOW = 160  # beyond it building the segment model alone takes seconds (outside CP-SAT's time limit)
MIN_SEGMENT_SECONDS = 0.3  # a segment model is not built or solved with less CP-SAT time than this left
# CP-SAT's loading and presolve of a segment model overran its limit by up to 0.3 × the model's build
# time (densenet121, 69-147 operators, limits 0.1-1 s): that much of the time left is kept for it
SOLVE_OVERHEAD_SHARE = 0.4


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() > deadline


def exact_traffic(instance, order, capacity: int, weights: bool, replay: Replay | None, *, time_limit: float, threads: int,
                  seed: int):
    """``solve_fixed`` of an order the search produced, without the box model, warm-started with the
    replay's residency plan (``Replay.keep_plan``): on ba250 the exact model alone ends 10-20 % above
    the replayed traffic of the order within 12 s."""
    hint = replay.keep_plan(episode_data(instance, order, weights)) if replay is not None else None
    return solve_fixed(instance, order, capacity, weights, time_limit=time_limit, threads=threads, seed=seed,
                       keep_hint=hint, use_box_model=False)


def segment_tensors(instance, order, first: int, last: int, weights: bool, deadline: float | None = None):
    """How the tracked tensors meet ``order[first:last]``: (background bytes, rows), a row (tensor, has
    an event before the segment, has one after it, its events inside) for each tensor with an event
    inside; background: the tensors live across the whole segment without an event in it. None when
    the clock passes ``deadline``."""
    position_of = {v: s for s, v in enumerate(order)}
    inside = set(order[first:last])
    tracked = instance.tracked(weights)
    background, rows = 0, []
    for a in range(instance.num_tensors):
        if not tracked[a]:
            continue
        if _past(deadline):
            return None
        events = list(instance.consumers[a]) + ([instance.producer[a]] if instance.producer[a] is not None else [])
        before = any(position_of[v] < first for v in events)
        after = any(position_of[v] >= last for v in events)
        local = [v for v in events if v in inside]
        if local:
            rows.append((a, before, after, local))
        elif before and after:
            background += instance.sizes[a]
    return background, rows


def segment_model(instance, order, first: int, last: int, capacity: int, weights: bool, deadline: float | None = None):
    """Re-order ``order[first:last]``: returns (model, position vars by operator, excess), or None
    when the clock passes ``deadline`` (perf_counter) while building it (seconds for 150 operators)."""
    segment = order[first:last]
    width = len(segment)
    inside = set(segment)
    crossing = segment_tensors(instance, order, first, last, weights, deadline)
    if crossing is None:
        return None
    background, rows = crossing
    model = cp_model.CpModel()
    position = {v: model.NewIntVar(0, width - 1, f"position_{v}") for v in segment}
    model.AddAllDifferent(list(position.values()))
    for v in segment:
        for t in instance.inputs[v]:
            u = instance.producer[t]
            if u in inside:
                model.Add(position[u] < position[v])
    live_terms: list[list] = [[] for _ in range(width)]
    for t, before, after, events in rows:
        if _past(deadline):
            return None
        local = [position[v] for v in events]
        for s in range(width):
            starts_by = True if before else _reified(model, local, s, "le")
            ends_after = True if after else _reified(model, local, s, "ge")
            if starts_by is True and ends_after is True:
                live_terms[s].append(instance.sizes[t])
                continue
            live = model.NewBoolVar(f"live_{t}_{s}")
            conditions = [c for c in (starts_by, ends_after) if c is not True]
            model.AddBoolOr([c.Not() for c in conditions] + [live])
            live_terms[s].append(instance.sizes[t] * live)
    excess = []
    for s in range(width):
        over = model.NewIntVar(0, sum(instance.sizes), f"excess_{s}")
        model.Add(over >= background + sum(live_terms[s]) - capacity)
        excess.append(over)
    model.Minimize(sum(excess))
    return model, position, excess


def segment_residency_model(instance, order, first: int, last: int, capacity: int, weights: bool,
                            deadline: float | None = None):
    """Re-order ``order[first:last]`` with residency and reload costs (a byte-count relaxation of
    the episode model over a free order inside the segment).

    x[v, s]: operator v at segment step s (one per step, precedences through positions); r[a, s]:
    tensor a resident at s, forced at its events; Σ size·r ≤ capacity − bytes crossing the segment
    untouched. Every rise of r after the first presence is a reload (size), a produced tensor with
    any reload also pays its spill (size); a tensor needed after the segment and not resident at its
    end pays one reload (and spill). Tensors live at the segment's start are taken as resident.
    Returns (model, position vars by operator), or None when the clock passes ``deadline`` while building it."""
    segment = order[first:last]
    width = len(segment)
    inside = set(segment)
    crossing = segment_tensors(instance, order, first, last, weights, deadline)
    if crossing is None:
        return None
    background, rows = crossing
    model = cp_model.CpModel()
    x = {(v, s): model.NewBoolVar(f"x_{v}_{s}") for v in segment for s in range(width)}
    position = {}
    for v in segment:
        if _past(deadline):
            return None
        model.AddExactlyOne(x[v, s] for s in range(width))
        position[v] = model.NewIntVar(0, width - 1, f"position_{v}")
        model.Add(position[v] == sum(s * x[v, s] for s in range(width)))
    for s in range(width):
        model.AddExactlyOne(x[v, s] for v in segment)
    for v in segment:
        for t in instance.inputs[v]:
            u = instance.producer[t]
            if u in inside:
                model.Add(position[u] < position[v])
    load: list[list] = [[] for _ in range(width)]
    cost = []
    for a, before, after, local in rows:
        if _past(deadline):
            return None
        size = instance.sizes[a]
        producer = instance.producer[a]
        resident = [model.NewBoolVar(f"r_{a}_{s}") for s in range(width)]
        for s in range(width):
            for v in local:
                model.AddImplication(x[v, s], resident[s])
            if producer in inside:  # not before its production
                model.Add(resident[s] <= sum(x[producer, k] for k in range(s + 1)))
            if not after:  # not after its last event in the segment (no use for it)
                model.Add(resident[s] <= sum(x[v, k] for v in local for k in range(s, width)))
            load[s].append(size * resident[s])
        rises = []
        previous = 1 if before else 0
        for s in range(width):
            rise = model.NewBoolVar(f"rise_{a}_{s}")
            model.Add(rise >= resident[s] - previous)
            rises.append(rise)
            previous = resident[s]
        if after:
            tail = model.NewBoolVar(f"tail_{a}")
            model.Add(tail >= 1 - resident[width - 1])
            rises.append(tail)
        free_rises = 0 if before else 1
        reloads = model.NewIntVar(0, len(rises), f"reloads_{a}")
        model.Add(reloads >= sum(rises) - free_rises)
        cost.append(size * reloads)
        if producer is not None:
            spilled = model.NewBoolVar(f"spilled_{a}")
            model.Add(reloads <= len(rises) * spilled)
            cost.append(size * spilled)
    for s in range(width):
        model.Add(sum(load[s]) <= max(0, capacity - background))
    model.Minimize(sum(cost))
    return model, position


def _reified(model, local, s: int, sense: str):
    """A BoolVar true when some local event is at ≤ s ("le") / ≥ s ("ge")."""
    flags = []
    for x in local:
        flag = model.NewBoolVar("")
        if sense == "le":
            model.Add(x <= s).OnlyEnforceIf(flag)
            model.Add(x > s).OnlyEnforceIf(flag.Not())
        else:
            model.Add(x >= s).OnlyEnforceIf(flag)
            model.Add(x < s).OnlyEnforceIf(flag.Not())
        flags.append(flag)
    if len(flags) == 1:
        return flags[0]
    any_flag = model.NewBoolVar("")
    model.AddMaxEquality(any_flag, flags)
    return any_flag


def segment_solve_limit(remaining: float, build_seconds: float, segment_limit: float) -> float | None:
    """CP-SAT's limit for a segment model built in ``build_seconds`` with ``remaining`` seconds left,
    or None when too little is left to solve it: loading and presolve overrun the limit by a share
    of the build time, which is kept back."""
    limit = min(segment_limit, remaining - SOLVE_OVERHEAD_SHARE * build_seconds)
    return limit if limit >= MIN_SEGMENT_SECONDS else None


def cut_points(instance, order, window: int, weights: bool, offset: int = 0) -> list[int]:
    """Segment boundaries: each segment ends, within its last half window, where the fewest live
    bytes cross from one step to the next."""
    live = instance.live_bytes(order, weights)
    m = len(order)
    cuts, cursor = [0], 0
    if offset:
        cuts.append(min(offset, m))
        cursor = min(offset, m)
    while cursor + window < m:
        low, high = cursor + max(1, window // 2), cursor + window
        cut = min(range(low, high + 1), key=lambda s: (live[s - 1] if s > 0 else 0, -s))
        cuts.append(cut)
        cursor = cut
    if cuts[-1] != m:
        cuts.append(m)
    return cuts


def improve_order(instance, order, capacity, weights, *, window, deadline, threads, seed, segment_limit, log=False,
                  started=None, segment_kind="alternate", start=None, bound=0, replay=None):
    """Passes of segment re-ordering, each accepted when the exact fixed-order traffic does not
    grow; stops early at ``bound``. With ``replay``, a candidate whose replayed traffic is above that of
    the current order is not solved exactly (the replay tracks the exact value closely).
    Returns (order, FixedOutcome of that order, trace of (seconds, traffic))."""
    started = time.perf_counter() if started is None else started
    if start is None:
        start = solve_fixed(instance, order, capacity, weights, time_limit=max(1.0, deadline - time.perf_counter()),
                            threads=threads, seed=seed)
    best = start
    trace = [(time.perf_counter() - started, best.objective)]
    kinds = ("excess", "residency") if segment_kind == "alternate" else (segment_kind,)
    passes = 0
    while time.perf_counter() < deadline and best.objective > bound:
        # passes alternate the two segment objectives and shift the cuts; once a round of four
        # passes gains nothing, the window doubles (up to the whole order)
        improved_round = False
        for offset in (0, window // 2, window // 3, 2 * window // 3):
            kind = kinds[passes % len(kinds)]
            passes += 1
            new_order, outcome = _improve_pass(instance, order, best, capacity, weights, window, offset, kind, deadline,
                                               threads, seed, segment_limit, log, replay)
            if outcome.objective < best.objective:
                improved_round = True
                trace.append((time.perf_counter() - started, outcome.objective))
            order, best = new_order, outcome
            if time.perf_counter() >= deadline or best.objective <= bound:
                return order, best, trace
        if not improved_round:
            if window >= min(len(order), MAX_WINDOW):
                break
            window = min(len(order), MAX_WINDOW, 2 * window)
    return order, best, trace


def _improve_pass(instance, order, best, capacity, weights, window, offset, kind, deadline, threads, seed,
                  segment_limit, log, replay=None):
    """One pass over the segments; returns (order, outcome), the same objects when nothing was accepted."""
    replayed = replay.traffic(order) if replay is not None else None  # of the current order, kept with it
    for first, last in itertools.pairwise(cut_points(instance, order, window, weights, offset)):
        if time.perf_counter() >= deadline:
            break
        if last - first < 2:
            continue
        live = instance.live_bytes(order, weights)
        if max(live[first:last]) <= capacity:
            continue
        # the build counts against the time limit: it stops at the point where CP-SAT would be left
        # too little, and the time CP-SAT gets is what remains after it (less its expected overrun)
        building = time.perf_counter()
        if building >= deadline - MIN_SEGMENT_SECONDS:
            break
        build = segment_residency_model if kind == "residency" else segment_model
        built = build(instance, order, first, last, capacity, weights, deadline=deadline - MIN_SEGMENT_SECONDS)
        if built is None:
            break
        model, position = built[0], built[1]
        now = time.perf_counter()
        limit = segment_solve_limit(deadline - now, now - building, segment_limit)
        if limit is None:
            break
        hints = {position[v]: s for s, v in enumerate(order[first:last])}
        outcome = run_cpsat(model, time_limit=limit, threads=threads, seed=seed, hints=hints, log=log)
        if not outcome.has_solution:
            continue
        segment = sorted(order[first:last], key=lambda v: outcome.solver.Value(position[v]))
        if segment == order[first:last]:
            continue
        candidate = order[:first] + segment + order[last:]
        candidate_replayed = replay.traffic(candidate) if replay is not None else None
        if replay is not None and candidate_replayed > replayed:
            continue
        remaining = deadline - time.perf_counter()
        if remaining <= 0.2:
            break
        # capped: on a big graph the exact solve takes all the time it is given, and one candidate
        # would end the pass
        result = exact_traffic(instance, candidate, capacity, weights, replay, time_limit=min(remaining, 3 * segment_limit),
                               threads=threads, seed=seed)
        if result.objective is not None and result.objective <= best.objective:  # plateau moves allowed
            order, best, replayed = candidate, result, candidate_replayed
    return order, best


def _joint(instance, options, method: str, window: int) -> Result:
    started = time.perf_counter()
    compile_kernels()  # first, so that a cold numba cache (seconds) comes out of the time limit, not over it
    capacity, weights, infeasible = prepare(instance, options, method)
    if infeasible:
        return infeasible
    time_limit = options.time_limit if options.time_limit is not None else 120.0
    deadline = started + time_limit
    bound = crossing_bound(instance, capacity, weights, time_limit=min(10.0, time_limit / 12), threads=options.threads,
                           seed=options.seed, pair_time_limit=min(3.0, time_limit / 40))
    given = list(range(instance.num_operators))
    peak_order = min_peak_order(instance, weights, time_limit=min(10.0, time_limit / 6), threads=options.threads,
                                seed=options.seed).order
    starts = []
    for order in (given, peak_order):
        limit = max(1.0, min(START_FS_SHARE * time_limit, (deadline - time.perf_counter()) / 4))
        outcome = solve_fixed(instance, order, capacity, weights, time_limit=limit, threads=options.threads, seed=options.seed)
        starts.append((outcome.objective, order, outcome))
        if outcome.objective <= bound:
            break
    _, start_order, start_outcome = min(starts, key=lambda s: s[0])
    replay = Replay(instance, capacity, weights)
    # 0.8: on ba250 (997 operators) each segment candidate's exact solve takes ~12 s and the passes
    # gained ~1 %, while the moves still improve; where they converge they stop by themselves (stale
    # rule) and the passes get the time
    share = float(options.params.get("search_share", 0.8))
    block_share = float(options.params.get("block_share", 0.5))  # chain moves among the search's moves
    if share > 0 and start_outcome.objective > bound:
        # a share of the time for single-operator moves guided by the byte-count replay (fast, so
        # it reaches far), then the exact traffic of the order it ends with
        searched, _ = search_order(instance, start_order, capacity, weights, seed=options.seed, block_share=block_share,
                                   deadline=time.perf_counter() + share * max(0.0, deadline - time.perf_counter()), replay=replay,
                                   target=bound)
        outcome = exact_traffic(instance, searched, capacity, weights, replay,
                                time_limit=max(1.0, (deadline - time.perf_counter()) / 4), threads=options.threads,
                                seed=options.seed)
        starts.append((outcome.objective, searched, outcome))
        if outcome.objective < start_outcome.objective:
            start_order, start_outcome = searched, outcome
    order, best, trace = improve_order(instance, list(start_order), capacity, weights, window=window, deadline=deadline,
                                       threads=options.threads, seed=options.seed,
                                       segment_limit=float(options.params.get("segment_time_limit", 4.0)), log=options.log,
                                       started=started, segment_kind=str(options.params.get("segment", "alternate")),
                                       start=start_outcome, bound=bound, replay=replay)
    reserve = max(2.0, time_limit / 10)  # for the exact solve of the searched order
    if share > 0 and best.objective > bound and deadline - time.perf_counter() > 2 * reserve:
        # the segment passes stalled with time left: more replay-guided moves from where they ended
        searched, _ = search_order(instance, order, capacity, weights, seed=options.seed + 1, block_share=block_share,
                                   deadline=deadline - reserve, replay=replay, target=bound)
        outcome = exact_traffic(instance, searched, capacity, weights, replay,
                                time_limit=max(1.0, deadline - time.perf_counter()), threads=options.threads, seed=options.seed)
        if outcome.objective < best.objective:
            order, best = searched, outcome
            trace.append((time.perf_counter() - started, best.objective))
    extra = {**cosma_extra(capacity, weights, order),
             "start_traffic": {name: value for name, (value, _, _) in zip(("given", "minpeak", "search"), starts, strict=False)}}
    proven = best.objective <= bound
    # the segment passes stop MIN_SEGMENT_SECONDS before the deadline when no model can be built and solved
    timed_out = time.perf_counter() >= deadline - MIN_SEGMENT_SECONDS
    termination = "optimal" if proven else "time_limit" if timed_out else "heuristic"
    return Result(instance.problem, instance.name, method, OPTIMAL if proven else FEASIBLE, objective=best.objective,
                  bound=min(bound, best.objective), runtime_s=time.perf_counter() - started, schedule=best.rows,
                  trace=trace, termination=termination, extra=extra)


@register("cosma/dc", ("cosma",), "heuristic",
          "Divide and conquer: re-order segments cut where few bytes cross (CP-SAT), exact fixed-order traffic per order")
def run_dc(instance, options) -> Result:
    return _joint(instance, options, "cosma/dc", int(options.params.get("window", DC_WINDOW)))


@register("cosma/free", ("cosma",), "heuristic",
          "Free schedule: one CP-SAT re-ordering model over the whole order (byte count; up to 120 ops, dc beyond), "
          "then exact fixed-order traffic")
def run_free(instance, options) -> Result:
    # beyond FREE_MAX_OPS one model over the order is too big: free is dc then (its windows re-order
    # darts_v2_cifar10 at M_R, 120-operator windows did not within 120 s)
    whole = instance.num_operators if instance.num_operators <= FREE_MAX_OPS else DC_WINDOW
    return _joint(instance, options, "cosma/free", int(options.params.get("window", whole)))
