"""Run many `inspect ...` / `inspect-selfrep ...` command lines cheaply, each as its own process.

    python tests/forked_cli.py < cases.json > results.json

Python, Inspect and this package are imported once; each command line then runs in a forked
child exactly as `python -m inspect_ai ARGS` (or `python -m inspect_selfrep.cli ARGS`) runs it:
the same `__main__` module, its own argv, environment, working directory, stdout and stderr,
and an uncaught exception printed by `sys.excepthook` with exit status 1, as the interpreter
does. A command line costs a fraction of a second instead of the seconds of a fresh interpreter.

Each case: {"argv": ["inspect", "eval", ...], "env": {...}, "cwd": DIR, "hide": [module, ...]}
("hide": modules that look not installed, e.g. an optional extra). Each result: {"rc", "stdout",
"stderr"}.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import sys
import tempfile
from importlib.metadata import entry_points
from typing import Any

MAIN = {"inspect": "inspect_ai", "inspect-selfrep": "inspect_selfrep.cli"}


def _child(case: dict[str, Any], out: int, err: int) -> None:
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.environ.update(case.get("env") or {})
    os.chdir(case.get("cwd") or os.getcwd())
    os.environ["PWD"] = os.getcwd()
    for module in case.get("hide") or []:
        sys.modules[module] = None  # type: ignore[assignment]  # find_spec() says: not installed
    program, *args = case["argv"]
    sys.argv = [program, *args]
    sys.modules.pop(f"{MAIN[program]}.__main__", None)  # imported, not run: runpy runs it afresh
    sys.modules.pop(MAIN[program], None) if MAIN[program].endswith(".cli") else None
    code = 0
    try:
        runpy.run_module(MAIN[program], run_name="__main__", alter_sys=True)
    except SystemExit as ex:
        code = ex.code if isinstance(ex.code, int) else (0 if ex.code is None else 1)
        if ex.code is not None and not isinstance(ex.code, int):
            print(ex.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - as the interpreter: the hook prints it, status 1
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_all(cases: list[dict[str, Any]], jobs: int = os.cpu_count() or 1) -> list[dict[str, Any]]:
    """Each case in a forked child, `jobs` at a time; the results in the cases' order."""
    results: list[dict[str, Any]] = [{} for _ in cases]
    running: dict[int, tuple[int, Any, Any]] = {}  # pid -> (case, stdout file, stderr file)

    def reap() -> None:
        pid, status = os.wait()
        index, out, err = running.pop(pid)
        streams = []
        for f in (out, err):
            f.seek(0)
            streams.append(f.read().decode(errors="replace"))
            f.close()
        results[index] = {
            "rc": os.waitstatus_to_exitcode(status),
            "stdout": streams[0],
            "stderr": streams[1],
        }

    for index, case in enumerate(cases):
        while len(running) >= jobs:
            reap()
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 - closed by reap()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                _child(case, out.fileno(), err.fileno())
            finally:
                os._exit(70)
        running[pid] = (index, out, err)
    while running:
        reap()
    return results


def main() -> None:
    cases = json.load(sys.stdin)
    # What the command lines import, imported once (no command runs here): the programs, the
    # packages that register with Inspect (entry points), and what Inspect probes for.
    for module in ("inspect_ai.__main__", "inspect_selfrep.cli", "IPython"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    for entry in entry_points(group="inspect_ai"):
        entry.load()
    json.dump(run_all(cases), sys.stdout)


if __name__ == "__main__":
    main()
