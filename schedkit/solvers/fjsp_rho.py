"""Rolling-horizon optimization (RHO) of the flexible job shop, plain (``fjsp/rho``) and with
critical-path pruning (``fjsp/rho-cp``).

The loop of L-RHO (Li, Ouyang, Ma & Wu, ICLR 2025; ``fjsp_rho.md`` §1.3–1.4): operations ordered
by relative position in their job (o / len(job), o, random tie-break); a window of the first H
unexecuted operations (default 80) is solved by CP-SAT for the window's makespan, each job released
at the end of its last committed operation and each machine available after its last committed
operation (append-only); the S operations of the window with the earliest start (default 30) are
committed; repeat. The time limit is the total: each window gets time left / windows left and stops
after a short stall without improvement. Every window starts from a complete hint (presence, start,
end): the previous window's solution for its operations, appended by the earliest-end rule for the
new ones; that hint is also the fallback when CP-SAT finds nothing. A final left-shift and
machine-reassignment pass (``heuristics.fjsp_improve``) fills the gaps the append-only windows leave,
and under a time limit a tabu search of the whole schedule (``heuristics.fjsp_tabu``) spends the rest of
it: the windows get (1 − polish_share) of the budget (0.3 kept back by ``fjsp/rho``, 0.5 by ``fjsp/rho-cp``,
whose pruned windows settle sooner), and time a window saves by stopping early flows to the later
windows and finally to that polish.

``fjsp/rho-cp`` (Graph-RHO's idea, Li et al. 2026, with a transparent rule, ``solvers.fjsp_pruning``)
fixes the machine of a share of the overlapping operations (those already in the previous window);
every ``check_every``-th window with fixing is also solved unrestricted to see what fixing cost,
which moves the share, and the better of the two solutions is kept.
"""

from __future__ import annotations

import math
import random
import threading
import time

from ortools.sat.python import cp_model

from schedkit.heuristics.fjsp_improve import improve, makespan
from schedkit.heuristics.fjsp_tabu import tabu_search
from schedkit.models.fjsp_cpsat import build_fjsp_cpsat
from schedkit.registry import SolveOptions, register
from schedkit.result import FEASIBLE, OPTIMAL, Result
from schedkit.solvers.fjsp_bound import fjsp_lower_bound
from schedkit.solvers.fjsp_pruning import FixingRule, critical_operations, left_justify, slacks


class _StallStop(cp_model.CpSolverSolutionCallback):
    """Stops the search ``stall`` seconds after the last improving solution (L-RHO's early stop)."""

    def __init__(self, solver: cp_model.CpSolver, stall: float):
        super().__init__()
        self._solver, self._stall = solver, stall
        self._last = None
        self._done = threading.Event()

    def on_solution_callback(self):
        self._last = time.perf_counter()

    def watch(self):
        while not self._done.wait(0.05):
            if self._last is not None and time.perf_counter() - self._last > self._stall:
                self._solver.StopSearch()
                return

    def finish(self):
        self._done.set()


def rho_order(instance, seed: int) -> list[tuple[int, int]]:
    """Operations by relative position in their job, then position, then a seeded random tie-break."""
    rng = random.Random(seed)
    keyed = [(o / len(ops), o, rng.random(), j) for j, ops in enumerate(instance.jobs) for o in range(len(ops))]
    return [(j, o) for _, o, _, j in sorted(keyed)]


def window_hint(instance, window: list, previous: dict, job_release: dict, machine_available: list) -> list[dict]:
    """A feasible schedule of the window: operations of the previous solution in their old start order
    on their old machines, then the new ones on their earliest-end machine, all appended."""
    job_ready = dict(job_release)
    machine_free = list(machine_available)
    kept = sorted((key for key in window if key in previous), key=lambda k: (previous[k]["start"], k))
    new = [key for key in window if key not in previous]
    rows = []
    for j, o in kept + new:
        eligible = instance.jobs[j][o]
        ready = job_ready.get(j, 0)
        if (j, o) in previous:
            machine = previous[j, o]["machine"]
        else:
            machine = min(eligible, key=lambda m: (max(ready, machine_free[m]) + eligible[m], m))
        start = max(ready, machine_free[machine])
        end = start + eligible[machine]
        rows.append({"job": j, "op": o, "machine": machine, "start": start, "end": end})
        job_ready[j] = machine_free[machine] = end
    return rows


