"""Benchmark runner: instances × methods × seeds → one row per run (CSV/Parquet) → report tables.

    >>> from schedkit.bench import plan_runs, sweep
    >>> plan = plan_runs(["instances/rcpsp/j30"], ["rcpsp/sgs"], time_limit=1)
    >>> sweep(plan.runs, "runs.csv", jobs=2)
"""

from schedkit.bench.plan import Plan, Run, plan_runs
from schedkit.bench.store import RunStore, read_runs
from schedkit.bench.sweep import SweepSummary, sweep
from schedkit.bench.worker import COLUMNS, run_one

__all__ = ["COLUMNS", "Plan", "Run", "RunStore", "SweepSummary", "plan_runs", "read_runs", "run_one", "sweep"]
