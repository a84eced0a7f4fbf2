"""Long-horizon FJSP: full CP-SAT (hinted by the best dispatching rule) vs plain rolling horizon
(``fjsp/rho``) vs rolling horizon with critical-path pruning (``fjsp/rho-cp``), all at the same
total time, on generated instances of the L-RHO / Graph-RHO distribution (``schedkit generate fjsp``).

Time to quality: from the incumbent trace of each RHO run (the first point is the complete schedule
after the windows, the next ones the tabu polish), the first time ``fjsp/rho-cp`` is within 1 % of
plain RHO's final makespan, as a share of plain RHO's run time. ``fjsp/cpsat`` runs with
``tabu_share=0`` (hinted by the dispatching rule alone, the comparator the issue names) unless
``--cpsat-tabu``. Also measures the time to build the full CP-SAT model.

Resumable: with ``--csv``, each run is appended to the file as soon as it ends (its incumbent trace as
JSON), runs already in the file are skipped, and the tables are printed from the whole file. Example
(the RESULTS.md runs, one locked run per size):

    python benchmarks/fjsp_long_horizon.py --sizes 600 --seeds 0 1 2 3 4 --threads 2 --csv long.csv
"""

from __future__ import annotations

import argparse
import json
import os
import time

import pandas as pd

from schedkit.heuristics.fjsp_dispatch import best_dispatch
from schedkit.heuristics.fjsp_improve import makespan
from schedkit.heuristics.fjsp_tabu import compile_kernels
from schedkit.instances.generate_fjsp import generate_fjsp
from schedkit.models.fjsp_cpsat import build_fjsp_cpsat
from schedkit.registry import SolveOptions, solve
from schedkit.solvers.fjsp_bound import fjsp_lower_bound

# operations: (jobs, machines, operations per job, seconds in all)
SIZES = {600: (20, 10, 30, 60.0), 1000: (40, 10, 25, 60.0), 2000: (40, 10, 50, 120.0)}
METHODS = ("fjsp/cpsat", "fjsp/rho", "fjsp/rho-cp")
COLUMNS = ["size", "instance", "seed", "lower_bound", "method", "budget_s", "makespan", "time_s", "build_s", "windows",
           "windows_s", "after_windows", "solve_s", "overlap", "fixed", "fixed_on_critical", "checks", "checks_costly",
           "trace"]


def _append(path: str | None, row: dict) -> None:
    print({k: v for k, v in row.items() if k != "trace"}, flush=True)
    if path:  # one fixed header for every kind of row
        pd.DataFrame([row], columns=COLUMNS).to_csv(path, mode="a", header=not os.path.exists(path), index=False)


def run(args) -> None:
    done = set()
    if args.csv and os.path.exists(args.csv):
        old = pd.read_csv(args.csv)
        done = {(int(r.size), int(r.seed), r.method.split(" ")[0]) for r in old.itertuples()}
    compile_kernels()
    for size in args.sizes:
        jobs, machines, ops, seconds = SIZES[size]
        seconds *= args.time_scale
        for seed in args.seeds:
            if all((size, seed, m) in done for m in ("dispatch-best", *METHODS)):
                continue
            instance = generate_fjsp(jobs, machines, ops, seed)
            lower = fjsp_lower_bound(instance)
            common = {"size": size, "instance": instance.name, "seed": seed, "lower_bound": lower}
            if (size, seed, "dispatch-best") not in done:
                started = time.perf_counter()
                build_fjsp_cpsat(instance, lower_bound=lower)
                build_s = time.perf_counter() - started
                started = time.perf_counter()
                rule_rows, rule = best_dispatch(instance)
                _append(args.csv, common | {"method": f"dispatch-best ({rule})", "budget_s": 0,
                                            "makespan": makespan(rule_rows),
                                            "time_s": round(time.perf_counter() - started, 2), "build_s": round(build_s, 2)})
            for method in METHODS:
                if (size, seed, method) in done:
                    continue
                params = {"tabu_share": 0.0} if method == "fjsp/cpsat" and not args.cpsat_tabu else {}
                result = solve(instance, method, SolveOptions(time_limit=seconds, threads=args.threads, seed=seed,
                                                              params=params))
                row = common | {"method": method, "budget_s": round(seconds, 1), "makespan": result.objective,
                                "time_s": round(result.runtime_s, 2)}
                stats = result.extra.get("rho", {})
                if stats:
                    row |= {"windows": stats["windows"], "windows_s": stats["windows_s"],
                            "after_windows": stats["committed_makespan"], "solve_s": stats["solve_s"],
                            "overlap": stats["overlap_total"], "fixed": stats["fixed_total"],
                            "fixed_on_critical": stats["fixed_on_final_critical_path"],
                            "checks": stats["checks"], "checks_costly": stats["checks_where_fixing_cost"],
                            "trace": json.dumps([[round(t, 3), v] for t, v in result.trace])}
                _append(args.csv, row)


def time_to_rho(table: pd.DataFrame) -> pd.DataFrame:
    """Per (size, seed): the first time rho-cp is within 1 % of rho's final makespan, / rho's run time."""
    rows = []
    for (size, seed), group in table.groupby(["size", "seed"]):
        by = {r.method: r for r in group.itertuples()}
        if "fjsp/rho" not in by or "fjsp/rho-cp" not in by:
            continue
        rho = by["fjsp/rho"]
        reached = next((t for t, value in json.loads(by["fjsp/rho-cp"].trace) if value <= 1.01 * rho.makespan), None)
        rows.append({"size": size, "seed": seed, "rho": rho.makespan, "rho-cp": by["fjsp/rho-cp"].makespan,
                     "rho_time_s": rho.time_s, "rho-cp_within_1pct_s": reached,
                     "share_of_rho_time": None if reached is None else round(reached / rho.time_s, 3)})
    return pd.DataFrame(rows)


def report(path: str) -> None:
    table = pd.read_csv(path)
    table["gap_to_lb_pct"] = 100 * (table["makespan"] - table["lower_bound"]) / table["makespan"]
    shown = table.drop(columns=["instance", "trace"], errors="ignore")
    print(shown.to_markdown(index=False, floatfmt=".1f"))
    table["family"] = table["method"].str.split(" ").str[0]
    summary = table.groupby(["size", "family"]).agg(
        runs=("makespan", "count"), mean_makespan=("makespan", "mean"), mean_gap_to_lb_pct=("gap_to_lb_pct", "mean"),
        mean_time_s=("time_s", "mean"), mean_windows_s=("windows_s", "mean"), fixed=("fixed", "sum"),
        fixed_on_critical=("fixed_on_critical", "sum"), checks=("checks", "sum"), checks_costly=("checks_costly", "sum"),
        build_s=("build_s", "mean"))
    print(summary.to_markdown(floatfmt=".1f"))
    print(time_to_rho(table).to_markdown(index=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(SIZES), choices=sorted(SIZES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply every time limit (quick checks)")
    parser.add_argument("--cpsat-tabu", action="store_true", help="let fjsp/cpsat improve its hint by tabu search")
    parser.add_argument("--csv", default=None)
    parser.add_argument("--report", action="store_true", help="only print the tables of --csv")
    args = parser.parse_args()
    if not args.report:
        run(args)
    if args.csv:
        report(args.csv)


if __name__ == "__main__":
    main()
