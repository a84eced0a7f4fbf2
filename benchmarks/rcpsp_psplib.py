"""RCPSP on PSPLIB: the performance goals of the RCPSP issue, one subcommand each.

    python benchmarks/rcpsp_psplib.py j30 --time-limit 60 --threads 2            # all 480 to optimality
    python benchmarks/rcpsp_psplib.py subset --set j60 --time-limit 10 --threads 2
    python benchmarks/rcpsp_psplib.py subset --set j120 --time-limit 10 --threads 2
    python benchmarks/rcpsp_psplib.py subset --set j60 --time-limit 10 --threads 2 \
        --pyjobshop VENV/bin/python --csv benchmarks/rcpsp_j60_subset10.csv   # side by side, resumable
    python benchmarks/rcpsp_psplib.py heuristic --set j120 --schedules 5000 --heuristic rcpsp/ga
    python benchmarks/rcpsp_psplib.py mip --every 40 --time-limit 60 --threads 1
    python benchmarks/rcpsp_psplib.py mip --time-limit 10 --reference benchmarks/rcpsp_j30_cpsat.csv \
        --csv benchmarks/rcpsp_j30_mip.csv                                     # all 480, resumable
    python benchmarks/rcpsp_psplib.py warmstart --set j60 --slowest-of j60.csv --top 20 --time-limit 10

Each prints a one-line-per-instance log and a summary table, and writes the rows to
``--csv`` when given. ``j30``, ``subset`` and ``mip`` append each row to ``--csv`` as soon as it is measured and skip
the (instance, method) rows already there, so an interrupted run resumes where it stopped; with
``--pyjobshop PYTHON`` (an interpreter of an environment holding PyJobShop) every instance is
solved by schedkit and then by PyJobShop (``rcpsp_pyjobshop.py --serve``), same limit and threads.

Deviations: (makespan − reference) / reference, in %; the reference is the
known optimum / best-known value (``values.best_known``) or the critical-path bound (networkx).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import subprocess
import time
from pathlib import Path

import pandas as pd

from schedkit import load
from schedkit.bounds import critical_path_bound
from schedkit.instances.values import best_known
from schedkit.registry import SolveOptions, solve

ROOT = Path(__file__).resolve().parents[1] / "instances" / "rcpsp"


def _key(path: Path) -> tuple[int, int]:
    group, number = re.fullmatch(r"j\d\d(\d+)_(\d+)", path.stem).groups()
    return int(group), int(number)


def files(set_name: str, first_of_group: bool = False, every: int = 1, groups: str | None = None) -> list[Path]:
    """The set's files in (group, number) order; ``first_of_group``: only ``j<set><g>_1.sm``;
    ``groups``: "a-b", only parameter groups a to b."""
    paths = sorted((ROOT / set_name).glob("*.sm"), key=_key)
    if groups:
        low, high = map(int, groups.split("-"))
        paths = [p for p in paths if low <= _key(p)[0] <= high]
    if first_of_group:
        paths = [p for p in paths if _key(p)[1] == 1]
    return paths[::every]


def row_for(path: Path, method: str, options: SolveOptions, warm_start: str | None = None) -> dict:
    instance = load(path)
    started, cpu = time.perf_counter(), time.process_time()
    result = solve(instance, method, options, warm_start=warm_start)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    known = best_known("rcpsp", instance.name)
    cpm = critical_path_bound(instance)
    row = {"instance": instance.name, "method": method, "status": result.status, "makespan": result.objective,
           "bound": result.bound, "best_known": known.upper if known else None,
           "known_optimal": bool(known and known.optimal), "cpm": cpm, "time_s": round(elapsed, 3),
           "cpu_s": round(cpu, 3)}  # CPU time of the process, all solver threads together
    if result.objective is not None:
        row["dev_best_known_%"] = 100 * (result.objective - row["best_known"]) / row["best_known"] if known else None
        row["dev_cpm_%"] = 100 * (result.objective - cpm) / cpm
        # time at which the incumbent first reached the best-known value (from the trace)
        hits = [t for t, v in result.trace if known and v is not None and v <= known.upper]
        row["time_to_best_known_s"] = round(min(hits), 3) if hits else None
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return row


FIELDS = ["instance", "method", "status", "makespan", "bound", "best_known", "known_optimal", "cpm", "time_s", "cpu_s",
          "dev_best_known_%", "dev_cpm_%", "time_to_best_known_s"]
PYJOBSHOP = "pyjobshop/ortools"


def pyjobshop_row(server: subprocess.Popen, path: Path) -> dict:
    """Ask the PyJobShop process for one instance; the row in this script's columns."""
    server.stdin.write(path.stem + "\n")
    server.stdin.flush()
    answer = json.loads(server.stdout.readline())
    known = best_known("rcpsp", path.stem)
    cpm = critical_path_bound(load(path))
    makespan = answer["makespan"]
    row = {"instance": path.stem, "method": PYJOBSHOP, "status": answer["status"].lower(), "makespan": makespan,
           "bound": answer["lower_bound"], "best_known": known.upper if known else None,
           "known_optimal": bool(known and known.optimal), "cpm": cpm, "time_s": answer["time_s"],
           "cpu_s": answer["cpu_s"], "dev_best_known_%": 100 * (makespan - known.upper) / known.upper if known else None,
           "dev_cpm_%": 100 * (makespan - cpm) / cpm, "time_to_best_known_s": None}
    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return row


