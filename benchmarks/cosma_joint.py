"""COSMA joint scheduling: does changing the order beat the best fixed order at the same budget?

For each graph and budget: the exact fixed-schedule optimum (cosma/fs) of the given order and of
the minimum-peak order, and cosma/dc (or cosma/free with --method) within the time limit; the
reduction against the better fixed order, and the crossing bound over every order the method
reports (status optimal when an order reaches it). Example (the RESULTS.md run):

    python benchmarks/cosma_joint.py --method cosma/free --threads 2 --time-limit 120 --csv cosma_joint.csv
"""

from __future__ import annotations

import argparse

from cosma_table import GRAPHS, print_and_save

from schedkit import load
from schedkit.registry import SolveOptions, solve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", action="append", help="default: darts_v2_cifar10, bert_l12_encoder, densenet121")
    parser.add_argument("--budget", action="append", help="default: M_R and M_H")
    parser.add_argument("--method", default="cosma/dc")
    parser.add_argument("--weights", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    rows = []
    for name in args.graph or ["darts_v2_cifar10", "bert_l12_encoder", "densenet121"]:
        instance = load(GRAPHS / f"{name}.json")
        for budget in args.budget or ["M_R", "M_H"]:
            params = {"budget": budget, "weights": args.weights}
            fixed = {}
            for order in ("given", "minpeak"):
                result = solve(instance, "cosma/fs", SolveOptions(time_limit=60, threads=args.threads,
                                                                  params={**params, "order": order}))
                fixed[order] = (result.objective, result.status)
            joint = solve(instance, args.method, SolveOptions(time_limit=args.time_limit, threads=args.threads, params=params))
            best_fixed = min(fixed["given"][0], fixed["minpeak"][0])
            row = {"graph": name, "budget": budget, "capacity": joint.extra["capacity"],
                   "fs_given": fixed["given"][0], "fs_minpeak": fixed["minpeak"][0],
                   "fixed_proven": fixed["given"][1] == fixed["minpeak"][1] == "optimal",
                   args.method: joint.objective, "status": joint.status, "bound": joint.bound,
                   "time_s": round(joint.runtime_s, 1),
                   "reduction_vs_best_fixed_%": round(100 * (1 - joint.objective / best_fixed), 1) if best_fixed else None,
                   "strictly_better": joint.objective < best_fixed}
            rows.append(row)
            print(row, flush=True)
    print_and_save(rows, args.csv)


if __name__ == "__main__":
    main()
