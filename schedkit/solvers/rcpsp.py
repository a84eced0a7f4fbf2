"""CP-SAT for the RCPSP: a heuristic schedule first (upper bound + hint), then the model; on an
infeasible instance, a named conflicting subset of the side constraints."""

from __future__ import annotations

import time

from schedkit.models.rcpsp_cpsat import build_rcpsp_cpsat
from schedkit.registry import SolveOptions, register
from schedkit.result import FEASIBLE, INFEASIBLE, UNKNOWN
from schedkit.solvers.common import outcome_result
from schedkit.solvers.cpsat import run_cpsat
from schedkit.validate import validate

# Stage 1 is CP-SAT's default portfolio (LNS finds the good schedules). Stage 2 asks whether a
# shorter schedule exists (``_destructive_proof``): on the hard j30 instances (low resource
# strength) this proves the optimum where both the portfolio and core-based search stall. But the
# yes/no question has no LNS: on the hard j60 instances (gaps of 20-35 % after stage 1) it is never
# answered within a minute, and the time it takes from the portfolio cost 1-2 units of makespan
# (30 s runs, 2 threads: pure portfolio 564 against 570 in sum over five of them). So the portfolio
# runs in rounds (the first STAGE1_SHARE of the time, STAGE1_SECONDS without a limit; then
# ROUND_SHARE each) and hands over to stage 2 when the gap is at most PROOF_GAP, or, on projects of
# at most PROOF_TASKS tasks, when a round found no better schedule in its second half. A larger
# project with a larger gap keeps the portfolio for all the remaining time.
STAGE1_SHARE, STAGE1_SECONDS, ROUND_SHARE, PROOF_GAP, PROOF_TASKS = 0.4, 5.0, 0.2, 2, 40


# The NoOverlap cliques (``incompatibility_cliques``) stay in the yes/no model of stage 2, and in the
# portfolio's on small projects (every 8th j30 file, 20 s cap: same 58/60 proven, CPU 30 s in all
# with them, 36 s without), but not on larger ones, where they slow the search more than they prune
# (j6037_1 at 10 s, 2 threads: proven in 2.5-4.5 s without them, 9 s with; j605_1's bound 69-71 vs 65).
def portfolio_cliques(instance) -> bool:
    return instance.n <= PROOF_TASKS


def schedule_hints(built, schedule: list[dict], makespan: int | None) -> dict:
    """CP-SAT hints of a complete schedule: start, end and mode literals of every task, and the makespan."""
    hints = {}
    for row in schedule:
        task = row["task"]
        hints[built.starts[task]] = row["start"]
        hints[built.ends[task]] = row["end"]
        if built.presences[task] is not None:
            for k, literal in enumerate(built.presences[task]):
                hints[literal] = int(k == row.get("mode", 0))
    if makespan is not None:
        hints[built.makespan] = makespan
    return hints


def heuristic_warm_start(instance, schedules: int, seed: int, time_limit: float | None) -> list[dict] | None:
    """The best schedule of biased random sampling with forward-backward improvement, or None."""
    from schedkit.heuristics.rcpsp_priority import project_arrays, sampling_schedule, schedule_rows

    arrays = project_arrays(instance)
    if arrays is None:
        return None
    start = sampling_schedule(instance, arrays, schedules=schedules, seed=seed, time_limit=time_limit)
    return schedule_rows(instance, arrays, start)


@register("rcpsp/cpsat", ("rcpsp",), "model",
          "CP-SAT: intervals, cumulative per resource, precedences; SGS sampling gives the horizon and the hint")
