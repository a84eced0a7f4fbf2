"""COSMA graphs exported from torchvision (instances/cosma/exported): the format's invariants, the
budgets and weight totals of their README, and cosma/fs at M_R proven optimal and validated."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import schedkit
from schedkit import SolveOptions
from schedkit.cli import main
from schedkit.solvers.cosma_bound import crossing_bound

EXPORTED = Path(__file__).resolve().parents[1] / "instances" / "cosma" / "exported"

# (ops, M_R, peak of the given order, M_R with weights, peak with weights) from instances/cosma/README.md
README_TABLE = {
    "resnext50_32x4d": (175, 2408448, 2408448, 2408448, 2498560),
    "fcn_resnet50": (178, 4816896, 4816896, 11444224, 11444224),
    "vit_b_16": (154, 1210368, 1361664, 3118848, 3270144),
    "r2plus1d_18": (119, 57802752, 70647808, 57803040, 70648096),
}
# torchvision's parameter counts (sum of numel over model.parameters())
PARAMETERS = {"resnext50_32x4d": 25028904, "fcn_resnet50": 32957013, "vit_b_16": 86567656, "r2plus1d_18": 31505325}
# cosma/fs optimum at M_R on the given order (activation-only, with weights), as recorded in benchmarks/RESULTS.md
FS_AT_M_R = {"resnext50_32x4d": (0, 7024640), "fcn_resnet50": (0, 0), "vit_b_16": (3631104, 3631104),
             "r2plus1d_18": (51380224, 51380224)}


def test_exported_folder_holds_the_four_graphs():
    assert sorted(path.stem for path in EXPORTED.glob("*.json")) == sorted(README_TABLE)


@pytest.mark.parametrize("name", sorted(README_TABLE))
def test_exported_graph_invariants_and_budgets(name):
    data = json.loads((EXPORTED / f"{name}.json").read_text(encoding="utf-8"))
    instance = schedkit.load(EXPORTED / f"{name}.json")  # the reader checks producers, cycles and the order
    assert instance.problem == "cosma" and instance.name == name
    ops, m_r, peak, m_r_w, peak_w = README_TABLE[name]
    assert instance.num_operators == ops
    assert (instance.m_r(False), instance.peak(None, False), instance.m_r(True), instance.peak(None, True)) == \
        (m_r, peak, m_r_w, peak_w)
    read = {t for ins in instance.inputs for t in ins}
    for t, kind in enumerate(instance.kinds):
        if kind in ("input", "weight"):
            assert t in read, f"{kind} tensor {t} is read by no operator"
    assert all(instance.inputs[v] and instance.outputs[v] for v in range(instance.num_operators))
    assert len(set(instance.operator_names)) == instance.num_operators
    assert sum(s for s, k in zip(instance.sizes, instance.kinds, strict=True) if k == "weight") == PARAMETERS[name]
    assert [instance.sizes[t] for t, k in enumerate(instance.kinds) if k == "input"] == \
        [1 * 3 * (16 if name == "r2plus1d_18" else 1) * 224 * 224]
    assert data["meta"]["bytes_per_element"] == 1 and "torchvision" in data["meta"]["versions"]


@pytest.mark.parametrize("name", sorted(FS_AT_M_R))
@pytest.mark.parametrize("weights", [False, True])
def test_fs_at_m_r_is_proven_and_validated(name, weights):
    instance = schedkit.load(EXPORTED / f"{name}.json")
    result = schedkit.solve(instance, "cosma/fs", SolveOptions(time_limit=20, threads=1,
                                                               params={"budget": "M_R", "weights": weights}))
    assert result.status == "optimal"
    assert result.objective == result.bound == FS_AT_M_R[name][weights]
    assert result.extra["capacity"] == instance.m_r(weights)
    # independently: the bound over every order never exceeds the given order's optimum, and on ViT and
    # R(2+1)D it equals it (their residual spills are forced in any order)
    bound = crossing_bound(instance, instance.m_r(weights), weights, threads=1)
    assert bound <= result.objective
    if name in ("vit_b_16", "r2plus1d_18"):
        assert bound == result.objective


def test_cli_solves_and_validates_an_exported_graph(tmp_path):
    graph, output = EXPORTED / "vit_b_16.json", tmp_path / "r.json"
    runner = CliRunner()
    solved = runner.invoke(main, ["solve", str(graph), "--problem", "cosma", "--budget", "M_R", "--weights",
                                  "--method", "cosma/fs", "--output", str(output)])
    assert solved.exit_code == 0, solved.output
    checked = runner.invoke(main, ["validate", str(graph), str(output)])
    assert checked.exit_code == 0 and f"objective {FS_AT_M_R['vit_b_16'][1]}" in checked.output
