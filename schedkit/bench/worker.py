"""One benchmark run → one row. This is what a worker process (or a Dask worker) executes.

The row holds the run's identity, what the method found, how it compares with the best-known value
from the value tables and whether ``validate`` accepted the schedule. A run that raises becomes a
row with status ``failed`` and the error, never an exception that stops the sweep.
"""

from __future__ import annotations

import datetime
import json
import time

from schedkit.bench.plan import Run

FAILED = "failed"  # status of a run that raised, crashed or overran its time limit

COLUMNS = (
    "key", "instance", "instance_set", "problem", "method", "seed", "time_limit", "threads",
    "status", "termination", "objective", "bound", "best_known", "best_known_optimal", "gap", "deviation",
    "runtime_s", "wall_s", "valid", "error", "path", "index", "params", "finished_at", "trace",
)


def deviation(objective: int | None, best: int | None) -> float | None:
    """Relative deviation from the best-known value, (objective − best) / best; the divisor is at
    least 1 so that instances whose optimum is 0 (SMTT) still give a figure."""
    if objective is None or best is None:
        return None
    return (objective - best) / max(abs(best), 1)


def base_row(run: Run) -> dict:
    from schedkit.instances.values import best_known

    known = best_known(run.problem, run.instance)
    return {
        "key": run.key, "instance": run.instance, "instance_set": run.instance_set, "problem": run.problem,
        "method": run.method, "seed": run.seed, "time_limit": run.time_limit, "threads": run.threads,
        "best_known": None if known is None else known.upper,
        "best_known_optimal": None if known is None else known.optimal,
        "path": run.path, "index": run.index,
        "params": json.dumps(run.params, sort_keys=True) if run.params else None,
    }


def failed_row(run: Run, error: str, wall_s: float | None = None) -> dict:
    """The row of a run that gave no result: it raised, its process died or it was killed."""
    row = {column: None for column in COLUMNS}
    row |= base_row(run)
    row |= {"status": FAILED, "valid": False, "wall_s": None if wall_s is None else round(wall_s, 4),
            "error": " | ".join(error.splitlines())[:500], "finished_at": _now()}
    return row


def run_one(run: Run) -> dict:
    """Load the instance, solve it with the registered method, validate, and describe it as a row."""
    from schedkit.instances import load
    from schedkit.registry import SolveOptions, solve
    from schedkit.validate import validate

    started = time.perf_counter()
    try:
        instance = load(run.path, problem=run.problem, index=run.index)
        options = SolveOptions(time_limit=run.time_limit, threads=run.threads, seed=run.seed, params=dict(run.params))
        result = solve(instance, run.method, options)
        report = validate(instance, result)
    except Exception as error:  # any failure of one run is recorded, never raised
        return failed_row(run, f"{type(error).__name__}: {error}", time.perf_counter() - started)
    row = {column: None for column in COLUMNS}
    row |= base_row(run)
    row |= {
        "status": result.status,
        "termination": result.termination,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "deviation": deviation(result.objective, row["best_known"]),
        "runtime_s": round(result.runtime_s, 4),
        "wall_s": round(time.perf_counter() - started, 4),
        # valid only when there is a schedule, validate accepts it and it has the stated objective
        "valid": bool(result.schedule) and report.ok and report.objective == result.objective,
        "finished_at": _now(),
        "trace": json.dumps([[round(t, 4), v] for t, v in result.trace], separators=(",", ":")),
    }
    return row


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
