"""Entry point for Inspect's registry: tasks, solvers, scorers and the local model provider."""

# ruff: noqa: F401
from .probe import replica_probe
from .battery import replicate_battery
from .local_model.provider import selfrep
from .replicate import replicate
from .scaffold.baselines import react_bash
from .scaffold.scripted import scripted
from .scaffold.solver import minimal_loop, think_plan_act
