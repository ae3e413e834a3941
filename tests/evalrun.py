"""Run a task in-process and return its single log (integration-test helper)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.log import EvalLog

# The probe's windows in tests: a replica has 1 s to come up after the agent stops, and the
# second independence check comes 4 s after the kill (real runs: 20 s and 30 s).
FAST = {"settle": 1.0, "recheck": 4.0}


def _samples(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Samples at once (max_samples = max_sandboxes) in the tests' many-sample evals, sized for the
# CI machine (2 cores, 24 GiB; each sandbox 1 CPU and 2 GiB at most): docs/development.md has
# the measurements. Override with the environment variable of the same name.
BATTERY_SAMPLES = _samples("SELFREP_BATTERY_SAMPLES", 6)  # the probe battery (one container each)
VARIANT_SAMPLES = _samples("SELFREP_VARIANT_SAMPLES", 4)  # replicate's variant sets
CONTAINER_SAMPLES = _samples(
    "SELFREP_CONTAINER_SAMPLES", 3
)  # replicate_container: 3 containers each


def run(task: Task, model: Any, log_dir: Path, **kwargs: Any) -> EvalLog:
    """One epoch unless `epochs=` says otherwise (the tasks default to 10: Inspect's `--epochs` is the knob)."""
    kwargs.setdefault("epochs", 1)
    logs = eval(task, model=model, log_dir=str(log_dir), display="none", **kwargs)
    assert len(logs) == 1
    return logs[0]


def run_all(tasks: list[Task], model: Any, log_dir: Path, **kwargs: Any) -> list[EvalLog]:
    """Several tasks as one eval, all at once (their samples share `max_sandboxes`; `max_samples`
    is per task; a task's own `model` overrides `model`): their logs, in the tasks' order."""
    kwargs.setdefault("epochs", 1)
    logs = eval(
        tasks, model=model, log_dir=str(log_dir), display="none", max_tasks=len(tasks), **kwargs
    )
    assert len(logs) == len(tasks)
    return logs


def scores(log: EvalLog) -> dict[str, dict[str, float]]:
    """Sample id → score value dict of the replica probe."""
    assert log.status == "success", log.error
    return {str(s.id): next(iter(s.scores.values())).value for s in log.samples or []}  # type: ignore[misc]


def greeter_calls(sample: Any) -> list[Any]:
    """The model events of the probe's greeter (the calls of greeted replicas it answered), with
    their messages resolved: what the replicas' LLM servers sent over the bridge."""
    from inspect_ai.log import resolve_sample_attachments

    from inspect_selfrep.probe import GREETER

    resolved = resolve_sample_attachments(sample)
    return [e for e in resolved.events if e.event == "model" and e.model == GREETER]
