"""``load(path)``: find the format of an instance file from its content and extension, read it.

Formats are registered in ``FORMATS`` (a family module may add its own); each has a sniffer that
looks at the text and a reader that returns a whole instance or raises InstanceError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from schedkit.errors import InstanceError
from schedkit.instances._tokens import read_text
from schedkit.instances.cosma import CosmaInstance, looks_like_graph, read_graph
from schedkit.instances.fjsp import FJSPInstance, is_taillard, read_fjs, read_jsplib, read_taillard, write_fjs
from schedkit.instances.rcpsp import RCPSPInstance, read_patterson, read_psplib
from schedkit.instances.smtt import SMTTInstance, read_orlib_wt, read_smtt_csv, write_smtt_csv

INSTANCE_SCHEMA = "schedkit.instance/1"

# problem name → instance class with to_dict / from_dict (jssp is the one-machine case of fjsp)
FAMILIES: dict[str, type] = {
    "smtt": SMTTInstance,
    "rcpsp": RCPSPInstance,
    "fjsp": FJSPInstance,
    "jssp": FJSPInstance,
    "cosma": CosmaInstance,
}


@dataclass(frozen=True)
class Format:
    name: str
    problems: tuple[str, ...]
    extensions: tuple[str, ...]
    sniff: Callable[[str, Path], bool]
    read: Callable[[str, Path, int | None], object]


def _first_line_fields(text: str, comment: str | None = None) -> list[str]:
    for line in text.splitlines():
        if comment and line.lstrip().startswith(comment):
            continue
        if line.split():
            return line.split()
    return []


def _looks_like_jsplib(text: str, path: Path) -> bool:
    rows = [line.split() for line in text.splitlines() if line.split() and not line.lstrip().startswith("#")]
    if not rows or len(rows[0]) != 2 or not all(f.isdigit() for f in rows[0]):
        return False
    num_jobs, num_machines = int(rows[0][0]), int(rows[0][1])
    return len(rows) == num_jobs + 1 and all(len(r) == 2 * num_machines for r in rows[1:])


def _parses_as_fjs(text: str, path: Path) -> bool:
    # FJSPLIB has no signature line: a file is FJSPLIB when it reads as one (files are small).
    if not 2 <= len(_first_line_fields(text)) <= 3:
        return False
    try:
        read_fjs(text, path)
    except InstanceError:
        return False
    return True


def _looks_like_native(text: str, path: Path) -> bool:
    return text.lstrip().startswith("{") and INSTANCE_SCHEMA in text[:4096]


def _read_native(text: str, path: Path, index: int | None) -> object:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InstanceError(path, error.lineno, f"invalid JSON: {error.msg}") from None
    if not isinstance(data, dict) or data.get("schema") != INSTANCE_SCHEMA:
        raise InstanceError(path, 1, f"expected a JSON object with \"schema\": \"{INSTANCE_SCHEMA}\"")
    problem = data.get("problem")
    if problem not in FAMILIES:
        raise InstanceError(path, 1, f"unknown problem {problem!r}: expected one of {sorted(FAMILIES)}")
    try:
        return FAMILIES[problem].from_dict(data)
    except InstanceError as error:
        raise InstanceError(path, None, error.detail) from None
    except (KeyError, TypeError, ValueError) as error:
        raise InstanceError(path, None, f"malformed {problem} instance: {error!r}") from None


FORMATS: list[Format] = [
    Format("native-json", tuple(FAMILIES), (".json",), _looks_like_native, _read_native),
    Format("psplib", ("rcpsp",), (".sm", ".mm"), lambda t, p: "PRECEDENCE RELATIONS" in t.upper(),
           lambda t, p, i: read_psplib(t, p)),
    Format("patterson", ("rcpsp",), (".rcp",), lambda t, p: p.suffix.lower() == ".rcp", lambda t, p, i: read_patterson(t, p)),
    Format("smtt-csv", ("smtt",), (".csv",),
           lambda t, p: {"p", "d"} <= {f.strip().lower() for f in (t.splitlines() or [""])[0].split(",")},
           lambda t, p, i: read_smtt_csv(t, p)),
    Format("orlib-wt", ("smtt",), (), lambda t, p: bool(re.fullmatch(r"wt\d+", p.stem)),
           lambda t, p, i: read_orlib_wt(t, p, i)),
    Format("taillard", ("jssp", "fjsp"), (), lambda t, p: is_taillard(t), lambda t, p, i: read_taillard(t, p)),
    Format("jsplib", ("jssp", "fjsp"), ("", ".jss"), _looks_like_jsplib, lambda t, p, i: read_jsplib(t, p)),
    Format("fjsplib", ("fjsp", "jssp"), (".fjs", ".txt"), _parses_as_fjs, lambda t, p, i: read_fjs(t, p)),
    Format("cosma-graph", ("cosma",), (".json",), looks_like_graph, lambda t, p, i: read_graph(t, p)),
]


def detect_format(text: str, path: Path, problem: str | None = None) -> Format:
    """The format of a file: a sniffer match with the file's extension first, then any sniffer
    match, then (with ``problem`` given) the only format of that problem with this extension."""
    candidates = [f for f in FORMATS if problem is None or problem in f.problems]
    if problem is not None and not candidates:
        raise InstanceError(path, None, f"unknown problem {problem!r}: expected one of {sorted(FAMILIES)}")
    suffix = path.suffix.lower()
    sniffed = [f for f in candidates if f.sniff(text, path)]
    for fmt in sniffed:
        if suffix in fmt.extensions:
            return fmt
    if sniffed:
        return sniffed[0]
    by_extension = [f for f in candidates if suffix in f.extensions]
    if by_extension:
        return by_extension[0]
    if problem is not None and len(candidates) == 1:
        return candidates[0]
    raise InstanceError(
        path, None,
        "cannot tell the instance format from the content or extension; "
        "expected PSPLIB .sm/.mm, Patterson .rcp, FJSPLIB .fjs, JSPLIB, OR-Library wt, SMTT .csv or "
        "schedkit JSON (use --problem to choose)",
    )


def load(path: str | Path, problem: str | None = None, index: int | None = None):
    """Read an instance file, detecting its format from content and extension.

    ``problem`` forces the family (smtt, rcpsp, fjsp, jssp, …); ``index`` picks one instance of
    a multi-instance file such as OR-Library's ``wt40.txt`` (1-based). Raises InstanceError
    naming the file, the line and what was expected.
    """
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise InstanceError(path, 1, "empty file: expected an instance")
    fmt = detect_format(text, path, problem)
    if index is not None and fmt.name != "orlib-wt":
        raise InstanceError(path, None, f"--index applies to multi-instance files; {fmt.name} holds one instance")
    return fmt.read(text, path, index)


def to_native(instance) -> dict:
    """The instance as schedkit's native JSON object (lossless)."""
    return {"schema": INSTANCE_SCHEMA, "problem": instance.problem, **instance.to_dict()}


def from_native(data: dict):
    return _read_native(json.dumps(data), Path("<json>"), None)


def write_instance(instance, path: str | Path) -> None:
    """Write ``instance`` in the format the extension names: .json (native), .csv (SMTT), .fjs (FJSP)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(to_native(instance), indent=1) + "\n"
    elif suffix == ".csv" and isinstance(instance, SMTTInstance):
        text = write_smtt_csv(instance)
    elif suffix == ".fjs" and isinstance(instance, FJSPInstance):
        text = write_fjs(instance)
    else:
        raise InstanceError(path, None, f"cannot write a {instance.problem} instance as {suffix or 'no extension'}; "
                            "expected .json (any), .csv (smtt) or .fjs (fjsp/jssp)")
    path.write_text(text, encoding="utf-8")
