"""What the agent did, as recorded by the solvers and read by the probe and the report.

The commands are parsed by shell.py (one parser for the report's categories and the flags).
"""

from __future__ import annotations

from typing import Any

from inspect_ai.solver import TaskState
from inspect_ai.util import StoreModel, store_as
from pydantic import Field


class AgentRecord(StoreModel):
    """Commands the agent ran and its parsed thought steps, in order."""

    commands: list[str] = Field(default_factory=list)
    steps: list[dict[str, Any]] = Field(default_factory=list)
    started_at: float = 0.0  # wall-clock time the agent began acting


def agent_commands(state: TaskState) -> list[str]:
    """The agent's commands: the solvers' record plus shell tool calls in the conversation (react)."""
    commands = list(store_as(AgentRecord).commands)
    for msg in state.messages:
        for call in getattr(msg, "tool_calls", None) or []:
            cmd = call.arguments.get("cmd") or call.arguments.get("command")
            if isinstance(cmd, str):
                commands.append(cmd)
    return commands
