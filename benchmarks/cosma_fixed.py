"""COSMA with a fixed order: the exact episode model (cosma/fs, given and minimum-peak order) against
the four baselines, every shipped graph, activation-only and with weights, at M_R and M_H (other
budgets with --budget, e.g. M_P). Optionally cross-checks the time-indexed ILP (cosma/ilp, given
order and free), and the episode MIP (cosma/fs-mip) on the small graphs.

Prints one row per (graph, weights, budget) and the mean reduction of non-compulsory traffic
against the best baseline (over the cases where the best baseline has traffic > 0), with the
crossing bound (valid over every order, ``schedkit.solvers.cosma_bound``) and the largest reduction
it leaves possible. With ``--joint-time-limit T`` the COSMA column is joint: ``cosma/dc`` runs T
seconds wherever the best fixed order does not reach the bound. Example (the RESULTS.md run):

    python benchmarks/cosma_fixed.py --threads 2 --joint-time-limit 60 --csv cosma_fixed.csv
    python benchmarks/cosma_fixed.py --cross-check --graph resnet8_tiny --graph dscnn_kws_tiny
    python benchmarks/cosma_fixed.py --graph-dir instances/cosma/exported --threads 2   # the torchvision exports
"""

from __future__ import annotations

import argparse

from cosma_table import add_graph_options, print_and_save, selected_graphs

from schedkit import load
from schedkit.registry import SolveOptions, solve
from schedkit.solvers.cosma_bound import crossing_bound

BASELINES = ["cosma/greedy-given-belady", "cosma/greedy-given-bytes", "cosma/greedy-minpeak-belady",
             "cosma/greedy-minpeak-bytes"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_graph_options(parser)
    parser.add_argument("--budget", action="append", help="named budget or bytes (repeatable; default M_R and M_H)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--mp-time-limit", type=float, default=10.0, help="seconds for the minimum-peak order")
    parser.add_argument("--cross-check", action="store_true",
                        help="also cosma/ilp (order=given and free) and cosma/fs-mip")
    parser.add_argument("--joint-time-limit", type=float, default=0.0,
                        help="seconds of cosma/dc where the fixed orders stay above the bound (0: fixed orders only)")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    rows = []
    for name, path in selected_graphs(args):
        instance = load(path)
        for weights in (False, True):
            for budget in args.budget or ["M_R", "M_H"]:
                params = {"budget": budget, "weights": weights, "mp_time_limit": args.mp_time_limit}
                options = SolveOptions(time_limit=args.time_limit, threads=args.threads, params=params)
                exact = solve(instance, "cosma/fs", options)
                row = {"graph": name, "weights": weights, "budget": budget, "capacity": exact.extra["capacity"],
                       "fs": exact.objective, "fs_status": exact.status, "fs_s": round(exact.runtime_s, 3)}
                for method in BASELINES:
                    row[method.removeprefix("cosma/greedy-")] = solve(instance, method, options).objective
                minpeak = solve(instance, "cosma/fs", SolveOptions(time_limit=args.time_limit, threads=args.threads,
                                                                   params={**params, "order": "minpeak"}))
                row["fs_minpeak"], row["fs_minpeak_status"] = minpeak.objective, minpeak.status
                found = [row[m.removeprefix("cosma/greedy-")] for m in BASELINES]
                row["best_given_baseline"] = min(v for v in found[:2] if v is not None)
                row["best_baseline"] = min(v for v in found if v is not None)
                row["bound"] = crossing_bound(instance, row["capacity"], weights, threads=args.threads)
                row["cosma"] = min(row["fs"], row["fs_minpeak"])
                row["dc"] = None
                if args.joint_time_limit and row["cosma"] > row["bound"]:
                    joint = solve(instance, "cosma/dc", SolveOptions(time_limit=args.joint_time_limit, threads=args.threads,
                                                                     params=params))
                    row["dc"], row["dc_s"] = joint.objective, round(joint.runtime_s, 1)
                    row["cosma"] = min(row["cosma"], joint.objective)
                row["max_reduction_%"] = (round(100 * (1 - row["bound"] / row["best_baseline"]), 1)
                                          if row["best_baseline"] else None)
                row["fs_vs_given_%"] = (round(100 * (1 - row["fs"] / row["best_given_baseline"]), 1)
                                        if row["best_given_baseline"] else None)
                row["reduction_%"] = (round(100 * (1 - row["cosma"] / row["best_baseline"]), 1)
                                      if row["best_baseline"] else None)
                if args.cross_check:
                    for key, method, extra in (("ilp_given", "cosma/ilp", {"order": "given"}), ("fs-mip", "cosma/fs-mip", {}),
                                               ("ilp_free", "cosma/ilp", {})):
                        check = solve(instance, method, SolveOptions(time_limit=args.time_limit, threads=args.threads,
                                                                     params={**params, **extra}))
                        row[key] = check.objective
                        row[f"{key}_status"] = check.status
                        row[f"{key}_s"] = round(check.runtime_s, 2)
                rows.append(row)
                print(row, flush=True)
    table = print_and_save(rows, None)  # saved below, after the summary
    with_traffic = table[table["best_baseline"] > 0]
    print(f"\nproven optimal: {(table['fs_status'] == 'optimal').sum()} / {len(table)}; "
          f"slowest fs: {table['fs_s'].max():.3f} s")
    for budget in args.budget or ["M_R", "M_H"]:
        part = with_traffic[with_traffic["budget"] == budget]
        if len(part):
            methods = "fs given, fs min-peak, dc" if args.joint_time_limit else "fs given, fs min-peak"
            print(f"{budget}: mean reduction of COSMA (min of {methods}) vs the best of the four baselines "
                  f"{part['reduction_%'].mean():.1f} % over {len(part)} cases with baseline traffic > 0 "
                  f"(of {int((table['budget'] == budget).sum())}); fs given vs the best given-order baseline "
                  f"{part['fs_vs_given_%'].mean():.1f} %; the bound leaves at most {part['max_reduction_%'].mean():.1f} %")
    if args.csv:
        table.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
