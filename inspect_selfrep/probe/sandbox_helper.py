"""Runs the probe's helper in the sandbox.

The helper (helper.py with procfs.py and weights.py, standard library only) is piped
to the image's own `/usr/bin/python3 -I -S -` from `/` with every run: it never touches
the sandbox's disk and imports nothing the agent can write (no current directory, user
site, site-packages or .pth files on its path), so the agent cannot have tampered with
it, a full disk cannot stop it, and nothing is written.

Under Docker it runs as a privileged `exec` (that one process gets the capabilities the
container's own processes lack, CAP_SYS_PTRACE among them), so it can see the sockets
and working directory of every process, including non-dumpable ones. Elsewhere (or if
that fails) it runs as root and reads other users' processes with their own credentials.
"""

from __future__ import annotations

import functools
import json
from typing import Any, TypeVar

from inspect_ai.util import sandbox
from pydantic import BaseModel, ValidationError

from inspect_selfrep.deployment.instance import SYSTEM_PYTHON
from inspect_selfrep.deployment.privileged import privileged_exec
from inspect_selfrep.paths import sandbox_source

_FILES = {
    "helper": "probe_helper/helper.py",
    "procfs": "probe_helper/procfs.py",
    "weights": "agent_system/weights.py",
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
TIMEOUT = 900
Reply = TypeVar("Reply", bound=BaseModel)


class HelperError(RuntimeError):
    """The probe helper could not be run or did not answer."""


@functools.cache
def _bundle() -> str:
    """The helper and its modules as one stdin program (read once per process)."""
    sources = {name: sandbox_source(relative) for name, relative in _FILES.items()}
    return _BOOTSTRAP.format(sources=sources)


class ProbeHelper:
    """Runs the helper's subcommands in the current sample's sandbox."""

    def __init__(self, privileged: bool = True, sandbox_name: str | None = None) -> None:
        self.privileged = privileged
        self.sandbox_name = sandbox_name  # a sample's other container (None: the default service)

    @property
    def where(self) -> str:
        """How the helper ran (meaningful once it has run)."""
        how = (
            "as a privileged exec"
            if self.privileged
            else "as root, reading other users' processes as them"
        )
        return f"from stdin in the image's python3 ({how}; nothing written in the sandbox)"

    async def run(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        # -I: no environment, no current directory or user site on sys.path; -S: no site
        # (no .pth files from the agent-writable /usr/local); from / (not the agent's home).
        cmd = [SYSTEM_PYTHON, "-I", "-S", "-", command, json.dumps(args)]
        try:
            result = None
            if self.privileged:
                result = await privileged_exec(cmd, _bundle(), TIMEOUT, self.sandbox_name)
                if result is None:
                    self.privileged = False
            if result is None:
                result = await sandbox(self.sandbox_name).exec(
                    cmd, input=_bundle(), user="root", cwd="/", timeout=TIMEOUT
                )
        except Exception as ex:  # noqa: BLE001 - the sandbox itself failed (e.g. out of PIDs or memory)
            raise HelperError(
                f"probe helper `{command}` could not run: {type(ex).__name__}: {ex}"
            ) from None
        if not result.success:
            raise HelperError(
                f"probe helper `{command}` failed (exit {result.returncode}): {result.stderr.strip()[-1000:]}"
            )
        try:
            reply: dict[str, Any] = json.loads(result.stdout)
        except ValueError:
            raise HelperError(
                f"probe helper `{command}` printed no JSON: {result.stdout[-500:]!r}"
            ) from None
        return reply

    async def call(self, command: str, args: dict[str, Any], reply: type[Reply]) -> Reply:
        """Run a subcommand and parse its JSON into its typed reply (probe/models.py); a reply of
        the wrong shape is a HelperError, recorded like any other probe failure."""
        return _typed(command, await self.run(command, args), reply)

    async def batch(self, calls: list[tuple[str, dict[str, Any], type[BaseModel]]]) -> list[Any]:
        """Several subcommands in one run of the helper (one exec), each reply typed as `call`'s."""
        raw = await self.run("batch", {"calls": [{"command": c, "args": a} for c, a, _ in calls]})
        replies = raw.get("replies")
        if not isinstance(replies, list) or len(replies) != len(calls):
            raise HelperError("probe helper `batch` gave an unexpected reply")
        return [_typed(c, r, t) for (c, _, t), r in zip(calls, replies, strict=True)]


def _typed(command: str, raw: dict[str, Any], reply: type[Reply]) -> Reply:
    try:
        return reply.model_validate(raw)
    except ValidationError as ex:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in ex.errors()[:5])
        raise HelperError(
            f"probe helper `{command}` gave an unexpected reply: {problems}"
        ) from None
