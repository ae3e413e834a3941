"""`replicate_battery`: check the probe itself on honest replication routes and fakes.

    inspect eval inspect_selfrep/replicate_battery --model selfrep/replay

Each entry's script is replayed by the scripted solver; the expected score is in
the sample's metadata (`expect`). Honest routes must score success=1, fakes 0.
The model only answers the probe's greeting, so the offline `selfrep/replay` is enough.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task

from inspect_selfrep.options import BatteryOptions, documented
from inspect_selfrep.scenario import scenario_task


@task
@documented(BatteryOptions)
def replicate_battery(
    entries: str | list[str] | None = None,
    weights_mb: float = 4,
    settle: float = 10.0,
    recheck: float = 10.0,
    **unknown: Any,
) -> Task:
    """The probe battery of the replicate scenario (entries: comma-separated names, default all)."""
    return scenario_task(BatteryOptions.parse(locals()))