def done_rows(path: str | None) -> set[tuple[str, str]]:
    """The (instance, method) pairs already in a resumable CSV."""
    if not path or not Path(path).exists():
        return set()
    with open(path, newline="") as handle:
        return {(r["instance"], r["method"]) for r in csv.DictReader(handle)}


def append_row(path: str | None, row: dict, fields: list[str]):
    """Append one measured row at once, so an interrupted run loses nothing."""
    if not path:
        return
    fresh = not Path(path).exists()
    with open(path, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        if fresh:
            writer.writeheader()
        writer.writerow(row)


def run_frame(csv_path: str | None, paths: list[Path], rows: list[dict]) -> pd.DataFrame:
    """The rows of these paths: this run's alone without a CSV, else all in the CSV (earlier runs' too)."""
    if not csv_path:
        return pd.DataFrame(rows)
    frame = pd.read_csv(csv_path)
    return frame[frame["instance"].isin({p.stem for p in paths})]


def subset_rows(paths: list[Path], args, options: SolveOptions) -> pd.DataFrame:
    """schedkit (and PyJobShop) on every path; with ``--csv`` each row is appended as soon as it is
    measured and rows already in the file are not run again."""
    done = done_rows(args.csv)
    server = None
    if args.pyjobshop:
        script = Path(__file__).with_name("rcpsp_pyjobshop.py")
        server = subprocess.Popen([args.pyjobshop, str(script), "--serve", "--set", args.set_name, "--time-limit",
                                   str(args.time_limit), "--threads", str(args.threads)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    rows = []
    try:
        for path in paths:
            for method in [args.method] + ([PYJOBSHOP] if server else []):
                if (path.stem, method) in done:
                    continue
                row = pyjobshop_row(server, path) if method == PYJOBSHOP else row_for(path, method, options)
                rows.append(row)
                append_row(args.csv, row, FIELDS)
    finally:
        if server:
            server.stdin.close()
            server.wait()
    return run_frame(args.csv, paths, rows)


MIP_FIELDS = [*FIELDS, "cpsat_optimum", "agrees"]


def mip_rows(paths: list[Path], args) -> pd.DataFrame:
    """The time-indexed MIP (1 thread) on every path, checked against CP-SAT's optimum: taken from
    ``--reference`` (the CSV of an earlier CP-SAT run) when given, else solved here. Agreement: a
    proven MIP optimum equals CP-SAT's, and otherwise MIP bound <= CP-SAT optimum <= MIP incumbent.
    Resumable like ``subset``."""
    reference = {}
    if args.reference:
        frame = pd.read_csv(args.reference)
        reference = {r.instance: r.makespan for r in frame.itertuples() if r.status == "optimal"}
    done = done_rows(args.csv)
    rows = []
    for path in paths:
        if (path.stem, "rcpsp/mip") in done:
            continue
        mip = row_for(path, "rcpsp/mip", SolveOptions(time_limit=args.time_limit, threads=1))
        optimum = reference.get(path.stem)
        if not args.reference:
            cpsat = row_for(path, "rcpsp/cpsat", SolveOptions(time_limit=args.time_limit, threads=args.threads))
            optimum = cpsat["makespan"] if cpsat["status"] == "optimal" else None
        mip["cpsat_optimum"] = optimum
        mip["agrees"] = optimum is None or (
            (mip["bound"] is None or mip["bound"] <= optimum)
            and (mip["makespan"] is None or mip["makespan"] >= optimum)
            and (mip["status"] != "optimal" or mip["makespan"] == optimum))
        rows.append(mip)
        append_row(args.csv, mip, MIP_FIELDS)
    return run_frame(args.csv, paths, rows)


def compare(frame: pd.DataFrame) -> str:
    """schedkit against PyJobShop on the instances both have: mean makespan, better / worse."""
    wide = frame.pivot_table(index="instance", columns="method", values="makespan")
    if PYJOBSHOP not in wide or len(wide.columns) != 2:
        return ""
    wide = wide.dropna()
    ours = next(c for c in wide.columns if c != PYJOBSHOP)
    return (f"{len(wide)} instances: {ours} mean {wide[ours].mean():.2f}, PyJobShop mean {wide[PYJOBSHOP].mean():.2f}; "
            f"{ours} better on {(wide[ours] < wide[PYJOBSHOP]).sum()}, worse on {(wide[ours] > wide[PYJOBSHOP]).sum()}")


def summarize(frame: pd.DataFrame) -> str:
    out = {
        "instances": len(frame),
        "proven optimal": int((frame["status"] == "optimal").sum()),
        "at best known": int((frame["makespan"] == frame["best_known"]).sum()),
        "mean makespan": round(frame["makespan"].mean(), 2),
        "mean dev. best known %": round(frame["dev_best_known_%"].mean(), 2),
        "mean dev. CPM %": round(frame["dev_cpm_%"].mean(), 2),
        "mean dev. CPM of best known %": round((100 * (frame["best_known"] - frame["cpm"]) / frame["cpm"]).mean(), 2),
        "total time s": round(frame["time_s"].sum(), 1),
        "median time s": round(statistics.median(frame["time_s"]), 3),
        "max time s": round(frame["time_s"].max(), 2),
    }
    return "\n".join(f"| {k} | {v} |" for k, v in out.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["j30", "subset", "heuristic", "mip", "warmstart"])
    parser.add_argument("--set", dest="set_name", default="j30", choices=["j30", "j60", "j120"])
    parser.add_argument("--method", default="rcpsp/cpsat")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--every", type=int, default=1, help="every k-th file only")
    parser.add_argument("--groups", default=None, help="j30: parameter groups a-b only, e.g. 1-24")
    parser.add_argument("--instances", default=None, help="subset: comma-separated names, only these")
    parser.add_argument("--schedules", type=int, default=5000)
    parser.add_argument("--heuristic", default="rcpsp/ga", help="heuristic: the method to run")
    parser.add_argument("--csv", default=None)
    parser.add_argument("--slowest-of", default=None,
                        help="warmstart: a CSV of an earlier subset run; take its --top slowest instances")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--reference", default=None,
                        help="mip: CSV of a CP-SAT run (e.g. benchmarks/rcpsp_j30_cpsat.csv) giving the optima to check")
    parser.add_argument("--pyjobshop", default=None,
                        help="subset: Python of an environment with PyJobShop; solve each instance with it too")
    args = parser.parse_args()
    options = SolveOptions(time_limit=args.time_limit, threads=args.threads)
    # one untimed run first: imports of every registered method and numba's compiled kernels load once
    solve(load(ROOT / "j30" / "j301_1.sm"), "rcpsp/sampling", SolveOptions(params={"schedules": 100}))
    rows = []
    if args.what == "j30":
        args.set_name = "j30"
        rows = subset_rows(files("j30", every=args.every, groups=args.groups), args, options)
    elif args.what == "subset":
        paths = files(args.set_name, first_of_group=True)
        if args.instances:
            paths = [p for p in paths if p.stem in args.instances.split(",")]
        rows = subset_rows(paths[::args.every], args, options)
    elif args.what == "heuristic":
        heuristic = SolveOptions(threads=1, params={"schedules": args.schedules})
        rows = [row_for(p, args.heuristic, heuristic) for p in files(args.set_name, every=args.every)]
    elif args.what == "mip":
        rows = mip_rows(files(args.set_name, every=args.every, groups=args.groups), args)
    elif args.what == "warmstart":
        # time to reach the best-known value with and without the heuristic warm start
        paths = files(args.set_name, every=args.every)
        if args.slowest_of:
            slowest = pd.read_csv(args.slowest_of).nlargest(args.top, "time_s")["instance"]
            paths = [ROOT / args.set_name / f"{name}.sm" for name in slowest]
        for path in paths:
            cold = row_for(path, "rcpsp/cpsat", SolveOptions(time_limit=args.time_limit, threads=args.threads,
                                                            params={"heuristic_schedules": 0}))
            warm = row_for(path, "rcpsp/cpsat", options)
            rows += [cold | {"warm_start": False}, warm | {"warm_start": True}]
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    if args.csv and args.what not in ("j30", "subset", "mip"):
        frame.to_csv(args.csv, index=False)
    print()
    if args.what == "mip":
        proven = frame[frame["status"] == "optimal"]
        print(f"MIP proved {len(proven)} of {len(frame)} optimal; all agree with CP-SAT: {bool(proven['agrees'].all())}")
    elif args.what == "warmstart":
        for warm, part in frame.groupby("warm_start"):
            print(f"warm start {warm}: mean time to best known {part['time_to_best_known_s'].mean():.2f} s, "
                  f"reached {part['time_to_best_known_s'].notna().sum()} of {len(part)}")
    if args.what == "subset" and frame["method"].nunique() > 1:
        for method, part in frame.groupby("method"):
            print(f"\n{method}\n{summarize(part)}")
        print(compare(frame))
    else:
        print(summarize(frame))


if __name__ == "__main__":
    main()
