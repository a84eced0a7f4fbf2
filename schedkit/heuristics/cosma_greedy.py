"""COSMA baselines (paper §V-A2): an order × TFLite-style greedy-by-size arena allocation × a
replacement policy, simulated step by step (research notes §2.3).

At each step the operator's missing inputs and outputs are placed largest first, each in the
best-fitting free gap of the scratchpad (TFLite ``ArenaPlanner`` greedy by size, best fit; done
online because spilled tensors come back). A failed placement triggers eviction (not a byte-sum
test, so fragmentation costs traffic as in the paper's baselines):

- ``belady``: evict the unpinned resident tensor used furthest in the future, retry;
- ``bytes`` (the paper's "ILP-based greedy"): evict the set of unpinned tensors that frees a window
  of the needed size at the least traffic (a produced tensor not yet spilled costs 2·size: spill
  plus reload; otherwise size).

Orders: ``given`` (the file's order) or ``minpeak`` (model E1, ``schedkit.solvers.cosma_peak``).
When the operator's own tensors block each other (no window avoids them), they are relocated:
the resident ones are spilled and reloaded, and all are placed again largest first. Dead tensors
(no later use) are dropped for free. Methods ``cosma/greedy-<order>-<policy>`` and
``cosma/greedy`` (the best of the four).
"""

from __future__ import annotations

import bisect

from schedkit.heuristics.common import heuristic_result
from schedkit.registry import register
from schedkit.solvers.cosma_common import cosma_extra, prepare, rows_traffic

POLICIES = ("belady", "bytes")
ORDERS = ("given", "minpeak")


def _best_fit(resident: dict[int, tuple[int, int]], size: int, capacity: int) -> int | None:
    """The start of the smallest free gap that holds ``size`` bytes (lowest address on ties)."""
    cursor, best, best_gap = 0, None, None
    for address, length in sorted(resident.values()):
        gap = address - cursor
        if gap >= size and (best_gap is None or gap < best_gap):
            best, best_gap = cursor, gap
        cursor = max(cursor, address + length)
    gap = capacity - cursor
    if gap >= size and (best_gap is None or gap < best_gap):
        best = cursor
    return best


