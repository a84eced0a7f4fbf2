"""The three SMTT MIPs (Pyomo → HiGHS) and CP-SAT, with and without a warm start, side by side.

    python benchmarks/smtt_mip.py --n 20 --n 50 --n 100 --count 2 --time-limit 60 --workers 2 \
        --orlib wt40:1,2 --orlib wt100:1 --csv benchmarks/smtt_mip.csv
    python benchmarks/smtt_mip.py --n 100 --count 2 --model smtt/cpsat --csv benchmarks/smtt_mip.csv   # add rows
    python benchmarks/smtt_mip.py --csv benchmarks/smtt_mip.csv --summarize   # tables only

Unweighted instances: Potts–Van Wassenhove (the fixed generator), one instance of each cell in
CELLS in turn (the hard TF 0.6 / RDD 0.2, the medium TF 0.4 / RDD 0.6), seed 100 + n; optimum
from ``smtt/exact``; every model without and with the MDDC warm start. Weighted (``--orlib
SET:INDICES``): OR-Library instances, CP-SAT and the time-indexed MIP warm-started with ATC, optimum
from the values file. Every solver runs on one thread, so ``--workers 2`` runs two solves at once
on a 2-core machine.

Each Pyomo model is built under an alarm of ``--build-limit`` seconds: a model not built in time
is a row with status ``not built`` (the time-indexed model at n = 100 has ~0.5 M binaries). HiGHS
itself does not stop at its time limit in the MIP setup of the time-indexed model (the clique
partition of its objective, ``HighsObjectiveFunction::setupCliquePartition``): 585 s for 60 s at
n = 50; leave it out with ``--model`` where that does not fit. The
load into HiGHS and the solve follow; "seconds" is build + load + solve (wall). Rows are appended
to the CSV as they finish and rows already there are skipped, so an interrupted run resumes;
``--stop-after`` starts no new row after that many seconds. Once one model of a (set, n, formulation)
was not built in time, the others of that size are marked not built without a second try.
"""

from __future__ import annotations

import multiprocessing
import signal
import tempfile
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd

from schedkit.instances import load
from schedkit.instances.generate_smtt import generate_smtt, instance_name
from schedkit.instances.values import best_known, instances_root
from schedkit.models import smtt_mip
from schedkit.registry import SolveOptions, check_result, solve
from schedkit.solvers.smtt import solve_mip_model

MODELS = ("smtt/mip-positional", "smtt/mip-disjunctive", "smtt/mip-time-indexed", "smtt/cpsat")
WEIGHTED_MODELS = ("smtt/cpsat", "smtt/mip-time-indexed")
CELLS = ((0.6, 0.2), (0.4, 0.6))
KEY = ["set", "instance", "model", "warm_start"]
COLUMNS = ["set", "n", "instance", "model", "warm_start", "optimum", "hint", "status", "objective", "bound",
           "gap_to_opt_pct", "reported_gap_pct", "build_s", "seconds", "note"]


def generated(n: int, count: int) -> list:
    rng = np.random.default_rng(100 + n)
    out = []
    for index in range(count):
        tf, rdd = CELLS[index % len(CELLS)]
        out.append(generate_smtt(n, tf, rdd, rng, name=instance_name(n, tf, rdd, index + 1)))
    return out


def instance_of(task: dict):
    if task["set"] == "pvw":
        return next(i for i in generated(task["n"], task["count"]) if i.name == task["instance"])
    return load(instances_root() / "smtt" / f"{task['set']}.txt", index=task["index"])


class BuildTimeout(BaseException):  # not an Exception: Pyomo must not catch and log it as a rule error
    pass


def _alarm(signum, frame):
    raise BuildTimeout


def run_task(task: dict) -> dict:
    """One (instance, model, warm start) solve in a worker process; returns the CSV row, or None
    when the task starts after its deadline (``--stop-after``)."""
    if task["deadline"] is not None and time.time() > task["deadline"]:
        return None
    instance = instance_of(task)
    known = best_known("smtt", instance.name) if task["set"] != "pvw" else None
    optimum = known.upper if known else solve(instance, "smtt/exact").objective
    hint = solve(instance, task["warm_start"]) if task["warm_start"] != "-" else None
    options = SolveOptions(time_limit=task["time_limit"], threads=1, warm_start=hint.schedule if hint else None)
    row = {key: task[key] for key in ("set", "n", "instance", "model", "warm_start")}
    row.update(optimum=optimum, hint=None if hint is None else hint.objective)
    started = time.perf_counter()
    build_s = None
    if task["model"] == "smtt/cpsat":
        result = solve(instance, "smtt/cpsat", options)
    else:
        formulation = task["model"].removeprefix("smtt/mip-")
        failed = Path(task["marks"]) / f"{task['set']}_{task['n']}_{formulation}"
        if failed.exists():  # a model of this size was not built within the limit in this run: do not retry
            row.update(status="not built", note="same size not built earlier in this run", seconds=0.0)
            return row
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, task["build_limit"])
        try:
            model = smtt_mip.BUILDERS[formulation](instance)
        except BuildTimeout:
            failed.touch()
            row.update(status="not built", note=f"Pyomo build stopped at {task['build_limit']:g} s",
                       seconds=time.perf_counter() - started)
            return row
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        build_s = time.perf_counter() - started
        result = solve_mip_model(instance, formulation, model, options)
        check_result(instance, result)  # what registry.solve does for every method
    seconds = time.perf_counter() - started
    gap = None if result.objective is None or not optimum else 100 * (result.objective - optimum) / optimum
    row.update(status=result.status, objective=result.objective, bound=result.bound, gap_to_opt_pct=gap,
               reported_gap_pct=None if result.gap is None else 100 * result.gap, build_s=build_s, seconds=seconds)
    return row


