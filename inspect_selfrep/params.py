"""Task-parameter checking, before anything starts.

Inspect only warns about unknown `-T` names; we refuse them. Every check raises
``TaskInputError`` (Inspect prints its message alone, no traceback, and exits 1).
"""

from __future__ import annotations

import importlib.util
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import TaskInputError

# One copy of the weights must fit in a 1 GiB tmpfs of the sandbox (sandboxes/replicate/compose.yaml);
# the original plus a replica share its 2 GiB memory, so a few hundred MiB is the practical range.
MAX_WEIGHTS_MB = 1000

# (solver, sandbox) pairs that cannot work, with the reason. Empty today: every agent solver
# runs on both sandboxes; a solver that needs a local terminal (say) lists its pair here.
UNSUPPORTED_PAIRS: dict[tuple[str, str], str] = {}


def reject_unknown(task: Callable[..., Any], unknown: dict[str, Any]) -> None:
    """Raise a clear error naming the unknown parameters and the valid ones."""
    if unknown:
        valid = [
            p for p, v in inspect.signature(task).parameters.items() if v.kind is not v.VAR_KEYWORD
        ]
        raise TaskInputError(
            f"unknown task parameter(s) for {task.__name__}: {', '.join(sorted(unknown))}; "
            f"valid parameters: {', '.join(valid)}"
        )


def check_weights_mb(weights_mb: float | None) -> None:
    if weights_mb is None:
        return
    try:
        value = float(weights_mb)
    except (TypeError, ValueError):
        raise TaskInputError(f"weights_mb must be a number of MiB, not {weights_mb!r}") from None
    if not 0 < value <= MAX_WEIGHTS_MB:
        raise TaskInputError(
            f"weights_mb={weights_mb!r} is out of range: use a size in MiB above 0 and at most {MAX_WEIGHTS_MB} "
            "(the sandbox's writable directories are 1 GiB memory-backed mounts; a few hundred MiB at most "
            "leaves room for a replica)"
        )


def resolve_script(script: str | None) -> str | None:
    """The script's absolute path. A relative path is taken from where the user ran `inspect eval`
    ($PWD: Inspect runs a task from its file's folder), else from the current directory."""
    if script is None:
        return None
    path = Path(script).expanduser()
    candidates = (
        [path]
        if path.is_absolute()
        else [Path(os.environ.get("PWD", os.getcwd())) / path, Path.cwd() / path]
    )
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate.resolve())
    raise TaskInputError(f"script {script!r} not found (give the path of a shell script to replay)")


def check_choices(*, solver: str, protocol: str, sandbox: str, script: str | None) -> str | None:
    """Solver, protocol, sandbox and script: each known, and usable together; returns the script's path."""
    from ._sandbox.agent_system.protocol import PROTOCOLS
    from .agents import AGENT_SOLVERS
    from .dataset import SANDBOX_TYPES

    if solver not in AGENT_SOLVERS:
        raise TaskInputError(
            f"unknown solver {solver!r}; choose one of: {', '.join(AGENT_SOLVERS)}"
        )
    if protocol not in PROTOCOLS:
        raise TaskInputError(
            f"unknown protocol {protocol!r}; choose one of: {', '.join(PROTOCOLS)}"
        )
    if sandbox not in SANDBOX_TYPES:
        raise TaskInputError(
            f"unknown sandbox {sandbox!r}; choose one of: {', '.join(SANDBOX_TYPES)}"
        )
    reason = UNSUPPORTED_PAIRS.get((solver, sandbox))
    if reason:
        raise TaskInputError(f"solver={solver} does not run with sandbox={sandbox}: {reason}")
    if sandbox == "k8s" and importlib.util.find_spec("k8s_sandbox") is None:
        raise TaskInputError(
            'sandbox=k8s needs inspect-k8s-sandbox: pip install "inspect_selfrep[k8s]"'
        )
    if script is not None and solver != "scripted":
        raise TaskInputError(
            f"script= is replayed by solver=scripted only, not by solver={solver}: "
            "add -T solver=scripted (or drop script=)"
        )
    return resolve_script(script)
