"""OR-Library wt40 / wt50 / wt100: SSDP (``smtt/ssdp``) proves every instance from the file alone,
checked against the published optimal values; CP-SAT and the time-indexed MIP side by side on a
small sample.

    python benchmarks/smtt_weighted.py --csv benchmarks/smtt_weighted.csv            # SSDP, all 375
    python benchmarks/smtt_weighted.py --sizes 40 --ssdp 0 --sample 2 --model-limit 30   # models only
    python benchmarks/smtt_weighted.py --sizes 40 --ssdp 0 --generated FILE.csv --generated-limit 600  # stretch

SSDP times are CPU seconds (time.process_time) per instance in this process after one untimed
warm-up solve (JIT excluded); start-up is measured separately in fresh subprocesses, with the numba
cache on disk and with an empty cache (compilation). A value different from the file value, or a
result that is not proven optimal, stops the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import click
import pandas as pd

from schedkit.instances import load
from schedkit.instances.values import best_known, instances_root
from schedkit.registry import SolveOptions, solve

STARTUP = """
import json, sys, time
started = time.perf_counter(); cpu = time.process_time()
from schedkit.instances import load
from schedkit.registry import SolveOptions
from schedkit.solvers.smtt_ssdp import solve_weighted
imported = time.perf_counter()
instance = load(sys.argv[1], index=int(sys.argv[2]))
first = time.perf_counter(); solve_weighted(instance, SolveOptions()); first = time.perf_counter() - first
second = time.perf_counter(); solve_weighted(instance, SolveOptions()); second = time.perf_counter() - second
print(json.dumps({"import_s": imported - started, "first_solve_s": first, "warm_solve_s": second,
                  "process_cpu_s": time.process_time() - cpu}))
"""

WARM_UP = ("wt40.txt", 18)  # reaches stage 3, so every kernel is loaded before the timed runs


def startup(path, index: int, empty_cache: bool) -> dict:
    """Import and first-solve times of a fresh interpreter (wall), with the disk cache or without."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        if empty_cache:
            env["NUMBA_CACHE_DIR"] = cache
        out = subprocess.run([sys.executable, "-c", STARTUP, str(path), str(index)], env=env, check=True,
                             capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_ssdp(path, index: int) -> dict:
    instance = load(path, index=index)
    known = best_known("smtt", instance.name).upper
    wall, cpu = time.perf_counter(), time.process_time()
    result = solve(instance, "smtt/ssdp", SolveOptions())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if result.status != "optimal" or result.objective != known:
        raise SystemExit(f"{instance.name}: {result.status} {result.objective} (bound {result.bound}), file value {known}")
    stats = result.extra["ssdp"]
    return {"set": path.stem, "index": index, "value": result.objective, "known": known, "cpu_s": round(cpu, 4),
            "wall_s": round(wall, 4), "stage": stats["stage"], "stage1_lb": (stats["stage_lb"] or [None])[0],
            "iterations1": stats["iterations"][0], "iterations2": stats["iterations"][1],
            "states2": (stats["states"] or [0])[0], "modifiers": stats["modifiers"], "steps3": stats["steps"]}


def ssdp_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per set: proofs, CPU seconds, and the stage that closed the proof (0: the heuristic's value
    equals the trivial bound)."""
    def stage(k):
        return ("stage", lambda s: int((s == k).sum()))

    return frame.groupby("set", sort=False).agg(
        instances=("value", "size"), proven_at_file_value=("value", "size"), mean_cpu_s=("cpu_s", "mean"),
        median_cpu_s=("cpu_s", "median"), p90_cpu_s=("cpu_s", lambda s: s.quantile(0.9)), max_cpu_s=("cpu_s", "max"),
        closed_stage0=stage(0), stage1=stage(1), stage2=stage(2), stage3=stage(3),
        max_modifiers=("modifiers", "max")).round(3)


@click.command()
@click.option("--sizes", default="40,50,100")
@click.option("--ssdp", "ssdp_count", type=int, default=125, help="Instances per size for SSDP (from #1).")
@click.option("--first", type=int, default=1, help="First instance number for SSDP.")
@click.option("--sample", type=int, default=0, help="Instances per size for CP-SAT and the time-indexed MIP (0: none).")
@click.option("--model-limit", type=float, default=30.0)
@click.option("--mip-sizes", default="40", help="Sizes on which the time-indexed MIP is built (its Pyomo build takes minutes).")
@click.option("--startup/--no-startup", "measure_startup", default=True)
@click.option("--generated", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Generated instance files (e.g. 200 weighted jobs) to prove with SSDP, repeatable.")
@click.option("--generated-limit", type=float, default=600.0)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
def main(sizes, ssdp_count, first, sample, model_limit, mip_sizes, measure_startup, generated, generated_limit, csv_path):
    root = instances_root() / "smtt"
    rows, model_rows = [], []
    if ssdp_count:
        solve(load(root / WARM_UP[0], index=WARM_UP[1]), "smtt/ssdp", SolveOptions())
    for n in (int(x) for x in sizes.split(",")):
        path = root / f"wt{n}.txt"
        for index in range(first, min(126, first + ssdp_count)):
            rows.append(run_ssdp(path, index))
            print(rows[-1], flush=True)
        for index in range(1, sample + 1):
            instance = load(path, index=index)
            known = best_known("smtt", instance.name).upper
            models = ["smtt/cpsat"] + (["smtt/mip-time-indexed"] if str(n) in mip_sizes.split(",") else [])
            for model in models:
                started = time.perf_counter()
                result = solve(instance, model, SolveOptions(time_limit=model_limit, threads=2), warm_start="smtt/atc")
                model_rows.append({"set": f"wt{n}", "index": index, "model": model, "status": result.status,
                                   "objective": result.objective, "bound": result.bound, "known": known,
                                   "wall_s": round(time.perf_counter() - started, 1)})
                print(model_rows[-1], flush=True)
    if rows:
        frame = pd.DataFrame(rows)
        if csv_path:
            frame.to_csv(csv_path, index=False)
        print(ssdp_table(frame).to_markdown())
    if model_rows:
        frame = pd.DataFrame(model_rows)
        if csv_path:
            frame.to_csv(csv_path.replace(".csv", "_models.csv"), index=False)
        print(frame.to_markdown(index=False))
    for file in generated:
        instance = load(file)
        cpu = time.process_time()
        result = solve(instance, "smtt/ssdp", SolveOptions(time_limit=generated_limit))
        stats = result.extra["ssdp"]
        print({"file": os.path.basename(file), "n": instance.n, "status": result.status, "objective": result.objective,
               "bound": result.bound, "cpu_s": round(time.process_time() - cpu, 2), "stage": stats["stage"],
               "states2": (stats["states"] or [0])[0], "modifiers": stats["modifiers"]}, flush=True)
    if measure_startup:
        for empty in (False, True):
            figures = startup(root / "wt100.txt", 1, empty)
            label = "empty numba cache (compiles)" if empty else "numba cache on disk"
            print(f"start-up, fresh process, {label}: " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
