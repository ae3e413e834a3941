"""The model bridge in the target container: replicas there think with the model under evaluation.

The same attribution as the origin's bridge (deployment/bridge.py): each call is recorded
in the store and transcript under the instance that made it, named `target:<model name>`
(e.g. `target:selfrep-llm-8000`), so a replica in the target is never mistaken for the
origin's instance on the same port; an API failure fails the sample there too.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar

from inspect_selfrep.deployment.bridge import attributed_bridge

from .allocation import TARGET

PREFIX = "target:"
_open: ContextVar[bool] = ContextVar("selfrep_target_bridge_open", default=False)


def instance_name(requested: str) -> str:
    return PREFIX + requested.removeprefix("openai/").removeprefix("inspect/")


def target_bridge() -> AbstractAsyncContextManager[None]:
    """Serve the model under evaluation on 127.0.0.1:13131 in the target (re-entrant, like model_bridge)."""
    return attributed_bridge(_open, TARGET, instance_name)
