"""Build the sandbox Docker images without a container registry.

Two images, both built locally from what the host can reach (its apt mirror and PyPI):

* ``BASE_IMAGE``: a Debian bookworm root filesystem made by ``mmdebstrap`` from the
  host's apt mirror (packages: ``sandboxes/image/packages.txt``) and ``docker import``-ed.
* ``SANDBOX_IMAGE``: ``sandboxes/image/Dockerfile`` FROM the base, with the Python
  packages of ``sandboxes/image/requirements.txt`` installed offline from wheels that
  the host downloaded (containers cannot reach PyPI).

Each image carries a label with a hash of its inputs; a build whose inputs did not change
is skipped. ``ensure_images()`` is the cheap check the tasks call at creation.
The Docker SDK is imported only when something has to be built.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._inspect import PrerequisiteError
from .paths import SANDBOXES

BASE_IMAGE = "inspect-selfrep/debian:bookworm"
SANDBOX_IMAGE = "inspect-selfrep/sandbox:latest"
IMAGE_DIR = SANDBOXES / "image"  # a checkout's sandboxes/, or the installed wheel's copy

SUITE = "bookworm"
VARIANT = "minbase"
PYTHON_VERSION = "3.11"  # bookworm's python3; the wheels are downloaded for it

LABEL_INPUTS = "org.inspect-selfrep.inputs"  # hash of every input, wheel file names included
LABEL_RECIPE = "org.inspect-selfrep.recipe"  # the same without the wheel file names
LABEL_SOURCE = "org.inspect-selfrep.base-source"  # "mmdebstrap" or "registry"
LABEL_STAGE = "org.inspect-selfrep.stage"  # on the Dockerfile's throw-away "wheels" stage

MIRROR_ENV = "INSPECT_SELFREP_APT_MIRROR"  # overrides the mirror read from apt's configuration
APT_SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))

_IMPORT_CHANGES = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["/bin/bash"]',
)
_MMDEBSTRAP_OPTIONS = (  # keep the rootfs small: no docs, man pages, translations
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    '--aptopt=Acquire::Retries "3"',
)
_DOCKER_HINT = (
    "Start the Docker engine (`systemctl start docker`, or `dockerd &` as root) "
    "and check that `docker info` works, then retry."
)


class ImageBuildError(PrerequisiteError, RuntimeError):
    """An image could not be built or inspected; the message says what to do.

    A ``PrerequisiteError``: raised while Inspect creates a task (``ensure_images``), it is
    printed without a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class BuiltImage:
    name: str
    id: str
    size: int  # bytes
    seconds: float  # time spent on this image, check included
    cached: bool  # True when the image was up to date and nothing was built


@dataclass(frozen=True)
class ImageStatus:
    name: str
    state: str  # "up to date", "stale", "missing", or "-" for images this module does not build
    id: str | None = None
    size: int | None = None
    created: str | None = None


# ----------------------------------------------------------------------------- public API


def ensure_images() -> None:
    """Build the images unless the sandbox image matching the current inputs exists.

    Cheap when up to date (a file hash and one ``docker image inspect``)."""
    info = _inspect(SANDBOX_IMAGE)
    if info is not None and _sandbox_is_current(info):
        return
    build_images(log=lambda line: print(f"inspect-selfrep images: {line}", file=sys.stderr))


def build_images(
    force: bool = False,
    log: Callable[[str], None] = print,
    from_registry: bool | None = None,
) -> list[BuiltImage]:
    """Build ``BASE_IMAGE`` then ``SANDBOX_IMAGE``, skipping each one that is up to date.

    ``force`` rebuilds both (without Docker's layer cache; the wheel cache is kept).
    ``from_registry``: True makes the base from a pulled ``debian:bookworm-slim``, False
    insists on mmdebstrap, None (default) chooses (see ``base_route``) and says which route
    it took. Raises ``ImageBuildError``."""
    stale: list[str] = []
    with _build_lock(log):
        base = _ensure_base(force, from_registry, log, stale)
        sandbox = _ensure_sandbox(force, log, stale)
        if not sandbox.cached:  # the "wheels" stage's images (they hold the wheel files)
            args = ["-q", "--no-trunc", "--filter=dangling=true", f"--filter=label={LABEL_STAGE}"]
            stale[:0] = _docker("image", "ls", *args).stdout.split()
        _remove_images(stale, log)
    return [base, sandbox]


