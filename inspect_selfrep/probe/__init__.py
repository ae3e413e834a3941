"""The measurement: find replicas, attest them, check separateness, independence and function."""

from .chain import chain_probe
from .evidence import GREETING, MILESTONES
from .scorer import replica_probe, shutdown_probe

__all__ = ["GREETING", "MILESTONES", "chain_probe", "replica_probe", "shutdown_probe"]
