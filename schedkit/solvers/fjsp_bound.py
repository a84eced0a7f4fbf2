"""Lower bound of the flexible job shop used for gaps and as an optimality stop:
max(longest job on its fastest machines, ⌈LP assignment bound⌉) (``fjsp_rho.md`` §3.5)."""

from __future__ import annotations

import math

from schedkit.errors import SolverError
from schedkit.models.fjsp_lp import build_fjsp_lp
from schedkit.solvers.highs import run_highs


def lp_assignment_bound(instance) -> int | None:
    """⌈optimum of the LP assignment relaxation⌉ solved by HiGHS, or None when HiGHS fails."""
    model = build_fjsp_lp(instance)
    try:
        outcome = run_highs(model, time_limit=60)
    except SolverError:
        return None
    if outcome.status != "optimal":
        return None
    return math.ceil(model.makespan.value - 1e-6)


def fjsp_lower_bound(instance) -> int:
    """max(longest job with shortest times, ⌈LP⌉, the simple load bounds of ``bounds.fjsp_bound``)."""
    from schedkit.bounds import fjsp_bound

    lp = lp_assignment_bound(instance)
    return max(fjsp_bound(instance), lp or 0)
