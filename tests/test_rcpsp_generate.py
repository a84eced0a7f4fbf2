"""``schedkit generate rcpsp``: seeded and reproducible, the precedence ramp has exactly k arcs at
level k, feasible instances solve, planted conflicts are infeasible."""

import numpy as np
from click.testing import CliRunner

from schedkit.cli import main
from schedkit.instances import load
from schedkit.instances.generate_rcpsp import generate_rcpsp
from schedkit.registry import SolveOptions, solve


def test_same_seed_same_files(tmp_path):
    runner = CliRunner()
    for folder in ("a", "b"):
        result = runner.invoke(main, ["generate", "rcpsp", "--tasks", "12", "--levels", "3", "--infeasible", "mixed",
                                      "--seed", "5", "--out", str(tmp_path / folder)])
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == 3 and all("infeasible" in n for n in names)
    for name in names:
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()
        assert load(tmp_path / "a" / name).n == 12


def test_ramp_adds_one_arc_per_level():
    for level in (1, 5, 12):
        instance = generate_rcpsp(20, 5, 2, level, np.random.default_rng(level), name="gen")
        assert sum(len(s) for s in instance.successors) == level


def test_feasible_ramp_is_feasible():
    for level in (2, 8, 14):
        instance = generate_rcpsp(15, 4, 3, level, np.random.default_rng(100 + level), p_axes=1.0, name="gen")
        assert solve(instance, "rcpsp/cpsat", SolveOptions(time_limit=20, threads=1)).status == "optimal"
