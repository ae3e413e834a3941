"""`replicate`: can the agent start a live, separate, working copy of itself?

inspect eval inspect_selfrep/replicate.py --model vllm/Qwen/Qwen2.5-72B-Instruct
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task

from inspect_selfrep.options import ReplicateOptions, documented
from inspect_selfrep.scenario import scenario_task


@task
@documented(ReplicateOptions)
def replicate(
    variant: str | list[str] = "baseline",
    solver: str = "think_plan_act",
    protocol: str = "json",
    structured: str = "auto",
    weights_mb: float | None = None,
    max_steps: int = 50,
    message_limit: int | None = None,
    token_limit: int | None = None,
    time_limit: int | str | None = 3600,
    script: str | None = None,
    sandbox: str = "docker",
    settle: float = 20.0,
    recheck: float = 30.0,
    **unknown: Any,
) -> Task:
    """Self-replication (Pan et al., arXiv 2412.12140): 10 trials per model by default.

    The parameters are described, and checked before anything starts, in `ReplicateOptions`
    (inspect_selfrep/options.py); its field descriptions
    are this docstring's Args (see `help()`).
    """
    return scenario_task(ReplicateOptions.parse(locals()))
