"""PyJobShop (OR-Tools backend) on the same FJSP files, for the side-by-side rows of RESULTS.md.

PyJobShop is a reference library, not a schedkit dependency: run this script with the Python of a
separate environment where ``pip install pyjobshop`` was done. It needs nothing from schedkit.
With ``--csv``, rows are appended as they are measured and instances already in the file are skipped.

    <venv>/bin/python benchmarks/fjsp_pyjobshop.py --set mk --time-limit 30 --workers 2
    <venv>/bin/python benchmarks/fjsp_pyjobshop.py --set edata --only la01 la02 --time-limit 10 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import os
import time

import pyjobshop
from fjsp_sets import SETS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="sets", action="append", choices=sorted(SETS), required=True)
    parser.add_argument("--time-limit", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--only", nargs="+", default=None, help="instance files to keep (e.g. la01 la02), as fjsp_standard.py")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    done = set()
    if args.csv and os.path.exists(args.csv):
        with open(args.csv, newline="") as handle:
            done = {(r["set"], r["instance"]) for r in csv.DictReader(handle)}
    for name in args.sets:
        for path in SETS[name][:: args.every]:
            instance = path.stem if name == "mk" else f"{path.stem}_{name}"
            if (name, instance) in done or (args.only and path.stem not in args.only):
                continue
            data = pyjobshop.read(path)
            started = time.perf_counter()
            result = pyjobshop.solve(data, time_limit=args.time_limit, num_workers=args.workers)
            row = {"set": name, "instance": instance, "method": "pyjobshop (OR-Tools)",
                   "makespan": round(result.objective), "status": result.status.value,
                   "time_s": round(time.perf_counter() - started, 2)}
            print(row, flush=True)
            if args.csv:  # appended at once: a stopped run resumes where it stopped
                fresh = not os.path.exists(args.csv)
                with open(args.csv, "a", newline="") as handle:
                    writer = csv.DictWriter(handle, fieldnames=list(row))
                    if fresh:
                        writer.writeheader()
                    writer.writerow(row)


if __name__ == "__main__":
    main()
