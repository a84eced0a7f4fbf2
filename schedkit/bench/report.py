"""From bench rows to tables: per method (and instance set, or any other column) the number of runs,
optimal and failed runs, mean/median gap, mean deviation from the best-known value, mean/median/max
runtime, and wins against the other methods on the same instances."""

from __future__ import annotations

import re

import pandas as pd

from schedkit.bench.worker import FAILED
from schedkit.errors import SchedkitError

# One comparison: the same instance (file and index) with the same seed and time limit.
SAME_RUN = ["path", "index", "seed", "time_limit"]


def _with_outcomes(runs: pd.DataFrame) -> pd.DataFrame:
    """Add ``best`` (no method found a better objective on the same instance) and ``win`` (better
    than every other method that ran on it). Objectives are minimized in every family."""
    runs = runs.copy()
    runs["index"] = runs["index"].fillna(-1)
    runs["time_limit"] = runs["time_limit"].fillna(-1)
    grouped = runs.groupby(SAME_RUN, dropna=False)["objective"]
    best = grouped.transform("min")
    count_at_best = runs["objective"].eq(best).groupby([runs[c] for c in SAME_RUN], dropna=False).transform("sum")
    methods_here = runs.groupby(SAME_RUN, dropna=False)["method"].transform("nunique")
    runs["best"] = runs["objective"].notna() & runs["objective"].eq(best)
    runs["win"] = runs["best"] & count_at_best.eq(1) & methods_here.gt(1)
    return runs


def summarize(runs: pd.DataFrame, by: tuple[str, ...] = ("instance_set",)) -> pd.DataFrame:
    """One row per method and value of the ``by`` columns.

    Gaps and deviations are in percent; gap counts only runs with a proven bound, deviation only
    instances with a best-known value. ``wins``: runs where the method's objective is strictly better
    than that of every other method on the same instance (seed, time limit); ``best``: at least as good.
    """
    unknown = [c for c in by if c not in runs.columns]
    if unknown:
        raise SchedkitError(f"--by {', '.join(unknown)}: not a column; the columns are {', '.join(runs.columns)}")
    if runs.empty:
        raise SchedkitError("no runs to report")
    runs = _with_outcomes(runs)
    keys = ["method", *[c for c in by if c != "method"]]
    grouped = runs.groupby(keys, dropna=False, sort=True)
    table = pd.DataFrame({
        "runs": grouped.size(),
        "solved": grouped["objective"].count(),
        "optimal": grouped["status"].agg(lambda s: int((s == "optimal").sum())),
        "failed": grouped["status"].agg(lambda s: int((s == FAILED).sum())),
        "invalid": grouped.apply(lambda g: int((g["objective"].notna() & ~g["valid"].astype(bool)).sum()),
                                 include_groups=False),
        "gap_mean_%": 100 * grouped["gap"].mean(),
        "gap_median_%": 100 * grouped["gap"].median(),
        "dev_mean_%": 100 * grouped["deviation"].mean(),
        "time_mean_s": grouped["runtime_s"].mean(),
        "time_median_s": grouped["runtime_s"].median(),
        "time_max_s": grouped["runtime_s"].max(),
        "wins": grouped["win"].sum().astype(int),
        "best": grouped["best"].sum().astype(int),
    })
    table = table.reset_index()
    order = sorted(range(len(table)), key=lambda i: [_natural(table.at[i, k]) for k in keys])
    return table.iloc[order].reset_index(drop=True)


def _natural(value) -> list:
    """j301_2 before j301_10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", str(value))]


def render(table: pd.DataFrame, fmt: str = "markdown") -> str:
    """The table as Markdown, LaTeX or CSV text; floats with two decimals."""
    if fmt == "csv":
        return table.to_csv(index=False, float_format="%.4g")
    if fmt == "markdown":
        shown = table.astype(object).where(table.notna(), None)
        return shown.to_markdown(index=False, floatfmt=".2f", missingval="-")
    if fmt == "latex":
        return table.to_latex(index=False, escape=True, float_format="%.2f", na_rep="-")
    raise SchedkitError(f"--format {fmt}: expected markdown, latex or csv")