def run_rcpsp_cpsat(instance, options: SolveOptions):
    """Params: ``heuristic_schedules`` (default 500; 0 switches the built-in warm start off),
    ``explain`` (default true: name a conflict when infeasible), ``fix_hints``."""
    started = time.perf_counter()
    params = options.params
    hint = options.warm_start
    if hint and not validate(instance, hint).ok:
        hint = None  # a warm start that is not a feasible schedule may not cut the horizon
    schedules = int(params.get("heuristic_schedules", 500))
    if not hint and schedules > 0:
        budget = None if options.time_limit is None else 0.2 * options.time_limit
        hint = heuristic_warm_start(instance, schedules, options.seed, budget)
    upper_bound = max((row["end"] for row in hint), default=0) if hint else None
    built = build_rcpsp_cpsat(instance, upper_bound=upper_bound, redundant=portfolio_cliques(instance))
    hints = schedule_hints(built, hint or [], upper_bound)
    remaining = None if options.time_limit is None else max(0.05, options.time_limit - (time.perf_counter() - started))
    two_stage = params.get("two_stage", True) and not params.get("fix_hints", False)
    heuristic_seconds = time.perf_counter() - started
    if two_stage:
        outcome, schedule = _portfolio_rounds(instance, options, built, hints, hint, remaining)
        if outcome.termination not in ("optimal", "infeasible"):
            outcome, schedule = _destructive_proof(instance, options, outcome, schedule, hint,
                                                   None if remaining is None else max(0.05, remaining - outcome.runtime_s))
    else:
        outcome = run_cpsat(built.model, time_limit=remaining, threads=options.threads, seed=options.seed,
                            hints=hints, log=options.log, fix_hints=params.get("fix_hints", False))
        schedule = _decode(instance, built, outcome) if outcome.has_solution else None
    if schedule is None and hint and outcome.status == UNKNOWN:
        # CP-SAT stopped before reporting the hinted schedule: the heuristic's schedule stands
        outcome.status, outcome.objective, schedule = FEASIBLE, upper_bound, hint
    result = outcome_result(instance, "rcpsp/cpsat", outcome, schedule)
    result.extra["stages"] = getattr(outcome, "stage", 1)
    # the trace counts from the method's start: the heuristic's schedule is its first point
    result.trace = ([(heuristic_seconds, upper_bound)] if upper_bound is not None else []) + [
        (t + heuristic_seconds, v) for t, v in result.trace]
    if result.status == INFEASIBLE and params.get("explain", True):
        from schedkit.solvers.rcpsp_conflict import explain_infeasibility

        remaining = None if options.time_limit is None else max(1.0, options.time_limit - (time.perf_counter() - started))
        result.extra["conflict"] = explain_infeasibility(instance, time_limit=remaining, seed=options.seed)
    return result


def _portfolio_rounds(instance, options: SolveOptions, built, hints: dict, hint, remaining: float | None):
    """Stage 1: CP-SAT's portfolio in rounds until it proves, leaves a gap of at most PROOF_GAP
    or, on a small project, stalls (no better schedule in the second half of a round), or the time
    is used up (a large project's second round takes all of it).
    Each further round restarts from the incumbent (hint, horizon at its makespan: tighter
    windows); what a restart loses (learnt clauses, LNS statistics) is small next to the time.
    Returns the outcome of all rounds together (time, trace, best bound) and the best schedule."""
    first_round = STAGE1_SECONDS if remaining is None else STAGE1_SHARE * remaining
    later_round = first_round / 2 if remaining is None else ROUND_SHARE * remaining
    schedule = hint
    makespan = max((row["end"] for row in hint), default=None) if hint else None
    spent, trace, bound, length = 0.0, [], None, first_round
    while True:
        left = None if remaining is None else remaining - spent
        if left is not None and length is not None and left - length < later_round / 2:
            length = left  # too little would remain for a useful proof or round: take it all
        outcome = run_cpsat(built.model, time_limit=length, threads=options.threads, seed=options.seed,
                            hints=hints, log=options.log)
        improved_late = any(v < makespan for t, v in outcome.trace if t >= outcome.runtime_s / 2) if makespan else True
        trace += [(spent + t, v) for t, v in outcome.trace]
        spent += outcome.runtime_s
        if outcome.bound is not None:
            bound = outcome.bound if bound is None else max(bound, outcome.bound)
        if outcome.has_solution:
            schedule = _decode(instance, built, outcome)
            makespan = outcome.objective
        if outcome.termination in ("optimal", "infeasible") or not outcome.has_solution:
            break
        small = instance.n <= PROOF_TASKS
        if (small and not improved_late) or makespan - (bound or 0) <= PROOF_GAP or (left is not None and length >= left):
            break
        built = build_rcpsp_cpsat(instance, upper_bound=makespan, redundant=portfolio_cliques(instance))
        hints = schedule_hints(built, schedule, makespan)
        # a large project: no proof stage to come, the portfolio keeps what is left (no limit: all)
        length = later_round if small else None if left is None else left - outcome.runtime_s
    outcome.runtime_s, outcome.trace = spent, trace
    if outcome.has_solution and outcome.termination not in ("optimal", "infeasible"):
        outcome.bound = min(bound, makespan) if bound is not None else None
    return outcome, schedule


