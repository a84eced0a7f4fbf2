"""The result contract: what every method returns and ``schedkit solve --output`` writes.

Serialized as ``schema: "schedkit.result/1"`` (see DESIGN.md). ``objective`` and ``bound`` are
None (JSON null) when absent, never inf or 0 stand-ins.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

RESULT_SCHEMA = "schedkit.result/1"

OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN = "optimal", "feasible", "infeasible", "unknown"
STATUSES = (OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN)


@dataclass
class Result:
    """What a method found.

    ``status`` says what is held (optimal | feasible | infeasible | unknown); ``termination`` why
    the method stopped (``optimal``, ``time_limit``, ``infeasible``, ``heuristic``, ``interrupted``,
    ``gap_limit`` …). ``trace`` is the incumbent trace [(seconds, objective), …]. ``extra`` holds
    family-specific top-level fields of the result file (e.g. COSMA's ``capacity`` and ``order``).
    """

    problem: str
    instance: str
    method: str
    status: str
    objective: int | None = None
    bound: int | None = None
    runtime_s: float = 0.0
    schedule: list[dict] = field(default_factory=list)
    trace: list[tuple[float, int]] = field(default_factory=list)
    termination: str | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} not understood: expected one of {STATUSES}")
        for label in ("objective", "bound"):
            value = getattr(self, label)
            if value is not None and (isinstance(value, float) and not math.isfinite(value)):
                raise ValueError(f"{label} must be finite or None")
        if self.runtime_s < 0:
            raise ValueError("negative runtime not understood")

    @property
    def gap(self) -> float | None:
        """Relative gap (objective − bound) / objective, 0 when both are 0, None without both."""
        if self.objective is None or self.bound is None:
            return None
        if self.objective == self.bound:
            return 0.0
        return (self.objective - self.bound) / abs(self.objective) if self.objective else None

    def to_dict(self) -> dict:
        data = {
            "schema": RESULT_SCHEMA,
            "problem": self.problem,
            "instance": self.instance,
            "method": self.method,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "runtime_s": round(self.runtime_s, 4),
        }
        data.update(self.extra)
        data["termination"] = self.termination
        data["trace"] = [[round(t, 4), v] for t, v in self.trace]
        data["schedule"] = self.schedule
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        if data.get("schema") != RESULT_SCHEMA:
            raise ValueError(f"expected a result with schema {RESULT_SCHEMA!r}, got {data.get('schema')!r}")
        known = {"schema", "problem", "instance", "method", "status", "objective", "bound", "runtime_s",
                 "termination", "trace", "schedule"}
        return cls(
            problem=data["problem"],
            instance=data["instance"],
            method=data["method"],
            status=data["status"],
            objective=data.get("objective"),
            bound=data.get("bound"),
            runtime_s=float(data.get("runtime_s", 0.0)),
            schedule=list(data.get("schedule", [])),
            trace=[(float(t), v) for t, v in data.get("trace", [])],
            termination=data.get("termination"),
            extra={k: v for k, v in data.items() if k not in known},
        )

    @classmethod
    def read(cls, path: str | Path) -> Result:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
