"""The benchmark runner: planning, rows, resume, torn lines, failed and overrunning runs, and an
interrupted command-line sweep that resumes with no finished row lost or repeated."""

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from schedkit.bench import COLUMNS, Run, RunStore, plan_runs, read_runs, sweep
from schedkit.errors import MethodError, SchedkitError
from schedkit.instances.values import best_known

ROOT = Path(__file__).resolve().parents[1]
J30 = ROOT / "instances" / "rcpsp" / "j30"
FIRST = [str(J30 / f"j301_{i}.sm") for i in (1, 2, 3)]


def data_lines(path: Path) -> list[str]:
    return path.read_text().splitlines()[1:]


def test_plan_expands_globs_and_folders_in_natural_order_and_pairs_methods_with_problems():
    plan = plan_runs([str(J30 / "j301_*.sm")], ["rcpsp/cpsat", "smtt/edd"], seeds=2, time_limit=1)
    names = [run.instance for run in plan.runs if run.method == "rcpsp/cpsat" and run.seed == 0]
    assert names == [f"j301_{i}" for i in range(1, 11)]  # j301_2 before j301_10
    assert len(plan.runs) == 10 * 2  # smtt/edd does not solve rcpsp: those pairs are skipped, not run
    assert plan.skipped_pairs == 10
    assert len({run.key for run in plan.runs}) == len(plan.runs)
    # a folder with non-instance files (value tables) skips those and keeps the instances
    folder = plan_runs([str(ROOT / "instances" / "smtt")], ["smtt/edd"], indices=[1, 2])
    assert {run.instance for run in folder.runs} >= {"wt40_1", "wt40_2", "wt50_1", "wt100_2", "example"}
    assert all(run.index in (1, 2, None) for run in folder.runs)
    with pytest.raises(MethodError):
        plan_runs(FIRST, ["rcpsp/no-such-method"])
    with pytest.raises(SchedkitError):
        plan_runs([str(J30 / "nothing_*.sm")], ["rcpsp/cpsat"])


def test_rows_hold_optimum_best_known_gap_deviation_and_validity(tmp_path):
    out = tmp_path / "runs.csv"
    plan = plan_runs(FIRST, ["rcpsp/cpsat"], time_limit=20)
    summary = sweep(plan.runs, out, jobs=2, progress=False)
    assert (summary.planned, summary.ran, summary.already_done) == (3, 3, 0)
    runs = read_runs(out)
    assert list(runs.columns) == list(COLUMNS)
    for row in runs.itertuples():
        known = best_known("rcpsp", row.instance)
        assert row.status == "optimal" and row.objective == known.upper == row.best_known
        assert row.bound == row.objective and row.gap == 0 and row.deviation == 0
        assert row.valid and row.runtime_s > 0 and row.trace.startswith("[[")
    # the same sweep again runs nothing: every key is in the file
    again = sweep(plan.runs, out, jobs=2, progress=False)
    assert (again.ran, again.already_done) == (0, 3)
    assert len(data_lines(out)) == 3
    # while another sweep holds the file, a second one refuses to start
    holder = RunStore(out, lock=True)
    with pytest.raises(SchedkitError, match="another sweep"):
        sweep(plan.runs, out, progress=False)
    holder.unlock()
    assert sweep(plan.runs, out, progress=False).ran == 0


