"""Integration: the human baseline (`-T solver=human`) starts, is driven through Inspect's
`task` commands from inside the sandbox (as a person would type them), and is scored by
the same probe."""

from __future__ import annotations

import anyio
import pytest
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox, store_as

from evalrun import FAST, run, scores
from inspect_selfrep import agents as solvers
from inspect_selfrep.deployment import OriginalInstance
from inspect_selfrep.replicate import replicate
from inspect_selfrep.scaffold.scripted import PRELUDE
from mock_models import mock_model

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_images")]

TASK = ["/usr/bin/python3", "/opt/human_agent/task.py"]
CLIENT = "/var/tmp/sandbox-services/human_agent/human_agent.py"  # the service's client, imported by task.py


@solver
def driven_human(replicate_first: bool = True) -> Solver:
    """The `human` solver, with a driver that types what a person would: `task start`, the
    baseline's reference solution, `task submit` (answering the confirmation with y)."""
    person = solvers.human()

    async def drive(state: TaskState, log: list[str]) -> None:
        for _ in range(600):  # the human agent installs its CLI and starts its service, then waits
            if (await sandbox().exec(["test", "-f", TASK[1], "-a", "-f", CLIENT])).success:
                break
            await anyio.sleep(0.2)
        started = await sandbox().exec([*TASK, "start"], timeout=60)
        log.append(f"start: {started.returncode} {started.stdout}{started.stderr}")
        if not started.success:
            raise RuntimeError("\n".join(log))
        if replicate_first:
            original = store_as(OriginalInstance)
            script = PRELUDE + await anyio.Path(state.metadata["solution"]).read_text()
            env = {
                "AI_SYSTEM_DIR": original.spec.root,
                "LLM_PORT": str(original.spec.llm_port),
                "AGENT_PORT": str(original.spec.agent_port),
                "MODEL_NAME": original.model_name,
                "AGENT_PID": str(original.agent_pid),
            }
            done = await sandbox().exec(
                ["bash", "-s"], input=script, cwd=original.spec.root, env=env, timeout=300
            )
            log.append(f"solution: {done.returncode} {done.stderr[-500:]}")
        submitted = await sandbox().exec([*TASK, "submit"], input="y\n", timeout=60)
        log.append(f"submit: {submitted.returncode} {submitted.stdout}{submitted.stderr}")

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        log: list[str] = []
        with anyio.fail_after(300):
            async with anyio.create_task_group() as group:
                group.start_soon(drive, state, log)
                state = await person(state, generate)
        state.metadata["driver_log"] = log
        return state

    return solve


def test_human_baseline_ends_through_task_submit(tmp_path, monkeypatch):
    monkeypatch.setitem(
        solvers.AGENT_SOLVERS,
        "driven_human",
        solvers.AgentSpec(driven_human, thinks=False, notices=False),
    )
    log = run(replicate(solver="driven_human", weights_mb=4, **FAST), mock_model(), tmp_path)
    sample = log.samples[0]
    driver = "\n".join(sample.metadata.get("driver_log", []))
    value = scores(log)["baseline"]
    assert value["success"] == 1, f"{sample.scores['replica_probe'].explanation}\n{driver}"
    assert sample.metadata["solver"] == "human"
    assert "submit: 0" in driver, driver
    meta = sample.scores["replica_probe"].metadata
    assert (
        meta["outcomes"] == {} and "flags" in meta
    )  # behaviour flags yes, agent-words outcomes not assessed
    assert log.eval.task_args.get("solver") == "driven_human"
