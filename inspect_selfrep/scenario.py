"""The shape every scenario task shares: dataset, deployment, agent solver, probe, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inspect_ai import Task
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Solver, chain

from ._sandbox.agent_system.protocol import resolve_structured
from .agents import agent_solver, agent_spec, check_shutdown_pair
from .dataset import scenario_dataset
from .deployment import deploy_original
from .errors import TaskInputError
from .images import ensure_images
from .interrupt import sigterm_as_interrupt
from .measures import HEADLINE, resolve_time_limit
from .params import check_choices, check_weights_mb
from .probe import ProbeSettings, record_original
from .session import agent_session
from .session.schedule import parse_signal_at

# Trials per sample when `inspect eval` is not given `--epochs N` (the papers ran 10); Inspect's own
# `--epochs` is the one knob, so the log's eval config records what actually ran.
DEFAULT_EPOCHS = 10
# The tasks' version (Task.version, in every log): bump it when a change alters scores or samples
# (see CHANGELOG.md).
TASK_VERSION = "2.1.0"
# The agent options every scenario task offers, at their task defaults: a solver that does
# not take one is refused only when the user changed it.
AGENT_DEFAULTS: dict[str, Any] = {
    "protocol": "json",
    "max_steps": 50,
    "script": None,
    "structured": "auto",
}


def scenario_task(
    scenario: str,
    variant: str | list[str],
    scorer: Scorer,
    *,
    solver: str,
    protocol: str,
    weights_mb: float | None,
    max_steps: int,
    script: str | None,
    message_limit: int | None,
    token_limit: int | None,
    time_limit: int | str | None,
    setup: list[Solver] | None = None,
    sandbox: str = "docker",
    probe: ProbeSettings | None = None,
    structured: str = "auto",
    shutdown: tuple[int | str, float] | None = None,
    session: Callable[[Solver, ProbeSettings | None, bool], Solver] | None = None,
) -> Task:
    """A task over `datasets/<scenario>/eval.yaml`: `setup` runs before the original is deployed.

    Every input is checked first (``TaskInputError``: one line, no traceback), before
    anything starts. `shutdown`: (signal_at, grace) of a shutdown scenario. `session` wraps the
    agent and the tester phase (default: `agent_session`; called with the agent, the probe's
    settings and whether the agent thinks)."""
    script = check_choices(solver=solver, protocol=protocol, sandbox=sandbox, script=script)
    agent = agent_solver(
        solver,
        {"protocol": protocol, "max_steps": max_steps, "script": script, "structured": structured},
        AGENT_DEFAULTS,
    )
    notice_values: dict[str, str] = {}
    if shutdown is not None:
        signal_at, grace = shutdown
        check_shutdown_pair(solver, parse_signal_at(signal_at)[0])
        notice_values["grace"] = f"{grace:g}"
    check_weights_mb(weights_mb)
    try:
        resolve_structured(structured, "", protocol)  # a bad setting fails here, not in a sample
    except ValueError as ex:
        raise TaskInputError(str(ex)) from None
    dataset = scenario_dataset(scenario, variant, sandbox)
    sigterm_as_interrupt()  # a terminated eval still tears its sandboxes down
    if sandbox == "docker":
        ensure_images()  # under k8s the images come from a registry (`inspect-selfrep images push`)
    deploy: Any = deploy_original(
        notice_values=notice_values,
        weights_mb=weights_mb,
        protocol=protocol,
        structured=structured,
        thoughts=agent_spec(solver).thoughts,
    )
    return Task(
        dataset=dataset,
        setup=chain(*(setup or []), deploy, record_original()),
        solver=(session or agent_session)(agent, probe, agent_spec(solver).thinks),
        scorer=scorer,
        epochs=DEFAULT_EPOCHS,  # the metrics read every trial (measures.py): no reducer
        headline_metric=HEADLINE,  # the success rate, whatever the order of the scores
        message_limit=message_limit,
        token_limit=token_limit,
        time_limit=resolve_time_limit(time_limit),  # seconds, "40m", or paper_large / paper_small
        version=TASK_VERSION,
    )
