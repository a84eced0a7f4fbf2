"""Every reader raises InstanceError naming the file, the line and what was expected."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from schedkit.cli import main
from schedkit.errors import InstanceError
from schedkit.instances import load

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


def broken_copy(tmp_path, source: Path, name: str, edit) -> Path:
    lines = source.read_text().splitlines()
    edit(lines)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def expect_error(path, line, fragment, **kwargs):
    with pytest.raises(InstanceError) as caught:
        load(path, **kwargs)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:" if line else f"{path}:"), message
    assert fragment in message, message
    return message


J30 = INSTANCES / "rcpsp/j30/j301_1.sm"


def j30_line(text: str) -> int:
    """1-based number of the first line of j301_1.sm that starts with ``text``."""
    for number, line in enumerate(J30.read_text().splitlines(), start=1):
        if line.strip().startswith(text):
            return number
    raise AssertionError(text)


def test_psplib_non_integer_duration(tmp_path):
    row = j30_line("2      1     8")  # job 2: mode 1, duration 8

    def edit(lines):
        lines[row - 1] = lines[row - 1].replace(" 8 ", " 8.5 ", 1)

    expect_error(broken_copy(tmp_path, J30, "bad.sm", edit), row, "expected a duration (an integer), got '8.5'")


def test_psplib_negative_duration(tmp_path):
    row = j30_line("2      1     8")

    def edit(lines):
        lines[row - 1] = lines[row - 1].replace(" 8 ", " -8 ", 1)

    expect_error(broken_copy(tmp_path, J30, "neg.sm", edit), row, "expected a duration >= 0, got -8")


def test_psplib_truncated(tmp_path):
    row = j30_line("REQUESTS/DURATIONS")

    def edit(lines):
        del lines[row + 5 :]

    expect_error(broken_copy(tmp_path, J30, "short.sm", edit), None, "section ends early")


def test_psplib_wrong_successor_count(tmp_path):
    row = j30_line("1        1          3")

    def edit(lines):
        lines[row - 1] = lines[row - 1].replace("3           2", "4           2")

    expect_error(broken_copy(tmp_path, J30, "count.sm", edit), row, "expected 4 successors, got 3")


def test_psplib_successor_out_of_range(tmp_path):
    row = j30_line("1        1          3")

    def edit(lines):
        lines[row - 1] = lines[row - 1].replace("   4", "  99")

    expect_error(broken_copy(tmp_path, J30, "range.sm", edit), row, "successor 99 out of range")


def test_psplib_cyclic_precedence(tmp_path):
    row = j30_line("6        1          1")  # job 6 → 30; add job 2 (2 → 6 already): a cycle

    def edit(lines):
        fields = lines[row - 1].split()
        fields[2] = str(int(fields[2]) + 1)
        fields.append("2")
        lines[row - 1] = "   ".join(fields)

    message = expect_error(broken_copy(tmp_path, J30, "cycle.sm", edit), None, "cyclic precedence")
    assert "2" in message and "6" in message


def test_patterson_errors(tmp_path):
    path = tmp_path / "bad.rcp"
    path.write_text("3 1\n4\n0 0 1 2\n3 x 1 3\n0 0 0\n")
    expect_error(path, 4, "expected demand 1 of activity 2 (an integer), got 'x'")
    path.write_text("3 1\n4\n0 0 1 2\n3 1 1 3\n")
    expect_error(path, 4, "file ends early: expected the duration of activity 3")
    path.write_text("3 1\n4\n0 0 1 2\n3 1 1 7\n0 0 0\n")
    expect_error(path, 4, "a successor of activity 2 <= 3, got 7")


def test_fjs_unknown_machine(tmp_path):
    path = tmp_path / "bad.fjs"
    path.write_text("2 2 1\n1 1 1 5\n2 1 3 4 1 2 6\n")
    expect_error(path, 3, "unknown machine 3 in job 2 operation 1: expected 1..2")


def test_fjs_truncated_and_extra(tmp_path):
    path = tmp_path / "short.fjs"
    path.write_text("2 2\n1 1 1 5\n")
    expect_error(path, 2, "file ends early: expected the number of operations of job 2")
    path.write_text("1 2\n1 1 1 5 9\n")
    expect_error(path, 2, "extra token '9'")


def test_fjs_negative_time(tmp_path):
    path = tmp_path / "neg.fjs"
    path.write_text("1 2\n1 1 1 -5\n")
    expect_error(path, 2, ">= 0, got -5")


def test_jsplib_errors(tmp_path):
    path = tmp_path / "js01"
    path.write_text("# comment\n2 2\n0 3 1 4\n1 5 7 6\n")
    expect_error(path, 4, "unknown machine 7: expected 0..1")
    path.write_text("# comment\n2 2\n0 3 1 4\n1 5\n")
    expect_error(path, 4, "file ends early")


def test_orlib_index_out_of_range():
    path = INSTANCES / "smtt/wt40.txt"
    expect_error(path, None, "index 126 out of range: expected 1..125", index=126)
    expect_error(path, None, "choose one with --index 1..125")


def test_orlib_wrong_count(tmp_path):
    path = tmp_path / "wt3.txt"
    path.write_text("1 2 3\n4 5 6\n7 8\n")
    expect_error(path, 3, "expected a multiple of 3*3 integers")


def test_smtt_csv_errors(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text("p,d\n3,4\n-2,5\n")
    expect_error(path, 3, "expected a processing time p >= 1, got -2")
    path.write_text("p,d\n3,4\n2,x\n")
    expect_error(path, 3, "expected an integer d, got 'x'")
    path.write_text("p,w\n3,4\n")
    expect_error(path, 1, "missing column 'd'")
    path.write_text("")
    expect_error(path, 1, "empty file")
    path.write_text("p,d\n3,4,5\n")
    expect_error(path, 2, "expected 2 fields")


def test_native_json_errors(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"schema": "schedkit.instance/1", "problem": "smtt",\n "name": "x", "p": [1, 2], "d": [1]}')
    expect_error(path, None, "p, d and w must have the same length")
    path.write_text('{"schema": "schedkit.instance/1",\n "problem": "smtt", oops}')
    expect_error(path, 2, "invalid JSON")


def test_unknown_format(tmp_path):
    path = tmp_path / "mystery.xyz"
    path.write_text("hello world\n")
    expect_error(path, None, "cannot tell the instance format")


def test_missing_file(tmp_path):
    expect_error(tmp_path / "nope.sm", None, "no such file")


def test_cli_prints_one_line_and_exits_nonzero(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("p,d\n3,4\n2.5,3\n")
    result = CliRunner().invoke(main, ["solve", str(path)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f"error: {path}:3: expected an integer p, got '2.5'"]
    assert "Traceback" not in result.output
