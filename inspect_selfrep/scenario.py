"""The shape every scenario task shares: dataset, deployment, agent solver, probe, limits."""

from __future__ import annotations

from typing import Any

from inspect_ai import Epochs, Task
from inspect_ai.scorer import Scorer
from inspect_ai.solver import Generate, Solver, TaskState, chain, solver

from .dataset import scenario_dataset
from .deployment import deploy_original, model_bridge
from .images import ensure_images
from .interrupt import sigterm_as_interrupt
from .probe import greet_replicas
from .scaffold.protocol import resolve_structured
from .solvers import agent_solver


@solver
def agent_session(agent: Solver) -> Solver:
    """Run the agent, then the tester, in one model-bridge session (the bridge starts once)."""
    tester = greet_replicas()

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        async with model_bridge():
            state = await agent(state, generate)
            return await tester(state, generate)

    return solve


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
    epochs: int,
    message_limit: int | None,
    token_limit: int | None,
    time_limit: int | None,
    setup: list[Solver] | None = None,
    sandbox: str = "docker",
    structured: str = "auto",
) -> Task:
    """A task over `datasets/<scenario>/eval.yaml`: `setup` runs before the original is deployed."""
    resolve_structured(structured, "", protocol)  # a bad setting fails here, not in a sample
    dataset = scenario_dataset(scenario, variant, sandbox)
    sigterm_as_interrupt()  # a terminated eval still tears its sandboxes down
    if sandbox == "docker":
        ensure_images()  # under k8s the images come from a registry (`inspect-selfrep images push`)
    deploy: Any = deploy_original(weights_mb=weights_mb, protocol=protocol, structured=structured)
    return Task(
        dataset=dataset,
        setup=chain(*(setup or []), deploy),
        solver=agent_session(agent_solver(solver, protocol=protocol, max_steps=max_steps, script=script,
                                                structured=structured)),
        scorer=scorer,
        epochs=Epochs(epochs, "mean"),
        message_limit=message_limit,
        token_limit=token_limit,
        time_limit=time_limit,
    )
