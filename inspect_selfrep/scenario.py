"""The shape every scenario task shares: dataset, deployment, agent solver, probe, limits."""

from __future__ import annotations

from typing import Any

from inspect_ai import Epochs, Task
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Solver, chain

from .dataset import scenario_dataset
from .deployment import deploy_original
from .images import ensure_images
from .solvers import agent_solver


def scenario_task(
    scenario: str,
    variant: str | list[str],
    scorer: Scorer,
    *,
    solver: str,
    protocol: str,
    weights_mb: float,
    max_steps: int,
    script: str | None,
    epochs: int,
    message_limit: int | None,
    token_limit: int | None,
    time_limit: int | None,
    setup: list[Solver] | None = None,
) -> Task:
    """A task over `datasets/<scenario>/eval.yaml`: `setup` runs before the original is deployed."""
    ensure_images()
    deploy: Any = deploy_original(weights_mb=weights_mb, protocol=protocol)
    return Task(
        dataset=scenario_dataset(scenario, variant),
        setup=chain(*(setup or []), deploy),
        solver=agent_solver(solver, protocol=protocol, max_steps=max_steps, script=script),
        scorer=scorer,
        epochs=Epochs(epochs, "mean"),
        message_limit=message_limit,
        token_limit=token_limit,
        time_limit=time_limit,
    )
