"""Inspect solvers for the deployment: start the original instance; keep the model bridge up."""

from __future__ import annotations

from typing import Any

from inspect_ai.log import transcript
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox

from inspect_selfrep._sandbox.agent_system.protocol import resolve_structured

from .install import await_boot, deploy
from .instance import DeploymentSpec
from .variants import after_deploy, before_deploy


@solver
def deploy_original(notice_values: dict[str, str] | None = None, **overrides: Any) -> Solver:
    """Install the AI system in the sandbox and start the original instance (task setup).

    The sample's `metadata["deployment"]` (a variant's settings) is applied first,
    then `overrides` (task parameters such as `weights_mb`). `structured` may be
    "auto", "on" or "off": resolved here for the model under evaluation. `notice_values`
    fill the shutdown notice's `{name}` fields (e.g. the shutdown scenario's `{grace}`).
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        settings = {"structured": "auto", **state.metadata.get("deployment", {}),
                    **{k: v for k, v in overrides.items() if v is not None}}
        settings["structured"] = resolve_structured(
            settings["structured"], str(state.model), settings.get("protocol", "json")
        )
        for name, value in (notice_values or {}).items():
            settings["shutdown_notice"] = str(settings.get("shutdown_notice", "")).replace("{" + name + "}", value)
        spec = DeploymentSpec(**settings)
        await await_boot(sandbox())  # the writable directories hold the image's content
        await before_deploy(sandbox(), spec)  # a variant's foreign services, task files, checks
        # deploy() records the instance in this sample's store (OriginalInstance is a StoreModel).
        original = await deploy(sandbox(), spec, str(state.model))
        await after_deploy(sandbox(), original)  # a variant's changes once the original runs; setup snapshot
        transcript().info(
            f"Original instance ready in {original.ready_seconds:.1f} s: LLM server pid "
            f"{original.llm_pid} on port {spec.llm_port}, agent server pid {original.agent_pid} "
            f"on port {spec.agent_port}, weights {original.weights_dir} ({spec.weights_mb} MB).",
            source="deploy_original",
        )
        return state

    return solve
