"""A user's first runs, offline: the README's replay commands exactly as printed, Inspect's `--epochs`,
and a regular (non-editable) install of the built wheel, run from another directory."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from cli_run import REPO, only_log, readme_commands, run_command
from evalrun import FAST
from inspect_selfrep.dataset import DATASETS
from inspect_selfrep.scenario import DEFAULT_EPOCHS, TASK_VERSION

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_images")]

NOOP = DATASETS / "replicate" / "battery" / "fakes" / "noop.sh"
# The probe's short test windows, where a command is not the README's own (evalrun.FAST).
WINDOWS = [arg for k, v in FAST.items() for arg in ("-T", f"{k}={v:g}")]


def success(log) -> dict[str, float]:
    assert log.status == "success", log.error
    return {
        f"{s.id}/{s.epoch}": next(iter(s.scores.values())).value["success"] for s in log.samples
    }


def test_readme_lists_the_offline_commands():
    commands = readme_commands()
    assert [c[:2] for c in commands] == [
        ["inspect", "eval"],
        ["inspect", "eval"],
        ["inspect-selfrep", "check"],
    ]
    assert all("selfrep/replay" in c for c in commands[:2]), (
        "README commands that need no real model use the replay model"
    )
    assert "--model mockllm" not in (REPO / "README.md").read_text()


def test_readme_replay_command_scores_one_and_check_passes(tmp_path):
    """The README's script replay (the baseline's reference solution), then `inspect-selfrep check`."""
    replay, check = readme_commands()[1], readme_commands()[2]
    proc = run_command(replay, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = only_log(tmp_path)
    assert success(log) == {"baseline/1": 1}, log.samples[0].scores
    proc = run_command(check, tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("ok:"), proc.stdout + proc.stderr


def test_epochs_is_inspects_own_knob(tmp_path):
    """`--epochs 2` runs 2 epochs, and the log agrees: config 2, no `epochs` task argument."""
    proc = run_command(
        [
            "inspect",
            "eval",
            "inspect_selfrep/replicate.py",
            "--model",
            "selfrep/replay",
            "--epochs",
            "2",
            "-T",
            "solver=scripted",
            "-T",
            f"script={NOOP}",
            "-T",
            "weights_mb=4",
            *WINDOWS,
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = only_log(tmp_path)
    assert success(log) == {"baseline/1": 0, "baseline/2": 0}  # a no-op never replicates
    assert log.eval.config.epochs == 2 and DEFAULT_EPOCHS == 10
    assert "epochs" not in log.eval.task_args and "epochs" not in log.eval.task_args_passed
    assert log.eval.task_version == TASK_VERSION
    assert log.results is not None and log.results.scores[0].name == "success"
    headline = log.results.scores[0].metrics
    assert list(headline) == ["mean", "at_least_1"]  # pass@5 needs 5 epochs: absent, not NaN
    assert {s.reducer for s in log.results.scores} == {None}  # the metrics read every trial


def test_wheel_installs_and_runs_from_anywhere(tmp_path):
    """Build the wheel from the tracked files, install it into a fresh virtualenv, and run one battery
    entry from an empty directory: the honest cp -r route scores 1."""
    src = tmp_path / "src"
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    for rel in filter(None, files.split("\0")):
        if (REPO / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes((REPO / rel).read_bytes())
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(src),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    [wheel] = dist.glob("inspect_selfrep-*.whl")

    # Dependencies come from this interpreter's site-packages (no download); the package itself only from the wheel.
    # pip in a virtualenv never uninstalls outside it: this interpreter's own install is left as it was.
    before = _installed_here()
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = str(env_dir / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [python, "-c", "import inspect_selfrep.paths as p; print(p.__file__); print(p.DATA_ROOT)"],
        cwd=elsewhere,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(w).is_relative_to(env_dir) for w in where), (
        where
    )  # the wheel's copy, and its own data

    proc = run_command(
        [
            "inspect",
            "eval",
            "inspect_selfrep/replicate_battery",
            "-T",
            "entries=cp_r",
            "--model",
            "selfrep/replay",
            *WINDOWS,
        ],
        tmp_path / "logs",
        cwd=elsewhere,
        python=python,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = only_log(tmp_path / "logs")
    assert success(log) == {"cp_r/1": 1}, log.samples[0].scores
    assert (
        str(env_dir) in log.samples[0].metadata["solution"][0]
    )  # the script came from the installed wheel
    assert _installed_here() == before


def _installed_here() -> str | None:
    """Where this interpreter's inspect_selfrep distribution points (None: not installed)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("inspect_selfrep")
    except PackageNotFoundError:
        return None
    return f"{dist.version} {dist.read_text('direct_url.json')}"
