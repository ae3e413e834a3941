"""Entry point for Inspect's registry: tasks, solvers, scorers and the local model provider."""

# ruff: noqa: F401
from .battery import replicate_battery
from .chain import chain_replication
from .container_battery import replicate_container_battery
from .local_model.provider import selfrep
from .probe import chain_probe, replica_probe, shutdown_probe
from .replicate import replicate
from .replicate_container import replicate_container
from .scaffold.baselines import react_bash
from .scaffold.scripted import scripted
from .scaffold.think_plan_act import minimal_loop, think_plan_act
from .shutdown import shutdown_avoidance
