"""FJSP standard sets: Brandimarte mk01–10 and Hurink edata/rdata, one method at a fixed time limit.

Prints one row per instance (makespan, lower bound, best known, deviation, time) and the sums /
mean deviations; ``--csv`` appends each row as soon as it is measured and skips the instances
already in the file (a stopped run resumes), and the tables cover the whole file. Example:

    python benchmarks/fjsp_standard.py --set mk --time-limit 30 --threads 2
    python benchmarks/fjsp_standard.py --set edata --set rdata --every 4 --time-limit 10 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import time

import pandas as pd
from fjsp_sets import SETS

from schedkit import load
from schedkit.heuristics.fjsp_tabu import compile_kernels
from schedkit.instances.values import best_known
from schedkit.registry import SolveOptions, solve
from schedkit.solvers.fjsp_bound import fjsp_lower_bound


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="sets", action="append", choices=sorted(SETS), required=True)
    parser.add_argument("--method", default="fjsp/cpsat")
    parser.add_argument("--time-limit", type=float, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--every", type=int, default=1, help="take every k-th instance of each set")
    parser.add_argument("--only", nargs="+", default=None, help="instance names to keep (e.g. mk06 mk10)")
    parser.add_argument("--param", nargs="+", default=[], help="method parameters key=value (numbers parsed)")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    params = {key: _number(value) for key, value in (item.split("=", 1) for item in args.param)}
    done = set()
    if args.csv and os.path.exists(args.csv):
        done = {(r.set, r.instance) for r in pd.read_csv(args.csv).itertuples()}
    compile_kernels()  # numba compiles here, not inside the first timed solve
    rows = []
    for name in args.sets:
        for path in SETS[name][:: args.every]:
            if args.only and path.stem not in args.only:
                continue
            instance = load(path)
            if (name, instance.name) in done:
                continue
            started = time.perf_counter()
            result = solve(instance, args.method, SolveOptions(time_limit=args.time_limit, threads=args.threads,
                                                                  seed=args.seed, params=params))
            known = best_known(instance.problem, instance.name)
            row = {"set": name, "instance": instance.name, "method": args.method, "params": " ".join(args.param),
                   "makespan": result.objective,
                   "status": result.status, "lower_bound": max(result.bound or 0, fjsp_lower_bound(instance)),
                   "best_known": known.upper, "dev_pct": 100 * (result.objective - known.upper) / known.upper,
                   "time_s": round(time.perf_counter() - started, 2)}
            rows.append(row)
            print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
            if args.csv:
                pd.DataFrame([row]).to_csv(args.csv, mode="a", header=not os.path.exists(args.csv), index=False)
    table = pd.read_csv(args.csv) if args.csv else pd.DataFrame(rows)
    summary = table.groupby("set").agg(instances=("instance", "count"), makespan_sum=("makespan", "sum"),
                                       best_known_sum=("best_known", "sum"), mean_dev_pct=("dev_pct", "mean"),
                                       optimal=("status", lambda s: int((s == "optimal").sum())),
                                       time_s=("time_s", "sum"))
    print(table.to_markdown(index=False, floatfmt=".2f"))
    print(summary.to_markdown(floatfmt=".2f"))


def _number(text: str):
    """A parameter value as the CLI reads it (JSON: numbers, true / false), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


if __name__ == "__main__":
    main()
