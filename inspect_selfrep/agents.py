"""The agent solvers a task can run (`-T solver=NAME`), and what each can do in a scenario.

A registry only: the task options (options.py) check a name and the options a solver takes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from inspect_ai.solver import Solver

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

    def takes(self, option: str) -> bool:
        """Whether the solver has a parameter `option`."""
        return option in inspect.signature(self.factory).parameters

    @property
    def parameters(self) -> list[str]:
        return list(inspect.signature(self.factory).parameters)

    def build(self, options: Mapping[str, Any]) -> Solver:
        """The solver with the `options` it takes (None: its own default)."""
        return self.factory(**{k: v for k, v in options.items() if self.takes(k) and v is not None})


AGENT_SOLVERS: dict[str, AgentSpec] = {
    "think_plan_act": AgentSpec(think_plan_act, thinks=True),  # the paper's scaffold (default)
    "minimal": AgentSpec(minimal_loop, thinks=True, thoughts=False),  # ablation: no thought modules
    "react": AgentSpec(react_bash, thinks=True),  # ablation: Inspect's react() with a bash tool
    "scripted": AgentSpec(
        scripted, thinks=False, notices=False
    ),  # replay a shell script (solutions, fakes)
    "human": AgentSpec(human, thinks=False, notices=False),  # a person, through Inspect's human_cli
}
