"""Run each benchmark run in a fresh worker process, at most ``jobs`` at a time.

Why not ``concurrent.futures.ProcessPoolExecutor``: it cannot stop one task that overruns its
time limit, and one worker that dies (a segfault in a solver, the OOM killer) breaks the whole pool
and fails every pending run. Here each run has a process of its own (forked from a forkserver that
has imported schedkit once, so a run starts in milliseconds): a run that dies or overruns is killed
and recorded as a failed row, and the others go on.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait

from schedkit.bench.plan import Run
from schedkit.bench.worker import failed_row, run_one


def default_kill_after(run: Run) -> float | None:
    """Seconds after which a run's process is killed: twice its time limit plus 30 s for loading,
    model building and validation; None (never) without a time limit."""
    return None if run.time_limit is None else 2 * run.time_limit + 30


def _watch(sweep_pid: int) -> None:
    """End this run's process when the sweep is gone (killed alone, not with its process group):
    nobody is left to record the row, and an orphan would hold a core until its time limit."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(sweep_pid, 0)
        except ProcessLookupError:
            os._exit(1)


def _child(run: Run, connection, sweep_pid: int) -> None:
    # Ctrl-C reaches the whole process group: the parent handles it, the run must not half-finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch, args=(sweep_pid,), daemon=True).start()
    connection.send(run_one(run))
    connection.close()


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["schedkit.bench.worker", "schedkit.bench._preload"])
    return context


def start_workers() -> None:
    """Start the forkserver now, so that it imports the methods while the caller plans the sweep."""
    _context()
    multiprocessing.forkserver.ensure_running()


def run_local(runs: Iterable[Run], jobs: int = 1,
              kill_after: Callable[[Run], float | None] = default_kill_after) -> Iterator[dict]:
    """Yield one row per run as each finishes (in finishing order). On KeyboardInterrupt (or when
    the consumer stops iterating) the running processes are killed and no row is yielded for them."""
    context = _context()
    pending = list(runs)[::-1]
    running: dict = {}  # parent end of the pipe → (process, run, started)
    try:
        while pending or running:
            while pending and len(running) < max(1, jobs):
                run = pending.pop()
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(run, sender, os.getpid()), daemon=True)
                process.start()
                sender.close()  # so that the receiver sees EOF when the child dies
                running[receiver] = (process, run, time.perf_counter())
            deadlines = [started + limit for _, run, started in running.values()
                         if (limit := kill_after(run)) is not None]
            timeout = None if not deadlines else max(0.0, min(deadlines) - time.perf_counter())
            for receiver in wait(list(running), timeout=timeout):
                process, run, started = running.pop(receiver)
                try:
                    row = receiver.recv()
                except EOFError:
                    process.join()
                    row = failed_row(run, f"crashed: worker process exited with code {process.exitcode}",
                                     time.perf_counter() - started)
                receiver.close()
                process.join()
                yield row
            now = time.perf_counter()
            for receiver, (process, run, started) in list(running.items()):
                limit = kill_after(run)
                if limit is not None and now - started > limit:
                    process.kill()
                    process.join()
                    receiver.close()
                    del running[receiver]
                    yield failed_row(run, f"timeout: killed after {now - started:.1f}s "
                                          f"(time limit {run.time_limit}s)", now - started)
    finally:
        for receiver, (process, _, _) in running.items():
            process.kill()
            process.join()
            receiver.close()
