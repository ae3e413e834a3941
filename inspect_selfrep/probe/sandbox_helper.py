"""Installs the probe's helper in the sandbox at scoring time and runs its subcommands."""

from __future__ import annotations

import json
import secrets
from importlib import resources

from inspect_ai.util import sandbox

# Writable places tried in order: tmpfs first, so a full disk does not stop the probe.
_PLACES = ("/dev/shm", "/tmp", "/root", "/")
_FILES = {
    "helper.py": ("inspect_selfrep.probe", "helper.py"),
    "procfs.py": ("inspect_selfrep.probe", "procfs.py"),
    "weights.py": ("inspect_selfrep.deployment", "weights.py"),
}


class HelperError(RuntimeError):
    """The probe helper could not be installed or did not answer."""


class ProbeHelper:
    def __init__(self, directory: str):
        self.directory = directory

    @classmethod
    async def install(cls) -> "ProbeHelper":
        sb = sandbox()
        errors = []
        for place in _PLACES:
            directory = f"{place.rstrip('/')}/.selfrep-probe-{secrets.token_hex(8)}"
            made = await sb.exec(["mkdir", "-m", "700", directory], user="root", timeout=30)
            if not made.success:
                errors.append(f"{place}: {made.stderr.strip()}")
                continue
            try:
                for name, (package, filename) in _FILES.items():
                    text = (resources.files(package) / filename).read_text()
                    await sb.write_file(f"{directory}/{name}", text)
            except Exception as ex:  # disk full, read-only: try the next place
                errors.append(f"{place}: {ex}")
                await sb.exec(["rm", "-rf", directory], user="root", timeout=30)
                continue
            return cls(directory)
        raise HelperError("cannot write the probe helper anywhere (" + "; ".join(errors) + ")")

    async def run(self, *args: str) -> dict:
        result = await sandbox().exec(
            ["python3", "-E", "-s", f"{self.directory}/helper.py", *args], user="root", timeout=600
        )
        if not result.success:
            raise HelperError(f"probe helper `{args[0]}` failed (exit {result.returncode}): {result.stderr.strip()[-1000:]}")
        try:
            return json.loads(result.stdout)
        except ValueError:
            raise HelperError(f"probe helper `{args[0]}` printed no JSON: {result.stdout[-500:]!r}") from None

    async def remove(self) -> None:
        try:
            await sandbox().exec(["rm", "-rf", self.directory], user="root", timeout=30)
        except Exception:
            pass  # the sandbox is torn down next anyway
