"""Every shipped benchmark file parses, with the counts the sources state."""

from pathlib import Path

import pytest

from schedkit.instances import FJSPInstance, RCPSPInstance, SMTTInstance, load
from schedkit.instances.values import best_known

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


@pytest.mark.parametrize(("folder", "pattern", "count"), [
    ("rcpsp/j30", "*.sm", 480),
    ("rcpsp/j60", "*.sm", 480),
    ("rcpsp/j120", "*.sm", 600),
    ("rcpsp/patterson", "*.rcp", 110),
])
def test_rcpsp_sets_parse(folder, pattern, count):
    files = sorted((INSTANCES / folder).glob(pattern))
    assert len(files) == count
    for path in files:
        instance = load(path)
        assert isinstance(instance, RCPSPInstance)
        # PSPLIB: dummy source first, dummy sink last, both of duration 0
        assert instance.durations[0] == 0 and instance.durations[-1] == 0
        assert not instance.predecessors[0] and not instance.successors[-1]


def test_psplib_j30_sizes():
    instance = load(INSTANCES / "rcpsp/j30/j301_1.sm")
    assert instance.n == 32 and instance.num_resources == 4
    assert instance.capacities == (12, 13, 4, 12)
    assert instance.successors[0] == (1, 2, 3)


FJSP_SETS = {
    "Brandimarte1993": 15,
    "HurinkJurischThole1994/edata": 66,
    "HurinkJurischThole1994/rdata": 66,
    "HurinkJurischThole1994/sdata": 66,
    "DauzerePeresPaulli1994": 18,
    "BehnkeGeiger2012": 60,
    "ChambersBarnes1996": 21,
    "KacemHammadiBorne2002": 4,
    "FattahiMehrabadJolai2007": 20,
}


@pytest.mark.parametrize(("folder", "count"), FJSP_SETS.items())
def test_fjsp_sets_parse(folder, count):
    files = sorted((INSTANCES / "fjsp" / folder).glob("*.txt"))
    assert len(files) == count
    for path in files:
        instance = load(path)
        assert isinstance(instance, FJSPInstance)
        assert instance.num_operations > 0
        # every shipped FJSP file is in the ScheduleOpt table under the name the reader gives it
        assert best_known(instance.problem, instance.name) is not None, instance.name


def test_hurink_sdata_is_a_job_shop():
    instance = load(INSTANCES / "fjsp/HurinkJurischThole1994/sdata/la01.txt")
    assert instance.problem == "jssp" and instance.name == "la01_sdata"


def test_jsplib_parse_all():
    files = sorted(p for p in (INSTANCES / "jssp/instances").iterdir() if p.is_file())
    assert len(files) == 162
    for path in files:
        instance = load(path)
        assert instance.problem == "jssp"
        assert all(len(ops) == instance.num_machines for ops in instance.jobs)
        assert best_known("jssp", instance.name) is not None, instance.name
    ft06 = load(INSTANCES / "jssp/instances/ft06")
    assert (ft06.num_jobs, ft06.num_machines) == (6, 6)
    assert ft06.jobs[0][0] == {2: 1}


@pytest.mark.parametrize("n", [40, 50, 100])
def test_orlib_all_125(n):
    path = INSTANCES / f"smtt/wt{n}.txt"
    for index in range(1, 126):
        instance = load(path, index=index)
        assert isinstance(instance, SMTTInstance) and instance.n == n and instance.weighted
        assert instance.name == f"wt{n}_{index}"
        assert best_known("smtt", instance.name) is not None


def test_orlib_first_instance_values():
    instance = load(INSTANCES / "smtt/wt40.txt", index=1)
    assert instance.p[:3] == (26, 24, 79)
    assert instance.w[:3] == (1, 10, 9)
    assert instance.d[:3] == (1588, 1620, 1731)
    assert best_known("smtt", "wt40_1").upper == 913


def test_value_tables():
    assert best_known("rcpsp", "j301_1").upper == 43 and best_known("rcpsp", "j301_1").optimal
    open_j60 = best_known("rcpsp", "j609_1")
    assert (open_j60.lower, open_j60.upper) == (82, 87) and not open_j60.optimal
    assert best_known("rcpsp", "pat1").upper == 19
    assert best_known("fjsp", "mk01").upper == 40
    assert best_known("jssp", "ft06").upper == 55
    assert best_known("jssp", "la01").upper == 666
    assert best_known("jssp", "ta01").upper == 1231
    assert best_known("rcpsp", "no_such_instance") is None


def test_smtt_csv_with_names(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text("name,p,d,w\na,3,4,2\nb,5,6,1\n")
    instance = load(path)
    assert instance.p == (3, 5) and instance.d == (4, 6) and instance.w == (2, 1)
    path.write_text("p,d\n3,4\n5,6\n")
    assert load(path).w is None


def test_taillard_original_format(tmp_path):
    path = tmp_path / "tai.txt"
    path.write_text(
        "Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound\n"
        "2 2 1 1 10 5\nTimes\n 3 4\n 5 6\nMachines\n 1 2\n 2 1\n"
    )
    instance = load(path, problem="jssp")
    assert instance.jobs == (({0: 3}, {1: 4}), ({1: 5}, {0: 6}))


def test_multimode_psplib(tmp_path):
    text = """************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  20
RESOURCES
  - renewable                 :  1   R
  - nonrenewable              :  1   N
  - doubly constrained        :  0   D
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        2          1           4
   3        2          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  N 1
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     3       2    4
         2     5       1    1
  3      1     2       2    3
         2     4       1    1
  4      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  N 1
    2    5
************************************************************************
"""
    path = tmp_path / "tiny.mm"
    path.write_text(text)
    instance = load(path)
    assert instance.multi_mode and instance.capacities == (2,) and instance.nonrenewable_capacities == (5,)
    assert [len(m) for m in instance.modes] == [1, 2, 2, 1]
    assert instance.modes[2][1].duration == 4 and instance.modes[2][1].nonrenewable == (1,)
