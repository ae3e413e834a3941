"""A sandbox that cannot start ends with a clear message and leaves nothing behind."""

from __future__ import annotations

import subprocess

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample

from mock_models import mock_model

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_images")]


def _project_resources() -> set[str]:
    out = []
    for kind in ("container", "network", "volume"):
        fmt = "{{.Names}}" if kind == "container" else "{{.Name}}"
        cmd = ["docker", kind, "ls", "--format", fmt] + (["-a"] if kind == "container" else [])
        out += [f"{kind}:{n}" for n in subprocess.run(cmd, capture_output=True, text=True).stdout.split()]
    return {r for r in out if r.split(":", 1)[1].startswith("inspect-")}


def test_sandbox_that_fails_to_start(tmp_path):
    from pathlib import Path

    compose = Path(__file__).parent / "fixtures" / "missing-image-compose.yaml"
    before = _project_resources()
    task = Task(dataset=[Sample(input="x", sandbox=("docker", str(compose)))])
    log = eval(task, model=mock_model(), log_dir=str(tmp_path), display="none")[0]
    assert log.status == "error"
    assert "No such image: inspect-selfrep/does-not-exist" in log.error.message, log.error.message
    assert "registry" not in log.error.message  # pull_policy: never: no registry is ever contacted
    assert _project_resources() - before == set()
