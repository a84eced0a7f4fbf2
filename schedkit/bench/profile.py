"""Plots from bench rows: a performance profile (of the objective found, or of the time to a proven
optimum), and the mean primal gap over time from the incumbent traces stored in the rows.

- Performance profile: Dolan & Moré (2002), "Benchmarking optimization software with performance
  profiles", Math. Programming 91. ρ_m(τ) is the share of instances on which method m's cost is
  within τ times the best method's cost on that instance.
- Primal gap over time: Berthold (2013), "Measuring the impact of primal heuristics", Oper. Res.
  Letters 41. The primal gap of an incumbent is |z − z*| / max(|z|, |z*|) (1 without incumbent), with
  z* the best-known value (or the best objective any run found when the tables list none).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from schedkit.bench.report import SAME_RUN


def performance_profile(runs: pd.DataFrame, measure: str = "objective") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per method, the steps (τ, ρ(τ)) of its performance profile.

    ``measure="objective"``: the cost is the objective found (none: never within τ), so the ratio is
    objective / best objective of any method on the instance; where that best is 0 (SMTT) both are
    shifted by 1. ``measure="time"``: the cost is the time to a proven optimum (none without proof).
    """
    runs = runs.copy()
    runs["index"] = runs["index"].fillna(-1)
    runs["time_limit"] = runs["time_limit"].fillna(-1)
    if measure == "time":
        runs["cost"] = runs["runtime_s"].where(runs["status"] == "optimal").clip(lower=1e-3)
    elif measure == "objective":
        runs["cost"] = runs["objective"].astype(float)
    else:
        raise ValueError(f"measure {measure!r}: expected objective or time")
    best = runs.groupby(SAME_RUN, dropna=False)["cost"].transform("min")
    shift = (best == 0).astype(float)
    runs["ratio"] = ((runs["cost"] + shift) / (best + shift)).fillna(np.inf)
    instances = runs.groupby(SAME_RUN, dropna=False).ngroups
    profile = {}
    for method, group in runs.groupby("method"):
        ratios = np.sort(group["ratio"].to_numpy())
        finite = ratios[np.isfinite(ratios)]
        share = np.arange(1, len(finite) + 1) / max(instances, 1)
        profile[method] = (finite, share)
    return profile


def primal_gap(objective: float | None, reference: float | None) -> float:
    if objective is None or reference is None:
        return 1.0
    if objective == reference:
        return 0.0
    return abs(objective - reference) / max(abs(objective), abs(reference))


def primal_gap_over_time(runs: pd.DataFrame, times: np.ndarray) -> dict[str, np.ndarray]:
    """Per method, the mean primal gap of its runs at each of ``times`` (seconds)."""
    runs = runs.copy()
    runs["index"] = runs["index"].fillna(-1)
    runs["time_limit"] = runs["time_limit"].fillna(-1)
    found = runs.groupby(SAME_RUN, dropna=False)["objective"].transform("min")
    reference = runs["best_known"].where(runs["best_known"].notna(), found)
    curves: dict[str, list[np.ndarray]] = {}
    for row, ref in zip(runs.itertuples(index=False), reference, strict=True):
        points = json.loads(row.trace) if isinstance(row.trace, str) and row.trace else []
        if row.termination == "heuristic" and points:
            # a constructive heuristic's schedule exists only when it returns, whatever its trace says
            points = [[row.runtime_s, points[-1][1]]]
        gaps = np.ones(len(times))
        for seconds, objective in points:  # incumbents improve in time order
            gaps[times >= seconds] = primal_gap(objective, None if pd.isna(ref) else ref)
        curves.setdefault(row.method, []).append(gaps)
    return {method: np.mean(rows, axis=0) for method, rows in curves.items()}


def plot_profiles(runs: pd.DataFrame, path: str | Path, measure: str = "objective") -> Path:
    """Write a figure with the performance profile on ``measure`` (left) and the mean primal gap over
    time (right)."""
    from matplotlib.figure import Figure  # a bare Figure: no pyplot state, no backend switch

    figure = Figure(figsize=(11, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    profile = performance_profile(runs, measure)
    largest = max((ratios.max() for ratios, _ in profile.values() if len(ratios)), default=1.0)
    for method, (ratios, share) in sorted(profile.items()):
        steps_x = np.concatenate([[1.0], ratios, [max(largest, 1.0) * 1.5]])
        steps_y = np.concatenate([[0.0], share, [share[-1] if len(share) else 0.0]])
        left.step(steps_x, steps_y, where="post", label=method)
    left.set_xscale("log")
    left.set_ylim(0, 1.02)
    left.set_xlabel("τ (objective / best objective of any method)" if measure == "objective"
                    else "τ (time to proven optimum / fastest method's)")
    left.set_ylabel("share of instances")
    left.set_title("Performance profile")
    left.legend(loc="lower right")

    horizon = float(np.nanmax(runs["runtime_s"])) if runs["runtime_s"].notna().any() else 1.0
    times = np.geomspace(1e-3, max(horizon, 1e-2), 200)
    for method, curve in sorted(primal_gap_over_time(runs, times).items()):
        right.step(times, 100 * curve, where="post", label=method)
    right.set_xscale("log")
    right.set_xlabel("seconds")
    right.set_ylabel("mean primal gap (%)")
    right.set_title("Incumbents over time")
    right.legend(loc="best")
    path = Path(path)
    figure.savefig(path, dpi=110)
    return path
