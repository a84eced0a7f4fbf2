"""The exceptions schedkit raises on purpose; the CLI turns them into one line and exit code."""

from __future__ import annotations

from pathlib import Path


class SchedkitError(Exception):
    """Base class: an error whose message is meant for the user as it is."""


class InstanceError(SchedkitError, ValueError):
    """A file that cannot be read as an instance.

    The message names the file, the line (1-based, when one is known) and what was expected,
    e.g. ``j301_1.sm:17: expected an integer duration, got '3.5'``.
    """

    def __init__(self, path: str | Path | None, line: int | None, message: str):
        self.path = None if path is None else str(path)
        self.line = line
        self.detail = message
        where = self.path or "<instance>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class SolverError(SchedkitError, RuntimeError):
    """A solver that is missing, rejects its model or fails while solving."""


class MethodError(SchedkitError, LookupError):
    """An unknown method name, or a method asked to solve a problem it does not handle."""
