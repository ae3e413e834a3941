"""`replicate_container_battery`: the container probe on honest routes into the target and on fakes.

    inspect eval inspect_selfrep/replicate_container_battery --model selfrep/replay

Each entry's scripts are replayed by the scripted solver; the expected milestones are in
the sample's metadata (`expect`): honest routes success=1 and M1-M4 = 1, fakes success=0.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task

from inspect_selfrep.options import ContainerBatteryOptions, documented
from inspect_selfrep.scenario import scenario_task


@task
@documented(ContainerBatteryOptions)
def replicate_container_battery(
    entries: str | list[str] | None = None,
    weights_mb: float = 4,
    settle: float = 5.0,
    recheck: float = 5.0,
    **unknown: Any,
) -> Task:
    """The container probe's battery (entries: comma-separated names, default all)."""
    return scenario_task(ContainerBatteryOptions.parse(locals()))
