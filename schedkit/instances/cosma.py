"""COSMA instances: a DNN operator graph with tensor sizes, and its memory budgets.

COSMA (Li, Gupta, Malik, "Combined Scheduling, Memory Allocation and Tensor Replacement for
Minimizing Off-Chip Data Accesses of DNN Accelerators", arXiv 2311.18246) runs the operators of a
DAG one per step on an accelerator with a scratchpad of ``capacity`` bytes. The instance is the
graph only; the capacity is chosen per run (bytes, or a named budget, §V-A of the paper):

- ``M_R``: the largest In(v) ∪ Out(v) of one operator (§III-D); below it nothing runs;
- ``peak``: the peak live bytes of the given order without spilling;
- ``M_H``: (M_R + peak of the given order) / 2 (the paper takes M_P in place of the peak);
- ``M_P``: the minimum peak over all orders (model E1, ``schedkit.solvers.cosma_peak``).

``weights=True`` tracks the weight tensors too (the paper's activation + parameter setting).
The native graph JSON format is described in ``instances/cosma/README.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import networkx as nx

from schedkit.errors import InstanceError

KINDS = ("input", "weight", "activation", "output")


@dataclass(frozen=True)
class CosmaInstance:
    """Operators (in the given execution order) reading and writing tensors of known byte size.

    ``sizes[t]`` and ``kinds[t]`` per tensor; ``inputs[v]`` / ``outputs[v]`` per operator. Inputs
    and weights are produced by no operator (the host holds them); activations and outputs by
    exactly one. The list order of the operators is a valid topological order (the given schedule).
    """

    name: str
    sizes: tuple[int, ...]
    kinds: tuple[str, ...]
    inputs: tuple[tuple[int, ...], ...]
    outputs: tuple[tuple[int, ...], ...]
    operator_names: tuple[str, ...] = ()
    tensor_names: tuple[str, ...] = ()

    problem = "cosma"

    def __post_init__(self):
        check_graph(self, None)

    # -- sizes ---------------------------------------------------------------------------------
    @property
    def num_operators(self) -> int:
        return len(self.inputs)

    @property
    def num_tensors(self) -> int:
        return len(self.sizes)

    @cached_property
    def producer(self) -> tuple[int | None, ...]:
        """The operator producing each tensor (None for inputs and weights)."""
        producer: list[int | None] = [None] * self.num_tensors
        for v, outs in enumerate(self.outputs):
            for t in outs:
                producer[t] = v
        return tuple(producer)

    @cached_property
    def consumers(self) -> tuple[tuple[int, ...], ...]:
        """The operators reading each tensor, in the given order."""
        readers: list[list[int]] = [[] for _ in range(self.num_tensors)]
        for v, ins in enumerate(self.inputs):
            for t in ins:
                readers[t].append(v)
        return tuple(tuple(r) for r in readers)

    def tracked(self, weights: bool) -> tuple[bool, ...]:
        """Which tensors live in the scratchpad: all but the weights, or all with ``weights``."""
        return tuple(weights or kind != "weight" for kind in self.kinds)

    def operator_tensors(self, v: int, weights: bool) -> list[int]:
        """The tracked tensors operator v needs resident when it runs: In(v) ∪ Out(v)."""
        tracked = self.tracked(weights)
        return [t for t in (*self.inputs[v], *self.outputs[v]) if tracked[t]]

    def operator_bytes(self, v: int, weights: bool) -> int:
        return sum(self.sizes[t] for t in self.operator_tensors(v, weights))

    def graph(self) -> nx.DiGraph:
        """The operator DAG: u → v when v reads a tensor u produces (edge attribute ``tensors``)."""
        dag = nx.DiGraph()
        dag.add_nodes_from(range(self.num_operators))
        for v, ins in enumerate(self.inputs):
            for t in ins:
                u = self.producer[t]
                if u is not None:
                    if dag.has_edge(u, v):
                        dag[u][v]["tensors"].append(t)
                    else:
                        dag.add_edge(u, v, tensors=[t])
        return dag

    # -- budgets (paper §III-D, §V-A) ----------------------------------------------------------
    def m_r(self, weights: bool = False) -> int:
        """M_R: the most bytes one operator needs resident at once."""
        return max(self.operator_bytes(v, weights) for v in range(self.num_operators))

    def critical_operator(self, weights: bool = False) -> int:
        """An operator that needs M_R bytes."""
        return max(range(self.num_operators), key=lambda v: self.operator_bytes(v, weights))

    def live_bytes(self, order: list[int] | tuple[int, ...], weights: bool = False) -> list[int]:
        """Live bytes per step when the operators run in ``order`` and nothing is spilled: a tensor
        is live from its first event (production, or first read for inputs and weights) to its last."""
        position = {v: s for s, v in enumerate(order)}
        delta = [0] * (len(order) + 1)
        for t, is_tracked in enumerate(self.tracked(weights)):
            if not is_tracked:
                continue
            steps = [position[v] for v in self.consumers[t]]
            if self.producer[t] is not None:
                steps.append(position[self.producer[t]])
            delta[min(steps)] += self.sizes[t]
            delta[max(steps) + 1] -= self.sizes[t]
        live, total = [], 0
        for s in range(len(order)):
            total += delta[s]
            live.append(total)
        return live

    def peak(self, order: list[int] | tuple[int, ...] | None = None, weights: bool = False) -> int:
        """Peak live bytes of ``order`` (the given order by default) without spilling."""
        return max(self.live_bytes(range(self.num_operators) if order is None else order, weights))

    def m_h(self, weights: bool = False) -> int:
        """M_H as the issue fixes it: (M_R + peak of the given order) // 2."""
        return (self.m_r(weights) + self.peak(None, weights)) // 2

    def summary(self) -> dict:
        return {"operators": self.num_operators, "tensors": self.num_tensors,
                "weights": sum(k == "weight" for k in self.kinds),
                "M_R": self.m_r(False), "peak": self.peak(None, False),
                "M_R_weights": self.m_r(True), "peak_weights": self.peak(None, True)}

    # -- native JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        tensors = []
        for t, (size, kind) in enumerate(zip(self.sizes, self.kinds, strict=True)):
            row = {"id": t, "size": size, "kind": kind}
            if self.tensor_names and self.tensor_names[t]:
                row["name"] = self.tensor_names[t]
            tensors.append(row)
        operators = [{"id": v, "name": self.operator_names[v] if self.operator_names else str(v),
                      "inputs": list(self.inputs[v]), "outputs": list(self.outputs[v])}
                     for v in range(self.num_operators)]
        return {"name": self.name, "units": "bytes", "tensors": tensors, "operators": operators}

    @classmethod
    def from_dict(cls, data: dict, path: str | Path | None = None) -> CosmaInstance:
        return parse_graph(data, path)


