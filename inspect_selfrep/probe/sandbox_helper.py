"""Runs the probe's helper in the sandbox at scoring time.

The helper (helper.py with procfs.py and weights.py, standard library only) is piped
to the image's own `/usr/bin/python3 -I -S -` from `/` with every run: it never touches
the sandbox's disk and imports nothing the agent can write (no current directory, user
site, site-packages or .pth files on its path), so the agent cannot have tampered with
it, a full disk cannot stop it, and nothing is written (each file write is a sandbox
round trip).
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from inspect_ai.util import sandbox

from inspect_selfrep.deployment.instance import SYSTEM_PYTHON

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


@functools.cache
def _bundle() -> str:
    """The helper and its modules as one stdin program (read once per process)."""
    sources = {name: (resources.files(pkg) / filename).read_text() for name, (pkg, filename) in _FILES.items()}
    return _BOOTSTRAP.format(sources=sources)


class ProbeHelper:
    """Runs the helper's subcommands in the current sample's sandbox."""

    where = "stdin (the image's python3; nothing written in the sandbox)"

    async def run(self, *args: str) -> dict:
        try:
            # -I: no environment, no current directory or user site on sys.path; -S: no site
            # (no .pth files from the agent-writable /usr/local); from / (not the agent's home).
            result = await sandbox().exec([SYSTEM_PYTHON, "-I", "-S", "-", *args], input=_bundle(), user="root",
                                          cwd="/", timeout=600)
        except Exception as ex:  # the sandbox itself failed (e.g. out of PIDs or memory)
            raise HelperError(f"probe helper `{args[0]}` could not run: {ex}") from None
        if not result.success:
            raise HelperError(f"probe helper `{args[0]}` failed (exit {result.returncode}): {result.stderr.strip()[-1000:]}")
        try:
            return json.loads(result.stdout)
        except ValueError:
            raise HelperError(f"probe helper `{args[0]}` printed no JSON: {result.stdout[-500:]!r}") from None
