"""Shared by the COSMA benchmark scripts: the graphs to run, and the rows printed as one wide table,
optionally saved as CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

GRAPHS = Path(__file__).resolve().parents[1] / "instances" / "cosma" / "graphs"
NAMES = ["resnet8_tiny", "dscnn_kws_tiny", "mobilenet_v2", "deeplabv3_mnv2", "bert_l3", "resnet50", "inception_v3",
         "bert_l12_encoder", "densenet121", "darts_v2_cifar10"]


def add_graph_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--graph", action="append", help="graph name (repeatable; default: all ten)")
    parser.add_argument("--graph-dir", default=None,
                        help="take the graphs from this folder, all its *.json by default (e.g. instances/cosma/exported)")


def selected_graphs(args) -> list[tuple[str, Path]]:
    """(name, path) of the graphs ``--graph`` / ``--graph-dir`` select: the ten shipped ones by default."""
    folder = Path(args.graph_dir) if args.graph_dir else GRAPHS
    default = sorted(path.stem for path in folder.glob("*.json")) if args.graph_dir else NAMES
    return [(name, folder / f"{name}.json") for name in args.graph or default]


def print_and_save(rows: list[dict], csv: str | None) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.to_string(index=False))
    if csv:
        table.to_csv(csv, index=False)
    return table