def image_status() -> list[ImageStatus]:
    """The two project images plus any other ``inspect-selfrep/*`` image, with their state."""
    rows = []
    for name in (BASE_IMAGE, SANDBOX_IMAGE):
        info = _inspect(name)
        if info is None:
            rows.append(ImageStatus(name, "missing"))
            continue
        current = (
            _label(info, LABEL_INPUTS) == base_inputs_hash()
            if name == BASE_IMAGE
            else _sandbox_is_current(info)
        )
        rows.append(_status(name, "up to date" if current else "stale", info))
    args = ["--filter=reference=inspect-selfrep/*", "--format={{.Repository}}:{{.Tag}}"]
    listed = _docker("image", "ls", *args).stdout.split()
    for name in sorted(set(listed) - {BASE_IMAGE, SANDBOX_IMAGE}):
        info = _inspect(name)
        if info is not None:
            rows.append(_status(name, "-", info))
    return rows


def check_registry(registry: str) -> str:
    """The registry, stripped; ``ImageBuildError`` (one line) unless it is a host[:port][/path]."""
    registry = registry.strip().rstrip("/")
    if not registry or "://" in registry or any(c.isspace() for c in registry):
        raise ImageBuildError(
            f"Invalid registry {registry!r}: give a host[:port][/path], without a scheme, "
            "e.g. registry.example.com:5000/team."
        )
    return registry


def push_images(
    registry: str,
    dry_run: bool = False,
    log: Callable[[str], None] = print,
    names: Sequence[str] = (BASE_IMAGE, SANDBOX_IMAGE),
) -> list[list[str]]:
    """Tag the images `names` as ``REGISTRY/<name>`` and push them (for Kubernetes clusters).

    ``registry`` is a host with an optional port and path, e.g. ``registry.example:5000/team``.
    ``dry_run`` only prints the docker commands (no Docker needed). Returns the commands.
    Raises ``ImageBuildError`` when the registry is malformed, an image is missing or a
    command fails."""
    registry = check_registry(registry)
    commands = []
    for name in names:
        target = f"{registry}/{name}"
        commands += [["docker", "tag", name, target], ["docker", "push", target]]
    if dry_run:
        for cmd in commands:
            log(shlex.join(cmd))
        return commands
    for name in names:
        if _inspect(name) is None:
            raise ImageBuildError(f"{name} is missing: run `inspect-selfrep images build` first.")
    for cmd in commands:
        log("running: " + shlex.join(cmd))
        proc = _docker(*cmd[1:])
        if proc.returncode != 0:
            raise ImageBuildError(
                f"`{shlex.join(cmd)}` failed (exit {proc.returncode}): {_tail(proc.stderr)}\n"
                f"Check that you are logged in to {registry} (`docker login`)."
            )
    return commands


def apt_mirror(sources: Sequence[Path] = APT_SOURCES) -> str:
    """The Debian mirror of the host's apt configuration (``$INSPECT_SELFREP_APT_MIRROR`` wins)."""
    if os.environ.get(MIRROR_ENV):
        return os.environ[MIRROR_ENV]
    for path in sources:
        try:
            lines = path.read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.split("#", 1)[0].split()
            if words[:1] == ["URIs:"]:  # deb822 .sources
                uris = words[1:]
            elif words[:1] == ["deb"]:  # one-line sources.list, maybe with [options]
                rest = words[1:]
                while rest and rest[0].startswith("["):
                    done = rest.pop(0).endswith("]")
                    while not done and rest:
                        done = rest.pop(0).endswith("]")
                uris = rest[:1]
            else:
                continue
            for uri in uris:
                if "security" not in uri:
                    return uri
    raise ImageBuildError(
        "No Debian mirror found in "
        + ", ".join(map(str, sources))
        + f". Set {MIRROR_ENV} to a bookworm mirror URL reachable from this host."
    )


