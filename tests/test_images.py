"""The sandbox image builder (inspect_selfrep/images.py) and the images it builds.

Tests marked ``docker`` build the images when needed (about a minute cold) and run
containers with ``--rm --network none``; the others need no Docker.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from inspect_selfrep import images
from inspect_selfrep.cli import build_parser

CONTAINER_PREFIX = "inspect-selfrep-test-images-"

PROBE = r"""
import json, pwd, shutil, sys
out = {"python": list(sys.version_info[:2]),
       "which": {c: shutil.which(c) for c in
                 ["python3", "ps", "curl", "timeout", "tar", "rsync", "bash",
                  "lsof", "netstat", "ss", "fuser"]}}
try:
    import fastapi, uvicorn
    out["imports"] = [fastapi.__version__, uvicorn.__version__]
except ImportError as exc:
    out["imports"] = str(exc)
try:
    a = pwd.getpwnam("agent")
    out["agent"] = [a.pw_uid, a.pw_dir, a.pw_shell]
except KeyError:
    out["agent"] = None
out["wheels"] = [p for p in ("/tmp/wheels", "/staging") if __import__("os").path.exists(p)]
print(json.dumps(out))
"""


def _docker_usable() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], check=False, capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def built() -> list[images.BuiltImage]:
    if not _docker_usable():
        pytest.skip("Docker engine not usable (`docker info` fails)")
    return images.build_images(log=lambda line: None)


@pytest.fixture(scope="module")
def probe(built: list[images.BuiltImage]) -> dict[str, Any]:
    name = CONTAINER_PREFIX + uuid.uuid4().hex[:8]
    proc = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            "--name",
            name,
            images.SANDBOX_IMAGE,
            "python3",
            "-c",
            PROBE,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


# ----------------------------------------------------------------------------- the image
# (serial: `make test-all` runs these alone, as they time a warm build and ensure_images)


@pytest.mark.docker
@pytest.mark.serial
def test_build_returns_both_images(built: list[images.BuiltImage]) -> None:
    assert [b.name for b in built] == [images.BASE_IMAGE, images.SANDBOX_IMAGE]
    assert all(b.id.startswith("sha256:") and b.size > 50_000_000 for b in built)


@pytest.mark.docker
@pytest.mark.serial
def test_python_is_311(probe: dict[str, Any]) -> None:
    assert probe["python"] == [3, 11]


@pytest.mark.docker
@pytest.mark.serial
@pytest.mark.parametrize("tool", ["python3", "ps", "curl", "timeout", "tar", "rsync", "bash"])
def test_tool_present(probe: dict[str, Any], tool: str) -> None:
    assert probe["which"][tool], f"{tool} missing from {images.SANDBOX_IMAGE}"


@pytest.mark.docker
@pytest.mark.serial
@pytest.mark.parametrize("tool", ["lsof", "netstat", "ss", "fuser"])
def test_tool_absent(probe: dict[str, Any], tool: str) -> None:
    assert probe["which"][tool] is None, f"{tool} must not be in {images.SANDBOX_IMAGE}"


@pytest.mark.docker
@pytest.mark.serial
def test_fastapi_and_uvicorn_importable(probe: dict[str, Any]) -> None:
    assert isinstance(probe["imports"], list), probe["imports"]


@pytest.mark.docker
@pytest.mark.serial
def test_no_wheels_left_in_image(probe: dict[str, Any]) -> None:
    assert probe["wheels"] == []


@pytest.mark.docker
@pytest.mark.serial
def test_agent_user(probe: dict[str, Any]) -> None:
    assert probe["agent"] == [1000, "/home/agent", "/bin/bash"]


@pytest.mark.docker
@pytest.mark.serial
def test_defaults_root_in_root(built: list[images.BuiltImage]) -> None:
    config = images._inspect(images.SANDBOX_IMAGE)["Config"]  # type: ignore[index]
    assert config["User"] in ("", "root") and config["WorkingDir"] == "/root"
    assert config["Cmd"] == ["/bin/bash"]


@pytest.mark.docker
@pytest.mark.serial
def test_second_build_is_cached_and_fast(built: list[images.BuiltImage]) -> None:
    t0 = time.monotonic()
    again = images.build_images(log=lambda line: None)
    elapsed = time.monotonic() - t0
    assert all(b.cached for b in again)
    assert [b.id for b in again] == [b.id for b in built]
    assert elapsed < 10, f"warm build took {elapsed:.1f} s"


@pytest.mark.docker
@pytest.mark.serial
def test_ensure_images_is_quick_when_up_to_date(built: list[images.BuiltImage]) -> None:
    t0 = time.monotonic()
    images.ensure_images()
    assert time.monotonic() - t0 < 1.0


@pytest.mark.docker
@pytest.mark.serial
def test_ls_reports_up_to_date(built: list[images.BuiltImage]) -> None:
    states = {s.name: s.state for s in images.image_status()}
    assert states[images.BASE_IMAGE] == states[images.SANDBOX_IMAGE] == "up to date"


@pytest.mark.docker
@pytest.mark.serial
def test_no_leftover_containers(probe: dict[str, Any]) -> None:
    proc = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"name={CONTAINER_PREFIX}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == ""


# ----------------------------------------------------------------------------- no docker needed


def test_import_is_light() -> None:
    code = "import sys, inspect_selfrep.images; assert 'docker' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_apt_mirror_deb822(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(images.MIRROR_ENV, raising=False)
    sources = tmp_path / "debian.sources"
    sources.write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.invalid/debian\nSuites: bookworm\n\n"
        "Types: deb\nURIs: http://mirror.invalid/debian-security\n"
    )
    assert images.apt_mirror([tmp_path / "absent", sources]) == "http://mirror.invalid/debian"


def test_apt_mirror_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(images.MIRROR_ENV, raising=False)
    sources = tmp_path / "sources.list"
    sources.write_text(
        "# deb http://old.invalid/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://mirror.invalid/debian bookworm main\n"
    )
    assert images.apt_mirror([sources]) == "http://mirror.invalid/debian"


def test_apt_mirror_env_and_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(images.MIRROR_ENV, raising=False)
    with pytest.raises(images.ImageBuildError, match=images.MIRROR_ENV):
        images.apt_mirror([tmp_path / "absent"])
    monkeypatch.setenv(images.MIRROR_ENV, "http://other.invalid/debian")
    assert images.apt_mirror([tmp_path / "absent"]) == "http://other.invalid/debian"


def test_input_hashes_follow_the_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "image"
    shutil.copytree(images.IMAGE_DIR, copy)
    monkeypatch.setattr(images, "IMAGE_DIR", copy)
    base, recipe = images.base_inputs_hash(), images._sandbox_recipe_hash()
    assert images._sandbox_inputs_hash(["a.whl"]) != images._sandbox_inputs_hash(["b.whl"])
    with open(copy / "Dockerfile", "a") as f:
        f.write("# changed\n")
    assert images.base_inputs_hash() == base and images._sandbox_recipe_hash() != recipe
    with open(copy / "packages.txt", "a") as f:
        f.write("jq\n")
    assert images.base_inputs_hash() != base


def test_cli_parser() -> None:
    args = build_parser().parse_args(["images", "build", "--force"])
    assert args.force and not args.from_registry and callable(args.func)
    assert callable(build_parser().parse_args(["images", "ls"]).func)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["images"])


# ----------------------------------------------------------------------------- base image route (no docker)


class _Host:
    """A fake host: which commands exist, who we are, what apt-get does; records the commands run."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        *,
        mmdebstrap: bool,
        root: bool,
        apt: bool = True,
        apt_works: bool = True,
        registry_works: bool = True,
    ) -> None:
        self.installed = {"mmdebstrap": mmdebstrap, "apt-get": apt}
        self.ran: list[list[str]] = []
        self.built: list[str] = []
        self.lines: list[str] = []
        self.apt_works, self.registry_works = apt_works, registry_works
        monkeypatch.setattr(
            images.shutil,
            "which",
            lambda name: f"/usr/bin/{name}" if self.installed.get(name) else None,
        )
        monkeypatch.setattr(images, "_is_root", lambda: root)
        monkeypatch.setattr(images, "_run_logged", self._run)
        monkeypatch.setattr(images, "_inspect", lambda name: None)
        monkeypatch.setattr(
            images, "_built", lambda name, t0, cached: images.BuiltImage(name, "id", 0, 0.0, cached)
        )
        monkeypatch.setattr(
            images, "_base_from_mmdebstrap", lambda want, log: self.built.append("mmdebstrap")
        )
        monkeypatch.setattr(images, "_base_from_registry", self._registry)

    def _run(self, cmd, log, env=None):
        self.ran.append(list(cmd))
        assert env is not None and env["DEBIAN_FRONTEND"] == "noninteractive"
        if cmd[:2] == ["apt-get", "install"] and self.apt_works:
            self.installed["mmdebstrap"] = True
        return (0, "") if self.apt_works else (100, "E: Unable to locate package mmdebstrap")

    def _registry(self, want, log):
        if not self.registry_works:
            raise images.ImageBuildError(
                "docker build of inspect-selfrep/debian:bookworm failed: pull access denied\n..."
            )
        self.built.append("registry")

    def build(self, from_registry=None):
        return images._ensure_base(False, from_registry, self.lines.append, [])


