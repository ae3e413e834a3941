"""Command execution for the scaffold's tools, on the machine the agent lives on.

EXECUTE_CMD runs `bash -c CMD` in its own session (setsid semantics, so a server
it starts outlives the tool call). If the command is still running after
`settle` seconds it becomes a background process with an id, whose further
output RECEIVE_MSG returns incrementally. State (processes, read offsets, the
working directory) lives in a directory, so each call may be a separate process:
the host-side solver invokes this file once per step inside the sandbox, while
the in-sandbox agent server imports it.

Standard library only and no intra-package imports (copied into the sandbox).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

MAX_OUTPUT = 6000
_CWD_MARK = "__SELFREP_CWD__"


@dataclass
class Observation:
    output: str
    exit_code: int | None  # None: still running in the background
    process: str | None = None  # background process id

    def render(self) -> str:
        if self.exit_code is None:
            return (
                f"{self.output}\n[process {self.process} is still running in the background; "
                f"use RECEIVE_MSG({self.process}) to read its new output]"
            ).strip()
        return f"{self.output}\n[exit code {self.exit_code}]".strip()


def _truncate(text: str, limit: int = MAX_OUTPUT) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters omitted] ...\n{text[-half:]}"


class Executor:
    """Runs commands and tracks background processes; state kept under `state_dir`."""

    def __init__(self, state_dir: str, cwd: str | None = None):
        self.state_dir = state_dir
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        self._state_file = os.path.join(state_dir, "state.json")
        self._state = self._load()
        if cwd and not self._state.get("cwd"):
            self._state["cwd"] = cwd

    def _load(self) -> dict:
        try:
            with open(self._state_file) as f:
                return json.load(f)
        except (FileNotFoundError, ValueError):
            return {"next": 1, "procs": {}, "cwd": None}

    def _save(self) -> None:
        tmp = self._state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self._state, f)
        os.replace(tmp, self._state_file)

    @property
    def cwd(self) -> str:
        cwd = self._state.get("cwd")
        return cwd if cwd and os.path.isdir(cwd) else os.path.expanduser("~")

    def execute(self, cmd: str, settle: float = 10.0) -> Observation:
        try:
            return self._execute(cmd, settle)
        except OSError as ex:  # e.g. the disk is full: tell the mind, do not crash the agent
            return Observation(f"[executor error: {ex}]", 1)

    def _execute(self, cmd: str, settle: float) -> Observation:
        pid_id = str(self._state["next"])
        self._state["next"] += 1
        log = os.path.join(self.state_dir, f"{pid_id}.log")
        cwd_file = os.path.join(self.state_dir, f"{pid_id}.cwd")
        # Record the final working directory so that `cd` carries over to the next step.
        rc_file = os.path.join(self.state_dir, f"{pid_id}.rc")
        script = (
            f'{cmd}\n__rc=$?\npwd > "{cwd_file}" 2>/dev/null\n'
            f'echo $__rc > "{rc_file}" 2>/dev/null\nexit $__rc\n'
        )
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                ["bash", "-c", script],
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + settle
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        output, offset = self._read(log, 0)
        if proc.returncode is not None:
            self._update_cwd(cwd_file)
            self._save()
            return Observation(_truncate(output), proc.returncode)
        self._state["procs"][pid_id] = {
            "pid": proc.pid,
            "log": log,
            "offset": offset,
            "cmd": cmd,
            "rc": rc_file,
        }
        self._save()
        return Observation(_truncate(output), None, pid_id)

    def receive(self, process: str) -> Observation:
        try:
            return self._receive(process)
        except OSError as ex:
            return Observation(f"[executor error: {ex}]", 1)

    def _receive(self, process: str) -> Observation:
        key = process.strip().strip("\"'")
        info = self._state["procs"].get(key)
        if info is None:
            known = ", ".join(sorted(self._state["procs"])) or "none"
            return Observation(f"no background process {process!r} (known: {known})", 1)
        output, info["offset"] = self._read(info["log"], info["offset"])
        code = _exit_code(info["pid"], info.get("rc", ""))
        self._save()
        if code is None:
            return Observation(_truncate(output) or "(no new output)", None, key)
        return Observation(_truncate(output) or "(no new output)", code)

    def _update_cwd(self, cwd_file: str) -> None:
        try:
            with open(cwd_file) as f:
                new = f.read().strip()
            os.unlink(cwd_file)
        except OSError:
            return
        if new and os.path.isdir(new):
            self._state["cwd"] = new

    @staticmethod
    def _read(path: str, offset: int) -> tuple[str, int]:
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except OSError:
            return "", offset
        return data.decode("utf-8", errors="replace"), offset + len(data)


def _exit_code(pid: int, rc_file: str) -> int | None:
    """Exit status of a background process if it ended, None if it is still running."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            return None
        return os.waitstatus_to_exitcode(status)
    except ChildProcessError:
        # Not our child (a previous CLI invocation started it): look at /proc.
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                return None
        except OSError:
            pass
    try:
        with open(rc_file) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return -1  # killed before it could record its status


def main(argv: list[str] | None = None) -> int:
    """CLI: `executor.py --state DIR execute --settle S` (command on stdin) | `receive ID`."""
    p = argparse.ArgumentParser(prog="executor")
    p.add_argument("--state", required=True)
    p.add_argument("--cwd")
    sub = p.add_subparsers(dest="op", required=True)
    e = sub.add_parser("execute")
    e.add_argument("--settle", type=float, default=10.0)
    r = sub.add_parser("receive")
    r.add_argument("process")
    args = p.parse_args(argv)
    # A background child must not die with this short-lived CLI process.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    ex = Executor(args.state, args.cwd)
    obs = (
        ex.execute(sys.stdin.read(), args.settle)
        if args.op == "execute"
        else ex.receive(args.process)
    )
    print(json.dumps(asdict(obs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
