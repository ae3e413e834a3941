"""Scenario datasets: `datasets/<scenario>/eval.yaml`, one sample per variant.

Each variant names its deployment settings, its compose file and its reference
solution (a shell script beside the dataset), in the spirit of inspect_cyber's
eval.yaml files. The file is validated against the pydantic schema below.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from inspect_ai.dataset import MemoryDataset, Sample
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .deployment import DeploymentSpec
from .deployment.instance import DEPLOYMENT_KEY, deployment_metadata
from .errors import TaskInputError
from .paths import DATASETS, SANDBOXES  # a checkout's folders, or the installed wheel's copies
from .vocabulary import CAPABILITY, MEASURES, REPLICA_BUILT, SUCCESS


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rationale: str
    prompt: str | None = None  # defaults to the scenario's prompt
    prompt_source: str | None = None  # where the variant's prompt comes from (paper, section)
    deployment: DeploymentSpec = Field(default_factory=DeploymentSpec)
    compose: str | None = None  # relative to sandboxes/; defaults to the scenario's
    solution: str  # relative to the dataset's folder
    metadata: dict[str, Any] = Field(default_factory=dict)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    prompt: str
    prompt_source: str | None = None  # where the prompt comes from (paper, section)
    compose: str
    variants: dict[str, Variant]


class DatasetError(TaskInputError):
    """A dataset file is missing or invalid, or a variant name is unknown (one line, no traceback)."""


def load_scenario(name: str) -> tuple[Scenario, Path]:
    folder = DATASETS / name
    path = folder / "eval.yaml"
    if not path.is_file():
        raise DatasetError(f"no dataset for scenario {name!r}: {path} not found")
    try:
        return Scenario.model_validate(yaml.safe_load(path.read_text())), folder
    except (yaml.YAMLError, ValidationError) as ex:
        raise DatasetError(f"{path} is invalid: {one_line(ex)}") from None


def one_line(ex: yaml.YAMLError | ValidationError) -> str:
    """A schema or YAML error as one line: each problem as `where: what` (a misspelt deployment
    setting reads `variants.NAME.deployment.KEY: Extra inputs are not permitted`)."""
    if isinstance(ex, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}" for e in ex.errors()
        )
    return " ".join(str(ex).split())


def select_variants(scenario: Scenario, variants: str | list[str] | None) -> list[str]:
    """Variant names from a comma-separated string or list; None or 'all' means every variant."""
    if variants is None or variants == "all":
        return list(scenario.variants)
    names = [
        v.strip()
        for v in (variants.split(",") if isinstance(variants, str) else variants)
        if v.strip()
    ]
    unknown = [v for v in names if v not in scenario.variants]
    if unknown or not names:
        raise DatasetError(
            f"unknown variant(s) {unknown or names} for scenario {scenario.name!r}; "
            f"valid variants: {', '.join(scenario.variants)} (or 'all')"
        )
    return names


SANDBOX_TYPES = ("docker", "k8s")


def sandbox_spec(compose: Path, kind: str) -> tuple[str, str]:
    """The sandbox for a compose file: itself under Docker, its helm values file under k8s."""
    if kind not in SANDBOX_TYPES:
        raise DatasetError(f"unknown sandbox {kind!r}; choose one of {', '.join(SANDBOX_TYPES)}")
    if kind == "docker":
        return ("docker", str(compose))
    values = compose.with_name(
        "values.yaml" if compose.stem == "compose" else f"{compose.stem}-values.yaml"
    )
    if not values.is_file():
        raise DatasetError(f"no Kubernetes values file for {compose}: expected {values}")
    return ("k8s", str(values))


def scenario_dataset(
    name: str, variants: str | list[str] | None = None, sandbox: str = "docker"
) -> MemoryDataset:
    scenario, folder = load_scenario(name)
    samples = []
    for vname in select_variants(scenario, variants):
        v = scenario.variants[vname]
        compose = SANDBOXES / (v.compose or scenario.compose)
        solution = folder / v.solution
        for path in (compose, solution):
            if not path.is_file():
                raise DatasetError(
                    f"{folder / 'eval.yaml'}: variant {vname!r} refers to missing file {path}"
                )
        if v.metadata.get("measure", CAPABILITY) not in MEASURES:
            raise DatasetError(
                f"{folder / 'eval.yaml'}: variant {vname!r}: metadata.measure must be one of {MEASURES}"
            )
        samples.append(
            Sample(
                id=vname,
                input=v.prompt or scenario.prompt,
                sandbox=sandbox_spec(compose, sandbox),
                metadata={
                    "scenario": scenario.name,
                    "variant": vname,
                    # the validated spec; deployment_spec(state) reads it back typed
                    DEPLOYMENT_KEY: deployment_metadata(v.deployment),
                    "solution": str(solution),
                    "measure": CAPABILITY,  # asked to replicate; "propensity": replicating unasked
                    "prompt_source": v.prompt_source or scenario.prompt_source or "",
                    **v.metadata,
                },
            )
        )
    return MemoryDataset(samples, name=scenario.name)


class BatteryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    script: str | list[str]  # relative to the dataset's folder; a list runs one after another
    rationale: str
    expect: dict[str, int] = Field(default_factory=dict)  # milestones besides success
    # Waits out one of the probe's timeouts (a greeting nobody answers: 120 s): started first,
    # so that a battery run several samples at once does not end on it alone.
    long: bool = False


class Battery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    honest: dict[str, BatteryEntry]
    fakes: dict[str, BatteryEntry]


def load_battery(name: str) -> tuple[Battery, Path]:
    """The scenario's `battery.yaml` and its path."""
    path = DATASETS / name / "battery.yaml"
    try:
        return Battery.model_validate(yaml.safe_load(path.read_text())), path
    except (OSError, yaml.YAMLError, ValidationError) as ex:
        raise DatasetError(
            f"{path} is invalid or missing: {one_line(ex) if not isinstance(ex, OSError) else ex}"
        ) from None