def base_inputs_hash() -> str:
    """Hash of what makes the base image: package list, suite, variant, import settings."""
    packages = sorted(_read_list(IMAGE_DIR / "packages.txt"))
    return _digest("base-v1", SUITE, VARIANT, *packages, *_IMPORT_CHANGES, *_MMDEBSTRAP_OPTIONS)


# ----------------------------------------------------------------------------- base image


MMDEBSTRAP_MISSING = (
    "mmdebstrap is not installed: install it as root (`sudo apt-get install -y mmdebstrap`) and retry, "
    "or, on a machine that can pull from a registry, `inspect-selfrep images build --from-registry`."
)
ROUTE_MMDEBSTRAP = "mmdebstrap"
ROUTE_REGISTRY = "registry"  # asked for (--from-registry)
ROUTE_FALLBACK = "registry-fallback"  # chosen because mmdebstrap is missing and cannot be installed


def base_route(from_registry: bool | None, log: Callable[[str], None]) -> str:
    """How to make the base image, said in the log.

    mmdebstrap when it is installed; when it is not and we are root with apt-get, it is
    installed (``apt-get update``, ``apt-get install -y mmdebstrap``); otherwise the
    registry's ``debian:bookworm-slim`` is tried (``ROUTE_FALLBACK``). ``from_registry``
    True or False forces the registry or mmdebstrap (no install, no fallback)."""
    if from_registry:
        log("base image route: registry (debian:bookworm-slim, --from-registry)")
        return ROUTE_REGISTRY
    exe = shutil.which("mmdebstrap")
    if exe is not None:
        log(f"base image route: mmdebstrap ({exe})")
        return ROUTE_MMDEBSTRAP
    if from_registry is False:
        raise ImageBuildError(MMDEBSTRAP_MISSING)
    if _is_root() and shutil.which("apt-get") is not None:
        log(
            "base image route: mmdebstrap, which is not installed: installing it with apt-get (running as root)"
        )
        if _install_mmdebstrap(log) and shutil.which("mmdebstrap") is not None:
            return ROUTE_MMDEBSTRAP
        log(
            "base image route: apt-get could not install mmdebstrap; trying the registry's debian:bookworm-slim"
        )
        return ROUTE_FALLBACK
    why = "not root" if shutil.which("apt-get") is not None else "no apt-get"
    log(
        f"base image route: registry (debian:bookworm-slim), because mmdebstrap is not installed "
        f"and cannot be installed here ({why})"
    )
    return ROUTE_FALLBACK


def _is_root() -> bool:
    return os.geteuid() == 0


def _install_mmdebstrap(log: Callable[[str], None]) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "mmdebstrap"]):
        rc, _ = _run_logged(cmd, log, env=env)
        if rc != 0:
            log(f"`{shlex.join(cmd)}` failed (exit {rc})")
            return False
    return True


def _ensure_base(
    force: bool, from_registry: bool | None, log: Callable[[str], None], stale: list[str]
) -> BuiltImage:
    t0 = time.monotonic()
    want = base_inputs_hash()
    info = _inspect(BASE_IMAGE)
    if not force and info is not None and _label(info, LABEL_INPUTS) == want:
        log(f"{BASE_IMAGE}: up to date (inputs {want})")
        return _built(BASE_IMAGE, t0, cached=True)
    route = base_route(from_registry, log)
    if route == ROUTE_MMDEBSTRAP:
        _base_from_mmdebstrap(want, log)
    elif route == ROUTE_REGISTRY:
        _base_from_registry(want, log)
    else:
        try:
            _base_from_registry(want, log)
        except ImageBuildError as exc:
            first = next((line for line in str(exc).splitlines() if line.strip()), "")
            raise ImageBuildError(
                f"{MMDEBSTRAP_MISSING} (Pulling instead failed: {first})"
            ) from None
    built = _built(BASE_IMAGE, t0, cached=False)
    if info is not None and info["Id"] != built.id:
        stale.append(info["Id"])
    return built


