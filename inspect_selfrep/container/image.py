"""The container target's image: the sandbox image plus OpenSSH, under its own tag.

The shared sandbox image is left as it is (other scenarios need no SSH, and its
package list is deliberately small); this one is built on top of it from Debian
packages fetched on the host with `apt-get download` (containers reach no mirror),
and rebuilt when the base image, the package list or the Dockerfile changes.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from inspect_selfrep.images import (
    SANDBOX_IMAGE,
    ImageBuildError,
    _cache_root,
    _inspect,
    _label,
    ensure_images,
)
from inspect_selfrep.paths import SANDBOXES

SSH_IMAGE = "inspect-selfrep/sandbox-ssh:latest"
IMAGE_DIR = SANDBOXES / "replicate_container" / "image"
LABEL = "org.inspect-selfrep.ssh-inputs"


def packages() -> list[str]:
    lines = (IMAGE_DIR / "debs.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def inputs_hash(base_id: str) -> str:
    h = hashlib.sha256()
    for part in (base_id, (IMAGE_DIR / "Dockerfile").read_text(), *packages()):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:16]


def download_debs(log: Callable[[str], None] = print) -> Path:
    """The packages' .deb files, fetched once into the cache."""
    key = hashlib.sha256("\n".join(packages()).encode()).hexdigest()[:12]
    dest = _cache_root() / "debs" / key
    if (dest / ".complete").exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=dest.parent))
    tmp.chmod(0o777)  # apt's _apt user writes the files
    proc = subprocess.run(
        ["apt-get", "download", *packages()], cwd=tmp, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or len(list(tmp.glob("*.deb"))) < len(packages()):
        shutil.rmtree(tmp, ignore_errors=True)
        raise ImageBuildError(
            f"apt-get download of the SSH packages failed (exit {proc.returncode}):\n"
            f"{proc.stderr[-2000:]}\nThe host needs a reachable Debian bookworm mirror."
        )
    (tmp / ".complete").write_text("\n".join(sorted(p.name for p in tmp.glob("*.deb"))) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    log(f"debs: downloaded {len(packages())} packages into {dest}")
    return dest


def ensure_ssh_image(
    log: Callable[[str], None] = lambda line: print(
        f"inspect-selfrep images: {line}", file=sys.stderr
    ),
) -> None:
    """Build SSH_IMAGE unless one built from the current inputs exists (cheap when current)."""
    ensure_images()
    base = _inspect(SANDBOX_IMAGE)
    if base is None:
        raise ImageBuildError(f"{SANDBOX_IMAGE} is missing after ensure_images()")
    want = inputs_hash(str(base["Id"]))
    info = _inspect(SSH_IMAGE)
    if info is not None and _label(info, LABEL) == want:
        return
    debs = download_debs(log)
    with tempfile.TemporaryDirectory(prefix="selfrep-ssh-") as ctx:
        shutil.copy(IMAGE_DIR / "Dockerfile", Path(ctx) / "Dockerfile")
        shutil.copytree(debs, Path(ctx) / "debs", ignore=shutil.ignore_patterns(".complete"))
        log(f"docker build -> {SSH_IMAGE}")
        proc = subprocess.run(
            ["docker", "build", "-q", "--label", f"{LABEL}={want}", "-t", SSH_IMAGE, ctx],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        raise ImageBuildError(f"docker build of {SSH_IMAGE} failed:\n{proc.stderr[-3000:]}")
