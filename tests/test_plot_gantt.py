"""Gantt charts: what is highlighted (worked by hand), the resource profiles, and the files written."""

from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from click.testing import CliRunner

import schedkit
from schedkit.cli import main
from schedkit.errors import SchedkitError
from schedkit.instances import FJSPInstance, SMTTInstance
from schedkit.plot import gantt_figure, write_gantt
from schedkit.plot.bars import chart_data
from schedkit.plot.gantt import plotly_gantt
from schedkit.plot.memory import memory_data
from schedkit.result import Result

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


def checked(instance, schedule, objective) -> Result:
    result = Result(instance.problem, instance.name, "by-hand", "feasible", objective=objective, schedule=schedule)
    report = schedkit.validate(instance, result)
    assert report.ok and report.objective == objective
    return result


def test_job_shop_critical_chain_by_hand():
    # job 0: M0 for 3, then M1 for 2; job 1: M1 for 4, then M0 for 1.
    instance = FJSPInstance("hand", 2, (({0: 3}, {1: 2}), ({1: 4}, {0: 1})))
    schedule = [{"job": 0, "op": 0, "machine": 0, "start": 0, "end": 3},
                {"job": 0, "op": 1, "machine": 1, "start": 4, "end": 6},
                {"job": 1, "op": 0, "machine": 1, "start": 0, "end": 4},
                {"job": 1, "op": 1, "machine": 0, "start": 4, "end": 5}]
    data = chart_data(instance, checked(instance, schedule, 6))
    critical = {(row.job, row.start) for row in data.bars.itertuples() if row.highlight}
    # M1 runs job 1 then job 0 back to back up to the makespan; job 0's first op has 1 unit of slack
    assert critical == {(1, 0), (0, 4)}
    assert data.lanes == ["M0", "M1"]


def test_tardy_jobs_by_hand():
    instance = SMTTInstance("hand", p=(3, 2, 4), d=(2, 6, 5))
    schedule = [{"job": 0, "start": 0, "end": 3}, {"job": 1, "start": 3, "end": 5}, {"job": 2, "start": 5, "end": 9}]
    data = chart_data(instance, checked(instance, schedule, 1 + 4))
    assert list(data.bars.sort_values("job")["highlight"]) == [True, False, True]
    assert data.due_dates == {0: 2, 1: 6, 2: 5}


@pytest.fixture(scope="module")
def j301_1():
    instance = schedkit.load(INSTANCES / "rcpsp" / "j30" / "j301_1.sm")
    return instance, schedkit.solve(instance, "rcpsp/cpsat", schedkit.SolveOptions(time_limit=10, threads=1))


def test_rcpsp_chart_critical_chain_and_resource_profiles(j301_1):
    instance, result = j301_1
    data = chart_data(instance, result)
    bars = data.bars.set_index("job")
    makespan = bars["end"].max()
    assert makespan == result.objective
    assert bars.loc[bars["end"] == makespan, "highlight"].all()
    demands = {t: instance.modes[t][0].demands for t in bars.index}
    for task, bar in bars[bars["highlight"]].iterrows():
        if bar["end"] < makespan:  # a critical bar hands over to a critical bar that starts when it ends
            after = bars[(bars["start"] == bar["end"]) & bars["highlight"]].index
            assert any(t in instance.successors[task] or np.dot(demands[task], demands[t]) > 0 for t in after)
    assert len(data.profiles) == instance.num_resources
    for r, (_, times, usage, capacity) in enumerate(data.profiles):
        assert (usage <= capacity).all() and len(times) == makespan + 1
        work = sum((row["end"] - row["start"]) * instance.modes[row["task"]][0].demands[r] for row in result.schedule)
        assert usage.sum() == work


def test_png_and_html_files(tmp_path, j301_1):
    instance, result = j301_1
    png = write_gantt(instance, result, tmp_path / "j301_1.png")
    pixels = matplotlib.image.imread(png)
    assert pixels.shape[0] > 600 and pixels.shape[1] > 600
    colours = {tuple(p) for p in (pixels[..., :3].reshape(-1, 3) * 255).astype(int)}
    assert len(colours) > 20  # many job colours, not a blank canvas
    html = write_gantt(instance, result, tmp_path / "j301_1.html")
    text = html.read_text()
    assert html.stat().st_size > 1_000_000 and "j301_1" in text and "Plotly.newPlot" in text  # plotly.js inside
    figure = plotly_gantt(chart_data(instance, result))
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert len(bars) == sum(1 for row in result.schedule if row["end"] > row["start"])  # one trace per job (task)
    assert sum(1 for trace in figure.data if trace.type == "scatter") == 2 * instance.num_resources
    assert len(gantt_figure(instance, result, "matplotlib").axes) == 1 + instance.num_resources  # chart + profiles
    assert len(gantt_figure(instance, result, "plotly").data) == len(figure.data)
    with pytest.raises(SchedkitError, match="html"):
        write_gantt(instance, result, tmp_path / "chart.txt")
    with pytest.raises(SchedkitError, match="no schedule"):
        write_gantt(instance, Result("rcpsp", "j301_1", "m", "unknown"), tmp_path / "none.png")


@pytest.mark.parametrize("suffix", ["png", "html"])
def test_solve_with_gantt_on_the_command_line(tmp_path, suffix):
    chart = tmp_path / f"chart.{suffix}"
    solved = CliRunner().invoke(main, ["solve", str(INSTANCES / "fjsp" / "Brandimarte1993" / "mk01.txt"),
                                       "--method", "fjsp/dispatch", "--gantt", str(chart)])
    assert solved.exit_code == 0, solved.output
    assert f"Gantt chart written to {chart}" in solved.output and chart.stat().st_size > 10_000
    refused = CliRunner().invoke(main, ["solve", str(INSTANCES / "smtt" / "example.csv"), "--gantt", "chart.txt"])
    assert refused.exit_code == 2 and "expected a .html" in refused.output


def test_cosma_scratchpad_chart(tmp_path):
    instance = schedkit.load(INSTANCES / "cosma" / "graphs" / "resnet8_tiny.json")
    options = schedkit.SolveOptions(time_limit=10, params={"budget": "M_R", "weights": True})
    result = schedkit.solve(instance, "cosma/greedy", options)
    data = memory_data(instance, result)
    assert len(data.episodes) == len(result.schedule) and data.capacity == result.extra["capacity"]
    assert (data.episodes["address"] >= 0).all() and (data.episodes["address"] + data.episodes["size"] <= data.capacity).all()
    reloaded = {t for t in data.episodes["tensor"] if (data.episodes["tensor"] == t).sum() > 1}
    assert set(data.episodes.loc[data.episodes["highlight"], "tensor"]) == reloaded
    assert bool(reloaded) == (result.objective > 0)  # off-chip traffic beyond the compulsory comes only from reloads
    png = write_gantt(instance, result, tmp_path / "cosma.png")
    assert png.stat().st_size > 10_000
    assert len(gantt_figure(instance, result, "plotly").data) == data.episodes["tensor"].nunique()
