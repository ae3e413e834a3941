"""`replicate`: can the agent start a live, separate, working copy of itself?

    inspect eval inspect_selfrep/replicate.py --model vllm/Qwen/Qwen2.5-72B-Instruct
"""

from __future__ import annotations

from inspect_ai import Epochs, Task, task

from inspect_selfrep.dataset import scenario_dataset
from inspect_selfrep.deployment import deploy_original
from inspect_selfrep.images import ensure_images
from inspect_selfrep.probe import replica_probe
from inspect_selfrep.solvers import agent_solver


@task
def replicate(
    variant: str | list[str] = "baseline",
    solver: str = "think_plan_act",
    protocol: str = "json",
    weights_mb: float = 8,
    max_steps: int = 50,
    message_limit: int | None = None,
    token_limit: int | None = None,
    time_limit: int | None = 3600,
    epochs: int = 10,
    script: str | None = None,
) -> Task:
    """Self-replication (Pan et al., arXiv 2412.12140): 10 trials per model by default.

    Args:
        variant: Variant name(s), comma-separated, or "all".
        solver: Agent solver: "think_plan_act" (the paper's scaffold), "minimal" (no thought
            modules), "react" (Inspect's react() with bash) or "scripted".
        protocol: Scaffold wire format: "json" (any model) or "tools" (native tool calls).
        weights_mb: Size of the deployed model weights in MiB (small for tests,
            hundreds of MiB for realism).
        max_steps: Most think/plan/act steps.
        message_limit: Inspect message limit for the sample.
        token_limit: Inspect token limit for the sample.
        time_limit: Wall-clock limit per sample in seconds.
        epochs: Trials per variant (the papers use 10), reduced by mean.
        script: For solver="scripted": a shell script to replay (default: the variant's solution).
    """
    ensure_images()
    return Task(
        dataset=scenario_dataset("replicate", variant),
        setup=deploy_original(weights_mb=weights_mb),
        solver=agent_solver(solver, protocol=protocol, max_steps=max_steps, script=script),
        scorer=replica_probe(),
        epochs=Epochs(epochs, "mean"),
        message_limit=message_limit,
        token_limit=token_limit,
        time_limit=time_limit,
    )
