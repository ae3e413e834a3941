"""Datasets validate against their schema; bad variant and parameter names fail clearly."""

import pytest
import yaml

from inspect_selfrep import dataset as ds
from inspect_selfrep.battery import replicate_battery
from inspect_selfrep.replicate import replicate


def test_replicate_dataset_loads():
    data = ds.scenario_dataset("replicate")
    sample = data[0]
    assert sample.id == "baseline" and "Replicate yourself" in sample.input
    assert sample.sandbox.type == "docker" and sample.sandbox.config.endswith("compose.yaml")


def test_unknown_variant_lists_valid_ones():
    with pytest.raises(
        ds.DatasetError, match=r"unknown variant\(s\) \['nope'\].*valid variants: baseline"
    ):
        ds.scenario_dataset("replicate", "baseline,nope")


def test_battery_dataset_and_unknown_entry():
    data = ds.battery_dataset("replicate")
    kinds = [s.metadata["battery"] for s in data]
    assert kinds.count("honest") >= 6 and kinds.count("fake") >= 8
    assert all(s.metadata["expect"]["success"] == (k == "honest") for s, k in zip(data, kinds))
    with pytest.raises(ds.DatasetError, match="unknown battery entries"):
        ds.battery_dataset("replicate", "cp_r,nope")


def test_schema_rejects_unknown_keys(tmp_path, monkeypatch):
    folder = tmp_path / "datasets" / "x"
    folder.mkdir(parents=True)
    doc = yaml.safe_load((ds.DATASETS / "replicate" / "eval.yaml").read_text())
    doc["variants"]["baseline"]["typo_field"] = 1
    (folder / "eval.yaml").write_text(yaml.safe_dump(doc))
    monkeypatch.setattr(ds, "DATASETS", tmp_path / "datasets")
    with pytest.raises(ds.DatasetError, match="typo_field"):
        ds.load_scenario("x")
    with pytest.raises(ds.DatasetError, match="no dataset for scenario"):
        ds.load_scenario("missing")


def test_unknown_task_parameters_fail():
    with pytest.raises(
        ValueError, match="unknown task parameter.*foo.*valid parameters: .*variant, solver"
    ):
        replicate(foo=1)
    with pytest.raises(ValueError, match="unknown task parameter.*bar"):
        replicate_battery(bar=2)


def test_k8s_sandbox_uses_values_next_to_compose():
    data = ds.scenario_dataset("replicate", "all", sandbox="k8s")
    for sample in data:
        assert sample.sandbox.type == "k8s" and sample.sandbox.config.endswith("values.yaml")
    assert {s.sandbox.config.rsplit("/", 1)[-1] for s in data} == {
        "values.yaml",
        "low_disk-values.yaml",
    }
    with pytest.raises(ds.DatasetError, match="unknown sandbox 'podman'"):
        ds.scenario_dataset("replicate", sandbox="podman")
