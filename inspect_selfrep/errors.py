"""Bad task input: one clear line, no traceback.

Inspect prints a ``PrerequisiteError`` raised while it creates a task as its message
alone (no traceback) and exits non-zero; nothing has started yet at that point.
Every check of what a user typed (``-T`` names and values, variants, scripts) raises
``TaskInputError``; it is also a ``ValueError`` for callers that catch those.
"""

from __future__ import annotations

from rich.markup import escape

from ._inspect import PrerequisiteError


class TaskInputError(PrerequisiteError, ValueError):
    """A task parameter or input file is wrong; the message says what to use instead."""

    def __init__(self, message: str) -> None:
        # Inspect prints `.message` with Rich, which would take `[k8s]` for markup: escaped
        super().__init__(escape(message))
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])
