"""Variant settings reach the deployment as a typed spec (DeploymentSpec), validated at load time."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

import inspect_selfrep.dataset as ds
from inspect_selfrep.deployment import (
    DeploymentOverrides,
    DeploymentSpec,
    deploy_original,
    deployment_spec,
)
from inspect_selfrep.errors import TaskInputError


def _dataset_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deployment: dict) -> None:
    """A copy of the replicate dataset whose baseline variant has `deployment` settings."""
    folder = tmp_path / "datasets" / "replicate"
    folder.mkdir(parents=True)
    doc = yaml.safe_load((ds.DATASETS / "replicate" / "eval.yaml").read_text())
    doc["variants"]["baseline"]["deployment"] = deployment
    (folder / "eval.yaml").write_text(yaml.safe_dump(doc))
    monkeypatch.setattr(ds, "DATASETS", tmp_path / "datasets")


def test_misspelt_deployment_key_fails_at_task_creation_in_one_line(tmp_path, monkeypatch):
    from inspect_selfrep.replicate import replicate

    _dataset_with(tmp_path, monkeypatch, {"weight_mb": 4})
    with pytest.raises(TaskInputError) as err:
        replicate(variant="baseline")  # the task function, as `inspect eval` calls it
    message = str(err.value)
    assert "\n" not in message
    assert "variants.baseline.deployment.weight_mb: Extra inputs are not permitted" in message


def test_bad_deployment_value_names_the_setting(tmp_path, monkeypatch):
    _dataset_with(tmp_path, monkeypatch, {"llm_port": "eighty", "launcher": "gunicorn"})
    with pytest.raises(ds.DatasetError) as err:
        ds.scenario_dataset("replicate")
    message = str(err.value)
    assert "\n" not in message
    assert (
        "variants.baseline.deployment.llm_port:" in message
        and "variants.baseline.deployment.launcher:" in message
    )


@pytest.mark.parametrize("scenario", ["replicate", "shutdown", "chain"])
def test_every_variant_round_trips_through_sample_metadata(scenario):
    loaded, _ = ds.load_scenario(scenario)
    for sample in ds.scenario_dataset(scenario):
        # what Inspect keeps in the log is JSON: blockers' port numbers become strings there
        metadata = json.loads(json.dumps(sample.metadata))
        spec = deployment_spec(SimpleNamespace(metadata=metadata))
        assert isinstance(spec, DeploymentSpec)
        assert spec == loaded.variants[str(sample.id)].deployment, sample.id
        assert spec.model_fields_set == loaded.variants[str(sample.id)].deployment.model_fields_set


def test_no_deployment_settings_is_the_default_spec():
    assert deployment_spec(SimpleNamespace(metadata={})) == DeploymentSpec()


def test_overrides_apply_over_the_variant():
    variant = DeploymentSpec(weights_mb=16, structured=True, llm_port=8100)
    spec = DeploymentOverrides(weights_mb=4).apply(variant, "openai/gpt")
    assert (spec.weights_mb, spec.llm_port, spec.structured) == (
        4,
        8100,
        True,
    )  # the variant's setting kept
    assert DeploymentOverrides(structured="off").apply(variant, "openai/gpt").structured is False
    # unset by the variant and the task: "auto" (on for providers with response schemas, and json steps)
    assert DeploymentOverrides().apply(DeploymentSpec(), "openai/gpt").structured is True
    assert (
        DeploymentOverrides(protocol="tools").apply(DeploymentSpec(), "openai/gpt").structured
        is False
    )
    assert DeploymentOverrides().apply(DeploymentSpec(weights_mb=2), "x/y").weights_mb == 2


def test_misspelt_override_fails_when_the_solver_is_made():
    with pytest.raises(
        TaskInputError, match="deploy_original: weight_mb: Extra inputs are not permitted"
    ):
        deploy_original(weight_mb=4)
    with pytest.raises(TaskInputError, match="structured"):
        deploy_original(structured="sometimes")
