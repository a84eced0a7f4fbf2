"""Improvement of a (flexible) job-shop schedule by re-decoding it with gap insertion.

``left_shift`` keeps every machine and replays the operations in order of their start, each at
the earliest time its job allows in the first machine gap that fits (semi-active with
back-filling); no operation moves later, so the makespan never grows. ``reassign`` replays
the same order but lets each operation take the eligible machine where it ends earliest (the
"active decoding" of FJSP genetic algorithms, e.g. Zhang, Gao & Shi 2011 §3.3); it is kept only
when it shortens the makespan. Used as the local improvement of the dispatching rules and as
the final pass of the rolling horizon, whose append-only windows leave machine gaps
(``fjsp_rho.md`` §1.9).
"""

from __future__ import annotations

from bisect import bisect_right


def makespan(rows: list[dict]) -> int:
    return max((r["end"] for r in rows), default=0)


class _Machine:
    """Busy intervals of one machine, sorted (they do not overlap, so ends are sorted too)."""

    __slots__ = ("ends", "starts")

    def __init__(self):
        self.starts: list[int] = []
        self.ends: list[int] = []

    def earliest_fit(self, ready: int, duration: int) -> int:
        t = ready
        for i in range(bisect_right(self.ends, ready), len(self.starts)):
            if self.starts[i] >= t + duration:
                break
            t = max(t, self.ends[i])
        return t

    def add(self, start: int, end: int) -> None:
        i = bisect_right(self.starts, start)
        if i > 0 and self.starts[i - 1] == start and end < self.ends[i - 1]:
            i -= 1  # a zero-length operation goes before the interval that starts with it
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _replay(instance, rows: list[dict], free_machine: bool) -> list[dict]:
    order = sorted(rows, key=lambda r: (r["start"], r["job"], r["op"]))
    machines = [_Machine() for _ in range(instance.num_machines)]
    job_ready = [0] * instance.num_jobs
    out = []
    for row in order:
        j, o = row["job"], row["op"]
        eligible = instance.jobs[j][o]
        choices = sorted(eligible) if free_machine else [row["machine"]]
        best = None
        for m in choices:
            start = machines[m].earliest_fit(job_ready[j], eligible[m])
            key = (start + eligible[m], m != row["machine"], start, m)
            if best is None or key < best:
                best = key
        end, _, start, m = best
        machines[m].add(start, end)
        job_ready[j] = end
        out.append({"job": j, "op": o, "machine": m, "start": start, "end": end})
    out.sort(key=lambda r: (r["job"], r["op"]))
    return out


def left_shift(instance, rows: list[dict]) -> list[dict]:
    """Same machines, each operation as early as possible in machine gaps; never later than before."""
    return _replay(instance, rows, free_machine=False)


def reassign(instance, rows: list[dict]) -> list[dict]:
    """Replay in start order, each operation on the eligible machine where it ends earliest."""
    return _replay(instance, rows, free_machine=True)


def improve(instance, rows: list[dict], rounds: int = 20) -> list[dict]:
    """Left-shift, then alternate machine reassignment and left-shift while the makespan falls."""
    best = left_shift(instance, rows)
    for _ in range(rounds):
        candidate = left_shift(instance, reassign(instance, best))
        if makespan(candidate) >= makespan(best):
            break
        best = candidate
    return best
