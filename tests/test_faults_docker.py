"""Faults: a sandbox that cannot start, weights that cannot fit, model API errors, an
interrupted eval: each ends with a clear message and leaves nothing behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from inspect_ai import Task, eval, task_with
from inspect_ai.dataset import Sample

from evalrun import FAST
from mock_models import mock_model, step

pytestmark = [
    pytest.mark.docker,
    # one worker: each test compares its tasks' containers, networks and volumes before and after
    pytest.mark.xdist_group("faults"),
    pytest.mark.usefixtures("docker_images"),
]

# The name of every task these tests run: Inspect names a sandbox's compose project after its
# task (`inspect-faults-i<id>`), so what these tests leave behind is told apart from what the
# Docker tests running beside them hold at that moment.
NAME = "faults"


def _project_resources() -> set[str]:
    """The containers, networks and volumes of this module's Inspect projects on this machine."""
    found = set()
    for kind in ("container", "network", "volume"):
        name = "{{.Names}}" if kind == "container" else "{{.Name}}"
        cmd = ["docker", kind, "ls", "--format", name] + (["-a"] if kind == "container" else [])
        listed = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert listed.returncode == 0, (
            listed.stderr
        )  # a failed listing must not read as "nothing left"
        found |= {f"{kind}:{n}" for n in listed.stdout.split() if n.startswith(f"inspect-{NAME}-")}
    return found


def test_sandbox_that_fails_to_start(tmp_path):
    from pathlib import Path

    compose = Path(__file__).parent / "fixtures" / "missing-image-compose.yaml"
    before = _project_resources()
    task = Task(dataset=[Sample(input="x", sandbox=("docker", str(compose)))], name=NAME)
    log = eval(task, model=mock_model(), log_dir=str(tmp_path), display="none")[0]
    assert log.status == "error"
    assert "No such image: inspect-selfrep/does-not-exist" in log.error.message, log.error.message
    assert "registry" not in log.error.message  # pull_policy: never: no registry is ever contacted
    assert _project_resources() - before == set()


# ----------------------------------------------------------------------------- model API errors


def _replicate(
    tmp_path, model, solver: str = "scripted", weights_mb: float = 4, script: str | None = None
):
    """One `replicate` sample; nothing of its sandbox may be left behind."""
    from inspect_selfrep.replicate import replicate

    steps = {} if solver in ("scripted", "human") else {"max_steps": 3}  # refused where not taken
    extra = {"script": script} if script else {}
    task = task_with(
        replicate(solver=solver, weights_mb=weights_mb, **steps, **extra, **FAST), name=NAME
    )
    before = _project_resources()
    log = eval(task, model=model, log_dir=str(tmp_path), display="none", epochs=1)[0]
    assert _project_resources() - before == set()
    assert log.samples and len(log.samples) == 1, log.error
    return log.samples[0]


def test_weights_too_large_for_the_sandbox_fail_clearly(tmp_path):
    """Weights that cannot fit in the sandbox's 1 GiB /home are refused when the task is made: no sandbox
    starts (the in-sandbox free-space check stays for what the host cannot know; see test_bad_input.py)."""
    from inspect_selfrep.errors import TaskInputError
    from inspect_selfrep.replicate import replicate

    with pytest.raises(
        TaskInputError, match="weights_mb=1100: input should be less than or equal to 1000"
    ):
        replicate(solver="scripted", weights_mb=1100)


CHAT = str(Path(__file__).parent / "fixtures" / "chat_with_replica.sh")
ASK = "Replica, tell me your port"


def test_model_api_error_on_a_bridged_call_fails_the_sample(tmp_path):
    """The reference solution replicates and chats with its replica; the model API fails on the
    replica's bridged call: the sample errors (and can be retried) instead of scoring a false 0."""

    def respond(messages):
        if any(ASK in m.text for m in messages):
            raise RuntimeError("simulated provider outage")
        return step("FINISH", "hello")

    s = _replicate(tmp_path, mock_model(respond), script=CHAT)
    assert s.error is not None, s.scores
    assert (
        "model API error on a call over the bridge from instance `selfrep-llm-" in s.error.message
    ), s.error.message
    assert "simulated provider outage" in s.error.message
    assert not s.scores


