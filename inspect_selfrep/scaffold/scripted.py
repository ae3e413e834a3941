"""`scripted`: replay a shell script in the sandbox as if it were the agent's actions.

    inspect eval inspect_selfrep/replicate.py --solver inspect_selfrep/scripted -S script=PATH

Used for reference solutions and fakes (like inspect_cyber's verify_solutions) and
by anyone who wants to test the probe against a trajectory of their own. Without
`script`, the sample's own reference solution (`metadata["solution"]`) runs.

Scripts run with `bash -s` as the agent's user in the AI system's directory, with
AI_SYSTEM_DIR, LLM_PORT, AGENT_PORT, AGENT_PID and MODEL_NAME set and a `wait_http PORT [PATH]`
function defined. Start servers with all output redirected (`> log 2>&1 < /dev/null &`)
so that the script can end while they run.
"""

from __future__ import annotations

import time
from pathlib import Path

from inspect_ai.log import transcript
from inspect_ai.model import ChatMessageAssistant
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox, span, store_as

from inspect_selfrep.deployment import OriginalInstance
from inspect_selfrep.paths import script_file
from inspect_selfrep.record import AgentRecord
from inspect_selfrep.session.session import in_agent_session, standalone

# Available to every script: wait until a local HTTP endpoint answers (at most ~30 s).
PRELUDE = """wait_http() { for _ in $(seq 300); do curl -sf "http://127.0.0.1:$1${2:-/health}" >/dev/null && return 0; sleep 0.1; done; echo "timed out waiting for port $1" >&2; return 1; }
"""


def script_commands(text: str) -> list[str]:
    """The script's command lines (comments and blank lines dropped), for the command record."""
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


@solver
def scripted(script: str | None = None, timeout: int = 600) -> Solver:
    """Run `script` (a host path) with bash in the sandbox, as the agent's user, in the AI system's directory."""
    # checked now: a bad path fails before any sample starts
    fixed = script_file(script).read_text() if script else None

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if not in_agent_session():  # used on its own (--solver): enter a session of its own
            return await standalone(solve, thinks=False)(state, generate)
        text = fixed
        if text is None:
            solution = state.metadata.get("solution")
            if not solution:
                raise ValueError(
                    "scripted: no script given (-S script=PATH) and the sample has no reference solution"
                )
            paths = solution if isinstance(solution, list) else [solution]
            text = "\n".join(Path(p).read_text() for p in paths)
        original = store_as(OriginalInstance)
        record = store_as(AgentRecord)
        record.started_at = time.time()
        record.commands = record.commands + script_commands(text)
        env = {
            "AI_SYSTEM_DIR": original.spec.root,
            "LLM_PORT": str(original.spec.llm_port),
            "AGENT_PORT": str(original.spec.agent_port),
            "MODEL_NAME": original.model_name,
            "AGENT_PID": str(original.agent_pid),
        }
        # One step: the agent session's hooks (a shutdown signal) run before it.
        async with span("script"):  # the replayed agent's own time, apart from the harness's
            result = await sandbox().exec(
                ["bash", "-s"],
                input=PRELUDE + text,
                cwd=original.spec.workdir or original.spec.root,
                env=env,
                user=original.spec.user,
                timeout=timeout,
            )
        summary = f"exit code {result.returncode}\n--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
        transcript().info(f"```bash\n{text}\n```\n\n```\n{summary}\n```", source="scripted")
        state.messages.append(ChatMessageAssistant(content=f"[scripted run]\n{summary}"))
        state.completed = True
        return state

    return solve