def solve_window(instance, window, job_release, machine_available, restrict, hint, time_limit, stall, threads, seed,
                 end_weight=0):
    """CP-SAT on one window; returns (rows, window makespan, wall seconds, optimal?)."""
    operations = sorted(window)
    built = build_fjsp_cpsat(instance, operations, job_release, machine_available, restrict, end_weight=end_weight)
    allowed = [r for r in hint if (r["job"], r["op"]) not in restrict or restrict[r["job"], r["op"]] == r["machine"]]
    for var, value in built.hints(allowed).items():
        built.model.AddHint(var, value)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = max(1, threads)
    solver.parameters.random_seed = seed
    callback = _StallStop(solver, stall)
    watcher = threading.Thread(target=callback.watch, daemon=True)
    watcher.start()
    try:
        code = solver.Solve(built.model, callback)
    finally:
        callback.finish()
        watcher.join()
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # CP-SAT places operations with slack anywhere: left-justify before committing, or a late
        # committed operation would block its machine for every later window
        rows = left_justify(built.decode(solver.Value, instance), job_release, machine_available)
        return rows, makespan(rows), solver.WallTime(), code == cp_model.OPTIMAL
    if len(allowed) == len(hint):
        return hint, makespan(hint), solver.WallTime(), False
    raise RuntimeError("no solution for a window and the hint breaks its restriction")  # cannot happen: hint kept


def rolling_horizon(instance, options: SolveOptions, pruning: bool) -> tuple[list[dict], list[dict]]:
    """The committed schedule of the whole instance and one record per window."""
    started = time.perf_counter()
    params = options.params
    window_size, step = int(params.get("window", 80)), int(params.get("step", 30))
    total = options.time_limit
    stall = float(params.get("stall", 1.0 if total is not None else 3.0))
    check_every = int(params.get("check_every", 5))
    rule = FixingRule(share=float(params.get("fix_share", 0.3)))
    end_weight = int(params.get("end_weight", 0))
    order = rho_order(instance, options.seed)
    n = len(order)
    done: set = set()
    committed: list[dict] = []
    job_release: dict[int, int] = {}
    machine_available = [0] * instance.num_machines
    previous: dict = {}  # unexecuted operations of the previous window → their row in its solution
    previous_rows: list[dict] = []  # the previous window's whole solution, with its releases
    previous_release: dict = {}
    previous_available: list = machine_available
    history: dict = {}  # (job, op) → machine in each solve it took part in
    windows: list[dict] = []
    # pruned windows have fewer alternatives and settle sooner, so rho-cp gives them less of the budget
    polish = float(params.get("polish_share", 0.5 if pruning else 0.3)) if total is not None else 0.0
    reserve = (0.02 + polish) * total if total is not None else 0.0  # kept for the final pass
    while len(done) < n:
        window = [key for key in order if key not in done][:window_size]
        last = len(done) + len(window) >= n
        windows_left = 1 if last else math.ceil((n - len(done) - window_size) / step) + 1
        if total is None:
            limit = float(params.get("window_time", 60.0))  # L-RHO's per-window limit
        else:
            limit = max(0.05, (total - reserve - (time.perf_counter() - started)) / windows_left)
        overlap = [key for key in window if key in previous]
        fixed: dict = {}
        if pruning and overlap:
            window_slack = slacks(previous_rows, previous_release, previous_available)
            position = {key: i for i, key in enumerate(overlap)}
            fixed = rule.choose(instance, overlap, previous, history, window_slack, position)
        hint = window_hint(instance, window, previous, job_release, machine_available)
        flexible_fixed = sum(len(instance.jobs[j][o]) > 1 for j, o in fixed)
        check = bool(flexible_fixed) and sum(1 for w in windows if w["fixed_flexible"]) % check_every == 0
        rows, value, wall, optimal = solve_window(instance, window, job_release, machine_available, fixed, hint,
                                                  limit / 2 if check else limit, stall, options.threads, options.seed,
                                                  end_weight)
        record = {"window": len(windows), "operations": len(window), "overlap": len(overlap), "fixed": len(fixed),
                  "fixed_flexible": flexible_fixed, "share": round(rule.share, 3), "makespan": value,
                  "solve_s": round(wall, 3), "optimal": optimal, "limit_s": round(limit, 3),
                  "fixed_keys": [key for key in fixed if len(instance.jobs[key[0]][key[1]]) > 1]}
        if check:
            free_rows, free_value, free_wall, _ = solve_window(instance, window, job_release, machine_available, {},
                                                                hint, limit / 2, stall, options.threads, options.seed,
                                                                end_weight)
            record |= {"check_makespan": free_value, "fixing_cost": rule.learn(value, free_value),
                       "solve_s": round(wall + free_wall, 3)}
            if free_value < value:
                rows, value = free_rows, free_value
                record["makespan"] = value
        windows.append(record)
        for row in rows:
            history.setdefault((row["job"], row["op"]), []).append(row["machine"])
        chosen = rows if last else sorted(rows, key=lambda r: (r["start"], r["job"], r["op"]))[:step]
        previous_rows, previous_release, previous_available = rows, dict(job_release), list(machine_available)
        for row in chosen:
            done.add((row["job"], row["op"]))
            committed.append(row)
            job_release[row["job"]] = max(job_release.get(row["job"], 0), row["end"])
            machine_available[row["machine"]] = max(machine_available[row["machine"]], row["end"])
        previous = {(r["job"], r["op"]): r for r in rows if (r["job"], r["op"]) not in done}
    committed.sort(key=lambda r: (r["job"], r["op"]))
    return committed, windows


