"""Exact unweighted SMTT (smtt/exact) on the Potts–Van Wassenhove grid, and command-line start-up.

    python benchmarks/smtt_exact.py --n 100 --n 200 --n 500 --count 2 --time-limit 120
    python benchmarks/smtt_exact.py --n 1000 --tf 0.6 --csv smtt_exact_1000_tf06.csv   # one TF row of the grid
    python benchmarks/smtt_exact.py --summarize a.csv --summarize b.csv   # one table from several runs
    python benchmarks/smtt_exact.py --startup          # cold (empty numba cache) and warm `schedkit solve`

Prints one row per instance and a summary per n (proven share, mean / median / max seconds of the
solve alone, in this process after a warm-up so JIT compilation is excluded). CPU seconds
(time.process_time) are the figure to read on a shared machine; wall seconds are printed too.
The time limit is on wall time.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd

from schedkit.instances.generate_smtt import generate_smtt, instance_name
from schedkit.instances.smtt import write_smtt_csv
from schedkit.solvers.smtt_exact import MemoSolver

GRID = (0.2, 0.4, 0.6, 0.8, 1.0)


def grid_instances(n: int, count: int, seed: int):
    rng = np.random.default_rng(seed + n)
    for tf in GRID:
        for rdd in GRID:
            for index in range(1, count + 1):
                yield tf, rdd, generate_smtt(n, tf, rdd, rng, name=instance_name(n, tf, rdd, index))


def run_grid(sizes, count, seed, time_limit, tfs=GRID) -> pd.DataFrame:
    warm = MemoSolver(next(grid_instances(20, 1, 0))[2])  # compile / load the kernels first
    warm.run()
    warm.sequence()
    rows = []
    for n in sizes:
        for tf, rdd, instance in grid_instances(n, count, seed):
            if not any(abs(tf - x) < 1e-9 for x in tfs):
                continue
            started, cpu = time.perf_counter(), time.process_time()
            solver = MemoSolver(instance)
            value = solver.run(time_limit=time_limit)
            if value is not None:
                solver.sequence()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            rows.append({"n": n, "tf": tf, "rdd": rdd, "instance": instance.name, "optimum": value,
                         "proven": value is not None, "cpu_s": cpu, "wall_s": seconds, "expansions": solver.expansions})
            print(f"{instance.name:40s} {value!s:>10} cpu {cpu:8.3f}s wall {seconds:8.3f}s {solver.expansions:>10}",
                  flush=True)
    return pd.DataFrame(rows)


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby("n").agg(instances=("proven", "size"), proven=("proven", "sum"), cpu_mean_s=("cpu_s", "mean"),
                                  cpu_median_s=("cpu_s", "median"), cpu_max_s=("cpu_s", "max"),
                                  wall_mean_s=("wall_s", "mean"), wall_max_s=("wall_s", "max")).round(3)


def startup(n: int = 500, seed: int = 11) -> None:
    """Time `schedkit solve --method smtt/exact` in fresh processes: numba cache empty, then warm."""
    instance = generate_smtt(n, 0.6, 0.6, np.random.default_rng(seed), name=f"startup_{n}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "startup.csv"
        path.write_text(write_smtt_csv(instance))
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(folder) / "numba_cache"))
        for label in ("cold (empty numba cache)", "warm (cache filled)"):
            started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run([sys.executable, "-m", "schedkit.cli", "solve", str(path), "--method", "smtt/exact"],
                                  env=env, capture_output=True, text=True, check=True)
            seconds, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            status = next(line for line in done.stdout.splitlines() if "status" in line).strip()
            print(f"{label:28s} wall {seconds:6.2f}s  cpu {cpu:6.2f}s  {status}")


@click.command()
@click.option("--n", "sizes", type=int, multiple=True, default=(100, 200, 500))
@click.option("--count", type=int, default=2, help="Instances per (TF, RDD) cell.")
@click.option("--seed", type=int, default=0)
@click.option("--time-limit", type=float, default=120.0)
@click.option("--tf", "tfs", type=float, multiple=True, default=GRID,
              help="Only these TF rows of the grid (the instances are the same: the whole grid is drawn).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
@click.option("--startup", "only_startup", is_flag=True, help="Only the cold/warm start-up measurement.")
@click.option("--summarize", "merged", type=click.Path(exists=True, dir_okay=False), multiple=True,
              help="Solve nothing: print the summary of these per-instance CSV files taken together.")
def main(sizes, count, seed, time_limit, tfs, csv_path, only_startup, merged):
    if only_startup:
        startup()
        return
    if merged:
        frame = pd.concat([pd.read_csv(path) for path in merged], ignore_index=True)
    else:
        frame = run_grid(sizes, count, seed, time_limit, tfs)
    if csv_path:
        frame.to_csv(csv_path, index=False)
    print(summary(frame).to_markdown())
    hard = frame.sort_values("cpu_s", ascending=False).head(5)[["instance", "cpu_s", "wall_s", "expansions"]]
    print(hard.to_markdown(index=False))


if __name__ == "__main__":
    main()