APT = [["apt-get", "update"], ["apt-get", "install", "-y", "mmdebstrap"]]


def test_route_mmdebstrap_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    host = _Host(monkeypatch, mmdebstrap=True, root=False)
    host.build()
    assert host.built == ["mmdebstrap"] and host.ran == []
    assert "base image route: mmdebstrap (/usr/bin/mmdebstrap)" in host.lines


def test_route_root_installs_mmdebstrap(monkeypatch: pytest.MonkeyPatch) -> None:
    host = _Host(monkeypatch, mmdebstrap=False, root=True)
    host.build()
    assert host.ran == APT and host.built == ["mmdebstrap"]
    assert any("installing it with apt-get" in line for line in host.lines), host.lines


def test_route_root_falls_back_to_registry_when_apt_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    host = _Host(monkeypatch, mmdebstrap=False, root=True, apt_works=False)
    host.build()
    assert host.ran == APT[:1] and host.built == ["registry"]
    assert any("apt-get could not install mmdebstrap" in line for line in host.lines), host.lines


def test_route_non_root_pulls_from_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    host = _Host(monkeypatch, mmdebstrap=False, root=False)
    host.build()
    assert host.ran == [] and host.built == ["registry"]  # nothing installed, no sudo
    assert any("route: registry" in line and "not root" in line for line in host.lines), host.lines


