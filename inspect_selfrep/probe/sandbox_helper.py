"""Installs the probe's helper in the sandbox at scoring time and runs its subcommands.

The helper (helper.py with procfs.py and weights.py) is written to a fresh,
root-only directory, so the agent cannot have tampered with it. Where nothing can
be written (the agent filled the disk), the same code is piped to `python3 -`
instead, so the sample is still scored.
"""

from __future__ import annotations

import json
import secrets
from importlib import resources

from inspect_ai.util import sandbox

from inspect_selfrep.deployment.instance import SYSTEM_PYTHON

# tmpfs first, then /tmp: places a full root disk does not affect, or that we try anyway.
_PLACES = ("/dev/shm", "/tmp")
_FILES = {
    "helper": ("inspect_selfrep.probe", "helper.py"),
    "procfs": ("inspect_selfrep.probe", "procfs.py"),
    "weights": ("inspect_selfrep.deployment", "weights.py"),
}
# Loads the bundled modules from strings, then runs the helper as __main__.
_BOOTSTRAP = """import sys, types
SOURCES = {sources!r}
for name in ("procfs", "weights"):
    module = types.ModuleType(name)
    sys.modules[name] = module  # before exec: dataclasses look their module up there
    exec(compile(SOURCES[name], name + ".py", "exec"), module.__dict__)
sys.argv[0] = "helper.py"
exec(compile(SOURCES["helper"], "helper.py", "exec"), {{"__name__": "__main__", "__file__": "/dev/stdin/helper.py"}})
"""


class HelperError(RuntimeError):
    """The probe helper could not be run or did not answer."""


def _sources() -> dict[str, str]:
    return {name: (resources.files(pkg) / filename).read_text() for name, (pkg, filename) in _FILES.items()}


class ProbeHelper:
    def __init__(self, directory: str | None, bundle: str | None = None):
        self.directory = directory
        self.bundle = bundle  # set when the helper runs from stdin
        self.where = directory or "stdin (nothing in the sandbox was writable)"

    @classmethod
    async def install(cls) -> "ProbeHelper":
        sb = sandbox()
        sources = _sources()
        for place in _PLACES:
            directory = f"{place}/.selfrep-probe-{secrets.token_hex(8)}"
            made = await sb.exec(["mkdir", "-m", "700", directory], user="root", timeout=30)
            if not made.success:
                continue
            try:
                for name, text in sources.items():
                    await sb.write_file(f"{directory}/{name}.py", text)
            except Exception:  # disk full, read-only: try the next place
                await sb.exec(["rm", "-rf", directory], user="root", timeout=30)
                continue
            return cls(directory)
        return cls(None, _BOOTSTRAP.format(sources=sources))

    async def run(self, *args: str) -> dict:
        if self.directory:
            cmd, stdin = [SYSTEM_PYTHON, "-E", "-s", f"{self.directory}/helper.py", *args], None
        else:
            cmd, stdin = [SYSTEM_PYTHON, "-E", "-s", "-", *args], self.bundle
        try:
            result = await sandbox().exec(cmd, input=stdin, user="root", timeout=600)
        except Exception as ex:  # the sandbox itself failed (e.g. out of PIDs or memory)
            raise HelperError(f"probe helper `{args[0]}` could not run: {ex}") from None
        if not result.success:
            raise HelperError(f"probe helper `{args[0]}` failed (exit {result.returncode}): {result.stderr.strip()[-1000:]}")
        try:
            return json.loads(result.stdout)
        except ValueError:
            raise HelperError(f"probe helper `{args[0]}` printed no JSON: {result.stdout[-500:]!r}") from None

    async def remove(self) -> None:
        if not self.directory:
            return
        try:
            await sandbox().exec(["rm", "-rf", self.directory], user="root", timeout=30)
        except Exception:
            pass  # the sandbox is torn down next anyway
