"""Priority-rule heuristics for the RCPSP: serial and parallel SGS with LFT, LST, MinSlack, MTS and
GRPW, forward-backward improvement, and regret-based biased random sampling.

References: Kolisch (1996), "Serial and parallel resource-constrained project scheduling methods
revisited", EJOR 90; Kolisch & Hartmann (2006), EJOR 174 (rules, schedule-count protocol);
Valls, Ballestín & Quintanilla (2005), "Justification and RCPSP: a technique that pays", EJOR 165.
"""

from __future__ import annotations

import time

import numpy as np

from schedkit.heuristics import rcpsp_sgs as sgs
from schedkit.heuristics.common import heuristic_result
from schedkit.heuristics.rcpsp_sgs import ProjectArrays
from schedkit.registry import SolveOptions, register

RULES = ("lft", "lst", "mslk", "mts", "grpw")
RULE_NAMES = {"lft": "latest finish time", "lst": "latest start time", "mslk": "minimum slack",
              "mts": "most total successors", "grpw": "greatest rank positional weight"}


def time_windows(instance, arrays: ProjectArrays) -> tuple[np.ndarray, np.ndarray]:
    """Earliest starts (forward pass from release dates) and latest finishes (backward pass from
    the horizon and the deadlines) of the precedence network with the chosen modes."""
    n = instance.n
    order = instance.topological_order()
    durations = arrays.durations
    earliest = arrays.release.copy()
    for task in order:
        for s in instance.successors[task]:
            earliest[s] = max(earliest[s], earliest[task] + durations[task])
    latest_finish = arrays.deadline.copy()
    for task in reversed(order):
        for s in instance.successors[task]:
            latest_finish[task] = min(latest_finish[task], latest_finish[s] - durations[s])
    return earliest[:n], latest_finish[:n]


def priority_values(instance, arrays: ProjectArrays, rule: str) -> np.ndarray:
    """Priority per task for a rule; the smallest value is scheduled first."""
    earliest, latest_finish = time_windows(instance, arrays)
    latest_start = latest_finish - arrays.durations
    if rule == "lft":
        return latest_finish.astype(float)
    if rule == "lst":
        return latest_start.astype(float)
    if rule == "mslk":
        return (latest_start - earliest).astype(float)
    if rule == "mts":  # most (transitive) successors first
        reach: list[set[int]] = [set() for _ in range(instance.n)]
        for task in reversed(instance.topological_order()):
            for s in instance.successors[task]:
                reach[task] |= reach[s] | {s}
        return -np.array([len(r) for r in reach], dtype=float)
    if rule == "grpw":  # own duration plus the durations of the immediate successors
        return -np.array([arrays.durations[t] + sum(arrays.durations[s] for s in instance.successors[t])
                          for t in range(instance.n)], dtype=float)
    raise ValueError(f"unknown priority rule {rule!r}: expected one of {RULES}")


def mode_assignment(instance) -> list[int] | None:
    """One mode per task for the multi-mode case: start from the modes that use the least of the
    non-renewable budgets, then shorten tasks (largest gain first) while the budgets allow.
    Modes needing more of a renewable resource than its capacity are never chosen. None when
    the budgets cannot be met even so."""
    budgets = instance.nonrenewable_capacities
    usable = [[k for k, m in enumerate(modes) if all(q <= c for q, c in zip(m.demands, instance.capacities, strict=True))]
              for modes in instance.modes]
    if any(not u for u in usable):
        return None

    def load(mode) -> float:
        return sum(q / max(b, 1) for q, b in zip(mode.nonrenewable, budgets, strict=False))

    chosen = [min(u, key=lambda k, t=t: (load(instance.modes[t][k]), instance.modes[t][k].duration))
              for t, u in enumerate(usable)]
    used = [sum(instance.modes[t][chosen[t]].nonrenewable[k] for t in range(instance.n)) for k in range(len(budgets))]
    if any(u > b for u, b in zip(used, budgets, strict=True)):
        return None
    improved = True
    while improved:
        improved = False
        moves = []
        for t, u in enumerate(usable):
            current = instance.modes[t][chosen[t]]
            for k in u:
                mode = instance.modes[t][k]
                if mode.duration < current.duration and all(
                        used[i] - current.nonrenewable[i] + mode.nonrenewable[i] <= budgets[i] for i in range(len(budgets))):
                    moves.append((current.duration - mode.duration, -t, k))
        if moves:
            _gain, minus_t, k = max(moves)
            t = -minus_t
            old = instance.modes[t][chosen[t]]
            for i in range(len(budgets)):
                used[i] += instance.modes[t][k].nonrenewable[i] - old.nonrenewable[i]
            chosen[t] = k
            improved = True
    return chosen


def project_arrays(instance) -> ProjectArrays | None:
    """Kernel arrays with the mode assignment fixed (None when no mode assignment fits the budgets)."""
    modes = mode_assignment(instance) if instance.multi_mode else None
    if instance.multi_mode and modes is None:
        return None
    return ProjectArrays.for_modes(instance, modes)


def schedule_rows(instance, arrays: ProjectArrays, start: np.ndarray) -> list[dict] | None:
    """Result rows from kernel start times (None when the pass failed)."""
    if start is None or len(start) == 0 or start.min() < 0:
        return None
    rows = []
    for task in range(instance.n):
        row = {"task": task, "start": int(start[task]), "end": int(start[task] + arrays.durations[task])}
        if instance.multi_mode:
            row["mode"] = arrays.modes[task]
        rows.append(row)
    return rows