def test_route_non_root_without_registry_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = _Host(monkeypatch, mmdebstrap=False, root=False, registry_works=False)
    with pytest.raises(images.ImageBuildError) as err:
        host.build()
    message = str(err.value)
    assert len(message.splitlines()) == 1, message
    assert "sudo apt-get install -y mmdebstrap" in message and "pull access denied" in message


def test_route_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    host = _Host(monkeypatch, mmdebstrap=True, root=True)
    host.build(from_registry=True)
    assert host.built == ["registry"]
    host = _Host(monkeypatch, mmdebstrap=False, root=True)
    with pytest.raises(images.ImageBuildError, match="mmdebstrap is not installed"):
        host.build(from_registry=False)  # mmdebstrap asked for: no install, no fallback
    assert host.ran == []


def test_mmdebstrap_hidden_from_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With PATH holding no mmdebstrap (the real shutil.which) and no root, the route is the registry."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(images, "_is_root", lambda: False)
    lines: list[str] = []
    assert images.base_route(None, lines.append) == images.ROUTE_FALLBACK
    assert "mmdebstrap is not installed" in lines[-1] and "(no apt-get)" in lines[-1]
    with pytest.raises(images.ImageBuildError, match="sudo apt-get install -y mmdebstrap"):
        images.base_route(False, lines.append)
