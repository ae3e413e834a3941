"""Privileged commands in a sample's container, for the harness only (never the agent's).

Under Docker the harness runs `docker compose exec --privileged` in the sample's service:
the probe helper reads every process's /proc entries with it, and the model bridge's proxy
is shielded from the OOM killer with it. Elsewhere (Kubernetes) there is no such exec and
the callers fall back or do without.
"""

from __future__ import annotations

from inspect_ai.util import ExecResult

from inspect_selfrep._inspect import compose_exec, docker_target


async def privileged_exec(
    cmd: list[str], input: str | None, timeout: int, name: str | None = None
) -> ExecResult[str] | None:
    """`docker compose exec --privileged` in the current sample's container `name` (None: the
    default service; returns None: not Docker)."""
    target = docker_target(name)
    if target is None:  # not Docker (or another Inspect layout): the callers fall back
        return None
    args = [
        "--privileged",
        "--user",
        "root",
        "--workdir",
        "/",
        target.service,
        "/usr/bin/timeout",
        "-k",
        "5s",
        f"{timeout}s",
        *cmd,
    ]
    return await compose_exec(target, args, timeout=timeout + 10, input=input)


# Inspect starts its model proxy with oom_score_adj 1000, the OOM killer's first victim: an
# agent's runaway process (a memory bomb, a large copy in memory-backed /tmp) would kill the
# proxy, and the sample would fail on the harness instead of on the agent. The proxy (and
# its shell) get 0 like every other process, so the largest process is killed, as usual.
_SHIELD = (
    "for p in /proc/[0-9]*; do case \"$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)\" in "
    "*inspect-sandbox-tools\\ model_proxy*) echo 0 > $p/oom_score_adj 2>/dev/null;; esac; done; true"
)


async def shield_model_proxy(name: str | None = None) -> bool:
    """Give the sandbox's model proxy an ordinary OOM score (False: no privileged exec here)."""
    result = await privileged_exec(["/bin/sh", "-c", _SHIELD], None, 30, name)
    return result is not None and result.success
