"""The same sweep on a Dask distributed cluster (a LocalCluster: one in-process worker, one thread)."""

from pathlib import Path

import pytest

from schedkit.bench import plan_runs, read_runs, sweep
from schedkit.bench.worker import run_one
from schedkit.instances import load
from schedkit.instances.values import best_known
from schedkit.registry import SolveOptions, solve

distributed = pytest.importorskip("distributed")

J30 = Path(__file__).resolve().parents[1] / "instances" / "rcpsp" / "j30"


@pytest.fixture(scope="module")
def cluster():
    # Compile the numba heuristics that warm-start rcpsp/cpsat before any timed run: in a fresh
    # clone their cache is cold and compiling would eat the 10 s the runs below are given.
    solve(load(J30 / "j301_1.sm"), "rcpsp/cpsat", SolveOptions(time_limit=60))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as local:
        yield local


def test_sweep_on_a_local_dask_cluster_writes_the_rows_and_resumes(tmp_path, cluster):
    out = tmp_path / "runs.csv"
    files = [str(J30 / f"j301_{i}.sm") for i in (1, 2)]
    plan = plan_runs(files, ["rcpsp/cpsat", "rcpsp/sgs"], time_limit=10)
    summary = sweep(plan.runs, out, scheduler=cluster.scheduler_address, progress=False)
    assert (summary.ran, summary.failed) == (4, 0)
    runs = read_runs(out)
    assert sorted(runs["key"]) == sorted(run.key for run in plan.runs)
    assert runs["valid"].all()
    for row in runs.itertuples():
        optimum = best_known("rcpsp", row.instance).upper
        assert row.objective >= optimum  # no schedule beats a proven optimum
        if row.method == "rcpsp/cpsat":
            assert row.status == "optimal" and row.objective == optimum
    # run again on the cluster: nothing left to do
    assert sweep(plan.runs, out, scheduler=cluster.scheduler_address, progress=False).ran == 0


def test_a_run_that_raises_on_dask_is_a_failed_row(tmp_path, cluster):
    out = tmp_path / "runs.csv"
    plan = plan_runs([str(J30 / "j301_1.sm")], ["rcpsp/cpsat"], time_limit=10)
    broken = plan.runs[0].__class__(**{**plan.runs[0].__dict__, "method": "rcpsp/no-such-method"})
    assert run_one(broken)["status"] == "failed"
    summary = sweep([broken], out, scheduler=cluster.scheduler_address, progress=False)
    assert summary.failed == 1
    assert "MethodError" in read_runs(out)["error"][0]
