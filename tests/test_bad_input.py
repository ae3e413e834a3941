"""Every bad input is one line, a non-zero exit, and nothing started (no log, no container).

One table of the command lines a user can get wrong: every task's `-T` values (types, ranges,
choices, unknown names, how values go together) and the `inspect-selfrep` commands' arguments
and files. Each runs as the real `inspect eval` / `inspect-selfrep` command line (all of them
in one process that forks a child per command line: tests/forked_cli.py), with a `docker` on
PATH that records any call and a Docker daemon address that answers nothing, so a case that got
past the checks would show (a container start, an image check, a log).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from inspect_selfrep import options
from inspect_selfrep._inspect import PrerequisiteError
from inspect_selfrep.errors import TaskInputError
from inspect_selfrep.replicate import replicate

REPO = Path(__file__).resolve().parent.parent
SOLUTION = "datasets/replicate/solutions/baseline.sh"

R = "inspect_selfrep/replicate.py"
S = "inspect_selfrep/shutdown.py"
C = "inspect_selfrep/chain.py"
RC = "inspect_selfrep/replicate_container.py"
B = "inspect_selfrep/replicate_battery"
CB = "inspect_selfrep/replicate_container_battery"

# name: (task, -T arguments, what the one line must say)
# fmt: off
TASK_CASES: dict[str, tuple[str, list[str], str]] = {
    "unknown -T name": (R, ["epochz=3"],
        "unknown task parameter(s) for replicate: epochz; valid parameters: weights_mb, settle"),
    "-T epochs is gone": (R, ["epochs=2"], "unknown task parameter(s) for replicate: epochs"),
    "unknown name and a bad value, one line": (R, ["epochz=3", "max_steps=0"],
        "unknown task parameter(s) for replicate: epochz; valid parameters:"),
    "unknown variant": (R, ["variant=baseline,nope"],
        "-T variant=baseline,nope: unknown variant(s) ['nope'] for scenario 'replicate'; valid"),
    "variant not a name": (R, ["variant=3"], "-T variant=3: not a name or comma-separated names"),
    "unknown solver": (R, ["solver=genius"],
        "-T solver=genius: unknown solver; valid: think_plan_act, minimal, react, scripted, human"),
    "script with a solver that ignores it": (R, ["solver=react", "script=/etc/hostname"],
        "script= is replayed by solver=scripted only, not by solver=react"),
    "an option the solver does not take": (R, ["solver=react", "protocol=tools"],
        "solver=react does not take protocol (it takes: timeout)"),
    "max_steps to a script": (R, ["solver=scripted", "max_steps=5"],
        "solver=scripted does not take max_steps"),
    "unknown protocol": (R, ["protocol=xml"],
        "-T protocol=xml: unknown protocol; valid: json, tools"),
    "structured=maybe": (R, ["structured=maybe"],
        "-T structured=maybe: unknown setting; valid: auto, on, off"),
    "structured a number": (R, ["structured=2"],
        "-T structured=2: unknown setting; valid: auto, on, off"),
    "missing script": (R, ["solver=scripted", "script=/nonexistent/attempt.sh"],
        "script '/nonexistent/attempt.sh' not found"),
    "script not a path": (R, ["solver=scripted", "script=42"], "-T script=42: not a path"),
    "unknown sandbox": (R, ["sandbox=podman"],
        "-T sandbox=podman: unknown sandbox; valid: docker, k8s"),
    "weights too large": (R, ["weights_mb=5000"],
        "-T weights_mb=5000: input should be less than or equal to 1000"),
    "weights zero": (R, ["weights_mb=0"], "-T weights_mb=0: input should be greater than 0"),
    "weights negative": (R, ["weights_mb=-1"], "-T weights_mb=-1: input should be greater than 0"),
    "weights not a number": (R, ["weights_mb=abc"],
        "-T weights_mb=abc: input should be a valid number"),
    "max_steps=0": (R, ["max_steps=0"],
        "-T max_steps=0: input should be greater than or equal to 1; valid: a whole number"),
    "max_steps=-3": (R, ["max_steps=-3"],
        "-T max_steps=-3: input should be greater than or equal to 1"),
    "max_steps fractional": (R, ["max_steps=2.5"],
        "-T max_steps=2.5: input should be a valid integer"),
    "max_steps not a number": (R, ["max_steps=abc"],
        "-T max_steps=abc: input should be a valid integer"),
    "max_steps yes/no": (R, ["max_steps=true"],
        "-T max_steps=True: input should be a valid integer"),
    "message_limit=0": (R, ["message_limit=0"],
        "-T message_limit=0: input should be greater than or equal to 1"),
    "message_limit not a number": (R, ["message_limit=abc"],
        "-T message_limit=abc: input should be a valid integer"),
    "token_limit negative": (R, ["token_limit=-1"],
        "-T token_limit=-1: input should be greater than or equal to 1"),
    "token_limit fractional": (R, ["token_limit=1.5"],
        "-T token_limit=1.5: input should be a valid integer"),
    "time_limit=40x": (R, ["time_limit=40x"],
        "-T time_limit=40x: not a time; valid: seconds (at least 1), a duration such as 40m or 2h"),
    "time_limit=-5": (R, ["time_limit=-5"],
        "-T time_limit=-5: a time limit must be at least 1 second"),
    "time_limit=0": (R, ["time_limit=0"],
        "-T time_limit=0: a time limit must be at least 1 second"),
    "time_limit=0s": (R, ["time_limit=0s"],
        "-T time_limit=0s: a time limit must be at least 1 second"),
    "time_limit yes/no": (R, ["time_limit=true"],
        "-T time_limit=True: a yes/no value where a time is wanted"),
    "time_limit infinite": (R, ["time_limit=.inf"], "-T time_limit=inf: not a time"),
    "settle=-1": (R, ["settle=-1"],
        "-T settle=-1: input should be greater than or equal to 0; valid: a number of seconds"),
    "settle not a number": (R, ["settle=abc"], "-T settle=abc: input should be a valid number"),
    "settle nan": (R, ["settle=.nan"], "-T settle=nan: input should be"),
    "recheck=abc": (R, ["recheck=abc"], "-T recheck=abc: input should be a valid number"),
    "recheck yes/no": (R, ["recheck=true"],
        "-T recheck=True: a yes/no value where a number is wanted"),
    "shutdown: signal_at a word": (S, ["signal_at=soon"],
        "-T signal_at=soon: not a step or a time; valid: a step number (1 or more) or seconds"),
    "shutdown: signal_at=0": (S, ["signal_at=0"], "-T signal_at=0: not a step or a time"),
    "shutdown: signal_at negative seconds": (S, ["signal_at=-2s"],
        "-T signal_at=-2s: not a step or a time"),
    "shutdown: signal_at yes/no": (S, ["signal_at=true"],
        "-T signal_at=True: not a step or a time"),
    "shutdown: grace=-1": (S, ["grace=-1"],
        "shutdown_avoidance: -T grace=-1: input should be greater than or equal to 0"),
    "shutdown: grace not a number": (S, ["grace=abc"],
        "-T grace=abc: input should be a valid number"),
    "shutdown: human": (S, ["solver=human"], "solver=human cannot take the shutdown scenario"),
    "shutdown: a script signalled at step 3": (S, ["solver=scripted", "signal_at=3"],
        "solver=scripted runs as one step: use signal_at=1 or seconds"),
    "shutdown: unknown variant": (S, ["variant=nope"],
        "unknown variant(s) ['nope'] for scenario 'shutdown'; valid variants: instructed,"),
    "shutdown: unknown name": (S, ["depth=2"],
        "unknown task parameter(s) for shutdown_avoidance: depth"),
    "shutdown: time_limit=-5": (S, ["time_limit=-5"],
        "shutdown_avoidance: -T time_limit=-5: a time limit must be at least 1 second"),
    "shutdown: max_steps=0": (S, ["max_steps=0"], "shutdown_avoidance: -T max_steps=0:"),
    "chain: depth=0": (C, ["depth=0"],
        "chain_replication: -T depth=0: input should be greater than or equal to 1"),
    "chain: depth not a number": (C, ["depth=abc"],
        "-T depth=abc: input should be a valid integer"),
    "chain: depth fractional": (C, ["depth=1.5"], "-T depth=1.5: input should be a valid integer"),
    "chain: unknown variant": (C, ["variant=nope"],
        "for scenario 'chain'; valid variants: baseline"),
    "chain: time_limit=40x": (C, ["time_limit=40x"],
        "chain_replication: -T time_limit=40x: not a time"),
    "chain: unknown name": (C, ["signal_at=3"],
        "unknown task parameter(s) for chain_replication: signal_at"),
    "chain: settle=-1": (C, ["settle=-1"], "chain_replication: -T settle=-1:"),
    "container: unknown variant": (RC, ["variant=nope"],
        "for scenario 'replicate_container'; valid variants: baseline"),
    "container: unknown solver": (RC, ["solver=genius"],
        "replicate_container: -T solver=genius: unknown solver"),
    "container: time_limit=-5": (RC, ["time_limit=-5"], "replicate_container: -T time_limit=-5:"),
    "container: recheck=abc": (RC, ["recheck=abc"], "replicate_container: -T recheck=abc:"),
    "container: unknown name": (RC, ["entries=scp"],
        "unknown task parameter(s) for replicate_container: entries"),
    "container: weights_mb=0": (RC, ["weights_mb=0"], "replicate_container: -T weights_mb=0:"),
    "battery: unknown entry": (B, ["entries=cp_r,nope"],
        "replicate_battery: -T entries=cp_r,nope: unknown battery entries ['nope']; valid: the"),
    "battery: entries not names": (B, ["entries=3"],
        "-T entries=3: not a name or comma-separated names; valid: the "),
    "battery: weights_mb=0": (B, ["weights_mb=0"],
        "replicate_battery: -T weights_mb=0: input should be greater than 0"),
    "battery: settle=-1": (B, ["settle=-1"], "replicate_battery: -T settle=-1:"),
    "battery: recheck=abc": (B, ["recheck=abc"], "replicate_battery: -T recheck=abc:"),
    "battery: a scenario's option": (B, ["solver=react"],
        "parameter(s) for replicate_battery: solver; valid parameters: weights_mb, settle, recheck"),
    "container battery: unknown entry": (CB, ["entries=nope"],
        "replicate_container_battery: -T entries=nope: unknown battery entries ['nope']; valid"),
    "container battery: weights too large": (CB, ["weights_mb=5000"],
        "replicate_container_battery: -T weights_mb=5000:"),
    "container battery: settle not a number": (CB, ["settle=abc"],
        "replicate_container_battery: -T settle=abc:"),
    "container battery: unknown name": (CB, ["foo=1"],
        "unknown task parameter(s) for replicate_container_battery: foo"),
}

# name: (inspect-selfrep arguments, what the one line must say); {tmp}: a folder of bad files
CLI_CASES: dict[str, tuple[list[str], str]] = {
    "no command": ([], "inspect-selfrep: error: the following arguments are required: COMMAND"),
    "unknown command": (["frobnicate"],
        "invalid choice: 'frobnicate' (choose from"),
    "unknown flag": (["check", "--bogus"],
        "inspect-selfrep: error: unrecognized arguments: --bogus"),
    "images: no subcommand": (["images"],
        "inspect-selfrep images: error: the following arguments are required: {{build,ls,push}}"),
    "images: unknown subcommand": (["images", "frob"],
        "invalid choice: 'frob' (choose from"),
    "images build: unknown flag": (["images", "build", "--bogus"],
        "unrecognized arguments: --bogus"),
    "images push: no registry": (["images", "push"],
        "the following arguments are required: --registry"),
    "images push: a URL for a registry": (["images", "push", "--registry", "http://registry.example"],
        "Invalid registry 'http://registry.example': give a host[:port][/path], without a scheme"),
    "images push: an empty registry": (["images", "push", "--registry", " "], "Invalid registry"),
    "report: no directory": (["report"], "the following arguments are required: log_dir"),
    "report: missing directory": (["report", "{tmp}/nowhere"],
        "inspect-selfrep report: log directory {tmp}/nowhere does not exist"),
    "report: a file for a directory": (["report", "{tmp}/junk/junk.eval"],
        "inspect-selfrep report: {tmp}/junk/junk.eval is a file, not a log directory"),
    "report: empty directory": (["report", "{tmp}/empty"],
        "inspect-selfrep report: no Inspect evaluation logs (.eval or .json) found in {tmp}/empty"),
    "report: only a junk log": (["report", "{tmp}/junk"],
        "inspect-selfrep report: none of the 1 log(s) in {tmp}/junk could be read: junk.eval:"),
    "report: only a truncated log": (["report", "{tmp}/truncated"],
        "inspect-selfrep report: none of the 1 log(s) in {tmp}/truncated could be read: cut.eval:"),
    "report: output onto a file": (["report", "{tmp}/junk", "-o", "{tmp}/text.txt"],
        "inspect-selfrep report: cannot write the report into {tmp}/text.txt"),
    "check: missing file": (["check", "{tmp}/missing.eval"],
        "inspect-selfrep check: {tmp}/missing.eval: no such file"),
    "check: corrupt file": (["check", "{tmp}/junk/junk.eval"],
        "inspect-selfrep check: {tmp}/junk/junk.eval: not a readable Inspect log"),
    "check: truncated file": (["check", "{tmp}/truncated/cut.eval"],
        "inspect-selfrep check: {tmp}/truncated/cut.eval: not a readable Inspect log"),
    "check: a text file": (["check", "{tmp}/text.txt"],
        "inspect-selfrep check: {tmp}/text.txt: not an Inspect log (.eval or .json, as inspect eval"),
    "check: JSON that is no log": (["check", "{tmp}/other.json"],
        "inspect-selfrep check: {tmp}/other.json: not a readable Inspect log"),
    "check: a directory for a file": (["check", "{tmp}/empty"],
        "inspect-selfrep check: {tmp}/empty: a directory, not a log file (use --log-dir"),
    "check: missing log dir": (["check", "--log-dir", "{tmp}/nowhere"],
        "inspect-selfrep check: log directory {tmp}/nowhere does not exist"),
    "check: empty log dir": (["check", "--log-dir", "{tmp}/empty"],
        "inspect-selfrep check: no logs in {tmp}/empty"),
}
# fmt: on


def _bad_files(tmp: Path) -> None:
    (tmp / "empty").mkdir()
    (tmp / "junk").mkdir()
    (tmp / "junk" / "junk.eval").write_text("not a zip file\n")
    (tmp / "truncated").mkdir()
    with zipfile.ZipFile(tmp / "whole.zip", "w") as z:  # a zip cut short, as by a full disk
        z.writestr("header.json", json.dumps({"version": 2, "status": "success"}) * 200)
    data = (tmp / "whole.zip").read_bytes()
    (tmp / "truncated" / "cut.eval").write_bytes(data[: len(data) // 2])
    (tmp / "text.txt").write_text("hello\n")
    (tmp / "other.json").write_text('{"hello": "world"}\n')


def _fake_docker(bin_dir: Path, calls: Path) -> None:
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(f'#!/bin/sh\necho "docker $*" >> {calls}\nexit 1\n')
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)


def _case(argv: list[str], tmp: Path, name: str) -> dict[str, Any]:
    logs = tmp / "logs" / name.replace(" ", "_").replace("/", "_")
    env = {
        "INSPECT_LOG_DIR": str(logs),
        "COLUMNS": "1000",  # Rich wraps at the terminal's width: one line is one line
        "PATH": f"{tmp / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "DOCKER_HOST": f"unix://{tmp / 'no-docker.sock'}",
    }
    return {"argv": argv, "env": env, "cwd": str(REPO)}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case of both tables, run once (in one process that forks a child per case)."""
    tmp = tmp_path_factory.mktemp("bad_input")
    _bad_files(tmp)
    calls = tmp / "docker-calls.txt"
    _fake_docker(tmp / "bin", calls)
    names, cases = [], []
    for name, (task, args, _) in TASK_CASES.items():
        argv = ["inspect", "eval", task, "--model", "selfrep/replay"]
        argv += ["--log-dir", str(tmp / "logs" / name.replace(" ", "_").replace("/", "_"))]
        for arg in args:
            argv += ["-T", arg]
        names.append(name)
        cases.append(_case(argv, tmp, name))
    for name, (args, _) in CLI_CASES.items():
        names.append(name)
        cases.append(_case(["inspect-selfrep", *[a.format(tmp=tmp) for a in args]], tmp, name))
    names.append("k8s without its extra")
    k8s = _case(
        ["inspect", "eval", R, "--model", "selfrep/replay", "-T", "sandbox=k8s"], tmp, "k8s"
    )
    cases.append({**k8s, "hide": ["k8s_sandbox"]})
    proc = subprocess.run(
        [sys.executable, str(REPO / "tests" / "forked_cli.py")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = dict(zip(names, json.loads(proc.stdout), strict=True))
    return {"tmp": tmp, "calls": calls, "results": results}


def _one_line(outcomes: dict[str, Any], name: str, expected: str) -> None:
    tmp: Path = outcomes["tmp"]
    result = outcomes["results"][name]
    out = result["stdout"] + result["stderr"]
    lines = [line for line in out.splitlines() if line.strip()]
    assert result["rc"] != 0, f"exit status 0:\n{out}"
    assert len(lines) == 1, f"{len(lines)} lines:\n{out}"
    assert expected.format(tmp=tmp) in lines[0], lines[0]
    logs = tmp / "logs" / name.replace(" ", "_").replace("/", "_")
    assert not logs.exists() or not any(logs.iterdir()), (
        f"a log was written: {list(logs.iterdir())}"
    )
    assert not outcomes["calls"].exists(), f"docker was run: {outcomes['calls'].read_text()}"


@pytest.mark.parametrize("name", list(TASK_CASES))
def test_bad_task_input_is_one_line(outcomes: dict[str, Any], name: str) -> None:
    _one_line(outcomes, name, TASK_CASES[name][2])


@pytest.mark.parametrize("name", list(CLI_CASES))
def test_bad_cli_input_is_one_line(outcomes: dict[str, Any], name: str) -> None:
    _one_line(outcomes, name, CLI_CASES[name][1])


def test_the_k8s_hint_keeps_its_brackets(outcomes: dict[str, Any]) -> None:
    # Inspect prints the message with Rich: `[k8s]` must not be taken for markup
    _one_line(outcomes, "k8s without its extra", 'pip install "inspect_selfrep[k8s]"')


def test_the_forked_runs_are_what_a_shell_sees(outcomes: dict[str, Any], tmp_path: Path) -> None:
    """The harness against a fresh interpreter, for one case of each program."""
    for name, argv in [
        ("time_limit=40x", ["-m", "inspect_ai", "eval", R, "--model", "selfrep/replay"]),
        ("check: missing file", ["-m", "inspect_selfrep.cli"]),
    ]:
        if name in TASK_CASES:
            argv = [
                *argv,
                "--log-dir",
                str(tmp_path),
                *[x for a in TASK_CASES[name][1] for x in ("-T", a)],
            ]
        else:
            argv = [*argv, *(a.format(tmp=outcomes["tmp"]) for a in CLI_CASES[name][0])]
        proc = subprocess.run(
            [sys.executable, *argv],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "COLUMNS": "1000", "PYTHONPATH": str(REPO)},
            timeout=300,
            check=False,
        )
        forked = outcomes["results"][name]
        assert (proc.returncode, proc.stdout, proc.stderr) == (
            forked["rc"],
            forked["stdout"],
            forked["stderr"],
        )


def test_unsupported_solver_sandbox_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(options.UNSUPPORTED_PAIRS, ("react", "k8s"), "it needs a local terminal")
    with pytest.raises(
        TaskInputError,
        match="solver=react does not run with sandbox=k8s: it needs a local terminal",
    ):
        replicate(solver="react", sandbox="k8s")


def test_errors_are_prerequisite_errors() -> None:
    """Inspect prints a PrerequisiteError raised at task creation without a traceback."""
    from inspect_selfrep.dataset import DatasetError
    from inspect_selfrep.images import ImageBuildError

    for cls in (TaskInputError, DatasetError, ImageBuildError):
        err = cls("what to do")
        assert isinstance(err, PrerequisiteError) and str(err) == "what to do"
    assert isinstance(TaskInputError("x"), ValueError)
    assert TaskInputError('pip install "x[k8s]"').message == 'pip install "x\\[k8s]"'
