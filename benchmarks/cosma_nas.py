"""COSMA on NAS-like graphs (schedkit generate cosma): divide and conquer (cosma/dc) within the time
limit against the four baselines and the exact fixed-schedule optimum of the given order, at M_R,
with the crossing bound (valid over every order, ``schedkit.solvers.cosma_bound``) and the largest
reduction against the best baseline that it leaves possible.

``--small``: randomly wired graphs small enough for the exact joint model (the free time-indexed
ILP, ``cosma/ilp``), to check that dc stays within 5 % of it. Examples (the RESULTS.md runs):

    python benchmarks/cosma_nas.py --threads 2 --time-limit 120 --csv cosma_nas.csv
    python benchmarks/cosma_nas.py --small --threads 2 --time-limit 60 --csv cosma_nas_small.csv
"""

from __future__ import annotations

import argparse

from cosma_table import print_and_save

from schedkit.instances.generate_cosma import generate_cosma
from schedkit.registry import SolveOptions, solve
from schedkit.solvers.cosma_bound import crossing_bound

BASELINES = ["cosma/greedy-given-belady", "cosma/greedy-given-bytes", "cosma/greedy-minpeak-belady",
             "cosma/greedy-minpeak-bytes"]
# (kind, size, options): randomly wired networks of 32-node stages (as in Xie et al.) and NAS cells
CASES = [("ws", 64, {"stages": 2}), ("er", 96, {"stages": 3, "p": 0.1}), ("ba", 250, {"stages": 4, "m": 3}),
         ("cell", 14, {})]
# randomly wired graphs of 12-17 operators (2 per node), where the free ILP proves its optimum
SMALL = [(kind, nodes, seed, {"ops_per_node": 2, "stages": 2, "k": 4, "m": 2, "p": 0.5})
         for kind, nodes, seed in (("ws", 8, 0), ("er", 8, 1), ("ba", 8, 2), ("ws", 10, 3), ("ba", 10, 5))]


def reduction(value, reference):
    return round(100 * (1 - value / reference), 1) if reference else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--fs-time-limit", type=float, default=60.0, help="seconds for the given order's cosma/fs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", default="M_R")
    parser.add_argument("--small", action="store_true", help="small graphs: dc against the exact free ILP")
    parser.add_argument("--kind", action="append", help="only these kinds (ws, er, ba, cell; repeatable)")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    cases = SMALL if args.small else [(kind, size, args.seed, options) for kind, size, options in CASES]
    cases = [case for case in cases if not args.kind or case[0] in args.kind]
    rows = []
    for kind, size, seed, options in cases:
        instance = generate_cosma(kind, size, seed, **options)
        params = {"budget": args.budget}
        solve_options = SolveOptions(time_limit=args.time_limit, threads=args.threads, params=params)
        baselines = {m: solve(instance, m, solve_options).objective for m in BASELINES}
        best_baseline = min(v for v in baselines.values() if v is not None)
        joint = solve(instance, "cosma/dc", solve_options)
        capacity = joint.extra["capacity"]
        bound = crossing_bound(instance, capacity, False, threads=args.threads)
        row = {"graph": instance.name, "ops": instance.num_operators, "capacity": capacity, "peak": instance.peak(),
               "best_baseline": best_baseline, "bound": bound, "max_reduction_%": reduction(bound, best_baseline)}
        if args.small:
            exact = solve(instance, "cosma/ilp", solve_options)
            row.update({"ilp_free": exact.objective, "ilp_status": exact.status, "ilp_s": round(exact.runtime_s, 1)})
        else:
            fixed = solve(instance, "cosma/fs", SolveOptions(time_limit=args.fs_time_limit, threads=args.threads,
                                                             params=params))
            row.update({"fs_given": fixed.objective, "fs_status": fixed.status})
        row.update({"dc": joint.objective, "dc_status": joint.status, "dc_s": round(joint.runtime_s, 1),
                    "dc_vs_baseline_%": reduction(joint.objective, best_baseline)})
        if args.small and row["ilp_status"] == "optimal":
            row["dc_over_ilp_%"] = round(100 * (joint.objective / row["ilp_free"] - 1), 1) if row["ilp_free"] else \
                (0.0 if joint.objective == 0 else None)
        elif not args.small:
            row["dc_vs_fs_given_%"] = reduction(joint.objective, row["fs_given"])
        rows.append(row)
        print(row, flush=True)
    print_and_save(rows, args.csv)


if __name__ == "__main__":
    main()
