"""The COSMA chart: the scratchpad over time. Steps (positions in the operator order) on the x axis,
byte addresses on the y axis, one rectangle per residency episode of a tensor (bytes
[address, address + size) during steps start..end), one colour per tensor, tensors that were spilled
and reloaded (more than one episode) outlined in red, the capacity as a dashed line."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from schedkit.plot.gantt import HIGHLIGHT, job_colour


@dataclass(frozen=True)
class MemoryData:
    episodes: pd.DataFrame  # tensor, start, end (exclusive step), address, size, label, highlight
    capacity: int
    steps: int
    title: str


def memory_data(instance, result) -> MemoryData:
    episodes = Counter(row["tensor"] for row in result.schedule)
    names = instance.tensor_names or [f"t{t}" for t in range(instance.num_tensors)]
    records = [{"tensor": row["tensor"], "start": row["start"], "end": row["end"] + 1, "address": row["address"],
                "size": instance.sizes[row["tensor"]], "highlight": episodes[row["tensor"]] > 1,
                "label": f"{names[row['tensor']]} ({instance.kinds[row['tensor']]}, {instance.sizes[row['tensor']]:,} B) "
                         f"steps {row['start']}..{row['end']} at {row['address']:,}"}
               for row in result.schedule]
    capacity = result.extra.get("capacity") or max((r["address"] + r["size"] for r in records), default=0)
    title = f"{result.instance} — {result.method} — traffic {result.objective} B ({result.status}), capacity {capacity:,} B"
    return MemoryData(pd.DataFrame(records), capacity, instance.num_operators, title)


def matplotlib_memory(data: MemoryData):
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    figure = Figure(figsize=(11, 4.5), layout="constrained")
    axis = figure.subplots()
    for row in data.episodes.itertuples(index=False):
        axis.add_patch(Rectangle((row.start, row.address), row.end - row.start, row.size,
                                 facecolor=job_colour(int(row.tensor)), alpha=0.85,
                                 edgecolor=HIGHLIGHT if row.highlight else "#333333", linewidth=2 if row.highlight else 0.3))
    axis.axhline(data.capacity, color="#333333", linestyle="--", linewidth=1)
    axis.set_xlim(0, max(1, data.steps))
    axis.set_ylim(0, max(1, data.capacity) * 1.05)
    axis.set_xlabel("step (position in the operator order)")
    axis.set_ylabel("scratchpad address (bytes)")
    axis.set_title(data.title, fontsize=11)
    axis.legend(handles=[Patch(facecolor="white", edgecolor=HIGHLIGHT, linewidth=2, label="spilled and reloaded")],
                loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return figure


def plotly_memory(data: MemoryData):
    import plotly.graph_objects as go

    figure = go.Figure()
    for tensor, group in data.episodes.groupby("tensor", sort=True):
        xs, ys = [], []
        for row in group.itertuples(index=False):  # one closed outline per episode, None between them
            xs += [row.start, row.end, row.end, row.start, row.start, None]
            ys += [row.address, row.address, row.address + row.size, row.address + row.size, row.address, None]
        highlight = bool(group["highlight"].any())
        figure.add_trace(go.Scatter(x=xs, y=ys, fill="toself", mode="lines", name=group["label"].iloc[0].split(" (")[0],
                                    fillcolor=job_colour(int(tensor)), hoveron="fills", text="<br>".join(group["label"]),
                                    hoverinfo="text", line={"color": HIGHLIGHT if highlight else "#333333",
                                                            "width": 2.5 if highlight else 0.5}))
    figure.add_hline(y=data.capacity, line_dash="dash", line_color="#333333")
    figure.update_layout(title=f"{data.title}<br><sup>red outline: spilled and reloaded</sup>", height=550,
                         xaxis_title="step (position in the operator order)", yaxis_title="scratchpad address (bytes)")
    return figure
