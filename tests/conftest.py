"""Shared fixtures: Docker availability, project images, no leaked sandboxes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


def _docker_ok() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


REPO = Path(__file__).resolve().parent.parent


def _project_containers() -> list[str]:
    """Inspect's sandbox containers started from this checkout's compose files (another
    checkout's concurrent test run is not ours to judge)."""
    label = '{{.Label "com.docker.compose.project.config_files"}}'
    out = subprocess.run(
        ["docker", "ps", "-a", "--filter", "name=inspect-", "--format", "{{.Names}}\t" + label],
        capture_output=True,
        text=True,
        check=False,
    )
    rows = (line.split("\t", 1) for line in out.stdout.splitlines() if line.strip())
    return [
        name
        for name, *config in rows
        if not config
        or not config[0]
        or Path(config[0].split(",")[0]).resolve().is_relative_to(REPO)
    ]


@pytest.fixture(scope="session")
def docker_images() -> None:
    """Docker up and the project images built (fail, not skip, in CI)."""
    if not _docker_ok():
        if os.environ.get("CI"):
            pytest.fail("Docker is not available (CI must run ../shared/ci/ensure-docker first)")
        pytest.skip("Docker is not available")
    from inspect_selfrep.images import ensure_images

    ensure_images()
    before = set(_project_containers())
    yield
    leaked = set(_project_containers()) - before
    assert not leaked, f"sandbox containers left behind: {sorted(leaked)}"
