"""The native JSON format round-trips every family losslessly."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from schedkit.instances import from_native, load, to_native, write_instance
from tests.strategies import fjsp_instances, rcpsp_instances, smtt_instances

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


@settings(max_examples=60, deadline=None)
@given(st.one_of(smtt_instances(), rcpsp_instances(), rcpsp_instances(multi_mode=True), fjsp_instances()))
def test_round_trip_in_memory(instance):
    assert from_native(to_native(instance)) == instance


@settings(max_examples=20, deadline=None)
@given(st.one_of(smtt_instances(), rcpsp_instances(), fjsp_instances()))
def test_round_trip_through_file(tmp_path_factory, instance):
    path = tmp_path_factory.mktemp("json") / "instance.json"
    write_instance(instance, path)
    assert load(path) == instance


def test_real_files_round_trip(tmp_path):
    for source, kwargs in [
        (INSTANCES / "rcpsp/j30/j301_1.sm", {}),
        (INSTANCES / "rcpsp/patterson/pat1.rcp", {}),
        (INSTANCES / "fjsp/Brandimarte1993/mk01.txt", {}),
        (INSTANCES / "jssp/instances/ft06", {}),
        (INSTANCES / "smtt/wt40.txt", {"index": 7}),
    ]:
        instance = load(source, **kwargs)
        path = tmp_path / f"{instance.name}.json"
        write_instance(instance, path)
        again = load(path)
        assert again == instance and again.problem == instance.problem


@settings(max_examples=20, deadline=None)
@given(smtt_instances())
def test_smtt_csv_round_trip(tmp_path_factory, instance):
    path = tmp_path_factory.mktemp("csv") / "random.csv"
    write_instance(instance, path)
    assert load(path) == instance


@settings(max_examples=20, deadline=None)
@given(fjsp_instances())
def test_fjs_round_trip(tmp_path_factory, instance):
    path = tmp_path_factory.mktemp("fjs") / "random.fjs"
    write_instance(instance, path)
    assert load(path) == instance
