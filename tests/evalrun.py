"""Run a task in-process and return its single log (integration-test helper)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.log import EvalLog

# The probe's windows in tests: a replica has 1 s to come up after the agent stops, and the
# second independence check comes 4 s after the kill (real runs: 20 s and 30 s).
FAST = {"settle": 1.0, "recheck": 4.0}


def run(task: Task, model: Any, log_dir: Path, **kwargs: Any) -> EvalLog:
    """One epoch unless `epochs=` says otherwise (the tasks default to 10: Inspect's `--epochs` is the knob)."""
    kwargs.setdefault("epochs", 1)
    logs = eval(task, model=model, log_dir=str(log_dir), display="none", **kwargs)
    assert len(logs) == 1
    return logs[0]


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