def test_torn_last_line_is_dropped_and_its_run_redone(tmp_path):
    out = tmp_path / "runs.csv"
    plan = plan_runs(FIRST[:2], ["rcpsp/cpsat"], time_limit=20)
    sweep(plan.runs, out, progress=False)
    whole = out.read_text()
    last = whole.splitlines()[-1]
    out.write_text(whole[: len(whole) - len(last) // 2 - 1])  # cut the last row in the middle
    store = RunStore(out)
    assert store.dropped_torn_line and len(store.done) == 1
    summary = sweep(plan.runs, out, progress=False)
    assert summary.ran == 1
    keys = [row["key"] for row in csv.DictReader(out.open())]
    assert sorted(keys) == sorted(run.key for run in plan.runs)


def test_a_run_that_raises_is_a_failed_row_and_the_others_go_on(tmp_path):
    out = tmp_path / "runs.csv"
    good = plan_runs(FIRST[:1], ["rcpsp/cpsat"], time_limit=20).runs[0]
    broken = Run(good.path, None, "rcpsp", good.instance, "j30", "rcpsp/no-such-method", 0, 5.0)
    missing = Run(str(tmp_path / "gone.sm"), None, "rcpsp", "gone", "x", "rcpsp/cpsat", 0, 5.0)
    summary = sweep([broken, missing, good], out, jobs=2, progress=False)
    assert (summary.ran, summary.failed, summary.optimal) == (3, 2, 1)
    rows = {row["key"]: row for row in csv.DictReader(out.open())}
    assert rows[broken.key]["status"] == "failed" and "MethodError" in rows[broken.key]["error"]
    assert rows[missing.key]["status"] == "failed" and rows[missing.key]["valid"] == "False"
    assert rows[good.key]["status"] == "optimal"


def test_a_run_past_its_kill_time_is_killed_and_recorded(tmp_path):
    out = tmp_path / "runs.csv"
    runs = plan_runs([str(ROOT / "instances" / "rcpsp" / "j120" / "j1201_1.sm")], ["rcpsp/cpsat"], time_limit=30).runs
    started = time.perf_counter()
    summary = sweep(runs, out, progress=False, kill_after=lambda run: 0.5)
    assert time.perf_counter() - started < 15
    row = next(csv.DictReader(out.open()))
    assert summary.failed == 1 and row["status"] == "failed" and row["error"].startswith("timeout")


def test_a_worker_that_dies_is_a_failed_row_and_the_others_go_on(tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "runs.csv"
    long_run = plan_runs([str(ROOT / "instances" / "rcpsp" / "j120" / "j1201_1.sm")], ["rcpsp/cpsat"], time_limit=60).runs
    runs = long_run + plan_runs(FIRST[:1], ["rcpsp/cpsat"], time_limit=20).runs
    outcome = {}
    sweeping = threading.Thread(target=lambda: outcome.update(summary=sweep(runs, out, jobs=1, progress=False)))
    sweeping.start()
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline:
        # the run's process is forked by the pool's forkserver, a child of this process
        servers = [p for p in psutil.Process().children() if "forkserver" in " ".join(p.cmdline())]
        for server in servers:
            for worker in server.children():
                worker.kill()  # as the OOM killer would
                killed = worker.pid
        time.sleep(0.05)
    sweeping.join(timeout=120)
    assert killed is not None and not sweeping.is_alive()
    rows = {row["key"]: row for row in csv.DictReader(out.open())}
    assert rows[long_run[0].key]["status"] == "failed"
    assert rows[long_run[0].key]["error"] == f"crashed: worker process exited with code {-signal.SIGKILL}"
    assert rows[runs[1].key]["status"] == "optimal" and outcome["summary"].failed == 1


def test_unsupported_output_and_missing_pyarrow_give_clear_errors(tmp_path):
    with pytest.raises(SchedkitError, match=r"\.csv or \.parquet"):
        RunStore(tmp_path / "runs.xlsx")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(SchedkitError, match="pyarrow"):
            RunStore(tmp_path / "runs.parquet")
    else:
        out = tmp_path / "runs.parquet"
        plan = plan_runs(FIRST[:2], ["rcpsp/cpsat"], time_limit=20)
        sweep(plan.runs, out, progress=False)
        assert sweep(plan.runs, out, progress=False).ran == 0
        assert sorted(read_runs(out)["objective"]) == [43, 47]


def _wait_for_rows(path: Path, count: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(data_lines(path)) >= count:
            return
        assert process.poll() is None, "the sweep ended before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} rows after {timeout}s")


def test_interrupted_sweep_resumes_without_losing_or_repeating_rows(tmp_path):
    """Ctrl-C, then a killed process group, then a run to the end: every planned run once."""
    out = tmp_path / "runs.csv"
    files = [str(J30 / f"j301_{i}.sm") for i in range(1, 5)]
    command = [sys.executable, "-m", "schedkit.cli", "bench", *files, "--method", "rcpsp/cpsat", "--method",
               "rcpsp/sgs", "--time-limit", "1", "--jobs", "2", "--out", str(out), "--quiet"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start():
        return subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    first = start()
    _wait_for_rows(out, 2, first)
    os.killpg(first.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    first.communicate(timeout=60)
    assert first.returncode == 130
    after_interrupt = data_lines(out)

    second = start()
    _wait_for_rows(out, len(after_interrupt) + 2, second)
    os.killpg(second.pid, signal.SIGKILL)  # no chance to clean up
    second.communicate(timeout=60)
    after_kill = data_lines(out)
    assert after_kill[: len(after_interrupt)] == after_interrupt  # finished rows are never rewritten

    third = start()
    output, errors = third.communicate(timeout=300)
    assert third.returncode == 0, errors
    final = data_lines(out)
    assert final[: len(after_kill)] == after_kill
    keys = [row["key"] for row in csv.DictReader(out.open())]
    planned = {run.key for run in plan_runs(files, ["rcpsp/cpsat", "rcpsp/sgs"], time_limit=1).runs}
    assert len(keys) == len(set(keys)) == 8 and set(keys) == planned
    assert f"8 runs planned, {len(after_kill)} already in" in output