def _base_from_mmdebstrap(want: str, log: Callable[[str], None]) -> None:
    exe = shutil.which("mmdebstrap")
    if exe is None:
        raise ImageBuildError(MMDEBSTRAP_MISSING)
    mirror = apt_mirror()
    packages = _read_list(IMAGE_DIR / "packages.txt")
    client = _client()  # fail early, before the slow part, when docker is down
    from docker.errors import DockerException

    with tempfile.TemporaryDirectory(prefix="inspect-selfrep-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs.tar"
        cmd = [
            exe,
            f"--variant={VARIANT}",
            "--include=" + ",".join(packages),
            *_MMDEBSTRAP_OPTIONS,
            SUITE,
            str(rootfs),
            mirror,
        ]
        rc, tail = _run_logged(cmd, log)
        if rc != 0:
            raise ImageBuildError(
                f"mmdebstrap failed (exit {rc}) with mirror {mirror}:\n{tail}\n"
                "Check that this mirror is reachable (`apt-get update` works on this host) "
                f"and that every package of {IMAGE_DIR / 'packages.txt'} exists in {SUITE}; "
                f"set {MIRROR_ENV} to use another mirror."
            )
        log(f"docker import {rootfs} -> {BASE_IMAGE}")
        repository, tag = BASE_IMAGE.rsplit(":", 1)
        labels = f"LABEL {LABEL_INPUTS}={want} {LABEL_SOURCE}=mmdebstrap"
        try:
            client.api.import_image_from_file(
                str(rootfs), repository=repository, tag=tag, changes=[*_IMPORT_CHANGES, labels]
            )
        except (DockerException, OSError) as exc:  # requests' errors are OSErrors
            raise ImageBuildError(
                f"docker import of {BASE_IMAGE} failed: {exc}. {_DOCKER_HINT}"
            ) from None


def _base_from_registry(want: str, log: Callable[[str], None]) -> None:
    packages = _read_list(IMAGE_DIR / "packages.txt")
    try:
        _docker_build(
            IMAGE_DIR,
            "Dockerfile.registry-base",
            BASE_IMAGE,
            labels={LABEL_INPUTS: want, LABEL_SOURCE: "registry"},
            buildargs={"PACKAGES": " ".join(packages)},
            pull=True,
            nocache=True,
            log=log,
        )
    except ImageBuildError as exc:
        raise ImageBuildError(
            f"{exc}\n--from-registry needs a machine that can pull debian:bookworm-slim and "
            "reach a Debian mirror from containers; without it the base is made by mmdebstrap."
        ) from None


# ----------------------------------------------------------------------------- sandbox image


def _ensure_sandbox(force: bool, log: Callable[[str], None], stale: list[str]) -> BuiltImage:
    t0 = time.monotonic()
    wheels = download_wheels(log)
    names = sorted(p.name for p in wheels.glob("*.whl"))
    want, recipe = _sandbox_inputs_hash(names), _sandbox_recipe_hash()
    info = _inspect(SANDBOX_IMAGE)
    if not force and info is not None and _label(info, LABEL_INPUTS) == want:
        log(f"{SANDBOX_IMAGE}: up to date (inputs {want})")
        return _built(SANDBOX_IMAGE, t0, cached=True)
    with tempfile.TemporaryDirectory(prefix="inspect-selfrep-context-") as tmp:
        context = Path(tmp) / "context"
        shutil.copytree(IMAGE_DIR, context, ignore=shutil.ignore_patterns("wheels", "__pycache__"))
        (context / "wheels").mkdir()
        for name in names:
            shutil.copy2(wheels / name, context / "wheels" / name)
        _docker_build(
            context,
            "Dockerfile",
            SANDBOX_IMAGE,
            labels={LABEL_INPUTS: want, LABEL_RECIPE: recipe},
            buildargs={},
            pull=False,
            nocache=force,
            log=log,
        )
    built = _built(SANDBOX_IMAGE, t0, cached=False)
    if info is not None and info["Id"] != built.id:
        stale.insert(0, info["Id"])  # remove before the old base it was built on
    return built


def _sandbox_recipe_hash() -> str:
    files = []
    for path in sorted(IMAGE_DIR.rglob("*")):
        relative = path.relative_to(IMAGE_DIR)
        if path.is_file() and not {"__pycache__", "wheels"} & set(relative.parts):
            files += [str(relative), hashlib.sha256(path.read_bytes()).hexdigest()]
    return _digest("sandbox-v1", base_inputs_hash(), _wheel_cache_key(), *files)


def _sandbox_inputs_hash(wheel_names: Sequence[str]) -> str:
    return _digest(_sandbox_recipe_hash(), *sorted(wheel_names))


def _sandbox_is_current(info: dict[str, Any]) -> bool:
    """Exact check when the wheel cache exists, recipe check (no download) when it does not."""
    wheels = _wheel_cache_dir()
    if (wheels / ".complete").exists():
        names = [p.name for p in wheels.glob("*.whl")]
        return _label(info, LABEL_INPUTS) == _sandbox_inputs_hash(names)
    return _label(info, LABEL_RECIPE) == _sandbox_recipe_hash()


# ----------------------------------------------------------------------------- wheels


def _wheel_platforms() -> list[str]:
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return [f"manylinux2014_{arch}", f"manylinux_2_28_{arch}"]


def _wheel_cache_key() -> str:
    requirements = _read_text(IMAGE_DIR / "requirements.txt")
    return _digest("wheels-v1", requirements, PYTHON_VERSION, "cp", *_wheel_platforms())


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inspect-selfrep"


def _wheel_cache_dir() -> Path:
    return _cache_root() / "wheels" / _wheel_cache_key()


def download_wheels(log: Callable[[str], None]) -> Path:
    """Download the wheels once per requirements/platform into the cache; reuse them after."""
    dest = _wheel_cache_dir()
    if (dest / ".complete").exists():
        log(f"wheels: reusing {dest}")
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=dest.parent))
    platforms = [arg for p in _wheel_platforms() for arg in ("--platform", p)]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        *platforms,
        "--python-version",
        PYTHON_VERSION,
        "--implementation",
        "cp",
        "-d",
        str(tmp),
        "-r",
        str(IMAGE_DIR / "requirements.txt"),
    ]
    log("running: " + shlex.join(cmd))
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0 or not any(tmp.glob("*.whl")):
        shutil.rmtree(tmp, ignore_errors=True)
        raise ImageBuildError(
            f"pip download of the sandbox wheels failed (exit {proc.returncode}):\n"
            f"{_tail(proc.stdout + proc.stderr)}\n"
            "The host needs access to PyPI (or to the index configured for pip) to fetch "
            f"the wheels of {IMAGE_DIR / 'requirements.txt'}."
        )
    (tmp / ".complete").write_text("\n".join(sorted(p.name for p in tmp.glob("*.whl"))) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    log(f"wheels: downloaded {len(list(dest.glob('*.whl')))} into {dest}")
    return dest


# ----------------------------------------------------------------------------- docker helpers


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["docker", *args], check=False, capture_output=True, text=True)
    except FileNotFoundError:
        raise ImageBuildError("The `docker` command is not installed. " + _DOCKER_HINT) from None


