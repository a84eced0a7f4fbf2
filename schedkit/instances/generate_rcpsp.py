"""``schedkit generate rcpsp``: R-ConstraintBench-style project instances (Jain & Wetter 2025,
arXiv 2508.15204, §3; re-implementation spec in the shared notes ``papers/rcpsp.md`` §1.5).

Tasks are split into layers; level k of the ramp holds k non-redundant precedence arcs between
layers (an arc i → j is added only when no path i ⇝ j exists). A witness schedule (serial SGS,
LFT) is planted, and then, each with probability ``p_axes`` and in numbers growing with the level,
resource downtime (capacity cut to the witness's use in a window), temporal windows (release date
and deadline around the witness, slack shrinking with the level) and disjunctive pairs (tasks the
witness keeps apart). Every such instance is feasible (the witness proves it). With
``--infeasible`` one conflict is planted on top: a deadline too early for a predecessor chain, two
fixed-window tasks forced to overlap in a disjunctive pair, or a downtime covering a task's whole
window; the instance's name says which.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from schedkit.instances.loader import write_instance
from schedkit.instances.rcpsp import Downtime, Mode, RCPSPInstance

CONFLICTS = ("deadline", "disjunctive", "downtime")


def _reaches(successors: list[set[int]], source: int, target: int) -> bool:
    stack, seen = [source], {source}
    while stack:
        node = stack.pop()
        if node == target:
            return True
        for s in successors[node]:
            if s not in seen:
                seen.add(s)
                stack.append(s)
    return False


def precedence_ramp(layers: list[list[int]], arcs: int, rng: np.random.Generator) -> list[set[int]]:
    """Successor sets with ``arcs`` non-redundant arcs from earlier to later layers."""
    n = sum(len(layer) for layer in layers)
    successors: list[set[int]] = [set() for _ in range(n)]
    layer_of = {t: k for k, layer in enumerate(layers) for t in layer}
    added, attempts = 0, 0
    while added < arcs and attempts < 200 * max(arcs, 1):
        attempts += 1
        i, j = (int(x) for x in rng.choice(n, size=2, replace=False))
        if layer_of[i] > layer_of[j]:
            i, j = j, i
        if layer_of[i] == layer_of[j] or _reaches(successors, i, j):
            continue
        successors[i].add(j)
        added += 1
    return successors


def generate_rcpsp(n: int, layers: int, resources: int, level: int, rng: np.random.Generator, p_axes: float = 0.75,
                   infeasible: str | None = None, name: str = "rcpsp") -> RCPSPInstance:
    """One instance at ramp ``level`` (arcs = level, side constraints growing with it)."""
    from schedkit.heuristics.rcpsp_priority import project_arrays, rule_schedule

    order = rng.permutation(n)
    cuts = sorted(rng.choice(np.arange(1, n), size=min(layers, n) - 1, replace=False)) if layers > 1 else []
    layer_lists = [list(map(int, part)) for part in np.split(order, cuts)]
    successors = precedence_ramp(layer_lists, level, rng)
    durations = rng.integers(1, 11, size=n)
    demands = rng.integers(0, 6, size=(n, resources))
    capacities = np.maximum(demands.max(axis=0), rng.integers(5, 11, size=resources))
    base = RCPSPInstance(name=name, modes=tuple((Mode(int(d), tuple(int(q) for q in row)),) for d, row in
                                                 zip(durations, demands, strict=True)),
                         successors=tuple(tuple(sorted(s)) for s in successors), capacities=tuple(int(c) for c in capacities))
    arrays = project_arrays(base)
    start = [int(s) for s in rule_schedule(base, arrays, "serial", "lft")]
    end = [s + int(d) for s, d in zip(start, durations, strict=True)]
    makespan = max(end)
    strength = level / (level + 10)  # 0 → 1 along the ramp
    downtimes, release, deadline, pairs = [], None, None, []
    if rng.random() < p_axes:  # downtime: capacity cut to the witness's use inside a window
        for _ in range(1 + level // 5):
            r = int(rng.integers(resources))
            a = int(rng.integers(0, max(1, makespan)))
            b = a + int(rng.integers(1, 6))
            used = max(sum(int(demands[t, r]) for t in range(n) if start[t] <= tau < end[t]) for tau in range(a, b))
            if used < capacities[r]:
                downtimes.append(Downtime(r, a, b, used))
    if rng.random() < p_axes:  # temporal windows around the witness, tighter at higher levels
        slack_max = max(0, round(10 * (1 - strength)))
        release = [max(0, s - int(rng.integers(0, slack_max + 1))) for s in start]
        deadline = [e + int(rng.integers(0, slack_max + 1)) for e in end]
        chosen = rng.random(n) < 0.2 + 0.6 * strength  # more tasks windowed at higher levels
        release = [r if c else 0 for r, c in zip(release, chosen, strict=True)]
        deadline = [d if c else None for d, c in zip(deadline, chosen, strict=True)]
    if rng.random() < p_axes:  # disjunctive pairs the witness keeps apart
        candidates = [(a, b) for a in range(n) for b in range(a + 1, n)
                      if (end[a] <= start[b] or end[b] <= start[a]) and b not in successors[a] and a not in successors[b]]
        count = min(len(candidates), 1 + level // 3)
        for k in rng.choice(len(candidates), size=count, replace=False) if candidates else []:
            pairs.append(candidates[int(k)])
    if infeasible is not None:
        release = release or [0] * n
        deadline = deadline or [None] * n
        _plant_conflict(infeasible, n, successors, start, end, durations, demands, capacities, release, deadline,
                        downtimes, pairs, rng)
    return RCPSPInstance(name=name, modes=base.modes, successors=base.successors, capacities=base.capacities,
                         release_dates=None if release is None else tuple(release),
                         deadlines=None if deadline is None else tuple(deadline),
                         downtimes=tuple(downtimes), disjunctive=tuple(pairs))


def _plant_conflict(kind, n, successors, start, end, durations, demands, capacities, release, deadline, downtimes,
                    pairs, rng) -> None:
    """Make the instance infeasible with one conflict of the given kind (lists edited in place)."""
    if kind == "deadline":
        arcs = [(i, j) for i in range(n) for j in successors[i]]
        if arcs:
            i, j = arcs[int(rng.integers(len(arcs)))]
            release[i] = start[i]
            deadline[j] = start[i] + int(durations[i]) + int(durations[j]) - 1  # j cannot finish after i in time
        else:
            deadline[0] = int(durations[0]) - 1 + release[0]
            release[0] = release[0] + 1
    elif kind == "disjunctive":
        a, b = (int(x) for x in rng.choice(n, size=2, replace=False))
        # both pinned to the same start, and they may not overlap
        t = max(release[a], release[b], 0)
        for task in (a, b):
            release[task] = t
            deadline[task] = t + int(durations[task])
        pairs.append((min(a, b), max(a, b)))
    elif kind == "downtime":
        users = [t for t in range(n) if demands[t].max() > 0]
        task = users[int(rng.integers(len(users)))] if users else 0
        r = int(np.argmax(demands[task]))
        release[task] = start[task]
        deadline[task] = end[task]
        downtimes.append(Downtime(r, start[task], end[task], int(demands[task, r]) - 1))
    else:
        raise ValueError(f"unknown conflict {kind!r}: expected one of {CONFLICTS}")


@click.command("rcpsp")
@click.option("--tasks", type=click.IntRange(2), default=20, show_default=True, help="Number of tasks.")
@click.option("--layers", type=click.IntRange(1), default=5, show_default=True, help="Layers of the project DAG.")
@click.option("--resources", type=click.IntRange(1), default=3, show_default=True)
@click.option("--levels", type=click.IntRange(1), default=10, show_default=True,
              help="Ramp length: level k has k precedence arcs and more side constraints.")
@click.option("--p-axes", type=click.FloatRange(0, 1), default=0.75, show_default=True,
              help="Probability that each side-constraint family (downtime, windows, disjunctive) is present.")
@click.option("--infeasible", type=click.Choice((*CONFLICTS, "mixed")), default=None,
              help="Plant one conflict of this kind in every instance (mixed: cycle through the kinds).")
@click.option("--count", type=click.IntRange(1), default=1, show_default=True, help="Instances per level.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for the native JSON files.")
def command(tasks, layers, resources, levels, p_axes, infeasible, count, seed, out_dir):
    """R-ConstraintBench-style RCPSP instances (native JSON), one per level and index."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = 0
    for level in range(1, levels + 1):
        for index in range(1, count + 1):
            kind = CONFLICTS[written % len(CONFLICTS)] if infeasible == "mixed" else infeasible
            name = f"rcb_n{tasks}_l{level}_{index}" + (f"_infeasible_{kind}" if kind else "")
            instance = generate_rcpsp(tasks, layers, resources, level, rng, p_axes, kind, name)
            write_instance(instance, folder / f"{name}.json")
            written += 1
    click.echo(f"{written} instances written to {folder}")
