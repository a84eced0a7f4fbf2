"""Single-machine total (weighted) tardiness instances, 1||sum w_j T_j, and their readers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from schedkit.errors import InstanceError
from schedkit.instances._tokens import Tokens


@dataclass(frozen=True)
class SMTTInstance:
    """n jobs with processing times ``p``, due dates ``d`` and optional weights ``w``.

    Without weights every job weighs 1 (the unweighted problem 1||sum T_j).
    """

    name: str
    p: tuple[int, ...]
    d: tuple[int, ...]
    w: tuple[int, ...] | None = None

    problem = "smtt"

    def __post_init__(self):
        n = len(self.p)
        if len(self.d) != n or (self.w is not None and len(self.w) != n):
            raise InstanceError(None, None, f"{self.name}: p, d and w must have the same length")
        if any(x <= 0 for x in self.p):
            raise InstanceError(None, None, f"{self.name}: processing times must be positive")
        if any(x < 0 for x in self.d):
            raise InstanceError(None, None, f"{self.name}: due dates must be >= 0")
        if self.w is not None and any(x < 0 for x in self.w):
            raise InstanceError(None, None, f"{self.name}: weights must be >= 0")

    @property
    def n(self) -> int:
        return len(self.p)

    @property
    def weights(self) -> tuple[int, ...]:
        """The weights, all 1 for an unweighted instance."""
        return self.w if self.w is not None else (1,) * self.n

    @property
    def weighted(self) -> bool:
        return self.w is not None

    def to_dict(self) -> dict:
        data = {"name": self.name, "p": list(self.p), "d": list(self.d)}
        if self.w is not None:
            data["w"] = list(self.w)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SMTTInstance:
        w = data.get("w")
        return cls(
            name=data["name"],
            p=tuple(data["p"]),
            d=tuple(data["d"]),
            w=None if w is None else tuple(w),
        )


def read_orlib_wt(text: str, path: str | Path, index: int | None, n: int | None = None) -> SMTTInstance:
    """One instance of an OR-Library weighted tardiness file (``wt40.txt``: 125 back to back).

    Each instance is n processing times, then n weights, then n due dates. ``index`` is 1-based,
    as in OR-Library's own tables. n is taken from the file name (``wt40``) when not given.
    """
    name = Path(path).stem
    if n is None:
        digits = "".join(ch for ch in name if ch.isdigit())
        if not digits:
            raise InstanceError(path, None, "cannot tell n from the file name; expected a name like wt40.txt")
        n = int(digits)
    tokens = Tokens(text, path)
    total = len(tokens.items)
    if total == 0 or total % (3 * n) != 0:
        raise InstanceError(
            path,
            tokens.line_count,
            f"expected a multiple of 3*{n} integers (instances of {n} jobs), found {total}",
        )
    count = total // (3 * n)
    if index is None:
        raise InstanceError(path, None, f"file holds {count} instances: choose one with --index 1..{count}")
    if not 1 <= index <= count:
        raise InstanceError(path, None, f"index {index} out of range: expected 1..{count}")
    tokens.position = (index - 1) * 3 * n
    p = tuple(tokens.int(f"processing time of job {j + 1}", minimum=1) for j in range(n))
    w = tuple(tokens.int(f"weight of job {j + 1}") for j in range(n))
    d = tuple(tokens.int(f"due date of job {j + 1}") for j in range(n))
    # Also check the rest of the file holds integers, so a corrupt file is never half-read.
    tokens.position = 0
    for _ in range(total):
        tokens.int("an integer", minimum=None)
    return SMTTInstance(name=f"{name}_{index}", p=p, d=d, w=w)


def read_smtt_csv(text: str, path: str | Path) -> SMTTInstance:
    """An SMTT CSV: a header row, then one job a row with columns ``p,d`` or ``p,d,w``.

    An optional ``name`` column names the jobs (kept only as a check that rows are whole).
    """
    reader = csv.reader(io.StringIO(text))
    rows = [(number, row) for number, row in enumerate(reader, start=1) if any(c.strip() for c in row)]
    if not rows:
        raise InstanceError(path, 1, "empty file: expected a header row 'p,d' or 'p,d,w'")
    header_line, header = rows[0]
    columns = [c.strip().lower() for c in header]
    for required in ("p", "d"):
        if required not in columns:
            raise InstanceError(path, header_line, f"missing column {required!r}: expected a header with p,d[,w]")
    unknown = set(columns) - {"p", "d", "w", "name"}
    if unknown:
        raise InstanceError(path, header_line, f"unknown column(s) {sorted(unknown)}: expected p,d[,w][,name]")
    if len(rows) == 1:
        raise InstanceError(path, header_line + 1, "no jobs: expected one row per job after the header")
    values: dict[str, list[int]] = {c: [] for c in ("p", "d", "w") if c in columns}
    for line, row in rows[1:]:
        if len(row) != len(columns):
            raise InstanceError(path, line, f"expected {len(columns)} fields ({','.join(columns)}), got {len(row)}")
        for column, cell in zip(columns, row, strict=True):
            if column == "name":
                continue
            cell = cell.strip()
            try:
                value = int(cell)
            except ValueError:
                raise InstanceError(path, line, f"expected an integer {column}, got {cell!r}") from None
            if column == "p" and value < 1:
                raise InstanceError(path, line, f"expected a processing time p >= 1, got {value}")
            if value < 0:
                raise InstanceError(path, line, f"expected {column} >= 0, got {value}")
            values[column].append(value)
    w = tuple(values["w"]) if "w" in values else None
    return SMTTInstance(name=Path(path).stem, p=tuple(values["p"]), d=tuple(values["d"]), w=w)


def write_smtt_csv(instance: SMTTInstance) -> str:
    """The instance as SMTT CSV text (the inverse of :func:`read_smtt_csv`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["p", "d"] + (["w"] if instance.weighted else [])
    writer.writerow(header)
    for j in range(instance.n):
        row = [instance.p[j], instance.d[j]] + ([instance.w[j]] if instance.weighted else [])
        writer.writerow(row)
    return out.getvalue()
