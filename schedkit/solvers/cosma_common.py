"""Glue shared by the COSMA methods: the capacity a run is given, the result rows and fields.

A COSMA Result carries top-level ``capacity`` (bytes), ``weights`` (bool) and ``order`` (operator
ids in execution order); its schedule rows are residency episodes ``{"tensor", "start", "end",
"address"}`` (steps are positions in ``order``). See README, section COSMA.
"""

from __future__ import annotations

from schedkit.errors import SchedkitError
from schedkit.result import INFEASIBLE, Result

NAMED_BUDGETS = ("M_R", "M_P", "M_H", "peak")


def weights_flag(options) -> bool:
    value = options.params.get("weights", False)
    return value in (True, 1, "1", "true", "True", "yes")


def resolve_capacity(instance, options) -> tuple[int, bool]:
    """The scratchpad capacity in bytes and the weights flag from ``options.params``.

    ``budget`` is bytes (int or digits) or a named budget: M_R, M_H ((M_R + peak of the given
    order) // 2), peak (peak of the given order) or M_P (the minimum peak, model E1, computed within
    ``mp_time_limit`` seconds, default 30; the best peak found when not proven). Default: M_R.
    """
    weights = weights_flag(options)
    budget = options.params.get("budget", "M_R")
    if isinstance(budget, int) and not isinstance(budget, bool):
        return budget, weights
    text = str(budget).strip()
    if text.replace("_", "").isdigit():
        return int(text.replace("_", "")), weights
    name = text.upper() if text.lower() != "peak" else "peak"
    if name == "M_R":
        return instance.m_r(weights), weights
    if name == "M_H":
        return instance.m_h(weights), weights
    if name == "peak":
        return instance.peak(None, weights), weights
    if name == "M_P":
        from schedkit.solvers.cosma_peak import min_peak_order

        found = min_peak_order(instance, weights, time_limit=float(options.params.get("mp_time_limit", 30)),
                               threads=options.threads, seed=options.seed)
        return found.peak, weights
    raise SchedkitError(f"budget {budget!r} not understood: expected bytes or one of {', '.join(NAMED_BUDGETS)}")


def cosma_extra(capacity: int, weights: bool, order) -> dict:
    return {"capacity": int(capacity), "weights": bool(weights), "order": [int(v) for v in order]}


def below_m_r(instance, method: str, capacity: int, weights: bool) -> Result | None:
    """An infeasible Result naming the operator that needs more than ``capacity``, or None."""
    v = instance.critical_operator(weights)
    need = instance.operator_bytes(v, weights)
    if need <= capacity:
        return None
    name = instance.operator_names[v] if instance.operator_names else str(v)
    reason = (f"capacity {capacity} B is below M_R: operator {v} ({name}) needs {need} B resident "
              f"(its inputs and outputs{' with weights' if weights else ''})")
    return Result(instance.problem, instance.name, method, INFEASIBLE, termination="infeasible",
                  extra={**cosma_extra(capacity, weights, range(instance.num_operators)), "reason": reason})


def prepare(instance, options, method: str) -> tuple[int, bool, Result | None]:
    """What every COSMA method does first: (capacity, weights flag, the infeasible Result when the
    capacity is below M_R, else None)."""
    capacity, weights = resolve_capacity(instance, options)
    return capacity, weights, below_m_r(instance, method, capacity, weights)


def episode_rows(data, runs, addresses) -> list[dict]:
    """Schedule rows from runs (k, first event, last event, tensor) and their addresses."""
    rows = []
    for (k, first, last, tensor), address in zip(runs, addresses, strict=True):
        steps = data.tensors[k].steps
        rows.append({"tensor": tensor, "start": steps[first], "end": steps[last], "address": int(address)})
    rows.sort(key=lambda r: (r["start"], r["tensor"]))
    return rows


def rows_traffic(instance, rows: list[dict]) -> int:
    """Traffic of episode rows (the contract's rule; the validator recomputes it independently)."""
    count: dict[int, int] = {}
    for row in rows:
        count[row["tensor"]] = count.get(row["tensor"], 0) + 1
    total = 0
    for t, episodes in count.items():
        if episodes > 1:
            total += instance.sizes[t] * (episodes if instance.producer[t] is not None else episodes - 1)
    return total


def keep_from_rows(data, rows: list[dict]) -> dict[tuple[int, int], bool]:
    """The keep bits of episode rows (a warm start): gap j kept when events j and j+1 share an episode."""
    by_tensor: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        by_tensor.setdefault(row["tensor"], []).append((row["start"], row["end"]))
    keep = {}
    for k, ev in enumerate(data.tensors):
        spans = by_tensor.get(ev.tensor, [])
        for j in range(len(ev.steps) - 1):
            a, b = ev.steps[j], ev.steps[j + 1]
            keep[k, j] = any(s <= a and b <= e for s, e in spans)
    return keep
