"""The command line end to end: solve writes a result that validate accepts."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from schedkit.cli import main

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(("path", "extra", "optimum"), [
    ("rcpsp/j30/j301_1.sm", [], 43),
    ("fjsp/Brandimarte1993/mk01.txt", [], 40),
    ("smtt/example.csv", ["--method", "smtt/cpsat", "--warm-start", "smtt/edd"], None),
    ("smtt/wt40.txt", ["--index", "3", "--method", "smtt/edd"], None),
])
def test_solve_then_validate(tmp_path, path, extra, optimum):
    output = tmp_path / "result.json"
    index = ["--index", extra[extra.index("--index") + 1]] if "--index" in extra else []
    solved = run("solve", INSTANCES / path, "--time-limit", 60, "--output", output, *extra)
    assert solved.exit_code == 0, solved.output
    assert "status:" in solved.output
    data = json.loads(output.read_text())
    assert data["schema"] == "schedkit.result/1"
    assert set(data) >= {"problem", "instance", "method", "status", "objective", "bound", "runtime_s", "schedule"}
    if optimum is not None:
        assert data["objective"] == optimum and data["status"] == "optimal"
    checked = run("validate", INSTANCES / path, output, *index)
    assert checked.exit_code == 0, checked.output
    assert f"objective {data['objective']}" in checked.output


def test_validate_rejects_wrong_objective_and_broken_schedule(tmp_path):
    output = tmp_path / "result.json"
    assert run("solve", INSTANCES / "smtt/example.csv", "--method", "smtt/edd", "--output", output).exit_code == 0
    data = json.loads(output.read_text())
    data["objective"] += 1
    output.write_text(json.dumps(data))
    checked = run("validate", INSTANCES / "smtt/example.csv", output)
    assert checked.exit_code == 1 and "[objective]" in checked.output
    data["objective"] -= 1
    data["schedule"][0]["end"] += 1
    output.write_text(json.dumps(data))
    checked = run("validate", INSTANCES / "smtt/example.csv", output)
    assert checked.exit_code == 1 and "[duration]" in checked.output


def test_json_output_and_rows():
    result = run("solve", INSTANCES / "jssp/instances/ft06", "--time-limit", 30, "--json")
    data = json.loads(result.output)
    assert data["problem"] == "jssp" and data["objective"] == 55
    assert set(data["schedule"][0]) == {"job", "op", "machine", "start", "end"}


def test_info_and_convert(tmp_path):
    info = run("info", INSTANCES / "rcpsp/j30/j301_1.sm")
    assert info.exit_code == 0
    assert "critical_path_bound  38" in info.output and "best_known           43" in info.output
    converted = tmp_path / "j301_1.json"
    assert run("convert", INSTANCES / "rcpsp/j30/j301_1.sm", converted).exit_code == 0
    assert json.loads(converted.read_text())["schema"] == "schedkit.instance/1"
    again = run("info", converted)
    assert "critical_path_bound  38" in again.output
    bad = run("convert", INSTANCES / "rcpsp/j30/j301_1.sm", tmp_path / "x.fjs")
    assert bad.exit_code == 2 and "cannot write a rcpsp instance as .fjs" in bad.output


def test_methods_and_unknown_method():
    listed = run("methods", "--problem", "rcpsp")
    assert "rcpsp/cpsat" in listed.output and "smtt/" not in listed.output
    unknown = run("solve", INSTANCES / "smtt/example.csv", "--method", "smtt/nope")
    assert unknown.exit_code == 2 and "unknown method 'smtt/nope'" in unknown.output
    wrong = run("solve", INSTANCES / "smtt/example.csv", "--method", "rcpsp/cpsat")
    assert wrong.exit_code == 2 and "solves rcpsp, not smtt" in wrong.output
