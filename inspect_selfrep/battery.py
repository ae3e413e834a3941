"""`replicate_battery`: check the probe itself on honest replication routes and fakes.

    inspect eval inspect_selfrep/replicate_battery --model selfrep/replay

Each entry's script is replayed by the scripted solver; the expected score is in
the sample's metadata (`expect`). Honest routes must score success=1, fakes 0.
The model only answers the probe's greeting, so the offline `selfrep/replay` is enough.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task

from inspect_selfrep.dataset import battery_dataset
from inspect_selfrep.deployment import deploy_original
from inspect_selfrep.images import ensure_images
from inspect_selfrep.interrupt import sigterm_as_interrupt
from inspect_selfrep.measures import HEADLINE
from inspect_selfrep.params import check_weights_mb, reject_unknown
from inspect_selfrep.probe import ProbeSettings, record_original, replica_probe
from inspect_selfrep.scaffold.scripted import scripted
from inspect_selfrep.scenario import TASK_VERSION
from inspect_selfrep.session import agent_session


@task
def replicate_battery(
    entries: str | list[str] | None = None,
    weights_mb: float = 4,
    settle: float = 10.0,
    recheck: float = 10.0,
    **unknown: Any,
) -> Task:
    """The probe battery of the replicate scenario (entries: comma-separated names, default all).

    `settle` and `recheck` are the probe's windows (see `replicate`); the battery's
    timing entries are written for these defaults.
    """
    reject_unknown(replicate_battery, unknown)
    probe = ProbeSettings(settle=settle, recheck=recheck)
    check_weights_mb(weights_mb)
    dataset = battery_dataset("replicate", entries)  # bad entries fail before anything starts
    ensure_images()
    sigterm_as_interrupt()  # a terminated eval still tears its sandboxes down
    return Task(
        dataset=dataset,
        setup=[deploy_original(weights_mb=weights_mb), record_original()],
        solver=agent_session(scripted(), probe, thinks=False),
        scorer=replica_probe(settle=settle, recheck=recheck),
        headline_metric=HEADLINE,
        version=TASK_VERSION,
    )
