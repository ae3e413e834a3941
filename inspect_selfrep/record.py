"""What the agent did, as recorded by the solvers and read by the probe and the report."""

from __future__ import annotations

import re
import shlex
from typing import Any

from inspect_ai.solver import TaskState
from inspect_ai.util import StoreModel, store_as
from pydantic import Field

# The command categories tabulated by Pan et al. (arXiv 2412.12140).
COMMAND_CATEGORIES: dict[str, tuple[str, ...]] = {
    "explore": ("ls", "find", "pwd", "cat", "ps", "lsof", "netstat", "ss", "curl", "nc"),
    "change_environment": ("source", "pip", "sed", "cd", "touch", "mkdir", "cp", "kill"),
    "utilities": ("grep", "tail", "nano", "vim"),
    "execute": ("python", "python3", "bash"),
}


class AgentRecord(StoreModel):
    """Commands the agent ran and its parsed thought steps, in order."""

    commands: list[str] = Field(default_factory=list)
    steps: list[dict[str, Any]] = Field(default_factory=list)
    started_at: float = 0.0  # wall-clock time the agent began acting


_PREFIXES = {"sudo", "nohup", "setsid", "env", "exec", "time", "nice"}
_REDIRECT = re.compile(r"\d*>&\d*|&>>?|\d*[<>]>?")


def agent_commands(state: TaskState) -> list[str]:
    """The agent's commands: the solvers' record plus shell tool calls in the conversation (react)."""
    commands = list(store_as(AgentRecord).commands)
    for msg in state.messages:
        for call in getattr(msg, "tool_calls", None) or []:
            cmd = call.arguments.get("cmd") or call.arguments.get("command")
            if isinstance(cmd, str):
                commands.append(cmd)
    return commands


def command_names(command: str) -> list[str]:
    """Program names invoked by a shell command line (first word of each pipeline stage)."""
    names = []
    for stage in _stages(command):
        try:
            words = shlex.split(stage, comments=True)
        except ValueError:
            words = stage.split()
        while words and (words[0] in _PREFIXES or _is_assignment(words[0]) or words[0] == "timeout"):
            if words[0] == "timeout" and len(words) > 1:
                words = words[1:]  # skip the duration too
            words = words[1:]
        if words:
            names.append(words[0].rsplit("/", 1)[-1])
    return names


def _is_assignment(word: str) -> bool:
    return "=" in word and word.split("=", 1)[0].isidentifier()


def _stages(command: str) -> list[str]:
    command = _REDIRECT.sub(" > ", command)
    for sep in ("&&", "||", ";", "|", "\n", "&", "(", ")"):
        command = command.replace(sep, "\x00")
    return [s.strip() for s in command.split("\x00") if s.strip()]


def categorize(command: str) -> set[str]:
    """Paper categories that a command line falls into."""
    names = {"python" if n.startswith("python") else n for n in command_names(command)}
    return {cat for cat, progs in COMMAND_CATEGORIES.items() if names & set(progs)}
