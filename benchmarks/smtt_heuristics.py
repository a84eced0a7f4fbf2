"""Gaps of the SMTT rules to the proven optimum, on a generated set of the seed paper's shape or on
the paper's own instance files.

    python benchmarks/smtt_heuristics.py --n 20 --n 100 --n 200 --count 10 --ils-limit 0.2
    python benchmarks/smtt_heuristics.py --sdt-dir DIR --ils-limit 0.2

Instances: Potts–Van Wassenhove, TF ∈ {0.2, 0.4, 0.6, 0.8} × RDD ∈ {0.2, …, 1.0}, ``count`` per
class; or, with ``--sdt-dir``, every ``SDT_<n>_<RDD>_<TF>_<k>.txt`` file of a folder (one "p d" pair
per line: the Branch & Memorize instance files of Shang, T'kindt & Della Croce, whose n = 100 set is
the seed paper's). The optimum comes from smtt/exact. Gap = 100·(value − optimum)/optimum over the
instances with a non-zero optimum (the paper's convention); a value below the optimum stops the run
(it is always an evaluation bug). Prints mean and median gaps and mean CPU runtimes
(time.process_time) per rule and n.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd

from schedkit.heuristics import smtt_local
from schedkit.heuristics.smtt_rules import RULES, rule_sequence, total_tardiness
from schedkit.instances.generate_smtt import generate_smtt, instance_name
from schedkit.instances.smtt import SMTTInstance
from schedkit.registry import SolveOptions
from schedkit.solvers.smtt_exact import MemoSolver

TF = (0.2, 0.4, 0.6, 0.8)
RDD = (0.2, 0.4, 0.6, 0.8, 1.0)
SHOWN = ("edd", "spt", "eddc", "mdd", "mddc", "psk", "panneerselvam", "wilkerson-irwin", "atc", "wmdd", "aug-mdd", "aug-mddc",
         "dynasearch", "ils")


def warm_up() -> None:
    """Load or compile every numba kernel once, so no runtime below includes JIT compilation."""
    instance = generate_smtt(30, 0.6, 0.4, np.random.default_rng(1))
    for rule in RULES:
        rule_sequence(instance, rule)
    smtt_local.descend(smtt_local.start_sequence(instance, SolveOptions()), *smtt_local._arrays(instance))
    smtt_local.iterated_dynasearch(instance, smtt_local.start_sequence(instance, SolveOptions()), max_iterations=2)
    MemoSolver(instance).run()


def generated_instances(sizes, count, seed):
    """(TF, RDD, instance) of the generated grid, ``count`` per class, one RNG stream per n."""
    for n in sizes:
        rng = np.random.default_rng(seed + n)
        for tf in TF:
            for rdd in RDD:
                for index in range(1, count + 1):
                    yield tf, rdd, generate_smtt(n, tf, rdd, rng, name=instance_name(n, tf, rdd, index))


def sdt_instances(folder):
    """(TF, RDD, instance) of every SDT_<n>_<RDD>_<TF>_<k>.txt file (lines "p d") in ``folder``."""
    pattern = re.compile(r"SDT_(\d+)_([\d.]+)_([\d.]+)_(\d+)\.txt$")
    files = [(m, path) for path in Path(folder).iterdir() if (m := pattern.match(path.name))]
    for match, path in sorted(files, key=lambda item: tuple(float(g) for g in item[0].groups())):
        pairs = np.loadtxt(path, dtype=np.int64, ndmin=2)
        instance = SMTTInstance(path.stem, tuple(int(p) for p in pairs[:, 0]), tuple(int(d) for d in pairs[:, 1]))
        yield float(match.group(3)), float(match.group(2)), instance


def measure(instances, ils_limit, exact_limit) -> pd.DataFrame:
    warm_up()
    rows = []
    for index, (tf, rdd, instance) in enumerate(instances, start=1):
        optimum = MemoSolver(instance).run(time_limit=exact_limit)
        row = {"n": instance.n, "tf": tf, "rdd": rdd, "instance": instance.name, "optimum": optimum}
        for rule in RULES:
            started = time.process_time()
            sequence = rule_sequence(instance, rule)
            row[f"{rule}_s"] = time.process_time() - started
            row[rule] = total_tardiness(instance, sequence)
        started = time.process_time()
        local = smtt_local.descend(smtt_local.start_sequence(instance, SolveOptions()),
                                   *smtt_local._arrays(instance))
        row["dynasearch_s"] = time.process_time() - started
        row["dynasearch"] = total_tardiness(instance, local)
        started = time.process_time()
        _, row["ils"], _ = smtt_local.iterated_dynasearch(
            instance, smtt_local.start_sequence(instance, SolveOptions()), time_limit=ils_limit, seed=index,
            target=optimum)
        row["ils_s"] = time.process_time() - started
        if optimum is not None:
            below = [m for m in SHOWN if row[m] < optimum]
            if below:
                raise SystemExit(f"{instance.name}: {below} below the proven optimum {optimum}: a bug")
        rows.append(row)
        print(instance.name, optimum, row["mddc"], row["ils"], flush=True)
    return pd.DataFrame(rows)


def gap_table(frame: pd.DataFrame, statistic: str = "mean") -> pd.DataFrame:
    usable = frame[frame["optimum"].notna() & (frame["optimum"] > 0)]
    gaps = {m: 100 * (usable[m] - usable["optimum"]) / usable["optimum"] for m in SHOWN}
    table = pd.DataFrame(gaps).assign(n=usable["n"]).groupby("n").agg(statistic)
    table.insert(0, "instances", usable.groupby("n").size())
    return table.round(2)


def time_table(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby("n")[[f"{m}_s" for m in SHOWN]].mean().map(lambda s: f"{s:.2g}")


@click.command()
@click.option("--n", "sizes", type=int, multiple=True, default=(20, 100, 200))
@click.option("--count", type=int, default=10, help="Instances per (TF, RDD) class.")
@click.option("--seed", type=int, default=0)
@click.option("--ils-limit", type=float, default=0.2, help="Seconds for the iterated dynasearch (stops at the optimum).")
@click.option("--exact-limit", type=float, default=120.0)
@click.option("--sdt-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Read SDT_<n>_<RDD>_<TF>_<k>.txt instance files from this folder instead of generating.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None)
def main(sizes, count, seed, ils_limit, exact_limit, sdt_dir, csv_path):
    instances = sdt_instances(sdt_dir) if sdt_dir else generated_instances(sizes, count, seed)
    frame = measure(instances, ils_limit, exact_limit)
    if csv_path:
        frame.to_csv(csv_path, index=False)
    print("\nmean gap to the optimum, % (instances with a non-zero optimum)")
    print(gap_table(frame).to_markdown())
    print("\nmedian gap, %")
    print(gap_table(frame, "median").to_markdown())
    print("\nmean runtime, s")
    print(time_table(frame).to_markdown())


if __name__ == "__main__":
    main()
