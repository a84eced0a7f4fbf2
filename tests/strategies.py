"""Hypothesis strategies for random small instances of each core family."""

from hypothesis import strategies as st

from schedkit.instances import Downtime, FJSPInstance, Mode, RCPSPInstance, SMTTInstance


@st.composite
def smtt_instances(draw, max_jobs=8, weighted=None):
    n = draw(st.integers(1, max_jobs))
    p = draw(st.lists(st.integers(1, 20), min_size=n, max_size=n))
    d = draw(st.lists(st.integers(0, sum(p)), min_size=n, max_size=n))
    use_weights = draw(st.booleans()) if weighted is None else weighted
    w = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)) if use_weights else None
    return SMTTInstance("random", tuple(p), tuple(d), None if w is None else tuple(w))


@st.composite
def rcpsp_instances(draw, max_tasks=7, extended=True, multi_mode=False):
    n = draw(st.integers(2, max_tasks))
    num_resources = draw(st.integers(1, 2))
    capacities = tuple(draw(st.lists(st.integers(1, 5), min_size=num_resources, max_size=num_resources)))
    modes = []
    for _ in range(n):
        count = draw(st.integers(1, 2)) if multi_mode else 1
        task_modes = []
        for _ in range(count):
            duration = draw(st.integers(0, 6))
            demands = tuple(draw(st.integers(0, c)) for c in capacities)
            task_modes.append(Mode(duration, demands, (draw(st.integers(0, 3)),) if multi_mode else ()))
        modes.append(tuple(task_modes))
    # edges only from lower to higher index: acyclic by construction
    successors = tuple(
        tuple(sorted(draw(st.sets(st.integers(i + 1, n - 1), max_size=2)))) if i < n - 1 else ()
        for i in range(n)
    )
    release = deadlines = None
    downtimes, disjunctive = (), ()
    if extended:
        if draw(st.booleans()):
            release = tuple(draw(st.integers(0, 5)) for _ in range(n))
        if draw(st.booleans()):
            deadlines = tuple(draw(st.one_of(st.none(), st.integers(10, 40))) for _ in range(n))
        downtimes = tuple(
            Downtime(r, s, s + draw(st.integers(1, 4)), draw(st.integers(0, capacities[r] - 1)))
            for r, s in draw(st.lists(st.tuples(st.integers(0, num_resources - 1), st.integers(0, 10)), max_size=2))
        )
        pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2))
        disjunctive = tuple((a, b) for a, b in pairs if a != b)
    return RCPSPInstance(
        name="random", modes=tuple(modes), successors=successors, capacities=capacities,
        nonrenewable_capacities=(draw(st.integers(3, 12)),) if multi_mode else (),
        release_dates=release, deadlines=deadlines, downtimes=downtimes, disjunctive=disjunctive,
    )


@st.composite
def fjsp_instances(draw, max_jobs=3, max_ops=3, max_machines=3, flexible=True):
    num_machines = draw(st.integers(1, max_machines))
    jobs = []
    for _ in range(draw(st.integers(1, max_jobs))):
        ops = []
        for _ in range(draw(st.integers(1, max_ops))):
            if flexible:
                machines = draw(st.sets(st.integers(0, num_machines - 1), min_size=1))
            else:
                machines = {draw(st.integers(0, num_machines - 1))}
            ops.append({m: draw(st.integers(1, 9)) for m in sorted(machines)})
        jobs.append(tuple(ops))
    return FJSPInstance("random", num_machines, tuple(jobs))
