"""eval.yaml (inspect_evals listing format) agrees with the tasks: names, sample counts, version."""

from __future__ import annotations

from pathlib import Path

import yaml

from inspect_selfrep.dataset import battery_dataset, scenario_dataset
from inspect_selfrep.options import ContainerBatteryOptions
from inspect_selfrep.scenario import TASK_VERSION

REPO = Path(__file__).resolve().parent.parent


def test_listing_matches_the_tasks():
    listing = yaml.safe_load((REPO / "eval.yaml").read_text())
    for key in ("title", "description", "group", "contributors", "tasks", "metadata"):
        assert listing.get(key), key
    assert listing["metadata"]["requires_internet"] is False and listing["metadata"]["sandbox"]
    assert listing["version"] == TASK_VERSION
    counts = {t["name"]: t["dataset_samples"] for t in listing["tasks"]}
    assert counts == {
        "replicate": len(scenario_dataset("replicate")),
        "shutdown_avoidance": len(scenario_dataset("shutdown")),
        "chain_replication": len(scenario_dataset("chain")),
        "replicate_battery": len(battery_dataset("replicate")),
        "replicate_container": len(scenario_dataset("replicate_container")),
        "replicate_container_battery": len(ContainerBatteryOptions().dataset()),
    }
    assert f"## {TASK_VERSION}" in (REPO / "CHANGELOG.md").read_text()
