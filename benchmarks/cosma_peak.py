"""M_P by the minimum-peak schedule (COSMA E1, cosma/peak) on every shipped graph, with and without
weights: the peak found, the proven lower bound, whether it is proven, the time; and the
zero-traffic check (cosma/peak places the order's tensors at capacity = its peak). Example:

    python benchmarks/cosma_peak.py --threads 2 --time-limit 30 --csv cosma_peak.csv
    python benchmarks/cosma_peak.py --graph-dir instances/cosma/exported --threads 2 --time-limit 30
"""

from __future__ import annotations

import argparse

from cosma_table import add_graph_options, print_and_save, selected_graphs

from schedkit import load
from schedkit.registry import SolveOptions, solve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_graph_options(parser)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    rows = []
    for name, path in selected_graphs(args):
        instance = load(path)
        for weights in (False, True):
            result = solve(instance, "cosma/peak", SolveOptions(time_limit=args.time_limit, threads=args.threads,
                                                                params={"weights": weights}))
            row = {"graph": name, "weights": weights, "M_R": instance.m_r(weights),
                   "peak_given": instance.peak(None, weights), "M_P_found": result.extra["peak"],
                   "M_P_bound": result.extra["peak_bound"], "proven": result.extra["peak"] == result.extra["peak_bound"],
                   "traffic_at_M_P": result.objective, "time_s": round(result.runtime_s, 2)}
            rows.append(row)
            print(row, flush=True)
    print_and_save(rows, args.csv)


if __name__ == "__main__":
    main()