def simulate(instance, order, capacity: int, weights: bool, policy: str,
             release: dict[int, set[int]] | None = None) -> list[dict] | None:
    """Episode rows of the baseline run, or None when a pinned set does not fit (fragmentation).

    ``release`` (tensor → event steps) spills a tensor right after the event before each listed
    step: a residency plan (e.g. the fixed-schedule byte-count stage) that the run follows, the
    eviction policy acting only when a placement still fails."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}: expected one of {POLICIES}")
    tracked = instance.tracked(weights)
    position = {v: s for s, v in enumerate(order)}
    uses = {t: sorted(position[v] for v in instance.consumers[t]) for t in range(instance.num_tensors) if tracked[t]}
    last_event = {t: max(steps + ([position[instance.producer[t]]] if instance.producer[t] is not None else []))
                  for t, steps in uses.items()}
    event_steps = {t: set(steps) | ({position[instance.producer[t]]} if instance.producer[t] is not None else set())
                   for t, steps in uses.items()}
    resident: dict[int, tuple[int, int]] = {}  # tensor → (address, size)
    opened: dict[int, int] = {}  # tensor → start step of its open episode
    spilled: set[int] = set()
    rows: list[dict] = []

    def close(t: int, end: int) -> None:
        rows.append({"tensor": t, "start": opened.pop(t), "end": end, "address": resident.pop(t)[0]})

    def next_use(t: int, step: int) -> int:
        i = bisect.bisect_right(uses[t], step)
        return uses[t][i] if i < len(uses[t]) else len(order)

    def evict(t: int, step: int) -> None:
        if instance.producer[t] is not None:
            spilled.add(t)
        close(t, step - 1)

    for step, v in enumerate(order):
        for t in [t for t in resident if last_event[t] < step]:
            close(t, step - 1)
        if release:
            for t in [t for t in resident if t in release and next_use(t, step - 1) in release[t]
                      and next_use(t, step - 1) > step and step - 1 in event_steps[t]]:
                evict(t, step)  # the plan breaks the gap that starts now: spill right after its event
        needed = [t for t in (*instance.inputs[v], *instance.outputs[v]) if tracked[t]]
        pinned = set(needed)
        queue = sorted((t for t in needed if t not in resident), key=lambda t: (-instance.sizes[t], t))
        resets = 0
        while queue:
            t = queue.pop(0)
            size = instance.sizes[t]
            address = _best_fit(resident, size, capacity)
            while address is None:
                movable = [u for u in resident if u not in pinned]
                window = None
                if movable and policy == "bytes":
                    window = _cheapest_window(resident, pinned, spilled, instance, size, capacity)
                if not movable or (policy == "bytes" and window is None):
                    # the operator's own tensors block each other: relocate them (a resident one is
                    # spilled and reloaded) and place them all again, largest first
                    if resets == 3:
                        return None
                    resets += 1
                    flush = resets == 2  # second time: clear the whole scratchpad, which always fits In ∪ Out
                    for u in [u for u in resident if u in pinned or flush]:
                        if u not in pinned or opened[u] < step:
                            evict(u, step)
                        else:
                            resident.pop(u)
                            opened.pop(u)
                    queue = sorted(set(queue) | {t} | {u for u in needed if u not in resident},
                                   key=lambda u: (-instance.sizes[u], u))
                    t = queue.pop(0)
                    size = instance.sizes[t]
                elif policy == "belady":
                    victim = max(movable, key=lambda u: (next_use(u, step), instance.sizes[u], -u))
                    evict(victim, step)
                else:
                    for u in window[1]:
                        evict(u, step)
                address = _best_fit(resident, size, capacity)
            resident[t] = (address, size)
            opened[t] = step
    for t in list(resident):
        close(t, len(order) - 1)
    rows.sort(key=lambda r: (r["start"], r["tensor"]))
    return rows


def _cheapest_window(resident, pinned, spilled, instance, size, capacity):
    """(address, tensors to evict) for the window of ``size`` bytes that costs the least traffic
    to clear and overlaps no pinned tensor; None when every window hits a pinned tensor."""
    def cost(u):
        produced_unspilled = instance.producer[u] is not None and u not in spilled
        return instance.sizes[u] * (2 if produced_unspilled else 1)

    candidates = {0, capacity - size} | {a + n for a, n in resident.values() if a + n + size <= capacity}
    best = None
    for start in sorted(candidates):
        if start < 0 or start + size > capacity:
            continue
        hit = [u for u, (a, n) in resident.items() if a < start + size and start < a + n]
        if any(u in pinned for u in hit):
            continue
        value = sum(cost(u) for u in hit)
        if best is None or value < best[0]:
            best = (value, start, hit)
    return None if best is None else (best[1], best[2])


def baseline_order(instance, order_name: str, weights: bool, options) -> list[int]:
    if order_name == "given":
        return list(range(instance.num_operators))
    from schedkit.solvers.cosma_peak import min_peak_order

    return min_peak_order(instance, weights, time_limit=float(options.params.get("mp_time_limit", 10)),
                          threads=options.threads, seed=options.seed).order


def _make(order_name: str, policy: str):
    name = f"cosma/greedy-{order_name}-{policy}"

    def run(instance, options):
        capacity, weights, infeasible = prepare(instance, options, name)
        if infeasible:
            return infeasible
        order = baseline_order(instance, order_name, weights, options)
        rows = simulate(instance, order, capacity, weights, policy)
        result = heuristic_result(instance, name, rows, None if rows is None else rows_traffic(instance, rows))
        result.extra = cosma_extra(capacity, weights, order)
        return result

    order_text = "the given order" if order_name == "given" else "the minimum-peak order (E1)"
    register(name, ("cosma",), "heuristic",
             f"Baseline: {order_text}, greedy-by-size best-fit arena, {policy} eviction on failed placement")(run)
    return run


BASELINES = {(o, p): _make(o, p) for o in ORDERS for p in POLICIES}


@register("cosma/greedy", ("cosma",), "heuristic", "The best of the four baselines cosma/greedy-{given,minpeak}-{belady,bytes}")
def run_best(instance, options):
    results = [run(instance, options) for run in BASELINES.values()]
    found = [r for r in results if r.objective is not None]
    best = min(found, key=lambda r: r.objective) if found else results[0]
    best.extra["baseline"] = best.method
    best.method = "cosma/greedy"
    return best
