"""A benchmark sweep: plan the runs, skip those already in the output, run the rest (local worker
processes or a Dask cluster), append each row as it finishes, and show progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from schedkit.bench.plan import Run
from schedkit.bench.pool import default_kill_after, run_local
from schedkit.bench.store import RunStore
from schedkit.bench.worker import FAILED


@dataclass
class SweepSummary:
    planned: int
    already_done: int
    ran: int = 0
    optimal: int = 0
    failed: int = 0
    dropped_torn_line: bool = False


def sweep(runs: list[Run], out, *, jobs: int = 1, scheduler=None, progress: bool = True,
          kill_after: Callable[[Run], float | None] = default_kill_after, console: Console | None = None) -> SweepSummary:
    """Run every run whose key is not yet in ``out`` and append its row as soon as it finishes.

    ``scheduler`` (an address or a ``distributed.Client``) sends the runs to Dask; without it they
    run in local worker processes, ``jobs`` at a time, each killed after ``kill_after(run)`` seconds.
    Interrupting is safe: finished rows are on disk, and the same call later does only the rest.
    """
    store = RunStore(out, lock=True)
    try:
        todo = [run for run in runs if run.key not in store.done]
        summary = SweepSummary(planned=len(runs), already_done=len(runs) - len(todo),
                               dropped_torn_line=store.dropped_torn_line)
        if todo:
            _run(todo, store, summary, jobs, scheduler, progress, kill_after, console)
    finally:
        store.unlock()
    return summary


def _run(todo: list[Run], store: RunStore, summary: SweepSummary, jobs: int, scheduler, progress: bool,
         kill_after: Callable[[Run], float | None], console: Console | None) -> None:
    if scheduler is not None:
        from schedkit.bench.distributed import run_dask

        rows: Iterable[dict] = run_dask(todo, scheduler)
    else:
        rows = run_local(todo, jobs=jobs, kill_after=kill_after)
    console = console or Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("elapsed"),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[counts]}"))
    with Progress(*columns, console=console, disable=not progress) as bar:
        task = bar.add_task(f"bench ({summary.already_done} done before)", total=len(todo), counts="")
        try:
            for row in rows:
                store.append(row)
                summary.ran += 1
                summary.optimal += row["status"] == "optimal"
                summary.failed += row["status"] == FAILED
                bar.update(task, advance=1, counts=f"optimal {summary.optimal}  failed {summary.failed}")
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # kill the runs still going (their rows are not written)
