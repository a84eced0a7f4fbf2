"""Schedules broken on purpose in each way are caught with the right code; correct ones pass."""

import copy

from schedkit.instances import Downtime, FJSPInstance, Mode, RCPSPInstance, SMTTInstance
from schedkit.validate import validate

SMTT = SMTTInstance("t", p=(3, 2, 4), d=(3, 4, 6), w=(1, 2, 3))
SMTT_OK = [{"job": 0, "start": 0, "end": 3}, {"job": 1, "start": 3, "end": 5}, {"job": 2, "start": 5, "end": 9}]


def broken(rows, index, **changes):
    rows = copy.deepcopy(rows)
    rows[index].update(changes)
    return rows


def test_smtt_correct_schedule_and_objective():
    report = validate(SMTT, SMTT_OK)
    assert report.ok
    assert report.objective == 0 * 1 + 1 * 2 + 3 * 3  # C = 3, 5, 9 against d = 3, 4, 6


def test_smtt_violations():
    assert validate(SMTT, broken(SMTT_OK, 1, start=2, end=4)).codes() == {"overlap"}
    assert validate(SMTT, broken(SMTT_OK, 2, end=10)).codes() == {"duration"}
    assert validate(SMTT, SMTT_OK[:2]).codes() == {"missing"}
    assert validate(SMTT, [*SMTT_OK, dict(SMTT_OK[0])]).codes() >= {"duplicate"}
    assert validate(SMTT, [*SMTT_OK, {"job": 7, "start": 20, "end": 21}]).codes() == {"unknown"}
    assert validate(SMTT, broken(SMTT_OK, 0, start=-3, end=0)).codes() == {"start"}
    assert validate(SMTT, broken(SMTT_OK, 0, start="0")).codes() >= {"format"}
    assert validate(SMTT, SMTT_OK[:2]).objective is None


# Tasks: 0 source, 1 and 2 parallel, 3 sink; one resource of capacity 2.
RCPSP = RCPSPInstance(
    "r",
    modes=((Mode(0, (0,)),), (Mode(3, (1,)),), (Mode(2, (2,)),), (Mode(0, (0,)),)),
    successors=((1, 2), (3,), (3,), ()),
    capacities=(2,),
)
RCPSP_OK = [
    {"task": 0, "start": 0, "end": 0},
    {"task": 1, "start": 0, "end": 3},
    {"task": 2, "start": 3, "end": 5},
    {"task": 3, "start": 5, "end": 5},
]


def test_rcpsp_correct():
    report = validate(RCPSP, RCPSP_OK)
    assert report.ok and report.objective == 5


def test_rcpsp_violations():
    assert validate(RCPSP, broken(RCPSP_OK, 2, start=1, end=3)).codes() == {"capacity"}
    assert validate(RCPSP, broken(RCPSP_OK, 3, start=4, end=4)).codes() == {"precedence"}
    assert validate(RCPSP, broken(RCPSP_OK, 1, end=4)).codes() >= {"duration"}
    assert validate(RCPSP, RCPSP_OK[1:]).codes() == {"missing"}
    assert validate(RCPSP, broken(RCPSP_OK, 1, mode=3)).codes() == {"mode"}


def test_rcpsp_extended_constraints_named():
    instance = RCPSPInstance(
        "x", modes=RCPSP.modes, successors=RCPSP.successors, capacities=(2,),
        release_dates=(0, 1, 0, 0), deadlines=(None, None, 4, None),
        downtimes=(Downtime(0, 1, 2, 0),), disjunctive=((1, 2),),
    )
    report = validate(instance, RCPSP_OK)
    messages = " ".join(str(v) for v in report.violations)
    assert report.codes() == {"release", "deadline", "downtime"}
    assert "release date 1" in messages and "deadline 4" in messages and "[1, 2)" in messages
    overlapping = [
        {"task": 0, "start": 0, "end": 0}, {"task": 1, "start": 5, "end": 8},
        {"task": 2, "start": 6, "end": 8}, {"task": 3, "start": 8, "end": 8},
    ]
    spaced = RCPSPInstance("y", modes=RCPSP.modes, successors=RCPSP.successors, capacities=(3,), disjunctive=((1, 2),))
    report = validate(spaced, overlapping)
    assert report.codes() == {"disjunctive"}
    assert any(v.code == "disjunctive" and "tasks 1" in v.message for v in report.violations)


def test_rcpsp_nonrenewable_budget():
    instance = RCPSPInstance(
        "m",
        modes=((Mode(0, (0,), (0,)),), (Mode(2, (1,), (3,)), Mode(4, (1,), (1,))), (Mode(0, (0,), (0,)),)),
        successors=((1,), (2,), ()), capacities=(1,), nonrenewable_capacities=(2,),
    )
    fast = [{"task": 0, "start": 0, "end": 0, "mode": 0}, {"task": 1, "start": 0, "end": 2, "mode": 0},
            {"task": 2, "start": 2, "end": 2, "mode": 0}]
    assert validate(instance, fast).codes() == {"nonrenewable"}
    slow = [{"task": 0, "start": 0, "end": 0, "mode": 0}, {"task": 1, "start": 0, "end": 4, "mode": 1},
            {"task": 2, "start": 4, "end": 4, "mode": 0}]
    assert validate(instance, slow).ok


FJSP = FJSPInstance("f", num_machines=2, jobs=(({0: 3, 1: 5}, {1: 2}), ({0: 2},)))
FJSP_OK = [
    {"job": 0, "op": 0, "machine": 0, "start": 0, "end": 3},
    {"job": 0, "op": 1, "machine": 1, "start": 3, "end": 5},
    {"job": 1, "op": 0, "machine": 0, "start": 3, "end": 5},
]


def test_fjsp_correct():
    report = validate(FJSP, FJSP_OK)
    assert report.ok and report.objective == 5


def test_fjsp_violations():
    assert validate(FJSP, broken(FJSP_OK, 2, start=2, end=4)).codes() == {"overlap"}
    assert validate(FJSP, broken(FJSP_OK, 1, machine=0, start=5, end=7)).codes() == {"ineligible_machine"}
    assert validate(FJSP, broken(FJSP_OK, 0, machine=1)).codes() == {"duration"}
    assert validate(FJSP, broken(FJSP_OK, 1, start=2, end=4)).codes() == {"precedence"}
    assert validate(FJSP, FJSP_OK[:2]).codes() == {"missing"}
    assert validate(FJSP, [*FJSP_OK, dict(FJSP_OK[2])]).codes() >= {"duplicate"}
    report = validate(FJSP, broken(FJSP_OK, 2, start=2, end=4))
    assert "operation (1, 0)" in report.violations[0].message and "machine 0" in report.violations[0].message
