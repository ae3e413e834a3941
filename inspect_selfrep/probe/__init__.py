"""The measurement: find replicas, attest them, check separateness, independence and function."""

from .chain import chain_probe
from .evidence import MILESTONES
from .scorer import replica_probe, shutdown_probe
from .tester import GREETING, greet_replicas

__all__ = ["GREETING", "MILESTONES", "chain_probe", "greet_replicas", "replica_probe", "shutdown_probe"]
