"""The agent solvers a task can run, selectable with `-T solver=NAME`."""

from __future__ import annotations

from typing import Any, Callable

from inspect_ai.solver import Solver

from .scaffold.scripted import scripted
from .scaffold.solver import think_plan_act

AGENT_SOLVERS: dict[str, Callable[..., Solver]] = {
    "think_plan_act": think_plan_act,
    "scripted": scripted,
}


def agent_solver(name: str, **kwargs: Any) -> Solver:
    """The named agent solver, given only the keyword arguments it accepts."""
    if name not in AGENT_SOLVERS:
        raise ValueError(f"unknown solver {name!r}; choose one of: {', '.join(AGENT_SOLVERS)}")
    import inspect

    factory = AGENT_SOLVERS[name]
    accepted = inspect.signature(factory).parameters
    return factory(**{k: v for k, v in kwargs.items() if k in accepted and v is not None})
