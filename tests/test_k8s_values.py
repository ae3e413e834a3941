"""Kubernetes: the Helm values next to each compose file validate against the
inspect-k8s-sandbox chart's schema and keep the sandbox's limits and isolation.

The chart (values.schema.json, default values.yaml) is read from the installed
`inspect-k8s-sandbox` package, never from the network. No cluster or helm is needed.
Also: `inspect-selfrep images push --dry-run` (never pushes).
"""

from __future__ import annotations

import copy
import importlib.util
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from compose_files import compose_files
from inspect_selfrep import images
from inspect_selfrep.cli import main
from inspect_selfrep.container.image import SSH_IMAGE
from inspect_selfrep.dataset import SANDBOXES
from inspect_selfrep.deployment.install import BOOT_READY

jsonschema = pytest.importorskip(
    "jsonschema", reason="jsonschema is not installed (it comes with inspect-k8s-sandbox)"
)
_SPEC = importlib.util.find_spec("k8s_sandbox")  # located, not imported (that needs `kubernetes`)
if _SPEC is None or not _SPEC.submodule_search_locations:
    pytest.skip(
        "inspect-k8s-sandbox is not installed: `pip install inspect-k8s-sandbox` "
        "(the project's `k8s` extra) to check the Helm values",
        allow_module_level=True,
    )
CHART = Path(next(iter(_SPEC.submodule_search_locations))) / "resources" / "helm" / "agent-env"

# compose keys with no equivalent in the chart's converter (checked by hand in the values)
DOCKER_ONLY = {
    "privileged",
    "cap_drop",
    "tmpfs",
    "pids_limit",
    "stop_grace_period",
    "shm_size",
    "pull_policy",
    "read_only",
    "logging",
}


def values_for(compose: Path) -> Path:
    """compose.yaml → values.yaml; NAME.yaml → NAME-values.yaml, in the same folder."""
    name = (
        "values.yaml"
        if compose.name in ("compose.yaml", "compose.yml")
        else f"{compose.stem}-values.yaml"
    )
    return compose.with_name(name)


def helm_merge(base: Any, override: Any) -> Any:
    """Helm's coalescing of user values over the chart's defaults (maps merge, null deletes)."""
    if not (isinstance(base, dict) and isinstance(override, dict)):
        return copy.deepcopy(override)
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = helm_merge(out.get(key), value) if key in out else copy.deepcopy(value)
    return out


def effective(values: dict[str, Any]) -> dict[str, Any]:
    return helm_merge(yaml.safe_load((CHART / "values.yaml").read_text()), values)


def validate(values: dict[str, Any]) -> None:
    schema = yaml.safe_load((CHART / "values.schema.json").read_text())
    jsonschema.validate(effective(values), schema)