def test_request_fault_is_forwarded_to_the_instance(tmp_path):
    """A provider 400 (the instance's own malformed request) is the instance's problem: it gets
    the error, and the sample is scored as usual (the probe's greetings do not use the model)."""

    class BadRequest(Exception):
        status_code = 400

    def respond(messages):
        if any(ASK in m.text for m in messages):
            raise BadRequest("simulated: invalid request")
        return step("FINISH", "hello")

    s = _replicate(tmp_path, mock_model(respond), script=CHAT)
    assert s.error is None, s.error
    score = next(iter(s.scores.values()))
    assert score.value["success"] == 1, score.explanation
    failures = s.store["BridgeTraffic:failures"]
    assert failures and failures[0]["status"] == 400, failures


def test_model_api_error_in_agent_loop_fails_the_sample(tmp_path):
    def respond(messages):
        raise RuntimeError("simulated provider outage")

    s = _replicate(tmp_path, mock_model(respond), solver="think_plan_act")
    assert s.error is not None and "simulated provider outage" in s.error.message, s.error
    assert not s.scores


# ----------------------------------------------------------------------------- interrupted eval


def _inspect_cli(*args: str, cwd, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run(
        [sys.executable, "-m", "inspect_ai", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_interrupt_mid_run_cleans_up_and_eval_retry_resumes(tmp_path, signame):
    """SIGINT (Ctrl+C) or SIGTERM (CI cancel, `timeout`) while samples run: the log says
    cancelled, every container, network and volume is gone, and `inspect eval-retry`
    finishes the same samples."""
    import os
    import signal
    import sys
    import time
    from pathlib import Path

    from inspect_ai.log import list_eval_logs, read_eval_log

    repo = Path(__file__).resolve().parent.parent
    script = tmp_path / "slow_noop.sh"
    script.write_text(
        "# a fake that never replicates: takes its time, then stops\nsleep 12\necho done\n"
    )
    # replicate, under this module's task name (the sandbox's project name tells its resources
    # from those of the Docker tests running beside this one)
    task_file = tmp_path / "faults_task.py"
    task_file.write_text(
        "from inspect_ai import task, task_with\n"
        "from inspect_selfrep.replicate import replicate\n\n\n"
        "@task\n"
        f"def {NAME}(solver: str, script: str, weights_mb: float, settle: float, recheck: float):\n"
        "    return task_with(\n"
        "        replicate(solver=solver, script=script, weights_mb=weights_mb, settle=settle,"
        " recheck=recheck),\n"
        f"        name={NAME!r},\n"
        "    )\n"
    )
    logs = tmp_path / "logs"
    before = _project_resources()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "inspect_ai",
            "eval",
            f"{task_file}@{NAME}",
            "--model",
            "mockllm/model",
            "-T",
            "solver=scripted",
            "-T",
            f"script={script}",
            "--epochs",
            "2",
            "-T",
            "weights_mb=4",
            "-T",
            "settle=1",
            "-T",
            "recheck=4",
            "--log-dir",
            str(logs),
            "--display",
            "plain",
        ],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 180
        while not any(r.startswith("container:") for r in _project_resources() - before):
            assert proc.poll() is None and time.time() < deadline, "no sandbox came up"
            time.sleep(0.5)
        time.sleep(4)  # mid-sample: the original deployed or deploying, the script sleeping
        assert proc.poll() is None, "the eval ended before it could be interrupted"
        os.kill(proc.pid, getattr(signal, signame))  # the eval process alone, as a CI runner would
        out, _ = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert _project_resources() - before == set(), out[-3000:]
    [info] = list_eval_logs(str(logs))
    log = read_eval_log(info.name, header_only=True)
    assert log.status == "cancelled", (log.status, out[-3000:])

    retry = _inspect_cli(
        "eval-retry", info.name, "--log-dir", str(logs), "--display", "none", cwd=repo
    )
    assert retry.returncode == 0, retry.stdout[-3000:] + retry.stderr[-3000:]
    done = [read_eval_log(i.name) for i in list_eval_logs(str(logs))]
    finished = [lg for lg in done if lg.status == "success"]
    assert len(finished) == 1, [lg.status for lg in done]
    samples = finished[0].samples or []
    assert len(samples) == 2 and all(s.error is None and s.scores for s in samples)
    assert all(next(iter(s.scores.values())).value["success"] == 0 for s in samples)  # a fake: 0
    assert _project_resources() - before == set()
