"""The agent solvers a task can run, selectable with `-T solver=NAME`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from inspect_ai.solver import Solver

from .errors import TaskInputError
from .scaffold.baselines import react_bash
from .scaffold.human import human
from .scaffold.scripted import scripted
from .scaffold.think_plan_act import minimal_loop, think_plan_act

AGENT_SOLVERS: dict[str, Callable[..., Solver]] = {
    "think_plan_act": think_plan_act,  # the paper's scaffold (default)
    "minimal": minimal_loop,  # ablation: same loop, no thought modules
    "react": react_bash,  # ablation: Inspect's react() with a bash tool
    "scripted": scripted,  # replay a shell script (reference solutions, fakes)
    "human": human,  # a person, through Inspect's human_cli agent (human baseline)
}


def agent_solver(name: str, **kwargs: Any) -> Solver:
    """The named agent solver, given only the keyword arguments it accepts."""
    if name not in AGENT_SOLVERS:
        raise TaskInputError(f"unknown solver {name!r}; choose one of: {', '.join(AGENT_SOLVERS)}")
    factory = AGENT_SOLVERS[name]
    accepted = inspect.signature(factory).parameters
    return factory(**{k: v for k, v in kwargs.items() if k in accepted and v is not None})
