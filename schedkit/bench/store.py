"""The output file of a sweep: rows appended one at a time, each whole and flushed, read back on resume.

CSV (the default): one physical line per row (no field holds a newline), written with a single
``os.write`` on a file opened for appending and then ``fsync``-ed, so a killed process leaves either
the whole row or none of it. A last line without its newline (torn elsewhere, e.g. a full disk or a
copy cut short) is dropped on open, and its run is done again.

Parquet (by the ``.parquet`` extension, needs pyarrow): the file is rewritten to a temporary file and
renamed over the old one after each row, which is atomic, so it is never torn either.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

from schedkit.bench.worker import COLUMNS
from schedkit.errors import SchedkitError


def _require_pyarrow(path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise SchedkitError(f"{path}: writing Parquet needs pyarrow (pip install pyarrow), "
                            "or name a .csv output") from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


class RunStore:
    """Rows of finished runs in a CSV or Parquet file; ``done`` holds the keys already recorded."""

    def __init__(self, path: str | Path, lock: bool = False):
        self.path = Path(path)
        self.parquet = self.path.suffix.lower() == ".parquet"
        if self.parquet:
            _require_pyarrow(self.path)
        elif self.path.suffix.lower() != ".csv":
            raise SchedkitError(f"{self.path}: expected a .csv or .parquet output")
        self._lock = None
        if lock:
            self.lock()  # before reading: the keys read must be those of a file no one else is writing
        self.dropped_torn_line = False
        self.done: set[str] = set(self._read_keys())

    def lock(self) -> None:
        """Hold an exclusive lock on the output until ``unlock`` or the end of this process, so that two
        sweeps never write one file (each would run what the other is running). A Parquet output is
        replaced on every row, so its lock is on a ``.lock`` file beside it."""
        import fcntl

        target = self.path.with_name(self.path.name + ".lock") if self.parquet else self.path
        handle = target.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise SchedkitError(f"{self.path}: another sweep is writing this file") from None
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the descriptor releases the lock
            self._lock = None

    def _read_keys(self) -> list[str]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return []
        if self.parquet:
            return list(pd.read_parquet(self.path, columns=["key"])["key"])
        self._drop_torn_line()
        with self.path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return []
            if tuple(header) != COLUMNS:
                raise SchedkitError(f"{self.path}: its columns are not those of a schedkit bench file "
                                    "(written by another version?); choose another --out")
            return [row[0] for row in reader if len(row) == len(COLUMNS)]

    def _drop_torn_line(self) -> None:
        """Cut a last line that has no newline: a row that was never finished."""
        data = self.path.read_bytes()
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        with self.path.open("r+b") as handle:
            handle.truncate(keep)
        self.dropped_torn_line = True

    def append(self, row: dict) -> None:
        """Record one finished run, durably, before the next one is reported."""
        if self.parquet:
            frame = pd.DataFrame([{c: row.get(c) for c in COLUMNS}]).astype("object")
            if self.path.exists():
                frame = pd.concat([pd.read_parquet(self.path).astype("object"), frame], ignore_index=True)
            partial = self.path.with_name(self.path.name + ".partial")
            frame.astype(str).where(frame.notna(), None).to_parquet(partial, index=False)
            os.replace(partial, self.path)
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            header = not self.path.exists() or self.path.stat().st_size == 0
            if header:
                writer.writerow(COLUMNS)
            writer.writerow([_cell(row.get(c)) for c in COLUMNS])
            text = buffer.getvalue()
            if text.count("\n") != 1 + header:
                raise SchedkitError(f"a field of run {row.get('key')!r} holds a newline")
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, text.encode("utf-8"))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        self.done.add(row["key"])


def read_runs(path: str | Path) -> pd.DataFrame:
    """A bench file as a DataFrame (a torn last line of a CSV is left out)."""
    path = Path(path)
    if not path.exists():
        raise SchedkitError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        _require_pyarrow(path)
        frame = pd.read_parquet(path)
        for column in ("objective", "bound", "best_known", "gap", "deviation", "runtime_s", "wall_s", "seed", "time_limit",
                       "threads", "index"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        frame["valid"] = frame["valid"].astype(str) == "True"
        return frame
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
    frame = pd.read_csv(io.BytesIO(data), dtype={"params": "string", "error": "string", "trace": "string"})
    return frame
