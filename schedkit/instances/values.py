"""Optimal and best-known objective values from the value tables shipped in ``instances/``.

Names are instance names as the readers give them: ``j301_1`` (PSPLIB), ``pat1`` (Patterson),
``mk01``, ``la01_edata``, ``dpp01a``, ``behnke1`` (FJSP), ``ft06``, ``ta01`` (JSSP), ``wt40_1`` (OR-Library).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class BestKnown:
    """The best known upper bound (objective of a known solution) and lower bound."""

    upper: int
    lower: int | None  # None when no lower bound is listed

    @property
    def optimal(self) -> bool:
        return self.lower == self.upper


def instances_root() -> Path:
    """The project's ``instances/`` folder (``SCHEDKIT_INSTANCES`` overrides)."""
    env = os.environ.get("SCHEDKIT_INSTANCES")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "instances"


def _kobe(root: Path) -> dict[tuple[str, str], BestKnown]:
    table = {}
    for csv_path in sorted((root / "rcpsp" / "values" / "kobe").glob("*/optimum.csv")):
        for row in csv_path.read_text().splitlines()[1:]:
            if not row.strip():
                continue
            name, value = row.split(",")
            lower, _, upper = value.partition("..")
            table["rcpsp", Path(name).stem] = BestKnown(int(upper or lower), int(lower) if lower else None)
    return table


def _scheduleopt(path: Path, problem: str) -> dict[tuple[str, str], BestKnown]:
    table = {}
    if not path.exists():
        return table
    for entry in json.loads(path.read_text()):
        if entry.get("upper_bound") is None:
            continue
        name = entry["instance"]
        if problem == "jssp" and name.startswith("ta") and name.endswith("js"):
            name = name[:-2]
        lower = entry.get("lower_bound")
        table[problem, name] = BestKnown(int(entry["upper_bound"]), None if lower is None else int(lower))
    return table


def _orlib(root: Path) -> dict[tuple[str, str], BestKnown]:
    table = {}
    # wtbest100b: all 125 have since been proven optimal (Tanaka, Fujikuma & Araki 2009).
    for n, filename in ((40, "wtopt40.txt"), (50, "wtopt50.txt"), (100, "wtbest100b.txt")):
        path = root / "smtt" / filename
        if path.exists():
            for i, value in enumerate(path.read_text().split(), start=1):
                table["smtt", f"wt{n}_{i}"] = BestKnown(int(value), int(value))
    return table


@cache
def _table(root: str) -> dict[tuple[str, str], BestKnown]:
    base = Path(root)
    table = {}
    table.update(_kobe(base))
    table.update(_scheduleopt(base / "fjsp" / "values" / "scheduleopt" / "bks.json", "fjsp"))
    table.update(_scheduleopt(base / "jssp" / "values" / "scheduleopt" / "bks.json", "jssp"))
    table.update(_orlib(base))
    return table


def best_known(problem: str, name: str) -> BestKnown | None:
    """The best-known values of an instance, or None when the tables do not list it."""
    table = _table(str(instances_root()))
    family = "fjsp" if problem in ("fjsp", "jssp") else problem
    found = table.get((family, name))
    if found is None and family == "fjsp":
        found = table.get(("jssp", name))  # a JSPLIB instance read as a job shop
    if found is None and problem == "jssp":
        found = table.get(("fjsp", name))
    return found
