"""Simple lower bounds and size figures per family, for ``schedkit info`` and gaps."""

from __future__ import annotations

import math

import networkx as nx


def critical_path_bound(instance) -> int:
    """Longest path through the precedence graph with the shortest mode durations (networkx)."""
    graph = nx.DiGraph()
    shortest = [min(m.duration for m in modes) for modes in instance.modes]
    release = instance.release_dates or [0] * instance.n
    graph.add_node("source")
    for task in range(instance.n):
        graph.add_edge("source", task, weight=release[task])
        graph.add_edge(task, ("end", task), weight=shortest[task])
        for s in instance.successors[task]:
            graph.add_edge(("end", task), s, weight=0)
    return int(nx.dag_longest_path_length(graph, weight="weight"))


def energy_bound(instance) -> int:
    """For each renewable resource: ceil(total work / capacity)."""
    best = 0
    for r, capacity in enumerate(instance.capacities):
        work = sum(min(m.duration * m.demands[r] for m in modes) for modes in instance.modes)
        if capacity > 0:
            best = max(best, math.ceil(work / capacity))
    return best


def fjsp_bound(instance) -> int:
    """max(longest job on its fastest machines, ceil(total shortest work / machines),
    the work that only one machine can do, per machine)."""
    job_bound = max((sum(min(e.values()) for e in ops) for ops in instance.jobs), default=0)
    total = sum(min(e.values()) for _, _, e in instance.operations())
    forced = [0] * instance.num_machines
    for _, _, eligible in instance.operations():
        if len(eligible) == 1:
            (machine, time), = eligible.items()
            forced[machine] += time
    return max(job_bound, math.ceil(total / instance.num_machines), max(forced, default=0))


def smtt_bound(instance) -> int:
    """Each job's tardiness if it ran first: sum w_j max(0, p_j - d_j) (weak, but valid)."""
    return sum(w * max(0, p - d) for p, d, w in zip(instance.p, instance.d, instance.weights, strict=True))


def describe(instance) -> dict:
    """Size figures and lower bounds of an instance, as shown by ``schedkit info``."""
    info: dict = {"problem": instance.problem, "name": instance.name}
    if instance.problem == "smtt":
        info |= {"jobs": instance.n, "weighted": instance.weighted, "total_processing_time": sum(instance.p),
                 "lower_bound": smtt_bound(instance)}
    elif instance.problem == "rcpsp":
        info |= {"tasks": instance.n, "resources": instance.num_resources, "multi_mode": instance.multi_mode,
                 "precedences": sum(len(s) for s in instance.successors),
                 "critical_path_bound": critical_path_bound(instance), "energy_bound": energy_bound(instance)}
        info["lower_bound"] = max(info["critical_path_bound"], info["energy_bound"])
    elif instance.problem in ("fjsp", "jssp"):
        from schedkit.solvers.fjsp_bound import fjsp_lower_bound  # HiGHS LP, imported only when needed

        flexibility = sum(len(e) for _, _, e in instance.operations()) / max(1, instance.num_operations)
        info |= {"jobs": instance.num_jobs, "machines": instance.num_machines,
                 "operations": instance.num_operations, "flexibility": round(flexibility, 3),
                 "lower_bound": fjsp_lower_bound(instance)}
    elif instance.problem == "cosma":
        info |= instance.summary()  # sizes and budgets; a traffic bound depends on the capacity chosen
    return info


def lower_bound(instance) -> int | None:
    return describe(instance).get("lower_bound")
