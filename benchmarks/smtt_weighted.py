"""OR-Library wt40 / wt50 / wt100: iterated dynasearch against the published optimal values, and
CP-SAT / the time-indexed MIP on a sample (the proof side: SSDP is not implemented in schedkit).

    python benchmarks/smtt_weighted.py --ils-limit 2 --sample 3 --model-limit 20

For every instance: seconds until iterated dynasearch (seeded, started from the best cheap rule)
reaches the file value, or the limit. A value below the file value stops the run (the values are
proven optimal by Tanaka et al. 2009: it would be a bug).
"""

from __future__ import annotations

import time

import click
import pandas as pd

from schedkit.heuristics import smtt_local
from schedkit.instances import load
from schedkit.instances.values import best_known, instances_root
from schedkit.registry import SolveOptions, solve


@click.command()
@click.option("--sizes", default="40,50,100")
@click.option("--ils-limit", type=float, default=2.0)
@click.option("--sample", type=int, default=3, help="Instances per size for CP-SAT and the time-indexed MIP (0: none).")
@click.option("--model-limit", type=float, default=20.0)
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
def main(sizes, ils_limit, sample, model_limit, csv_path):
    rows, model_rows = [], []
    for n in (int(x) for x in sizes.split(",")):
        path = instances_root() / "smtt" / f"wt{n}.txt"
        for index in range(1, 126):
            instance = load(path, index=index)
            known = best_known("smtt", instance.name).upper
            started = time.perf_counter()
            _, value, _ = smtt_local.iterated_dynasearch(instance, smtt_local.start_sequence(instance, SolveOptions()),
                                                         time_limit=ils_limit, seed=index, target=known)
            seconds = time.perf_counter() - started
            if value < known:
                raise SystemExit(f"{instance.name}: {value} below the proven optimum {known}")
            rows.append({"set": f"wt{n}", "index": index, "value": value, "known": known, "reached": value == known,
                         "seconds": seconds})
        for index in range(1, sample + 1):
            instance = load(path, index=index)
            known = best_known("smtt", instance.name).upper
            for model in ("smtt/cpsat", "smtt/mip-time-indexed"):
                started = time.perf_counter()
                result = solve(instance, model, SolveOptions(time_limit=model_limit, threads=2), warm_start="smtt/atc")
                model_rows.append({"set": f"wt{n}", "index": index, "model": model, "status": result.status,
                                   "objective": result.objective, "bound": result.bound, "known": known,
                                   "seconds": round(time.perf_counter() - started, 1)})
                print(model_rows[-1], flush=True)
    frame = pd.DataFrame(rows)
    if csv_path:
        frame.to_csv(csv_path, index=False)
    table = frame.groupby("set").agg(instances=("reached", "size"), reached=("reached", "sum"),
                                     mean_s=("seconds", "mean"), median_s=("seconds", "median"), max_s=("seconds", "max"))
    print(table.round(4).to_markdown())
    if model_rows:
        print(pd.DataFrame(model_rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
