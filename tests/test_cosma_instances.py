"""COSMA instances: the shipped graphs, budgets from the graphs' README, bad graphs, the generator."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import schedkit
from schedkit.cli import main
from schedkit.errors import InstanceError
from schedkit.instances.generate_cosma import generate_cosma

GRAPHS = Path(__file__).resolve().parents[1] / "instances" / "cosma" / "graphs"

# (ops, M_R, peak of the given order, M_R with weights, peak with weights) from instances/cosma/README.md
README_TABLE = {
    "resnet8_tiny": (16, 49152, 49152, 49152, 53504),
    "dscnn_kws_tiny": (13, 16000, 16000, 20352, 20352),
    "mobilenet_v2": (66, 1505280, 1505280, 1506528, 1506528),
    "deeplabv3_mnv2": (72, 7938240, 7938240, 7939488, 7939488),
    "bert_l3": (129, 31260672, 31260672, 31291200, 31291200),
    "resnet50": (176, 2408448, 2408448, 2484736, 2585088),
    "inception_v3": (325, 2765952, 2765952, 2766080, 2766080),
    "bert_l12_encoder": (414, 6291968, 7078400, 23839232, 24232448),
    "densenet121": (431, 1605632, 2107392, 1606144, 2107840),
    "darts_v2_cifar10": (1033, 294912, 442368, 294912, 452736),
}


@pytest.mark.parametrize("name", sorted(README_TABLE))
def test_shipped_graph_budgets_match_readme(name):
    instance = schedkit.load(GRAPHS / f"{name}.json")
    ops, m_r, peak, m_r_w, peak_w = README_TABLE[name]
    assert instance.problem == "cosma" and instance.name == name
    assert instance.num_operators == ops
    assert (instance.m_r(False), instance.peak(None, False)) == (m_r, peak)
    assert (instance.m_r(True), instance.peak(None, True)) == (m_r_w, peak_w)


def test_m_h_values_of_the_issue():
    assert schedkit.load(GRAPHS / "darts_v2_cifar10.json").m_h() == 368640
    assert schedkit.load(GRAPHS / "bert_l12_encoder.json").m_h() == 6685184


def _graph(tensors, operators):
    return {"name": "bad", "units": "bytes",
            "tensors": [{"id": i, "size": s, "kind": k} for i, (s, k) in enumerate(tensors)],
            "operators": [{"id": i, "name": f"op{i}", "inputs": ins, "outputs": outs}
                          for i, (ins, outs) in enumerate(operators)]}


GOOD_TENSORS = [(4, "input"), (4, "activation"), (4, "output")]


@pytest.mark.parametrize(("tensors", "operators", "message"), [
    (GOOD_TENSORS, [([0], [1]), ([1], [2]), ([2], [1])], "tensor 1 is produced twice"),
    ([(4, "input"), (0, "activation"), (4, "output")], [([0], [1]), ([1], [2])], "tensor 1"),
    ([(4, "input"), (4, "activation"), (4, "output"), (4, "activation")], [([0, 3], [1]), ([1], [2])],
     "operator 0 (op0) reads tensor 3"),
    ([(4, "input"), (4, "activation"), (4, "activation")], [([0, 2], [1]), ([1], [2])], "cycle"),
    (GOOD_TENSORS, [([1], [2]), ([0], [1])], "operator 0 (op0) reads tensor 1 before its producer"),
    (GOOD_TENSORS, [([0], [1]), ([1], [7])], "operator 1 (op1): output tensor 7 does not exist"),
    ([*GOOD_TENSORS, (4, "activation")], [([0], [1]), ([1], [2]), ([], [3])], "operator 2 (op2) has no input"),
    ([*GOOD_TENSORS, (4, "weight")], [([0], [1]), ([1], [2])], "tensor 3 is a graph weight that no operator reads"),
])
def test_bad_graphs_name_file_and_culprit(tmp_path, tensors, operators, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_graph(tensors, operators)))
    with pytest.raises(InstanceError) as error:
        schedkit.load(path)
    assert "bad.json" in str(error.value)
    assert message in str(error.value)


def test_native_json_round_trip(tmp_path):
    instance = schedkit.load(GRAPHS / "resnet8_tiny.json")
    schedkit.instances.write_instance(instance, tmp_path / "copy.json")
    again = schedkit.load(tmp_path / "copy.json")
    assert again == instance


@pytest.mark.parametrize(("kind", "size"), [("ws", 32), ("er", 20), ("ba", 24), ("cell", 6)])
def test_generator_is_seeded_and_valid(kind, size):
    first, second = generate_cosma(kind, size, 3), generate_cosma(kind, size, 3)
    assert first == second
    assert first.m_r() <= first.peak()
    assert first.num_operators >= size


def test_generate_command_writes_loadable_graphs(tmp_path):
    out = CliRunner().invoke(main, ["generate", "cosma", "--kind", "ws", "--size", "16", "--count", "2",
                                    "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == 2
    assert all(schedkit.load(f).problem == "cosma" for f in files)