def memory_bytes(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?", str(text).strip().lower())
    assert m, text
    number, unit, _ = m.groups()  # compose's "2g" (Docker) and k8s' "2Gi" are both powers of 1024
    return int(float(number) * 1024 ** " kmgt".index(unit or " "))


def cpus(value: Any) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def argv(service: dict[str, Any]) -> list[str]:
    return list(service.get("command") or []) + list(service.get("args") or [])


CASES = [pytest.param(c, id=str(c.relative_to(SANDBOXES))) for c in compose_files()]


def test_chart_found():
    assert (CHART / "values.schema.json").is_file() and (CHART / "values.yaml").is_file()
    assert CASES, f"no compose files under {SANDBOXES}"


@pytest.mark.parametrize("compose", CASES)
def test_values_file_next_to_compose(compose):
    assert values_for(compose).is_file(), (
        f"{compose} has no Helm values file {values_for(compose).name}"
    )


@pytest.mark.parametrize("compose", CASES)
def test_values_validate_against_chart_schema(compose):
    validate(yaml.safe_load(values_for(compose).read_text()))


@pytest.mark.parametrize("compose", CASES)
def test_values_match_compose(compose):
    docker = yaml.safe_load(compose.read_text())["services"]
    values = effective(yaml.safe_load(values_for(compose).read_text()))
    assert set(values["services"]) == set(docker)
    for name, src in docker.items():
        svc = values["services"][name]
        # image: the project's sandbox image, or that plus OpenSSH (optionally behind a registry prefix)
        assert src["image"] in (images.SANDBOX_IMAGE, SSH_IMAGE)
        assert svc["image"] == src["image"] or svc["image"].endswith("/" + src["image"])
        # resources: limits equal compose's, requests equal limits (no overcommit)
        limits = svc["resources"]["limits"]
        assert memory_bytes(limits["memory"]) == memory_bytes(src["mem_limit"])
        assert memory_bytes(src["mem_limit"]) == 2 << 30 or name != "default"
        assert cpus(limits["cpu"]) == float(src["cpus"]) == 1.0
        assert svc["resources"]["requests"] == limits
        # command and working directory
        assert argv(svc) == src["command"] and svc["workingDir"] == src["working_dir"]
        if src.get("network_mode") == "none":  # network: nothing beyond the pod
            assert svc["networkIsolated"] is True
            assert (
                not svc.get("networks")
                and not svc.get("additionalDnsRecords")
                and not svc.get("ports")
            )
        else:  # an internal compose network = a chart network of the sample's own services only
            compose_nets = yaml.safe_load(compose.read_text())["networks"]
            assert all(compose_nets[n]["internal"] is True for n in src["networks"])
            assert svc["networks"] == src["networks"] and set(src["networks"]) <= set(
                values["networks"]
            )
            assert (
                svc["networkIsolated"] is False and svc["dnsRecord"] is True
            )  # reachable by service name
            assert not svc.get("additionalDnsRecords") and not svc.get("ports")
        # security context as close as the chart allows
        ctx = svc["securityContext"]
        assert ctx["privileged"] is False and ctx["allowPrivilegeEscalation"] is False
        assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}
        assert set(src["cap_drop"]) <= set(ctx["capabilities"]["drop"])
        assert not ctx["capabilities"].get("add")
        # disk: a read-only root; the pod is ready once the boot script has filled the volumes
        assert src["read_only"] is True and ctx["readOnlyRootFilesystem"] is True
        assert svc["readinessProbe"]["exec"]["command"] == ["test", "-e", BOOT_READY]
        # every tmpfs (and shm_size) is a memory-backed emptyDir of the same size at the same place
        tmpfs = {
            t.split(":")[0]: dict(o.split("=") for o in t.split(":")[1].split(",") if "=" in o)[
                "size"
            ]
            for t in src.get("tmpfs", [])
        }
        if "shm_size" in src:
            tmpfs["/dev/shm"] = src["shm_size"]
        mounts = {m["mountPath"]: m["name"] for m in svc.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in svc.get("volumes", []) if isinstance(v, dict)}
        assert set(mounts) == set(tmpfs), (mounts, tmpfs)
        for path, size in tmpfs.items():
            empty = volumes[mounts[path]]["emptyDir"]
            assert empty["medium"] == "Memory" and memory_bytes(empty["sizeLimit"]) == memory_bytes(
                size
            ), path
        assert not [
            v for v in svc.get("volumes", []) if not isinstance(v, dict) or "emptyDir" not in v
        ]
    # no egress anywhere: no domains, CIDRs or entities allowed, policies rendered
    for key in ("allowDomains", "allowDomainsPorts", "allowCIDR", "allowEntities"):
        assert values[key] == [], key
    assert values["networkPolicy"]["enabled"] is True


@pytest.mark.parametrize("compose", CASES)
def test_chart_compose_conversion(compose):
    """inspect-k8s-sandbox's own compose→values converter: it rejects the Docker-only keys;
    without them, its output validates and agrees with our values file."""
    converter = pytest.importorskip(
        "k8s_sandbox.compose._converter", reason="k8s_sandbox does not import"
    )
    with pytest.raises(converter.ComposeConverterError) as err:
        converter.convert_compose_to_helm_values(compose)
    unsupported = set(re.findall(r"'(\w+)'", str(err.value).split("{", 1)[-1].split("}")[0]))
    assert unsupported and unsupported <= DOCKER_ONLY, str(err.value)
    src = yaml.safe_load(compose.read_text())
    for service in src["services"].values():
        for key in DOCKER_ONLY:
            service.pop(key, None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "compose.yaml"
        path.write_text(yaml.safe_dump(src))
        converted = converter.convert_compose_to_helm_values(path)
    validate(converted)
    ours = effective(yaml.safe_load(values_for(compose).read_text()))["services"]
    theirs = effective(converted)["services"]
    for name, svc in theirs.items():
        assert svc["image"] == ours[name]["image"]
        isolated = src["services"][name].get("network_mode") == "none"
        assert svc.get("networkIsolated", False) is ours[name]["networkIsolated"] is isolated
        assert (svc.get("networks") or []) == (ours[name].get("networks") or [])
        assert argv(svc) == argv(ours[name])
        assert svc["securityContext"]["allowPrivilegeEscalation"] is False
        for kind in ("memory", "cpu"):
            a, b = svc["resources"]["limits"][kind], ours[name]["resources"]["limits"][kind]
            assert (memory_bytes(a) == memory_bytes(b)) if kind == "memory" else cpus(a) == cpus(b)


def test_images_push_dry_run(capsys):
    assert main(["images", "push", "--registry", "registry.example:5000/team/", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = []
    from inspect_selfrep.container.image import SSH_IMAGE

    for name in (images.BASE_IMAGE, images.SANDBOX_IMAGE, SSH_IMAGE):
        target = f"registry.example:5000/team/{name}"
        expected += [f"docker tag {name} {target}", f"docker push {target}"]
    assert lines == expected


def test_images_push_rejects_bad_registry(capsys):
    assert main(["images", "push", "--registry", "https://registry.example", "--dry-run"]) == 1
    assert "Invalid registry" in capsys.readouterr().err