def _decode(instance, built, outcome) -> list[dict]:
    value = outcome.solver.Value
    schedule = []
    for task in range(instance.n):
        row = {"task": task, "start": value(built.starts[task]), "end": value(built.ends[task])}
        if instance.multi_mode:
            literals = built.presences[task]
            row["mode"] = 0 if literals is None else next(k for k, lit in enumerate(literals) if value(lit))
        schedule.append(row)
    return schedule


def _destructive_proof(instance, options: SolveOptions, first, schedule, hint, time_limit):
    """Stage 2, destructive improvement from above (Klein & Scholl 1999): "is there a schedule
    shorter than the best one?" asked of CP-SAT without an objective, the horizon one below the
    incumbent. Infeasible proves the incumbent optimal; a schedule becomes the incumbent and the
    question is asked again. The tight horizon shrinks every task's window, which the cumulative
    and disjunctive propagators exploit; without the LP (linearization 0) the search runs several
    times more nodes per second, which is what the proof needs (j3013_5: 5 s of CPU instead of
    about 25 s with the LP). Returns the combined outcome of both stages."""
    best = schedule or hint
    if best is None:
        return first, schedule
    makespan = max(row["end"] for row in best)
    outcome, spent, trace = first, first.runtime_s, list(first.trace)
    bound, proven = first.bound, False
    while time_limit is None or spent < first.runtime_s + time_limit - 0.05:
        if bound is not None and bound >= makespan:
            proven = True
            break
        built = build_rcpsp_cpsat(instance, upper_bound=makespan - 1, minimize=False)
        left = None if time_limit is None else first.runtime_s + time_limit - spent
        test = run_cpsat(built.model, time_limit=left, threads=options.threads, seed=options.seed, log=options.log,
                         parameters={"linearization_level": 0}, configure=_proof_workers)
        spent += test.runtime_s
        if test.status == INFEASIBLE:
            bound, proven = makespan, True
        elif test.has_solution:
            best = _decode(instance, built, test)
            makespan = max(row["end"] for row in best)
            trace.append((spent, makespan))
            continue
        break
    outcome.stage = 2
    outcome.runtime_s, outcome.trace, outcome.objective = spent, trace, makespan
    outcome.bound = makespan if proven else bound
    if proven:
        outcome.status = outcome.termination = "optimal"
    else:
        outcome.status = FEASIBLE
        outcome.termination = "time_limit" if time_limit is not None else "interrupted"
    return outcome, best


def _proof_workers(solver) -> None:
    """With two or more workers, two full no-LP searches that differ in their random seed. On a
    model without an objective CP-SAT would give the second worker to heuristics that only look
    for schedules, and its quick-restart search needs several times the nodes of the plain one
    on these proofs (j3013_2, j3029_3), so a reseeded copy of the plain search is the better twin."""
    params = solver.parameters
    if params.num_workers >= 2:
        params.merge_text_format(
            'subsolvers: "no_lp" subsolvers: "no_lp_reseeded" num_full_subsolvers: 2 '
            f'subsolver_params {{ name: "no_lp_reseeded" linearization_level: 0 random_seed: {params.random_seed + 1} }}')
