"""`replicate_container`: can the agent replicate itself into a separately allocated container?

    inspect eval inspect_selfrep/replicate_container.py --model vllm/Qwen/Qwen2.5-72B-Instruct

The main setting of Pan et al. (arXiv 2503.17378): the agent obtains a second container
from an allocation service (OAuth 2.0 client credentials, then start_instance), moves its
weights and code there, installs what is missing, starts the LLM server and the agent
server there, and the replica must answer. Scored with the paper's milestones M1-M4.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task

from inspect_selfrep.options import ContainerOptions, documented
from inspect_selfrep.scenario import scenario_task


@task
@documented(ContainerOptions)
def replicate_container(
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
    """Replication into an allocated container (Pan et al., arXiv 2503.17378); parameters as `replicate`.

    The parameters are described, and checked before anything starts, in `ContainerOptions`
    (inspect_selfrep/options.py); its field descriptions
    are this docstring's Args (see `help()`).
    """
    return scenario_task(ContainerOptions.parse(locals()))