def _inspect(name: str) -> dict[str, Any] | None:
    """``docker image inspect``, None when the image does not exist (CLI: fast, no SDK import)."""
    proc = _docker("image", "inspect", name)
    if proc.returncode == 0:
        result: dict[str, Any] = json.loads(proc.stdout)[0]
        return result
    if "no such image" in proc.stderr.lower():
        return None
    raise ImageBuildError(f"Docker is not usable: {proc.stderr.strip()}\n{_DOCKER_HINT}")


def _label(info: dict[str, Any], key: str) -> str | None:
    labels = (info.get("Config") or {}).get("Labels") or {}
    return labels.get(key)


def _client() -> Any:
    try:
        import docker  # imported here: the SDK is only needed to build
    except ImportError:
        raise ImageBuildError("The Docker SDK is missing: `pip install docker`.") from None
    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except docker.errors.DockerException as exc:
        raise ImageBuildError(f"Cannot reach the Docker engine: {exc}\n{_DOCKER_HINT}") from None
    return client


def _docker_build(
    context: Path,
    dockerfile: str,
    tag: str,
    *,
    labels: dict[str, str],
    buildargs: dict[str, str],
    pull: bool,
    nocache: bool,
    log: Callable[[str], None],
) -> None:
    import docker

    log(f"docker build {context} (-f {dockerfile}) -> {tag}")
    last: deque[str] = deque(maxlen=40)
    try:
        stream = _client().api.build(
            path=str(context),
            dockerfile=dockerfile,
            tag=tag,
            labels=labels,
            buildargs=buildargs,
            pull=pull,
            nocache=nocache,
            rm=True,
            forcerm=True,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk:
                raise ImageBuildError(
                    f"docker build of {tag} failed: {str(chunk['error']).strip()}\n"
                    "last build output:\n" + "\n".join(last)
                )
            text = chunk.get("stream") or chunk.get("status") or ""
            for line in text.splitlines():
                if line.strip():
                    last.append(line)
                    log(line)
    except docker.errors.DockerException as exc:
        raise ImageBuildError(f"docker build of {tag} failed: {exc}\n{_DOCKER_HINT}") from None


def _remove_images(ids: Sequence[str], log: Callable[[str], None]) -> None:
    """Remove images replaced by a build (untagged parents go too). Those still in use
    are kept and noted in the cache folder, to be tried again by the next build."""
    pending = _cache_root() / "images-to-remove"
    earlier = pending.read_text().split() if pending.exists() else []
    kept = []
    for image_id in dict.fromkeys([*ids, *earlier]):
        info = _inspect(image_id)
        if info is None or info.get("RepoTags"):  # gone, or tagged (again, or by someone)
            continue
        proc = _docker("image", "rm", image_id)
        if proc.returncode == 0:
            log(f"removed old image {image_id[:19]}")
        elif "no such image" not in proc.stderr.lower():  # else already gone with a child
            log(f"kept old image {image_id[:19]}: {proc.stderr.strip()}")
            kept.append(image_id)
    pending.write_text("".join(f"{i}\n" for i in kept))


def _built(name: str, t0: float, cached: bool) -> BuiltImage:
    info = _inspect(name)
    if info is None:
        raise ImageBuildError(f"{name} is missing right after its build; see the output above.")
    return BuiltImage(name, info["Id"], int(info["Size"]), round(time.monotonic() - t0, 2), cached)


def _status(name: str, state: str, info: dict[str, Any]) -> ImageStatus:
    return ImageStatus(name, state, info["Id"], int(info["Size"]), info.get("Created"))


# ----------------------------------------------------------------------------- small helpers


@contextmanager
def _build_lock(log: Callable[[str], None]) -> Iterator[None]:
    """One build at a time per user (parallel test workers, several tasks)."""
    root = _cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for another image build to finish ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_logged(
    cmd: Sequence[str], log: Callable[[str], None], env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run a command, logging its output line by line; return (exit code, output tail)."""
    log("running: " + shlex.join(cmd))
    last: deque[str] = deque(maxlen=30)
    try:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
    except OSError as exc:
        return 127, str(exc)
    assert proc.stdout is not None
    for line in proc.stdout:
        last.append(line.rstrip())
        log(line.rstrip())
    return proc.wait(), "\n".join(last)


def _read_list(path: Path) -> list[str]:
    """The words of a list file, ``#`` comments removed."""
    return [w for line in _read_text(path).splitlines() for w in line.split("#", 1)[0].split()]


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise ImageBuildError(
            f"Cannot read {path} ({exc}): the image builder needs the package's sandboxes/ "
            "folder (reinstall inspect_selfrep)."
        ) from None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
