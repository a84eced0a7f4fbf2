"""The three SMTT MIPs (Pyomo → HiGHS) and CP-SAT, with and without the MDDC warm start.

    python benchmarks/smtt_mip.py --n 20 --n 50 --count 3 --time-limit 10 --threads 1

Instances: Potts–Van Wassenhove, the hard cell TF 0.6 / RDD 0.2 and the medium cell TF 0.4 /
RDD 0.6, alternating. Optimum from smtt/exact. Reports per model, n and warm start: the share
proven optimal, the mean gap of the final incumbent to the optimum, the mean reported gap
(objective − bound)/objective and the mean wall time (model building included).
"""

from __future__ import annotations

import time

import click
import numpy as np
import pandas as pd

from schedkit.instances.generate_smtt import generate_smtt, instance_name
from schedkit.registry import SolveOptions, solve

MODELS = ("smtt/mip-positional", "smtt/mip-disjunctive", "smtt/mip-time-indexed", "smtt/cpsat")
CELLS = ((0.6, 0.2), (0.4, 0.6))


@click.command()
@click.option("--n", "sizes", type=int, multiple=True, default=(20, 50))
@click.option("--count", type=int, default=3)
@click.option("--time-limit", type=float, default=10.0)
@click.option("--threads", type=int, default=1)
@click.option("--model", "models", multiple=True, default=MODELS)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
def main(sizes, count, time_limit, threads, models, csv_path):
    rows = []
    for n in sizes:
        rng = np.random.default_rng(100 + n)
        for index in range(count):
            tf, rdd = CELLS[index % len(CELLS)]
            instance = generate_smtt(n, tf, rdd, rng, name=instance_name(n, tf, rdd, index + 1))
            optimum = solve(instance, "smtt/exact").objective
            for model in models:
                for warm in (None, "smtt/mddc"):
                    started = time.perf_counter()
                    result = solve(instance, model, SolveOptions(time_limit=time_limit, threads=threads), warm_start=warm)
                    seconds = time.perf_counter() - started
                    gap = None if result.objective is None or not optimum else 100 * (result.objective - optimum) / optimum
                    rows.append({"n": n, "instance": instance.name, "model": model, "warm_start": warm or "-",
                                 "optimum": optimum, "objective": result.objective, "bound": result.bound,
                                 "status": result.status, "gap_to_opt_pct": gap,
                                 "reported_gap_pct": None if result.gap is None else 100 * result.gap, "seconds": seconds})
                    print(instance.name, model, warm, result.status, result.objective, result.bound, optimum,
                          f"{seconds:.1f}s", flush=True)
    frame = pd.DataFrame(rows)
    if csv_path:
        frame.to_csv(csv_path, index=False)
    table = frame.groupby(["model", "n", "warm_start"]).agg(
        runs=("status", "size"), optimal=("status", lambda s: int((s == "optimal").sum())),
        found=("objective", lambda s: int(s.notna().sum())), gap_to_opt_pct=("gap_to_opt_pct", "mean"),
        reported_gap_pct=("reported_gap_pct", "mean"), mean_s=("seconds", "mean")).round(2)
    print(table.to_markdown())


if __name__ == "__main__":
    main()
