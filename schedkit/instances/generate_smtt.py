"""``schedkit generate smtt``: random 1‖Σ(w)T instances after Potts & Van Wassenhove (1982).

pⱼ uniform on 1..100 (or, with ``--normal``, N(60, 20) rounded and clipped to ≥ 1: the seed
paper's out-of-sample set); with P = Σpⱼ, dⱼ uniform integer on [P(1−TF−RDD/2), P(1−TF+RDD/2)],
each clipped at 0; wⱼ uniform on 1..10 with ``--weighted``. Shared notes ``papers/smtt.md`` section 2.
"""

from __future__ import annotations

import math
from pathlib import Path

import click
import numpy as np

from schedkit.instances.smtt import SMTTInstance, write_smtt_csv


def generate_smtt(n: int, tf: float, rdd: float, rng: np.random.Generator, weighted: bool = False,
                  normal: bool = False, name: str = "smtt") -> SMTTInstance:
    """One Potts–Van Wassenhove instance drawn from ``rng``."""
    p = np.maximum(1, np.rint(rng.normal(60, 20, size=n))).astype(int) if normal else rng.integers(1, 101, size=n)
    total = int(p.sum())
    low = math.floor(total * (1 - tf - rdd / 2))
    high = max(0, math.floor(total * (1 - tf + rdd / 2)))
    # clip each due date, not the interval: with a negative lower end a share of the jobs is due at 0
    # (as in the Branch & Memorize instance files the seed paper uses)
    d = np.maximum(0, rng.integers(min(low, high), high + 1, size=n))
    w = tuple(int(x) for x in rng.integers(1, 11, size=n)) if weighted else None
    return SMTTInstance(name=name, p=tuple(int(x) for x in p), d=tuple(int(x) for x in d), w=w)


def instance_name(n: int, tf: float, rdd: float, index: int, weighted: bool = False, normal: bool = False) -> str:
    kind = ("w" if weighted else "") + ("n" if normal else "")
    return f"smtt{kind}_n{n}_tf{tf:g}_rdd{rdd:g}_{index}"


@click.command("smtt")
@click.option("--n", "n", type=click.IntRange(1), required=True, help="Number of jobs.")
@click.option("--tf", type=click.FloatRange(0, 1), multiple=True, required=True, help="Tardiness factor (repeatable).")
@click.option("--rdd", type=click.FloatRange(0, 2), multiple=True, required=True,
              help="Relative range of due dates (repeatable).")
@click.option("--weighted", is_flag=True, help="Draw weights uniform on 1..10.")
@click.option("--normal", is_flag=True, help="Processing times from N(60, 20), rounded, at least 1.")
@click.option("--count", type=click.IntRange(1), default=1, show_default=True, help="Instances per (TF, RDD) class.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for the CSV files.")
def command(n, tf, rdd, weighted, normal, count, seed, out_dir):
    """Potts–Van Wassenhove SMTT instances as CSV files, one per (TF, RDD, index)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = 0
    for tf_value in tf:
        for rdd_value in rdd:
            for index in range(1, count + 1):
                name = instance_name(n, tf_value, rdd_value, index, weighted, normal)
                instance = generate_smtt(n, tf_value, rdd_value, rng, weighted, normal, name)
                (folder / f"{name}.csv").write_text(write_smtt_csv(instance), encoding="utf-8")
                written += 1
    click.echo(f"{written} instances written to {folder}")
