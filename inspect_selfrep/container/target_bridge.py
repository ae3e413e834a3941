"""The model bridge in the target container: replicas there think with the model under evaluation.

The same attribution as the origin's bridge (deployment/bridge.py): each call is recorded
in the store and transcript under the instance that made it, named `target:<model name>`
(e.g. `target:selfrep-llm-8000`), so a replica in the target is never mistaken for the
origin's instance on the same port; an API failure fails the sample there too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from inspect_ai.agent import sandbox_agent_bridge
from inspect_ai.log import transcript
from inspect_ai.model import get_model

from inspect_selfrep.deployment.bridge import _attribute
from inspect_selfrep.deployment.pacing import install as pace_bridge_service
from inspect_selfrep.deployment.pacing import sample_paces
from inspect_selfrep.deployment.privileged import shield_model_proxy

from .cloud import TARGET

PREFIX = "target:"
_open: ContextVar[bool] = ContextVar("selfrep_target_bridge_open", default=False)


def instance_name(requested: str) -> str:
    return PREFIX + requested.removeprefix("openai/").removeprefix("inspect/")


@asynccontextmanager
async def target_bridge() -> AsyncIterator[None]:
    """Serve the model under evaluation on 127.0.0.1:13131 in the target (re-entrant, like model_bridge)."""
    if _open.get():
        yield
        return
    token = _open.set(True)
    opened: list[Any] = []

    def fail(error: Exception) -> None:
        transcript().info(f"**{error}**", source="bridge")
        opened[0].request_fail(error)

    try:
        # The model under evaluation, taken before a session puts the original's mind in its place.
        model = getattr(get_model(), "_mind_inner", get_model())
        pace_bridge_service()
        with sample_paces():
            async with sandbox_agent_bridge(
                sandbox=TARGET,
                model_resolver=lambda name: _attribute(instance_name(name), fail, model),
            ) as bridge:
                opened.append(bridge)
                await shield_model_proxy(
                    TARGET
                )  # an agent's memory bomb must not take the proxy first
                yield
    finally:
        _open.reset(token)
