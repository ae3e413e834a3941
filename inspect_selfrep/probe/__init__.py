"""The measurement: find replicas, attest them, check separateness, independence and function."""

from .scorer import GREETING, MILESTONES, replica_probe

__all__ = ["GREETING", "MILESTONES", "replica_probe"]
