"""Dispatching rules for the (flexible) job shop: an operation rule picks one of the next
operations of the jobs, a machine rule picks its machine; the schedule is built append-only.

Operation rules are time-aware (non-delay): at each step only the operations that can start at the
earliest possible start time t* compete (Giffler & Thompson 1960's non-delay set), except ``est``,
which takes the (operation, machine) pair that starts earliest (ties: earliest end, most work
remaining). Rules as in Zhang, Gao & Shi (2011, ESWA 38:3563) and the DANIEL FJSP-DRL code
(see ``fjsp_rho.md`` §4): FIFO (earliest job-ready time), MWKR (most work remaining, minimum
processing times), MOR (most operations remaining), SPT (shortest minimum processing time).
Machine rules: earliest end (``eet``), shortest processing time (``spt``), least loaded
(``load``: cumulated load + processing time).
"""

from __future__ import annotations

from schedkit.heuristics.common import heuristic_result
from schedkit.heuristics.fjsp_improve import improve, makespan
from schedkit.registry import SolveOptions, register

OPERATION_RULES = ("est", "fifo", "mwkr", "mor", "spt")
MACHINE_RULES = ("eet", "spt", "load")


def dispatch(instance, operation_rule: str = "est", machine_rule: str = "eet") -> list[dict]:
    """A complete schedule (one row per operation) built by the two rules; ties by job, then machine."""
    if operation_rule not in OPERATION_RULES or machine_rule not in MACHINE_RULES:
        raise ValueError(f"unknown rule {operation_rule}/{machine_rule}: expected {OPERATION_RULES} × {MACHINE_RULES}")
    jobs = instance.jobs
    shortest = [[min(e.values()) for e in ops] for ops in jobs]
    work_left = [sum(times) for times in shortest]
    job_ready = [0] * len(jobs)
    machine_free = [0] * instance.num_machines
    load = [0] * instance.num_machines
    next_op = [0] * len(jobs)
    active = [j for j, ops in enumerate(jobs) if ops]
    rows = []
    while active:
        if operation_rule == "est":
            # the operation that starts earliest on the machine its machine rule gives it
            best = None
            for j in active:
                m = _choose_machine(jobs[j][next_op[j]], job_ready[j], machine_free, load, machine_rule)
                start = max(job_ready[j], machine_free[m])
                key = (start, start + jobs[j][next_op[j]][m], -work_left[j], j)
                if best is None or key < best:
                    best = key
            job = best[3]
        else:
            earliest = {j: min(max(job_ready[j], machine_free[m]) for m in jobs[j][next_op[j]]) for j in active}
            t_star = min(earliest.values())
            ready = [j for j in active if earliest[j] == t_star]
            if operation_rule == "fifo":
                job = min(ready, key=lambda j: (job_ready[j], j))
            elif operation_rule == "mwkr":
                job = min(ready, key=lambda j: (-work_left[j], j))
            elif operation_rule == "mor":
                job = min(ready, key=lambda j: (next_op[j] - len(jobs[j]), j))
            else:  # spt
                job = min(ready, key=lambda j: (shortest[j][next_op[j]], j))
        o = next_op[job]
        eligible = jobs[job][o]
        chosen_machine = _choose_machine(eligible, job_ready[job], machine_free, load, machine_rule)
        time = eligible[chosen_machine]
        start = max(job_ready[job], machine_free[chosen_machine])
        rows.append({"job": job, "op": o, "machine": chosen_machine, "start": start, "end": start + time})
        job_ready[job] = machine_free[chosen_machine] = start + time
        load[chosen_machine] += time
        work_left[job] -= shortest[job][o]
        next_op[job] += 1
        if next_op[job] == len(jobs[job]):
            active.remove(job)
    return rows


def _choose_machine(eligible: dict, ready: int, machine_free: list, load: list, rule: str) -> int:
    def end(m):
        return max(ready, machine_free[m]) + eligible[m]

    if rule == "eet":
        return min(eligible, key=lambda m: (end(m), m))
    if rule == "spt":
        return min(eligible, key=lambda m: (eligible[m], end(m), m))
    return min(eligible, key=lambda m: (load[m] + eligible[m], end(m), m))


def best_dispatch(instance, rules=None, local_search: bool = True) -> tuple[list[dict], str]:
    """Run every (operation rule, machine rule) pair, improve each by ``improve`` when asked,
    keep the schedule with the smallest makespan. Returns (schedule, "op/machine" of the winner)."""
    rules = rules or [(o, m) for o in OPERATION_RULES for m in MACHINE_RULES]
    best, best_name = None, None
    for operation_rule, machine_rule in rules:
        rows = dispatch(instance, operation_rule, machine_rule)
        if local_search:
            rows = improve(instance, rows)
        if best is None or makespan(rows) < makespan(best):
            best, best_name = rows, f"{operation_rule}/{machine_rule}"
    return best, best_name


@register("fjsp/dispatch", ("fjsp", "jssp"), "heuristic",
          "dispatching rule (params op_rule=est|fifo|mwkr|mor|spt, machine_rule=eet|spt|load)")
def run_dispatch(instance, options: SolveOptions):
    rows = dispatch(instance, options.params.get("op_rule", "est"), options.params.get("machine_rule", "eet"))
    return heuristic_result(instance, "fjsp/dispatch", rows, makespan(rows))


@register("fjsp/dispatch-best", ("fjsp", "jssp"), "heuristic",
          "best of all 15 rule pairs, each improved by left-shift and machine reassignment")
def run_best_dispatch(instance, options: SolveOptions):
    rows, rule = best_dispatch(instance, local_search=options.params.get("local_search", True))
    result = heuristic_result(instance, "fjsp/dispatch-best", rows, makespan(rows))
    result.extra["rule"] = rule
    return result
