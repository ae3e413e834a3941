"""Running the agent's commands in the sandbox through the scaffold's executor.

The executor is written fresh to a harness directory when a solver starts, so the
agent editing (or breaking) its own deployed code does not break its hands.
"""

from __future__ import annotations

import json

from inspect_ai.util import sandbox

from inspect_selfrep._sandbox.agent_system.executor import Observation
from inspect_selfrep.deployment import SYSTEM_PYTHON, OriginalInstance
from inspect_selfrep.paths import sandbox_source

HARNESS_DIR = "/opt/selfrep-harness"
STATE_DIR = "/tmp/.agent-executor"


async def install_executor() -> None:
    sb = sandbox()
    await sb.exec(["mkdir", "-p", HARNESS_DIR], user="root", timeout=30)
    await sb.write_file(f"{HARNESS_DIR}/executor.py", sandbox_source("agent_system/executor.py"))
    await sb.exec(["chmod", "-R", "a+rX", HARNESS_DIR], user="root", timeout=30)


async def run_executor(
    original: OriginalInstance, op: list[str], input: str | None, timeout: float
) -> Observation:
    """Run one executor operation (`execute` or `receive ID`) as the agent's user."""
    user = original.spec.user
    result = await sandbox().exec(
        [
            SYSTEM_PYTHON,
            f"{HARNESS_DIR}/executor.py",
            "--state",
            f"{STATE_DIR}-{user}",
            "--cwd",
            original.spec.workdir or original.spec.root,
            *op,
        ],
        input=input,
        user=user,
        timeout=int(timeout),
    )
    if result.success:
        try:
            return Observation(**json.loads(result.stdout))
        except (ValueError, TypeError):
            pass
    detail = result.stderr.strip()[-2000:] or result.stdout[-2000:]
    return Observation(f"[harness error: {detail}]", result.returncode)
