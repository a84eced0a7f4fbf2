"""Shared by the COSMA benchmark scripts: print the rows as one wide table, optionally save CSV."""

from __future__ import annotations

import pandas as pd


def print_and_save(rows: list[dict], csv: str | None) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.to_string(index=False))
    if csv:
        table.to_csv(csv, index=False)
    return table
