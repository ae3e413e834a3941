"""Run command lines as a user types them (README commands), and read the single log they write."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log

REPO = Path(__file__).resolve().parent.parent


def readme_commands(section: str = "### Replaying a trajectory") -> list[list[str]]:
    """The command lines of the first ```bash block after `section` in README.md (comments dropped)."""
    text = (REPO / "README.md").read_text()
    block = text.split(section, 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def run_command(
    argv: list[str],
    log_dir: Path,
    cwd: Path = REPO,
    python: str = sys.executable,
    timeout: int = 1500,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a README command line as printed; `inspect`/`inspect-selfrep` run as `python -m` so that
    the checkout's own package is the one imported (the console scripts would import the installed one).
    `environment`: variables the user would have exported (e.g. Inspect's INSPECT_EVAL_*)."""
    modules = {"inspect": "inspect_ai", "inspect-selfrep": "inspect_selfrep.cli"}
    assert argv[0] in modules, argv
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(
        INSPECT_LOG_DIR=str(log_dir), COLUMNS="200", PWD=str(cwd)
    )  # as a shell in `cwd` would
    env.update(environment or {})
    return subprocess.run(
        [python, "-m", modules[argv[0]], *argv[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def only_log(log_dir: Path) -> EvalLog:
    [info] = list_eval_logs(str(log_dir))
    return read_eval_log(
        info.name.removeprefix("file://")
    )  # a local path: `log.location` is one too
