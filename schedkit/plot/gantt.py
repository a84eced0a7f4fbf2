"""Gantt charts of a result: interactive HTML (plotly) or a picture (matplotlib), chosen by extension.

Machines (FJSP/JSSP, SMTT) or tasks (RCPSP) on the y axis, one colour per job (the same in both
back ends), tardy jobs or the critical chain outlined in red; an RCPSP chart has one resource-usage
profile per resource under it, with the capacity (less any downtime) as a dashed line. A COSMA
result is drawn as the scratchpad over time (``schedkit.plot.memory``).
"""

from __future__ import annotations

from pathlib import Path

from schedkit.errors import SchedkitError
from schedkit.plot.bars import ChartData, chart_data

HIGHLIGHT = "#d62728"
PICTURE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg")


def job_colour(job: int) -> str:
    """A job's colour: matplotlib's tab20 palette less its reds, cycled, as hex (plotly takes it too)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    palette = colormaps["tab20"].colors
    # the strong colour of each pair first, then the light ones; no reds (6, 7): red marks highlights
    order = [i for i in range(0, 20, 2) if i != 6] + [i for i in range(1, 20, 2) if i != 7]
    return to_hex(palette[order[job % len(order)]])


def write_gantt(instance, result, path: str | Path) -> Path:
    """Draw the result's schedule to ``path``: ``.html`` with plotly, ``.png/.svg/.pdf`` with matplotlib."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".html":
        figure = gantt_figure(instance, result, "plotly")
        figure.write_html(path, include_plotlyjs=True)  # self-contained: opens without a network
    elif suffix in PICTURE_SUFFIXES:
        gantt_figure(instance, result, "matplotlib").savefig(path, dpi=120)
    else:
        raise SchedkitError(f"--gantt {path}: expected a .html (plotly) or .png/.svg/.pdf (matplotlib) file")
    return path


def gantt_figure(instance, result, backend: str = "plotly"):
    """The chart as a figure object to show in a notebook: a plotly ``Figure`` or a matplotlib ``Figure``.
    A COSMA result is drawn as its scratchpad over time (``schedkit.plot.memory``)."""
    if backend not in ("plotly", "matplotlib"):
        raise SchedkitError(f"backend {backend!r}: expected plotly or matplotlib")
    if instance.problem == "cosma" and result.schedule:
        from schedkit.plot.memory import matplotlib_memory, memory_data, plotly_memory

        data = memory_data(instance, result)
        return plotly_memory(data) if backend == "plotly" else matplotlib_memory(data)
    data = chart_data(instance, result)
    if backend == "plotly":
        return plotly_gantt(data)
    return matplotlib_gantt(data)


def plotly_gantt(data: ChartData):
    """An interactive plotly figure: one bar trace per job, hover shows the job's details."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = 1 + len(data.profiles)
    heights = [0.6] + [0.4 / len(data.profiles)] * len(data.profiles) if data.profiles else [1.0]
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, row_heights=heights, vertical_spacing=0.03)
    bars = data.bars
    for job, group in bars.groupby("job", sort=True):
        figure.add_trace(go.Bar(
            y=group["lane"], x=group["end"] - group["start"], base=group["start"], orientation="h",
            name=f"job {job}", legendgroup=f"job {job}", hovertext=group["label"], hoverinfo="text+x",
            marker={"color": job_colour(int(job)),
                    "line": {"color": [HIGHLIGHT if h else "#333333" for h in group["highlight"]],
                             "width": [3 if h else 0.5 for h in group["highlight"]]}},
        ), row=1, col=1)
    for job, due in data.due_dates.items():
        figure.add_trace(go.Scatter(x=[due], y=[data.lanes[0]], mode="markers", marker_symbol="triangle-down",
                                    marker={"color": job_colour(job), "size": 10}, legendgroup=f"job {job}",
                                    showlegend=False, hovertext=f"due date of job {job}: {due}", hoverinfo="text"),
                         row=1, col=1)
    for number, (resource, times, usage, capacity) in enumerate(data.profiles, start=2):
        figure.add_trace(go.Scatter(x=times, y=usage, line_shape="hv", fill="tozeroy", name=f"{resource} usage",
                                    line={"color": "#4c72b0"}, showlegend=False), row=number, col=1)
        figure.add_trace(go.Scatter(x=times, y=capacity, line_shape="hv", name=f"{resource} capacity",
                                    line={"color": "#333333", "dash": "dash"}, showlegend=False), row=number, col=1)
        figure.update_yaxes(title_text=resource, row=number, col=1)
    figure.update_yaxes(categoryorder="array", categoryarray=data.lanes[::-1], row=1, col=1)
    figure.update_layout(barmode="overlay", title=f"{data.title}<br><sup>red outline: {data.highlight_name}</sup>",
                         height=max(400, 22 * len(data.lanes) + 120 * len(data.profiles) + 150))
    figure.update_xaxes(title_text="time", row=rows, col=1)
    return figure


def matplotlib_gantt(data: ChartData):
    """A static matplotlib figure of the same chart (a bare ``Figure``: no pyplot state, no backend switch)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    profiles = len(data.profiles)
    lane_height = 0.28 if len(data.lanes) > 1 else 1.2
    chart_height = max(2.0, lane_height * len(data.lanes) + 1.0)
    figure = Figure(figsize=(11, chart_height + 1.1 * profiles), layout="constrained")
    axes = figure.subplots(1 + profiles, 1, sharex=True, squeeze=False, height_ratios=[chart_height] + [1.1] * profiles)
    chart = axes[0][0]
    position = {lane: len(data.lanes) - 1 - i for i, lane in enumerate(data.lanes)}
    bars = data.bars
    chart.barh([position[lane] for lane in bars["lane"]], bars["end"] - bars["start"], left=bars["start"], height=0.8,
               color=[job_colour(int(j)) for j in bars["job"]],
               edgecolor=[HIGHLIGHT if h else "#333333" for h in bars["highlight"]],
               linewidth=[2.2 if h else 0.4 for h in bars["highlight"]])
    if len(data.lanes) <= 12 or data.due_dates:  # label bars with their job when there is room
        for row in bars.itertuples(index=False):
            if row.end - row.start >= 0.03 * max(1, bars["end"].max()):
                chart.text((row.start + row.end) / 2, position[row.lane], str(row.job), ha="center", va="center",
                           fontsize=7)
    for job, due in data.due_dates.items():
        chart.plot([due], [0.5], marker="v", color=job_colour(job), markeredgecolor="#333333", markersize=7)
    chart.set_yticks(range(len(data.lanes)), data.lanes[::-1], fontsize=8 if len(data.lanes) > 30 else 10)
    chart.set_title(data.title, fontsize=11)
    jobs = sorted(bars["job"].unique())
    handles = [Patch(facecolor="white", edgecolor=HIGHLIGHT, linewidth=2, label=data.highlight_name)]
    if len(jobs) <= 15:
        handles += [Patch(color=job_colour(int(j)), label=f"job {j}") for j in jobs]
    if data.due_dates:
        handles.append(chart.plot([], [], "v", color="#777777", label="due date")[0])
    chart.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    for axis, (resource, times, usage, capacity) in zip(axes[1:, 0], data.profiles, strict=True):
        axis.fill_between(times, usage, step="post", color="#4c72b0", alpha=0.6)
        axis.step(times, capacity, where="post", color="#333333", linestyle="--", linewidth=1)
        axis.set_ylabel(resource, rotation=0, labelpad=15)
        axis.set_ylim(0, max(1, capacity.max(), usage.max()) * 1.15)
    axes[-1][0].set_xlabel("time")
    return figure
