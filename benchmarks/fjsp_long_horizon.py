"""Long-horizon FJSP: full CP-SAT (hinted by the best dispatching rule) vs plain rolling horizon
(``fjsp/rho``) vs rolling horizon with critical-path pruning (``fjsp/rho-cp``), all at the same
total time, on generated instances of the L-RHO / Graph-RHO distribution (``schedkit generate fjsp``).

Time to quality: from the incumbent trace of each RHO run (the first point is the complete schedule
after the windows, the next ones the tabu polish), the first time ``fjsp/rho-cp`` is within 1 % of
plain RHO's final makespan, as a share of plain RHO's run time. ``--fast-share`` (off by default)
also runs ``fjsp/rho-cp`` with that share of the budget. ``fjsp/cpsat`` runs with ``tabu_share=0``
(hinted by the dispatching rule alone, the comparator the issue names) unless ``--cpsat-tabu``.
Also measures the time to build the full CP-SAT model. Example (the RESULTS.md run):

    python benchmarks/fjsp_long_horizon.py --sizes 600 1000 --seeds 0 1 --threads 2 --csv long.csv
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from schedkit.heuristics.fjsp_dispatch import best_dispatch
from schedkit.heuristics.fjsp_improve import makespan
from schedkit.instances.generate_fjsp import generate_fjsp
from schedkit.models.fjsp_cpsat import build_fjsp_cpsat
from schedkit.registry import SolveOptions, solve
from schedkit.solvers.fjsp_bound import fjsp_lower_bound

# operations: (jobs, machines, operations per job, seconds in all)
SIZES = {600: (20, 10, 30, 60.0), 1000: (40, 10, 25, 60.0), 2000: (40, 10, 50, 120.0)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(SIZES), choices=sorted(SIZES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply every time limit (quick checks)")
    parser.add_argument("--fast-share", type=float, default=None)
    parser.add_argument("--cpsat-tabu", action="store_true", help="let fjsp/cpsat improve its hint by tabu search")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        jobs, machines, ops, seconds = SIZES[size]
        seconds *= args.time_scale
        for seed in args.seeds:
            instance = generate_fjsp(jobs, machines, ops, seed)
            lower = fjsp_lower_bound(instance)
            started = time.perf_counter()
            build_fjsp_cpsat(instance, lower_bound=lower)
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            rule_rows, rule = best_dispatch(instance)
            common = {"size": size, "instance": instance.name, "seed": seed, "lower_bound": lower}
            rows.append(common | {"method": f"dispatch-best ({rule})", "budget_s": 0, "makespan": makespan(rule_rows),
                                  "time_s": round(time.perf_counter() - started, 2), "build_s": round(build_s, 2)})
            runs = [("fjsp/cpsat", seconds), ("fjsp/rho", seconds), ("fjsp/rho-cp", seconds)]
            if args.fast_share:
                runs.append(("fjsp/rho-cp", args.fast_share * seconds))
            traces = {}
            for method, budget in runs:
                params = {"tabu_share": 0.0} if method == "fjsp/cpsat" and not args.cpsat_tabu else {}
                result = solve(instance, method, SolveOptions(time_limit=budget, threads=args.threads, seed=seed,
                                                              params=params))
                stats = result.extra.get("rho", {})
                row = common | {"method": method, "budget_s": round(budget, 1), "makespan": result.objective,
                                "time_s": round(result.runtime_s, 2)}
                if stats:
                    traces.setdefault(method, (result.trace, result.runtime_s, result.objective))
                    row |= {"windows": stats["windows"], "windows_s": stats["windows_s"],
                            "after_windows": stats["committed_makespan"], "solve_s": stats["solve_s"],
                            "overlap": stats["overlap_total"], "fixed": stats["fixed_total"],
                            "fixed_on_critical": stats["fixed_on_final_critical_path"],
                            "checks": stats["checks"], "checks_costly": stats["checks_where_fixing_cost"]}
                rows.append(row)
                print(row, flush=True)
            if {"fjsp/rho", "fjsp/rho-cp"} <= set(traces):
                _, rho_time, rho_value = traces["fjsp/rho"]
                reached = next((t for t, value in traces["fjsp/rho-cp"][0] if value <= 1.01 * rho_value), None)
                rows[-len(runs) + 2]["to_rho_within_1pct_share"] = None if reached is None else round(reached / rho_time, 3)
    table = pd.DataFrame(rows)
    table["gap_to_lb_pct"] = 100 * (table["makespan"] - table["lower_bound"]) / table["makespan"]
    print(table.drop(columns=["instance"]).to_markdown(index=False, floatfmt=".1f"))
    summary = table.groupby(["size", "method", "budget_s"]).agg(
        runs=("makespan", "count"), mean_makespan=("makespan", "mean"), mean_gap_to_lb_pct=("gap_to_lb_pct", "mean"),
        mean_time_s=("time_s", "mean"))
    if "to_rho_within_1pct_share" in table:
        print(table[table["method"] == "fjsp/rho-cp"][["size", "seed", "to_rho_within_1pct_share"]].to_markdown(index=False))
    print(summary.to_markdown(floatfmt=".1f"))
    if args.csv:
        table.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
