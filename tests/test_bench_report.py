"""schedkit report: figures worked by hand on a small table of rows, the three output formats, the
plots, and the command line from bench to report."""

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from schedkit.bench import COLUMNS
from schedkit.bench.profile import performance_profile, primal_gap, primal_gap_over_time
from schedkit.bench.report import render, summarize
from schedkit.cli import main
from schedkit.errors import SchedkitError

J30 = Path(__file__).resolve().parents[1] / "instances" / "rcpsp" / "j30"


def rows(*specs) -> pd.DataFrame:
    """(method, instance, status, objective, bound, best_known, runtime, trace) → bench rows."""
    records = []
    for method, instance, status, objective, bound, best, runtime, trace in specs:
        record = dict.fromkeys(COLUMNS)
        gap = None if objective is None or bound is None else (objective - bound) / objective
        record |= {"key": f"{instance}|{method}", "instance": instance, "instance_set": "set", "problem": "rcpsp",
                   "method": method, "seed": 0, "time_limit": 10.0, "status": status, "objective": objective,
                   "bound": bound, "best_known": best, "gap": gap,
                   "deviation": None if objective is None else (objective - best) / best, "runtime_s": runtime,
                   "valid": objective is not None, "path": f"{instance}.sm", "index": None,
                   "termination": "heuristic" if method == "h" else "optimal", "trace": json.dumps(trace)}
        records.append(record)
    return pd.DataFrame(records)


RUNS = rows(
    ("exact", "a", "optimal", 10, 10, 10, 1.0, [[0.5, 12], [0.9, 10]]),
    ("exact", "b", "feasible", 22, 20, 20, 4.0, [[2.0, 22]]),
    ("exact", "c", "optimal", 30, 30, 30, 2.0, [[1.0, 30]]),
    ("h", "a", "feasible", 11, None, 10, 0.1, [[0.0, 11]]),
    ("h", "b", "feasible", 21, None, 20, 0.1, [[0.0, 21]]),
    ("h", "c", "failed", None, None, 30, None, []),
)


def test_summary_figures_worked_by_hand():
    table = summarize(RUNS).set_index("method")
    exact, heuristic = table.loc["exact"], table.loc["h"]
    assert (exact["runs"], exact["solved"], exact["optimal"], exact["failed"]) == (3, 3, 2, 0)
    assert (heuristic["runs"], heuristic["solved"], heuristic["optimal"], heuristic["failed"]) == (3, 2, 0, 1)
    assert exact["gap_mean_%"] == pytest.approx(100 * (2 / 22) / 3)  # gaps 0, 2/22, 0
    assert exact["gap_median_%"] == 0
    assert np.isnan(heuristic["gap_mean_%"])  # a heuristic proves no bound
    assert exact["dev_mean_%"] == pytest.approx(100 * (0 + 0.1 + 0) / 3)
    assert heuristic["dev_mean_%"] == pytest.approx(100 * (0.1 + 0.05) / 2)
    assert (exact["time_mean_s"], exact["time_median_s"], exact["time_max_s"]) == pytest.approx((7 / 3, 2.0, 4.0))
    # a: exact 10 < 11 → exact wins; b: h 21 < 22 → h wins; c: only exact has a schedule → exact wins
    assert (exact["wins"], exact["best"], heuristic["wins"], heuristic["best"]) == (2, 2, 1, 1)


def test_group_by_other_columns_and_unknown_column():
    by_instance = summarize(RUNS, ("instance",))
    assert len(by_instance) == 6 and set(by_instance.columns) >= {"method", "instance", "wins"}
    with pytest.raises(SchedkitError, match="not a column"):
        summarize(RUNS, ("no_such_column",))


def test_markdown_latex_and_csv():
    table = summarize(RUNS)
    markdown = render(table, "markdown").splitlines()
    assert markdown[0].startswith("| method") and "wins" in markdown[0] and set(markdown[1]) <= set("|:- ")
    assert len(markdown) == 4 and markdown[2].startswith("| exact")
    latex = render(table, "latex")
    assert "\\begin{tabular}" in latex and "gap\\_mean\\_\\%" in latex
    parsed = pd.read_csv(io.StringIO(render(table, "csv")))
    assert list(parsed["method"]) == ["exact", "h"] and list(parsed["wins"]) == [2, 1]


def test_performance_profile_and_primal_gap_by_hand():
    profile = performance_profile(RUNS, "time")
    ratios, share = profile["exact"]
    assert list(ratios) == [1.0, 1.0] and list(share) == pytest.approx([1 / 3, 2 / 3])  # solved a and c, fastest
    assert len(profile["h"][0]) == 0  # proves nothing
    profile = performance_profile(RUNS, "objective")  # a: 10 vs 11, b: 22 vs 21, c: 30 vs none
    assert list(profile["exact"][0]) == pytest.approx([1, 1, 22 / 21])
    assert list(profile["exact"][1]) == pytest.approx([1 / 3, 2 / 3, 1])
    assert list(profile["h"][0]) == pytest.approx([1, 1.1]) and list(profile["h"][1]) == pytest.approx([1 / 3, 2 / 3])
    assert primal_gap(12, 10) == pytest.approx(2 / 12) and primal_gap(None, 10) == 1 and primal_gap(0, 0) == 0
    times = np.array([0.05, 0.6, 1.0, 3.0])
    curves = primal_gap_over_time(RUNS, times)
    # exact at 0.6 s: a has 12 (gap 1/6), b nothing (1), c nothing (1); at 3 s: 0, 2/22, 0
    assert curves["exact"] == pytest.approx([1.0, (1 / 6 + 2) / 3, (0 + 1 + 0) / 3, (2 / 22) / 3])
    # the heuristic's schedules exist only when it returns (0.1 s), whatever its trace says
    assert curves["h"] == pytest.approx([1.0, (1 / 11 + 1 / 21 + 1) / 3, (1 / 11 + 1 / 21 + 1) / 3, (1 / 11 + 1 / 21 + 1) / 3])


def test_bench_then_report_on_the_command_line(tmp_path):
    distributed = pytest.importorskip("distributed")
    out, plot = tmp_path / "runs.csv", tmp_path / "profile.png"
    runner = CliRunner()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        bench = runner.invoke(main, ["bench", str(J30 / "j301_1.sm"), str(J30 / "j301_2.sm"), "--method", "rcpsp/cpsat",
                                     "--time-limit", "10", "--scheduler", cluster.scheduler_address,
                                     "--out", str(out), "--quiet"])
    assert bench.exit_code == 0, bench.output
    assert "2 runs planned, 0 already in" in bench.output
    report = runner.invoke(main, ["report", str(out), "--plot", str(plot)])
    assert report.exit_code == 0, report.output
    line = next(row for row in report.output.splitlines() if row.startswith("| rcpsp/cpsat"))
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[:5] == ["rcpsp/cpsat", "j30", "2", "2", "2"]  # method, set, runs, solved, optimal
    assert plot.stat().st_size > 10_000
    latex = runner.invoke(main, ["report", str(out), "--format", "latex", "--by", "instance"])
    assert latex.exit_code == 0 and "j301\\_2" in latex.output
