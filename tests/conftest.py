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
_BEFORE = pytest.StashKey[set[str]]()  # the controller's containers at the start (pytest-xdist)


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


def _xdist_worker() -> bool:
    return "PYTEST_XDIST_WORKER" in os.environ


@pytest.fixture(scope="session")
def docker_images() -> None:
    """Docker up and the project images built (fail, not skip, in CI).

    Nothing may be left behind: checked here at the session's end, or, under pytest-xdist
    (where the other workers' samples are still running when one worker ends), by the
    controller once every worker has ended (`pytest_sessionfinish` below)."""
    if not _docker_ok():
        if os.environ.get("CI"):
            pytest.fail("Docker is not available (CI must run ../shared/ci/ensure-docker first)")
        pytest.skip("Docker is not available")
    from inspect_selfrep.images import ensure_images

    ensure_images()
    before = set(_project_containers())
    yield
    if _xdist_worker():
        return
    leaked = set(_project_containers()) - before
    assert not leaked, f"sandbox containers left behind: {sorted(leaked)}"


def _xdist_controller(config: pytest.Config) -> bool:
    return not _xdist_worker() and getattr(config.option, "dist", "no") != "no"


def pytest_sessionstart(session: pytest.Session) -> None:
    if _xdist_controller(session.config) and _docker_ok():
        session.config.stash[_BEFORE] = set(_project_containers())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under pytest-xdist: the sandbox containers the workers left behind, once all have ended."""
    before = session.config.stash.get(_BEFORE, None)
    if before is None:
        return
    leaked = set(_project_containers()) - before
    if leaked:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"sandbox containers left behind: {sorted(leaked)}"
        if reporter is not None:
            reporter.write_line(f"ERROR {message}", red=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# Test modules whose tests take longest, longest first. pytest-xdist hands out work in the
# collection's order (`--dist loadgroup --no-loadscope-reorder` in the Makefile), so the long
# evals start first and the short tests fill the workers in at the end. The rest keep their order.
LONGEST_FIRST = (
    "test_smoke_docker.py",  # make test: the smoke's samples wait while the unit tests compute
    "test_battery_docker.py",
    "test_container_docker.py",
    "test_variants_docker.py",
    "test_containment_docker.py",
    "test_mind_docker.py",
    "test_faults_docker.py",
    "test_agent_docker.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