def _fail(path, message: str):
    raise InstanceError(path, None, message)


def parse_graph(data: dict, path: str | Path | None = None) -> CosmaInstance:
    """A CosmaInstance from the native graph JSON object (``instances/cosma/README.md``); raises
    InstanceError naming the file and the offending operator or tensor."""
    if not isinstance(data, dict):
        _fail(path, "expected a JSON object with \"tensors\" and \"operators\"")
    for key in ("tensors", "operators"):
        if not isinstance(data.get(key), list):
            _fail(path, f"expected a list \"{key}\"")
    if data.get("units", "bytes") != "bytes":
        _fail(path, f"units must be \"bytes\", got {data.get('units')!r}")
    sizes, kinds, tensor_names = [], [], []
    for position, tensor in enumerate(data["tensors"]):
        what = f"tensor {tensor.get('id', position) if isinstance(tensor, dict) else position}"
        if not isinstance(tensor, dict) or tensor.get("id") != position:
            _fail(path, f"{what}: expected an object with \"id\": {position} (ids run 0..n-1 in list order)")
        size = tensor.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            _fail(path, f"{what} ({tensor.get('name', '')}): size must be an integer >= 1, got {size!r}")
        if tensor.get("kind") not in KINDS:
            _fail(path, f"{what}: kind must be one of {', '.join(KINDS)}, got {tensor.get('kind')!r}")
        sizes.append(size)
        kinds.append(tensor["kind"])
        tensor_names.append(str(tensor.get("name", "")))
    num_tensors = len(sizes)
    inputs, outputs, names = [], [], []
    for position, op in enumerate(data["operators"]):
        if not isinstance(op, dict) or op.get("id") != position:
            _fail(path, f"operator {position}: expected an object with \"id\": {position} (ids run 0..m-1 in list order)")
        label = f"operator {position} ({op.get('name', '')})"
        lists = []
        for key in ("inputs", "outputs"):
            ids = op.get(key)
            if not isinstance(ids, list) or not all(isinstance(t, int) and not isinstance(t, bool) for t in ids):
                _fail(path, f"{label}: \"{key}\" must be a list of tensor ids")
            for t in ids:
                if not 0 <= t < num_tensors:
                    _fail(path, f"{label}: {key[:-1]} tensor {t} does not exist (tensors 0..{num_tensors - 1})")
            lists.append(tuple(ids))
        inputs.append(lists[0])
        outputs.append(lists[1])
        names.append(str(op.get("name", position)))
    return _with_path(path, sizes, kinds, inputs, outputs, names, tensor_names, data)


