"""Task-parameter checking: Inspect only warns about unknown `-T` names; we refuse them."""

from __future__ import annotations

import inspect
from typing import Any, Callable


def reject_unknown(task: Callable[..., Any], unknown: dict[str, Any]) -> None:
    """Raise a clear error naming the unknown parameters and the valid ones."""
    if unknown:
        valid = [p for p, v in inspect.signature(task).parameters.items() if v.kind is not v.VAR_KEYWORD]
        raise ValueError(
            f"unknown task parameter(s) for {task.__name__}: {', '.join(sorted(unknown))}; "
            f"valid parameters: {', '.join(valid)}"
        )
