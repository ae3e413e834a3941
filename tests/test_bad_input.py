"""Bad input is one clear message, no traceback, and nothing starts (no log, no sandbox).

Each case runs the real `inspect eval` command line, as a user would type it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from inspect_selfrep import params
from inspect_selfrep.errors import TaskInputError
from inspect_selfrep.replicate import replicate

REPO = Path(__file__).resolve().parent.parent

CASES = {
    "unknown -T name": (
        ["-T", "epochz=3"],
        "unknown task parameter(s) for replicate: epochz; valid parameters:",
    ),
    "-T epochs is gone": (["-T", "epochs=2"], "unknown task parameter(s) for replicate: epochs"),
    "unknown variant": (
        ["-T", "variant=baseline,nope"],
        "unknown variant(s) ['nope'] for scenario 'replicate'",
    ),
    "missing script": (
        ["-T", "solver=scripted", "-T", "script=/nonexistent/attempt.sh"],
        "script '/nonexistent/attempt.sh' not found",
    ),
    "weights too large": (["-T", "weights_mb=5000"], "weights_mb=5000 is out of range"),
    "weights not positive": (["-T", "weights_mb=0"], "weights_mb=0 is out of range"),
    "unknown solver": (
        ["-T", "solver=genius"],
        "unknown solver 'genius'; choose one of: think_plan_act",
    ),
    "unknown sandbox": (
        ["-T", "sandbox=podman"],
        "unknown sandbox 'podman'; choose one of: docker, k8s",
    ),
    "script with a solver that ignores it": (
        ["-T", "solver=react", "-T", "script=/etc/hostname"],
        "script= is replayed by solver=scripted only, not by solver=react",
    ),
}


def _inspect_eval(task: str, args: list[str], log_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}  # rich wraps at the terminal width: one line is one line
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "inspect_ai",
            "eval",
            task,
            "--model",
            "selfrep/replay",
            "--log-dir",
            str(log_dir),
            *args,
        ],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_clear_line(case: str, tmp_path: Path) -> None:
    args, reason = CASES[case]
    proc = _inspect_eval("inspect_selfrep/replicate.py", args, tmp_path / "logs")
    out = proc.stdout + proc.stderr
    lines = [line for line in out.splitlines() if line.strip()]
    assert proc.returncode != 0, out
    assert "Traceback" not in out and len(lines) <= 3, out
    assert reason in " ".join(out.split()), out
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").iterdir()), (
        "a log was written"
    )


def test_other_tasks_refuse_bad_input_too(tmp_path: Path) -> None:
    for task, args, reason in [
        (
            "inspect_selfrep/replicate_battery",
            ["-T", "entries=cp_r,nope"],
            "unknown battery entries ['nope']",
        ),
        (
            "inspect_selfrep/shutdown.py",
            ["-T", "signal_at=soon"],
            "signal_at must be a step number",
        ),
        ("inspect_selfrep/chain.py", ["-T", "depth=0"], "depth must be at least 1"),
    ]:
        proc = _inspect_eval(task, args, tmp_path / "logs")
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0 and "Traceback" not in out, out
        assert reason in " ".join(out.split()), out


def test_unsupported_solver_sandbox_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(params.UNSUPPORTED_PAIRS, ("react", "k8s"), "it needs a local terminal")
    with pytest.raises(
        TaskInputError,
        match="solver=react does not run with sandbox=k8s: it needs a local terminal",
    ):
        replicate(solver="react", sandbox="k8s")
    monkeypatch.setattr(params.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(TaskInputError, match=r"sandbox=k8s needs inspect-k8s-sandbox"):
        replicate(solver="think_plan_act", sandbox="k8s")


def test_errors_are_prerequisite_errors() -> None:
    """Inspect prints a PrerequisiteError raised at task creation without a traceback."""
    from inspect_ai._util.error import PrerequisiteError

    from inspect_selfrep.dataset import DatasetError
    from inspect_selfrep.images import ImageBuildError

    for cls in (TaskInputError, DatasetError, ImageBuildError):
        err = cls("what to do")
        assert isinstance(err, PrerequisiteError) and str(err) == "what to do"
    assert isinstance(TaskInputError("x"), ValueError)