def select_entries(battery: Battery, entries: str | list[str] | None) -> list[str]:
    """Entry names from a comma-separated string or list; None or 'all' means every entry."""
    everything = [*battery.honest, *battery.fakes]
    if entries is None or entries == "all":
        return everything
    wanted = [
        e.strip()
        for e in (entries.split(",") if isinstance(entries, str) else entries)
        if e.strip()
    ]
    unknown = [e for e in wanted if e not in everything]
    if unknown or not wanted:
        raise DatasetError(
            f"unknown battery entries {unknown or wanted}; valid: {listed_entries(battery)}"
        )
    return wanted


def listed_entries(battery: Battery, most: int = 12) -> str:
    """A battery's entry names, or where to find them when there are many (one line)."""
    names = [*battery.honest, *battery.fakes]
    if len(names) <= most:
        return f"{', '.join(names)} (or all)"
    return (
        f"the {len(battery.honest)} honest routes ({', '.join(list(battery.honest)[:3])}, ...) and "
        f"{len(battery.fakes)} fakes ({', '.join(list(battery.fakes)[:3])}, ...) of the "
        "scenario's battery.yaml, or all"
    )


def battery_dataset(
    name: str,
    entries: str | list[str] | None = None,
    honest_milestones: Sequence[str] = REPLICA_BUILT,
) -> MemoryDataset:
    """Honest routes (expect success=1 and every one of `honest_milestones` 1) and fakes
    (success=0) of a scenario."""
    scenario, folder = load_scenario(name)
    battery, path = load_battery(name)
    everything = {
        **{k: (v, True) for k, v in battery.honest.items()},
        **{k: (v, False) for k, v in battery.fakes.items()},
    }
    # the long entries first (the order is otherwise the file's): the run ends on short ones
    wanted = sorted(select_entries(battery, entries), key=lambda key: not everything[key][0].long)
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
            SUCCESS: int(honest),
            **({m: 1 for m in honest_milestones} if honest else {}),
            **entry.expect,
        }
        samples.append(
            Sample(
                id=key,
                input=scenario.prompt,
                sandbox=("docker", str(SANDBOXES / scenario.compose)),
                metadata={
                    "scenario": name,
                    "battery": "honest" if honest else "fake",
                    "solution": [str(s) for s in scripts],
                    "expect": expect,
                    "rationale": entry.rationale,
                },
            )
        )
    return MemoryDataset(samples, name=f"{name}_battery")
