"""PyJobShop (OR-Tools backend) on the same PSPLIB subsets as ``rcpsp_psplib.py subset``, for the
side-by-side comparison. Runs in its own environment, never imports schedkit:

    python -m venv .venv-pjs && .venv-pjs/bin/pip install pyjobshop psplib
    .venv-pjs/bin/python benchmarks/rcpsp_pyjobshop.py --set j60 --time-limit 10 --threads 2 --csv pjs_j60.csv

Prints one line per instance (makespan, lower bound, status, time) and the mean makespan. With
``--serve`` it reads instance names from stdin and answers each with one JSON row on stdout: this is
how ``rcpsp_psplib.py subset --pyjobshop PYTHON`` runs both tools instance by instance in one run.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
import time
from pathlib import Path

import pyjobshop

ROOT = Path(__file__).resolve().parents[1] / "instances" / "rcpsp"


def first_of_each_group(set_name: str) -> list[Path]:
    def key(path: Path) -> tuple[int, int]:
        group, number = re.fullmatch(r"j\d\d(\d+)_(\d+)", path.stem).groups()
        return int(group), int(number)

    return [p for p in sorted((ROOT / set_name).glob("*.sm"), key=key) if key(p)[1] == 1]


def solve_one(path: Path, time_limit: float, threads: int) -> dict:
    data = pyjobshop.read(path, instance_format="psplib")
    started, cpu = time.perf_counter(), time.process_time()
    result = pyjobshop.solve(data, solver="ortools", time_limit=time_limit, num_workers=threads)
    return {"instance": path.stem, "makespan": round(result.objective), "lower_bound": round(result.lower_bound),
            "status": result.status.value, "time_s": round(time.perf_counter() - started, 3),
            "cpu_s": round(time.process_time() - cpu, 3)}


def serve(set_name: str, time_limit: float, threads: int) -> None:
    for line in sys.stdin:
        name = line.strip()
        if name:
            print(json.dumps(solve_one(ROOT / set_name / f"{name}.sm", time_limit, threads)), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="set_name", required=True, choices=["j30", "j60", "j120"])
    parser.add_argument("--time-limit", type=float, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--every", type=int, default=1, help="every k-th file of the subset only")
    parser.add_argument("--instances", default=None, help="comma-separated names: only these of the subset")
    parser.add_argument("--csv", default=None)
    parser.add_argument("--serve", action="store_true", help="answer instance names from stdin with JSON rows")
    args = parser.parse_args()
    if args.serve:
        serve(args.set_name, args.time_limit, args.threads)
        return
    rows = []
    paths = first_of_each_group(args.set_name)
    if args.instances:
        paths = [p for p in paths if p.stem in args.instances.split(",")]
    for path in paths[::args.every]:
        row = solve_one(path, args.time_limit, args.threads)
        print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
        rows.append(row)
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    print(f"mean makespan {statistics.mean(r['makespan'] for r in rows):.2f} over {len(rows)} instances, "
          f"optimal {sum(r['status'] == 'Optimal' for r in rows)}")


if __name__ == "__main__":
    main()
