"""Run a sweep on a Dask distributed cluster: the way past one machine.

Each run is one task (``run_one``); rows come back to the process that writes the output file, so
resume works exactly as with the local pool. Dask's nanny restarts a worker that dies and retries its
task; a task that keeps killing workers ends as ``KilledWorker`` and is recorded as a failed row. A run
that overruns its time limit is not killed here (solvers honour their limits; the local pool is the
place for a hard kill).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from schedkit.bench.plan import Run
from schedkit.bench.worker import failed_row, run_one
from schedkit.errors import SchedkitError


def run_dask(runs: Iterable[Run], scheduler) -> Iterator[dict]:
    """Yield one row per run as each finishes. ``scheduler`` is an address (``tcp://host:8786``) or a
    ``distributed.Client``. Runs not yet finished are cancelled when iteration stops early."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SchedkitError("--scheduler needs dask.distributed: pip install 'schedkit[dask]'") from None
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    futures = {}
    try:
        for run in runs:
            # pure=False: two runs with equal arguments (e.g. a repeated deterministic method) both run
            futures[client.submit(run_one, run, pure=False)] = run
        for future in as_completed(futures):
            run = futures.pop(future)
            try:
                yield future.result()
            except Exception as error:  # a lost task becomes a failed row
                yield failed_row(run, f"dask: {type(error).__name__}: {error}")
    finally:
        if futures:
            client.cancel(list(futures))
        if client is not scheduler:
            client.close()