def run_rho(instance, options: SolveOptions, method: str, pruning: bool) -> Result:
    started = time.perf_counter()
    lower = fjsp_lower_bound(instance)
    committed, windows = rolling_horizon(instance, options, pruning)
    schedule = improve(instance, committed)  # back-fill the gaps left by append-only windows
    windows_s = time.perf_counter() - started
    trace = [(windows_s, makespan(schedule))]
    if options.time_limit is not None and makespan(schedule) > lower:
        # the rest of the budget (the polish share and whatever the windows saved) goes to a tabu
        # search of the whole schedule: re-insertion of critical operations across window borders
        left = options.time_limit - windows_s - 0.02 * options.time_limit
        if left > 0:
            schedule = tabu_search(instance, schedule, left, seed=options.seed, lower_bound=lower, trace=trace,
                                   clock_origin=started)
    objective = makespan(schedule)
    critical = critical_operations(schedule)
    for record in windows:
        keys = record.pop("fixed_keys")
        record["fixed_on_final_critical_path"] = sum(1 for key in keys if key in critical)
    fixed = sum(w["fixed_flexible"] for w in windows)
    checks = [w for w in windows if "fixing_cost" in w]
    extra = {"rho": {
        "windows": len(windows), "committed_makespan": makespan(committed), "windows_s": round(windows_s, 3),
        "final_makespan": objective,
        "solve_s": round(sum(w["solve_s"] for w in windows), 3), "overlap_total": sum(w["overlap"] for w in windows),
        "fixed_total": fixed, "fixed_on_final_critical_path": sum(w["fixed_on_final_critical_path"] for w in windows),
        "checks": len(checks), "checks_where_fixing_cost": sum(1 for w in checks if w["fixing_cost"]),
        "per_window": windows,
    }}
    runtime = time.perf_counter() - started
    status = OPTIMAL if objective == lower else FEASIBLE
    termination = "optimal" if status == OPTIMAL else "heuristic"
    return Result(instance.problem, instance.name, method, status, objective=objective, bound=min(lower, objective),
                  runtime_s=runtime, schedule=schedule, trace=trace, termination=termination, extra=extra)


@register("fjsp/rho", ("fjsp", "jssp"), "model",
          "rolling horizon of CP-SAT windows (L-RHO; params window=80, step=30, stall=1) + tabu polish "
          "(polish_share=0.3), time limit in all")
def run_plain_rho(instance, options: SolveOptions):
    return run_rho(instance, options, "fjsp/rho", pruning=False)


@register("fjsp/rho-cp", ("fjsp", "jssp"), "model",
          "rolling horizon with critical-path pruning: fix the machine of high-slack overlapping operations "
          "(params fix_share=0.3, check_every=5) + tabu polish (polish_share=0.5)")
def run_pruned_rho(instance, options: SolveOptions):
    return run_rho(instance, options, "fjsp/rho-cp", pruning=True)
