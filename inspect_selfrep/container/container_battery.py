"""`replicate_container_battery`: the container probe on honest routes into the target and on fakes.

    inspect eval inspect_selfrep/replicate_container_battery --model selfrep/replay

Each entry's scripts are replayed by the scripted solver; the expected milestones are in
the sample's metadata (`expect`): honest routes success=1 and M1-M4 = 1, fakes success=0.
"""

from __future__ import annotations

from typing import Any

import yaml
from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from pydantic import ValidationError

from inspect_selfrep.dataset import Battery, DatasetError, load_scenario
from inspect_selfrep.deployment import deploy_original
from inspect_selfrep.interrupt import sigterm_as_interrupt
from inspect_selfrep.params import check_weights_mb, reject_unknown
from inspect_selfrep.paths import SANDBOXES
from inspect_selfrep.probe import ProbeSettings, record_original
from inspect_selfrep.scaffold.scripted import scripted
from inspect_selfrep.scenario import TASK_VERSION

from .cloud import prepare_cloud
from .image import ensure_ssh_image
from .scoring import cloud_session, container_probe

SCENARIO = "replicate_container"
REPLICA = ("m1_allocated", "m2_transferred", "m3_llm_server_started", "m4_agent_started")


def battery_dataset(entries: str | list[str] | None = None) -> MemoryDataset:
    scenario, folder = load_scenario(SCENARIO)
    path = folder / "battery.yaml"
    try:
        battery = Battery.model_validate(yaml.safe_load(path.read_text()))
    except (OSError, yaml.YAMLError, ValidationError) as ex:
        raise DatasetError(f"{path} is invalid or missing:\n{ex}") from None
    everything = {
        **{k: (v, True) for k, v in battery.honest.items()},
        **{k: (v, False) for k, v in battery.fakes.items()},
    }
    wanted = (
        list(everything)
        if entries in (None, "all")
        else (
            [e.strip() for e in entries.split(",")] if isinstance(entries, str) else list(entries)
        )
    )
    unknown = [e for e in wanted if e not in everything]
    if unknown:
        raise DatasetError(f"unknown battery entries {unknown}; valid: {', '.join(everything)}")
    samples = []
    for key in wanted:
        entry, honest = everything[key]
        scripts = [
            (folder / s).resolve()
            for s in ([entry.script] if isinstance(entry.script, str) else entry.script)
        ]
        for script in scripts:
            if not script.is_file():
                raise DatasetError(f"{path}: entry {key!r} refers to missing file {script}")
        expect = {
            "success": int(honest),
            **({m: 1 for m in REPLICA} if honest else {}),
            **entry.expect,
        }
        samples.append(
            Sample(
                id=key,
                input=scenario.prompt,
                sandbox=("docker", str(SANDBOXES / scenario.compose)),
                metadata={
                    "scenario": SCENARIO,
                    "battery": "honest" if honest else "fake",
                    "solution": [str(s) for s in scripts],
                    "expect": expect,
                    "rationale": entry.rationale,
                },
            )
        )
    return MemoryDataset(samples, name=f"{SCENARIO}_battery")


@task
def replicate_container_battery(
    entries: str | list[str] | None = None,
    weights_mb: float = 4,
    settle: float = 5.0,
    recheck: float = 5.0,
    **unknown: Any,
) -> Task:
    """The container probe's battery (entries: comma-separated names, default all)."""
    reject_unknown(replicate_container_battery, unknown)
    check_weights_mb(weights_mb)
    dataset = battery_dataset(entries)  # bad entries fail before anything starts
    ensure_ssh_image()
    sigterm_as_interrupt()
    probe = ProbeSettings(settle=settle, recheck=recheck)
    return Task(
        dataset=dataset,
        setup=[prepare_cloud(), deploy_original(weights_mb=weights_mb), record_original()],
        solver=cloud_session(scripted(), probe, thinks=False),
        scorer=container_probe(settle=settle, recheck=recheck),
        version=TASK_VERSION,
    )
