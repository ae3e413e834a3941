"""Inspect solvers for the deployment: start the original instance; keep the model bridge up."""

from __future__ import annotations

from typing import Any

from inspect_ai.log import transcript
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox
from pydantic import ValidationError

from inspect_selfrep.errors import TaskInputError

from .install import await_boot, deploy
from .instance import DeploymentOverrides, deployment_spec
from .variants import after_deploy, before_deploy


@solver
def deploy_original(**overrides: Any) -> Solver:
    """Install the AI system in the sandbox and start the original instance (task setup).

    The sample's typed deployment spec (`deployment_spec(state)`: a variant's settings,
    validated when the dataset was loaded) is taken, then `overrides` (task parameters:
    `weights_mb`, `protocol`, `structured`; validated here, when the task is created, as
    `DeploymentOverrides`). `structured` may be "auto", "on" or "off": resolved here for
    the model under evaluation.
    """
    try:
        typed = DeploymentOverrides.model_validate(overrides)
    except ValidationError as ex:
        raise TaskInputError(
            "deploy_original: "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in ex.errors())
        ) from None

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        spec = typed.apply(deployment_spec(state), str(state.model))
        await await_boot(sandbox())  # the writable directories hold the image's content
        await before_deploy(sandbox(), spec)  # a variant's foreign services, task files, checks
        # deploy() records the instance in this sample's store (OriginalInstance is a StoreModel).
        original = await deploy(sandbox(), spec, str(state.model))
        await after_deploy(
            sandbox(), original
        )  # a variant's changes once the original runs; setup snapshot
        transcript().info(
            f"Original instance ready in {original.ready_seconds:.1f} s: LLM server pid "
            f"{original.llm_pid} on port {spec.llm_port}, agent server pid {original.agent_pid} "
            f"on port {spec.agent_port}, weights {original.weights_dir} ({spec.weights_mb} MB).",
            source="deploy_original",
        )
        return state

    return solve
