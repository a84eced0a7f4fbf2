"""The RCPSP validator names every kind of violation, on a hand-worked project."""

from dataclasses import replace

import pytest

from schedkit.instances import Downtime, Mode, RCPSPInstance
from schedkit.validate import validate

PROJECT = RCPSPInstance(
    name="small",
    modes=((Mode(0, (0,)),), (Mode(3, (2,)),), (Mode(2, (2,)),), (Mode(2, (1,)),), (Mode(0, (0,)),)),
    successors=((1, 2, 3), (4,), (4,), (4,), ()),
    capacities=(3,),
)
# feasible: 1 in [0, 3), 2 in [3, 5), 3 in [0, 2) beside 1; makespan 5
GOOD = [(0, 0), (0, 3), (3, 5), (0, 2), (5, 5)]


def rows(times):
    return [{"task": t, "start": s, "end": e} for t, (s, e) in enumerate(times)]


def test_feasible_schedule_passes_with_its_makespan():
    report = validate(PROJECT, rows(GOOD))
    assert report.ok and report.objective == 5


@pytest.mark.parametrize(("changes", "times", "code", "words"), [
    ({}, [(0, 0), (0, 3), (2, 4), (0, 2), (5, 5)], "capacity", "resource 0 uses 4 > 3 available in [2, 3)"),
    ({}, [(0, 0), (0, 3), (3, 5), (0, 2), (4, 4)], "precedence", "task 4 starts at 4 before its predecessor task 2"),
    ({}, [(0, 0), (0, 3), (3, 6), (0, 2), (6, 6)], "duration", "task 2 runs [3, 6)"),
    ({"release_dates": (0, 1, 0, 0, 0)}, GOOD, "release", "task 1 starts at 0 before its release date 1"),
    ({"deadlines": (None, None, 4, None, None)}, GOOD, "deadline", "task 2 ends at 5 after its deadline 4"),
    ({"downtimes": (Downtime(0, 1, 2, 2),)}, GOOD, "downtime", "resource 0 uses 3 > 2 available in [1, 2)"),
    ({"disjunctive": ((1, 3),)}, GOOD, "disjunctive", "tasks 1 [0, 3) and 3 [0, 2) must not overlap"),
])
def test_each_violation_is_named(changes, times, code, words):
    report = validate(replace(PROJECT, **changes), rows(times))
    assert code in report.codes()
    assert any(words in str(v) for v in report.violations)


def test_missing_task_and_bad_mode():
    report = validate(PROJECT, rows(GOOD)[:-1])
    assert not report.ok and report.objective is None
    bad_mode = rows(GOOD)
    bad_mode[1]["mode"] = 2
    assert "mode" in validate(PROJECT, bad_mode).codes()


def test_nonrenewable_budget():
    instance = RCPSPInstance(name="nr", modes=((Mode(1, (0,), (3,)), Mode(2, (0,), (1,))),), successors=((),),
                             capacities=(1,), nonrenewable_capacities=(2,))
    report = validate(instance, [{"task": 0, "start": 0, "end": 1, "mode": 0}])
    assert "nonrenewable" in report.codes()
    assert validate(instance, [{"task": 0, "start": 0, "end": 2, "mode": 1}]).ok