def tasks(sizes, count, time_limit, build_limit, orlib) -> list[dict]:
    out = []
    for n in sizes:
        for instance in generated(n, count):
            for model in MODELS:
                for warm in ("-", "smtt/mddc"):
                    out.append({"set": "pvw", "n": n, "count": count, "instance": instance.name, "index": None,
                                "model": model, "warm_start": warm})
    for spec in orlib:
        name, indices = spec.split(":")
        for index in (int(x) for x in indices.split(",")):
            instance = load(instances_root() / "smtt" / f"{name}.txt", index=index)
            for model in WEIGHTED_MODELS:
                out.append({"set": name, "n": instance.n, "count": None, "instance": instance.name, "index": index,
                            "model": model, "warm_start": "smtt/atc"})
    for task in out:
        task.update(time_limit=time_limit, build_limit=build_limit)
    # longest first (time-indexed builds, then by n) so the two workers finish together; with
    # --stop-after the cheap n = 20 rows are the ones left over
    return sorted(out, key=lambda t: (-(t["model"] == "smtt/mip-time-indexed"), -t["n"]))


def tables(frame: pd.DataFrame) -> None:
    def optimal(s):
        return int((s == "optimal").sum())

    def built(s):
        return int((s != "not built").sum())

    unweighted = frame[frame["set"] == "pvw"]
    if len(unweighted):
        table = unweighted.groupby(["model", "n", "warm_start"]).agg(
            runs=("status", "size"), built=("status", built), optimal=("status", optimal),
            found=("objective", lambda s: int(s.notna().sum())), gap_to_opt_pct=("gap_to_opt_pct", "mean"),
            reported_gap_pct=("reported_gap_pct", "mean"), build_s=("build_s", "mean"), mean_s=("seconds", "mean"))
        print(table.round(2).to_markdown())
    weighted = frame[frame["set"] != "pvw"]
    if len(weighted):
        print(weighted[["set", "instance", "model", "optimum", "hint", "status", "objective", "bound", "build_s",
                        "seconds"]].to_markdown(index=False))


@click.command()
@click.option("--n", "sizes", type=int, multiple=True, default=(20, 50, 100))
@click.option("--count", type=int, default=2, help="Generated instances per n (cells of CELLS in turn).")
@click.option("--time-limit", type=float, default=60.0)
@click.option("--build-limit", type=float, default=30.0, help="Seconds allowed for building one Pyomo model.")
@click.option("--orlib", multiple=True, help="Weighted OR-Library instances, e.g. wt40:1,2 (CP-SAT and time-indexed MIP).")
@click.option("--model", "models", multiple=True, default=MODELS, help="Only these models (default: all four).")
@click.option("--workers", type=int, default=1, help="Solves at once (each on one thread).")
@click.option("--stop-after", type=float, default=None, help="Start no new solve after this many seconds.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), required=True)
@click.option("--summarize", is_flag=True, help="Solve nothing: print the tables of the CSV.")
def main(sizes, count, time_limit, build_limit, orlib, models, workers, stop_after, csv_path, summarize):
    path = Path(csv_path)
    done = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=KEY)
    if not summarize:
        seen = {tuple(str(x) for x in row) for row in done[KEY].itertuples(index=False)}
        todo = [t for t in tasks(sizes, count, time_limit, build_limit, orlib)
                if (t["set"], t["instance"], t["model"], t["warm_start"]) not in seen and t["model"] in models]
        print(f"{len(todo)} solves to run, {len(seen)} rows already in {path}", flush=True)
        deadline = None if stop_after is None else time.time() + stop_after
        marks = tempfile.mkdtemp(prefix="smtt_mip_")
        for task in todo:
            task.update(deadline=deadline, marks=marks)
        context = multiprocessing.get_context("spawn")  # fresh worker processes: no forked solver state
        with context.Pool(workers) as pool:
            for row in pool.imap_unordered(run_task, todo):
                if row is None:
                    continue  # started after --stop-after: left for the next run
                # one fixed column order: rows of different kinds (not built, CP-SAT) append in line
                pd.DataFrame([row], columns=COLUMNS).to_csv(path, mode="a", header=not path.exists(), index=False)
                print({k: row.get(k) for k in ("instance", "model", "warm_start", "status", "objective", "bound",
                                               "optimum", "seconds")}, flush=True)
        done = pd.read_csv(path)
    tables(done)


if __name__ == "__main__":
    main()
