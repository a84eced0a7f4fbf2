"""COSMA fixed-schedule "episode" models: which gaps between a tensor's uses stay resident, and where.

With the operator order fixed (COSMA-FS, Eq. 16–17 of Li, Gupta, Malik, arXiv 2311.18246), a
tensor need only be resident at its events (production, or first read for inputs/weights, and
each read). Without loss of generality a reload happens exactly at a use and a spill right after
the previous event, so the decisions are one ``keep`` bit per gap between consecutive events
(research notes §1.6): a kept gap keeps the tensor resident at one address; a broken gap costs one
reload (plus the single spill of a produced tensor). Traffic of tensor a with b broken gaps:
size·(b + [b > 0]) when a is produced, size·b when the host already holds it (input, weight).

Builders here are pure: instance in, CpModel / Pyomo model out. Three of them:

- ``byte_model``: stage 1, capacity as a byte sum per step (no addresses), a lower bound;
- ``address_model``: stage 2, addresses for fixed runs (``AddNoOverlap2D`` over time × address);
- ``box_model``: the single exact CP-SAT model, one box per event stretching over the following
  gap when kept; ``episode_mip``: the same model as a big-M MIP for Pyomo/HiGHS.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model


@dataclass(frozen=True)
class TensorEvents:
    tensor: int
    size: int
    steps: tuple[int, ...]  # event steps, increasing
    produced: bool  # False for graph inputs and weights (the host holds them; no spill needed)


@dataclass(frozen=True)
class EpisodeData:
    """Event steps of every tracked tensor under a fixed order (positions in ``order``)."""

    order: tuple[int, ...]
    tensors: tuple[TensorEvents, ...]
    num_steps: int

    def gaps(self):
        """(tensor index in ``tensors``, gap j between steps[j] and steps[j + 1])."""
        for k, ev in enumerate(self.tensors):
            for j in range(len(ev.steps) - 1):
                yield k, j

    def mandatory_bytes(self) -> list[int]:
        """Bytes that must be resident at each step: In(v) ∪ Out(v) of the operator there."""
        need = [0] * self.num_steps
        for ev in self.tensors:
            for s in ev.steps:
                need[s] += ev.size
        return need

    def cost(self, k: int, broken: int) -> int:
        ev = self.tensors[k]
        if broken == 0:
            return 0
        return ev.size * (broken + 1 if ev.produced else broken)

    def runs(self, keep: dict[tuple[int, int], bool]) -> list[tuple[int, int, int, int]]:
        """Maximal kept runs (tensor index, first event index, last event index, tensor id)."""
        out = []
        for k, ev in enumerate(self.tensors):
            first = 0
            for j in range(len(ev.steps) - 1):
                if not keep[k, j]:
                    out.append((k, first, j, ev.tensor))
                    first = j + 1
            out.append((k, first, len(ev.steps) - 1, ev.tensor))
        return out


def episode_data(instance, order, weights: bool) -> EpisodeData:
    """The events of every tracked tensor when the operators run in ``order``."""
    order = tuple(order)
    position = {v: s for s, v in enumerate(order)}
    tracked = instance.tracked(weights)
    tensors = []
    for t in range(instance.num_tensors):
        if not tracked[t]:
            continue
        steps = sorted(position[v] for v in instance.consumers[t])
        producer = instance.producer[t]
        if producer is not None:
            steps.insert(0, position[producer])
        tensors.append(TensorEvents(t, instance.sizes[t], tuple(steps), producer is not None))
    return EpisodeData(order, tuple(tensors), len(order))


def _add_objective_terms(model: cp_model.CpModel, data: EpisodeData, keep: dict):
    """Traffic as a linear expression of the keep bits (one 'any gap broken' bit per produced tensor)."""
    terms = []
    for k, ev in enumerate(data.tensors):
        gaps = [keep[k, j] for j in range(len(ev.steps) - 1)]
        if not gaps:
            continue
        terms.extend(ev.size * (1 - g) for g in gaps)
        if ev.produced:
            spilled = model.NewBoolVar(f"spilled_{ev.tensor}")
            for g in gaps:
                model.AddImplication(g.Not(), spilled)
            terms.append(ev.size * spilled)
    return sum(terms)


def byte_model(data: EpisodeData, capacity: int):
    """Stage 1: min traffic s.t. at each step the resident bytes fit ``capacity`` (no addresses).

    Returns (model, keep) with ``keep[(k, j)]`` the BoolVar of gap j of tensor index k. Its optimum
    is a lower bound of the fixed-schedule optimum (fragmentation is ignored).
    """
    model = cp_model.CpModel()
    keep = {(k, j): model.NewBoolVar(f"keep_{data.tensors[k].tensor}_{j}") for k, j in data.gaps()}
    base = data.mandatory_bytes()
    over: list[list] = [[] for _ in range(data.num_steps)]
    for (k, j), var in keep.items():
        ev = data.tensors[k]
        for s in range(ev.steps[j] + 1, ev.steps[j + 1]):
            over[s].append(ev.size * var)
    if max(base, default=0) > capacity:
        raise ValueError(f"capacity {capacity} is below M_R ({max(base)}): no schedule exists")
    for s in range(data.num_steps):
        if over[s]:
            model.Add(sum(over[s]) <= capacity - base[s])
    model.Minimize(_add_objective_terms(model, data, keep))
    return model, keep


def address_model(data: EpisodeData, runs: list[tuple[int, int, int, int]], capacity: int):
    """Stage 2: an address for each fixed run, runs that share a step disjoint in address.

    Returns (model, address) with ``address[i]`` the IntVar of ``runs[i]``; no objective.
    """
    model = cp_model.CpModel()
    time_boxes, space_boxes, address = [], [], []
    for k, first, last, tensor in runs:
        ev = data.tensors[k]
        start, end = ev.steps[first], ev.steps[last] + 1
        x = model.NewIntVar(0, capacity - ev.size, f"address_{tensor}_{first}")
        address.append(x)
        time_boxes.append(model.NewIntervalVar(start, end - start, end, f"time_{tensor}_{first}"))
        space_boxes.append(model.NewIntervalVar(x, ev.size, x + ev.size, f"space_{tensor}_{first}"))
    model.AddNoOverlap2D(time_boxes, space_boxes)
    return model, address


def box_model(data: EpisodeData, capacity: int):
    """The exact fixed-schedule model in CP-SAT: one mandatory box per event, stretching over the
    following gap when that gap is kept (same address on both sides); ``AddNoOverlap2D`` over
    time × address, plus ``AddCumulative`` as a redundant byte-count cut.

    Returns (model, keep, address) with ``address[(k, i)]`` the address of event i of tensor k.
    """
    model = cp_model.CpModel()
    keep, address = {}, {}
    time_boxes, space_boxes, sizes = [], [], []
    for k, ev in enumerate(data.tensors):
        for i, step in enumerate(ev.steps):
            x = model.NewIntVar(0, capacity - ev.size, f"address_{ev.tensor}_{i}")
            address[k, i] = x
            if i + 1 < len(ev.steps):
                kept = model.NewBoolVar(f"keep_{ev.tensor}_{i}")
                keep[k, i] = kept
                gap = ev.steps[i + 1] - step
                length = model.NewIntVar(1, gap, f"length_{ev.tensor}_{i}")
                model.Add(length == 1 + (gap - 1) * kept)
                end = model.NewIntVar(step + 1, step + gap, f"end_{ev.tensor}_{i}")
                box = model.NewIntervalVar(step, length, end, f"time_{ev.tensor}_{i}")
            else:
                box = model.NewIntervalVar(step, 1, step + 1, f"time_{ev.tensor}_{i}")
            time_boxes.append(box)
            space_boxes.append(model.NewIntervalVar(x, ev.size, x + ev.size, f"space_{ev.tensor}_{i}"))
            sizes.append(ev.size)
        for i in range(len(ev.steps) - 1):
            model.Add(address[k, i] == address[k, i + 1]).OnlyEnforceIf(keep[k, i])
    model.AddNoOverlap2D(time_boxes, space_boxes)
    model.AddCumulative(time_boxes, sizes, capacity)
    model.Minimize(_add_objective_terms(model, data, keep))
    return model, keep, address


def episode_mip(data: EpisodeData, capacity: int):
    """The same exact model as a MIP (Pyomo): keep bits, one address per event box, and big-M
    non-overlap for each pair of boxes that may share a step, active when they do (research notes
    §1.6; the order bit o replaces COSMA's u/d pair, M = capacity since address + size ≤ capacity).

    Returns (model, keep, address, boxes) where ``boxes[(k, i)] = (start, potential end)``.
    """
    import pyomo.environ as pyo

    model = pyo.ConcreteModel(name="cosma_episode_mip")
    box_keys = [(k, i) for k, ev in enumerate(data.tensors) for i in range(len(ev.steps))]
    gap_keys = list(data.gaps())
    produced = [k for k, ev in enumerate(data.tensors) if ev.produced and len(ev.steps) > 1]
    model.keep = pyo.Var(gap_keys, domain=pyo.Binary)
    model.spilled = pyo.Var(produced, domain=pyo.Binary)
    model.address = pyo.Var(box_keys, domain=pyo.NonNegativeReals,
                            bounds=lambda m, k, i: (0, capacity - data.tensors[k].size))
    model.rules = pyo.ConstraintList()
    for k, j in gap_keys:
        if k in model.spilled:
            model.rules.add(model.spilled[k] >= 1 - model.keep[k, j])
        # kept gap ⇒ same address on both sides
        model.rules.add(model.address[k, j] - model.address[k, j + 1] <= capacity * (1 - model.keep[k, j]))
        model.rules.add(model.address[k, j + 1] - model.address[k, j] <= capacity * (1 - model.keep[k, j]))
    # byte count per step: a redundant cut that gives the LP a useful bound
    base = data.mandatory_bytes()
    over: list[list] = [[] for _ in range(data.num_steps)]
    for k, j in gap_keys:
        ev = data.tensors[k]
        for s in range(ev.steps[j] + 1, ev.steps[j + 1]):
            over[s].append((ev.size, (k, j)))
    for s in range(data.num_steps):
        if over[s]:
            model.rules.add(sum(size * model.keep[g] for size, g in over[s]) <= capacity - base[s])
    boxes = {}
    for k, i in box_keys:
        ev = data.tensors[k]
        boxes[k, i] = (ev.steps[i], ev.steps[i + 1] - 1 if i + 1 < len(ev.steps) else ev.steps[i])
    pairs = []
    ordered = sorted(box_keys, key=lambda b: boxes[b][0])
    for n, p in enumerate(ordered):
        start_p, reach_p = boxes[p]
        for q in ordered[n + 1:]:
            start_q = boxes[q][0]
            if start_q > reach_p:
                break
            if p[0] == q[0]:
                continue
            # both surely resident at a shared start; otherwise q starts inside p's gap: only when p keeps it
            pairs.append((p, q, None if start_q == start_p else p))
    model.pair_index = pyo.RangeSet(0, len(pairs) - 1) if pairs else pyo.Set(initialize=[])
    model.below = pyo.Var(model.pair_index, domain=pyo.Binary)
    for n, (p, q, gate) in enumerate(pairs):
        inactive = 0 if gate is None else capacity * (1 - model.keep[gate])
        size_p, size_q = data.tensors[p[0]].size, data.tensors[q[0]].size
        model.rules.add(model.address[p] + size_p <= model.address[q] + capacity * (1 - model.below[n]) + inactive)
        model.rules.add(model.address[q] + size_q <= model.address[p] + capacity * model.below[n] + inactive)
    traffic = sum(data.tensors[k].size * (1 - model.keep[k, j]) for k, j in gap_keys)
    traffic += sum(data.tensors[k].size * model.spilled[k] for k in produced)
    model.traffic = pyo.Objective(expr=traffic, sense=pyo.minimize)
    return model, model.keep, model.address, boxes