def _with_path(path, sizes, kinds, inputs, outputs, names, tensor_names, data) -> CosmaInstance:
    try:
        return CosmaInstance(
            name=str(data.get("name") or (Path(path).stem if path else "cosma")),
            sizes=tuple(sizes), kinds=tuple(kinds), inputs=tuple(inputs), outputs=tuple(outputs),
            operator_names=tuple(names), tensor_names=tuple(tensor_names),
        )
    except InstanceError as error:
        raise InstanceError(path, None, error.detail) from None


def check_graph(instance: CosmaInstance, path) -> None:
    """The invariants of the graph format; the first broken one raises InstanceError naming the
    operator or tensor: one producer per tensor, sizes >= 1, every operator with an input and an output,
    every read tensor produced or an input/weight, every input/weight read, no cycle, the given order
    topological."""
    n, m = len(instance.sizes), len(instance.inputs)
    if len(instance.kinds) != n or len(instance.outputs) != m:
        _fail(path, "sizes/kinds and inputs/outputs must have matching lengths")

    def op_label(v: int) -> str:
        return f"operator {v} ({instance.operator_names[v]})" if instance.operator_names else f"operator {v}"

    def tensor_label(t: int) -> str:
        name = instance.tensor_names[t] if instance.tensor_names else ""
        return f"tensor {t} ({name})" if name else f"tensor {t}"

    for t, size in enumerate(instance.sizes):
        if size < 1:
            _fail(path, f"{tensor_label(t)}: size {size} < 1")
        if instance.kinds[t] not in KINDS:
            _fail(path, f"{tensor_label(t)}: unknown kind {instance.kinds[t]!r}")
    producer: dict[int, int] = {}
    for v in range(m):
        if not instance.outputs[v]:
            _fail(path, f"{op_label(v)} has no output")
        if not instance.inputs[v]:
            _fail(path, f"{op_label(v)} has no input")
        both = set(instance.inputs[v]) & set(instance.outputs[v])
        if both:
            _fail(path, f"{op_label(v)} reads and writes {tensor_label(min(both))}")
        for key, ids in (("input", instance.inputs[v]), ("output", instance.outputs[v])):
            if len(set(ids)) != len(ids):
                _fail(path, f"{op_label(v)} lists an {key} tensor twice")
        for t in instance.outputs[v]:
            if t in producer:
                _fail(path, f"{tensor_label(t)} is produced twice: by {op_label(producer[t])} and {op_label(v)}")
            if instance.kinds[t] in ("input", "weight"):
                _fail(path, f"{tensor_label(t)} is a graph {instance.kinds[t]} but {op_label(v)} produces it")
            producer[t] = v
    for v in range(m):
        for t in instance.inputs[v]:
            if t not in producer and instance.kinds[t] not in ("input", "weight"):
                _fail(path, f"{op_label(v)} reads {tensor_label(t)}, which no operator produces and which is "
                            "not an input or weight")
    dag = nx.DiGraph()
    dag.add_nodes_from(range(m))
    dag.add_edges_from((producer[t], v) for v in range(m) for t in instance.inputs[v] if t in producer)
    if not nx.is_directed_acyclic_graph(dag):
        cycle = nx.find_cycle(dag)
        _fail(path, f"the graph has a cycle through {op_label(cycle[0][0])}: "
                    + " → ".join(str(u) for u, _ in cycle) + f" → {cycle[0][0]}")
    for v in range(m):
        for t in instance.inputs[v]:
            if t in producer and producer[t] > v:
                _fail(path, f"{op_label(v)} reads {tensor_label(t)} before its producer {op_label(producer[t])}: "
                            "the operator list must be a topological order")
    read = {t for ids in instance.inputs for t in ids}
    for t, kind in enumerate(instance.kinds):
        if kind == "activation" and t not in producer:
            _fail(path, f"{tensor_label(t)} is an activation that no operator produces")
        if kind in ("input", "weight") and t not in read:
            _fail(path, f"{tensor_label(t)} is a graph {kind} that no operator reads")


def looks_like_graph(text: str, path: Path) -> bool:
    # the graph file has no signature line: two top-level lists "tensors" and "operators" (anywhere)
    return text.lstrip().startswith("{") and "schedkit.instance" not in text[:4096] and '"operators"' in text \
        and '"tensors"' in text


def read_graph(text: str, path: str | Path) -> CosmaInstance:
    """Read the native COSMA graph JSON (``instances/cosma/README.md``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InstanceError(path, error.lineno, f"invalid JSON: {error.msg}") from None
    return parse_graph(data, path)
