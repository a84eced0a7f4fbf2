"""``schedkit generate cosma``: NAS-like DNN graphs for COSMA (research notes §6).

- ``ws`` / ``er`` / ``ba``: randomly wired networks (Xie, Kirillov, Girshick, He, arXiv
  1904.01569): an undirected graph from networkx (Watts–Strogatz(K, P), Erdős–Rényi(P),
  Barabási–Albert(M)), edges oriented from lower to higher index, one graph input feeding every
  source node and an output averaging every sink. Each node is up to four operators: a weighted sum
  of its inputs (only when it has several), ReLU, a depthwise and a pointwise convolution (with BN);
  the node's output tensor has C·H·W bytes (1 byte per element, the paper's 8-bit setting).
  Random stages: the nodes are split into ``stages`` blocks of growing C and shrinking H·W.
- ``cell``: a stack of DARTS-style cells (Liu et al. 2019): each cell reads the two previous cell
  outputs, has four intermediate nodes that each add two operations on earlier nodes, and
  concatenates the four; the genotype (which op on which input) is drawn per cell from the seed.

The given order is node-index order (inside a node: aggregation, ReLU, depthwise, pointwise).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import click
import networkx as nx

from schedkit.instances.cosma import CosmaInstance

KINDS = ("ws", "er", "ba", "cell")


class _Builder:
    def __init__(self, name: str):
        self.name = name
        self.sizes: list[int] = []
        self.kinds: list[str] = []
        self.inputs: list[tuple[int, ...]] = []
        self.outputs: list[tuple[int, ...]] = []
        self.names: list[str] = []

    def tensor(self, size: int, kind: str) -> int:
        self.sizes.append(max(1, int(size)))
        self.kinds.append(kind)
        return len(self.sizes) - 1

    def op(self, name: str, reads: list[int], size: int, weight: int = 0) -> int:
        reads = list(dict.fromkeys(reads))
        if weight:
            reads.append(self.tensor(weight, "weight"))
        out = self.tensor(size, "activation")
        self.inputs.append(tuple(reads))
        self.outputs.append((out,))
        self.names.append(f"{len(self.names)}:{name}")
        return out

    def build(self) -> CosmaInstance:
        for t, kind in enumerate(self.kinds):  # tensors nobody reads are graph outputs
            if kind == "activation" and not any(t in ins for ins in self.inputs):
                self.kinds[t] = "output"
        return CosmaInstance(self.name, tuple(self.sizes), tuple(self.kinds), tuple(self.inputs), tuple(self.outputs),
                             tuple(self.names), ("",) * len(self.sizes))


def _undirected(kind: str, nodes: int, rng: random.Random, k: int, p: float, m: int) -> nx.Graph:
    seed = rng.randrange(2**31)
    if kind == "ws":
        return nx.connected_watts_strogatz_graph(nodes, k, p, tries=200, seed=seed)
    if kind == "er":
        return nx.erdos_renyi_graph(nodes, p, seed=seed)
    return nx.barabasi_albert_graph(nodes, m, seed=seed)


def randwire(kind: str, nodes: int, seed: int, *, channels: int = 8, hw: int = 16, stages: int = 1,
             ops_per_node: int = 4, k: int = 4, p: float = 0.75, m: int = 5, name: str | None = None) -> CosmaInstance:
    """A randomly wired network of ``nodes`` nodes (about ``ops_per_node`` operators each)."""
    rng = random.Random(seed)
    graph = _undirected(kind, nodes, rng, k, p, m)
    order = list(range(nodes))
    if kind == "er":  # ER nodes are indexed in random order (the paper's orientation)
        rng.shuffle(order)
    rank = {v: i for i, v in enumerate(order)}
    builder = _Builder(name or f"{kind}{nodes}_s{seed}")
    stage_of = [min(stages - 1, i * stages // nodes) for i in range(nodes)]
    shape = [(channels * 2**s, max(1, hw // 2**s) ** 2) for s in range(stages)]
    source = builder.tensor(shape[0][0] * shape[0][1], "input")
    out_of: dict[int, int] = {}
    for v in order:
        c, area = shape[stage_of[rank[v]]]
        size = c * area
        preds = sorted((u for u in graph.neighbors(v) if rank[u] < rank[v]), key=lambda u: rank[u])
        reads = [out_of[u] for u in preds] or [source]
        x = builder.op("sum", reads, size, weight=len(reads)) if len(reads) > 1 else reads[0]
        steps = [("relu", 0), ("depthwise", 9 * c), ("pointwise", c * c + 2 * c)][: max(0, ops_per_node - 1)]
        if ops_per_node >= 1 and len(reads) == 1 and not steps:
            steps = [("conv", 9 * c)]
        for op_name, weight in steps:
            x = builder.op(op_name, [x], size, weight)
        out_of[v] = x
    sinks = [out_of[v] for v in order if not any(rank[u] > rank[v] for u in graph.neighbors(v))]
    c, area = shape[-1]
    builder.op("mean", sinks, c * area)
    return builder.build()


CELL_OPS = (("sep_conv_3x3", 2), ("sep_conv_5x5", 2), ("dil_conv_3x3", 1), ("max_pool_3x3", 0), ("skip", 0))


def nas_cells(cells: int, seed: int, *, channels: int = 16, hw: int = 16, name: str | None = None) -> CosmaInstance:
    """A stack of ``cells`` DARTS-style cells with random genotypes; reduction cells (C×2, H·W/4)
    at one and two thirds of the depth."""
    rng = random.Random(seed)
    builder = _Builder(name or f"cell{cells}_s{seed}")
    c, area = channels, hw * hw
    stem = builder.tensor(3 * area, "input")
    prev_prev = prev = builder.op("stem_conv", [stem], c * area, weight=27 * c)
    prev_prev_c = prev_c = c  # channels of the two cell inputs
    reductions = {cells // 3, 2 * cells // 3} if cells >= 3 else set()
    for cell in range(cells):
        reduce = cell in reductions
        out_c, out_area = (2 * c, max(1, area // 4)) if reduce else (c, area)
        states = [builder.op("preprocess0", [prev_prev], out_c * out_area, weight=prev_prev_c * out_c),
                  builder.op("preprocess1", [prev], out_c * out_area, weight=prev_c * out_c)]
        for _ in range(4):
            branches = []
            for source in rng.sample(range(len(states)), 2):
                op_name, convs = rng.choice(CELL_OPS)
                x = states[source]
                for j in range(convs):
                    x = builder.op(f"{op_name}.{j}", [x], out_c * out_area, weight=9 * out_c + out_c * out_c)
                if not convs:
                    x = builder.op(op_name, [x], out_c * out_area)
                branches.append(x)
            states.append(builder.op("add", branches, out_c * out_area))
        prev_prev, prev = prev, builder.op("concat", states[2:], 4 * out_c * out_area)
        prev_prev_c, prev_c = prev_c, 4 * out_c
        c, area = out_c, out_area
    builder.op("classifier", [prev], 10, weight=10 * prev_c)
    return builder.build()


def generate_cosma(kind: str, size: int, seed: int, **options) -> CosmaInstance:
    """``kind`` in ws|er|ba (``size`` nodes) or cell (``size`` cells)."""
    if kind == "cell":
        return nas_cells(size, seed, **options)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {KINDS}")
    return randwire(kind, size, seed, **options)


@click.command("cosma")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="Randomly wired ws|er|ba, or NAS cells.")
@click.option("--size", type=click.IntRange(1), default=32, show_default=True, help="Nodes (ws/er/ba) or cells (cell).")
@click.option("--stages", type=click.IntRange(1), default=1, show_default=True, help="Random stages (ws/er/ba).")
@click.option("--ops-per-node", type=click.IntRange(1, 4), default=4, show_default=True, help="Operators per node (ws/er/ba).")
@click.option("--count", type=click.IntRange(1), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True)
def command(kind, size, stages, ops_per_node, count, seed, out_dir):
    """NAS-like COSMA graphs as native graph JSON files."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        options = {} if kind == "cell" else {"stages": stages, "ops_per_node": ops_per_node}
        instance = generate_cosma(kind, size, seed + index, **options)
        data = {**instance.to_dict(), "meta": {"generator": f"schedkit generate cosma --kind {kind} --size {size}",
                                               "seed": seed + index}}
        (folder / f"{instance.name}.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        click.echo(f"{folder / f'{instance.name}.json'}: {instance.num_operators} operators, "
                   f"{instance.num_tensors} tensors, M_R {instance.m_r()}, peak {instance.peak()}")
