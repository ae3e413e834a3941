"""Every compose file the suite ships keeps a sample contained (static checks, no Docker).

The Docker tests prove the limits from inside a running sample for compose.yaml; these
checks hold every compose file under sandboxes/ (and any added later) to the same policy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compose_files import compose_files
from inspect_selfrep.container.image import SSH_IMAGE
from inspect_selfrep.dataset import SANDBOXES
from inspect_selfrep.images import SANDBOX_IMAGE

FILES = compose_files()
CASES = [pytest.param(p, id=str(p.relative_to(SANDBOXES))) for p in FILES]


def services(path: Path) -> dict:
    return yaml.safe_load(path.read_text())["services"]


def test_found():
    assert len(FILES) >= 2


@pytest.mark.parametrize("path", CASES)
def test_network_none_or_internal_only(path):
    doc = yaml.safe_load(path.read_text())
    networks = doc.get("networks") or {}
    for name, svc in services(path).items():
        if svc.get("network_mode") == "none":
            continue
        assert svc.get("network_mode") is None, f"{name}: network_mode {svc['network_mode']}"
        joined = svc.get("networks") or ["default"]
        for net in joined:  # the implicit default network is not internal
            assert (networks.get(net) or {}).get("internal") is True, (
                f"{name}: network {net} is not internal"
            )
        assert not svc.get("ports"), f"{name}: publishes ports on the host"


@pytest.mark.parametrize("path", CASES)
def test_no_host_access(path):
    for name, svc in services(path).items():
        assert svc.get("privileged") is False, name
        assert not svc.get("cap_add"), name
        assert "no-new-privileges:true" in svc.get("security_opt", []), name
        for vol in svc.get("volumes", []):  # host bind mounts (docker.sock included) are out
            source = vol.get("source", "") if isinstance(vol, dict) else str(vol).split(":")[0]
            kind = (
                vol.get("type")
                if isinstance(vol, dict)
                else ("bind" if source.startswith(("/", ".", "~")) else "volume")
            )
            assert kind != "bind", f"{name}: bind mount {vol}"
        for key in ("pid", "ipc", "userns_mode", "cgroup"):
            assert svc.get(key) in (None, "private"), (
                f"{name}: {key}: {svc.get(key)} shares a host namespace"
            )
        assert not svc.get("devices"), name


@pytest.mark.parametrize("path", CASES)
def test_bounded_resources_and_disk(path):
    for name, svc in services(path).items():
        assert svc.get("mem_limit") and svc.get("memswap_limit") == svc.get("mem_limit"), name
        assert svc.get("cpus") and svc.get("pids_limit"), name
        assert svc.get("read_only") is True, f"{name}: a writable root could fill the host's disk"
        for entry in svc.get("tmpfs", []):
            assert "size=" in entry, f"{name}: unsized tmpfs {entry}"
        log = svc.get("logging") or {}
        assert log.get("driver") == "json-file" and log.get("options", {}).get("max-size"), name


@pytest.mark.parametrize("path", CASES)
def test_runs_on_engine_24(path):
    """Docker Compose refuses `healthcheck.start_interval` below Engine 25 (API 1.44)."""
    for name, svc in services(path).items():
        assert "start_interval" not in (svc.get("healthcheck") or {}), name


@pytest.mark.parametrize("path", CASES)
def test_boots_the_image(path):
    """The boot script fills the tmpfs directories; the harness waits for it."""
    for name, svc in services(path).items():
        assert svc["command"] == ["/usr/lib/selfrep/boot"], name


@pytest.mark.parametrize("path", CASES)
def test_local_image_never_pulled(path):
    for name, svc in services(path).items():
        # The container target's services use the sandbox image plus OpenSSH (built on it, locally).
        assert svc["image"] in (SANDBOX_IMAGE, SSH_IMAGE) and svc.get("pull_policy") == "never", (
            name
        )
