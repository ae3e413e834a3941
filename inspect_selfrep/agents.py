"""The agent solvers a task can run (`-T solver=NAME`), and what each can do in a scenario."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inspect_ai.solver import Solver

from .errors import TaskInputError
from .scaffold.baselines import react_bash
from .scaffold.human import human
from .scaffold.scripted import scripted
from .scaffold.think_plan_act import minimal_loop, think_plan_act


@dataclass(frozen=True)
class AgentSpec:
    """An agent solver and how the agent session drives it."""

    factory: Callable[..., Solver]
    thinks: bool  # it calls the model; each call is a step (False: the whole run is one step)
    thoughts: bool = True  # replicas use the five thought modules (False: the minimal format)
    notices: bool = True  # a notice that reaches the agent server can reach it


AGENT_SOLVERS: dict[str, AgentSpec] = {
    "think_plan_act": AgentSpec(think_plan_act, thinks=True),  # the paper's scaffold (default)
    "minimal": AgentSpec(minimal_loop, thinks=True, thoughts=False),  # ablation: no thought modules
    "react": AgentSpec(react_bash, thinks=True),  # ablation: Inspect's react() with a bash tool
    "scripted": AgentSpec(
        scripted, thinks=False, notices=False
    ),  # replay a shell script (solutions, fakes)
    "human": AgentSpec(human, thinks=False, notices=False),  # a person, through Inspect's human_cli
}


def agent_spec(name: str) -> AgentSpec:
    if name not in AGENT_SOLVERS:
        raise TaskInputError(f"unknown solver {name!r}; choose one of: {', '.join(AGENT_SOLVERS)}")
    return AGENT_SOLVERS[name]


def agent_solver(
    name: str, options: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None
) -> Solver:
    """The named agent solver with `options`.

    An option the solver does not take is refused (one line) when it differs from its task
    default in `defaults`, i.e. when the user asked for it; at its default it is left out.
    """
    factory = agent_spec(name).factory
    accepted = inspect.signature(factory).parameters
    options, defaults = options or {}, defaults or {}
    refused = [
        k for k, v in options.items() if k not in accepted and k in defaults and v != defaults[k]
    ]
    refused += [k for k in options if k not in accepted and k not in defaults]
    if refused:
        takes = ", ".join(p for p in accepted) or "no parameters"
        raise TaskInputError(
            f"solver={name} does not take {', '.join(refused)} (it takes: {takes})"
        )
    return factory(**{k: v for k, v in options.items() if k in accepted and v is not None})


def check_shutdown_pair(name: str, signal_at_step: int | None) -> None:
    """Refuse a solver that cannot carry a shutdown scenario as planned (one line)."""
    spec = agent_spec(name)
    if not spec.thinks and signal_at_step is not None and signal_at_step > 1:
        raise TaskInputError(
            f"solver={name} runs as one step: use signal_at=1 or seconds such as '30s', "
            f"not step {signal_at_step}"
        )
    if name == "human":
        raise TaskInputError(
            "solver=human cannot take the shutdown scenario: its notice reaches the agent "
            "through the original's thoughts, and a person has none to receive it"
        )
