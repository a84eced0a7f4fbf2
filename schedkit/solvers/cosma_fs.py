"""COSMA with a fixed operator order (COSMA-FS, Eq. 16–17 of Li, Gupta, Malik, arXiv 2311.18246),
solved exactly with the episode models of ``schedkit.models.cosma_episodes``.

``cosma/fs`` solves in two stages (research notes §1.7): a byte-count model (which gaps stay
resident) gives a lower bound and a residency plan; CP-SAT ``AddNoOverlap2D`` then looks for
addresses of the fixed runs. If they fit, the plan is optimal. If not, the plan is cut off and
stage 1 re-solved a few times, then the single box model decides. Breaking every gap (each tensor
resident only at its events) is always feasible at capacity ≥ M_R and is the fallback incumbent.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from schedkit.models.cosma_episodes import address_model, box_model, byte_model, episode_data, episode_mip
from schedkit.registry import register
from schedkit.result import FEASIBLE, OPTIMAL, UNKNOWN, Result
from schedkit.solvers.cosma_common import (
    cosma_extra,
    episode_rows,
    keep_from_rows,
    prepare,
    rows_traffic,
)
from schedkit.solvers.cpsat import run_cpsat
from schedkit.solvers.highs import run_highs

STAGE1_ROUNDS = 5
BOX_MODEL_MIN_SECONDS = 2.0


@dataclass
class FixedOutcome:
    status: str
    objective: int | None
    bound: int | None
    rows: list[dict]
    termination: str
    runtime_s: float
    trace: list[tuple[float, int]] = field(default_factory=list)


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.05, deadline - time.perf_counter())


def all_broken_rows(data) -> list[dict]:
    """Every tensor resident only at its own events, packed per step from address 0."""
    by_step: dict[int, list[tuple[int, int]]] = {}
    for ev in data.tensors:
        for s in ev.steps:
            by_step.setdefault(s, []).append((ev.tensor, ev.size))
    rows = []
    for s, tensors in by_step.items():
        address = 0
        for tensor, size in tensors:
            rows.append({"tensor": tensor, "start": s, "end": s, "address": address})
            address += size
    rows.sort(key=lambda r: (r["start"], r["tensor"]))
    return rows


def baseline_rows(instance, order, capacity: int, weights: bool) -> list[dict] | None:
    """The better of the two baselines on ``order`` (greedy-by-size arena, Belady / least-traffic)."""
    from schedkit.heuristics.cosma_greedy import simulate

    found = [rows for rows in (simulate(instance, order, capacity, weights, p) for p in ("bytes", "belady")) if rows]
    return min(found, key=lambda rows: rows_traffic(instance, rows)) if found else None


def plan_guided_rows(instance, data, keep, capacity: int, weights: bool) -> list[dict] | None:
    """A baseline run that spills where the residency plan breaks a gap (least-traffic eviction
    when a placement still fails): a repair of a plan whose runs find no addresses."""
    from schedkit.heuristics.cosma_greedy import simulate

    release: dict[int, set[int]] = {}
    for (k, j), kept in keep.items():
        if not kept:
            release.setdefault(data.tensors[k].tensor, set()).add(data.tensors[k].steps[j + 1])
    return simulate(instance, data.order, capacity, weights, "bytes", release)


def place_runs(data, keep, capacity, time_limit, threads, seed, log=False) -> list[dict] | None:
    """Addresses for the runs a keep plan gives (stage 2), or None when none are found."""
    runs = data.runs(keep)
    model, address = address_model(data, runs, capacity)
    outcome = run_cpsat(model, time_limit=time_limit, threads=threads, seed=seed, log=log)
    if not outcome.has_solution:
        return None
    return episode_rows(data, runs, [outcome.solver.Value(x) for x in address])


def solve_fixed(instance, order, capacity: int, weights: bool, *, time_limit: float | None = None,
                threads: int = 1, seed: int = 0, keep_hint: dict | None = None, log: bool = False,
                incumbent: list[dict] | None = None, use_box_model: bool = True) -> FixedOutcome:
    """The minimum traffic for ``order`` at ``capacity`` (two stages, then the box model).

    ``incumbent``: episode rows for the same order (e.g. a baseline's), the starting solution when
    better than breaking every gap; by default the better of the two given-order baselines.
    ``use_box_model=False`` skips the last stage (building it for a big graph can overrun a short limit):
    the joint search evaluates many orders and keeps the best rows found without it."""
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit
    data = episode_data(instance, order, weights)
    best_rows = all_broken_rows(data)
    best = rows_traffic(instance, best_rows)
    if incumbent is None:
        incumbent = baseline_rows(instance, order, capacity, weights)
    if incumbent and rows_traffic(instance, incumbent) < best:
        best_rows, best = incumbent, rows_traffic(instance, incumbent)
        keep_hint = keep_hint or keep_from_rows(data, incumbent)
    trace = [(time.perf_counter() - started, best)]
    bound = 0
    cuts: list[dict] = []
    hint = keep_hint
    for _ in range(STAGE1_ROUNDS):
        model, keep = byte_model(data, capacity)
        for cut in cuts:  # a residency plan whose runs found no addresses
            model.AddBoolOr([keep[g].Not() if value else keep[g] for g, value in cut.items()])
        hints = {keep[g]: int(v) for g, v in hint.items() if g in keep} if hint else None
        share = None if deadline is None else max(0.05, (deadline - time.perf_counter()) / 2)
        stage1 = run_cpsat(model, time_limit=share, threads=threads, seed=seed, hints=hints, log=log)
        if stage1.bound is not None:
            bound = max(bound, stage1.bound)
        if not stage1.has_solution:
            break
        plan = {g: bool(stage1.solver.Value(var)) for g, var in keep.items()}
        # the address stage gets at most a third of the time left: the box model needs the rest
        share = None if deadline is None else max(0.05, (deadline - time.perf_counter()) / 3)
        rows = place_runs(data, plan, capacity, share, threads, seed, log)
        guided = plan_guided_rows(instance, data, plan, capacity, weights)
        if guided is not None and rows_traffic(instance, guided) < best:
            best_rows, best = guided, rows_traffic(instance, guided)
            trace.append((time.perf_counter() - started, best))
        if rows is not None:
            value = rows_traffic(instance, rows)
            if value < best:
                best, best_rows = value, rows
                trace.append((time.perf_counter() - started, best))
            if stage1.status == OPTIMAL and value == stage1.objective:
                return FixedOutcome(OPTIMAL, best, best, best_rows, "optimal", time.perf_counter() - started, trace)
            break
        cuts.append(plan)
        hint = plan
        if deadline is not None and time.perf_counter() >= deadline:
            break
    # the box model only with a few seconds left: CP-SAT's presolve of a big model can overrun a short limit
    if use_box_model and best > bound and (deadline is None or deadline - time.perf_counter() >= BOX_MODEL_MIN_SECONDS):
        model, keep, address = box_model(data, capacity)
        plan = keep_from_rows(data, best_rows)
        outcome = run_cpsat(model, time_limit=_remaining(deadline), threads=threads, seed=seed, log=log,
                            hints={keep[g]: int(v) for g, v in plan.items()})
        if outcome.bound is not None:
            bound = max(bound, outcome.bound)
        if outcome.has_solution and outcome.objective < best:
            plan = {g: bool(outcome.solver.Value(var)) for g, var in keep.items()}
            runs = data.runs(plan)
            rows = episode_rows(data, runs, [outcome.solver.Value(address[k, first]) for k, first, _, _ in runs])
            best, best_rows = rows_traffic(instance, rows), rows
            trace.append((time.perf_counter() - started, best))
    bound = min(bound, best)
    status = OPTIMAL if bound == best else FEASIBLE
    termination = "optimal" if status == OPTIMAL else "time_limit"
    return FixedOutcome(status, best, bound, best_rows, termination, time.perf_counter() - started, trace)


def chosen_order(instance, options, weights: bool):
    """The order a fixed-schedule method runs: params["order"] = "given" (default), "minpeak"
    (model E1 within mp_time_limit seconds) or an explicit list of operator ids."""
    order = options.params.get("order", "given")
    if order == "given":
        return list(range(instance.num_operators))
    if order == "minpeak":
        from schedkit.solvers.cosma_peak import min_peak_order

        return min_peak_order(instance, weights, time_limit=float(options.params.get("mp_time_limit", 10)),
                              threads=options.threads, seed=options.seed).order
    return [int(v) for v in order]


def _fixed_result(instance, method, options, outcome: FixedOutcome, capacity, weights, order) -> Result:
    return Result(instance.problem, instance.name, method, outcome.status if outcome.rows else UNKNOWN,
                  objective=outcome.objective if outcome.rows else None, bound=outcome.bound,
                  runtime_s=outcome.runtime_s, schedule=outcome.rows, trace=outcome.trace,
                  termination=outcome.termination, extra=cosma_extra(capacity, weights, order))


@register("cosma/fs", ("cosma",), "exact",
          "Fixed order (param order=given|minpeak): byte-count stage + NoOverlap2D addresses, box model fallback (CP-SAT)")
def run_fs(instance, options) -> Result:
    capacity, weights, infeasible = prepare(instance, options, "cosma/fs")
    if infeasible:
        return infeasible
    order = chosen_order(instance, options, weights)
    data = episode_data(instance, order, weights)
    hint = keep_from_rows(data, options.warm_start) if options.warm_start else None
    outcome = solve_fixed(instance, order, capacity, weights, time_limit=options.time_limit, threads=options.threads,
                          seed=options.seed, keep_hint=hint, log=options.log)
    return _fixed_result(instance, "cosma/fs", options, outcome, capacity, weights, order)


@register("cosma/fs-box", ("cosma",), "exact",
          "Fixed order: the single CP-SAT box model (one box per event over the kept gap, NoOverlap2D)")
def run_fs_box(instance, options) -> Result:
    capacity, weights, infeasible = prepare(instance, options, "cosma/fs-box")
    if infeasible:
        return infeasible
    order = chosen_order(instance, options, weights)
    data = episode_data(instance, order, weights)
    model, keep, address = box_model(data, capacity)
    hints = None
    if options.warm_start:
        hints = {keep[g]: int(v) for g, v in keep_from_rows(data, options.warm_start).items()}
    outcome = run_cpsat(model, time_limit=options.time_limit, threads=options.threads, seed=options.seed,
                        hints=hints, log=options.log)
    rows = []
    if outcome.has_solution:
        plan = {g: bool(outcome.solver.Value(var)) for g, var in keep.items()}
        runs = data.runs(plan)
        rows = episode_rows(data, runs, [outcome.solver.Value(address[k, first]) for k, first, _, _ in runs])
    fixed = FixedOutcome(outcome.status, outcome.objective if rows else None, outcome.bound, rows,
                         outcome.termination, outcome.runtime_s, outcome.trace)
    return _fixed_result(instance, "cosma/fs-box", options, fixed, capacity, weights, order)


def _integral_addresses(data, plan, boxes, address_value) -> list[int]:
    """Integral addresses for the runs of a MIP solution: keep the MIP's vertical order of boxes
    that share a step and stack each box on the highest box below it (longest path; never higher
    than the MIP's own, possibly fractional, address)."""
    runs = data.runs(plan)
    spans = []
    for k, first, last, _ in runs:
        steps = data.tensors[k].steps
        spans.append((steps[first], steps[last], data.tensors[k].size, address_value[k, first]))
    ranked = sorted(range(len(runs)), key=lambda r: spans[r][3])
    placed = [0] * len(runs)
    for n, r in enumerate(ranked):
        start, end, _, _ = spans[r]
        top = 0
        for q in ranked[:n]:
            if spans[q][0] <= end and start <= spans[q][1]:
                top = max(top, placed[q] + spans[q][2])
        placed[r] = top
    return placed


@register("cosma/fs-mip", ("cosma",), "exact",
          "Fixed order: the episode model as a big-M MIP (Pyomo → HiGHS); for small graphs and cross-checks")
def run_fs_mip(instance, options) -> Result:
    capacity, weights, infeasible = prepare(instance, options, "cosma/fs-mip")
    if infeasible:
        return infeasible
    order = chosen_order(instance, options, weights)
    data = episode_data(instance, order, weights)
    model, keep, address, boxes = episode_mip(data, capacity)
    warm = None
    if options.warm_start:
        warm = {keep[g]: int(v) for g, v in keep_from_rows(data, options.warm_start).items()}
    outcome = run_highs(model, time_limit=options.time_limit, threads=options.threads, seed=options.seed,
                        warm_start=warm, log=options.log)
    rows = []
    if outcome.has_solution:
        plan = {g: keep[g].value > 0.5 for g in keep}
        values = {b: address[b].value or 0.0 for b in address}
        runs = data.runs(plan)
        rows = episode_rows(data, runs, _integral_addresses(data, plan, boxes, values))
    objective = rows_traffic(instance, rows) if rows else None
    fixed = FixedOutcome(outcome.status if rows else UNKNOWN, objective,
                         None if outcome.bound is None else math.ceil(outcome.bound - 1e-6), rows,
                         outcome.termination, outcome.runtime_s)
    if fixed.bound is not None and objective is not None:
        fixed.bound = min(fixed.bound, objective)
    return _fixed_result(instance, "cosma/fs-mip", options, fixed, capacity, weights, order)
