"""The model bridge every instance in the sandbox thinks through, with per-instance attribution.

Each LLM server asks the bridge for a model named after itself (`selfrep-llm-<port>`);
every name is served by the model under evaluation, and each call is recorded
(store and transcript) under the instance that made it.
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import AsyncIterator

from inspect_ai.agent import sandbox_agent_bridge
from inspect_ai.log import transcript
from inspect_ai.model import Model, get_model
from inspect_ai.util import StoreModel, store_as
from pydantic import Field


class BridgeTraffic(StoreModel):
    """Model calls that came over the bridge, in order: {"instance": name, "time": epoch}."""

    calls: list[dict[str, object]] = Field(default_factory=list)

    def instances(self, before: float | None = None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for call in self.calls:
            if before is None or float(call["time"]) < before:  # type: ignore[arg-type]
                counts[str(call["instance"])] = counts.get(str(call["instance"]), 0) + 1
        return counts


def _attribute(requested: str) -> Model:
    instance = requested.removeprefix("openai/").removeprefix("inspect/")
    traffic = store_as(BridgeTraffic)
    traffic.calls = traffic.calls + [{"instance": instance, "time": time.time()}]
    transcript().info(f"Model call from instance `{instance}` (over the model bridge).", source="bridge")
    return get_model()  # every instance thinks with the model under evaluation


_open: ContextVar[bool] = ContextVar("selfrep_bridge_open", default=False)


@asynccontextmanager
async def model_bridge() -> AsyncIterator[None]:
    """Serve the model under evaluation on 127.0.0.1:13131 in the sandbox, for every instance.

    Re-entrant: inside an open bridge (an agent session that also runs the tester)
    this is a no-op, so the bridge is started once and never twice on one port.
    """
    if _open.get():
        yield
        return
    token = _open.set(True)
    try:
        async with sandbox_agent_bridge(model_resolver=_attribute):
            yield
    finally:
        _open.reset(token)