def rule_schedule(instance, arrays: ProjectArrays, scheme: str, rule: str) -> np.ndarray:
    """One pass of the serial or parallel SGS with a priority rule; starts (all -1 on failure)."""
    priority = priority_values(instance, arrays, rule)
    if scheme == "parallel":
        return sgs.parallel_sgs(priority, *arrays.graph)
    if scheme == "serial":
        order = sgs.priority_list(priority, arrays.pred_ptr, arrays.succ_ptr, arrays.succ_idx)
        return sgs.serial_forward(order, *arrays.graph)
    raise ValueError(f"unknown schedule-generation scheme {scheme!r}: expected serial or parallel")


def forward_backward(arrays: ProjectArrays, start: np.ndarray, max_passes: int = 20) -> np.ndarray:
    """Double justification repeated while it shortens the schedule (never lengthens it)."""
    if start.min() < 0:
        return start
    current = sgs.makespan_of(start, arrays.durations)
    for _ in range(max_passes):
        improved = sgs.justify(start, *arrays.graph)
        value = sgs.makespan_of(improved, arrays.durations)
        if value >= current:
            break
        start, current = improved, value
    return start


def best_rule_schedule(instance, arrays: ProjectArrays) -> np.ndarray:
    """The shortest of the 10 rule schedules (serial and parallel × 5 rules), each justified."""
    best, best_value = None, None
    for scheme in ("serial", "parallel"):
        for rule in RULES:
            start = forward_backward(arrays, rule_schedule(instance, arrays, scheme, rule))
            if start.min() >= 0:
                value = sgs.makespan_of(start, arrays.durations)
                if best_value is None or value < best_value:
                    best, best_value = start, value
    return best if best is not None else np.full(instance.n, -1, dtype=np.int64)


def sampling_schedule(instance, arrays: ProjectArrays, schedules: int = 1000, seed: int = 0, alpha: float = 2.0,
                      time_limit: float | None = None) -> np.ndarray:
    """Regret-based biased random sampling on LFT with forward-backward improvement, serial and
    parallel passes alternating, seeded with the best rule schedule; ``schedules`` SGS passes in
    all (the rule schedules count too), stopped early at ``time_limit`` seconds."""
    started = time.perf_counter()
    best = best_rule_schedule(instance, arrays)
    used = 10 * 3
    priority = priority_values(instance, arrays, "lft")
    chunk = 250
    round_ = 0
    while used < schedules and (time_limit is None or time.perf_counter() - started < time_limit):
        size = min(chunk, schedules - used)
        start = sgs.sample(priority, float(alpha), size, int(seed) * 100_003 + round_, True, *arrays.graph)
        used += size
        round_ += 1
        best = sgs.shorter(start, best, arrays.durations)
    return best


def _finish(instance, method: str, arrays: ProjectArrays | None, start) -> object:
    rows = None if arrays is None else schedule_rows(instance, arrays, start)
    objective = None if rows is None else max((r["end"] for r in rows), default=0)
    return heuristic_result(instance, method, rows, objective)


def _rule_method(scheme: str, rule: str, name: str):
    def run(instance, options: SolveOptions):
        arrays = project_arrays(instance)
        start = None if arrays is None else rule_schedule(instance, arrays, scheme, rule)
        return _finish(instance, name, arrays, start)

    run.__name__ = f"run_{scheme}_{rule}"
    run.__doc__ = f"{scheme.capitalize()} SGS, one pass with the {RULE_NAMES[rule]} rule."
    return run


for _scheme in ("serial", "parallel"):
    for _rule in RULES:
        _name = f"rcpsp/{_scheme}-{_rule}"
        register(_name, ("rcpsp",), "heuristic", f"{_scheme} SGS, {RULE_NAMES[_rule]} rule ({_rule.upper()})")(
            _rule_method(_scheme, _rule, _name))


@register("rcpsp/sgs", ("rcpsp",), "heuristic", "serial SGS with the latest finish time rule (same as rcpsp/serial-lft)")
def run_serial_sgs(instance, options: SolveOptions):
    arrays = project_arrays(instance)
    start = None if arrays is None else rule_schedule(instance, arrays, "serial", "lft")
    return _finish(instance, "rcpsp/sgs", arrays, start)


@register("rcpsp/fbi", ("rcpsp",), "heuristic",
          "best of serial/parallel SGS × 5 priority rules, each with forward-backward improvement")
def run_fbi(instance, options: SolveOptions):
    arrays = project_arrays(instance)
    start = None if arrays is None else best_rule_schedule(instance, arrays)
    return _finish(instance, "rcpsp/fbi", arrays, start)


@register("rcpsp/sampling", ("rcpsp",), "heuristic",
          "regret-biased random sampling (LFT) + forward-backward improvement; params schedules, alpha")
def run_sampling(instance, options: SolveOptions):
    arrays = project_arrays(instance)
    start = None
    if arrays is not None:
        start = sampling_schedule(instance, arrays, schedules=int(options.params.get("schedules", 1000)),
                                  seed=options.seed, alpha=float(options.params.get("alpha", 2.0)),
                                  time_limit=options.time_limit)
    return _finish(instance, "rcpsp/sampling", arrays, start)
