"""COSMA on NAS-like graphs (schedkit generate cosma): divide and conquer (cosma/dc) within the time
limit against the four baselines and the exact fixed-schedule optimum of the given order, at M_R.

Example (the RESULTS.md run):

    python benchmarks/cosma_nas.py --threads 2 --time-limit 120 --csv cosma_nas.csv
"""

from __future__ import annotations

import argparse

from cosma_table import print_and_save

from schedkit.instances.generate_cosma import generate_cosma
from schedkit.registry import SolveOptions, solve

BASELINES = ["cosma/greedy-given-belady", "cosma/greedy-given-bytes", "cosma/greedy-minpeak-belady",
             "cosma/greedy-minpeak-bytes"]
# (kind, size, options): randomly wired networks of 32-node stages (as in Xie et al.) and NAS cells
CASES = [("ws", 64, {"stages": 2}), ("er", 96, {"stages": 3, "p": 0.1}), ("ba", 250, {"stages": 4, "m": 3}),
         ("cell", 14, {})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", default="M_R")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    rows = []
    for kind, size, options in CASES:
        instance = generate_cosma(kind, size, args.seed, **options)
        params = {"budget": args.budget}
        solve_options = SolveOptions(time_limit=args.time_limit, threads=args.threads, params=params)
        baselines = {m: solve(instance, m, solve_options).objective for m in BASELINES}
        best_baseline = min(v for v in baselines.values() if v is not None)
        fixed = solve(instance, "cosma/fs", solve_options)
        joint = solve(instance, "cosma/dc", solve_options)
        row = {"graph": instance.name, "ops": instance.num_operators, "M_R": instance.m_r(), "peak": instance.peak(),
               "best_baseline": best_baseline, "fs_given": fixed.objective, "fs_status": fixed.status,
               "dc": joint.objective, "dc_s": round(joint.runtime_s, 1),
               "dc_vs_baseline_%": round(100 * (1 - joint.objective / best_baseline), 1) if best_baseline else None,
               "dc_vs_fs_given_%": round(100 * (1 - joint.objective / fixed.objective), 1) if fixed.objective else None}
        rows.append(row)
        print(row, flush=True)
    print_and_save(rows, args.csv)


if __name__ == "__main__":
    main()
