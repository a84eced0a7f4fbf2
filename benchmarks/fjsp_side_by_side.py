"""Join the rows of ``fjsp_standard.py`` (schedkit) and ``fjsp_pyjobshop.py`` (PyJobShop) on the same
instances into one table per instance and a summary per set (sum of makespans, mean deviation from the
best known, proven optima, instances where one is ahead). Either input may hold both tools' rows (the
Brandimarte CSV does); only instances measured by both are compared. Example:

    python benchmarks/fjsp_side_by_side.py hurink.csv hurink_pjs.csv --csv benchmarks/fjsp_hurink.csv
"""

from __future__ import annotations

import argparse

import pandas as pd

PYJOBSHOP = "pyjobshop (OR-Tools)"


def side_by_side(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (set, instance) measured by both tools: best known, lower bound, both makespans,
    statuses and deviations (%)."""
    ours = rows[rows["method"] != PYJOBSHOP]
    theirs = rows[rows["method"] == PYJOBSHOP]
    table = ours[["set", "instance", "best_known", "lower_bound", "makespan", "status", "time_s"]].merge(
        theirs[["set", "instance", "makespan", "status", "time_s"]], on=["set", "instance"], suffixes=("", "_pyjobshop"))
    table[["best_known", "lower_bound"]] = table[["best_known", "lower_bound"]].astype(int)  # NaN-free after the join
    table["dev_pct"] = 100 * (table["makespan"] - table["best_known"]) / table["best_known"]
    table["dev_pct_pyjobshop"] = 100 * (table["makespan_pyjobshop"] - table["best_known"]) / table["best_known"]
    return table


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per set: instances, sums, mean deviations, proven optima and who is ahead how often."""
    table = table.assign(schedkit_ahead=table["makespan"] < table["makespan_pyjobshop"],
                         pyjobshop_ahead=table["makespan"] > table["makespan_pyjobshop"])
    return table.groupby("set").agg(
        instances=("instance", "count"), best_known_sum=("best_known", "sum"),
        schedkit_sum=("makespan", "sum"), pyjobshop_sum=("makespan_pyjobshop", "sum"),
        schedkit_mean_dev_pct=("dev_pct", "mean"), pyjobshop_mean_dev_pct=("dev_pct_pyjobshop", "mean"),
        schedkit_optimal=("status", lambda s: int((s == "optimal").sum())),
        pyjobshop_optimal=("status_pyjobshop", lambda s: int((s == "Optimal").sum())),
        schedkit_ahead=("schedkit_ahead", "sum"), pyjobshop_ahead=("pyjobshop_ahead", "sum"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="CSVs of fjsp_standard.py and fjsp_pyjobshop.py")
    parser.add_argument("--csv", default=None, help="write the joined per-instance table here")
    args = parser.parse_args()
    table = side_by_side(pd.concat([pd.read_csv(path) for path in args.inputs], ignore_index=True))
    if args.csv:
        table.to_csv(args.csv, index=False, float_format="%.3f")
    print(table.to_markdown(index=False, floatfmt=".2f"))
    print()
    print(summary(table).to_markdown(floatfmt=".2f"))


if __name__ == "__main__":
    main()
