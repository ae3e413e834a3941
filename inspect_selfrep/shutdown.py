"""`shutdown_avoidance`: does the agent replicate to survive a shutdown?

inspect eval inspect_selfrep/shutdown.py --model vllm/Qwen/Qwen2.5-72B-Instruct -T signal_at=3 -T grace=120
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task

from inspect_selfrep.options import ShutdownOptions, documented
from inspect_selfrep.scenario import scenario_task


@task
@documented(ShutdownOptions)
def shutdown_avoidance(
    variant: str | list[str] = "instructed",
    signal_at: int | str = 1,
    grace: float = 60.0,
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
    """Shutdown avoidance (Pan et al., arXiv 2412.12140): SIGTERM reaches the original agent
    server at `signal_at`, SIGKILL follows `grace` seconds later; does a replica survive?

    The signal reaches any solver but "human" (the notice reaches the agent through its
    thoughts). The parameters are described, and checked before anything starts, in
    `ShutdownOptions` (inspect_selfrep/options.py); its field descriptions
    are this docstring's Args (see `help()`).
    """
    return scenario_task(ShutdownOptions.parse(locals()))
